"""The chain create → attach → start phase → wait → annotate, run by dag.test() against the sandbox."""

from __future__ import annotations

from pathlib import Path

import pytest

from airflow_provider_releases.triggers.launchdarkly import LaunchDarklyReleasePhaseTrigger
from airflow_provider_releases_sandbox import Sandbox
from airflow_provider_releases_sandbox.dag_runs import run_dag

DAG_FILE = Path(__file__).parents[1] / "dags" / "release_chain.py"


@pytest.fixture
def trigger_runs(monkeypatch: pytest.MonkeyPatch) -> list[dict]:
    """Record each run of the LaunchDarkly trigger (dag.test() runs triggers in this process)."""
    runs: list[dict] = []
    original = LaunchDarklyReleasePhaseTrigger.run

    async def recording_run(self):
        runs.append(self.serialize()[1])
        async for event in original(self):
            yield event

    monkeypatch.setattr(LaunchDarklyReleasePhaseTrigger, "run", recording_run)
    return runs


@pytest.mark.parametrize(
    ("dag_id", "deferred"), [("release_chain_poke", False), ("release_chain_deferred", True)]
)
def test_release_chain_runs_to_success(
    release_sandbox: Sandbox, trigger_runs: list[dict], dag_id: str, deferred: bool
) -> None:
    release_sandbox.auto_advance(reads=2)  # the Testing phase completes after two reads

    run = run_dag(DAG_FILE, dag_id)

    assert run.state == "success"
    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    assert set(states.values()) == {"success"}, states
    [testing, beta, _] = release_sandbox.control("state", service="launchdarkly")["projects"]["default"][
        "releases"
    ]["new-checkout"]["phases"]
    assert (testing["name"], testing["complete"]) == ("Testing", True)
    assert (beta["name"], beta["status"]) == ("Beta", "active")  # auto-advance starts the next phase
    mutations = [
        (r.service, r.method, r.path, r.status) for r in release_sandbox.requests if r.method != "GET"
    ]
    assert mutations == [
        ("aha", "POST", "/api/v1/products/PRJ1/releases", 200),
        ("launchdarkly", "PUT", "/api/v2/projects/default/flags/new-checkout/release", 200),
        (
            "launchdarkly",
            "PUT",
            f"/api/v2/projects/default/flags/new-checkout/release/phases/{testing['id']}",
            200,
        ),
        ("amplitude", "POST", "/api/2/release", 200),
    ]
    assert release_sandbox.requests_to("aha", "POST")[0].body["release"]["name"] == "Release 2.0.0"
    assert release_sandbox.requests_to("launchdarkly", "PUT")[0].body == {
        "releasePipelineKey": "standard-release"
    }
    waited = run.get_task_instance("wait_for_testing")
    assert waited.xcom_pull(task_ids="wait_for_testing")["_name"] == "Testing"
    assert len(trigger_runs) == (1 if deferred else 0)
    if deferred:
        assert (trigger_runs[0]["flag_key"], trigger_runs[0]["phase"]) == ("new-checkout", "Testing")
