"""Running an operator as a task run would, outside Airflow: a task instance that records XCom
pushes, a dag run, and rendering then executing."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

import pendulum

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


def build_context(
    store: dict, task_id: str = "task", *, logical_date: Any = LOGICAL_DATE, **extra: Any
) -> dict[str, Any]:
    """A task's run context over the XCom ``store``, with ``extra`` entries (``params=...``)."""
    ti = FakeTaskInstance(store=store, task_id=task_id)
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


def mutating(requests_mock: Any) -> list:
    """The requests sent that could have changed something (anything but GET)."""
    return [r for r in requests_mock.request_history if r.method != "GET"]
