"""LaunchDarklyHook's environment releases, flags and release policies against a mocked API (requests-mock):
the requests sent, the values returned, and bad input refused before any request."""

from __future__ import annotations

import asyncio

import pytest

from airflow_provider_releases.exceptions import (
    InvalidParameterError,
    ReleasesApiConflictError,
    ReleasesApiValidationError,
)
from airflow_provider_releases.hooks.launchdarkly import LaunchDarklyHook
from tests.helpers import assert_launchdarkly_headers

pytestmark = pytest.mark.usefixtures("sleeps")

LD = "https://app.launchdarkly.com"
RELEASES = f"{LD}/api/v2/projects/p/flags/f/environments/production/releases"
RELEASE_ID = "5f0c8a2e-7b1d-4c3e-9a6f-2d8e1b4c7a90"
ON, OFF = "var-on", "var-off"
KIND = {"contextKind": "user", "attribute": "kind", "op": "in", "values": ["user"]}
STEPS = [{"allocation": 10_000, "durationMillis": 60_000}, {"allocation": 50_000, "durationMillis": 60_000}]
RELEASE = {"id": RELEASE_ID, "status": "in_progress", "kind": "progressive", "phases": []}


def start(hook: LaunchDarklyHook | None = None, **kwargs):
    arguments = {"target_variation_id": ON, "original_variation_id": OFF, "randomization_unit": "user"}
    return (hook or LaunchDarklyHook()).start_environment_release(
        "p", "f", "production", **{**arguments, **kwargs}
    )


def test_start_posts_an_inline_progressive_release(requests_mock):
    requests_mock.post(RELEASES, status_code=201, json=RELEASE)
    phases = [{"clauses": [KIND], "description": "Everyone", "steps": STEPS}]

    assert start(phases=phases, comment="1.4.0") == RELEASE

    sent = requests_mock.last_request
    assert sent.method == "POST"
    assert_launchdarkly_headers(sent)
    assert sent.json() == {
        "targetVariationId": ON,
        "originalVariationId": OFF,
        "randomizationUnit": "user",
        "phases": phases,
        "comment": "1.4.0",
    }


def test_start_a_guarded_multi_phase_release_with_every_setting(requests_mock):
    requests_mock.post(RELEASES, status_code=201, json=RELEASE)
    phases = [
        {"clauses": [KIND], "steps": STEPS},
        {"clauses": [KIND, {**KIND, "attribute": "key"}], "steps": STEPS},
    ]

    start(
        phases=phases,
        metrics=["error-rate", {"metricKey": "latency", "autoRollback": True}],
        advancement_mode="manual",
        cleanup_behavior="remove_rules_and_update_default_rule",
        before_rule_id="rule-1",
        bypass_health_checks=["flag_evaluations_any"],
    )

    assert requests_mock.last_request.json() == {
        "targetVariationId": ON,
        "originalVariationId": OFF,
        "randomizationUnit": "user",
        "phases": phases,
        "metrics": [{"metricKey": "error-rate"}, {"metricKey": "latency", "autoRollback": True}],
        "advancementMode": "manual",
        "cleanupBehavior": "remove_rules_and_update_default_rule",
        "beforeRuleId": "rule-1",
        "bypassHealthChecks": ["flag_evaluations_any"],
    }


def test_start_from_a_release_plan_sends_only_the_plan(requests_mock):
    requests_mock.post(RELEASES, status_code=201, json=RELEASE)
    start(randomization_unit=None, release_plan_key="standard-rollout")
    assert requests_mock.last_request.json() == {
        "targetVariationId": ON,
        "originalVariationId": OFF,
        "releasePlanKey": "standard-rollout",
    }


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {
                "phases": [{"clauses": [KIND], "steps": [{"allocation": 60_000, "durationMillis": 1}]}],
                "metrics": ["m"],
            },
            r"Invalid phases\[0\]\.steps=.*a guarded release keeps a control group, so at most 50%",
        ),
        (
            {"phases": [{"clauses": [KIND], "steps": STEPS}, {"clauses": [KIND], "steps": STEPS}]},
            r"Invalid advancement_mode=None: expected 'manual' or 'automatic': a multi-phase release needs"
            r" one",
        ),
        (
            {"release_plan_key": "plan", "phases": [{"clauses": [KIND], "steps": STEPS}]},
            r"Invalid release_plan_key='plan': expected no inline settings beside it: the plan supplies them;"
            r" leave out phases, randomization_unit",
        ),
        ({}, r"Invalid phases=None: expected the release's phases, or a release_plan_key"),
        (
            {"phases": [{"clauses": [{**KIND, "values": ["device"]}], "steps": STEPS}]},
            r"Invalid phases\[0\]\.clauses=.*expected clauses that include .*'values': \['user'\]",
        ),
        (
            {
                "phases": [{"ruleId": "r", "steps": STEPS}, {"clauses": [KIND], "steps": STEPS}],
                "advancement_mode": "manual",
            },
            r"only a single-phase release may use 'ruleId'",
        ),
        (
            {"phases": [{"clauses": [KIND], "steps": list(reversed(STEPS))}]},
            r"rising from step to step",
        ),
        (
            {"phases": [{"clauses": [KIND], "steps": STEPS}], "bypass_health_checks": ["all"]},
            r"Invalid bypass_health_checks=\['all'\]: expected a list of health check kinds among"
            r" 'flag_evaluations_any'",
        ),
        (
            {"phases": [{"clauses": [KIND], "steps": STEPS}], "advancement_mode": "auto"},
            r"Invalid advancement_mode='auto': expected one of 'manual', 'automatic'",
        ),
    ],
    ids=[
        "guarded-over-50",
        "multi-phase-no-mode",
        "plan-and-phases",
        "nothing",
        "kind-clause",
        "rule-id",
        "falling",
        "bypass",
        "mode",
    ],
)
def test_start_refuses_bad_input_before_any_request(requests_mock, kwargs, message):
    with pytest.raises(InvalidParameterError, match=message):
        start(**kwargs)
    assert requests_mock.call_count == 0


def test_a_refused_start_keeps_the_failing_health_checks(requests_mock):
    failing = [{"kind": "flag_evaluations_with_context", "message": "no recent evaluations for user"}]
    requests_mock.post(
        RELEASES,
        status_code=400,
        json={"code": "health_checks_failed", "message": "health checks failed", "failingChecks": failing},
    )
    with pytest.raises(ReleasesApiValidationError) as refused:
        start(phases=[{"clauses": [KIND], "steps": STEPS}])
    assert (refused.value.code, refused.value.details) == ("health_checks_failed", {"failingChecks": failing})
    assert requests_mock.call_count == 1  # a POST is never sent again


def test_get_environment_release(requests_mock):
    requests_mock.get(f"{RELEASES}/{RELEASE_ID}", json=RELEASE)
    assert LaunchDarklyHook().get_environment_release("p", "f", "production", RELEASE_ID) == RELEASE
    assert_launchdarkly_headers(requests_mock.last_request)


def test_list_environment_releases_pages_lazily_with_the_kind_filter(requests_mock):
    pages = [[{"id": f"r-{i}"} for i in range(start, min(start + 100, 130))] for start in (0, 100)]
    requests_mock.get(RELEASES, [{"json": {"items": page, "totalCount": 130}} for page in pages])

    releases = LaunchDarklyHook().list_environment_releases("p", "f", "production", kind="guarded")

    assert requests_mock.call_count == 0  # lazy until iterated
    assert [r["id"] for r in releases] == [f"r-{i}" for i in range(130)]
    assert [r.qs for r in requests_mock.request_history] == [
        {"filter": ["kind equals guarded"], "limit": ["100"], "offset": [offset]} for offset in ("0", "100")
    ]


def test_stop_environment_release_puts_the_resolution(requests_mock):
    requests_mock.put(f"{RELEASES}/{RELEASE_ID}/stop", json={**RELEASE, "status": "reverted"})
    stopped = LaunchDarklyHook().stop_environment_release(
        "p", "f", "production", RELEASE_ID, "roll_back_all_phases_and_remove_pending_phases", comment="bad"
    )
    assert stopped["status"] == "reverted"
    assert requests_mock.last_request.method == "PUT"
    assert requests_mock.last_request.json() == {
        "resolution": "roll_back_all_phases_and_remove_pending_phases",
        "comment": "bad",
    }


def test_stop_refuses_an_unknown_resolution_before_any_request(requests_mock):
    with pytest.raises(
        InvalidParameterError,
        match=r"Invalid resolution='rollback': expected one of 'roll_forward_all_phases'",
    ):
        LaunchDarklyHook().stop_environment_release("p", "f", "production", RELEASE_ID, "rollback")
    assert requests_mock.call_count == 0


def test_get_flag_reads_the_flags_path(requests_mock):
    flag = {"key": "f", "variations": [{"_id": ON, "value": True}, {"_id": OFF, "value": False}]}
    requests_mock.get(f"{LD}/api/v2/flags/p/f", json=flag)
    assert LaunchDarklyHook().get_flag("p", "f") == flag


def test_release_policies_are_read(requests_mock):
    policy = {"key": "guarded-default", "name": "Guarded"}
    requests_mock.get(f"{LD}/api/v2/projects/p/release-policies", json={"items": [policy], "totalCount": 1})
    requests_mock.get(f"{LD}/api/v2/projects/p/release-policies/guarded-default", json=policy)
    hook = LaunchDarklyHook()
    assert hook.list_release_policies("p") == [policy]
    assert hook.get_release_policy("p", "guarded-default") == policy


def test_the_reads_have_async_twins_that_send_the_same_requests(requests_mock):
    """The async transport is aiohttp: its answers are mocked by patching the transport's run."""
    hook = LaunchDarklyHook()
    sent = []

    async def run(call):
        sent.append((call.method, call.path, dict(call.params or {})))
        return []

    hook.async_transport.run = run  # type: ignore[method-assign]
    asyncio.run(hook.aget_environment_release("p", "f", "production", RELEASE_ID))
    asyncio.run(hook.alist_environment_releases("p", "f", "production"))
    asyncio.run(hook.aget_flag("p", "f"))
    path = "/api/v2/projects/p/flags/f/environments/production/releases"
    assert sent == [("GET", f"{path}/{RELEASE_ID}", {}), ("GET", path, {}), ("GET", "/api/v2/flags/p/f", {})]


def test_environment_release_url_is_the_flags_targeting_page():
    assert LaunchDarklyHook().environment_release_url("p", "f", "production") == (
        f"{LD}/projects/p/flags/f?env=production"
    )


# Against the sandbox, over real HTTP


@pytest.fixture
def sb(release_sandbox):
    return release_sandbox


def variation_ids(hook: LaunchDarklyHook) -> dict:
    return {item["value"]: item["_id"] for item in hook.get_flag("default", "new-checkout")["variations"]}


def test_a_release_started_read_listed_and_stopped_on_the_sandbox(sb):
    hook = LaunchDarklyHook()
    ids = variation_ids(hook)
    where = ("default", "new-checkout", "production")

    started = hook.start_environment_release(
        *where,
        target_variation_id=ids[True],
        original_variation_id=ids[False],
        randomization_unit="user",
        phases=[{"clauses": [KIND], "steps": STEPS}],
    )
    again = hook.get_environment_release(*where, started["id"])
    listed = list(hook.list_environment_releases(*where, kind="progressive"))
    guarded = list(hook.list_environment_releases(*where, kind="guarded"))
    stopped = hook.stop_environment_release(*where, started["id"], "roll_forward_all_phases")

    assert (started["status"], started["kind"], started["targetVariationId"]) == (
        "in_progress",
        "progressive",
        ids[True],
    )
    assert (
        again["id"] == started["id"] and [item["id"] for item in listed] == [started["id"]] and guarded == []
    )
    assert (stopped["status"], stopped["statusReason"]) == ("completed", "completed_manual")


def test_a_second_start_meets_the_running_release_on_the_sandbox(sb):
    hook = LaunchDarklyHook()
    ids = variation_ids(hook)
    arguments = {
        "target_variation_id": ids[True],
        "original_variation_id": ids[False],
        "randomization_unit": "user",
        "phases": [{"clauses": [KIND], "steps": STEPS}],
    }
    hook.start_environment_release("default", "new-checkout", "production", **arguments)
    with pytest.raises(ReleasesApiConflictError) as refused:
        hook.start_environment_release("default", "new-checkout", "production", **arguments)
    assert refused.value.code == "release_already_active"
