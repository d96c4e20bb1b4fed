"""Shared fixtures: fake connections with distinctive secrets, a sleep recorder, log capture; the
secret-leak audit (``tests/secret_audit.py``), which fails any test that shows one of those secrets;
and what pytest-xdist needs: an ``AIRFLOW_HOME`` per worker, the engine tests on one worker, and
the session's summaries gathered from every worker (``tests/session_summary.py``)."""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections.abc import Iterator

os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="airflow-home-"))
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
# Under pytest-xdist each worker has its own AIRFLOW_HOME (its own SQLite metadata database) in the
# session's, set before Airflow reads its configuration.
if _worker := os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ["AIRFLOW_HOME"] = os.path.join(os.environ["AIRFLOW_HOME"], _worker)
    os.makedirs(os.environ["AIRFLOW_HOME"], exist_ok=True)

# Import Airflow before any test captures logs: importing it replaces the root log handlers.
import airflow.sdk  # noqa: F401
import pytest
import structlog.testing

from airflow_provider_releases.hooks.base import ReleasesBaseHook
from airflow_provider_releases.utils.clock import Clock
from tests import secret_audit, session_summary

SECRETS = {
    "amplitude_api_key": "amp-key-SECRET-5b7e1c",
    "amplitude_secret_key": "amp-secret-SECRET-9d2f4a",
    "launchdarkly_token": "api-ld-SECRET-3c8e77",
    "aha_api_key": "aha-key-SECRET-71ac0e",
    "cryptlex_token": "cx-token-SECRET-a41b9d",
}

CONNECTIONS = {
    "amplitude_default": {
        "conn_type": "amplitude",
        "login": SECRETS["amplitude_api_key"],
        "password": SECRETS["amplitude_secret_key"],
    },
    "launchdarkly_default": {"conn_type": "launchdarkly", "password": SECRETS["launchdarkly_token"]},
    "aha_default": {
        "conn_type": "aha",
        "host": "https://company.aha.io",
        "password": SECRETS["aha_api_key"],
    },
    "cryptlex_default": {"conn_type": "cryptlex", "password": SECRETS["cryptlex_token"]},
}


for _label, _secret in SECRETS.items():
    secret_audit.register_canary(_label, _secret)


def set_connection(monkeypatch: pytest.MonkeyPatch, conn_id: str, **conn: object) -> None:
    """
    Define an Airflow connection through its AIRFLOW_CONN_ environment variable (JSON form).

    Its password (and Amplitude's API key, the login) become canaries of the secret-leak audit,
    so they must be distinctive fake secrets of at least 12 characters.
    """
    secret_audit.register_connection(f"connection {conn_id}", conn)
    monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(conn))


for _conn_id, _conn in CONNECTIONS.items():
    secret_audit.register_connection(f"connection {_conn_id}", _conn)


def pytest_configure(config: pytest.Config) -> None:
    """Turn the secret-leak audit on (``-p no:secret_audit`` turns it off), and the session's summaries."""
    config.pluginmanager.register(secret_audit, secret_audit.PLUGIN_NAME)
    config.pluginmanager.register(session_summary, session_summary.PLUGIN_NAME)


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """
    Keep the engine tests on one pytest-xdist worker (``--dist loadgroup``): each starts Airflow's
    processes, and a module's tests share one engine.
    """
    for item in items:
        if item.get_closest_marker("engine"):
            item.add_marker(pytest.mark.xdist_group("engine"))


@pytest.fixture(autouse=True)
def default_connections(monkeypatch: pytest.MonkeyPatch) -> dict[str, dict]:
    for conn_id, conn in CONNECTIONS.items():
        set_connection(monkeypatch, conn_id, **conn)
    return CONNECTIONS


class RecordingClock(Clock):
    """A clock whose blocking ``sleep`` records the wait instead of sleeping."""

    def __init__(self, recorded: list[float]) -> None:
        self.recorded = recorded

    def sleep(self, seconds: float) -> None:
        self.recorded.append(seconds)


@pytest.fixture(autouse=True)
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record the hooks' backoff waits instead of sleeping."""
    recorded: list[float] = []
    monkeypatch.setattr(ReleasesBaseHook, "default_clock", RecordingClock(recorded))
    return recorded


class CapturedLogs:
    def __init__(self, caplog: pytest.LogCaptureFixture) -> None:
        self._caplog = caplog

    @property
    def records(self) -> list[logging.LogRecord]:
        return self._caplog.records

    @property
    def text(self) -> str:
        return "\n".join(record.getMessage() for record in self._caplog.records)


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> CapturedLogs:
    """Capture every log record of every logger, at every level."""
    caplog.set_level(logging.DEBUG)
    for name, logger in list(logging.root.manager.loggerDict.items()):
        if isinstance(logger, logging.Logger) and logger.level not in (logging.NOTSET, logging.DEBUG):
            caplog.set_level(logging.DEBUG, logger=name)
    return CapturedLogs(caplog)


class TaskLogs:
    """What operators and triggers logged through their (structlog) ``self.log``."""

    def __init__(self, entries: list[dict]) -> None:
        self.entries = entries

    def at(self, level: str) -> list[str]:
        """The messages logged at ``level`` ("info", "warning", ...), in order."""
        return [entry["event"] for entry in self.entries if entry["log_level"] == level]


@pytest.fixture
def task_logs() -> Iterator[TaskLogs]:
    """Capture what sensors and triggers log through ``self.log``, tracebacks as text in ``exception``."""
    with structlog.testing.capture_logs(processors=[structlog.processors.format_exc_info]) as entries:
        yield TaskLogs(entries)
