"""The LaunchDarkly sandbox's own contract, over real HTTP with plain ``requests``."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests

from airflow_provider_releases_sandbox import Sandbox, sandbox
from airflow_provider_releases_sandbox.core import now_ms
from airflow_provider_releases_sandbox.launchdarkly import ACCESS_TOKEN

HEADERS = {"Authorization": ACCESS_TOKEN, "LD-API-Version": "beta"}
PIPELINES = "/api/v2/projects/default/release-pipelines"
RELEASE_KEYS = {
    "name",
    "releasePipelineKey",
    "releasePipelineDescription",
    "phases",
    "_version",
    "_links",
    "_releaseVariationId",
}
PHASE_KEYS = {"_id", "_name", "complete", "_creationDate", "_audiences", "status", "started", "configuration"}
PIPELINE_KEYS = {
    "createdAt",
    "description",
    "key",
    "name",
    "phases",
    "tags",
    "_version",
    "isProjectDefault",
    "_isLegacy",
}

SEED = {
    "access_token": "api-custom-token",
    "max_pipelines": 3,
    "projects": [
        {
            "key": "shop",
            "name": "Shop",
            "environments": [{"key": "prod", "name": "Prod", "color": "000000"}],
            "pipelines": [
                {
                    "key": "two-step",
                    "name": "Two step",
                    "phases": [
                        {
                            "name": "First",
                            "id": "phase-first",
                            "audiences": [{"environmentKey": "prod", "name": "A"}],
                        },
                        {"name": "Second", "audiences": [{"environmentKey": "prod", "name": "B"}]},
                    ],
                }
            ],
            "flags": [
                {
                    "key": "switch",
                    "variations": [{"_id": "var-on", "value": True}, {"_id": "var-off", "value": False}],
                },
                {"key": "done-flag"},
                {"key": "other"},
            ],
            "releases": [
                {
                    "flagKey": "done-flag",
                    "releasePipelineKey": "two-step",
                    "phases": ["completed", "completed"],
                }
            ],
        }
    ],
}


class LD:
    """A tiny client: the sandbox's LaunchDarkly base URL and the right headers."""

    def __init__(self, server: Sandbox, headers: dict[str, str] | None = None) -> None:
        self.server = server
        self.base = server.url("launchdarkly")
        self.headers = HEADERS if headers is None else headers

    def __call__(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return requests.request(method, self.base + path, headers=headers, timeout=10, **kwargs)

    def create(
        self, flag: str, pipeline: str = "standard-release", project: str = "default", **body: Any
    ) -> dict:
        answer = self(
            "PUT",
            f"/api/v2/projects/{project}/flags/{flag}/release",
            json={"releasePipelineKey": pipeline, **body},
        )
        assert answer.status_code == 200, answer.text
        return answer.json()

    def release(self, flag: str, project: str = "default") -> requests.Response:
        return self("GET", f"/api/v2/flags/{project}/{flag}/release")

    def start(self, flag: str, phase_id: str, project: str = "default", **body: Any) -> requests.Response:
        body.setdefault("status", "active")
        return self("PUT", f"/api/v2/projects/{project}/flags/{flag}/release/phases/{phase_id}", json=body)

    def patch(self, flag: str, patch: Any, project: str = "default") -> requests.Response:
        return self("PATCH", f"/api/v2/flags/{project}/{flag}/release", json=patch)


@pytest.fixture
def ld(release_sandbox: Sandbox) -> LD:
    return LD(release_sandbox)


@pytest.fixture
def custom() -> Any:
    with sandbox(seed={"launchdarkly": SEED}) as server:
        yield LD(server, {"Authorization": "api-custom-token", "LD-API-Version": "beta"})


def assert_error(answer: requests.Response, status: int, code: str, *fragments: str) -> dict:
    assert answer.status_code == status, answer.text
    assert answer.headers["Content-Type"] == "application/json"
    body = answer.json()
    assert set(body) == {"code", "message"}
    assert body["code"] == code
    for fragment in fragments:
        assert fragment in body["message"]
    return body


def statuses(release: dict) -> list[tuple[str, bool]]:
    return [(phase["status"], phase["complete"]) for phase in release["phases"]]


# Auth


def test_no_token_is_401(ld):
    answer = ld("GET", PIPELINES, headers={"Authorization": ""})
    assert_error(answer, 401, "unauthorized", "No access token")


@pytest.mark.parametrize("token", ["api-wrong-token", f"Bearer {ACCESS_TOKEN}", f"Basic {ACCESS_TOKEN}"])
def test_a_wrong_token_or_a_scheme_prefix_is_401(ld, token):
    assert_error(
        ld("GET", PIPELINES, headers={"Authorization": token}), 401, "unauthorized", "Invalid access token"
    )


@pytest.mark.parametrize("version", [None, "20240415", "Beta"])
def test_without_the_beta_header_the_release_endpoints_answer_403(ld, version):
    headers = {"Authorization": ACCESS_TOKEN}
    if version:
        headers["LD-API-Version"] = version
    answer = LD(ld.server, headers)("GET", "/api/v2/flags/default/beta-banner/release")
    assert_error(answer, 403, "forbidden", "LD-API-Version: beta")


def test_caller_identity_needs_no_beta_header(ld):
    answer = LD(ld.server, {"Authorization": ACCESS_TOKEN})("GET", "/api/v2/caller-identity")
    assert answer.status_code == 200
    body = answer.json()
    assert body["authKind"] == "token"
    assert body["projectName"] == "Default"
    assert body["tokenName"] == "Sandbox API token"


def test_caller_identity_still_needs_the_token(ld):
    answer = LD(ld.server, {})("GET", "/api/v2/caller-identity")
    assert_error(answer, 401, "unauthorized")


def test_auth_is_checked_before_unknown_paths(ld):
    assert_error(ld("GET", "/api/v2/nothing-here", headers={"Authorization": "x"}), 401, "unauthorized")
    assert_error(ld("GET", "/api/v2/nothing-here"), 404, "not_found")


def test_a_method_not_served_on_a_known_path_is_405(ld):
    assert_error(ld("POST", "/api/v2/flags/default/beta-banner/release", json={}), 405, "method_not_allowed")


# Flag releases: create


def test_create_flag_release_answers_the_release_shaped_like_the_docs(ld):
    release = ld.create("new-checkout")
    assert set(release) == RELEASE_KEYS
    assert release["name"] == "Standard release"
    assert release["releasePipelineKey"] == "standard-release"
    assert release["releasePipelineDescription"] == "Test internally, open a beta, then release to everyone"
    assert release["_version"] == 1
    assert release["_links"]["self"]["href"] == "/api/v2/flags/default/new-checkout/release"
    assert [phase["_name"] for phase in release["phases"]] == ["Testing", "Beta", "General availability"]
    first = release["phases"][0]
    assert set(first) == PHASE_KEYS
    assert isinstance(first["_creationDate"], int) and len(str(first["_creationDate"])) == 13
    assert (first["status"], first["started"], first["complete"]) == ("not-started", False, False)
    audience = first["_audiences"][0]
    assert audience["name"] == "QA team"
    assert audience["environment"]["key"] == "test"
    assert audience["environment"]["_links"]["self"]["href"] == "/api/v2/projects/default/environments/test"
    assert audience["status"] == "not-started"
    ga = release["phases"][2]["_audiences"][0]["configuration"]
    assert ga["releaseGuardianConfiguration"]["rolloutWeight"] == 50
    assert ld.release("new-checkout").json() == release


def test_release_phase_ids_are_the_pipeline_phase_ids(ld):
    pipeline = ld("GET", f"{PIPELINES}/hotfix").json()
    release = ld.create("dark-mode", "hotfix")
    assert [phase["_id"] for phase in release["phases"]] == [phase["id"] for phase in pipeline["phases"]]


def test_the_release_variation_defaults_to_the_true_variation_and_can_be_chosen(custom):
    assert custom.create("switch", "two-step", project="shop")["_releaseVariationId"] == "var-on"
    assert custom("DELETE", "/api/v2/flags/shop/switch/release").status_code == 204
    release = custom.create("switch", "two-step", project="shop", releaseVariationId="var-off")
    assert release["_releaseVariationId"] == "var-off"


def test_a_variation_of_another_flag_is_400(custom):
    answer = custom(
        "PUT",
        "/api/v2/projects/shop/flags/switch/release",
        json={"releasePipelineKey": "two-step", "releaseVariationId": "nope"},
    )
    assert_error(answer, 400, "invalid_request", "'nope' is not a variation of flag 'switch'")


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (None, "the request has no body"),
        (b"{not json", "not valid JSON"),
        (b"[]", "must be a JSON object"),
        ({}, "releasePipelineKey is required"),
        ({"releasePipelineKey": ""}, "must be a non-empty string"),
        ({"releasePipelineKey": 5}, "must be a non-empty string"),
        ({"releasePipelineKey": "hotfix", "releaseVariationId": 3}, "releaseVariationId must be"),
    ],
)
def test_create_flag_release_validates_the_body(ld, body, fragment):
    path = "/api/v2/projects/default/flags/new-checkout/release"
    kwargs = {"data": body} if isinstance(body, bytes) or body is None else {"json": body}
    assert_error(ld("PUT", path, **kwargs), 400, "invalid_request", fragment)
    assert ld.release("new-checkout").status_code == 404


def test_only_boolean_flags_can_join_a_pipeline(ld):
    answer = ld(
        "PUT", "/api/v2/projects/default/flags/pricing-tier/release", json={"releasePipelineKey": "hotfix"}
    )
    assert_error(answer, 400, "invalid_request", "Only boolean flags can be added to a release pipeline")


@pytest.mark.parametrize(
    ("path", "fragment"),
    [
        ("/api/v2/projects/nope/flags/new-checkout/release", "Unknown project 'nope'"),
        ("/api/v2/projects/default/flags/nope/release", "Unknown flag 'nope'"),
    ],
)
def test_create_flag_release_for_an_unknown_project_or_flag_is_404(ld, path, fragment):
    assert_error(ld("PUT", path, json={"releasePipelineKey": "hotfix"}), 404, "not_found", fragment)


def test_create_flag_release_on_an_unknown_pipeline_is_404(ld):
    answer = ld(
        "PUT", "/api/v2/projects/default/flags/new-checkout/release", json={"releasePipelineKey": "nope"}
    )
    assert_error(answer, 404, "not_found", "Unknown release pipeline 'nope'")


def test_a_flag_with_a_release_in_progress_cannot_get_another_409(ld):
    answer = ld(
        "PUT", "/api/v2/projects/default/flags/beta-banner/release", json={"releasePipelineKey": "hotfix"}
    )
    assert_error(answer, 409, "conflict", "already has a release on pipeline 'standard-release'")
    assert ld.release("beta-banner").json()["releasePipelineKey"] == "standard-release"


def test_a_canceled_or_complete_release_is_replaced(ld, custom):
    ld.server.cancel_release("default", "beta-banner")
    assert ld.create("beta-banner", "hotfix")["releasePipelineKey"] == "hotfix"
    assert "_canceledAt" not in ld.release("beta-banner").json()
    replaced = custom.create("done-flag", "two-step", project="shop")
    assert statuses(replaced) == [("not-started", False), ("not-started", False)]


def test_get_and_delete_of_a_flag_without_release_are_404(ld):
    assert_error(ld.release("new-checkout"), 404, "not_found", "Flag 'new-checkout' has no release")
    assert_error(ld("DELETE", "/api/v2/flags/default/new-checkout/release"), 404, "not_found")
    assert_error(ld("GET", "/api/v2/flags/nope/new-checkout/release"), 404, "not_found", "Unknown project")
    assert_error(ld("GET", "/api/v2/flags/default/nope/release"), 404, "not_found", "Unknown flag")


def test_delete_flag_release_answers_204_with_no_body(ld):
    answer = ld("DELETE", "/api/v2/flags/default/beta-banner/release")
    assert answer.status_code == 204
    assert answer.content == b""
    assert ld.release("beta-banner").status_code == 404


# Starting phases


def test_starting_the_first_phase(ld):
    release = ld.create("new-checkout")
    answer = ld.start("new-checkout", release["phases"][0]["_id"])
    assert answer.status_code == 200
    started = answer.json()
    first = started["phases"][0]
    assert (first["status"], first["started"], first["complete"]) == ("active", True, False)
    assert isinstance(first["_startedDate"], int) and first["_startedDate"] >= first["_creationDate"]
    assert first["_audiences"][0]["status"] == "active"
    assert "_startedDate" not in started["phases"][1]
    assert started["_version"] == 2
    assert ld.release("new-checkout").json() == started


def test_the_started_spelling_of_the_docs_example_is_accepted_and_reads_active(ld):
    release = ld.create("new-checkout")
    answer = ld.start("new-checkout", release["phases"][0]["_id"], status="Started")
    assert answer.json()["phases"][0]["status"] == "active"


def test_starting_the_next_phase_completes_the_active_one(ld):
    release = ld.create("new-checkout")
    ids = [phase["_id"] for phase in release["phases"]]
    ld.start("new-checkout", ids[0])
    answer = ld.start("new-checkout", ids[1])
    assert answer.status_code == 200
    after = answer.json()
    assert statuses(after) == [("completed", True), ("active", False), ("not-started", False)]
    done = after["phases"][0]
    assert isinstance(done["_completionDate"], int)
    assert done["_completionDate"] >= done["_startedDate"]
    assert done["_completedBy"]["token"]["name"] == "Sandbox API token"
    assert done["_audiences"][0]["status"] == "completed"
    assert after["_version"] == 3


def test_starting_the_active_phase_again_changes_nothing(ld):
    release = ld.create("new-checkout")
    first = ld.start("new-checkout", release["phases"][0]["_id"]).json()
    again = ld.start("new-checkout", release["phases"][0]["_id"])
    assert again.status_code == 200
    assert again.json() == first


def test_phases_start_in_order(ld):
    release = ld.create("new-checkout")
    answer = ld.start("new-checkout", release["phases"][2]["_id"])
    assert_error(answer, 400, "invalid_request", "Phases start in order: start phase 'Testing'")


def test_a_complete_phase_cannot_start_again(ld):
    beta_banner = ld.release("beta-banner").json()
    answer = ld.start("beta-banner", beta_banner["phases"][0]["_id"])
    assert_error(answer, 400, "invalid_request", "Phase 'Testing' is already complete")


def test_starting_a_phase_of_a_canceled_release_is_400(ld):
    ld.server.cancel_release("default", "beta-banner")
    phase_id = ld.release("beta-banner").json()["phases"][2]["_id"]
    assert_error(ld.start("beta-banner", phase_id), 400, "invalid_request", "was canceled")


def test_starting_a_phase_of_a_legacy_release_is_400(ld):
    release = ld.create("new-checkout", "legacy-rollout")
    answer = ld.start("new-checkout", release["phases"][1]["_id"])
    assert_error(answer, 400, "invalid_request", "legacy release pipeline", "PATCH")


def test_unknown_phase_or_flag_without_release_is_404(ld):
    assert_error(ld.start("beta-banner", "nope"), 404, "not_found", "has no phase 'nope'")
    assert_error(ld.start("new-checkout", "nope"), 404, "not_found", "has no release")


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({}, "status is required"),
        ({"status": 1}, "must be a non-empty string"),
        ({"status": "completed"}, "Invalid status 'completed'"),
        ({"status": "active", "audiences": {}}, "audiences must be an array"),
        ({"status": "active", "audiences": ["x"]}, "audiences[0] must be an object"),
        ({"status": "active", "audiences": [{}]}, "audienceId is required"),
        ({"status": "active", "audiences": [{"audienceId": "nope"}]}, "is not an audience of phase 'General"),
        (
            {"status": "active", "audiences": [{"audienceId": "A", "notifyTeamKeys": "t"}]},
            "must be an array of strings",
        ),
        (
            {
                "status": "active",
                "audiences": [{"audienceId": "A", "releaseGuardianConfiguration": {"rolloutWeight": "5"}}],
            },
            "rolloutWeight must be an integer",
        ),
        (
            {
                "status": "active",
                "audiences": [{"audienceId": "A", "releaseGuardianConfiguration": {"rolloutWeight": 500}}],
            },
            "between 0 and 100",
        ),
    ],
)
def test_update_phase_status_validates_the_body(ld, body, fragment):
    release = ld.release("beta-banner").json()
    ga = release["phases"][2]
    for audience in body.get("audiences") or []:
        if isinstance(audience, dict) and audience.get("audienceId") == "A":
            audience["audienceId"] = ga["_audiences"][0]["_id"]
    assert_error(
        ld.start("beta-banner", ga["_id"], **body)
        if body
        else ld("PUT", f"/api/v2/projects/default/flags/beta-banner/release/phases/{ga['_id']}", json=body),
        400,
        "invalid_request",
        fragment,
    )
    assert ld.release("beta-banner").json() == release


def test_a_guardian_configuration_for_an_audience_without_one_must_be_complete(ld):
    # The release's answer must carry a whole ReleaseGuardianConfiguration (three required fields).
    release = ld.create("new-checkout")
    beta_id = release["phases"][1]["_id"]
    audience_id = release["phases"][1]["_audiences"][0]["_id"]
    partial = [{"audienceId": audience_id, "releaseGuardianConfiguration": {"rolloutWeight": 5}}]
    ld.start("new-checkout", release["phases"][0]["_id"])
    before = ld.release("new-checkout").json()
    assert_error(
        ld.start("new-checkout", beta_id, audiences=partial),
        400,
        "invalid_request",
        "audiences[0].releaseGuardianConfiguration.monitoringWindowMilliseconds is required",
        "has no release guardian configuration to complete",
    )
    assert ld.release("new-checkout").json() == before
    whole = {"monitoringWindowMilliseconds": 1000, "rolloutWeight": 5, "rollbackOnRegression": False}
    partial[0]["releaseGuardianConfiguration"] = whole
    started = ld.start("new-checkout", beta_id, audiences=partial).json()
    assert started["phases"][1]["_audiences"][0]["configuration"]["releaseGuardianConfiguration"] == whole


def test_audience_settings_given_at_start_show_in_the_release(ld):
    ga = ld.release("beta-banner").json()["phases"][2]
    audience_id = ga["_audiences"][0]["_id"]
    audiences = [
        {
            "audienceId": audience_id,
            "notifyMemberIds": ["m-1"],
            "releaseGuardianConfiguration": {"rolloutWeight": 25, "monitoringWindowMilliseconds": 60000},
        }
    ]
    answer = ld.start("beta-banner", ga["_id"], audiences=audiences)
    configuration = answer.json()["phases"][2]["_audiences"][0]["configuration"]
    assert configuration["notifyMemberIds"] == ["m-1"]
    assert configuration["notifyTeamKeys"] == ["release-managers"]
    assert configuration["releaseGuardianConfiguration"] == {
        "monitoringWindowMilliseconds": 60000,
        "rolloutWeight": 25,
        "rollbackOnRegression": True,
        "randomizationUnit": "user",
    }


# Legacy releases: JSON Patch


def test_a_legacy_release_starts_its_first_phase_at_once(ld):
    release = ld.create("new-checkout", "legacy-rollout")
    assert statuses(release) == [("active", False), ("not-started", False)]


def test_patch_completes_legacy_phases_in_turn(ld):
    ld.create("new-checkout", "legacy-rollout")
    answer = ld.patch("new-checkout", [{"op": "replace", "path": "/phases/0/complete", "value": True}])
    assert answer.status_code == 200
    assert statuses(answer.json()) == [("completed", True), ("active", False)]
    assert answer.json()["_version"] == 2
    done = ld.patch("new-checkout", [{"op": "replace", "path": "/phase/1/complete", "value": True}]).json()
    assert statuses(done) == [("completed", True), ("completed", True)]
    progress = ld("GET", f"{PIPELINES}/legacy-rollout/releases", params={"filter": "status:completed"}).json()
    assert [item["flagKey"] for item in progress["items"]] == ["new-checkout"]
    assert isinstance(progress["items"][0]["_completedAt"], int)


def test_patch_can_mark_a_legacy_phase_incomplete_again(ld):
    ld.create("new-checkout", "legacy-rollout")
    ld.patch("new-checkout", [{"op": "replace", "path": "/phases/0/complete", "value": True}])
    answer = ld.patch(
        "new-checkout",
        [
            {"op": "test", "path": "/phases/0/complete", "value": True},
            {"op": "replace", "path": "/phases/0/complete", "value": False},
        ],
    )
    after = answer.json()
    assert statuses(after) == [("active", False), ("not-started", False)]
    assert "_completionDate" not in after["phases"][0]


@pytest.mark.parametrize(
    ("patch", "fragment"),
    [
        ({"op": "replace"}, "non-empty JSON Patch array"),
        ([], "non-empty JSON Patch array"),
        (["x"], "patch operation 0 must be an object"),
        ([{"op": "frobnicate", "path": "/phases/0/complete", "value": True}], "not a JSON Patch operation"),
        ([{"op": "replace", "value": True}], "path is required"),
        ([{"op": "remove", "path": "/phases/0/complete"}], "only replace of /phases/{index}/complete"),
        ([{"op": "replace", "path": "/name", "value": "x"}], "only replace of /phases/{index}/complete"),
        ([{"op": "replace", "path": "/phases/0/complete", "value": "yes"}], "value must be true or false"),
        ([{"op": "replace", "path": "/phases/2/complete", "value": True}], "phase index 2 is out of range"),
        ([{"op": "test", "path": "/phases/0/complete", "value": True}], "test failed"),
    ],
)
def test_patch_validates_the_operations(ld, patch, fragment):
    release = ld.create("new-checkout", "legacy-rollout")
    assert_error(ld.patch("new-checkout", patch), 400, "invalid_request", fragment)
    assert ld.release("new-checkout").json() == release


def test_patch_of_a_release_on_a_current_pipeline_is_400(ld):
    answer = ld.patch("beta-banner", [{"op": "replace", "path": "/phases/1/complete", "value": True}])
    assert_error(answer, 400, "invalid_request", "not legacy", "/release/phases/{phaseId}")


def test_patch_of_a_flag_without_release_is_404(ld):
    answer = ld.patch("new-checkout", [{"op": "replace", "path": "/phases/0/complete", "value": True}])
    assert_error(answer, 404, "not_found")


# Release pipelines


def test_list_release_pipelines(ld):
    answer = ld("GET", PIPELINES)
    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == {"items", "totalCount"}
    assert body["totalCount"] == 3
    assert [item["key"] for item in body["items"]] == ["standard-release", "hotfix", "legacy-rollout"]
    standard = body["items"][0]
    assert set(standard) == PIPELINE_KEYS
    assert standard["isProjectDefault"] is True and standard["_isLegacy"] is False
    assert [phase["name"] for phase in standard["phases"]] == ["Testing", "Beta", "General availability"]
    assert standard["phases"][1]["audiences"][0]["segmentKeys"] == ["beta-users"]
    assert body["items"][2]["_isLegacy"] is True and body["items"][2]["isProjectDefault"] is False


@pytest.mark.parametrize(
    ("filter_", "keys"),
    [
        ("query:HOT", ["hotfix"]),
        ("query:json patch", ["legacy-rollout"]),
        ("query:then", ["standard-release", "hotfix"]),
        ("env:test", ["standard-release", "hotfix", "legacy-rollout"]),
        ("query:standard,env:production", ["standard-release"]),
        ("env:staging", []),
    ],
)
def test_list_release_pipelines_filters(ld, filter_, keys):
    body = ld("GET", PIPELINES, params={"filter": filter_}).json()
    assert [item["key"] for item in body["items"]] == keys
    assert body["totalCount"] == len(keys)


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"filter": "tag:x"}, "Unsupported filter field 'tag'"),
        ({"filter": "query"}, "Invalid filter 'query'"),
        ({"filter": "query:"}, "Invalid filter 'query:'"),
        ({"limit": "0"}, "limit=0 must be between 1 and 100"),
        ({"limit": "101"}, "limit=101 must be between 1 and 100"),
        ({"limit": "ten"}, "limit='ten' must be an integer"),
        ({"offset": "-1"}, "offset=-1 must be at least 0"),
    ],
)
def test_list_release_pipelines_rejects_bad_parameters(ld, params, fragment):
    assert_error(ld("GET", PIPELINES, params=params), 400, "invalid_request", fragment)


def test_list_release_pipelines_pages_by_limit_and_offset(ld):
    pages = [ld("GET", PIPELINES, params={"limit": 2, "offset": offset}).json() for offset in (0, 2, 4)]
    assert [[item["key"] for item in page["items"]] for page in pages] == [
        ["standard-release", "hotfix"],
        ["legacy-rollout"],
        [],
    ]
    assert {page["totalCount"] for page in pages} == {3}


def test_an_unknown_project_is_404_for_pipelines(ld):
    assert_error(
        ld("GET", "/api/v2/projects/nope/release-pipelines"), 404, "not_found", "Unknown project 'nope'"
    )
    assert_error(ld("GET", f"{PIPELINES}/nope"), 404, "not_found", "Unknown release pipeline 'nope'")
    assert_error(ld("GET", f"{PIPELINES}/nope/releases"), 404, "not_found")
    assert_error(ld("PUT", f"{PIPELINES}/nope", json={}), 404, "not_found")
    assert_error(ld("DELETE", f"{PIPELINES}/nope"), 404, "not_found")


def new_pipeline(key: str = "canary", **extra: Any) -> dict[str, Any]:
    return {
        "key": key,
        "name": f"Pipeline {key}",
        "description": "Canary then everyone",
        "phases": [
            {
                "name": "Canary",
                "audiences": [{"environmentKey": "production", "name": "Canary", "segmentKeys": ["c"]}],
            },
            {
                "name": "Everyone",
                "audiences": [
                    {
                        "environmentKey": "production",
                        "name": "All",
                        "configuration": {"releaseStrategy": "immediate-rollout", "requireApproval": False},
                    }
                ],
            },
        ],
        **extra,
    }


def test_create_release_pipeline_answers_201_with_the_pipeline(ld):
    answer = ld("POST", PIPELINES, json=new_pipeline(tags=["canary"]))
    assert answer.status_code == 201
    pipeline = answer.json()
    assert set(pipeline) == PIPELINE_KEYS
    assert (pipeline["key"], pipeline["name"], pipeline["_version"]) == ("canary", "Pipeline canary", 1)
    assert pipeline["isProjectDefault"] is False and pipeline["_isLegacy"] is False
    assert pipeline["tags"] == ["canary"]
    assert pipeline["createdAt"].endswith("Z")
    assert len(pipeline["phases"][0]["id"]) == 24
    assert ld("GET", f"{PIPELINES}/canary").json() == pipeline
    assert ld.create("new-checkout", "canary")["releasePipelineDescription"] == "Canary then everyone"


def test_a_new_default_pipeline_takes_over_the_default(ld):
    ld("POST", PIPELINES, json=new_pipeline(isProjectDefault=True, isLegacy=True))
    items = {item["key"]: item for item in ld("GET", PIPELINES).json()["items"]}
    assert items["canary"]["isProjectDefault"] is True and items["canary"]["_isLegacy"] is True
    assert items["standard-release"]["isProjectDefault"] is False


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"key": None}, "key is required"),
        ({"key": "bad key"}, "is not a valid key"),
        ({"name": ""}, "name in the request body must be a non-empty string"),
        ({"phases": []}, "phases is required"),
        ({"phases": [{"name": "x"}]}, "phases[0].audiences is required"),
        ({"phases": [{"audiences": []}]}, "name is required in phases[0]"),
        (
            {"phases": [{"name": "x", "audiences": [{"environmentKey": "moon", "name": "a"}]}]},
            "unknown environment 'moon'",
        ),
        (
            {
                "phases": [
                    {
                        "name": "x",
                        "audiences": [
                            {"environmentKey": "test", "name": "a", "configuration": {"releaseStrategy": "r"}}
                        ],
                    }
                ]
            },
            "requireApproval is required",
        ),
        ({"tags": "t"}, "tags must be an array of strings"),
        ({"isLegacy": "yes"}, "isLegacy must be true or false"),
    ],
)
def test_create_release_pipeline_validates_the_body(ld, change, fragment):
    body = {key: value for key, value in {**new_pipeline(), **change}.items() if value is not None}
    assert_error(ld("POST", PIPELINES, json=body), 400, "invalid_request", fragment)
    assert ld("GET", PIPELINES).json()["totalCount"] == 3


def test_a_duplicate_pipeline_key_is_409(ld):
    assert_error(
        ld("POST", PIPELINES, json=new_pipeline("hotfix")), 409, "conflict", "'hotfix' already exists"
    )


def test_a_project_holds_at_most_max_pipelines(ld, custom):
    for number in range(17):
        assert ld("POST", PIPELINES, json=new_pipeline(f"p{number}")).status_code == 201
    assert_error(ld("POST", PIPELINES, json=new_pipeline("p99")), 400, "invalid_request", "the limit is 20")
    path = "/api/v2/projects/shop/release-pipelines"
    body = {
        "key": "k",
        "name": "n",
        "phases": [{"name": "x", "audiences": [{"environmentKey": "prod", "name": "a"}]}],
    }
    assert custom("POST", path, json=body).status_code == 201
    assert custom("POST", path, json={**body, "key": "k2"}).status_code == 201
    assert_error(custom("POST", path, json={**body, "key": "k3"}), 400, "invalid_request", "the limit is 3")


def test_update_release_pipeline(ld):
    original = ld("GET", f"{PIPELINES}/hotfix").json()
    body = {
        "name": "Hotfix v2",
        "phases": [
            {"name": "Production", "audiences": [{"environmentKey": "production", "name": "Everyone"}]},
            {"name": "Cleanup", "audiences": [{"environmentKey": "test", "name": "QA"}]},
        ],
    }
    answer = ld("PUT", f"{PIPELINES}/hotfix", json=body)
    assert answer.status_code == 200
    updated = answer.json()
    assert (updated["name"], updated["_version"]) == ("Hotfix v2", 2)
    assert updated["description"] == original["description"]
    assert updated["phases"][0]["id"] == original["phases"][1]["id"]
    assert updated["phases"][1]["id"] not in {phase["id"] for phase in original["phases"]}
    assert ld("GET", f"{PIPELINES}/hotfix").json() == updated


def test_update_release_pipeline_validates_the_body(ld):
    assert_error(
        ld("PUT", f"{PIPELINES}/hotfix", json={"phases": []}), 400, "invalid_request", "name is required"
    )
    answer = ld("PUT", f"{PIPELINES}/hotfix", json={"name": "x", "key": "y", "phases": []})
    assert_error(answer, 400, "invalid_request", "phases is required")


def test_delete_release_pipeline(ld):
    answer = ld("DELETE", f"{PIPELINES}/hotfix")
    assert answer.status_code == 204 and answer.content == b""
    assert_error(ld("GET", f"{PIPELINES}/hotfix"), 404, "not_found")


def test_the_default_pipeline_cannot_be_deleted(ld):
    answer = ld("DELETE", f"{PIPELINES}/standard-release")
    assert_error(answer, 400, "invalid_request", "is the project's default and cannot be deleted")


# Pipeline releases (progressions)


def progress(ld: LD, pipeline: str = "standard-release", **params: Any) -> dict[str, Any]:
    answer = ld("GET", f"{PIPELINES}/{pipeline}/releases", params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_list_pipeline_releases_shape_and_counts(ld):
    ld.create("new-checkout")
    ld.create("dark-mode")
    ld.server.cancel_release("default", "dark-mode")
    ld.create("search-v2")
    for _ in range(3):
        ld.server.complete_phase("default", "search-v2")
    body = progress(ld)
    assert set(body) == {"activeCount", "completedCount", "items", "phases", "totalCount", "_links"}
    assert (body["activeCount"], body["completedCount"], body["totalCount"]) == (2, 1, 4)
    assert [item["flagKey"] for item in body["items"]] == [
        "beta-banner",
        "new-checkout",
        "dark-mode",
        "search-v2",
    ]
    banner, checkout, dark, search = body["items"]
    beta_id = body["phases"][1]["_id"]
    assert banner["activePhaseId"] == beta_id
    assert "activePhaseId" not in checkout and "activePhaseId" not in dark
    assert isinstance(search["_completedAt"], int) and "_completedAt" not in banner
    assert banner["_links"]["self"]["href"] == "/api/v2/flags/default/beta-banner/release"
    assert [(phase["name"], phase["releaseCount"]) for phase in body["phases"]] == [
        ("Testing", 0),
        ("Beta", 1),
        ("General availability", 0),
    ]


@pytest.mark.parametrize("filter_", ["status:active", "status equals active"])
def test_list_pipeline_releases_filters_by_status(ld, filter_):
    ld.create("search-v2")
    for _ in range(3):
        ld.server.complete_phase("default", "search-v2")
    assert [item["flagKey"] for item in progress(ld, filter=filter_)["items"]] == ["beta-banner"]
    completed = progress(ld, filter="status:completed")
    assert [item["flagKey"] for item in completed["items"]] == ["search-v2"]
    assert completed["totalCount"] == 1


def test_list_pipeline_releases_filters_by_active_phase(ld):
    release = ld.create("new-checkout")
    ld.start("new-checkout", release["phases"][0]["_id"])
    testing, beta = release["phases"][0]["_id"], release["phases"][1]["_id"]
    assert [item["flagKey"] for item in progress(ld, filter=f"activePhaseId:{testing}")["items"]] == [
        "new-checkout"
    ]
    both = progress(ld, filter=f"status:active,activePhaseId:{beta}")
    assert [item["flagKey"] for item in both["items"]] == ["beta-banner"]


@pytest.mark.parametrize(
    ("filter_", "fragment"),
    [
        ("status:done", "Invalid status filter 'done'"),
        ("status:completed,activePhaseId:x", "disjoint"),
        ("flagKey:x", "Unsupported filter field 'flagKey'"),
    ],
)
def test_list_pipeline_releases_rejects_bad_filters(ld, filter_, fragment):
    answer = ld("GET", f"{PIPELINES}/standard-release/releases", params={"filter": filter_})
    assert_error(answer, 400, "invalid_request", fragment)


def test_list_pipeline_releases_pages(ld):
    for flag in ("new-checkout", "dark-mode"):
        ld.create(flag)
    pages = [progress(ld, limit=2, offset=offset) for offset in (0, 2)]
    assert [[item["flagKey"] for item in page["items"]] for page in pages] == [
        ["beta-banner", "new-checkout"],
        ["dark-mode"],
    ]
    assert {page["totalCount"] for page in pages} == {3}
    assert_error(ld("GET", f"{PIPELINES}/hotfix/releases", params={"limit": "500"}), 400, "invalid_request")


# Controls


def test_complete_phase_starts_the_first_phase_of_a_release_never_started(ld):
    ld.create("new-checkout")
    release = ld.server.complete_phase("default", "new-checkout")
    assert statuses(release) == [("completed", True), ("active", False), ("not-started", False)]
    assert "_completedBy" not in release["phases"][0]
    assert release["_version"] == 2
    assert ld.release("new-checkout").json() == release


def test_complete_phase_runs_the_release_to_its_end(ld):
    ld.server.complete_phase("default", "beta-banner")
    release = ld.server.complete_phase("default", "beta-banner")
    assert statuses(release) == [("completed", True)] * 3
    assert (
        ld.server.control("state", service="launchdarkly")["projects"]["default"]["releases"]["beta-banner"][
            "state"
        ]
        == "completed"
    )
    with pytest.raises(
        ValueError, match="Every phase of the release of LaunchDarkly flag 'beta-banner' is already complete"
    ):
        ld.server.complete_phase("default", "beta-banner")


def test_complete_phase_on_a_legacy_release(ld):
    ld.create("new-checkout", "legacy-rollout")
    release = ld.server.complete_phase("default", "new-checkout")
    assert statuses(release) == [("completed", True), ("active", False)]


def test_cancel_release(ld):
    before = ld.release("beta-banner").json()
    release = ld.server.cancel_release("default", "beta-banner")
    assert isinstance(release["_canceledAt"], int) and len(str(release["_canceledAt"])) == 13
    assert release["_version"] == before["_version"] + 1
    assert release["phases"] == before["phases"]
    assert ld.server.cancel_release("default", "beta-banner") == release
    assert ld.release("beta-banner").json() == release
    with pytest.raises(ValueError, match="was canceled"):
        ld.server.complete_phase("default", "beta-banner")


@pytest.mark.parametrize(
    ("project", "flag", "message"),
    [
        ("nope", "beta-banner", "LaunchDarkly project 'nope' is unknown"),
        ("default", "nope", "LaunchDarkly flag 'nope' is unknown in project 'default'"),
        ("default", "new-checkout", "flag 'new-checkout' of project 'default' has no release"),
    ],
)
@pytest.mark.parametrize("action", ["complete_phase", "cancel_release"])
def test_controls_on_a_missing_release_raise_value_error(ld, action, project, flag, message):
    with pytest.raises(ValueError, match=message):
        getattr(ld.server, action)(project, flag)


def test_the_control_api_answers_400_for_a_missing_release(ld):
    answer = requests.post(
        f"{ld.server.base_url}/_sandbox/complete_phase",
        json={"project_key": "default", "flag_key": "new-checkout"},
        timeout=10,
    )
    assert answer.status_code == 400
    assert "has no release" in answer.json()["error"]
    ok = requests.post(
        f"{ld.server.base_url}/_sandbox/complete_phase",
        json={"project_key": "default", "flag_key": "beta-banner"},
        timeout=10,
    )
    assert statuses(ok.json()["result"])[1] == ("completed", True)


def test_auto_advance_after_reads(ld):
    release = ld.create("new-checkout")
    ld.server.auto_advance(reads=2)
    assert statuses(ld.release("new-checkout").json())[0] == ("not-started", False)
    ld.start("new-checkout", release["phases"][0]["_id"])
    seen = [statuses(ld.release("new-checkout").json())[:2] for _ in range(3)]
    assert seen == [
        [("active", False), ("not-started", False)],
        [("active", False), ("not-started", False)],
        [("completed", True), ("active", False)],
    ]
    for _ in range(4):
        last = ld.release("new-checkout").json()
    assert statuses(last) == [("completed", True)] * 3
    assert "activePhaseId" not in progress(ld)["items"][1]


def test_auto_advance_counts_pages_of_the_releases_list_apart_from_the_releases_own_reads(ld):
    release = ld.create("new-checkout")
    testing, beta = (phase["_id"] for phase in release["phases"][:2])
    ld.server.auto_advance(reads=2)
    ld.start("new-checkout", testing)
    # a page that does not show the release does not count
    assert [item["flagKey"] for item in progress(ld, filter=f"activePhaseId:{beta}")["items"]] == [
        "beta-banner"
    ]
    ld.release("new-checkout")  # one read of its own
    pages = [progress(ld, filter=f"activePhaseId:{testing}")["items"] for _ in range(2)]
    assert [[item["flagKey"] for item in items] for items in pages] == [["new-checkout"]] * 2
    assert statuses(ld.release("new-checkout").json()) == [
        ("completed", True),
        ("active", False),
        ("not-started", False),
    ]


def test_auto_advance_after_seconds(ld, monkeypatch):
    backend = ld.server.app.backends["launchdarkly"].model
    clock = [now_ms() + 1_000]
    monkeypatch.setattr(backend, "clock", lambda: clock[0])
    release = ld.create("new-checkout")
    ld.server.auto_advance(seconds=5)
    enabled = clock[0]
    clock[0] += 60_000
    assert statuses(ld.release("new-checkout").json())[0] == ("not-started", False)
    # A phase started before auto-advance was turned on completes 5 s after it was turned on.
    banner = ld.release("beta-banner").json()
    assert statuses(banner) == [("completed", True)] * 3
    assert banner["phases"][1]["_completionDate"] == enabled + 5_000
    assert banner["phases"][2]["_startedDate"] == enabled + 5_000
    assert banner["phases"][2]["_completionDate"] == enabled + 10_000
    started = ld.start("new-checkout", release["phases"][0]["_id"]).json()
    start = started["phases"][0]["_startedDate"]
    assert start == clock[0]
    clock[0] += 4_999
    assert statuses(ld.release("new-checkout").json())[0] == ("active", False)
    clock[0] += 1 + 5_000 + 2_000
    now = ld.release("new-checkout").json()
    assert statuses(now) == [("completed", True), ("completed", True), ("active", False)]
    assert now["phases"][0]["_completionDate"] == start + 5_000
    assert now["phases"][1]["_startedDate"] == start + 5_000
    assert now["phases"][2]["_startedDate"] == start + 10_000
    assert now["_version"] == 4


def test_auto_advance_skips_canceled_releases_and_turns_off(ld, monkeypatch):
    backend = ld.server.app.backends["launchdarkly"].model
    clock = [now_ms() + 1_000]
    monkeypatch.setattr(backend, "clock", lambda: clock[0])
    ld.server.cancel_release("default", "beta-banner")
    ld.create("new-checkout", "legacy-rollout")
    ld.server.auto_advance(seconds=1, reads=100)
    state = ld.server.control("state", service="launchdarkly")
    assert state["auto_advance"] == {"seconds": 1.0, "reads": 100}
    ld.server.auto_advance()
    clock[0] += 10_000
    assert statuses(ld.release("new-checkout").json()) == [("active", False), ("not-started", False)]
    ld.server.auto_advance(seconds=1)
    clock[0] += 1_000
    assert statuses(ld.release("new-checkout").json()) == [("completed", True), ("active", False)]
    assert statuses(ld.release("beta-banner").json())[1] == ("active", False)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"seconds": 0}, "seconds=0 must be a positive number"),
        ({"reads": 0}, "reads=0 must be a positive integer"),
        ({"reads": 1.5}, "reads=1.5"),
        ({"seconds": "5"}, "seconds='5'"),
    ],
)
def test_auto_advance_rejects_bad_arguments(ld, arguments, message):
    with pytest.raises(ValueError, match=message):
        ld.server.auto_advance(**arguments)


def test_state_summarises_projects_pipelines_flags_and_releases(ld):
    state = ld.server.control("state", service="launchdarkly")
    default = state["projects"]["default"]
    assert default["pipelines"] == ["standard-release", "hotfix", "legacy-rollout"]
    assert default["default_pipeline"] == "standard-release"
    assert default["flags"]["pricing-tier"] == "multivariate"
    assert default["flags"]["new-checkout"] == "boolean"
    banner = default["releases"]["beta-banner"]
    assert (banner["pipeline"], banner["state"], banner["version"]) == ("standard-release", "active", 1)
    assert [(phase["name"], phase["status"]) for phase in banner["phases"]] == [
        ("Testing", "completed"),
        ("Beta", "active"),
        ("General availability", "not-started"),
    ]
    assert state["auto_advance"] == {"seconds": None, "reads": None}
    json.dumps(state)


# Reset, journal, seed


def test_reset_restores_the_seed_and_turns_auto_advance_off(ld):
    ld.create("new-checkout")
    ld("POST", PIPELINES, json=new_pipeline())
    ld.server.complete_phase("default", "beta-banner")
    ld.server.auto_advance(reads=1)
    ld.server.reset()
    assert ld.release("new-checkout").status_code == 404
    assert ld("GET", PIPELINES).json()["totalCount"] == 3
    banner = ld.release("beta-banner").json()
    assert statuses(banner)[1] == ("active", False)
    assert banner["_version"] == 1
    assert ld.server.control("state", service="launchdarkly")["auto_advance"] == {
        "seconds": None,
        "reads": None,
    }
    assert statuses(ld.release("beta-banner").json())[1] == ("active", False)  # reads=1 is off


def test_seeded_ids_are_stable_across_resets(ld):
    before = ld("GET", f"{PIPELINES}/standard-release").json()
    ld.server.reset()
    after = ld("GET", f"{PIPELINES}/standard-release").json()
    assert [phase["id"] for phase in after["phases"]] == [phase["id"] for phase in before["phases"]]


def test_the_journal_records_requests_with_the_token_redacted(ld):
    ld.server.clear_requests()
    ld("PUT", "/api/v2/projects/default/flags/new-checkout/release", json={"releasePipelineKey": "hotfix"})
    ld("GET", PIPELINES, params={"filter": "query:hot", "limit": "5"})
    put, get = ld.server.requests_to("launchdarkly")
    assert (put.method, put.path, put.status, put.body) == (
        "PUT",
        "/api/v2/projects/default/flags/new-checkout/release",
        200,
        {"releasePipelineKey": "hotfix"},
    )
    assert put.headers["authorization"] == "***"
    assert put.headers["ld-api-version"] == "beta"
    assert (get.method, get.query, get.status) == ("GET", {"filter": "query:hot", "limit": "5"}, 200)
    assert ACCESS_TOKEN not in json.dumps([entry.as_dict() for entry in ld.server.requests])


def test_rate_limit_fault_sends_the_reset_header_in_epoch_milliseconds(ld):
    ld.server.inject_fault("launchdarkly", "rate_limit", retry_after=3)
    answer = ld("GET", PIPELINES)
    assert_error(answer, 429, "rate_limited")
    reset = int(answer.headers["X-Ratelimit-Reset"])
    assert len(answer.headers["X-Ratelimit-Reset"]) == 13
    assert answer.headers["X-Ratelimit-Route-Remaining"] == "0"
    stamp = ld.server.app.backends["launchdarkly"].model.clock()
    assert stamp < reset <= stamp + 3_000
    assert ld("GET", PIPELINES).status_code == 200


def test_a_custom_seed(custom):
    assert custom("GET", "/api/v2/projects/default/release-pipelines").status_code == 404
    pipeline = custom("GET", "/api/v2/projects/shop/release-pipelines/two-step").json()
    assert pipeline["isProjectDefault"] is True
    assert pipeline["phases"][0]["id"] == "phase-first"
    done = custom.release("done-flag", project="shop").json()
    assert statuses(done) == [("completed", True), ("completed", True)]
    body = custom("GET", "/api/v2/projects/shop/release-pipelines/two-step/releases").json()
    assert (body["completedCount"], body["activeCount"]) == (1, 0)
    wrong = LD(custom.server, HEADERS)("GET", "/api/v2/projects/shop/release-pipelines")
    assert_error(wrong, 401, "unauthorized")


def _broken_seed(kind: str) -> dict[str, Any]:
    seed = json.loads(json.dumps(SEED))
    if kind == "environment":
        seed["projects"][0]["pipelines"][0]["phases"][0]["audiences"][0]["environmentKey"] = "moon"
    else:
        seed["projects"][0]["releases"][0]["flagKey"] = "ghost"
    return seed


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("environment", r"LaunchDarkly seed: .*unknown environment 'moon'"),
        ("flag", r"LaunchDarkly seed: project 'shop' lacks or does not know 'ghost'"),
    ],
)
def test_a_broken_seed_is_refused_with_a_clear_message(kind, message):
    with pytest.raises(ValueError, match=message):
        Sandbox(seed={"launchdarkly": _broken_seed(kind)})
