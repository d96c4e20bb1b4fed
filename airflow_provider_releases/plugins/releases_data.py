"""
Read what the Releases page shows from Airflow's metadata database, through Airflow's own models.

Five queries, whatever the number of versions: the asset events that hold milestones, the task
instances of the provider's operators and sensors, their runs, the XComs of the steps no asset
event recorded (the result, the ``release_url`` the extra link shows, a wait's last check) and
the approval requests (human-in-the-loop details). Nothing is written; no table is added. Only
runs of ``dag_ids`` (the DAGs the user may read) are read.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

from airflow_provider_releases.links.base import RELEASE_URL_XCOM_KEY
from airflow_provider_releases.milestones import WAIT_STATUS_XCOM_KEY, MilestoneAction, milestone_of
from airflow_provider_releases.plugins.releases_model import (
    PROVIDER_TASKS,
    ApprovalRecord,
    MilestoneRecord,
    RunRecord,
    TaskRecord,
)

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

#: How many ids go into one ``IN (...)``: well under SQLite's limit on bound parameters.
CHUNK = 500

T = TypeVar("T")


def read_records(
    session: Session, dag_ids: Collection[str], *, with_loose_events: bool
) -> tuple[list[MilestoneRecord], list[RunRecord], list[TaskRecord], list[ApprovalRecord]]:
    """
    Return the milestones, runs, provider task instances and approvals of the DAGs ``dag_ids``.

    :param with_loose_events: also the milestones of asset events no run wrote (a watcher's),
        for a user who may read assets.
    """
    milestones = list(_milestones(session, dag_ids, with_loose_events))
    tasks = _tasks(session, dag_ids)
    keys = {(task.dag_id, task.run_id) for task in tasks}
    keys |= {(m.dag_id, m.run_id) for m in milestones if m.dag_id is not None and m.run_id is not None}
    runs, run_pks = _runs(session, keys)
    recorded = {(m.dag_id, m.run_id, m.task_id, m.map_index) for m in milestones}
    tasks = _with_xcoms(session, tasks, run_pks, recorded)
    approvals = _approvals(session, dag_ids)
    return milestones, runs, tasks, approvals


def _milestones(session: Session, dag_ids: Collection[str], with_loose: bool) -> Iterator[MilestoneRecord]:
    from airflow.models.asset import AssetEvent
    from sqlalchemy import Text, cast, or_, select

    columns = (
        AssetEvent.extra,
        AssetEvent.timestamp,
        AssetEvent.source_dag_id,
        AssetEvent.source_run_id,
        AssetEvent.source_task_id,
        AssetEvent.source_map_index,
    )
    # A milestone's extra names its service; a released record its milestones; a watcher's both.
    text = cast(AssetEvent.extra, Text)
    query = select(*columns).where(or_(text.like('%"service"%'), text.like('%"milestones"%')))
    for chunk in _chunks(sorted(dag_ids)):
        yield from _read_events(session.execute(query.where(AssetEvent.source_dag_id.in_(chunk))))
    if with_loose:
        yield from _read_events(session.execute(query.where(AssetEvent.source_dag_id.is_(None))))


def _read_events(rows: Iterable[Any]) -> Iterator[MilestoneRecord]:
    for extra, timestamp, dag_id, run_id, task_id, map_index in rows:
        extra = _json(extra)
        found = milestone_of(extra)
        released = isinstance(extra, dict) and extra.get("action") == MilestoneAction.RELEASED.value
        if found is None and released:
            found = extra
        if found is not None:
            index = -1 if map_index is None else map_index
            yield MilestoneRecord(found, timestamp, dag_id, run_id, task_id, index)


def _tasks(session: Session, dag_ids: Collection[str]) -> list[TaskRecord]:
    from airflow.models.taskinstance import TaskInstance
    from sqlalchemy import select

    query = select(
        TaskInstance.dag_id,
        TaskInstance.run_id,
        TaskInstance.task_id,
        TaskInstance.map_index,
        TaskInstance.state,
        TaskInstance.operator,
        TaskInstance.end_date,
        TaskInstance.start_date,
    ).where(TaskInstance.operator.in_(sorted(PROVIDER_TASKS)))
    tasks = []
    for chunk in _chunks(sorted(dag_ids)):
        for dag_id, run_id, task_id, map_index, state, operator, ended, started in session.execute(
            query.where(TaskInstance.dag_id.in_(chunk))
        ):
            state = getattr(state, "value", state)
            tasks.append(TaskRecord(dag_id, run_id, task_id, map_index, state, operator, ended or started))
    return tasks


def _runs(session: Session, keys: set[tuple[str, str]]) -> tuple[list[RunRecord], dict[tuple[str, str], int]]:
    from airflow.models.dagrun import DagRun
    from sqlalchemy import select, tuple_

    runs, pks = [], {}
    query = select(DagRun.id, DagRun.dag_id, DagRun.run_id, DagRun.state, DagRun.start_date, DagRun.conf)
    for chunk in _chunks(sorted(keys)):
        for pk, dag_id, run_id, state, started, conf in session.execute(
            query.where(tuple_(DagRun.dag_id, DagRun.run_id).in_(chunk))
        ):
            conf = _json(conf)
            version = conf.get("version") if isinstance(conf, dict) else None
            state = getattr(state, "value", state)
            runs.append(RunRecord(dag_id, run_id, state, started, None if version is None else str(version)))
            pks[(dag_id, run_id)] = pk
    return runs, pks


def _with_xcoms(
    session: Session,
    tasks: list[TaskRecord],
    run_pks: dict[tuple[str, str], int],
    recorded: set[tuple[str | None, str | None, str | None, int]],
) -> list[TaskRecord]:
    """Add the XComs of the tasks no asset event recorded, and of every wait that is not over."""
    from dataclasses import replace

    from airflow.models.xcom import XCOM_RETURN_KEY, XComModel
    from sqlalchemy import select

    wanted = {
        (run_pks[(t.dag_id, t.run_id)], t.task_id, t.map_index): t
        for t in tasks
        if (t.dag_id, t.run_id) in run_pks
        and ((t.dag_id, t.run_id, t.task_id, t.map_index) not in recorded or t.state != "success")
    }
    keys = (XCOM_RETURN_KEY, RELEASE_URL_XCOM_KEY, WAIT_STATUS_XCOM_KEY)
    found: dict[tuple[int, str, int], dict[str, Any]] = {}
    xcom = XComModel
    query = select(xcom.dag_run_id, xcom.task_id, xcom.map_index, xcom.key, xcom.value)
    for chunk in _chunks(sorted({pk for pk, _, _ in wanted})):
        rows = session.execute(query.where(XComModel.dag_run_id.in_(chunk), XComModel.key.in_(keys)))
        for pk, task_id, map_index, key, value in rows:
            if (pk, task_id, map_index) in wanted:
                found.setdefault((pk, task_id, map_index), {})[key] = _json(value)
    done = {id(task): task for task in tasks}
    for where, task in wanted.items():
        xcoms = found.get(where, {})
        url = xcoms.get(RELEASE_URL_XCOM_KEY)
        done[id(task)] = replace(
            task,
            result=xcoms.get(XCOM_RETURN_KEY),
            url=url if isinstance(url, str) else None,
            wait=xcoms.get(WAIT_STATUS_XCOM_KEY),
        )
    return list(done.values())


def _approvals(session: Session, dag_ids: Collection[str]) -> list[ApprovalRecord]:
    from airflow.models.hitl import HITLDetail
    from airflow.models.taskinstance import TaskInstance
    from sqlalchemy import select

    query = select(
        TaskInstance.dag_id,
        TaskInstance.run_id,
        TaskInstance.task_id,
        TaskInstance.map_index,
        TaskInstance.state,
        HITLDetail.subject,
        HITLDetail.created_at,
        HITLDetail.responded_at,
        HITLDetail.responded_by,
        HITLDetail.chosen_options,
    ).join(TaskInstance, TaskInstance.id == HITLDetail.ti_id)
    approvals = []
    for chunk in _chunks(sorted(dag_ids)):
        for row in session.execute(query.where(TaskInstance.dag_id.in_(chunk))):
            dag_id, run_id, task_id, map_index, state, subject, created, responded, by, chosen = row
            by = _json(by)
            name = (by.get("name") or by.get("id")) if isinstance(by, dict) else None
            where = (dag_id, run_id, task_id, map_index)
            approvals.append(
                ApprovalRecord(
                    *where,
                    subject=subject,
                    created_at=created,
                    ti_state=getattr(state, "value", state),
                    responded_at=responded,
                    responded_by=None if name is None else str(name),
                    chosen=tuple(map(str, _json(chosen) or ())),
                )
            )
    return approvals


def _json(value: Any) -> Any:
    """A JSON column's value: decoded already on most databases, a string on some."""
    if isinstance(value, (str, bytes)):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _chunks(items: list[T]) -> Iterator[list[T]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]
