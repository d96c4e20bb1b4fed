"""The environment-release operators against a mocked LaunchDarkly (requests-mock): the requests sent, the
release returned, what a retry after a start that may have landed does, and the permanent failures."""

from __future__ import annotations

import copy

import pytest

from airflow_provider_releases.exceptions import InvalidParameterError
from airflow_provider_releases.operators.base import ReleasePermanentError
from airflow_provider_releases.operators.launchdarkly_environment import (
    LaunchDarklyStartEnvironmentReleaseOperator,
    LaunchDarklyStopEnvironmentReleaseOperator,
)
from tests.helpers import assert_launchdarkly_headers
from tests.helpers.runs import mutating

LD = "https://app.launchdarkly.com"
FLAG_PATH = "/api/v2/flags/my-project/new-checkout"
RELEASES_PATH = "/api/v2/projects/my-project/flags/new-checkout/environments/production/releases"
PAGE = f"{LD}/projects/my-project/flags/new-checkout?env=production"
ON, OFF = "3f2a-on", "9b1c-off"
FLAG = {
    "key": "new-checkout",
    "kind": "boolean",
    "variations": [{"_id": ON, "value": True}, {"_id": OFF, "value": False}],
}
KIND = {"contextKind": "user", "attribute": "kind", "op": "in", "values": ["user"]}
PHASES = [{"clauses": [KIND], "steps": [{"allocation": 10_000, "durationMillis": 60_000}]}]
WHERE = {"project_key": "my-project", "flag_key": "new-checkout", "environment_key": "production"}


def release(release_id: str = "rel-1", status: str = "in_progress", target: str = ON, **more) -> dict:
    return {
        "id": release_id,
        "status": status,
        "kind": "progressive",
        "targetVariationId": target,
        "originalVariationId": OFF,
        "phases": [],
        **more,
    }


class FakeLaunchDarkly:
    """One flag's environment releases in one environment, newest first, behind requests-mock."""

    def __init__(self, requests_mock, *releases: dict) -> None:
        self.releases = [copy.deepcopy(item) for item in releases]
        self.refusal: tuple[int, dict] | None = None
        requests_mock.get(f"{LD}{FLAG_PATH}", json=FLAG)
        requests_mock.post(f"{LD}{RELEASES_PATH}", json=self._start)
        requests_mock.get(f"{LD}{RELEASES_PATH}", json=self._list)
        for item in self.releases:
            self._routes(requests_mock, item["id"])
        self.requests_mock = requests_mock

    def _routes(self, requests_mock, release_id: str) -> None:
        requests_mock.get(f"{LD}{RELEASES_PATH}/{release_id}", json=lambda r, c: self._find(release_id))
        requests_mock.put(
            f"{LD}{RELEASES_PATH}/{release_id}/stop", json=lambda r, c: self._stop(release_id, r)
        )

    def _find(self, release_id: str) -> dict:
        return next(item for item in self.releases if item["id"] == release_id)

    def _start(self, request, context):
        if self.refusal is not None:
            context.status_code, body = self.refusal
            return body
        if any(item["status"] in ("pending", "in_progress", "waiting") for item in self.releases):
            context.status_code = 409
            return {"code": "release_already_active", "message": "A release is already active"}
        body = request.json()
        started = release(f"rel-{len(self.releases) + 1}", target=body["targetVariationId"])
        self.releases.insert(0, started)
        self._routes(self.requests_mock, started["id"])
        context.status_code = 201
        return started

    def _list(self, request, context):
        return {"items": self.releases, "totalCount": len(self.releases)}

    def _stop(self, release_id: str, request):
        found = self._find(release_id)
        found["status"] = "completed" if "forward" in request.json()["resolution"] else "reverted"
        return found


def start_operator(**kwargs) -> LaunchDarklyStartEnvironmentReleaseOperator:
    arguments = {
        **WHERE,
        "target_variation": True,
        "original_variation": False,
        "randomization_unit": "user",
        "phases": PHASES,
    }
    return LaunchDarklyStartEnvironmentReleaseOperator(task_id="start", **{**arguments, **kwargs})


def test_start_resolves_the_variations_by_value_and_posts_the_release(requests_mock, make_context):
    vendor = FakeLaunchDarkly(requests_mock)
    context = make_context("start")

    result = start_operator(metrics=["error-rate"], comment="1.4.0").execute(context)

    assert result == vendor.releases[0]
    get_flag, post = requests_mock.request_history
    assert (get_flag.method, get_flag.path, post.method, post.path) == (
        "GET",
        FLAG_PATH,
        "POST",
        RELEASES_PATH,
    )
    assert_launchdarkly_headers(post)
    assert post.json() == {
        "targetVariationId": ON,
        "originalVariationId": OFF,
        "randomizationUnit": "user",
        "phases": PHASES,
        "metrics": [{"metricKey": "error-rate"}],
        "comment": "1.4.0",
    }
    assert context["ti"].pushed == {"release_url": PAGE}


def test_variations_may_be_given_by_id(requests_mock, make_context):
    FakeLaunchDarkly(requests_mock)
    start_operator(target_variation=ON, original_variation=OFF).execute(make_context("start"))
    assert requests_mock.last_request.json()["targetVariationId"] == ON


def test_a_retry_adopts_the_running_release_of_the_same_variation_and_starts_no_second(
    requests_mock, make_context, output
):
    vendor = FakeLaunchDarkly(requests_mock, release("rel-1", target=ON))

    result = start_operator().execute(make_context("start"))

    assert result == vendor.releases[0] and len(vendor.releases) == 1
    assert [(r.method, r.path) for r in mutating(requests_mock)] == [("POST", RELEASES_PATH)]
    assert "adopting it (an earlier try may have started it); no second release was started" in output()


def test_a_running_release_of_another_variation_fails_at_once_naming_it(requests_mock, make_context):
    FakeLaunchDarkly(requests_mock, release("rel-7", target=OFF, status="waiting"))

    with pytest.raises(ReleasePermanentError) as caught:
        start_operator().execute(make_context("start"))

    message = str(caught.value)
    assert message.startswith(
        "Permanent failure (state does not allow it; connection 'launchdarkly_default')"
    )
    assert (
        "The running progressive release rel-7 (status 'waiting') releases variation '9b1c-off', not"
        in message
    )
    assert (
        "stop it (or wait for it to end), then clear the task. A second release was not started." in message
    )
    assert [r.method for r in mutating(requests_mock)] == ["POST"]


@pytest.mark.parametrize(
    ("status", "body", "says"),
    [
        (409, {"code": "conflict", "message": "flag is off"}, "turn its targeting on in LaunchDarkly"),
        (405, {"code": "method_not_allowed", "message": "approval required"}, "bypassRequiredApproval"),
        (422, {"code": "unprocessable", "message": "plans unavailable"}, "instead of release_plan_key"),
        (
            400,
            {
                "code": "health_checks_failed",
                "message": "Health checks failed",
                "failingChecks": [
                    {"kind": "flag_evaluations_any", "message": "no evaluations"},
                    {"kind": "flag_evaluations_with_context", "message": "no user evaluations"},
                ],
            },
            "Failing health checks: 'flag_evaluations_any', 'flag_evaluations_with_context'. Let the flag"
            " (and the metrics) receive evaluations and events first, or start anyway with"
            " bypass_health_checks=['flag_evaluations_any', 'flag_evaluations_with_context'].",
        ),
    ],
    ids=["flag-off", "approvals", "plans", "health-checks"],
)
def test_a_refused_start_is_a_permanent_failure_that_says_what_to_do(
    requests_mock, make_context, status, body, says
):
    vendor = FakeLaunchDarkly(requests_mock)
    vendor.refusal = (status, body)

    with pytest.raises(ReleasePermanentError) as caught:
        start_operator().execute(make_context("start"))

    assert f"failed with HTTP {status}" in str(caught.value) and says in str(caught.value)
    assert len(mutating(requests_mock)) == 1


@pytest.mark.parametrize(
    ("kwargs", "param"),
    [
        ({"release_plan_key": "plan"}, "release_plan_key"),
        ({"phases": PHASES * 2}, "advancement_mode"),
        (
            {
                "metrics": ["m"],
                "phases": [{"clauses": [KIND], "steps": [{"allocation": 75_000, "durationMillis": 1}]}],
            },
            r"phases\[0\]\.steps",
        ),
        ({"target_variation": None}, "target_variation"),
    ],
)
def test_bad_settings_fail_the_dag_import_naming_the_task(kwargs, param):
    with pytest.raises(
        InvalidParameterError,
        match=rf"^Task 'start' \(LaunchDarklyStartEnvironmentReleaseOperator\): .*{param}",
    ):
        start_operator(**kwargs)


def test_templated_settings_are_checked_before_any_request(requests_mock, make_context):
    FakeLaunchDarkly(requests_mock)
    operator = start_operator(advancement_mode="{{ params.mode }}", phases=PHASES * 2)
    with pytest.raises(ReleasePermanentError, match=r"Invalid advancement_mode='sometimes'"):
        context = make_context("start", params={"mode": "sometimes"})
        operator.render_template_fields(context)
        operator.execute(context)
    assert requests_mock.request_history == []


def test_an_unknown_variation_fails_naming_the_flags_variations(requests_mock, make_context):
    FakeLaunchDarkly(requests_mock)
    with pytest.raises(
        ReleasePermanentError,
        match=r"the value or _id of a variation of flag 'new-checkout' \(its"
        r" variations are: True \(id 3f2a-on\); False \(id 9b1c-off\)\)",
    ):
        start_operator(target_variation="on").execute(make_context("start"))
    assert mutating(requests_mock) == []


def test_dry_run_reads_the_flag_and_returns_the_start_request(requests_mock, make_context):
    FakeLaunchDarkly(requests_mock)
    result = start_operator(dry_run=True).execute(make_context("start"))
    assert result["dry_run"] is True and result["request"]["method"] == "POST"
    assert result["request"]["json"]["targetVariationId"] == ON
    assert mutating(requests_mock) == []


# Stop


def stop_operator(**kwargs) -> LaunchDarklyStopEnvironmentReleaseOperator:
    arguments = {**WHERE, "resolution": "roll_back_all_phases_and_remove_pending_phases"}
    return LaunchDarklyStopEnvironmentReleaseOperator(task_id="stop", **{**arguments, **kwargs})


def test_stop_without_an_id_stops_the_running_release(requests_mock, make_context):
    FakeLaunchDarkly(requests_mock, release("rel-2"), release("rel-1", status="completed"))
    context = make_context("stop")

    result = stop_operator(comment="regression in checkout").execute(context)

    assert (result["id"], result["status"]) == ("rel-2", "reverted")
    [put] = mutating(requests_mock)
    assert (put.method, put.path) == ("PUT", f"{RELEASES_PATH}/rel-2/stop")
    assert put.json() == {
        "resolution": "roll_back_all_phases_and_remove_pending_phases",
        "comment": "regression in checkout",
    }
    assert context["ti"].pushed == {"release_url": PAGE}


def test_stopping_a_release_that_ended_is_success_and_sends_nothing(requests_mock, make_context, output):
    FakeLaunchDarkly(requests_mock, release("rel-1", status="completed"))

    result = stop_operator(release_id="rel-1").execute(make_context("stop"))

    assert (result["id"], result["status"]) == ("rel-1", "completed")
    assert mutating(requests_mock) == []
    assert "has already ended: nothing to stop; returning it" in output()


def test_stop_refuses_an_unknown_resolution_when_the_dag_is_parsed():
    with pytest.raises(
        InvalidParameterError, match=r"Invalid resolution='undo': expected one of 'roll_forward_all"
    ):
        stop_operator(resolution="undo")


def test_stop_without_any_release_fails_at_once(requests_mock, make_context):
    FakeLaunchDarkly(requests_mock)
    with pytest.raises(ReleasePermanentError, match=r"has no environment release to stop"):
        stop_operator().execute(make_context("stop"))


# Against the sandbox


@pytest.fixture
def sb(release_sandbox):
    return release_sandbox


def seeded(**kwargs) -> LaunchDarklyStartEnvironmentReleaseOperator:
    """The start operator on the sandbox's seeded flag."""
    return start_operator(project_key="default", **kwargs)


def test_a_start_from_a_plan_on_the_sandbox_and_a_rerun_adopts_it(sb, make_context):
    operator = seeded(randomization_unit=None, phases=None, release_plan_key="guarded-rollout")
    first = operator.execute(make_context("start"))
    second = operator.execute(make_context("start"))

    assert (first["kind"], first["status"]) == ("guarded", "in_progress")
    assert second["id"] == first["id"]
    assert [entry.status for entry in sb.requests_to("launchdarkly", "POST")] == [201, 409]


@pytest.mark.parametrize(
    ("prepare", "says"),
    [
        (lambda sb: sb.require_approvals("default", "production"), "bypassRequiredApproval"),
        (lambda sb: sb.set_release_plans_available(False), "instead of release_plan_key"),
        (
            lambda sb: sb.fail_health_checks(
                "default", "new-checkout", "production", ["flag_evaluations_any"]
            ),
            "bypass_health_checks=['flag_evaluations_any']",
        ),
    ],
    ids=["approvals", "plans", "health-checks"],
)
def test_refusals_of_the_sandbox_fail_at_once_saying_what_to_do(sb, make_context, prepare, says):
    prepare(sb)
    operator = seeded(randomization_unit=None, phases=None, release_plan_key="progressive-rollout")
    with pytest.raises(ReleasePermanentError) as caught:
        operator.execute(make_context("start"))
    assert says in str(caught.value)
    assert len(sb.requests_to("launchdarkly", "POST")) == 1


def test_bypassing_the_failing_health_checks_starts_the_release(sb, make_context):
    sb.fail_health_checks("default", "new-checkout", "production", ["flag_evaluations_any"])
    result = seeded(bypass_health_checks=["flag_evaluations_any"]).execute(make_context("start"))
    assert result["status"] == "in_progress"


def test_a_stop_in_an_environment_that_requires_approvals_fails_at_once(sb, make_context):
    seeded(target_variation=True).execute(make_context("start"))
    sb.require_approvals("default", "production")
    with pytest.raises(ReleasePermanentError, match=r"stop the release through an approval request"):
        stop_operator(project_key="default").execute(make_context("stop"))
    assert [entry.status for entry in sb.requests_to("launchdarkly", "PUT")] == [405]


def test_environment_release_operators_import_from_the_launchdarkly_module_too() -> None:
    from airflow_provider_releases.operators import launchdarkly, launchdarkly_environment
    from airflow_provider_releases.operators.launchdarkly import (
        LaunchDarklyStartEnvironmentReleaseOperator,
        LaunchDarklyStopEnvironmentReleaseOperator,
    )

    assert (
        LaunchDarklyStartEnvironmentReleaseOperator
        is launchdarkly_environment.LaunchDarklyStartEnvironmentReleaseOperator
    )
    assert (
        LaunchDarklyStopEnvironmentReleaseOperator
        is launchdarkly_environment.LaunchDarklyStopEnvironmentReleaseOperator
    )
    with pytest.raises(AttributeError, match="NoSuchOperator"):
        launchdarkly.NoSuchOperator  # noqa: B018
