"""The release plan check and the failure record of the release chain."""

from __future__ import annotations

import pytest

from airflow_provider_releases.exceptions import InvalidParameterError
from airflow_provider_releases.workflows import (
    SANDBOX_TARGETS,
    check_plan,
    describe_step_result,
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
            "Aha! release PRJ1-R-3 'Release 2.0.0' (https://x.aha.io/r/3)",
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
