"""Operator test helpers: a task instance that records XCom pushes, a run context, XCom reads for links,
running a task."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

import pendulum
import pytest

from tests.conftest import SECRETS

LOGICAL_DATE = pendulum.datetime(2026, 5, 1, 12, 30, 0, tz="UTC")
RUN_START = pendulum.datetime(2026, 5, 2, 8, 0, 0, tz="UTC")


@dataclass
class FakeDagRun:
    run_id: str = "manual__2026-05-01"
    logical_date: dt.datetime | None = LOGICAL_DATE
    start_date: dt.datetime | None = RUN_START


@dataclass
class FakeTaskInstance:
    """What an operator and a link see of a task instance: its key and ``xcom_push``."""

    store: dict[tuple[str, str, str, int, str], Any]
    dag_id: str = "release_dag"
    task_id: str = "task"
    run_id: str = "manual__2026-05-01"
    map_index: int = -1
    try_number: int = 1
    pushed: dict[str, Any] = field(default_factory=dict)

    def xcom_push(self, key: str, value: Any) -> None:
        json.dumps(value)  # XCom values must be JSON-serialisable
        self.pushed[key] = value
        self.store[(self.dag_id, self.task_id, self.run_id, self.map_index, key)] = value


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
        ti = FakeTaskInstance(store=xcom_store, task_id=task_id)
        dag_run = FakeDagRun(logical_date=logical_date)
        context: dict[str, Any] = {
            "ti": ti,
            "task_instance": ti,
            "dag_run": dag_run,
            "run_id": dag_run.run_id,
            "params": {},
        }
        if logical_date is not None:
            context.update(logical_date=logical_date, ds=logical_date.strftime("%Y-%m-%d"))
        context.update(extra)
        return context

    return build


def assert_no_secrets(*texts: Any) -> None:
    """Assert that no credential from the test connections appears in any of ``texts``."""
    for text in texts:
        dumped = text if isinstance(text, str) else json.dumps(text, default=str)
        for secret in SECRETS.values():
            assert secret not in dumped


def run_task(operator: Any, make_context: Any) -> tuple[Any, dict[str, Any]]:
    """Run ``operator`` as a task run would: render its templates, execute it; return what it returned and
    what it pushed to XCom."""
    context = make_context(operator.task_id)
    operator.render_template_fields(context)
    return operator.execute(context), context["ti"].pushed


def run_task_with(operator: Any, make_context: Any, **extra: Any) -> Any:
    """Render ``operator``'s templates in a run context with ``extra`` (``params=...``), execute it."""
    context = make_context(operator.task_id, **extra)
    operator.render_template_fields(context)
    return operator.execute(context)


def mutating(requests_mock) -> list:
    """The requests sent that could have changed something (anything but GET)."""
    return [r for r in requests_mock.request_history if r.method != "GET"]


@pytest.fixture
def output(logs, capsys):
    """Everything logged: standard-library records (the hooks) and the Task SDK's structlog output
    (the operators' ``self.log``, which prints to stdout outside a task runner)."""

    printed: list[str] = []

    def read() -> str:
        captured = capsys.readouterr()
        printed.extend((captured.out, captured.err))
        return "\n".join((logs.text, *printed))

    return read
