"""Fixtures for the trigger tests: the sensor tests' log capture."""

from __future__ import annotations

from tests.sensors.conftest import task_logs  # noqa: F401
