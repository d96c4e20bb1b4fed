"""The release chain with an environment release from a plan, run by dag.test() against the sandbox."""

from __future__ import annotations

from pathlib import Path

from airflow_provider_releases_sandbox import Sandbox
from airflow_provider_releases_sandbox.dag_runs import run_dag

DAG_FILE = Path(__file__).parents[1] / "dags" / "environment_release_chain.py"


def test_the_chain_starts_the_release_from_the_plan_and_ships_once_the_first_phase_completes(
    release_sandbox: Sandbox,
) -> None:
    release_sandbox.set_time_scale(1_000_000)  # an hour's step lasts 3.6 ms

    run = run_dag(DAG_FILE, "environment_release_chain")

    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    assert run.state == "success" and set(states.values()) == {"success"}, states
    [start] = release_sandbox.requests_to("launchdarkly", "POST")
    started = run.get_task_instance("start_environment_release").xcom_pull(
        task_ids="start_environment_release"
    )
    # the variations were given by value (True, False) and sent by id
    assert (started["targetVariationValue"], started["originalVariationValue"]) == (True, False)
    # a plan supplies the phases, metrics and modes: the start names the plan and the variations only
    assert start.body == {
        "targetVariationId": started["targetVariationId"],
        "originalVariationId": started["originalVariationId"],
        "releasePlanKey": "progressive-rollout",
    }
    waited = run.get_task_instance("wait_for_environment_release").xcom_pull(
        task_ids="wait_for_environment_release"
    )
    assert waited["kind"] == "progressive" and waited["phases"][0]["status"] == "completed"
