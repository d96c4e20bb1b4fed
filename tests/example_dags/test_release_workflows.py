"""The example release workflows, run by dag.test() against the sandbox: success, re-runs, failures."""

from __future__ import annotations

import html
import re
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
import requests

from airflow_provider_releases.workflows import POLL_SECONDS_ENV
from airflow_provider_releases_sandbox import Sandbox
from airflow_provider_releases_sandbox.cryptlex import DESKTOP_APP_ID
from airflow_provider_releases_sandbox.dag_runs import run_dag

EXAMPLE_DAGS = Path(__file__).resolve().parents[2] / "example_dags"
WORKFLOW = EXAMPLE_DAGS / "release_workflow.py"
TRAIN = EXAMPLE_DAGS / "scheduled_release_train.py"
FLAG_RELEASE = "/api/v2/flags/default/new-checkout/release"
DOWNSTREAM_OF_WAIT = ("annotate_amplitude", "ship_aha_release", "publish_cryptlex_release")


@pytest.fixture(autouse=True)
def quick_polls(monkeypatch: pytest.MonkeyPatch, release_sandbox: Sandbox) -> None:
    """Check the phase every 0.2 s (read when the DAG file is parsed); phases complete after two reads."""
    monkeypatch.setenv(POLL_SECONDS_ENV, "0.2")
    release_sandbox.auto_advance(reads=2)


def states(run) -> dict[str, str]:
    return {ti.task_id: ti.state for ti in run.get_task_instances()}


def mutations(sb: Sandbox) -> list[tuple[str, str, str, int | None]]:
    return [(r.service, r.method, r.path, r.status) for r in sb.requests if r.method != "GET"]


def errors_logged(task_logs) -> str:
    """The error lines the tasks logged, with the tracebacks of their exceptions."""
    return "\n".join(
        f"{entry['event']}\n{entry.get('exception', '')}"
        for entry in task_logs.entries
        if entry["log_level"] == "error"
    )


def aha_releases(sb: Sandbox, name: str) -> list[dict]:
    return [release for release in sb.state("aha")["releases"] if release["name"] == name]


def cryptlex_releases(sb: Sandbox, version: str) -> list[dict]:
    [product] = [product for product in sb.state("cryptlex")["products"] if product["id"] == DESKTOP_APP_ID]
    return [release for release in product["releases"] if release["version"] == version]


def expected_mutations(sb: Sandbox, name: str, version: str) -> list[tuple[str, str, str, int]]:
    """What one successful run sends: each create, the phase start, the annotation, ship, publish."""
    [aha] = aha_releases(sb, name)
    [cryptlex] = cryptlex_releases(sb, version)
    testing = sb.state("launchdarkly")["projects"]["default"]["releases"]["new-checkout"]["phases"][0]
    return [
        ("aha", "POST", "/api/v1/products/PRJ1/releases", 200),
        ("cryptlex", "POST", "/v3/releases", 201),
        ("launchdarkly", "PUT", "/api/v2/projects/default/flags/new-checkout/release", 200),
        (
            "launchdarkly",
            "PUT",
            f"/api/v2/projects/default/flags/new-checkout/release/phases/{testing['id']}",
            200,
        ),
        ("amplitude", "POST", "/api/2/release", 200),
        ("aha", "PUT", f"/api/v1/products/PRJ1/releases/{aha['id']}", 200),
        ("cryptlex", "POST", f"/v3/releases/{cryptlex['id']}/publish", 200),
    ]


def test_release_workflow_releases_the_version_in_all_four_services(release_sandbox: Sandbox) -> None:
    run = run_dag(WORKFLOW, "release_workflow", conf={"version": "2.1.0", "title": "Spring release"})

    assert run.state == "success", states(run)
    assert set(states(run).values()) == {"success"}
    assert mutations(release_sandbox) == expected_mutations(release_sandbox, "Spring release", "2.1.0")
    [create_aha] = release_sandbox.requests_to("aha", "POST")
    assert create_aha.body["release"]["name"] == "Spring release"
    [create_cryptlex, _publish] = release_sandbox.requests_to("cryptlex", "POST")
    assert create_cryptlex.body == {
        "name": "Spring release",
        "version": "2.1.0",
        "channel": "stable",
        "productId": DESKTOP_APP_ID,
    }
    [annotation] = release_sandbox.requests_to("amplitude", "POST")
    assert (annotation.body["version"], annotation.body["title"]) == ("2.1.0", "Spring release")
    shipped = run.get_task_instance("ship_aha_release").xcom_pull(task_ids="ship_aha_release")
    assert (shipped["released"], shipped["workflow_status"]["name"]) == (True, "Shipped")
    published = run.get_task_instance("publish_cryptlex_release").xcom_pull(
        task_ids="publish_cryptlex_release"
    )
    assert (published["version"], published["published"]) == ("2.1.0", True)
    waited = run.get_task_instance("wait_for_phase").xcom_pull(task_ids="wait_for_phase")
    assert (waited["_name"], waited["complete"]) == ("Testing", True)


def test_second_run_creates_nothing_new_and_starts_no_phase_again(
    release_sandbox: Sandbox, task_logs
) -> None:
    first = run_dag(WORKFLOW, "release_workflow")
    [create_aha] = release_sandbox.requests_to("aha", "POST")
    assert create_aha.body["release"]["name"] == "Release 2.0.0"  # the default title names the version
    before = len(release_sandbox.requests)
    second = run_dag(WORKFLOW, "release_workflow")

    assert (first.state, second.state) == ("success", "success")
    assert states(second)["annotate_amplitude"] == "skipped"
    assert {task: state for task, state in states(second).items() if task != "annotate_amplitude"} == {
        task: "success" for task in states(second) if task != "annotate_amplitude"
    }
    again = [(r.service, r.method) for r in release_sandbox.requests[before:] if r.method != "GET"]
    assert again == [("aha", "PUT")]  # shipping again sets the same status; nothing is created
    assert [r["released"] for r in aha_releases(release_sandbox, "Release 2.0.0")] == [True]
    assert [r["published"] for r in cryptlex_releases(release_sandbox, "2.0.0")] == [True]
    assert len(release_sandbox.state("amplitude")["releases"]) == 1
    assert any(
        message.startswith("Aha! release PRJ1-R-")
        and "is already shipped: an earlier run annotated" in message
        for message in task_logs.at("info")
    )


def test_scheduled_release_train_names_the_release_after_its_data_interval(release_sandbox: Sandbox) -> None:
    monday = datetime(2026, 11, 16, 9, tzinfo=timezone.utc)

    run = run_dag(TRAIN, "scheduled_release_train", logical_date=monday)

    assert run.state == "success", states(run)
    assert (run.data_interval_start, run.data_interval_end) == (
        datetime(2026, 11, 9, 9, tzinfo=timezone.utc),
        monday,
    )
    assert mutations(release_sandbox) == expected_mutations(
        release_sandbox, "Release train 2026-W46", "2026.46.0"
    )
    [create_aha] = release_sandbox.requests_to("aha", "POST")
    assert create_aha.body == {"release": {"name": "Release train 2026-W46", "release_date": "2026-11-16"}}
    assert release_sandbox.requests_to("cryptlex", "POST")[0].body["version"] == "2026.46.0"
    [annotation] = release_sandbox.requests_to("amplitude", "POST")
    assert annotation.body["release_start"] == "2026-11-16 09:00:00"


def cancel_once_the_sensor_waits(sb: Sandbox) -> threading.Thread:
    """Cancel the flag's release once the sensor has read it after the first phase started."""

    def cancel() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            journal = [(r.method, r.path) for r in sb.requests if r.service == "launchdarkly"]
            started = [
                i for i, (method, path) in enumerate(journal) if method == "PUT" and "/phases/" in path
            ]
            if started and ("GET", FLAG_RELEASE) in journal[started[0] + 1 :]:
                sb.cancel_release("default", "new-checkout")
                return
            time.sleep(0.02)

    thread = threading.Thread(target=cancel, daemon=True)
    thread.start()
    return thread


def test_release_canceled_while_waiting_fails_the_sensor_and_runs_nothing_after(
    release_sandbox: Sandbox, task_logs
) -> None:
    release_sandbox.auto_advance()  # the phase never completes on its own
    canceller = cancel_once_the_sensor_waits(release_sandbox)

    run = run_dag(WORKFLOW, "release_workflow")
    canceller.join(5)

    assert run.state == "failed"
    assert states(run)["wait_for_phase"] == "failed"
    assert [states(run)[task] for task in DOWNSTREAM_OF_WAIT] == ["upstream_failed"] * 3
    assert not release_sandbox.requests_to("amplitude")
    assert not release_sandbox.requests_to("aha", "PUT")
    assert [r.path for r in release_sandbox.requests_to("cryptlex", "POST")] == ["/v3/releases"]
    logged = errors_logged(task_logs)
    assert "release of flag 'new-checkout' in project 'default' was canceled at" in logged
    assert "phase 'Testing' (position 0, id " in logged and ") will never complete" in logged
    assert "Release step wait_for_phase failed" in logged
    assert "Already done:\n- create_aha_release: Aha! release PRJ1-R-" in logged
    assert "\n- create_cryptlex_release: Cryptlex release " in logged and "version 2.0.0 (draft)" in logged
    assert "\n- start_first_phase: LaunchDarkly phase 'Testing' started" in logged
    # this run asks for no approval (require_approval is off): the gate is no step it missed
    not_done = "annotate_amplitude, ship_aha_release, publish_cryptlex_release"
    assert f"\nNot done: {not_done}\n" in logged


def test_a_burst_of_aha_rate_limits_is_retried_and_the_run_succeeds(
    release_sandbox: Sandbox, sleeps: list[float]
) -> None:
    release_sandbox.inject_fault("aha", "rate_limit", count=3, method="POST", retry_after=2)

    run = run_dag(WORKFLOW, "release_workflow")

    assert run.state == "success", states(run)
    creates = release_sandbox.requests_to("aha", "POST", "/api/v1/products/PRJ1/releases")
    assert [r.status for r in creates] == [429, 429, 429, 200]
    assert len(aha_releases(release_sandbox, "Release 2.0.0")) == 1
    assert len(sleeps) == 3 and all(1 <= wait <= 3 for wait in sleeps), sleeps


def test_an_amplitude_400_fails_the_annotation_with_amplitudes_message(
    release_sandbox: Sandbox, task_logs
) -> None:
    release_sandbox.inject_fault("amplitude", "reject", message="Invalid version: 2.0.0 was released already")

    run = run_dag(WORKFLOW, "release_workflow")

    assert run.state == "failed"
    assert states(run)["annotate_amplitude"] == "failed"
    assert (states(run)["ship_aha_release"], states(run)["publish_cryptlex_release"]) == (
        "upstream_failed",
    ) * 2
    logged = errors_logged(task_logs)
    assert "Invalid version: 2.0.0 was released already" in logged
    assert "Not done: ship_aha_release, publish_cryptlex_release" in logged
    assert not [r for r in release_sandbox.requests_to("cryptlex", "POST") if r.path.endswith("/publish")]


def page_fields(text: str) -> dict[str, str]:
    """The (label, value) rows of a sandbox web page's first table."""
    return {
        html.unescape(label): html.unescape(value)
        for label, value in re.findall(r"<tr><th>(.*?)</th><td>(.*?)</td></tr>", text)
    }


def page_rows(text: str) -> list[list[str]]:
    """The cells of every data row of a page's further tables (LaunchDarkly's phases)."""
    return [
        [html.unescape(cell) for cell in re.findall(r"<td>(.*?)</td>", row)]
        for row in re.findall(r"<tr>(<td>.*?)</tr>", text)
        if not row.startswith("<th>")
    ]


def test_every_extra_link_of_a_finished_run_opens_a_page_with_the_objects_name_and_state(
    release_sandbox: Sandbox,
) -> None:
    from airflow.dag_processing.dagbag import DagBag
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    run = run_dag(WORKFLOW, "release_workflow", conf={"version": "2.2.0", "title": "Links & <pages>"})
    assert run.state == "success", states(run)

    # What the UI shows on each task's buttons: the links Airflow evaluated when the task finished.
    dag = DagBag(dag_folder=str(WORKFLOW)).dags["release_workflow"]
    with create_session() as session:
        stored = {
            (row.task_id, row.key): XComModel.deserialize_value(row)
            for row in session.scalars(XComModel.get_many(run_id=run.run_id, dag_ids="release_workflow"))
        }
    links = [
        (task.task_id, type(link).__name__, stored.get((task.task_id, link.xcom_key)))
        for task in dag.tasks
        for link in task.operator_extra_links
    ]
    assert sorted((task, kind) for task, kind, _ in links) == [
        ("attach_flag_to_pipeline", "LaunchDarklyFlagLink"),
        ("create_aha_release", "AhaReleaseLink"),
        ("create_cryptlex_release", "CryptlexReleaseLink"),
        ("publish_cryptlex_release", "CryptlexReleaseLink"),
        ("ship_aha_release", "AhaReleaseLink"),
        ("start_first_phase", "LaunchDarklyFlagLink"),
    ]
    flag = release_sandbox.state("launchdarkly")["projects"]["default"]["releases"]["new-checkout"]
    expected = {
        "AhaReleaseLink": {"Name": "Links & <pages>", "Workflow status": "Shipped", "Shipped": "yes"},
        "CryptlexReleaseLink": {"Name": "Links & <pages>", "Version": "2.2.0", "State": "Published"},
        "LaunchDarklyFlagLink": {
            "Key": "new-checkout",
            "Release pipeline": "Standard release (standard-release)",
            "Release state": flag["state"],
        },
    }
    for task, kind, url in links:
        assert isinstance(url, str) and url.startswith(release_sandbox.base_url + "/"), (task, url)
        page = requests.get(url, timeout=10)  # a browser: no credentials at all

        assert (page.status_code, page.headers["Content-Type"]) == (200, "text/html; charset=utf-8"), url
        fields = page_fields(page.text)
        assert {label: fields.get(label) for label in expected[kind]} == expected[kind], (task, url)
        assert "<pages>" not in page.text  # every value is escaped
        if kind == "LaunchDarklyFlagLink":
            shown = [row[:3] for row in page_rows(page.text)]
            assert shown == [
                [phase["name"], phase["status"], "yes" if phase["complete"] else "no"]
                for phase in flag["phases"]
            ]
            assert shown[0] == ["Testing", "completed", "yes"]
    assert not [
        r for r in release_sandbox.requests if r.path.startswith(("/releases/", "/products/", "/projects/"))
    ]
