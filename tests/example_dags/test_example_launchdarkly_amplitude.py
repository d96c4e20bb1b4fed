"""The LaunchDarkly, Amplitude and approval how-to examples, run by dag.test() against the sandbox:
what each step sends and returns, and what a second run does (the how-to pages say so)."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_releases.workflows import POLL_SECONDS_ENV
from airflow_provider_releases_sandbox import Sandbox
from airflow_provider_releases_sandbox.dag_runs import run_dag

EXAMPLE_DAGS = Path(__file__).resolve().parents[2] / "example_dags"
LOGICAL_DATE = datetime(2026, 11, 16, 9, tzinfo=timezone.utc)
RELEASE = "/api/v2/projects/default/flags/new-checkout/release"


@pytest.fixture
def sandbox(release_sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    """The sandbox, with phases that complete after two reads and the phase sensor polling fast."""
    monkeypatch.setenv(POLL_SECONDS_ENV, "0.2")  # read when the DAG file is parsed
    release_sandbox.auto_advance(reads=2)
    return release_sandbox


def run_example(name: str, conf: dict[str, Any] | None = None) -> dict[str, Any]:
    """Run ``example_dags/<name>.py`` once, all green; return its tasks' return values by task id."""
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    run = run_dag(EXAMPLE_DAGS / f"{name}.py", name, conf=conf, logical_date=LOGICAL_DATE)
    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    assert run.state == "success" and set(states.values()) == {"success"}, states
    with create_session() as session:
        rows = session.scalars(XComModel.get_many(run_id=run.run_id, dag_ids=name, key="return_value"))
        return {row.task_id: XComModel.deserialize_value(row) for row in rows}


def writes(sandbox: Sandbox) -> list[tuple[str, str, str]]:
    return [(r.service, r.method, r.path) for r in sandbox.requests if r.method != "GET"]


def test_example_launchdarkly_attaches_starts_and_waits_once(sandbox: Sandbox) -> None:
    returned = run_example("example_launchdarkly")

    preview = returned["preview_attach"]
    assert (preview["dry_run"], preview["request"]["method"]) == (True, "PUT")
    assert preview["request"]["url"].endswith(RELEASE)
    release = returned["attach_flag_to_pipeline"]
    assert release["releasePipelineKey"] == "standard-release"
    assert [phase["_name"] for phase in release["phases"]] == ["Testing", "Beta", "General availability"]
    started, waited = returned["start_first_phase"], returned["wait_for_phase"]
    assert started["_id"] == waited["_id"] == release["phases"][0]["_id"]
    assert (waited["_name"], waited["complete"]) == ("Testing", True)
    phase_path = f"{RELEASE}/phases/{started['_id']}"
    assert writes(sandbox) == [("launchdarkly", "PUT", RELEASE), ("launchdarkly", "PUT", phase_path)]

    # A second run finds the release on the pipeline and the phase started: it sends nothing.
    sandbox.clear_requests()
    again = run_example("example_launchdarkly")
    assert again["preview_attach"]["releasePipelineKey"] == "standard-release"  # no request to show
    phase_ids = [phase["_id"] for phase in again["attach_flag_to_pipeline"]["phases"]]
    assert phase_ids == [phase["_id"] for phase in release["phases"]]  # the same release
    assert again["wait_for_phase"]["_id"] == waited["_id"]
    assert writes(sandbox) == []


def test_example_amplitude_annotates_once_per_run_and_the_dry_run_sends_nothing(sandbox: Sandbox) -> None:
    returned = run_example("example_amplitude", conf={"version": "3.1.0"})

    preview = returned["preview_annotation"]
    assert (preview["dry_run"], preview["request"]["method"]) == (True, "POST")
    assert preview["request"]["url"].endswith("/api/2/release")
    annotation = returned["annotate_release"]
    assert (annotation["version"], annotation["title"]) == ("3.1.0", "Release 3.1.0")
    assert annotation["release_start"] == "2026-11-16 09:00:00"  # the run's logical date, UTC
    assert writes(sandbox) == [("amplitude", "POST", "/api/2/release")]

    # Amplitude cannot look a release up: every successful run creates one annotation.
    sandbox.clear_requests()
    again = run_example("example_amplitude", conf={"version": "3.1.0"})
    assert again["annotate_release"]["id"] != annotation["id"]
    assert writes(sandbox) == [("amplitude", "POST", "/api/2/release")]


def test_example_release_approval_asks_nobody_when_not_required(sandbox: Sandbox) -> None:
    returned = run_example("example_release_approval")

    assert returned["approve_release"] == {
        "chosen_options": ["Approve"],
        "params_input": {},
        "responded_at": None,
        "responded_by_user": None,
        "approval_required": False,
    }
    assert returned["annotate_amplitude"]["version"] == "1.4.0"  # the gate let it run
    assert [(service, method) for service, method, _ in writes(sandbox)] == [
        ("launchdarkly", "PUT"),
        ("launchdarkly", "PUT"),
        ("amplitude", "POST"),
    ]
