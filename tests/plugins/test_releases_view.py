"""
The Releases page's rules (``releases_view.build_versions``) on hand-made records: which version a
run works on, each service's state, what is pending, the approvals, the vendor links. No database,
no Airflow run (the filters: ``test_releases_filters.py``).
"""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_releases.milestones import MilestoneAction, Service, release_record, wait_status
from airflow_provider_releases.plugins.releases_model import ApprovalRecord, ServiceState
from airflow_provider_releases.plugins.releases_view import build_versions
from tests.helpers.release_records import (
    AHA_URL,
    DAG,
    aha,
    amplitude,
    at,
    cryptlex,
    environment,
    event,
    flag,
    only,
    run,
    states,
    task,
)

# Which version a run works on, one row per version


def test_one_row_per_version_newest_first_by_its_first_appearance() -> None:
    milestones = [
        event(amplitude("1.0"), 0, run_id="old"),
        event(amplitude("2.0"), 10, run_id="new"),
        event(amplitude("1.1"), 5, run_id="middle"),
        # the latest news is of the oldest version
        event(cryptlex(MilestoneAction.PUBLISHED, version="1.0"), 30, run_id="old"),
    ]
    runs = [run("old", minutes=0), run("new", minutes=10), run("middle", minutes=5)]

    rows = build_versions(milestones, runs, [])

    assert [row.version for row in rows] == ["2.0", "1.1", "1.0"]
    assert (rows[2].first_at, rows[2].last_at) == (at(0), at(30))


def test_a_run_version_comes_from_a_milestone_else_a_task_result_else_the_conf() -> None:
    milestones = [
        event(aha(MilestoneAction.CREATED), 1, run_id="named"),  # no version in an Aha! milestone
        event(cryptlex(MilestoneAction.CREATED, version="3.0"), 2, run_id="named"),
        event(aha(MilestoneAction.CREATED), 1, run_id="from-conf"),
    ]
    runs = [
        run("named", version="9.9"),
        run("from-result", version="9.8"),
        run("from-conf", version="3.2"),
    ]
    where = {"run_id": "from-result", "state": "success"}
    tasks = [
        task("AmplitudeCreateReleaseOperator", "annotate", minutes=3, result={"version": "3.1"}, **where),
        task("AhaCreateReleaseOperator", "create", minutes=1, result={"version": "0.0"}, **where),
    ]

    rows = build_versions(milestones, runs, tasks)

    assert {row.version: [r.run_id for r in row.runs] for row in rows} == {
        "3.0": ["named"],
        "3.1": ["from-result"],
        "3.2": ["from-conf"],
    }


def test_a_version_worked_on_by_two_runs_of_two_dags_is_one_row() -> None:
    milestones = [
        event(aha(MilestoneAction.SHIPPED), 20, run_id="ship", dag_id="ship_release"),
        event(aha(MilestoneAction.CREATED), 1, run_id="prepare"),
        event(cryptlex(MilestoneAction.CREATED, version="4.0"), 2, run_id="prepare"),
    ]
    runs = [run("ship", minutes=15, version="4.0", dag_id="ship_release"), run("prepare", minutes=0)]

    row = only(build_versions(milestones, runs, []))

    assert row.version == "4.0"
    assert row.dag_ids == ["release_workflow", "ship_release"]
    assert [r.run_id for r in row.runs] == ["prepare", "ship"]
    assert states(row)["aha"] == ("shipped", "PRJ1-R-7")
    assert row.cell(Service.AHA).run_id == "ship"


def test_events_that_name_no_version_are_left_out() -> None:
    milestones = [
        event(aha(MilestoneAction.CREATED), 1),  # its run names no version either
        event(flag(MilestoneAction.ATTACHED, release_pipeline_key="standard"), 2, run_id=None),  # a watcher's
    ]

    assert build_versions(milestones, [run(version=None)], []) == []


def test_a_watcher_event_without_a_run_counts_under_its_own_version() -> None:
    milestones = [
        event(cryptlex(MilestoneAction.PUBLISHED, channel="beta", version="6.0"), 5, run_id=None),
        event(amplitude("5.0"), 1),
    ]

    rows = build_versions(milestones, [run(minutes=0)], [])

    assert [row.version for row in rows] == ["6.0", "5.0"]
    assert rows[0].runs == []
    assert states(rows[0])["cryptlex"] == ("published", "channel beta")
    assert [(entry.service, entry.what, entry.run_id) for entry in rows[0].timeline] == [
        ("cryptlex", "published", None)
    ]


def test_a_released_record_gives_the_title_and_no_cell_of_its_own() -> None:
    steps = [aha(MilestoneAction.SHIPPED, name="Aha! name"), amplitude("7.0")]
    milestones = [
        event(steps[0], 1, task_id="ship"),
        event(steps[1], 2, task_id="annotate"),
        event(release_record("7.0", steps, title="Spring release"), 3, task_id="released"),
    ]

    row = only(build_versions(milestones, [run()], []))

    assert (row.version, row.title) == ("7.0", "Spring release")
    assert [entry.task_id for entry in row.timeline] == ["ship", "annotate"]


def test_without_a_released_record_the_title_is_the_aha_release_name() -> None:
    milestones = [event(aha(MilestoneAction.CREATED, name="Spring"), 1)]

    assert only(build_versions(milestones, [run(version="7.0")], [])).title == "Spring"


def test_the_title_is_the_newest_run_title_whatever_the_order_records_come_in() -> None:
    names = ["First name", "Second name", "Third name", "Newest name"]
    milestones = [
        event(aha(MilestoneAction.UPDATED, name=name), 10 * number + 1, run_id=name)
        for number, name in enumerate(names)
    ]
    runs = [run(name, minutes=10 * number, version="7.0") for number, name in enumerate(names)]

    row = only(build_versions(reversed(milestones), runs, []))

    assert row.title == "Newest name"


def test_a_released_record_names_the_version_of_a_run_whose_steps_do_not() -> None:
    steps = [flag(MilestoneAction.PHASE_COMPLETED, phase={"_id": "p2", "_name": "Production"})]
    milestones = [
        event(steps[0], 1, task_id="wait_phase"),
        event(release_record("7.1", steps, title="Flag only"), 2, task_id="released"),
    ]

    row = only(build_versions(milestones, [run(version=None)], []))

    assert (row.version, row.title) == ("7.1", "Flag only")
    assert states(row)["launchdarkly"] == ("phase_completed", "phase Production")


def test_a_released_record_without_a_run_counts_its_milestones_under_its_version() -> None:
    record = release_record("7.2", [cryptlex(MilestoneAction.PUBLISHED), amplitude("7.2")])

    row = only(build_versions([event(record, 4, run_id=None)], [], []))

    assert row.version == "7.2"
    assert (states(row)["cryptlex"], states(row)["amplitude"]) == (
        ("published", "channel stable"),
        ("annotated", "Release 7.2"),
    )


# Each service's state


def test_each_service_state_comes_from_its_latest_milestone() -> None:
    milestones = [  # not in time order: the latest milestone wins, not the last listed
        event(aha(MilestoneAction.SHIPPED), 40),
        event(aha(MilestoneAction.CREATED), 1),
        event(cryptlex(MilestoneAction.PUBLISHED), 30),
        event(cryptlex(MilestoneAction.CREATED, version="8.0"), 2),
        event(flag(MilestoneAction.PHASE_COMPLETED, phase={"_id": "p2", "_name": "Production"}), 25),
        event(flag(MilestoneAction.ATTACHED, release_pipeline_key="standard"), 3),
        event(flag(MilestoneAction.PHASE_STARTED, phase={"_id": "p1", "_name": "Testing"}), 4),
        event(amplitude("8.0"), 45),
    ]

    row = only(build_versions(milestones, [run()], []))

    assert states(row) == {
        "aha": ("shipped", "PRJ1-R-7"),
        "cryptlex": ("published", "channel stable"),
        "launchdarkly": ("phase_completed", "phase Production"),
        "amplitude": ("annotated", "Release 8.0"),
    }
    assert row.cell(Service.AHA).vendor_url == AHA_URL
    assert [entry.at for entry in row.timeline] == sorted(entry.at for entry in row.timeline)
    assert len(row.timeline) == len(milestones)


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (aha(MilestoneAction.CREATED, reference="PRJ1-R-9"), ("aha", "created", "PRJ1-R-9")),
        (aha(MilestoneAction.SHIPPED), ("aha", "shipped", "PRJ1-R-7")),
        (cryptlex(MilestoneAction.CREATED, channel="beta"), ("cryptlex", "draft", "channel beta")),
        (cryptlex(MilestoneAction.PUBLISHED, channel="stable"), ("cryptlex", "published", "channel stable")),
        (
            flag(MilestoneAction.ATTACHED, release_pipeline_key="standard"),
            ("launchdarkly", "attached", "pipeline standard"),
        ),
        (
            flag(
                MilestoneAction.PHASE_STARTED,
                release_pipeline_key="standard",
                phase={"_id": "p1", "_name": "Testing"},
            ),
            ("launchdarkly", "phase_started", "phase Testing"),
        ),
        (
            flag(MilestoneAction.PHASE_COMPLETED, phase={"id": "p2", "name": "Production"}),
            ("launchdarkly", "phase_completed", "phase Production"),
        ),
        (
            environment(MilestoneAction.RELEASE_STARTED),
            ("launchdarkly", "release_active", "environment production"),
        ),
        (
            environment(MilestoneAction.RELEASE_COMPLETED),
            ("launchdarkly", "release_completed", "environment production"),
        ),
        (
            environment(MilestoneAction.RELEASE_REVERTED),
            ("launchdarkly", "reverted", "environment production"),
        ),
        (amplitude("8.1"), ("amplitude", "annotated", "Release 8.1")),
    ],
)
def test_a_milestone_sets_its_service_state_and_detail(
    extra: dict[str, Any], expected: tuple[str, ...]
) -> None:
    service, state, detail = expected

    row = only(build_versions([event(extra, 1)], [run(version="8.1")], []))

    assert states(row)[service] == (state, detail)
    assert row.timeline[0].what == ServiceState(state).label


def test_a_provider_task_without_an_asset_event_gives_its_state_from_its_result() -> None:
    cryptlex_page = "https://app.cryptlex.com/releases/cx-2"
    tasks = [
        task(
            "AhaCreateReleaseOperator", "create_aha", "success", 1,
            result={"id": "8", "reference_num": "PRJ1-R-8", "name": "Autumn", "url": AHA_URL},
        ),
        task(
            "CryptlexCreateReleaseOperator", "create_cryptlex", "success", 2,
            result={"id": "cx-2", "version": "9.0", "channel": "beta"}, url=cryptlex_page,
        ),
    ]  # fmt: skip

    row = only(build_versions([], [run(version=None)], tasks))

    assert (row.version, row.title) == ("9.0", "Autumn")
    assert states(row)["aha"] == ("created", "PRJ1-R-8")
    assert states(row)["cryptlex"] == ("draft", "channel beta")
    assert row.cell(Service.CRYPTLEX).vendor_url == cryptlex_page
    assert (row.cell(Service.CRYPTLEX).task_id, row.cell(Service.CRYPTLEX).at) == ("create_cryptlex", at(2))
    assert [(entry.service, entry.what) for entry in row.timeline] == [
        ("aha", "created"),
        ("cryptlex", "draft"),
    ]


def test_a_successful_step_without_a_recorded_time_still_shows() -> None:
    tasks = [
        task("AhaCreateReleaseOperator", "create", "success", None, result={"reference_num": "PRJ1-R-4"})
    ]

    row = only(build_versions([event(amplitude("9.4"), 5)], [run(minutes=1)], tasks))

    assert states(row)["aha"] == ("created", "PRJ1-R-4")
    assert (row.first_at, row.last_at) == (at(1), at(5))


def test_a_provider_task_with_an_asset_event_is_not_counted_twice() -> None:
    milestones = [event(aha(MilestoneAction.CREATED), 1, task_id="create_aha")]
    tasks = [
        task("AhaCreateReleaseOperator", "create_aha", "success", 1, result={"reference_num": "PRJ1-R-7"})
    ]

    row = only(build_versions(milestones, [run(version="9.1")], tasks))

    assert [(entry.service, entry.what, entry.task_id) for entry in row.timeline] == [
        ("aha", "created", "create_aha")
    ]


def test_a_failed_step_shows_failed_and_keeps_the_service_detail() -> None:
    milestones = [event(aha(MilestoneAction.CREATED), 1, task_id="create_aha")]
    tasks = [
        task("AhaCreateReleaseOperator", "create_aha", "success", 1),
        task("AhaReleaseShippedSensor", "ship_aha", "failed", 5),
    ]

    row = only(build_versions(milestones, [run(state="failed", version="9.2")], tasks))

    cell = row.cell(Service.AHA)
    assert (cell.state, cell.detail, cell.task_id, cell.at) == (
        ServiceState.FAILED,
        "PRJ1-R-7",
        "ship_aha",
        at(5),
    )
    assert row.timeline[-1].what == "failed"
    assert row.pending_steps == []


def test_a_later_milestone_of_another_run_replaces_a_failed_step() -> None:
    milestones = [event(aha(MilestoneAction.SHIPPED), 30, run_id="retry", task_id="ship_aha")]
    runs = [run("first", state="failed", version="9.3"), run("retry", minutes=20, version="9.3")]
    tasks = [task("AhaReleaseShippedSensor", "ship_aha", "failed", 5, run_id="first")]

    row = only(build_versions(milestones, runs, tasks))

    assert states(row)["aha"] == ("shipped", "PRJ1-R-7")


@pytest.mark.parametrize(
    ("reason", "state"),
    [
        ("waiting_regression_detected", ServiceState.REGRESSION),
        ("waiting_phase_ended", ServiceState.MANUAL_ADVANCE),
        (None, ServiceState.WAITING),
    ],
)
def test_a_deferred_environment_release_wait_shows_why_it_waits(
    reason: str | None, state: ServiceState
) -> None:
    message = "The release of new-checkout in production waits: a guarded metric regressed."
    milestones = [event(environment(MilestoneAction.RELEASE_STARTED), 1, task_id="start")]
    wait = wait_status("waiting", message, reason, at(9).isoformat())
    tasks = [task("LaunchDarklyEnvironmentReleaseSensor", "wait_release", "deferred", 8, wait=wait)]

    row = only(build_versions(milestones, [run(state="running", version="10.0")], tasks))

    cell = row.cell(Service.LAUNCHDARKLY)
    assert (cell.state, cell.message, cell.detail) == (state, message, "environment production")
    assert (cell.task_id, cell.at) == ("wait_release", at(8))
    assert [step.task_id for step in row.pending_steps] == ["wait_release"]
    assert (row.timeline[-1].what, row.timeline[-1].detail) == (state.label, message)


def test_a_step_at_work_shows_in_progress() -> None:
    tasks = [task("AmplitudeCreateReleaseOperator", "annotate", "running", 3)]

    row = only(build_versions([], [run(state="running", version="10.1")], tasks))

    assert row.cell(Service.AMPLITUDE).state is ServiceState.IN_PROGRESS
    assert [step.task_id for step in row.pending_steps] == ["annotate"]


@pytest.mark.parametrize(("run_state", "pending"), [("running", ["ship_aha", "publish"]), ("failed", [])])
def test_an_upstream_failed_or_unstarted_step_keeps_the_cell_and_is_pending_while_the_run_goes_on(
    run_state: str, pending: list[str]
) -> None:
    milestones = [event(aha(MilestoneAction.CREATED), 1, task_id="create_aha")]
    tasks = [
        task("AhaReleaseShippedSensor", "ship_aha", "upstream_failed", None),
        task("CryptlexPublishReleaseOperator", "publish", None, None),
    ]

    row = only(build_versions(milestones, [run(state=run_state, version="10.2")], tasks))

    assert states(row)["aha"] == ("created", "PRJ1-R-7")
    assert states(row)["cryptlex"] == ("not_started", None)
    assert [step.task_id for step in row.pending_steps] == pending
    assert [entry.task_id for entry in row.timeline] == ["create_aha"]


# Approvals


def test_pending_and_given_approvals() -> None:
    asked = ApprovalRecord(DAG, "run-1", "approve_ship", -1, "Ship 11.0?", at(3), "deferred")
    answered = ApprovalRecord(
        DAG, "run-1", "approve_publish", -1, "Publish 11.0?", at(2), "success",
        responded_at=at(4), responded_by="alice", chosen=("Approve",),
    )  # fmt: skip
    expired = ApprovalRecord(DAG, "run-1", "approve_flag", -1, "Flag 11.0?", at(1), "skipped")
    elsewhere = ApprovalRecord(DAG, "other-run", "approve_ship", -1, "Ship 12.0?", at(3), "deferred")
    milestones = [event(amplitude("11.0"), 1)]

    row = only(build_versions(milestones, [run(state="running")], [], [asked, answered, expired, elsewhere]))

    assert row.pending_approvals == [asked]
    assert row.given_approvals == [answered]
    approvals = [(e.at, e.what, e.detail) for e in row.timeline if e.service == "approval"]
    assert approvals == [
        (at(1), "approval requested", "Flag 11.0?"),
        (at(3), "approval requested", "Ship 11.0?"),
        (at(4), "Approve by alice", "Publish 11.0?"),
    ]


# Vendor links


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("javascript:alert(1)", None),
        ("data:text/html,<script>alert(1)</script>", None),
        ("//evil.example/releases", None),
        ("http://aha.local:8080/releases/PRJ1-R-7", "http://aha.local:8080/releases/PRJ1-R-7"),
        (AHA_URL, AHA_URL),
    ],
)
def test_only_http_vendor_links_are_shown(url: str, shown: str | None) -> None:
    milestones = [event(aha(MilestoneAction.CREATED, url=url), 1)]
    tasks = [
        task("CryptlexCreateReleaseOperator", "create", "success", 2, result={"version": "12.0"}, url=url)
    ]

    row = only(build_versions(milestones, [run()], tasks))

    assert (row.cell(Service.AHA).vendor_url, row.cell(Service.CRYPTLEX).vendor_url) == (shown, shown)
    assert [entry.vendor_url for entry in row.timeline] == [shown, shown]


def test_an_event_of_an_unknown_action_is_left_out_and_the_rest_still_shows() -> None:
    """Any asset event whose extra names a service is read: one written by hand must not break the page."""
    milestones = [
        event({"service": "aha", "action": "notified", "version": "14.0"}, 1),
        event({"service": "aha", "version": "14.0"}, 2),
        event(
            release_record("14.1", [{"service": "cryptlex", "action": "archived"}, amplitude("14.1")]),
            3,
            None,
        ),
        event(amplitude("14.0"), 4),
    ]

    rows = build_versions(milestones, [run()], [])

    assert [(row.version, states(row)["aha"], states(row)["amplitude"][0]) for row in rows] == [
        ("14.1", ("not_started", None), "annotated"),
        ("14.0", ("not_started", None), "annotated"),
    ]
    assert [entry.what for entry in rows[1].timeline] == ["annotated"]
