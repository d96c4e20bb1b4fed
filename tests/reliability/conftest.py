"""Fixtures of the reliability tests (``tests/session_summary.py`` reports the fault matrix)."""

from __future__ import annotations

import json

import pytest

from airflow_provider_releases_sandbox import Sandbox
from airflow_provider_releases_sandbox.server import DEFAULT_CONN_IDS
from tests.reliability.faults import READ_TIMEOUT


@pytest.fixture
def matrix_sandbox(release_sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    """The reset sandbox, its four default connections reading with a short timeout."""
    for service, conn_id in DEFAULT_CONN_IDS.items():
        conn = release_sandbox.connection(service)
        conn["extra"] = {**conn.get("extra", {}), "read_timeout": READ_TIMEOUT}
        monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(conn))
    return release_sandbox
