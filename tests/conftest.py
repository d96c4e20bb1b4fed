"""Shared fixtures: the fake connections (``tests/helpers/connections.py``), a sleep recorder, a run
context, log capture; the secret-leak audit (``tests/secret_audit.py``), which fails any test that
shows one of those secrets; and what pytest-xdist needs: an ``AIRFLOW_HOME`` per worker, the engine
tests on one worker, and the session's summaries gathered from every worker
(``tests/session_summary.py``).

Test files import builders and constants from ``tests/helpers``, never from a conftest."""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Iterator
from typing import Any

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
from tests import secret_audit, session_summary
from tests.helpers.clock import RecordingClock
from tests.helpers.connections import CONNECTIONS, set_connection
from tests.helpers.runs import LOGICAL_DATE, build_context


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


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """
    Record the hooks' backoff waits (blocking or awaited) instead of waiting: for tests that meet retries.

    Sets the hooks' documented default (``ReleasesBaseHook.default_clock``) for this test only;
    a test that builds its hook itself passes ``clock=RecordingClock(...)`` instead.
    """
    recorded: list[float] = []
    monkeypatch.setattr(ReleasesBaseHook, "default_clock", RecordingClock(recorded))
    return recorded


@pytest.fixture
def xcom_store(monkeypatch: pytest.MonkeyPatch) -> dict[tuple[str, str, str, int, str], Any]:
    """
    XCom as the Task SDK reads it while a task instance finishes, backed by a dict.

    Patches ``XCom.get_one`` (what ``XCom.get_value(ti_key=..., key=...)`` calls) of the Task
    SDK's XCom class, so the links' real read path runs down to the storage call.
    """
    from airflow.sdk.execution_time.xcom import XCom

    store: dict[tuple[str, str, str, int, str], Any] = {}

    def get_one(*, key, dag_id, task_id, run_id, map_index=None, include_prior_dates=False):
        return store.get((dag_id, task_id, run_id, -1 if map_index is None else map_index, key))

    monkeypatch.setattr(XCom, "get_one", staticmethod(get_one))
    return store


@pytest.fixture
def make_context(xcom_store):
    """Build a task's run context: ``make_context(task_id=..., logical_date=..., **extra)``."""

    def build(task_id: str = "task", *, logical_date: Any = LOGICAL_DATE, **extra: Any) -> dict[str, Any]:
        return build_context(xcom_store, task_id, logical_date=logical_date, **extra)

    return build


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
