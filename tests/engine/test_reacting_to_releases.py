"""
Reacting to releases on Airflow's own processes: the release assets, the Aha! watcher and the
approval gate, with ``release_workflow``, ``release_announcement`` and ``shipped_anywhere``
deployed together (one engine for the module; the tests run in order and build on each other's
state: the watcher test first, while no release DAG has touched the product).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from airflow_provider_releases.workflows import APPROVAL_STEP, POLL_SECONDS_ENV, RELEASE_STEPS
from airflow_provider_releases_sandbox import Sandbox
from tests import secret_audit
from tests.engine.engine import ENGINE, EXAMPLE_DAGS, FAST_TAKEOVER, AirflowEngine
from tests.engine.test_release_workflow import TIMEOUT, finished, task_instance, task_states, wait_for_dag

pytestmark = pytest.mark.engine

BROWSER_PYTHON = Path(__file__).resolve().parents[2] / ".venv" / "browser" / "bin" / "python"
RELEASES_DRIVER = Path(__file__).resolve().parents[2] / "scripts" / "releases_page.py"
CHROMIUM = Path("/usr/bin/chromium")

WORKFLOW, ANNOUNCEMENT, WATCHED = "release_workflow", "release_announcement", "shipped_anywhere"
WATCH_SECONDS = 2
WATCH_SECONDS_ENV = "RELEASES_WATCH_POLL_SECONDS"
PRODUCT_RELEASES = "/api/v1/products/PRJ1/releases"
#: Airflow 3.3 parks a task waiting for a human in ``awaiting_input``; 3.2 defers it to a trigger.
WAITING_FOR_HUMAN = {"awaiting_input", "deferred"}


@pytest.fixture(scope="module")
def deployed(
    tmp_path_factory: pytest.TempPathFactory, release_sandbox_server: Sandbox
) -> Iterator[tuple[AirflowEngine, Sandbox]]:
    """
    An engine on SQLite parsing the three DAGs, against the session's sandbox reset to its seed;
    phases are checked every second and the watcher polls every :data:`WATCH_SECONDS`.
    """
    sb = release_sandbox_server
    sb.reset()
    dags = tmp_path_factory.mktemp("reacting-dags")
    for dag_id in (WORKFLOW, ANNOUNCEMENT, WATCHED):
        shutil.copy(EXAMPLE_DAGS / f"{dag_id}.py", dags)
    environ = {
        **sb.environ(),
        POLL_SECONDS_ENV: "1",
        WATCH_SECONDS_ENV: str(WATCH_SECONDS),
        # An unpaused DAG's watchers get their triggers when its file is parsed again.
        "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "3",
    }
    engine = AirflowEngine(tmp_path_factory.mktemp("reacting") / "engine", dags, environ)
    try:
        engine.migrate()
        engine.start_all()
        yield engine, sb
    finally:
        engine.stop_all()
        secret_audit.scan_tree(engine.root)


@pytest.fixture
def engine(request: pytest.FixtureRequest, deployed: tuple[AirflowEngine, Sandbox]) -> AirflowEngine:
    """The module's engine, named in a failed test's report with its processes' log tails."""
    request.node.stash[ENGINE] = deployed[0]
    return deployed[0]


@pytest.fixture
def sb(deployed: tuple[AirflowEngine, Sandbox]) -> Sandbox:
    """The sandbox the module's engine releases to."""
    return deployed[1]


def test_shipped_anywhere_runs_once_for_each_release_shipped_by_hand(
    engine: AirflowEngine, sb: Sandbox
) -> None:
    """
    With ``shipped_anywhere`` deployed, shipping an Aha! release through the sandbox's control
    API (no DAG involved) starts exactly one run, and three more polls start no other. On 3.3,
    a release shipped while the triggerer is down gives exactly one more run after it restarts,
    and the first release none.
    """
    wait_for_dag(engine, WATCHED)
    engine.api("PATCH", f"/api/v2/dags/{WATCHED}", json={"is_paused": False})
    wait_for_polls(sb, 2, "the watcher to read the product's releases (its starting state)")
    assert dag_runs(engine, WATCHED) == [], "PRJ1-R-1 was shipped before the watcher started"

    ship_by_hand(sb, "PRJ1-R-2")
    [first] = wait_for_runs(engine, WATCHED, 1)
    assert shipped_references(engine, first) == ["PRJ1-R-2"]
    wait_for_polls(sb, 3, "three more polls")
    assert len(dag_runs(engine, WATCHED)) == 1, "a shipped release should fire once, not on every poll"

    if not restart_keeps_the_watermark():
        return
    engine.kill("triggerer")
    ship_by_hand(sb, "PRJ1-R-3")
    engine.start("triggerer", environ=FAST_TAKEOVER)
    runs = wait_for_runs(engine, WATCHED, 2)
    assert shipped_references(engine, runs[1]) == ["PRJ1-R-3"]
    wait_for_polls(sb, 3, "three polls after the restart")
    assert len(dag_runs(engine, WATCHED)) == 2, "the restart should not fire PRJ1-R-2 again"


def test_rejected_release_ships_publishes_and_announces_nothing(engine: AirflowEngine, sb: Sandbox) -> None:
    """
    Rejected through Airflow's REST API: annotate, ship and publish are skipped, the sandbox
    shows the new releases neither shipped nor published, nothing is announced and nothing is
    left queued for ``release_announcement`` (it waits on one event per release that went out).
    """
    for dag_id in (WORKFLOW, ANNOUNCEMENT):
        wait_for_dag(engine, dag_id)
        engine.api("PATCH", f"/api/v2/dags/{dag_id}", json={"is_paused": False})
    sb.auto_advance(reads=1)
    annotations_before = len(sb.state("amplitude")["releases"])
    start_and_wait_for_approval(engine, "rejected", {"require_approval": True, "version": "2.0.0"})
    respond(engine, "rejected", "Reject")

    run = wait_for_end(engine, WORKFLOW, "rejected")
    states = task_states(engine, WORKFLOW, "rejected")
    skipped = {"annotate_amplitude", "ship_aha_release", "publish_cryptlex_release"}
    assert {task for task, state in states.items() if state == "skipped"} == skipped, states
    assert run["state"] == "success" and states[APPROVAL_STEP] == "success", states

    aha, cryptlex = (
        xcom(engine, "rejected", "create_aha_release"),
        xcom(engine, "rejected", "create_cryptlex_release"),
    )
    [kept] = [r for r in sb.state("aha")["releases"] if r["id"] == aha["id"]]
    assert (kept["name"], kept["released"]) == ("Release 2.0.0", False)
    [draft] = [
        r
        for product in sb.state("cryptlex")["products"]
        for r in product["releases"]
        if r["id"] == cryptlex["id"]
    ]
    assert (draft["version"], draft["published"]) == ("2.0.0", False)
    assert len(sb.state("amplitude")["releases"]) == annotations_before
    time.sleep(5)  # a few scheduler loops: an announcement would have been queued by now
    assert dag_runs(engine, ANNOUNCEMENT) == []
    assert engine.find(f"/api/v2/dags/{ANNOUNCEMENT}/assets/queuedEvents") in (
        None,
        {"queued_events": [], "total_entries": 0},
    )


def test_approved_release_after_a_rejected_one_is_announced_once_alone(
    engine: AirflowEngine, sb: Sandbox
) -> None:
    """
    The next version, 2.1.0, approved through Airflow's REST API after 2.0.0 was rejected: its
    attach step restarts the flag's release 2.0.0 left (``existing_release="restart"``), the run
    ships and publishes, and ``release_announcement`` runs once, seeing version 2.1.0 only, with
    every service's id and link; ``shipped_anywhere`` sees the release the DAG shipped, once.
    """
    watched_before = len(dag_runs(engine, WATCHED))
    conf = {"require_approval": True, "version": "2.1.0", "existing_release": "restart"}
    approval = start_and_wait_for_approval(engine, "approved", conf)
    xcoms = {step: xcom(engine, "approved", step) for step in RELEASE_STEPS[:5]}
    aha, cryptlex = xcoms["create_aha_release"], xcoms["create_cryptlex_release"]
    body = approval["body"]
    for what in (aha["reference_num"], aha["url"], cryptlex["id"], "2.1.0", "Testing"):
        assert str(what) in body, f"the approval request should show {what!r}:\n{body}"
    respond(engine, "approved", "Approve")

    run = wait_for_end(engine, WORKFLOW, "approved")
    states = task_states(engine, WORKFLOW, "approved")
    assert run["state"] == "success" and set(states.values()) == {"success"}, states
    [shipped] = [r for r in sb.state("aha")["releases"] if r["id"] == aha["id"]]
    assert shipped["released"] is True
    published = xcom(engine, "approved", "publish_cryptlex_release")
    assert published["published"] is True

    [announced] = wait_for_runs(engine, ANNOUNCEMENT, 1)
    wait_for_end(engine, ANNOUNCEMENT, announced["dag_run_id"])
    [event] = upstream_events(engine, ANNOUNCEMENT, announced["dag_run_id"])
    assert event["uri"] == f"{WORKFLOW}.released" and event["source_run_id"] == "approved", event
    assert (event["extra"]["action"], event["extra"]["version"]) == ("released", "2.1.0")
    by_service = {milestone["service"]: milestone for milestone in event["extra"]["milestones"]}
    assert set(by_service) == {"aha", "cryptlex", "launchdarkly", "amplitude"}, event
    amplitude = xcom(engine, "approved", "annotate_amplitude")
    assert (
        by_service["aha"].items()
        >= {
            "action": "shipped",
            "release_id": str(aha["id"]),
            "reference_num": aha["reference_num"],
            "name": "Release 2.1.0",
            "url": aha["url"],
        }.items()
    ), by_service["aha"]
    assert (by_service["cryptlex"]["action"], by_service["cryptlex"]["version"]) == ("published", "2.1.0")
    assert by_service["cryptlex"]["release_id"] == cryptlex["id"] and by_service["cryptlex"]["url"]
    assert by_service["launchdarkly"]["action"] == "phase_completed"
    assert (by_service["launchdarkly"]["flag_key"], by_service["launchdarkly"]["phase_name"]) == (
        "new-checkout",
        "Testing",
    )
    assert by_service["launchdarkly"]["url"]
    assert (
        by_service["amplitude"].items()
        >= {
            "action": "annotated",
            "release_id": str(amplitude["id"]),
            "version": "2.1.0",
        }.items()
    ), by_service["amplitude"]
    said = xcom(engine, announced["dag_run_id"], "announce", dag_id=ANNOUNCEMENT)
    assert said["version"] == "2.1.0" and aha["url"] in said["text"] and "2.0.0" not in said["text"], said
    time.sleep(5)
    assert len(dag_runs(engine, ANNOUNCEMENT)) == 1

    runs = wait_for_runs(engine, WATCHED, watched_before + 1)
    assert shipped_references(engine, runs[-1]) == [aha["reference_num"]]


# Helpers


def restart_keeps_the_watermark() -> bool:
    """Whether this Airflow gives watchers an asset state store (3.3 and newer)."""
    from airflow.triggers.base import BaseEventTrigger

    return hasattr(BaseEventTrigger, "shared_stream_key")


def ship_by_hand(sb: Sandbox, reference: str) -> None:
    """Ship an Aha! release through the sandbox's control API over HTTP, as a person would."""
    answer = requests.post(f"{sb.base_url}/_sandbox/ship_release", json={"release_id": reference}, timeout=10)
    assert answer.status_code == 200, answer.text
    assert answer.json()["result"]["released"] is True


def product_polls(sb: Sandbox) -> int:
    """How often the product's releases were listed (each watcher poll lists them)."""
    return len(sb.requests_to("aha", "GET", PRODUCT_RELEASES))


def wait_for_polls(sb: Sandbox, polls: int, what: str) -> None:
    """Wait until the product's releases were listed ``polls`` more times (two lists a poll)."""
    start = product_polls(sb)
    deadline = time.monotonic() + TIMEOUT
    while product_polls(sb) < start + 2 * polls:
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.5)


def test_the_releases_page_shows_each_version_at_each_service_and_the_pending_approval(
    engine: AirflowEngine, sb: Sandbox
) -> None:
    """
    The provider's Releases page, in headless Chromium inside Airflow's own UI (``/plugin/releases``):
    2.1.0's row shows the four services' states with links to the vendor objects (the steps' extra
    links) and to the runs and tasks that made them; a third run, 2.2.0, waiting for approval shows
    as pending with a link to Airflow's approval page. (Every user is an admin on this engine:
    ``tests/engine/test_releases_page_login.py`` checks the refusal without login.)
    """
    start_and_wait_for_approval(
        engine, "pending", {"require_approval": True, "version": "2.2.0", "existing_release": "restart"}
    )
    try:
        shown = drive_releases_page(engine, "2.1.0", "2.1.0")
        pending_only = engine.api("GET", "/releases/api/versions?state=approval:pending")
    finally:
        respond(engine, "pending", "Reject")
    rows = {row["version"]: row for row in shown["rows"]}
    assert list(rows)[:3] == ["2.2.0", "2.1.0", "2.0.0"], list(rows)  # newest first

    released = rows["2.1.0"]["services"]
    assert {service: cell["state"] for service, cell in released.items()} == {
        "aha": "shipped",
        "cryptlex": "published",
        "launchdarkly": "phase_completed",
        "amplitude": "annotated",
    }
    aha = xcom(engine, "approved", "create_aha_release")
    assert (
        aha["reference_num"] in released["aha"]["text"] and "channel stable" in released["cryptlex"]["text"]
    )
    for service, task_id in (("aha", "ship_aha_release"), ("cryptlex", "publish_cryptlex_release")):
        assert released[service]["vendor"] == extra_link(engine, "approved", task_id), service
        assert requests.get(released[service]["vendor"], timeout=30).status_code == 200, released[service]
    for service, cell in released.items():
        assert cell["run"] == f"{engine.base_url}/dags/{WORKFLOW}/runs/approved", (service, cell)
        assert cell["task"].startswith(f"{cell['run']}/tasks/"), (service, cell)
    assert shown["followed"]["url"] == released["aha"]["run"] and shown["followed"]["shows_run"]

    [pending] = rows["2.2.0"]["approvals"]
    approval_page = f"{engine.base_url}/dags/{WORKFLOW}/runs/pending/tasks/{APPROVAL_STEP}/required_actions"
    assert pending["href"] == approval_page, pending
    assert rows["2.2.0"]["services"]["aha"]["state"] == "created", rows["2.2.0"]
    assert rows["2.2.0"]["services"]["cryptlex"]["state"] == "draft", rows["2.2.0"]
    assert rows["2.0.0"]["approvals"] == [] and rows["2.0.0"]["services"]["cryptlex"]["state"] == "draft"

    version = shown["version"]
    assert version["title"].startswith("Release 2.1.0")
    [given] = version["approvals"]
    assert given.startswith("Approve by "), given
    for service in ("aha", "cryptlex", "launchdarkly", "amplitude", "approval"):
        assert any(service in line.split("\t") for line in version["timeline"]), (
            service,
            version["timeline"],
        )
    assert all(text and not text.endswith("+00:00") for _, text in version["times"]), version["times"]

    assert [row["version"] for row in pending_only["versions"]] == ["2.2.0"]


def drive_releases_page(engine: AirflowEngine, version: str, follow: str) -> dict[str, Any]:
    """Run ``scripts/releases_page.py read`` in Chromium against the engine's api-server."""
    missing = [str(path) for path in (BROWSER_PYTHON, CHROMIUM) if not path.exists()]
    if missing:
        raise AssertionError(f"{', '.join(missing)} missing: run scripts/browser.sh (scripts/test.sh does)")
    command = [str(BROWSER_PYTHON), str(RELEASES_DRIVER), "--url", engine.base_url, "read", version, follow]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-4000:]
    secret_audit.scan(done.stdout, secret_audit.RELEASES_PAGE, "the page as Chromium read it")
    return json.loads(done.stdout)


def extra_link(engine: AirflowEngine, run_id: str, task_id: str) -> str:
    """The URL of a task instance's extra link, from the REST API."""
    answer = engine.api("GET", f"/api/v2/dags/{WORKFLOW}/dagRuns/{run_id}/taskInstances/{task_id}/links")
    links = answer.get("extra_links", answer)
    [url] = [value for value in links.values() if value]
    return url


def dag_runs(engine: AirflowEngine, dag_id: str) -> list[dict[str, Any]]:
    """The DAG's runs, oldest first."""
    answer = engine.api("GET", f"/api/v2/dags/{dag_id}/dagRuns?order_by=id")
    return answer["dag_runs"]


def wait_for_runs(engine: AirflowEngine, dag_id: str, count: int) -> list[dict[str, Any]]:
    """Wait until the DAG has ``count`` runs (failing if it gets more); return them, oldest first."""

    def enough() -> list[dict[str, Any]] | None:
        runs = dag_runs(engine, dag_id)
        assert len(runs) <= count, f"{dag_id} has {len(runs)} runs, more than {count}: {runs}"
        return runs if len(runs) == count else None

    return engine.wait_for(f"{dag_id} to have {count} runs", enough, TIMEOUT)


def wait_for_end(engine: AirflowEngine, dag_id: str, run_id: str) -> dict[str, Any]:
    """Wait until the run is in a terminal state; return it."""
    path = f"/api/v2/dags/{dag_id}/dagRuns/{run_id}"
    return engine.wait_for(
        f"run {run_id} of {dag_id} to end", lambda: finished(engine.api("GET", path)), TIMEOUT
    )


def upstream_events(engine: AirflowEngine, dag_id: str, run_id: str) -> list[dict[str, Any]]:
    """The asset events that triggered the run."""
    return engine.api("GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/upstreamAssetEvents")["asset_events"]


def shipped_references(engine: AirflowEngine, run: dict[str, Any]) -> list[str]:
    """The Aha! releases the watcher's events that triggered a ``shipped_anywhere`` run name."""
    wait_for_end(engine, WATCHED, run["dag_run_id"])
    events = upstream_events(engine, WATCHED, run["dag_run_id"])
    assert all(event["extra"].get("from_trigger") for event in events), events
    return [event["extra"]["payload"]["reference_num"] for event in events]


def xcom(engine: AirflowEngine, run_id: str, task_id: str, *, dag_id: str = WORKFLOW) -> Any:
    """A task's return value."""
    path = f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/xcomEntries/return_value"
    return engine.api("GET", path)["value"]


def start_and_wait_for_approval(engine: AirflowEngine, run_id: str, conf: dict[str, Any]) -> dict[str, Any]:
    """Trigger ``release_workflow`` and wait until its approval step asks a human; return the request."""
    engine.api(
        "POST",
        f"/api/v2/dags/{WORKFLOW}/dagRuns",
        json={"dag_run_id": run_id, "logical_date": None, "conf": conf},
    )

    def asking() -> dict[str, Any] | None:
        state = task_instance(engine, WORKFLOW, run_id, APPROVAL_STEP)["state"]
        run = engine.api("GET", f"/api/v2/dags/{WORKFLOW}/dagRuns/{run_id}")
        assert not finished(run), (
            f"run {run_id} ended {run['state']}: {task_states(engine, WORKFLOW, run_id)}"
        )
        # A person answers seconds later; the scheduler must have seen the first workload end
        # (Airflow 3.3.2 fails a task answered before its executor reported that workload).
        reported = (
            "Received executor event with state success for task instance TaskInstanceKey("
            f"dag_id='{WORKFLOW}', task_id='{APPROVAL_STEP}', run_id='{run_id}', try_number=1"
        )
        if state in WAITING_FOR_HUMAN and reported in engine.log("scheduler"):
            return engine.find(hitl_path(run_id))
        return None

    return engine.wait_for(f"{APPROVAL_STEP} of {run_id} to ask for approval", asking, TIMEOUT)


# [START reacting_approve_rest]
def hitl_path(run_id: str) -> str:
    """The approval step's Human-in-the-loop request in the REST API (map index -1: not mapped)."""
    return f"/api/v2/dags/{WORKFLOW}/dagRuns/{run_id}/taskInstances/{APPROVAL_STEP}/-1/hitlDetails"


def respond(engine: AirflowEngine, run_id: str, option: str) -> None:
    """Answer the approval request through the REST API, as the UI's buttons do."""
    answer = engine.api("PATCH", hitl_path(run_id), json={"chosen_options": [option], "params_input": {}})
    assert answer["chosen_options"] == [option], answer
    # [END reacting_approve_rest]
