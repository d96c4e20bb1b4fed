"""LaunchDarkly environment releases in the sandbox: every refusal of a start or a stop; flags; policies."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_releases_sandbox import Sandbox
from tests.sandbox.launchdarkly_releases import CLAUSE, Releases, assert_error, phase


@pytest.fixture
def ld(release_sandbox: Sandbox) -> Releases:
    return Releases(release_sandbox)


def test_a_second_start_while_one_runs_is_409_release_already_active(ld: Releases) -> None:
    running = ld.started()

    body = assert_error(
        ld.start(randomizationUnit="user", phases=[phase(10_000)]), 409, "release_already_active"
    )

    assert running["id"] in body["message"]
    assert ld.list().json()["totalCount"] == 1
    assert (
        Releases(ld.server, environment_key="test")
        .start(randomizationUnit="user", phases=[phase(1)])
        .status_code
        == 201
    )
    ld.stop(running["id"], "roll_back_all_phases_and_remove_pending_phases")
    assert ld.start(randomizationUnit="user", phases=[phase(10_000)]).status_code == 201


def test_a_flag_that_is_off_in_the_environment_is_409(ld: Releases) -> None:
    assert ld.server.set_flag_on("default", "new-checkout", "production", False) == {"on": False}
    flag = ld.call("GET", "/api/v2/flags/default/new-checkout").json()
    assert (flag["environments"]["production"]["on"], flag["environments"]["test"]["on"]) == (False, True)

    assert_error(
        ld.start(randomizationUnit="user", phases=[phase(1)]), 409, "conflict", "is off in 'production'"
    )

    ld.server.set_flag_on("default", "new-checkout", "production", True)
    assert ld.start(randomizationUnit="user", phases=[phase(1)]).status_code == 201


def test_an_environment_that_requires_approvals_refuses_start_and_stop_with_405(ld: Releases) -> None:
    release = ld.started()
    assert ld.server.require_approvals("default", "production") == {"required": True}

    assert_error(
        ld.start(randomizationUnit="user", phases=[phase(1)]), 405, "method_not_allowed", "requires approvals"
    )
    assert_error(
        ld.stop(release["id"], "roll_forward_all_phases"), 405, "method_not_allowed", "bypassRequiredApproval"
    )

    ld.server.require_approvals("default", "production", required=False)
    assert ld.stop(release["id"], "roll_forward_all_phases").status_code == 200


def test_plans_unavailable_is_422_and_a_missing_plan_400(ld: Releases) -> None:
    assert ld.server.set_release_plans_available(False) == {"available": False}
    assert_error(ld.start(releasePlanKey="guarded-rollout"), 422, "invalid_request", "not yet available")
    ld.server.set_release_plans_available(True)
    assert_error(
        ld.start(releasePlanKey="nope"),
        400,
        "invalid_request",
        "Release plan 'nope' does not exist in environment",
    )
    assert_error(  # plans belong to one environment
        Releases(ld.server, environment_key="test").start(releasePlanKey="guarded-rollout"),
        400,
        "invalid_request",
    )
    answer = ld.start(
        releasePlanKey="guarded-rollout", metrics=[{"metricKey": "x"}], cleanupBehavior="leave_rules_in_place"
    )
    assert_error(
        answer,
        400,
        "invalid_request",
        "releasePlanKey 'guarded-rollout' supplies",
        "omit metrics, cleanupBehavior",
    )


def test_failing_health_checks_are_400_unless_bypassed(ld: Releases) -> None:
    kinds = ["flag_evaluations_any", "flag_evaluations_with_context", "metric_events_any"]
    assert ld.server.fail_health_checks("default", "new-checkout", "production", kinds) == {"kinds": kinds}
    guarded = {"randomizationUnit": "user", "metrics": [{"metricKey": "errors"}], "phases": [phase(10_000)]}

    answer = ld.start(**guarded)

    assert answer.status_code == 400
    assert answer.json() == {
        "code": "health_checks_failed",
        "message": "Release health checks failed: flag_evaluations_any, flag_evaluations_with_context, "
        "metric_events_any; list the kinds in bypassHealthChecks to start the release anyway",
        "failingChecks": [
            {
                "kind": "flag_evaluations_any",
                "message": "Flag 'new-checkout' has not been evaluated recently in 'production'",
            },
            {
                "kind": "flag_evaluations_with_context",
                "message": "Flag 'new-checkout' has not been evaluated recently for contexts of kind "
                "'user' in 'production'",
            },
            {
                "kind": "metric_events_any",
                "message": "Metric 'errors' has received no events",
                "metricKey": "errors",
            },
        ],
    }
    progressive = ld.start(randomizationUnit="user", phases=[phase(1)], bypassHealthChecks=kinds[:2])
    assert progressive.status_code == 201  # the metric checks run for guarded releases only
    ld.stop(progressive.json()["id"], "roll_forward_all_phases")
    partly = ld.start(**guarded, bypassHealthChecks=kinds[:2]).json()
    assert [check["kind"] for check in partly["failingChecks"]] == ["metric_events_any"]
    assert ld.start(**guarded, bypassHealthChecks=kinds).status_code == 201
    with pytest.raises(ValueError, match=r"kinds=\['sometimes'\] must be a list of some of"):
        ld.server.fail_health_checks("default", "new-checkout", "production", ["sometimes"])


STEP = {"allocation": 10_000, "durationMillis": 1_000}


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"targetVariationId": None}, "targetVariationId is required"),
        (
            {"originalVariationId": "nope"},
            "originalVariationId 'nope' is not a variation of flag 'new-checkout'",
        ),
        ({"originalVariationId": "TARGET"}, "must be different variations"),
        ({"randomizationUnit": None}, "randomizationUnit is required"),
        ({"phases": []}, "phases is required"),
        ({"phases": [{"steps": [STEP]}]}, "phases[0] must set exactly one of ruleId"),
        (
            {"phases": [{"ruleId": "r1", "clauses": [CLAUSE], "steps": [STEP]}]},
            "must set exactly one of ruleId",
        ),
        (
            {"phases": [{"ruleId": "r1", "steps": [STEP]}, phase(1)], "advancementMode": "manual"},
            "only a single-phase release can use an existing rule",
        ),
        ({"phases": [phase(1), phase(1)]}, "advancementMode is required for a multi-phase release"),
        (
            {"phases": [phase(1), phase(1)], "advancementMode": "sometimes"},
            "advancementMode 'sometimes' is not one of",
        ),
        ({"phases": [{"clauses": [CLAUSE], "steps": []}]}, "phases[0].steps is required"),
        ({"phases": [phase(0)]}, "phases[0].steps[0].allocation must be an integer from 1 to 100000"),
        ({"phases": [phase(100_001)]}, "from 1 to 100000"),
        (
            {"phases": [phase(50_000, 40_000)]},
            "steps[1].allocation must be greater than the previous step's (50000)",
        ),
        (
            {"phases": [{"clauses": [CLAUSE], "steps": [{"allocation": 5, "durationMillis": 0}]}]},
            "durationMillis",
        ),
        (
            {"phases": [{"clauses": [{"attribute": "email", "op": "in", "values": ["a"]}], "steps": [STEP]}]},
            "must include the clause",
        ),
        (
            {"phases": [{"clauses": [{**CLAUSE, "values": [{}]}], "steps": [STEP]}]},
            "values must be an array of strings",
        ),
        (
            {"phases": [phase(1, description="A"), phase(1, description="A")], "advancementMode": "manual"},
            "duplicate rule description not allowed",
        ),
        (
            {"metrics": [{"metricKey": "errors"}], "phases": [phase(50_001)]},
            "exceeds 50000 (50%): a guarded release",
        ),
        ({"metrics": [{"metricKey": "e"}, {"metricKey": "e"}]}, "metric 'e' is listed twice"),
        ({"metrics": [{"autoRollback": True}]}, "metrics[0].metricKey is required"),
        ({"cleanupBehavior": "tidy"}, "cleanupBehavior 'tidy' is not one of"),
        ({"bypassHealthChecks": ["all"]}, "bypassHealthChecks 'all' is not one of"),
    ],
)
def test_a_start_body_is_checked(ld: Releases, change: dict[str, Any], fragment: str) -> None:
    ids = ld.variations()
    body = {
        "targetVariationId": ids[True],
        "originalVariationId": ids[False],
        "randomizationUnit": "user",
        "phases": [phase(10_000)],
        **change,
    }
    if body["originalVariationId"] == "TARGET":
        body["originalVariationId"] = ids[True]
    answer = ld.call("POST", ld.path, json={key: value for key, value in body.items() if value is not None})
    assert_error(answer, 400, "invalid_request", fragment)
    assert ld.list().json()["totalCount"] == 0


def test_a_guarded_step_of_exactly_half_and_an_existing_rule_are_accepted(ld: Releases) -> None:
    guarded = ld.started(metrics=[{"metricKey": "errors"}], phases=[phase(10_000, 50_000)])
    assert guarded["phases"][0]["steps"][1]["allocation"] == 50_000
    ld.stop(guarded["id"], "roll_forward_all_phases")
    existing = ld.started(phases=[{"ruleId": "rule-1", "steps": [STEP]}])
    assert existing["phases"][0]["ruleId"] == "rule-1" and "description" not in existing["phases"][0]


def test_a_stop_body_is_checked(ld: Releases) -> None:
    release = ld.started()
    assert_error(
        ld.call("PUT", f"{ld.path}/{release['id']}/stop", json={}),
        400,
        "invalid_request",
        "resolution is required",
    )
    assert_error(ld.stop(release["id"], "pause"), 400, "invalid_request", "resolution 'pause' is not one of")
    assert ld.get(release["id"])["status"] == "in_progress"


def test_unknown_flags_environments_and_releases_are_404(ld: Releases) -> None:
    release = ld.started()
    unknown = Releases(ld.server, "nope")
    assert_error(unknown.call("POST", unknown.path, json={}), 404, "not_found", "Unknown flag 'nope'")
    assert_error(
        Releases(ld.server, environment_key="staging").list(),
        404,
        "not_found",
        "Unknown environment 'staging'",
    )
    assert_error(
        ld.call("GET", f"{ld.path}/{'0' * 8}-0000-0000-0000-{'0' * 12}"),
        404,
        "not_found",
        "has no environment release",
    )
    other = Releases(ld.server, "dark-mode")
    assert_error(
        other.call("GET", f"{other.path}/{release['id']}"), 404, "not_found"
    )  # another flag's release
    assert_error(ld.call("GET", "/api/v2/flags/default/nope"), 404, "not_found", "Unknown flag 'nope'")


def test_the_flag_answers_with_its_variations(ld: Releases) -> None:
    boolean = ld.call("GET", "/api/v2/flags/default/new-checkout").json()
    multivariate = ld.call("GET", "/api/v2/flags/default/pricing-tier").json()

    assert [(item["value"], item["name"]) for item in boolean["variations"]] == [(True, "On"), (False, "Off")]
    assert [item["value"] for item in multivariate["variations"]] == ["free", "pro", "enterprise"]
    assert (boolean["key"], boolean["kind"], multivariate["kind"]) == (
        "new-checkout",
        "boolean",
        "multivariate",
    )
    assert boolean["variations"] == ld.call("GET", "/api/v2/flags/default/new-checkout").json()["variations"]
    assert set(boolean["environments"]) == {"test", "production"}


def test_release_policies_are_listed_by_rank_and_read_by_key(ld: Releases) -> None:
    policies = ld.call("GET", "/api/v2/projects/default/release-policies").json()
    assert [item["key"] for item in policies["items"]] == ["production-guarded", "default"]
    assert policies["totalCount"] == 2
    scoped = ld.call(
        "GET", "/api/v2/projects/default/release-policies", params={"excludeDefault": "true"}
    ).json()
    assert [item["key"] for item in scoped["items"]] == ["production-guarded"]
    added = ld.server.add_release_policy(
        "default", {"key": "fast", "name": "Fast", "releaseMethod": "immediate-release"}
    )
    assert added["rank"] == 3 and added["_id"]
    assert ld.call("GET", "/api/v2/projects/default/release-policies/fast").json() == added
    assert_error(ld.call("GET", "/api/v2/projects/default/release-policies/nope"), 404, "not_found", "'nope'")
    with pytest.raises(ValueError, match="releaseMethod='slow' is not one of"):
        ld.server.add_release_policy("default", {"key": "k", "name": "n", "releaseMethod": "slow"})
