"""guarded_release run by dag.test() against the sandbox: released, or reverted on a regression."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from airflow_provider_releases.milestones import Service
from airflow_provider_releases.plugins.releases_model import ServiceState, VersionRow
from airflow_provider_releases.plugins.releases_view import build_versions
from airflow_provider_releases.workflows import POLL_SECONDS_ENV
from airflow_provider_releases_sandbox import Sandbox
from airflow_provider_releases_sandbox.cryptlex import DESKTOP_APP_ID
from airflow_provider_releases_sandbox.dag_runs import run_dag

GUARDED = Path(__file__).resolve().parents[2] / "example_dags" / "guarded_release.py"
RELEASES = "/api/v2/projects/default/flags/new-checkout/environments/production/releases"
SHIP_AND_PUBLISH = ("annotate_amplitude", "ship_aha_release", "publish_cryptlex_release")
#: The sandbox's clock of environment releases: an hour's step lasts 3.6 ms.
FAST = 1_000_000


@pytest.fixture(autouse=True)
def quick_polls(monkeypatch: pytest.MonkeyPatch) -> None:
    """Check the release every 0.2 s (read when the DAG file is parsed)."""
    monkeypatch.setenv(POLL_SECONDS_ENV, "0.2")


def states(run) -> dict[str, str]:
    return {ti.task_id: ti.state for ti in run.get_task_instances()}


def errors_logged(task_logs) -> str:
    """The error lines the tasks logged, with the tracebacks of their exceptions."""
    return "\n".join(
        f"{entry['event']}\n{entry.get('exception', '')}"
        for entry in task_logs.entries
        if entry["log_level"] == "error"
    )


def cryptlex_release(sb: Sandbox, version: str) -> dict:
    [product] = [product for product in sb.state("cryptlex")["products"] if product["id"] == DESKTOP_APP_ID]
    [release] = [release for release in product["releases"] if release["version"] == version]
    return release


def test_guarded_release_releases_the_flag_in_production_then_ships_and_publishes(
    release_sandbox: Sandbox,
) -> None:
    release_sandbox.set_time_scale(FAST)

    run = run_dag(GUARDED, "guarded_release", conf={"version": "2.1.0"})

    assert run.state == "success", states(run)
    assert set(states(run).values()) == {"success"}
    writes = [(r.service, r.method, r.path, r.status) for r in release_sandbox.requests if r.method != "GET"]
    assert [(service, method, status) for service, method, _, status in writes] == [
        ("aha", "POST", 200),
        ("cryptlex", "POST", 201),
        ("launchdarkly", "POST", 201),
        ("amplitude", "POST", 200),
        ("aha", "PUT", 200),
        ("cryptlex", "POST", 200),
    ]
    [start] = release_sandbox.requests_to("launchdarkly", "POST")
    assert start.path == RELEASES
    assert start.body["metrics"] == [{"metricKey": "checkout-errors", "autoRollback": True}]
    assert [step["allocation"] for step in start.body["phases"][0]["steps"]] == [10_000, 25_000, 50_000]
    assert start.body["randomizationUnit"] == "user"
    waited = run.get_task_instance("wait_for_environment_release").xcom_pull(
        task_ids="wait_for_environment_release"
    )
    assert (waited["kind"], waited["status"], waited["environmentKey"]) == (
        "guarded",
        "completed",
        "production",
    )
    assert cryptlex_release(release_sandbox, "2.1.0")["published"] is True


def regress_once_the_sensor_waits(sb: Sandbox) -> threading.Thread:
    """Inject a regression of the guarded release once the sensor has read it after its start."""

    def regress() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            journal = [(r.method, r.path) for r in sb.requests if r.service == "launchdarkly"]
            started = [i for i, (method, path) in enumerate(journal) if (method, path) == ("POST", RELEASES)]
            if started and any(
                method == "GET" and path.startswith(RELEASES) for method, path in journal[started[0] + 1 :]
            ):
                sb.inject_regression("default", "new-checkout", "production", "checkout-errors")
                return
            time.sleep(0.02)
        sb.set_time_scale(FAST)  # never read: let the release complete, so the run ends and the test fails

    thread = threading.Thread(target=regress, daemon=True)
    thread.start()
    return thread


def test_a_regression_reverts_the_release_fails_the_wait_once_and_nothing_is_shipped_or_published(
    release_sandbox: Sandbox, task_logs
) -> None:
    release_sandbox.set_time_scale(1)  # an hour's step lasts an hour: the regression comes first
    regressor = regress_once_the_sensor_waits(release_sandbox)

    run = run_dag(GUARDED, "guarded_release")
    regressor.join(5)

    assert run.state == "failed"
    wait = run.get_task_instance("wait_for_environment_release")
    assert (wait.state, wait.try_number) == ("failed", 1)  # at once: no retry of the chain's two
    assert [states(run)[task] for task in SHIP_AND_PUBLISH] == ["upstream_failed"] * 3
    assert not release_sandbox.requests_to("amplitude")
    assert not release_sandbox.requests_to("aha", "PUT")
    assert [r.path for r in release_sandbox.requests_to("cryptlex", "POST")] == ["/v3/releases"]
    [aha] = [
        release for release in release_sandbox.state("aha")["releases"] if release["name"] == "Release 2.0.0"
    ]
    assert aha["released"] is False
    draft = cryptlex_release(release_sandbox, "2.0.0")
    assert draft["published"] is False
    page = releases_page_row(run.run_id)  # the Releases page shows the revert as such
    assert (page.version, page.cell(Service.LAUNCHDARKLY).state) == ("2.0.0", ServiceState.REVERTED)
    assert page.cell(Service.LAUNCHDARKLY).task_id == "wait_for_environment_release"
    assert "checkout-errors" in page.cell(Service.LAUNCHDARKLY).message
    assert (page.cell(Service.AHA).state, page.cell(Service.AHA).detail) == (
        ServiceState.CREATED,
        aha["reference_num"],
    )
    assert page.cell(Service.CRYPTLEX).state is ServiceState.DRAFT
    logged = errors_logged(task_logs)
    assert "reverted_regression_detected" in logged and "checkout-errors" in logged
    assert "Release step wait_for_environment_release failed" in logged
    assert "\nNot done: annotate_amplitude, ship_aha_release, publish_cryptlex_release\n" in logged
    assert (
        "The LaunchDarkly release did not complete, so the chain stopped before shipping: "
        f"Aha! release {aha['reference_num']} stays unshipped and Cryptlex release {draft['id']} "
        "(version 2.0.0) stays a draft; nothing was shipped, published or announced."
    ) in logged


def releases_page_row(run_id: str) -> VersionRow:
    """What the Releases page shows for the version of the run ``run_id`` of ``guarded_release`` alone."""
    from airflow.utils.session import create_session

    from airflow_provider_releases.plugins.releases_data import read_records

    with create_session() as session:
        records = read_records(session, {"guarded_release"}, with_loose_events=False)
    milestones, runs, tasks, approvals = records
    [row] = build_versions(
        [m for m in milestones if m.run_id == run_id],
        [r for r in runs if r.run_id == run_id],
        [t for t in tasks if t.run_id == run_id],
        [a for a in approvals if a.run_id == run_id],
    )
    return row


def test_a_second_run_of_a_shipped_version_starts_no_second_environment_release(
    release_sandbox: Sandbox, task_logs
) -> None:
    release_sandbox.set_time_scale(FAST)
    first = run_dag(GUARDED, "guarded_release")
    before = len(release_sandbox.requests)

    second = run_dag(GUARDED, "guarded_release")

    assert (first.state, second.state) == ("success", "success")
    assert {task: state for task, state in states(second).items() if state != "success"} == {
        "start_environment_release": "skipped",
        "wait_for_environment_release": "skipped",
        "annotate_amplitude": "skipped",
    }
    again = [(r.service, r.method) for r in release_sandbox.requests[before:] if r.method != "GET"]
    assert again == [("aha", "PUT")]  # shipping again sets the same status; nothing is started
    assert len(release_sandbox.requests_to("launchdarkly", "POST")) == 1
    assert any(
        message.startswith("Aha! release PRJ1-R-")
        and message.endswith(
            "is already shipped: an earlier run released the flag, so this one starts no"
            " second environment release."
        )
        for message in task_logs.at("info")
    )
