"""
The Releases page's filters (``releases_view.select_versions``, ``parse_state_filter``) on rows
built from hand-made records: by DAG, by a service's state, by a pending approval, by text.
"""

from __future__ import annotations

import pytest

from airflow_provider_releases.milestones import MilestoneAction, Service, wait_status
from airflow_provider_releases.plugins.releases_model import (
    APPROVAL_PENDING,
    ApprovalRecord,
    ServiceState,
    VersionRow,
)
from airflow_provider_releases.plugins.releases_view import (
    build_versions,
    parse_state_filter,
    select_versions,
)
from tests.helpers.release_records import DAG, aha, at, environment, event, run, task


@pytest.fixture(scope="module")
def rows() -> list[VersionRow]:
    """13.0 shipped at Aha!; 13.1 paused on a regression (other DAG); 13.2 waits for an approval."""
    milestones = [
        event(aha(MilestoneAction.SHIPPED, reference="PRJ1-R-13", name="Winter"), 1, run_id="a"),
        event(environment(MilestoneAction.RELEASE_STARTED), 11, run_id="b", dag_id="flags_only"),
        event(aha(MilestoneAction.CREATED, reference="PRJ1-R-15"), 21, run_id="c"),
    ]
    runs = [
        run("a", minutes=0, version="13.0"),
        run("b", state="running", minutes=10, version="13.1", dag_id="flags_only"),
        run("c", state="running", minutes=20, version="13.2"),
    ]
    wait = wait_status("waiting", "regressed", "waiting_regression_detected", at(12).isoformat())
    waiting = {"run_id": "b", "dag_id": "flags_only", "wait": wait}
    tasks = [task("LaunchDarklyEnvironmentReleaseSensor", "wait", "deferred", 12, **waiting)]
    approvals = [ApprovalRecord(DAG, "c", "approve", -1, "Ship?", at(22), "deferred")]
    return build_versions(milestones, runs, tasks, approvals)


@pytest.mark.parametrize(
    ("filters", "versions"),
    [
        ({}, ["13.2", "13.1", "13.0"]),
        ({"dag_id": "flags_only"}, ["13.1"]),
        ({"dag_id": DAG}, ["13.2", "13.0"]),
        ({"state": "aha:shipped"}, ["13.0"]),
        ({"state": "launchdarkly:regression"}, ["13.1"]),
        ({"state": "cryptlex:not_started"}, ["13.2", "13.1", "13.0"]),
        ({"state": APPROVAL_PENDING}, ["13.2"]),
        ({"text": "prj1-r-15"}, ["13.2"]),
        ({"text": "  WINTER "}, ["13.0"]),
        ({"text": "13.1"}, ["13.1"]),
        ({"dag_id": DAG, "state": "aha:created", "text": "PRJ1"}, ["13.2"]),
        ({"dag_id": "flags_only", "state": "aha:shipped"}, []),
    ],
)
def test_filters_keep_the_rows_asked_for(
    rows: list[VersionRow], filters: dict[str, str], versions: list[str]
) -> None:
    assert [row.version for row in select_versions(rows, **filters)] == versions


def test_parse_state_filter_reads_the_accepted_forms() -> None:
    assert parse_state_filter(None) is None
    assert parse_state_filter("") is None
    assert parse_state_filter("approval:pending") == APPROVAL_PENDING
    assert parse_state_filter("launchdarkly:manual_advance") == (
        Service.LAUNCHDARKLY,
        ServiceState.MANUAL_ADVANCE,
    )


@pytest.mark.parametrize("value", ["aha:sold", "jira:shipped", "shipped", "approval:given", "AHA:SHIPPED"])
def test_an_unknown_state_filter_names_the_value_and_the_accepted_forms(
    rows: list[VersionRow], value: str
) -> None:
    with pytest.raises(ValueError) as raised:
        parse_state_filter(value)

    message = str(raised.value)
    assert f"state={value!r}" in message
    assert "'approval:pending'" in message and "'<service>:<state>'" in message
    assert "aha, cryptlex, launchdarkly, amplitude" in message
    assert "shipped" in message and "regression" in message
    with pytest.raises(ValueError, match="is not a filter this page knows"):
        select_versions(rows, state=value)
