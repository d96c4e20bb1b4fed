"""Fixtures of the reliability tests, and the fault matrix report at the end of the session."""

from __future__ import annotations

import json

import pytest

from airflow_provider_releases.sandbox import Sandbox
from airflow_provider_releases.sandbox.server import DEFAULT_CONN_IDS
from tests.operators.conftest import make_context, xcom_store  # noqa: F401 (fixtures)
from tests.reliability import report
from tests.reliability.faults import READ_TIMEOUT


@pytest.fixture
def matrix_sandbox(release_sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    """The reset sandbox, its four default connections reading with a short timeout."""
    for service, conn_id in DEFAULT_CONN_IDS.items():
        conn = release_sandbox.connection(service)
        conn["extra"] = {**conn.get("extra", {}), "read_timeout": READ_TIMEOUT}
        monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(conn))
    return release_sandbox


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    if not report.RESULTS:
        return
    from airflow import __version__ as airflow_version

    path = report.write(airflow_version)
    passed, run = report.totals()
    terminalreporter.write_sep("=", "fault matrix")
    terminalreporter.write_line(report.markdown(f"Fault matrix on Airflow {airflow_version}"))
    terminalreporter.write_line(f"fault matrix: {passed} of {run} cells passed; written to {path}")
