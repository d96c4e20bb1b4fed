"""
LaunchDarkly's rule, on every route of the sandbox that takes a body: "the API ignores request
body fields that are not part of that endpoint's request schema, and does not return an error
for them." The fields are accepted, and none of them shows in the answer.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from airflow_provider_releases_sandbox import Sandbox
from tests.sandbox.launchdarkly_releases import Releases

EXTRA = {"futureField": {"nested": True}}
PIPELINES = "/api/v2/projects/default/release-pipelines"


@pytest.fixture
def ld(release_sandbox: Sandbox) -> Releases:
    return Releases(release_sandbox)


def accepted(answer: Any, status: int = 200) -> Any:
    """The answer's body, after checking it succeeded and shows no unknown field."""
    assert answer.status_code == status, answer.text
    assert "futureField" not in answer.text
    return answer.json() if answer.content else None


def with_extra(value: dict[str, Any]) -> dict[str, Any]:
    return {**value, **EXTRA}


def test_create_release_for_flag_ignores_unknown_fields(ld: Releases) -> None:
    body = with_extra({"releasePipelineKey": "hotfix", "pipeline": "x"})
    release = accepted(ld.call("PUT", "/api/v2/projects/default/flags/new-checkout/release", json=body))
    assert release["releasePipelineKey"] == "hotfix"


def test_update_phase_status_ignores_unknown_fields(ld: Releases) -> None:
    release = ld.call("GET", "/api/v2/flags/default/beta-banner/release").json()
    ga = release["phases"][2]
    audience = with_extra(
        {
            "audienceId": ga["_audiences"][0]["_id"],
            "notifyTeamKeys": ["qa"],
            "releaseGuardianConfiguration": with_extra({"rolloutWeight": 20}),
        }
    )
    body = with_extra({"status": "active", "audiences": [audience]})
    started = accepted(
        ld.call("PUT", f"/api/v2/projects/default/flags/beta-banner/release/phases/{ga['_id']}", json=body)
    )
    configuration = started["phases"][2]["_audiences"][0]["configuration"]
    assert configuration["releaseGuardianConfiguration"]["rolloutWeight"] == 20
    assert configuration["notifyTeamKeys"] == ["qa"]


def test_legacy_phase_patch_ignores_unknown_fields(ld: Releases) -> None:
    accepted(
        ld.call(
            "PUT",
            "/api/v2/projects/default/flags/dark-mode/release",
            json={"releasePipelineKey": "legacy-rollout"},
        )
    )
    patch = [with_extra({"op": "replace", "path": "/phases/0/complete", "value": True})]
    assert accepted(ld.call("PATCH", "/api/v2/flags/default/dark-mode/release", json=patch))["phases"][0][
        "complete"
    ]


def test_pipeline_create_and_update_ignore_unknown_fields(ld: Releases) -> None:
    configuration = with_extra(
        {
            "releaseStrategy": "monitoredRelease",
            "requireApproval": False,
            "releaseGuardianConfiguration": with_extra(
                {"monitoringWindowMilliseconds": 1000, "rolloutWeight": 5, "rollbackOnRegression": True}
            ),
        }
    )
    audience = with_extra({"environmentKey": "test", "name": "QA", "configuration": configuration})
    body = with_extra(
        {
            "key": "canary",
            "name": "Canary",
            "owner": "me",
            "phases": [with_extra({"name": "A", "audiences": [audience]})],
        }
    )
    created = accepted(ld.call("POST", PIPELINES, json=body), 201)
    assert (
        created["phases"][0]["audiences"][0]["configuration"]["releaseGuardianConfiguration"]["rolloutWeight"]
        == 5
    )
    updated = accepted(ld.call("PUT", f"{PIPELINES}/canary", json={**body, "name": "Canary 2"}))
    assert updated["name"] == "Canary 2" and updated["key"] == "canary"


def test_an_environment_release_start_and_stop_ignore_unknown_fields(ld: Releases) -> None:
    clause = with_extra({"contextKind": "user", "attribute": "kind", "op": "in", "values": ["user"]})
    steps = [with_extra({"allocation": 10_000, "durationMillis": 1_000})]
    answer = ld.start(
        randomizationUnit="user",
        metrics=[with_extra({"metricKey": "errors"})],
        phases=[with_extra({"clauses": [clause], "steps": steps})],
        **EXTRA,
    )
    release = accepted(answer, 201)
    stopped = accepted(ld.stop(release["id"], "roll_forward_all_phases", **EXTRA))
    assert stopped["status"] == "completed"
    assert "futureField" not in json.dumps(ld.server.state("launchdarkly"))
    assert accepted(ld.start(releasePlanKey="guarded-rollout", **EXTRA), 201)["kind"] == "guarded"
