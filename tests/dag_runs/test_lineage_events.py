"""The example release workflow, run by dag.test() with the OpenLineage provider writing its events to
a file: one completion event per task, each provider task's with its release assets and milestone."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from airflow_provider_releases.lineage import MILESTONE_FACET
from airflow_provider_releases.workflows import POLL_SECONDS_ENV
from airflow_provider_releases_sandbox import Sandbox
from airflow_provider_releases_sandbox.cryptlex import DESKTOP_APP_ID
from tests import secret_audit
from tests.secret_audit import SUBPROCESS_OUTPUT

WORKFLOW = Path(__file__).resolve().parents[2] / "example_dags" / "release_workflow.py"
FLAG = ("launchdarkly", "default/new-checkout")
# What each provider task's completion event says: its output datasets, its milestone's service and action
EXPECTED = {
    "create_aha_release": ([("aha", "PRJ1")], ("aha", "created")),
    "create_cryptlex_release": ([("cryptlex", DESKTOP_APP_ID)], ("cryptlex", "created")),
    "attach_flag_to_pipeline": ([FLAG], ("launchdarkly", "attached")),
    "start_first_phase": ([FLAG], ("launchdarkly", "phase_started")),
    "wait_for_phase": ([FLAG], ("launchdarkly", "phase_completed")),
    "annotate_amplitude": ([("amplitude", "sandbox")], ("amplitude", "annotated")),
    "ship_aha_release": ([("aha", "PRJ1")], ("aha", "shipped")),
    "publish_cryptlex_release": ([("cryptlex", DESKTOP_APP_ID)], ("cryptlex", "published")),
}
NOT_PROVIDER_TASKS = ("plan_release", "approve_release")  # a TaskFlow task; Airflow's approval operator
RUN_ONCE = f"""
from airflow_provider_releases_sandbox.dag_runs import run_dag
print("state", run_dag({str(WORKFLOW)!r}, "release_workflow", conf={{"version": "2.4.0"}}).state)
"""


@pytest.fixture
def lineage_events(release_sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[dict]:
    """
    Run release_workflow once in a new process with OpenLineage on (a file transport) and return
    its events, searched by the secret-leak audit. A new process: Airflow loads the OpenLineage
    listener when it first loads plugins, and this one did so with OpenLineage off.
    """
    monkeypatch.setenv(POLL_SECONDS_ENV, "0.2")
    release_sandbox.auto_advance(reads=2)
    events = tmp_path / "openlineage.jsonl"
    # [START lineage_file_transport]
    monkeypatch.setenv(
        "AIRFLOW__OPENLINEAGE__TRANSPORT",
        json.dumps({"type": "file", "log_file_path": str(events), "append": True}),
    )
    # [END lineage_file_transport]
    monkeypatch.setenv("AIRFLOW__OPENLINEAGE__EXECUTE_IN_THREAD", "True")  # no fork per event
    result = subprocess.run(
        [sys.executable, "-c", RUN_ONCE], capture_output=True, text=True, timeout=300, env=dict(os.environ)
    )
    secret_audit.scan(result.stdout + result.stderr, SUBPROCESS_OUTPUT, "the release_workflow run")
    assert result.returncode == 0 and "state success" in result.stdout, result.stderr[-3000:]
    return secret_audit.scan_openlineage_events(events)


def test_each_task_completes_with_its_release_assets_and_milestone(
    lineage_events: list[dict], release_sandbox: Sandbox
) -> None:
    completions = [
        event["job"]["name"].removeprefix("release_workflow.")
        for event in lineage_events
        if event["eventType"] == "COMPLETE" and event["job"]["name"] != "release_workflow"
    ]
    assert sorted(completions) == sorted({*EXPECTED, *NOT_PROVIDER_TASKS})  # one each
    completed = {
        event["job"]["name"].removeprefix("release_workflow."): event
        for event in lineage_events
        if event["eventType"] == "COMPLETE"
    }
    for task_id in NOT_PROVIDER_TASKS:
        assert (completed[task_id]["outputs"], MILESTONE_FACET in completed[task_id]["run"]["facets"]) == (
            [],
            False,
        )
    found = {
        task_id: (
            [(dataset["namespace"], dataset["name"]) for dataset in completed[task_id]["outputs"]],
            completed[task_id]["run"]["facets"][MILESTONE_FACET],
        )
        for task_id in EXPECTED
    }
    assert {
        task_id: (outputs, (facet["service"], facet["action"])) for task_id, (outputs, facet) in found.items()
    } == (EXPECTED)
    [aha] = [
        release for release in release_sandbox.state("aha")["releases"] if release["name"] == "Release 2.4.0"
    ]
    [cryptlex] = [
        release
        for product in release_sandbox.state("cryptlex")["products"]
        if product["id"] == DESKTOP_APP_ID
        for release in product["releases"]
        if release["version"] == "2.4.0"
    ]
    shipped, published = found["ship_aha_release"][1], found["publish_cryptlex_release"][1]
    assert shipped["ids"] == {
        "release_id": aha["id"],
        "reference_num": aha["reference_num"],
        "product_id": "131414752",  # PRJ1's id
    }
    assert shipped["url"].endswith(f"/aha/releases/{aha['reference_num']}")
    assert (published["version"], published["ids"]) == (
        "2.4.0",
        {"release_id": cryptlex["id"], "product_id": DESKTOP_APP_ID},
    )
