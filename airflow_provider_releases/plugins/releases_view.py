"""
What the Releases page shows, worked out from what Airflow recorded: one row per version.

:func:`build_versions` groups the milestones, provider task instances, runs and approvals that
:mod:`.releases_data` reads into :class:`~.releases_model.VersionRow` objects, newest first;
:func:`select_versions` keeps those a filter asks for. No Airflow import: the rules are tested alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from airflow_provider_releases.milestones import (
    MilestoneAction,
    Service,
    aha_release,
    amplitude_release,
    cryptlex_release,
    milestone,
)
from airflow_provider_releases.plugins.releases_model import (
    ACTION_STATES,
    APPROVAL_PENDING,
    FINISHED_RUN_STATES,
    PROVIDER_TASKS,
    SERVICES,
    WAIT_REASONS,
    WAITING_STATES,
    WORKING_STATES,
    ApprovalRecord,
    Cell,
    MilestoneRecord,
    RunRecord,
    ServiceState,
    TaskRecord,
    TimelineEntry,
    VersionRow,
)


def state_of(service: Service, action: MilestoneAction) -> ServiceState:
    """The state a milestone ``action`` leaves ``service`` in."""
    return ACTION_STATES.get((service, action)) or ACTION_STATES[(None, action)]


def detail_of(extra: Mapping[str, Any]) -> str | None:
    """The words a cell shows under its state: the Aha! reference, Cryptlex channel, phase or status."""
    service = extra.get("service")
    if service == Service.AHA.value:
        return _text(extra.get("reference_num") or extra.get("name"))
    if service == Service.CRYPTLEX.value:
        channel = extra.get("channel")
        return f"channel {channel}" if channel else None
    if service == Service.LAUNCHDARKLY.value:
        if extra.get("phase_name"):
            return f"phase {extra['phase_name']}"
        if extra.get("release_pipeline_key"):
            return f"pipeline {extra['release_pipeline_key']}"
        if extra.get("environment_key"):
            return f"environment {extra['environment_key']}"
        return None
    return _text(extra.get("title"))


def task_milestone(task: TaskRecord) -> dict[str, Any]:
    """The milestone a successful provider task reached, from its result where the builders read one."""
    service, action = PROVIDER_TASKS[task.operator]
    result = task.result if isinstance(task.result, Mapping) else {}
    # A re-run's create step finds the release an earlier run made: shipped or published by now.
    if (
        action is MilestoneAction.CREATED
        and result.get("released" if service is Service.AHA else "published") is True
    ):
        action = MilestoneAction.SHIPPED if service is Service.AHA else MilestoneAction.PUBLISHED
    if service is Service.AHA:
        extra = aha_release(action, result)
    elif service is Service.CRYPTLEX:
        extra = cryptlex_release(action, result, url=task.url)
    elif service is Service.AMPLITUDE:
        extra = amplitude_release(action, result)
    else:
        extra = milestone(service, action, url=task.url)
    if task.url and not extra.get("url"):
        extra["url"] = task.url
    return extra


def build_versions(
    milestones: Iterable[MilestoneRecord],
    runs: Iterable[RunRecord],
    tasks: Iterable[TaskRecord],
    approvals: Iterable[ApprovalRecord] = (),
) -> list[VersionRow]:
    """
    Group what Airflow recorded into one :class:`VersionRow` per version, newest first.

    A run's version is the first ``version`` one of its milestones names, else its ``released``
    record's, else its conf's; a watcher's event (no run) counts under its own ``version``. What
    names no version is left out. The title is the newest run's that names one.
    """
    runs_by_key = {(run.dag_id, run.run_id): run for run in runs}
    by_run: dict[tuple[str, str], list[MilestoneRecord]] = {}
    loose: list[MilestoneRecord] = []
    released: dict[tuple[str, str], Mapping[str, Any]] = {}
    for record in sorted(milestones, key=lambda item: item.at):
        if record.extra.get("action") == MilestoneAction.RELEASED.value:
            _read_release_record(record, loose, released)
            continue
        if not _is_step(record.extra):
            continue
        if record.run_id is None or record.dag_id is None:
            loose.append(record)
        else:
            by_run.setdefault((record.dag_id, record.run_id), []).append(record)
    tasks_by_run: dict[tuple[str, str], list[TaskRecord]] = {}
    for task in tasks:
        tasks_by_run.setdefault((task.dag_id, task.run_id), []).append(task)

    def started(key: tuple[str, str]) -> tuple[float, tuple[str, str]]:
        run = runs_by_key.get(key)
        return _stamp(run.started_at if run else None), key

    rows: dict[str, VersionRow] = {}
    for key in sorted(set(by_run) | set(tasks_by_run), key=started):  # oldest first: the newest title wins
        run = runs_by_key.get(key)
        release = released.get(key, {})
        version = _run_version(by_run.get(key, ()), tasks_by_run.get(key, ()), run, release.get("version"))
        if version is None:
            continue
        row = rows.setdefault(version, VersionRow(version))
        row.runs.append(run or RunRecord(key[0], key[1], None, None))
        title = _text(release.get("title")) or _title_of(by_run.get(key, ()), tasks_by_run.get(key, ()))
        row.title = title or row.title
        _add_run(row, by_run.get(key, []), tasks_by_run.get(key, []), run)
    for record in loose:
        version = _text(record.extra.get("version"))
        if version is not None:
            _add_run(rows.setdefault(version, VersionRow(version)), [record], [], None)
    row_of_run = {(run.dag_id, run.run_id): row for row in rows.values() for run in row.runs}
    for approval in approvals:
        row = row_of_run.get((approval.dag_id, approval.run_id))
        if row is not None:
            row.approvals.append(approval)
            row.timeline.append(_approval_entry(approval))
    for row in rows.values():
        row.runs.sort(key=lambda run: _stamp(run.started_at))
        row.timeline.sort(key=lambda entry: _stamp(entry.at))
        stamps = [entry.at for entry in row.timeline if entry.at and entry.at != datetime.min]
        stamps += [run.started_at for run in row.runs if run.started_at]
        row.first_at, row.last_at = (min(stamps), max(stamps)) if stamps else (None, None)
    return sorted(rows.values(), key=lambda row: (_stamp(row.first_at), row.version), reverse=True)


def select_versions(
    rows: list[VersionRow],
    *,
    dag_id: str | None = None,
    state: str | None = None,
    text: str | None = None,
) -> list[VersionRow]:
    """
    Keep the rows a filter asks for: a DAG's, a service state's, those matching a text.

    :param state: ``<service>:<state>`` (``aha:shipped``, ``launchdarkly:regression``...) or
        :data:`APPROVAL_PENDING`.
    :raises ValueError: ``state`` is neither.
    """
    wanted = parse_state_filter(state)
    needle = (text or "").strip().casefold()
    kept = []
    for row in rows:
        if dag_id and dag_id not in row.dag_ids:
            continue
        if wanted == APPROVAL_PENDING and not row.pending_approvals:
            continue
        if isinstance(wanted, tuple) and row.cell(wanted[0]).state is not wanted[1]:
            continue
        if needle and needle not in row.words():
            continue
        kept.append(row)
    return kept


def parse_state_filter(state: str | None) -> tuple[Service, ServiceState] | str | None:
    """
    Read a service-state filter: ``None``, :data:`APPROVAL_PENDING` or ``(service, state)``.

    :raises ValueError: ``state`` has another form; the message names the accepted ones.
    """
    if not state:
        return None
    if state == APPROVAL_PENDING:
        return APPROVAL_PENDING
    service, _, value = state.partition(":")
    try:
        return Service(service), ServiceState(value)
    except ValueError:
        services = ", ".join(s.value for s in SERVICES)
        raise ValueError(
            f"state={state!r} is not a filter this page knows: use {APPROVAL_PENDING!r} or"
            f" '<service>:<state>' with a service of {services} and a state of"
            f" {', '.join(s.value for s in ServiceState)}"
        ) from None


def _read_release_record(
    record: MilestoneRecord,
    loose: list[MilestoneRecord],
    released: dict[tuple[str, str], Mapping[str, Any]],
) -> None:
    """A ``released`` record names the run's version and title; its steps' milestones are their own events."""
    if record.dag_id is not None and record.run_id is not None:
        released[(record.dag_id, record.run_id)] = record.extra
        return
    for item in record.extra.get("milestones") or ():
        if isinstance(item, Mapping) and _is_step(item):
            extra = {"version": record.extra.get("version"), **item}
            loose.append(MilestoneRecord(extra, record.at))


def _is_step(extra: Mapping[str, Any]) -> bool:
    """Whether ``extra`` is a step's milestone the page can show (one written by hand may name any action)."""
    return extra.get("service") in _SERVICES and extra.get("action") in _STEP_ACTIONS


_SERVICES = frozenset(service.value for service in Service)
_STEP_ACTIONS = frozenset(
    action.value for action in MilestoneAction if action is not MilestoneAction.RELEASED
)


def _run_version(
    milestones: Iterable[MilestoneRecord], tasks: Iterable[TaskRecord], run: RunRecord | None, released: Any
) -> str | None:
    for record in milestones:
        if _text(record.extra.get("version")):
            return _text(record.extra["version"])
    if _text(released):
        return _text(released)
    for task in tasks:
        versioned = task.service in (Service.CRYPTLEX, Service.AMPLITUDE)
        if versioned and isinstance(task.result, Mapping) and _text(task.result.get("version")):
            return _text(task.result["version"])
    return run.conf_version if run else None


def _title_of(milestones: Iterable[MilestoneRecord], tasks: Iterable[TaskRecord]) -> str | None:
    for record in milestones:
        if record.service is Service.AHA and record.extra.get("name"):
            return str(record.extra["name"])
    for task in tasks:
        if task.service is Service.AHA and isinstance(task.result, Mapping) and task.result.get("name"):
            return str(task.result["name"])
    return None


def _add_run(
    row: VersionRow, milestones: list[MilestoneRecord], tasks: list[TaskRecord], run: RunRecord | None
) -> None:
    """Put one run's milestones and provider tasks on ``row``: its timeline, cells and pending steps."""
    # A task's own milestone says what it did (an Aha! update that shipped): its task instance adds
    # nothing then. One milestone written on several assets is one line.
    reached = list({(m.task_id, m.map_index, m.service, m.action, m.at): m for m in milestones}.values())
    seen = {(m.task_id, m.map_index) for m in milestones if m.task_id}
    for task in tasks:
        if task.state == "success" and (task.task_id, task.map_index) not in seen:
            where = (task.dag_id, task.run_id, task.task_id, task.map_index)
            reached.append(MilestoneRecord(task_milestone(task), task.at or datetime.min, *where))
    for record in sorted(reached, key=lambda item: _stamp(item.at)):
        where = (record.dag_id, record.run_id, record.task_id, record.map_index)
        state = state_of(record.service, record.action)
        cell = Cell(
            record.service,
            state,
            detail_of(record.extra),
            _web_url(record.extra.get("url")),
            record.dag_id,
            record.run_id,
            record.task_id,
            record.map_index,
            record.at,
        )
        current = row.cells.get(record.service)
        if current is None or _stamp(current.at) <= _stamp(record.at):
            row.cells[record.service] = cell
        row.timeline.append(
            TimelineEntry(record.at, record.service.value, state.label, cell.detail, cell.vendor_url, *where)
        )
    run_going = run is not None and run.state not in FINISHED_RUN_STATES
    for task in tasks:
        if task.state != "success":
            _add_unfinished(row, task, run_going)


def _add_unfinished(row: VersionRow, task: TaskRecord, run_going: bool) -> None:
    """
    A step that did not succeed: one that failed, waits or works takes its service's cell when it
    is the newest news there; in a run still going, it is pending too.
    """
    if run_going and task.state not in ("failed", "skipped", "removed"):
        row.pending_steps.append(task)
    wait = task.wait if isinstance(task.wait, Mapping) else {}
    reason = str(wait.get("reason") or "")
    if task.state == "failed":  # a wait that failed on what the vendor said shows what it said
        reverted = ServiceState.REVERTED if reason.startswith("reverted") else ServiceState.FAILED
        state = WAIT_REASONS.get(reason, reverted)
    elif task.state in WAITING_STATES or (task.state in WORKING_STATES and wait.get("status") == "pending"):
        state = WAIT_REASONS.get(reason, ServiceState.WAITING)
    elif task.state in WORKING_STATES:
        state = ServiceState.IN_PROGRESS
    else:  # not started yet, or never will (upstream failed, skipped): the service's cell stays
        return
    message = wait.get("message") if isinstance(wait.get("message"), str) else None
    at = task.at
    current = row.cells.get(task.service)
    if current is None or at is None or _stamp(current.at) <= _stamp(at):
        row.cells[task.service] = Cell(
            task.service, state, current.detail if current else None, current.vendor_url if current else None,
            task.dag_id, task.run_id, task.task_id, task.map_index, at, message,
        )  # fmt: skip
    if state is not ServiceState.IN_PROGRESS:
        row.timeline.append(TimelineEntry(at, task.service.value, state.label, message, None, *_where(task)))


def _approval_entry(approval: ApprovalRecord) -> TimelineEntry:
    if approval.responded_at is not None:
        chosen = ", ".join(approval.chosen) or "answered"
        who = approval.responded_by or "someone"
        what, at = f"{chosen} by {who}", approval.responded_at
    else:
        what, at = "approval requested", approval.created_at
    return TimelineEntry(at, "approval", what, approval.subject, None, *_where(approval))


def _where(item: TaskRecord | ApprovalRecord) -> tuple[str, str, str, int]:
    return item.dag_id, item.run_id, item.task_id, item.map_index


def _web_url(value: Any) -> str | None:
    """A vendor link the page may show: an absolute http(s) URL, nothing else (no ``javascript:``)."""
    if isinstance(value, str) and value.startswith(("https://", "http://")):
        return value
    return None


def _text(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


def _stamp(value: datetime | None) -> float:
    if value is None or value == datetime.min:
        return float("-inf")
    return value.timestamp()
