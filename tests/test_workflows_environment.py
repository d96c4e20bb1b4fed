"""The release chain with a LaunchDarkly environment release instead of a release pipeline."""

from __future__ import annotations

import itertools

import pytest

from airflow_provider_releases.exceptions import InvalidParameterError
from airflow_provider_releases.operators.launchdarkly_environment import (
    LaunchDarklyStartEnvironmentReleaseOperator,
)
from airflow_provider_releases.operators.release_steps import describe_step_result
from airflow_provider_releases.sensors.launchdarkly import LaunchDarklyEnvironmentReleaseSensor
from airflow_provider_releases.workflows import (
    APPROVAL_STEP,
    ENVIRONMENT_PLAN_KEYS,
    ENVIRONMENT_RELEASE_STEPS,
    ENVIRONMENT_TARGET_KEYS,
    SANDBOX_ENVIRONMENT_TARGETS,
    EnvironmentRelease,
    check_plan,
    log_release_progress,
    release_chain,
    target_params,
)

PLAN = {
    "version": "2.0.0",
    "title": "Release 2.0.0",
    "release_date": "2026-12-01",
    **SANDBOX_ENVIRONMENT_TARGETS,
}
PHASES = [
    {
        "clauses": [{"contextKind": "user", "attribute": "kind", "op": "in", "values": ["user"]}],
        "steps": [{"allocation": 10_000, "durationMillis": 60_000}],
    }
]
GUARDED = EnvironmentRelease(phases=PHASES, metrics=["checkout-errors"], randomization_unit="user")


def build_chain(**options):
    """A DAG holding a plan task and the release chain built with ``options``; the DAG and the steps."""
    import pendulum
    from airflow.sdk import DAG, task

    with DAG("chain", schedule=None, start_date=pendulum.datetime(2026, 1, 1, tz="UTC")) as dag:

        @task(multiple_outputs=True)
        def plan_release() -> dict:
            return dict(PLAN)

        steps = release_chain(plan_release(), **options)
    return dag, steps


def test_the_plan_of_an_environment_release_names_an_environment_and_no_pipeline() -> None:
    assert check_plan({**PLAN, "release_start": ""}, ENVIRONMENT_PLAN_KEYS) == {**PLAN, "release_start": None}
    assert "pipeline" not in ENVIRONMENT_PLAN_KEYS and "phase" not in ENVIRONMENT_PLAN_KEYS
    with pytest.raises(InvalidParameterError) as raised:
        check_plan({**PLAN, "environment": ""}, ENVIRONMENT_PLAN_KEYS)
    assert raised.value.param == "environment" and "LaunchDarkly environment" in str(raised.value)


def test_target_params_of_an_environment_release_ask_for_the_environment() -> None:
    from airflow.sdk.definitions.param import ParamsDict

    params = ParamsDict(target_params(SANDBOX_ENVIRONMENT_TARGETS, keys=ENVIRONMENT_TARGET_KEYS))
    assert params.validate() == SANDBOX_ENVIRONMENT_TARGETS
    assert SANDBOX_ENVIRONMENT_TARGETS["environment"] == "production"
    assert "LaunchDarkly environment" in params.get_param("environment").description


def test_the_chain_starts_the_environment_release_and_waits_for_it_where_the_pipeline_steps_were() -> None:
    dag, steps = build_chain(environment_release=GUARDED)

    assert [step.task_id for step in steps] == list(ENVIRONMENT_RELEASE_STEPS)
    assert [task.task_id for task in dag.topological_sort()] == ["plan_release", *ENVIRONMENT_RELEASE_STEPS]
    for before, after in itertools.pairwise(ENVIRONMENT_RELEASE_STEPS):
        assert before in dag.get_task(after).upstream_task_ids
    start = dag.get_task("start_environment_release")
    wait = dag.get_task("wait_for_environment_release")
    assert isinstance(start, LaunchDarklyStartEnvironmentReleaseOperator)
    assert isinstance(wait, LaunchDarklyEnvironmentReleaseSensor)
    assert (start.phases, start.metrics, start.randomization_unit) == (PHASES, ["checkout-errors"], "user")
    assert (start.target_variation, start.original_variation, start.release_plan_key) == (True, False, None)
    assert wait.release_id == "{{ ti.xcom_pull(task_ids='start_environment_release')['id'] }}"
    assert (wait.phase_index, wait.fail_on_regression, wait.deferrable) == (None, True, True)
    for task in (start, wait):
        assert task.on_failure_callback == [log_release_progress]
        assert task.retries == 2  # the chain's default for transient failures


def test_a_release_plan_key_and_the_wait_options_go_to_the_start_and_the_wait() -> None:
    how = EnvironmentRelease(release_plan_key="guarded-rollout", phase_index=1, fail_on_regression=False)
    dag, _ = build_chain(environment_release=how)

    start = dag.get_task("start_environment_release")
    assert (start.release_plan_key, start.phases, start.metrics) == ("guarded-rollout", None, None)
    wait = dag.get_task("wait_for_environment_release")
    assert (wait.phase_index, wait.fail_on_regression) == (1, False)


def test_with_approval_the_gate_stands_after_the_environment_release_wait() -> None:
    dag, steps = build_chain(environment_release=GUARDED, require_approval=True)

    assert [step.task_id for step in steps] == [
        *ENVIRONMENT_RELEASE_STEPS[:4],
        APPROVAL_STEP,
        *ENVIRONMENT_RELEASE_STEPS[4:],
    ]
    gate = dag.get_task(APPROVAL_STEP)
    assert gate.upstream_task_ids == {"wait_for_environment_release"}
    assert gate.steps == ENVIRONMENT_RELEASE_STEPS  # the request lists what these made


def test_the_flags_asset_event_comes_from_the_environment_release_wait() -> None:
    from airflow.sdk import Asset, AssetAlias

    _, steps = build_chain(
        environment_release=GUARDED, assets={"launchdarkly": Asset("launchdarkly://default/new-checkout")}
    )
    assert {step.task_id: step.outlets for step in steps if step.outlets} == {
        "wait_for_environment_release": [AssetAlias("chain.launchdarkly")]
    }


def test_an_environment_release_of_another_type_is_refused() -> None:
    with pytest.raises(InvalidParameterError) as raised:
        build_chain(environment_release={"phases": PHASES})
    assert raised.value.param == "environment_release" and "an EnvironmentRelease, or None" in str(
        raised.value
    )


def test_an_environment_release_step_is_described_by_its_kind_id_flag_environment_and_status() -> None:
    release = {
        "id": "9f0c",
        "kind": "guarded",
        "flagKey": "new-checkout",
        "environmentKey": "production",
        "status": "reverted",
        "statusReason": "reverted_regression_detected",
    }
    assert describe_step_result("start_environment_release", release) == (
        "LaunchDarkly guarded release 9f0c of flag new-checkout in production "
        "(reverted, reverted_regression_detected)"
    )
