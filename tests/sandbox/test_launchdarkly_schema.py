"""
Every 2xx answer of a documented LaunchDarkly endpoint validates against the response schema of
LaunchDarkly's OpenAPI excerpt: the sandbox speaks the vendor's wire types, such as int64 epoch
milliseconds. The sandbox ships the excerpt (``launchdarkly/openapi.yaml``), a copy of the
project's vendor reference (``shared/api-docs/``), so the suite needs nothing outside the
repository; a test checks the copy against the reference wherever the reference is at hand.
"""

from __future__ import annotations

import pathlib
import re
from typing import Any

import jsonschema
import pytest
import requests
import yaml

from airflow_provider_releases_sandbox import Sandbox, launchdarkly, sandbox
from airflow_provider_releases_sandbox.launchdarkly import ACCESS_TOKEN

ROOT = pathlib.Path(__file__).resolve().parents[2]
SPEC_PATH = pathlib.Path(launchdarkly.__file__).with_name("openapi.yaml")
REFERENCE_PATH = ROOT.parent / "shared" / "api-docs" / "launchdarkly-releases-openapi.yaml"
HEADERS = {"Authorization": ACCESS_TOKEN, "LD-API-Version": "beta"}
PIPELINES = "/api/v2/projects/default/release-pipelines"
GUARDIAN = {"monitoringWindowMilliseconds": 60000, "rolloutWeight": 20, "rollbackOnRegression": True}


def test_the_excerpt_is_the_vendor_reference_where_the_reference_is_at_hand() -> None:
    if REFERENCE_PATH.is_file():
        assert SPEC_PATH.read_bytes() == REFERENCE_PATH.read_bytes(), (
            f"refresh {SPEC_PATH} from {REFERENCE_PATH}"
        )
    assert "/api/v2/flags/{projectKey}/{flagKey}/release" in SPEC_PATH.read_text(encoding="utf-8")


def json_schema(node: Any) -> Any:
    """An OpenAPI 3.0 schema as JSON Schema: ``nullable`` becomes a ``null`` type; examples go."""
    if isinstance(node, list):
        return [json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: json_schema(value) for key, value in node.items() if key not in ("example", "nullable")}
    if node.get("nullable") is True:
        if "type" in converted:
            kinds = converted["type"] if isinstance(converted["type"], list) else [converted["type"]]
            converted["type"] = [*kinds, "null"]
        else:
            converted = {"anyOf": [converted, {"type": "null"}]}
    return converted


class Spec:
    """The OpenAPI excerpt: its operations, and a validator for each documented answer."""

    def __init__(self, path: pathlib.Path) -> None:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        self.components = json_schema(document["components"])
        self.operations: list[tuple[str, re.Pattern[str], dict[str, Any]]] = []
        for template, item in document["paths"].items():
            pattern = re.compile("^" + re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(template)) + "$")
            for method, operation in item.items():
                self.operations.append((method.upper(), pattern, operation))

    def operation(self, method: str, path: str) -> dict[str, Any]:
        """The documented operation of ``method path``."""
        found = [op for verb, pattern, op in self.operations if verb == method and pattern.match(path)]
        assert len(found) == 1, f"{method} {path} is not one documented operation"
        return found[0]

    def check(self, answer: requests.Response) -> None:
        """Assert ``answer`` is a 2xx with a documented status and, where a schema is given, matches it."""
        method = answer.request.method or ""
        path = requests.utils.urlparse(answer.request.url).path.split("/launchdarkly", 1)[1]
        assert 200 <= answer.status_code < 300, f"{method} {path}: {answer.status_code} {answer.text}"
        self.validate(method, path, answer.status_code, answer.json() if answer.content else None)

    def validate(self, method: str, path: str, status: int, body: Any) -> None:
        """Assert ``status`` is documented for ``method path`` and ``body`` matches its schema."""
        documented = self.operation(method, path)["responses"].get(str(status))
        assert documented is not None, f"{method} {path}: {status} is not a documented answer"
        content = documented.get("content")
        if content is None:
            assert body is None, f"{method} {path}: {status} documents no body"
            return
        schema = {**content["application/json"]["schema"], "components": self.components}
        errors = sorted(
            jsonschema.Draft202012Validator(schema).iter_errors(body),
            key=lambda error: list(error.absolute_path),
        )
        assert not errors, f"{method} {path}: " + "; ".join(
            f"{'/'.join(map(str, error.absolute_path)) or '(root)'}: {error.message}" for error in errors
        )


@pytest.fixture(scope="module")
def spec() -> Spec:
    return Spec(SPEC_PATH)


class Client:
    """Calls the sandbox's LaunchDarkly and checks every answer against the spec."""

    def __init__(self, server: Sandbox, spec: Spec) -> None:
        self.base = server.url("launchdarkly")
        self.spec = spec
        self.checked: set[tuple[str, str]] = set()

    def __call__(self, method: str, path: str, **kwargs: Any) -> Any:
        answer = requests.request(method, self.base + path, headers=HEADERS, timeout=10, **kwargs)
        self.spec.check(answer)
        operation = self.spec.operation(method, path)
        self.checked.add((method, operation["operationId"]))
        return answer.json() if answer.content else None


@pytest.fixture
def ld(release_sandbox: Sandbox, spec: Spec) -> Client:
    return Client(release_sandbox, spec)


def test_the_conversion_makes_nullable_types_take_null() -> None:
    converted = json_schema({"type": "integer", "nullable": True, "example": 3, "properties": {}})
    assert converted == {"type": ["integer", "null"], "properties": {}}
    assert json_schema({"$ref": "#/x", "nullable": True}) == {"anyOf": [{"$ref": "#/x"}, {"type": "null"}]}


def test_the_check_catches_string_timestamps_and_missing_fields(spec: Spec, release_sandbox: Sandbox) -> None:
    path = "/api/v2/flags/default/beta-banner/release"
    body = requests.get(release_sandbox.url("launchdarkly") + path, headers=HEADERS, timeout=10).json()
    spec.validate("GET", path, 200, body)
    body["phases"][0]["_creationDate"] = str(body["phases"][0]["_creationDate"])
    with pytest.raises(AssertionError, match=r"phases/0/_creationDate: .* is not of type 'integer'"):
        spec.validate("GET", path, 200, body)
    del body["phases"][0]["_creationDate"], body["_version"]
    with pytest.raises(AssertionError, match=r"'_version' is a required property"):
        spec.validate("GET", path, 200, body)
    with pytest.raises(AssertionError, match="201 is not a documented answer"):
        spec.validate("GET", path, 201, body)


def test_flag_release_answers_match_the_schema(ld: Client) -> None:
    release = ld(
        "PUT",
        "/api/v2/projects/default/flags/new-checkout/release",
        json={"releasePipelineKey": "standard-release"},
    )
    ids = [phase["_id"] for phase in release["phases"]]
    ld("GET", "/api/v2/flags/default/new-checkout/release")
    ld(
        "PUT",
        f"/api/v2/projects/default/flags/new-checkout/release/phases/{ids[0]}",
        json={"status": "active"},
    )
    ld(
        "PUT",
        f"/api/v2/projects/default/flags/new-checkout/release/phases/{ids[1]}",
        json={"status": "Started"},
    )
    ga = release["phases"][2]["_audiences"][0]["_id"]
    done = ld(
        "PUT",
        f"/api/v2/projects/default/flags/new-checkout/release/phases/{ids[2]}",
        json={
            "status": "active",
            "audiences": [
                {"audienceId": ga, "notifyTeamKeys": ["qa"], "releaseGuardianConfiguration": GUARDIAN}
            ],
        },
    )
    assert "_completedBy" in done["phases"][1]
    ld("GET", "/api/v2/flags/default/beta-banner/release")
    ld("DELETE", "/api/v2/flags/default/new-checkout/release")


def test_legacy_and_canceled_release_answers_match_the_schema(ld: Client, release_sandbox: Sandbox) -> None:
    ld(
        "PUT",
        "/api/v2/projects/default/flags/dark-mode/release",
        json={"releasePipelineKey": "legacy-rollout"},
    )
    patched = ld(
        "PATCH",
        "/api/v2/flags/default/dark-mode/release",
        json=[
            {"op": "test", "path": "/phases/0/complete", "value": False},
            {"op": "replace", "path": "/phases/0/complete", "value": True},
        ],
    )
    assert patched["phases"][0]["complete"] is True
    ld(
        "PATCH",
        "/api/v2/flags/default/dark-mode/release",
        json=[{"op": "replace", "path": "/phase/1/complete", "value": True}],
    )
    ld(
        "PATCH",
        "/api/v2/flags/default/dark-mode/release",
        json=[{"op": "replace", "path": "/phases/0/complete", "value": False}],
    )
    release_sandbox.cancel_release("default", "beta-banner")
    assert isinstance(ld("GET", "/api/v2/flags/default/beta-banner/release")["_canceledAt"], int)
    release_sandbox.auto_advance(reads=1)
    ld("PUT", "/api/v2/projects/default/flags/search-v2/release", json={"releasePipelineKey": "hotfix"})
    release = ld("GET", "/api/v2/flags/default/search-v2/release")
    ld(
        "PUT",
        f"/api/v2/projects/default/flags/search-v2/release/phases/{release['phases'][0]['_id']}",
        json={"status": "active"},
    )
    ld("GET", "/api/v2/flags/default/search-v2/release")
    assert ld("GET", "/api/v2/flags/default/search-v2/release")["phases"][0]["complete"] is True


def test_release_pipeline_answers_match_the_schema(ld: Client) -> None:
    audience = {
        "environmentKey": "production",
        "name": "Everyone",
        "segmentKeys": ["beta-users"],
        "configuration": {
            "releaseStrategy": "monitoredRelease",
            "requireApproval": True,
            "notifyMemberIds": ["1234"],
            "releaseGuardianConfiguration": {**GUARDIAN, "randomizationUnit": "user"},
        },
    }
    body = {
        "key": "canary",
        "name": "Canary",
        "description": "Canary then everyone",
        "tags": ["canary"],
        "phases": [
            {"name": "Canary", "audiences": [{"environmentKey": "test", "name": "Canary"}]},
            {"name": "Everyone", "audiences": [audience], "configuration": {}},
        ],
    }
    ld("POST", PIPELINES, json=body)
    ld("POST", PIPELINES, json={**body, "key": "legacy-canary", "isLegacy": True, "isProjectDefault": True})
    ld("GET", PIPELINES)
    ld("GET", PIPELINES, params={"filter": "query:canary,env:test", "limit": 1, "offset": 1})
    ld("GET", f"{PIPELINES}/canary")
    ld("PUT", f"{PIPELINES}/canary", json={"name": "Canary 2", "phases": body["phases"][1:]})
    ld("DELETE", f"{PIPELINES}/hotfix")
    ld("PUT", "/api/v2/projects/default/flags/new-checkout/release", json={"releasePipelineKey": "canary"})
    ld(
        "PUT",
        "/api/v2/projects/default/flags/dark-mode/release",
        json={"releasePipelineKey": "standard-release"},
    )


def test_pipeline_releases_answers_match_the_schema(ld: Client, release_sandbox: Sandbox) -> None:
    releases = f"{PIPELINES}/standard-release/releases"
    for flag in ("new-checkout", "dark-mode", "search-v2"):
        ld(
            "PUT",
            f"/api/v2/projects/default/flags/{flag}/release",
            json={"releasePipelineKey": "standard-release"},
        )
    for _ in range(3):
        release_sandbox.complete_phase("default", "dark-mode")
    release_sandbox.cancel_release("default", "search-v2")
    everything = ld("GET", releases)
    assert everything["completedCount"] == 1 and everything["activeCount"] == 2
    ld("GET", releases, params={"filter": "status:completed"})
    ld("GET", releases, params={"filter": "status:active", "limit": 1})
    ld("GET", f"{PIPELINES}/hotfix/releases")


def test_every_documented_route_the_sandbox_serves_is_checked(spec: Spec, release_sandbox: Sandbox) -> None:
    """The scenarios above reach each documented operation (this test runs them once more)."""
    ld = Client(release_sandbox, spec)
    test_flag_release_answers_match_the_schema(ld)
    test_legacy_and_canceled_release_answers_match_the_schema(ld, release_sandbox)
    release_sandbox.reset()
    test_release_pipeline_answers_match_the_schema(ld)
    release_sandbox.reset()
    test_pipeline_releases_answers_match_the_schema(ld, release_sandbox)
    documented = {(method, op["operationId"]) for method, _, op in spec.operations}
    assert ld.checked == documented


def test_a_sandbox_of_its_own_seed_matches_too(spec: Spec) -> None:
    seed = {
        "projects": [
            {
                "key": "shop",
                "environments": [{"key": "prod", "name": "Prod"}],
                "pipelines": [
                    {
                        "key": "one",
                        "name": "One",
                        "phases": [{"name": "All", "audiences": [{"environmentKey": "prod", "name": "All"}]}],
                    }
                ],
                "flags": [{"key": "f"}],
                "releases": [{"flagKey": "f", "releasePipelineKey": "one", "phases": ["completed"]}],
            }
        ]
    }
    with sandbox(seed={"launchdarkly": seed}) as server:
        client = Client(server, spec)
        client("GET", "/api/v2/flags/shop/f/release")
        client("GET", "/api/v2/projects/shop/release-pipelines/one/releases")
        client("GET", "/api/v2/projects/shop/release-pipelines")
