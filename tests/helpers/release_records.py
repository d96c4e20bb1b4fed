"""
Hand-made records for the Releases page's rules (``plugins.releases_view``): asset events, runs,
provider task instances and the milestones the provider's operators write, times in minutes from ``T0``.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from airflow_provider_releases.milestones import (
    MilestoneAction,
    Service,
    aha_release,
    amplitude_release,
    cryptlex_release,
    launchdarkly_environment_release,
    launchdarkly_release,
)
from airflow_provider_releases.plugins.releases_model import (
    MilestoneRecord,
    RunRecord,
    TaskRecord,
    VersionRow,
)

DAG = "release_workflow"
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
AHA_URL = "https://acme.aha.io/releases/PRJ1-R-7"
FLAG = {"project_key": "default", "flag_key": "new-checkout"}


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def event(
    extra: dict[str, Any],
    minutes: float,
    run_id: str | None = "run-1",
    task_id: str | None = None,
    dag_id: str | None = DAG,
) -> MilestoneRecord:
    """A milestone's asset event, written by ``task_id`` of a run (none for a watcher's)."""
    return MilestoneRecord(extra, at(minutes), dag_id if run_id else None, run_id, task_id)


def run(
    run_id: str = "run-1",
    state: str = "success",
    minutes: float = 0,
    version: str | None = None,
    dag_id: str = DAG,
) -> RunRecord:
    return RunRecord(dag_id, run_id, state, at(minutes), version)


def task(
    operator: str,
    task_id: str,
    state: str | None,
    minutes: float | None,
    run_id: str = "run-1",
    dag_id: str = DAG,
    **xcoms: Any,
) -> TaskRecord:
    """A provider task instance; ``xcoms`` are ``result``, ``url`` (``release_url``) and ``wait``."""
    when = None if minutes is None else at(minutes)
    return TaskRecord(dag_id, run_id, task_id, -1, state, operator, when, **xcoms)


def aha(action: MilestoneAction, reference: str = "PRJ1-R-7", **release: Any) -> dict[str, Any]:
    return aha_release(action, {"id": "7", "reference_num": reference, "url": AHA_URL, **release})


def cryptlex(action: MilestoneAction, channel: str = "stable", version: str | None = None) -> dict[str, Any]:
    release = {"id": "cx-1", "version": version, "channel": channel}
    return cryptlex_release(action, release, url="https://app.cryptlex.com/releases/cx-1")


def flag(action: MilestoneAction, **fields: Any) -> dict[str, Any]:
    return launchdarkly_release(
        action, **FLAG, url="https://app.launchdarkly.com/default/flags/new-checkout", **fields
    )


def environment(action: MilestoneAction) -> dict[str, Any]:
    release = {"id": "er-1", "kind": "guarded", "status": "active"}
    return launchdarkly_environment_release(action, release, **FLAG, environment_key="production")


def amplitude(version: str) -> dict[str, Any]:
    return amplitude_release(
        MilestoneAction.ANNOTATED, {"id": 11, "version": version, "title": f"Release {version}"}
    )


def states(row: VersionRow) -> dict[str, tuple[str, str | None]]:
    """Each service's cell as (state, detail)."""
    return {service.value: (row.cell(service).state.value, row.cell(service).detail) for service in Service}


def only(rows: list[VersionRow]) -> VersionRow:
    (row,) = rows
    return row
