"""Fixtures for the sensor and trigger tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import structlog.testing


class TaskLogs:
    """What operators and triggers logged through their (structlog) ``self.log``."""

    def __init__(self, entries: list[dict]) -> None:
        self.entries = entries

    def at(self, level: str) -> list[str]:
        """The messages logged at ``level`` ("info", "warning", ...), in order."""
        return [entry["event"] for entry in self.entries if entry["log_level"] == level]


@pytest.fixture
def task_logs() -> Iterator[TaskLogs]:
    """Capture what sensors and triggers log through ``self.log``."""
    with structlog.testing.capture_logs() as entries:
        yield TaskLogs(entries)
