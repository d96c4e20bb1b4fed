"""
Every answer of the sandbox's LaunchDarkly validates against the JSON schema of the model
LaunchDarkly's client (``launchdarkly-api`` 25.0.1) reads it into: environment releases, release
policies and release pipelines. The sandbox ships the schemas
(``launchdarkly/environment-releases-schemas.yaml``), a copy of the project's vendor reference; a
test checks the copy against the reference wherever the reference is at hand. (The OpenAPI
excerpt's own checks of the release pipeline answers are in ``test_launchdarkly_schema.py``.)
"""

from __future__ import annotations

import pathlib
from typing import Any

import jsonschema
import pytest
import requests
import yaml

from airflow_provider_releases_sandbox import Sandbox, launchdarkly
from airflow_provider_releases_sandbox.launchdarkly import ACCESS_TOKEN
from airflow_provider_releases_sandbox.launchdarkly.responses import LaunchDarklyBackend

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCHEMAS_PATH = pathlib.Path(launchdarkly.__file__).with_name("environment-releases-schemas.yaml")
REFERENCE_PATH = ROOT.parent / "shared" / "api-docs" / "launchdarkly-environment-releases-schemas.yaml"
HEADERS = {"Authorization": ACCESS_TOKEN, "LD-API-Version": "beta"}
RELEASES = "/api/v2/projects/{project_key}/flags/{flag_key}/environments/{environment_key}/releases"
PIPELINES = "/api/v2/projects/{project_key}/release-pipelines"
FLAG_RELEASE = "/api/v2/flags/{project_key}/{flag_key}/release"
PROJECT_FLAG_RELEASE = "/api/v2/projects/{project_key}/flags/{flag_key}/release"
#: Each route's answers by status: the model (schema) LaunchDarkly's client reads each into.
ANSWERS: dict[tuple[str, str], dict[int, str | None]] = {
    ("POST", RELEASES): {201: "EnvironmentRelease", 400: "StartEnvironmentReleaseBadRequest"},
    ("GET", RELEASES): {200: "EnvironmentReleaseCollection"},
    ("GET", RELEASES + "/{release_id}"): {200: "EnvironmentRelease"},
    ("PUT", RELEASES + "/{release_id}/stop"): {200: "EnvironmentRelease"},
    ("GET", "/api/v2/projects/{project_key}/release-policies"): {200: "ReleasePoliciesResponse"},
    ("GET", "/api/v2/projects/{project_key}/release-policies/{policy_key}"): {200: "ReleasePolicy"},
    ("PUT", PROJECT_FLAG_RELEASE): {200: "PipelineRelease"},
    ("PUT", PROJECT_FLAG_RELEASE + "/phases/{phase_id}"): {200: "PipelineRelease"},
    ("GET", FLAG_RELEASE): {200: "PipelineRelease"},
    ("PATCH", FLAG_RELEASE): {200: "PipelineRelease"},
    ("DELETE", FLAG_RELEASE): {204: None},
    ("GET", PIPELINES): {200: "ReleasePipelineCollection"},
    ("POST", PIPELINES): {201: "ReleasePipeline"},
    ("GET", PIPELINES + "/{pipeline_key}"): {200: "ReleasePipeline"},
    ("PUT", PIPELINES + "/{pipeline_key}"): {200: "ReleasePipeline"},
    ("DELETE", PIPELINES + "/{pipeline_key}"): {204: None},
    ("GET", PIPELINES + "/{pipeline_key}/releases"): {200: "PipelineReleaseProgressionCollection"},
}
#: Routes whose models the schemas file does not hold: test_launchdarkly_client.py reads them
#: with the client's own models (``CallerIdentityRep``, ``FeatureFlag``).
NO_SCHEMA = {("GET", "/api/v2/caller-identity"), ("GET", "/api/v2/flags/{project_key}/{flag_key}")}
CLAUSE = {"contextKind": "user", "attribute": "kind", "op": "in", "values": ["user"]}


def test_the_schemas_are_the_vendor_reference_where_the_reference_is_at_hand() -> None:
    if REFERENCE_PATH.is_file():
        assert SCHEMAS_PATH.read_bytes() == REFERENCE_PATH.read_bytes(), (
            f"refresh {SCHEMAS_PATH} from {REFERENCE_PATH}"
        )
    assert "EnvironmentRelease:" in SCHEMAS_PATH.read_text(encoding="utf-8")


def test_every_route_has_its_models_here_or_in_the_client_test() -> None:
    served = {(route.method, route.template) for route in LaunchDarklyBackend.routes}
    assert served == set(ANSWERS) | NO_SCHEMA


@pytest.fixture(scope="module")
def schemas() -> dict[str, Any]:
    return yaml.safe_load(SCHEMAS_PATH.read_text(encoding="utf-8"))


class Checked:
    """Calls the sandbox's LaunchDarkly; every answer must be one ``ANSWERS`` lists and match its schema."""

    def __init__(self, server: Sandbox, schemas: dict[str, Any]) -> None:
        self.server, self.base, self.schemas = server, server.url("launchdarkly"), schemas
        self.backend = server.app.backends["launchdarkly"]
        self.checked: set[tuple[str, str, int]] = set()

    def __call__(self, method: str, path: str, **kwargs: Any) -> Any:
        answer = requests.request(method, self.base + path, headers=HEADERS, timeout=10, **kwargs)
        template = next(
            route.template
            for route in self.backend.routes
            if route.method == method and route.pattern.match(path.split("?")[0])
        )
        documented = ANSWERS[(method, template)]
        assert answer.status_code in documented, f"{method} {path}: {answer.status_code} {answer.text}"
        body = answer.json() if answer.content else None
        validate(self.schemas, documented[answer.status_code], body, f"{method} {path}")
        self.checked.add((method, template, answer.status_code))
        return body


def validate(schemas: dict[str, Any], name: str | None, body: Any, where: str) -> None:
    """Assert ``body`` matches the schema ``name`` (``None``: no body)."""
    if name is None:
        assert body is None, f"{where}: answered a body where none is documented"
        return
    errors = sorted(
        jsonschema.Draft202012Validator(schemas[name]).iter_errors(body),
        key=lambda error: list(error.absolute_path),
    )
    assert not errors, f"{where} as {name}: " + "; ".join(
        f"{'/'.join(map(str, error.absolute_path)) or '(root)'}: {error.message}" for error in errors
    )


@pytest.fixture
def ld(release_sandbox: Sandbox, schemas: dict[str, Any]) -> Checked:
    return Checked(release_sandbox, schemas)


def releases(flag_key: str) -> str:
    return f"/api/v2/projects/default/flags/{flag_key}/environments/production/releases"


def start(ld: Checked, flag_key: str, **fields: Any) -> dict[str, Any]:
    flag = requests.get(f"{ld.base}/api/v2/flags/default/{flag_key}", headers=HEADERS, timeout=10).json()
    ids = {variation["value"]: variation["_id"] for variation in flag["variations"]}
    body = {"targetVariationId": ids[True], "originalVariationId": ids[False], **fields}
    return ld("POST", releases(flag_key), json=body)


def phase(*allocations: int, description: str | None = None) -> dict[str, Any]:
    steps = [{"allocation": allocation, "durationMillis": 60_000} for allocation in allocations]
    return {"clauses": [CLAUSE], "steps": steps} | ({"description": description} if description else {})


def test_the_check_catches_a_string_time_and_a_missing_field(ld: Checked, schemas: dict[str, Any]) -> None:
    release = start(ld, "new-checkout", randomizationUnit="user", phases=[phase(10_000)])
    release["createdAt"] = str(release["createdAt"])
    with pytest.raises(AssertionError, match=r"createdAt: '\d+' is not of type 'integer'"):
        validate(schemas, "EnvironmentRelease", release, "GET")
    del release["phases"][0]["metricStatuses"]
    with pytest.raises(AssertionError, match="'metricStatuses' is a required property"):
        validate(schemas, "EnvironmentRelease", release, "GET")


def test_progressive_release_answers_match(ld: Checked) -> None:
    path = releases("new-checkout")
    phases = [phase(25_000, 100_000, description="Staff"), phase(100_000, description="Everyone")]
    release = start(ld, "new-checkout", randomizationUnit="user", advancementMode="manual", phases=phases)
    ld.server.advance_time(120_000)
    assert ld("GET", f"{path}/{release['id']}")["statusReason"] == "waiting_phase_ended"
    ld("PUT", f"{path}/{release['id']}/stop", json={"resolution": "roll_forward_all_phases"})
    ld(
        "PUT",
        f"{path}/{release['id']}/stop",
        json={"resolution": "roll_back_all_phases_and_remove_pending_phases"},
    )
    for resolution in (
        "roll_forward_current_phase_and_remove_pending_phases",
        "roll_back_current_phase_and_remove_pending_phases",
    ):
        again = start(
            ld, "new-checkout", randomizationUnit="user", advancementMode="automatic", phases=phases
        )
        ld("PUT", f"{path}/{again['id']}/stop", json={"resolution": resolution})
    page = ld("GET", path, params={"limit": 1, "offset": 1})
    assert set(page["_links"]) == {"self", "parent", "first", "prev", "next", "last"}
    ld("GET", path, params={"filter": "kind equals progressive"})
    assert ld("GET", path, params={"filter": "kind equals guarded"})["items"] == []


def test_guarded_release_answers_match(ld: Checked) -> None:
    path = releases("dark-mode")
    release = start(
        ld,
        "dark-mode",
        randomizationUnit="user",
        metrics=[
            {"metricKey": "errors", "autoRollback": False},
            {"metricKey": "latency", "autoRollback": True},
        ],
        phases=[phase(10_000, 50_000)],
    )
    ld.server.inject_regression("default", "dark-mode", "production", "errors")
    assert ld("GET", f"{path}/{release['id']}")["status"] == "waiting"
    ld.server.dismiss_regression("default", "dark-mode", "production", "errors")
    ld.server.inject_regression("default", "dark-mode", "production", "latency")
    reverted = ld("GET", f"{path}/{release['id']}", params={"expand": "metrics"})
    assert reverted["statusReason"] == "reverted_regression_detected"
    planned = start(ld, "search-v2", releasePlanKey="guarded-rollout")
    ld.server.advance_time(3 * 3_600_000)
    assert ld("GET", f"{releases('search-v2')}/{planned['id']}")["status"] == "completed"
    ld.server.fail_health_checks(
        "default", "beta-banner", "production", ["flag_evaluations_any", "metric_events_with_context"]
    )
    refused = start(
        ld, "beta-banner", randomizationUnit="user", metrics=[{"metricKey": "errors"}], phases=[phase(10_000)]
    )
    assert [check["kind"] for check in refused["failingChecks"]] == [
        "flag_evaluations_any",
        "metric_events_with_context",
    ]


def test_release_policy_answers_match(ld: Checked) -> None:
    ld.server.add_release_policy(
        "default", {"key": "fast", "name": "Fast", "releaseMethod": "immediate-release"}
    )
    assert ld("GET", "/api/v2/projects/default/release-policies")["totalCount"] == 3
    ld("GET", "/api/v2/projects/default/release-policies", params={"excludeDefault": "true"})
    ld("GET", "/api/v2/projects/default/release-policies/production-guarded")
    ld("GET", "/api/v2/projects/default/release-policies/fast")


def test_release_pipeline_answers_match(ld: Checked) -> None:
    pipelines = "/api/v2/projects/default/release-pipelines"
    audience = {"environmentKey": "test", "name": "QA"}
    ld(
        "POST",
        pipelines,
        json={"key": "canary", "name": "Canary", "phases": [{"name": "A", "audiences": [audience]}]},
    )
    ld(
        "PUT",
        f"{pipelines}/canary",
        json={"name": "Canary 2", "phases": [{"name": "A", "audiences": [audience]}]},
    )
    ld("GET", pipelines, params={"limit": 2})
    ld("GET", f"{pipelines}/standard-release")
    release = ld(
        "PUT", "/api/v2/projects/default/flags/new-checkout/release", json={"releasePipelineKey": "hotfix"}
    )
    ld(
        "PUT",
        f"/api/v2/projects/default/flags/new-checkout/release/phases/{release['phases'][0]['_id']}",
        json={"status": "active"},
    )
    ld("GET", "/api/v2/flags/default/beta-banner/release")
    ld("GET", f"{pipelines}/standard-release/releases")
    ld(
        "PUT",
        "/api/v2/projects/default/flags/dark-mode/release",
        json={"releasePipelineKey": "legacy-rollout"},
    )
    ld(
        "PATCH",
        "/api/v2/flags/default/dark-mode/release",
        json=[{"op": "replace", "path": "/phases/0/complete", "value": True}],
    )
    ld("DELETE", "/api/v2/flags/default/dark-mode/release")
    ld("DELETE", f"{pipelines}/canary")


def test_every_answer_listed_is_checked(release_sandbox: Sandbox, schemas: dict[str, Any]) -> None:
    """The scenarios above (run once more here) reach every route and answer ``ANSWERS`` lists."""
    ld = Checked(release_sandbox, schemas)
    for scenario in (
        test_progressive_release_answers_match,
        test_guarded_release_answers_match,
        test_release_policy_answers_match,
        test_release_pipeline_answers_match,
    ):
        release_sandbox.reset()
        scenario(ld)
    assert ld.checked == {
        (method, template, status) for (method, template), answers in ANSWERS.items() for status in answers
    }
