"""
``release_workflow`` run by dag.test() against the sandbox, as a user would: where its asset
events land when a run releases other targets than the defaults, and what the attach step does
when the flag holds the release of an earlier version (``existing_release``).
"""

from __future__ import annotations

import pytest

from airflow_provider_releases.milestones import announcement, milestones_of
from airflow_provider_releases.workflows import POLL_SECONDS_ENV
from airflow_provider_releases_sandbox import Sandbox
from airflow_provider_releases_sandbox.cryptlex import DESKTOP_APP_ID
from airflow_provider_releases_sandbox.dag_runs import run_dag
from tests.example_dags.test_release_workflows import WORKFLOW, errors_logged, mutations, states
from tests.operators.test_milestones import asset_events

DOWNSTREAM_OF_ATTACH = (
    "start_first_phase",
    "wait_for_phase",
    "annotate_amplitude",
    "ship_aha_release",
    "publish_cryptlex_release",
)


@pytest.fixture(autouse=True)
def quick_polls(monkeypatch: pytest.MonkeyPatch, release_sandbox: Sandbox) -> None:
    """Check the phase every 0.2 s; phases complete after two reads."""
    monkeypatch.setenv(POLL_SECONDS_ENV, "0.2")
    release_sandbox.auto_advance(reads=2)


def flag_release(sb: Sandbox, flag: str = "new-checkout") -> dict:
    return sb.state("launchdarkly")["projects"]["default"]["releases"][flag]


def try_numbers(run) -> dict[str, int]:
    return {ti.task_id: ti.try_number for ti in run.get_task_instances()}


def test_the_events_land_on_the_assets_of_what_the_run_released(release_sandbox: Sandbox) -> None:
    run = run_dag(WORKFLOW, "release_workflow", conf={"version": "3.0.0", "flag": "dark-mode"})

    assert run.state == "success", states(run)
    events = asset_events(run)
    by_task = {task: sorted(uri for uri, _ in found) for task, found in events.items()}
    assert by_task == {
        "wait_for_phase": ["launchdarkly://default/dark-mode"],
        "annotate_amplitude": ["amplitude://sandbox"],
        "ship_aha_release": ["aha://PRJ1"],
        "publish_cryptlex_release": sorted([f"cryptlex://{DESKTOP_APP_ID}", "release_workflow.released"]),
    }
    [(_, phase_completed)] = events["wait_for_phase"]
    assert (phase_completed["action"], phase_completed["flag_key"]) == ("phase_completed", "dark-mode")
    # the default flag's asset got nothing from this run
    assert "launchdarkly://default/new-checkout" not in {uri for found in events.values() for uri, _ in found}

    [(_, released)] = [
        (uri, extra) for uri, extra in events["publish_cryptlex_release"] if uri.endswith("released")
    ]
    assert (released["action"], released["version"]) == ("released", "3.0.0")
    assert [m["service"] for m in released["milestones"]] == ["aha", "cryptlex", "launchdarkly", "amplitude"]
    said = announcement(
        milestones_of({"release_workflow.released": [type("Event", (), {"extra": released})()]})
    )
    assert said["version"] == "3.0.0"
    assert said["services"]["launchdarkly"]["flag_key"] == "dark-mode"


def test_another_version_meeting_the_flags_release_fails_at_once_naming_it(
    release_sandbox: Sandbox, task_logs
) -> None:
    first = run_dag(WORKFLOW, "release_workflow", conf={"version": "2.0.0"})
    assert first.state == "success", states(first)
    made_for_2_0_0 = flag_release(release_sandbox)
    release_sandbox.clear_requests()

    second = run_dag(WORKFLOW, "release_workflow", conf={"version": "2.1.0"})

    assert second.state == "failed"
    got = states(second)
    assert got["attach_flag_to_pipeline"] == "failed"
    assert try_numbers(second)["attach_flag_to_pipeline"] == 1  # it can never pass: no retry
    assert {task: got[task] for task in DOWNSTREAM_OF_ATTACH} == dict.fromkeys(
        DOWNSTREAM_OF_ATTACH, "upstream_failed"
    )
    # nothing was sent to LaunchDarkly, and the release 2.0.0 made is untouched
    assert [m for m in mutations(release_sandbox) if m[0] == "launchdarkly"] == []
    assert flag_release(release_sandbox)["createdAt"] == made_for_2_0_0["createdAt"]
    logged = errors_logged(task_logs)
    for said in (
        "release of LaunchDarkly flag 'new-checkout' of project 'default' on pipeline 'standard-release'",
        "so it was made for an earlier version",
        "existing_release='restart'",
        "existing_release='reuse'",
    ):
        assert said in logged, logged


def test_existing_release_restart_deletes_it_and_releases_the_flag_anew(release_sandbox: Sandbox) -> None:
    run_dag(WORKFLOW, "release_workflow", conf={"version": "2.0.0"})
    old = flag_release(release_sandbox)
    release_sandbox.clear_requests()

    run = run_dag(WORKFLOW, "release_workflow", conf={"version": "2.1.0", "existing_release": "restart"})

    assert run.state == "success", states(run)
    sent = [
        (method, path) for service, method, path, _ in mutations(release_sandbox) if service == "launchdarkly"
    ]
    release_path = "/api/v2/projects/default/flags/new-checkout/release"
    assert sent[:2] == [("DELETE", "/api/v2/flags/default/new-checkout/release"), ("PUT", release_path)]
    assert sent[2][0] == "PUT" and sent[2][1].startswith(f"{release_path}/phases/")  # phase 0 again
    new = flag_release(release_sandbox)
    assert new["createdAt"] > old["createdAt"]
    waited = run.get_task_instance("wait_for_phase").xcom_pull(task_ids="wait_for_phase")
    assert (waited["_name"], waited["complete"]) == ("Testing", True)

    # the restarted release is 2.1.0's now: a re-run of 2.1.0 neither fails nor restarts it again
    release_sandbox.clear_requests()
    again = run_dag(WORKFLOW, "release_workflow", conf={"version": "2.1.0", "existing_release": "restart"})
    assert again.state == "success", states(again)
    assert [m for m in mutations(release_sandbox) if m[0] == "launchdarkly"] == []


def test_existing_release_reuse_adopts_it_with_a_warning(release_sandbox: Sandbox, task_logs) -> None:
    run_dag(WORKFLOW, "release_workflow", conf={"version": "2.0.0"})
    release_sandbox.clear_requests()

    run = run_dag(WORKFLOW, "release_workflow", conf={"version": "2.1.0", "existing_release": "reuse"})

    assert run.state == "success", states(run)
    assert [m for m in mutations(release_sandbox) if m[0] == "launchdarkly"] == []
    assert any(
        message.startswith("Reusing it, as existing_release='reuse' says: the release of LaunchDarkly flag")
        for message in task_logs.at("warning")
    ), task_logs.at("warning")


CONSUMER = """
import pendulum
from airflow.sdk import Asset, dag, task


@dag(
    dag_id="dark_mode_released",
    schedule=[Asset("launchdarkly://default/dark-mode")],
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
)
def dark_mode_released():
    @task
    def react():
        return None

    react()


dark_mode_released()
"""


def queued(dag_ids: tuple[str, ...]) -> list[tuple[str, str]]:
    """The asset events queued for the DAGs (the scheduler's asset-triggered queue): (dag id, asset)."""
    from airflow.models.asset import AssetDagRunQueue, AssetModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        rows = session.execute(
            select(AssetDagRunQueue.target_dag_id, AssetModel.uri)
            .join(AssetModel, AssetModel.id == AssetDagRunQueue.asset_id)
            .where(AssetDagRunQueue.target_dag_id.in_(dag_ids))
        ).all()
    return sorted((dag_id, uri) for dag_id, uri in rows)


def clear_queue() -> None:
    from airflow.models.asset import AssetDagRunQueue
    from airflow.utils.session import create_session
    from sqlalchemy import delete

    with create_session() as session:
        session.execute(delete(AssetDagRunQueue))


def unpause(dag_ids: tuple[str, ...]) -> None:
    from airflow.models.dag import DagModel
    from airflow.utils.session import create_session
    from sqlalchemy import update

    with create_session() as session:
        session.execute(update(DagModel).where(DagModel.dag_id.in_(dag_ids)).values(is_paused=False))


@pytest.fixture
def deployed(tmp_path):
    """
    A DAGs folder with release_workflow, release_announcement and a DAG scheduled on dark-mode's
    asset, recorded in the metadata database (by running the last one) and unpaused: Airflow
    queues events for unpaused DAGs only.
    """
    import shutil

    for name in ("release_workflow.py", "release_announcement.py"):
        shutil.copy(WORKFLOW.parent / name, tmp_path / name)
    (tmp_path / "dark_mode_released.py").write_text(CONSUMER)
    run_dag(tmp_path, "dark_mode_released")
    unpause(("release_workflow", "release_announcement", "dark_mode_released"))
    clear_queue()
    return tmp_path


def test_a_release_queues_its_targets_consumers_and_one_announcement_a_failed_one_none(
    release_sandbox: Sandbox, deployed
) -> None:
    watching = ("release_announcement", "dark_mode_released")
    run = run_dag(deployed, "release_workflow", conf={"version": "3.0.0", "flag": "dark-mode"})
    assert run.state == "success", states(run)
    assert queued(watching) == [
        ("dark_mode_released", "launchdarkly://default/dark-mode"),
        ("release_announcement", "release_workflow.released"),
    ]

    clear_queue()
    release_sandbox.inject_fault(
        "cryptlex", "reject", status=403, method="POST", path=r"/v3/releases/[^/]+/publish", message="No."
    )
    failed = run_dag(
        deployed,
        "release_workflow",
        conf={"version": "3.1.0", "flag": "dark-mode", "existing_release": "restart"},
    )

    assert failed.state == "failed" and states(failed)["publish_cryptlex_release"] == "failed", states(failed)
    assert (
        states(failed)["ship_aha_release"] == "success"
    )  # shipped, but the release did not go out everywhere
    assert queued(watching) == [("dark_mode_released", "launchdarkly://default/dark-mode")]
