"""ReleasesRetryPolicy's decisions, from the same rule the operators use (classify_failure), and the
operators' and sensors' default policy."""

from __future__ import annotations

from datetime import timedelta

import pytest
from airflow.sdk.exceptions import AirflowOptionalProviderFeatureException

from airflow_provider_releases.exceptions import (
    ReleasesApiAuthError,
    ReleasesApiRateLimitError,
    ReleasesApiServerError,
    ReleaseStepError,
)
from airflow_provider_releases.operators.aha import AhaCreateReleaseOperator
from airflow_provider_releases.retries import (
    RETRY_POLICIES_AVAILABLE,
    FailureClass,
    ReleasesRetryPolicy,
    classify_failure,
)
from airflow_provider_releases.sensors.aha import AhaReleaseShippedSensor

CONTEXT = {"service": "Aha!", "operation": "list_releases", "method": "GET", "path": "/api/v1/releases"}
needs_policies = pytest.mark.skipif(
    not RETRY_POLICIES_AVAILABLE, reason="retry policies came with Airflow 3.3"
)


def rate_limited(retry_after: float | None) -> ReleasesApiRateLimitError:
    return ReleasesApiRateLimitError(**CONTEXT, status=429, retry_after=retry_after)


def after_a_step(cause: Exception) -> ReleaseStepError:
    step = ReleaseStepError("Created release 7, then the next call failed", ["created release 7"])
    step.__cause__ = cause
    return step


def test_a_step_error_is_judged_by_its_cause() -> None:
    verdict = classify_failure(after_a_step(rate_limited(30.0)))
    assert (verdict.kind, verdict.service, verdict.retry_after) == (FailureClass.RATE_LIMITED, "Aha!", 30.0)
    assert classify_failure(ReleaseStepError("failed", [])).kind is FailureClass.TRANSIENT


def decide(error: BaseException, **policy):
    return ReleasesRetryPolicy(**policy).evaluate(error, try_number=1, max_tries=4)


@needs_policies
def test_a_permanent_failure_fails_at_once_saying_what_to_fix() -> None:
    decision = decide(ReleasesApiAuthError(**CONTEXT, status=401))
    assert (decision.action.value, decision.retry_delay) == ("fail", None)
    assert decision.reason == (
        "Permanent failure (credentials refused), not retried: ReleasesApiAuthError. To fix: check the"
        " Airflow connection's credentials and rights; then clear the task."
    )


@needs_policies
@pytest.mark.parametrize(
    ("retry_after", "delay", "reason"),
    [
        (
            41.2,
            timedelta(seconds=42),
            "Aha! rate limit: retrying in 0:00:42, when Aha! said it resets.",
        ),
        (
            7200.0,
            timedelta(minutes=30),
            "Aha! rate limit: retrying in 0:30:00, when Aha! said it resets, capped at max_retry_delay"
            " 0:30:00.",
        ),
        (None, None, "Aha! rate limit: it said no reset time, so the task's retry_delay applies."),
    ],
    ids=["when the limit resets", "capped", "no reset said"],
)
def test_a_rate_limit_retries_when_the_vendor_said(retry_after, delay, reason) -> None:
    decision = decide(rate_limited(retry_after), max_retry_delay=timedelta(minutes=30))
    assert (decision.action.value, decision.retry_delay, decision.reason) == ("retry", delay, reason)


@needs_policies
@pytest.mark.parametrize(
    "error", [ReleasesApiServerError(**CONTEXT, status=503), ConnectionError("reset"), KeyError("name")]
)
def test_anything_else_falls_through_to_the_tasks_retries(error) -> None:
    decision = decide(error)
    assert (decision.action.value, decision.retry_delay, decision.reason) == ("default", None, None)


@needs_policies
def test_the_policy_serializes_to_its_class_path_and_cap() -> None:
    policy = ReleasesRetryPolicy(max_retry_delay=90)
    assert policy.serialize() == {
        "__type": "airflow_provider_releases.retries.ReleasesRetryPolicy",
        "max_retry_delay": 90.0,
    }
    assert ReleasesRetryPolicy.deserialize(policy.serialize()) == policy
    with pytest.raises(ValueError, match=r"max_retry_delay=.* is negative"):
        ReleasesRetryPolicy(max_retry_delay=-1)


@needs_policies
def test_operators_and_sensors_use_the_policy_unless_given_their_own() -> None:
    from airflow.sdk import ExceptionRetryPolicy

    own = ExceptionRetryPolicy(rules=[])
    default = AhaCreateReleaseOperator(task_id="create", product_id="PRJ1", name="Release 2")
    chosen = AhaCreateReleaseOperator(task_id="mine", product_id="PRJ1", name="Release 2", retry_policy=own)
    sensor = AhaReleaseShippedSensor(task_id="shipped", release_id="PRJ1-R-1")

    assert default.retry_policy == ReleasesRetryPolicy() == sensor.retry_policy
    assert chosen.retry_policy is own


@pytest.mark.skipif(RETRY_POLICIES_AVAILABLE, reason="Airflow 3.3 has retry policies")
def test_on_airflow_3_2_the_policy_is_refused_and_operators_keep_their_behaviour() -> None:
    with pytest.raises(AirflowOptionalProviderFeatureException, match=r"needs Airflow 3\.3 or later"):
        ReleasesRetryPolicy()
    operator = AhaCreateReleaseOperator(task_id="create", product_id="PRJ1", name="Release 2")
    assert getattr(operator, "retry_policy", None) is None
