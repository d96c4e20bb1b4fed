"""The release plan check and the failure record of the release chain."""

from __future__ import annotations

import itertools

import pytest

from airflow_provider_releases.exceptions import InvalidParameterError
from airflow_provider_releases.operators.approval import ReleaseApprovalOperator
from airflow_provider_releases.operators.release_steps import describe_step_result
from airflow_provider_releases.workflows import (
    APPROVAL_STEP,
    RELEASE_STEPS,
    SANDBOX_TARGETS,
    check_plan,
    log_release_progress,
    release_chain,
    target_params,
)

PLAN = {"version": "2.0.0", "title": "Release 2.0.0", "release_date": "2026-12-01", **SANDBOX_TARGETS}


def test_check_plan_keeps_a_good_plan_and_reads_an_empty_start_as_the_runs_start() -> None:
    assert check_plan({**PLAN, "release_start": ""}) == {**PLAN, "release_start": None}
    assert check_plan({**PLAN, "title": "  Spring  "})["title"] == "Spring"
    assert check_plan({**PLAN, "version": " 2.1 "})["version"] == "2.1"


@pytest.mark.parametrize(
    ("key", "value", "form"),
    [
        ("version", "2.0.0-rc1", "digits in the form x.x, x.x.x or x.x.x.x"),
        ("version", 2, "digits in the form"),
        ("release_date", "01/12/2026", "YYYY-MM-DD"),
        ("flag", " ", "the boolean LaunchDarkly flag to release"),
        ("phase", None, "the pipeline phase"),
    ],
)
def test_check_plan_names_the_key_the_value_and_the_accepted_form(key: str, value, form: str) -> None:
    with pytest.raises(InvalidParameterError) as raised:
        check_plan({**PLAN, key: value})
    assert key in str(raised.value) and repr(value) in str(raised.value) and form in str(raised.value)


def test_check_plan_reports_a_missing_key() -> None:
    plan = dict(PLAN)
    del plan["pipeline"]
    with pytest.raises(InvalidParameterError, match="pipeline"):
        check_plan(plan)


@pytest.mark.parametrize(
    ("step", "result", "said"),
    [
        (
            "create_aha_release",
            {"id": "1", "reference_num": "PRJ1-R-3", "name": "Release 2.0.0", "url": "https://x.aha.io/r/3"},
            "Aha! release PRJ1-R-3 'Release 2.0.0' (id 1, not shipped) https://x.aha.io/r/3",  # link last
        ),
        ("publish_cryptlex_release", {"id": "c1", "version": "2.0.0", "published": True}, "(published)"),
        (
            "create_cryptlex_release",
            {"id": "c1", "version": "2.0.0"},
            "Cryptlex release c1 version 2.0.0 (draft)",
        ),
        (
            "attach_flag_to_pipeline",
            {"releasePipelineKey": "standard-release", "phases": [{"_name": "Testing"}, {"_name": "Beta"}]},
            "pipeline standard-release (phases Testing, Beta)",
        ),
        ("wait_for_phase", {"_name": "Testing", "complete": True}, "phase 'Testing' complete"),
        ("annotate_amplitude", {"id": "a1", "version": "2.0.0"}, "Amplitude release a1 version 2.0.0"),
    ],
)
def test_each_step_result_is_described_by_what_it_made(step: str, result: dict, said: str) -> None:
    assert said in describe_step_result(step, result)


def test_target_params_default_to_nothing_so_a_user_dag_never_releases_to_sandbox_ids() -> None:
    from airflow.sdk.definitions.param import ParamsDict
    from airflow.sdk.exceptions import ParamValidationError  # a ValueError from Airflow 3.3 on only

    params = ParamsDict(target_params())
    assert sorted(params) == sorted(SANDBOX_TARGETS)
    with pytest.raises(ParamValidationError, match="aha_product"):
        params.validate()  # a run must name every target
    given = ParamsDict(target_params(SANDBOX_TARGETS))
    assert given.validate() == SANDBOX_TARGETS


@pytest.mark.parametrize(("key", "value"), [("release_date", "2026-02-30"), ("version", "\uff11.\uff12")])
def test_check_plan_refuses_a_day_that_does_not_exist_and_non_ascii_digits(key: str, value: str) -> None:
    with pytest.raises(InvalidParameterError) as raised:
        check_plan({**PLAN, key: value})
    assert raised.value.param == key and raised.value.value == value


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


def test_without_approval_the_chain_is_the_eight_steps_one_after_the_other() -> None:
    dag, steps = build_chain()

    assert [step.task_id for step in steps] == list(RELEASE_STEPS)
    assert [task.task_id for task in dag.topological_sort()] == ["plan_release", *RELEASE_STEPS]
    for before, after in itertools.pairwise(RELEASE_STEPS):
        assert dag.get_task(after).upstream_task_ids <= {before, "plan_release"}
        assert before in dag.get_task(after).upstream_task_ids
    assert APPROVAL_STEP not in dag.task_ids
    assert all(not step.outlets for step in steps)


@pytest.mark.parametrize("require_approval", [True, "{{ params.require_approval }}"])
def test_with_approval_the_gate_stands_between_the_phase_wait_and_what_announces_ships_or_publishes(
    require_approval,
) -> None:
    dag, steps = build_chain(require_approval=require_approval)

    gate = dag.get_task(APPROVAL_STEP)
    assert [step.task_id for step in steps] == [*RELEASE_STEPS[:5], APPROVAL_STEP, *RELEASE_STEPS[5:]]
    assert isinstance(gate, ReleaseApprovalOperator) and gate.required == require_approval
    assert gate.upstream_task_ids == {"wait_for_phase"}
    assert gate.downstream_task_ids == {"annotate_amplitude"}
    assert dag.get_task("annotate_amplitude").upstream_task_ids == {APPROVAL_STEP, "plan_release"}
    # a Reject skips every later step, ship's none_failed trigger rule notwithstanding
    assert gate.ignore_downstream_trigger_rules is True
    assert gate.get_flat_relative_ids(upstream=False) == {
        "annotate_amplitude",
        "ship_aha_release",
        "publish_cryptlex_release",
    }
    assert gate.on_failure_callback == [log_release_progress]


@pytest.mark.parametrize("value", ["yes", None, 1, ""])
def test_require_approval_other_than_a_boolean_or_a_template_is_refused(value) -> None:
    with pytest.raises(InvalidParameterError) as raised:
        build_chain(require_approval=value)
    assert raised.value.param == "require_approval" and raised.value.value == value
    assert "true or false" in str(raised.value)


def test_each_services_milestone_step_puts_its_event_through_an_alias_on_the_runs_target() -> None:
    from airflow.sdk import Asset, AssetAlias

    assets = {
        "aha": Asset("aha://PRJ1"),
        "cryptlex": Asset("cryptlex://0b7e4f2c"),
        "launchdarkly": Asset("launchdarkly://default/new-checkout"),
        "amplitude": Asset("amplitude://sandbox"),
    }
    _, steps = build_chain(assets=assets, require_approval=True)

    outlets = {step.task_id: step.outlets for step in steps if step.outlets}
    # the targets come from the plan, so the event goes on the asset of the run's own target;
    # the Amplitude project is no target of the plan: its asset is the outlet as given
    assert outlets == {
        "wait_for_phase": [AssetAlias("chain.launchdarkly")],
        "annotate_amplitude": [assets["amplitude"]],
        "ship_aha_release": [AssetAlias("chain.aha")],
        "publish_cryptlex_release": [AssetAlias("chain.cryptlex")],
    }
    _, only_aha = build_chain(assets={"aha": assets["aha"]})
    assert {step.task_id: step.outlets for step in only_aha if step.outlets} == {
        "ship_aha_release": [AssetAlias("chain.aha")]
    }
    # an asset of the user's own naming is the outlet as it is
    _, own = build_chain(assets={"aha": Asset("our-roadmap")})
    assert {step.task_id: step.outlets for step in own if step.outlets} == {
        "ship_aha_release": [Asset("our-roadmap")]
    }


def test_released_is_an_outlet_of_the_last_step_only() -> None:
    from airflow.sdk import Asset

    released = Asset("chain.released")
    _, steps = build_chain(released=released)

    assert {step.task_id: step.outlets for step in steps if step.outlets} == {
        "publish_cryptlex_release": [released]
    }
    with pytest.raises(InvalidParameterError, match=r"released.*'chain\.released'.*Asset"):
        build_chain(released="chain.released")


def test_an_unknown_asset_key_or_a_value_that_is_no_asset_is_refused() -> None:
    from airflow.sdk import Asset

    with pytest.raises(InvalidParameterError) as raised:
        build_chain(assets={"aha": Asset("aha://PRJ1"), "jira": Asset("jira://X")})
    assert raised.value.param == "assets" and raised.value.value == ["jira"]
    assert "field names among aha, amplitude, cryptlex, launchdarkly" in str(raised.value)
    with pytest.raises(InvalidParameterError, match=r"assets\['aha'\].*'aha://PRJ1'.*Asset"):
        build_chain(assets={"aha": "aha://PRJ1"})
