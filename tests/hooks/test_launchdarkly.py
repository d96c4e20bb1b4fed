"""LaunchDarklyHook: every public method against a mocked API (requests-mock), then against the sandbox over
real HTTP, with the API's errors and faults."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from airflow_provider_releases.exceptions import (
    InvalidParameterError,
    ReleasesApiAuthError,
    ReleasesApiConflictError,
    ReleasesApiConnectionError,
    ReleasesApiNotFoundError,
    ReleasesApiRateLimitError,
    ReleasesApiResponseError,
    ReleasesApiServerError,
    ReleasesApiValidationError,
)
from airflow_provider_releases.hooks.launchdarkly import LaunchDarklyHook
from airflow_provider_releases_sandbox import Sandbox
from tests.helpers import assert_launchdarkly_headers, connect_to_sandbox, journal, wait_until_answered
from tests.helpers.connections import set_connection

# Backoff waits are recorded, not slept (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("sleeps")

# Against a mocked API (requests-mock)

LD = "https://app.launchdarkly.com"
PHASES = [
    {"_id": "ph-1", "_name": "Testing", "complete": True, "_creationDate": "1684262711507", "_audiences": []},
    {
        "_id": "ph-2",
        "_name": "Production",
        "complete": False,
        "_creationDate": "1684262711507",
        "_audiences": [],
    },
]
RELEASE = {
    "name": "Standard pipeline",
    "releasePipelineKey": "standard",
    "releasePipelineDescription": "Typical testing and deployment",
    "phases": PHASES,
    "_version": 1,
}


def test_create_flag_release_puts_the_pipeline_key(requests_mock):
    requests_mock.put(f"{LD}/api/v2/projects/my-project/flags/new-checkout/release", json=RELEASE)
    assert LaunchDarklyHook().create_flag_release("my-project", "new-checkout", "standard") == RELEASE
    sent = requests_mock.last_request
    assert sent.method == "PUT"
    assert_launchdarkly_headers(sent)
    assert sent.headers["Content-Type"] == "application/json"
    assert sent.json() == {"releasePipelineKey": "standard"}


def test_create_flag_release_with_variation(requests_mock):
    requests_mock.put(f"{LD}/api/v2/projects/p/flags/f/release", json=RELEASE)
    LaunchDarklyHook().create_flag_release("p", "f", "standard", release_variation_id="var-1")
    assert requests_mock.last_request.json() == {
        "releasePipelineKey": "standard",
        "releaseVariationId": "var-1",
    }


def test_get_flag_release_uses_the_flags_path(requests_mock):
    requests_mock.get(f"{LD}/api/v2/flags/my-project/new-checkout/release", json=RELEASE)
    assert LaunchDarklyHook().get_flag_release("my-project", "new-checkout") == RELEASE
    assert_launchdarkly_headers(requests_mock.last_request)


def test_get_flag_release_of_a_flag_without_release_raises_not_found(requests_mock):
    requests_mock.get(
        f"{LD}/api/v2/flags/p/f/release",
        status_code=404,
        json={"code": "not_found", "message": "Unknown release"},
    )
    with pytest.raises(ReleasesApiNotFoundError, match='LaunchDarkly said "Unknown release"'):
        LaunchDarklyHook().get_flag_release("p", "f")


def test_delete_flag_release_answers_204(requests_mock):
    requests_mock.delete(f"{LD}/api/v2/flags/p/f/release", status_code=204)
    assert LaunchDarklyHook().delete_flag_release("p", "f") is None
    assert requests_mock.last_request.method == "DELETE"
    assert_launchdarkly_headers(requests_mock.last_request)


def test_update_phase_status_starts_a_phase(requests_mock):
    requests_mock.put(f"{LD}/api/v2/projects/p/flags/f/release/phases/ph-2", json=RELEASE)
    audiences = [{"audienceId": "aud-1", "notifyMemberIds": ["m1"], "notifyTeamKeys": ["qa"]}]
    assert LaunchDarklyHook().update_phase_status("p", "f", "ph-2", audiences=audiences) == RELEASE
    sent = requests_mock.last_request
    assert sent.method == "PUT"
    assert_launchdarkly_headers(sent)
    assert sent.json() == {"status": "active", "audiences": audiences}


def test_update_phase_status_accepts_the_started_spelling_of_the_docs_example(requests_mock):
    requests_mock.put(f"{LD}/api/v2/projects/p/flags/f/release/phases/ph-2", json=RELEASE)
    LaunchDarklyHook().update_phase_status("p", "f", "ph-2", status="Started")
    assert requests_mock.last_request.json() == {"status": "Started"}


def test_complete_legacy_phase_sends_a_json_patch(requests_mock):
    requests_mock.patch(f"{LD}/api/v2/flags/p/f/release", json=RELEASE)
    LaunchDarklyHook().complete_legacy_phase("p", "f", 1)
    sent = requests_mock.last_request
    assert sent.method == "PATCH"
    assert_launchdarkly_headers(sent)
    assert sent.json() == [{"op": "replace", "path": "/phases/1/complete", "value": True}]


def test_list_release_pipelines_walks_limit_and_offset_across_three_pages(requests_mock):
    url = f"{LD}/api/v2/projects/p/release-pipelines"
    pages = [[{"key": f"pipe-{i}"} for i in range(start, min(start + 20, 45))] for start in (0, 20, 40)]
    requests_mock.get(url, [{"json": {"items": page, "totalCount": 45}} for page in pages])
    pipelines = LaunchDarklyHook().list_release_pipelines("p", filter="query:standard")
    assert requests_mock.call_count == 0  # lazy until iterated
    assert [p["key"] for p in pipelines] == [f"pipe-{i}" for i in range(45)]
    queries = [r.qs for r in requests_mock.request_history]
    assert queries == [
        {"filter": ["query:standard"], "limit": ["20"], "offset": [str(offset)]} for offset in (0, 20, 40)
    ]
    for request in requests_mock.request_history:
        assert_launchdarkly_headers(request)


def test_list_release_pipelines_filter_from_a_dict(requests_mock):
    requests_mock.get(f"{LD}/api/v2/projects/p/release-pipelines", json={"items": [], "totalCount": 0})
    assert list(LaunchDarklyHook().list_release_pipelines("p", filter={"env": "production"})) == []
    assert requests_mock.last_request.qs["filter"] == ["env:production"]


def test_get_release_pipeline(requests_mock):
    pipeline = {"key": "standard", "name": "Standard", "phases": [{"id": "ph-1", "name": "Testing"}]}
    requests_mock.get(f"{LD}/api/v2/projects/p/release-pipelines/standard", json=pipeline)
    assert LaunchDarklyHook().get_release_pipeline("p", "standard") == pipeline


def test_list_pipeline_releases_filters_by_status(requests_mock):
    url = f"{LD}/api/v2/projects/p/release-pipelines/standard/releases"
    items = [
        {"flagKey": "f1", "_createdAt": 1, "_links": {}},
        {"flagKey": "f2", "_createdAt": 2, "_links": {}},
    ]
    requests_mock.get(
        url,
        json={
            "items": items,
            "totalCount": 2,
            "activeCount": 2,
            "completedCount": 0,
            "phases": [],
            "_links": {},
        },
    )
    assert len(LaunchDarklyHook().list_pipeline_releases("p", "standard", status="active")) == 2
    assert requests_mock.last_request.qs == {"filter": ["status:active"], "limit": ["20"], "offset": ["0"]}


@pytest.mark.parametrize(
    ("call", "param"),
    [
        (lambda h: h.create_flag_release("my/project", "f", "standard"), "project_key"),
        (lambda h: h.create_flag_release("p", "../admin", "standard"), "flag_key"),
        (lambda h: h.create_flag_release("p", "f", ""), "release_pipeline_key"),
        (
            lambda h: h.create_flag_release("p", "f", "standard", release_variation_id=""),
            "release_variation_id",
        ),
        (lambda h: h.get_flag_release("p", "flag key"), "flag_key"),
        (lambda h: h.get_flag_release("p", "f%2e"), "flag_key"),
        (lambda h: h.delete_flag_release("", "f"), "project_key"),
        (lambda h: h.update_phase_status("p", "f", "ph?x=1"), "phase_id"),
        (lambda h: h.update_phase_status("p", "f", "ph-1", status="completed"), "status"),
        (lambda h: h.update_phase_status("p", "f", "ph-1", audiences={"audienceId": "a"}), "audiences"),
        (lambda h: h.update_phase_status("p", "f", "ph-1", audiences=[{"audience": "a"}]), "audiences"),
        (
            lambda h: h.update_phase_status("p", "f", "ph-1", audiences=[{"audienceId": ""}]),
            "audiences[].audienceId",
        ),
        (lambda h: h.complete_legacy_phase("p", "f", -1), "phase_index"),
        (lambda h: h.complete_legacy_phase("p", "f", True), "phase_index"),
        (lambda h: h.complete_legacy_phase("p", "f", "0"), "phase_index"),
        (lambda h: h.list_release_pipelines("p", filter="name:x"), "filter"),
        (lambda h: h.list_release_pipelines("p", filter="query:"), "filter"),
        (lambda h: h.get_release_pipeline("p", "a/b"), "pipeline_key"),
        (lambda h: h.list_pipeline_releases("p", "standard", status="done"), "status"),
    ],
)
def test_bad_input_is_rejected_before_any_request(requests_mock, call, param):
    with pytest.raises(InvalidParameterError) as caught:
        call(LaunchDarklyHook())
    assert caught.value.param == param
    assert "expected" in str(caught.value)
    assert requests_mock.call_count == 0


@pytest.mark.parametrize(
    ("instance", "host"),
    [
        ("commercial", "app.launchdarkly.com"),
        ("eu", "app.eu.launchdarkly.com"),
        ("federal", "app.launchdarkly.us"),
    ],
)
def test_instances(requests_mock, monkeypatch, instance, host):
    set_connection(
        monkeypatch, "launchdarkly_default", conn_type="launchdarkly", password="tok-SECRET-e5d0c3",
        extra={"instance": instance},
    )  # fmt: skip
    requests_mock.get(f"https://{host}/api/v2/flags/p/f/release", json=RELEASE)
    LaunchDarklyHook().get_flag_release("p", "f")
    assert requests_mock.call_count == 1


def test_missing_beta_header_403_is_an_auth_error(requests_mock):
    requests_mock.get(
        f"{LD}/api/v2/flags/p/f/release",
        status_code=403,
        json={"code": "forbidden", "message": "This endpoint requires the LD-API-Version: beta header"},
    )
    with pytest.raises(ReleasesApiAuthError, match="requires the LD-API-Version"):
        LaunchDarklyHook().get_flag_release("p", "f")


def test_test_connection(requests_mock):
    requests_mock.get(f"{LD}/api/v2/caller-identity", json={"tokenName": "airflow"})
    assert LaunchDarklyHook().test_connection() == (
        True,
        "Connected to LaunchDarkly at https://app.launchdarkly.com.",
    )
    assert_launchdarkly_headers(requests_mock.last_request)
    requests_mock.get(
        f"{LD}/api/v2/caller-identity",
        status_code=401,
        json={"code": "unauthorized", "message": "Invalid token"},
    )
    assert LaunchDarklyHook().test_connection() == (
        False,
        "LaunchDarkly test_connection (GET /api/v2/caller-identity) failed with HTTP 401 [unauthorized]: "
        'LaunchDarkly said "Invalid token".',
    )


# Against the sandbox, over real HTTP

STANDARD = "standard-release"
RELEASE_PATH = "/api/v2/flags/default/{flag}/release"
CREATE_PATH = "/api/v2/projects/default/flags/{flag}/release"

# A project with more pipelines and releases than one page holds (the default page is 20).
BIG_SEED = {
    "max_pipelines": 100,
    "projects": [
        {
            "key": "big",
            "name": "Big",
            "environments": [{"key": "production", "name": "Production", "color": "417505"}],
            "pipelines": [
                {
                    "key": f"pipeline-{number:02d}",
                    "name": f"Pipeline {number:02d}",
                    "phases": [
                        {"name": "Only", "audiences": [{"environmentKey": "production", "name": "All"}]}
                    ],
                }
                for number in range(45)
            ],
            "flags": [{"key": f"flag-{number:02d}"} for number in range(25)]
            + [
                {
                    "key": "switch",
                    "variations": [{"_id": "var-on", "value": True}, {"_id": "var-off", "value": False}],
                }
            ],
            "releases": [
                {
                    "flagKey": f"flag-{number:02d}",
                    "releasePipelineKey": "pipeline-00",
                    "phases": ["completed" if number % 5 == 0 else "active"],
                }
                for number in range(25)
            ],
        }
    ],
}


@pytest.fixture
def hook(release_sandbox: Sandbox) -> Iterator[LaunchDarklyHook]:
    """A LaunchDarklyHook on the sandbox (``launchdarkly_default`` points there), closed afterwards."""
    with LaunchDarklyHook() as made:
        yield made


@pytest.fixture(scope="module")
def big_server() -> Iterator[Sandbox]:
    server = Sandbox(seed={"launchdarkly": BIG_SEED}).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def big(big_server: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    """A sandbox seeded with the big project; ``launchdarkly_default`` points at it."""
    big_server.reset()
    for name, value in big_server.environ().items():
        monkeypatch.setenv(name, value)
    return big_server


def phase_ids(server: Sandbox, flag: str) -> list[str]:
    releases = server.control("state", service="launchdarkly")["projects"]["default"]["releases"]
    return [phase["id"] for phase in releases[flag]["phases"]]


def statuses(release: dict) -> list[tuple[str, bool]]:
    return [(phase["status"], phase["complete"]) for phase in release["phases"]]


# Connection test and flag URL


def test_test_connection_succeeds(release_sandbox, hook):
    assert hook.test_connection() == (
        True,
        f"Connected to LaunchDarkly at {release_sandbox.url('launchdarkly')}.",
    )
    (entry,) = release_sandbox.requests_to("launchdarkly")
    assert (entry.method, entry.path, entry.status) == ("GET", "/api/v2/caller-identity", 200)
    assert entry.headers["authorization"] == "***"


def test_test_connection_with_a_wrong_token(release_sandbox, monkeypatch):
    connect_to_sandbox(monkeypatch, release_sandbox, "launchdarkly", password="api-wrong-SECRET-5a3e8d")
    ok, message = LaunchDarklyHook().test_connection()
    assert ok is False
    assert "HTTP 401 [unauthorized]" in message
    assert 'LaunchDarkly said "Invalid access token"' in message
    assert "api-wrong-SECRET-5a3e8d" not in message


def test_flag_url_points_at_the_sandbox_and_sends_nothing(release_sandbox, hook):
    assert hook.flag_url("default", "new-checkout") == (
        f"{release_sandbox.url('launchdarkly')}/projects/default/flags/new-checkout"
    )
    assert release_sandbox.requests_to("launchdarkly") == []


# Flag releases


def test_create_flag_release(release_sandbox, hook):
    release = hook.create_flag_release("default", "new-checkout", "hotfix")
    assert release["releasePipelineKey"] == "hotfix"
    assert release["name"] == "Hotfix"
    assert [phase["_name"] for phase in release["phases"]] == ["Verify", "Production"]
    assert statuses(release) == [("not-started", False), ("not-started", False)]
    (entry,) = release_sandbox.requests_to("launchdarkly")
    assert (entry.method, entry.path, entry.query, entry.body, entry.status) == (
        "PUT",
        CREATE_PATH.format(flag="new-checkout"),
        {},
        {"releasePipelineKey": "hotfix"},
        200,
    )
    assert entry.headers["ld-api-version"] == "beta"
    assert entry.headers["authorization"] == "***"


def test_create_flag_release_with_a_variation(big):
    with LaunchDarklyHook() as hook:
        release = hook.create_flag_release("big", "switch", "pipeline-01", release_variation_id="var-off")
    assert release["_releaseVariationId"] == "var-off"
    assert journal(big, "launchdarkly")[0][3] == {
        "releasePipelineKey": "pipeline-01",
        "releaseVariationId": "var-off",
    }


def test_create_flag_release_of_a_multivariate_flag_is_a_validation_error(hook):
    with pytest.raises(
        ReleasesApiValidationError, match="Only boolean flags can be added to a release pipeline"
    ):
        hook.create_flag_release("default", "pricing-tier", STANDARD)


def test_create_flag_release_with_an_unknown_variation_is_a_validation_error(big):
    with pytest.raises(
        ReleasesApiValidationError, match="'var-x' is not a variation of flag 'switch'"
    ) as caught:
        LaunchDarklyHook().create_flag_release("big", "switch", "pipeline-01", release_variation_id="var-x")
    assert caught.value.status == 400
    assert caught.value.code == "invalid_request"


def test_create_flag_release_on_an_unknown_pipeline_is_not_found(hook):
    with pytest.raises(ReleasesApiNotFoundError, match="Unknown release pipeline 'nope'"):
        hook.create_flag_release("default", "new-checkout", "nope")


def test_create_flag_release_for_a_flag_in_release_is_a_conflict(release_sandbox, hook):
    with pytest.raises(
        ReleasesApiConflictError, match="already has a release on pipeline 'standard-release'"
    ) as caught:
        hook.create_flag_release("default", "beta-banner", "hotfix")
    assert caught.value.status == 409
    assert len(release_sandbox.requests_to("launchdarkly")) == 1


def test_get_flag_release(release_sandbox, hook):
    release = hook.get_flag_release("default", "beta-banner")
    assert release["releasePipelineKey"] == STANDARD
    assert statuses(release) == [("completed", True), ("active", False), ("not-started", False)]
    assert journal(release_sandbox, "launchdarkly") == [
        ("GET", RELEASE_PATH.format(flag="beta-banner"), {}, None, 200)
    ]


def test_get_flag_release_of_a_flag_without_release_is_not_found(hook):
    with pytest.raises(ReleasesApiNotFoundError, match="Flag 'new-checkout' has no release"):
        hook.get_flag_release("default", "new-checkout")


def test_delete_flag_release(release_sandbox, hook):
    assert hook.delete_flag_release("default", "beta-banner") is None
    assert journal(release_sandbox, "launchdarkly") == [
        ("DELETE", RELEASE_PATH.format(flag="beta-banner"), {}, None, 204)
    ]
    with pytest.raises(ReleasesApiNotFoundError):
        hook.get_flag_release("default", "beta-banner")


def test_delete_flag_release_without_release_is_not_found(hook):
    with pytest.raises(ReleasesApiNotFoundError, match="has no release"):
        hook.delete_flag_release("default", "new-checkout")


def test_update_phase_status_starts_phases_in_turn(release_sandbox, hook):
    hook.create_flag_release("default", "new-checkout", STANDARD)
    ids = phase_ids(release_sandbox, "new-checkout")
    first = hook.update_phase_status("default", "new-checkout", ids[0])
    assert statuses(first)[0] == ("active", False)
    second = hook.update_phase_status("default", "new-checkout", ids[1], status="Started")
    assert statuses(second) == [("completed", True), ("active", False), ("not-started", False)]
    puts = journal(release_sandbox, "launchdarkly", method="PUT")[1:]
    assert puts == [
        (
            "PUT",
            f"/api/v2/projects/default/flags/new-checkout/release/phases/{ids[0]}",
            {},
            {"status": "active"},
            200,
        ),
        (
            "PUT",
            f"/api/v2/projects/default/flags/new-checkout/release/phases/{ids[1]}",
            {},
            {"status": "Started"},
            200,
        ),
    ]


def test_update_phase_status_with_audiences(release_sandbox, hook):
    release = hook.get_flag_release("default", "beta-banner")
    ga = release["phases"][2]
    audiences = [{"audienceId": ga["_audiences"][0]["_id"], "notifyTeamKeys": ["sre"]}]
    answer = hook.update_phase_status("default", "beta-banner", ga["_id"], audiences=audiences)
    assert statuses(answer)[1:] == [("completed", True), ("active", False)]
    assert answer["phases"][2]["_audiences"][0]["configuration"]["notifyTeamKeys"] == ["sre"]
    assert journal(release_sandbox, "launchdarkly", method="PUT")[0][3] == {
        "status": "active",
        "audiences": audiences,
    }


def test_update_phase_status_out_of_order_is_a_validation_error(release_sandbox, hook):
    hook.create_flag_release("default", "new-checkout", STANDARD)
    last = phase_ids(release_sandbox, "new-checkout")[2]
    with pytest.raises(ReleasesApiValidationError, match="Phases start in order: start phase 'Testing'"):
        hook.update_phase_status("default", "new-checkout", last)


def test_update_phase_status_of_an_unknown_audience_is_a_validation_error(release_sandbox, hook):
    ga = phase_ids(release_sandbox, "beta-banner")[2]
    with pytest.raises(
        ReleasesApiValidationError, match="'aud-x' is not an audience of phase 'General availability'"
    ):
        hook.update_phase_status("default", "beta-banner", ga, audiences=[{"audienceId": "aud-x"}])


def test_update_phase_status_of_a_canceled_release_is_a_validation_error(release_sandbox, hook):
    release_sandbox.cancel_release("default", "beta-banner")
    ga = phase_ids(release_sandbox, "beta-banner")[2]
    with pytest.raises(ReleasesApiValidationError, match="was canceled: its phases cannot be started"):
        hook.update_phase_status("default", "beta-banner", ga)


def test_update_phase_status_of_an_unknown_phase_is_not_found(hook):
    with pytest.raises(ReleasesApiNotFoundError, match="has no phase 'nope'"):
        hook.update_phase_status("default", "beta-banner", "nope")


def test_complete_legacy_phase(release_sandbox, hook):
    hook.create_flag_release("default", "new-checkout", "legacy-rollout")
    release = hook.complete_legacy_phase("default", "new-checkout", 0)
    assert statuses(release) == [("completed", True), ("active", False)]
    assert journal(release_sandbox, "launchdarkly", method="PATCH") == [
        (
            "PATCH",
            RELEASE_PATH.format(flag="new-checkout"),
            {},
            [{"op": "replace", "path": "/phases/0/complete", "value": True}],
            200,
        )
    ]
    done = hook.complete_legacy_phase("default", "new-checkout", 1)
    assert statuses(done) == [("completed", True), ("completed", True)]


def test_complete_legacy_phase_out_of_range_is_a_validation_error(hook):
    hook.create_flag_release("default", "new-checkout", "legacy-rollout")
    with pytest.raises(
        ReleasesApiValidationError, match="phase index 5 is out of range: the release has 2 phases"
    ):
        hook.complete_legacy_phase("default", "new-checkout", 5)


def test_complete_legacy_phase_of_a_current_pipeline_is_a_validation_error(hook):
    with pytest.raises(ReleasesApiValidationError, match="not legacy"):
        hook.complete_legacy_phase("default", "beta-banner", 1)


# Release pipelines


def test_list_release_pipelines(release_sandbox, hook):
    pipelines = hook.list_release_pipelines("default")
    assert [item["key"] for item in pipelines] == [STANDARD, "hotfix", "legacy-rollout"]
    path = "/api/v2/projects/default/release-pipelines"
    assert journal(release_sandbox, "launchdarkly") == [
        ("GET", path, {"limit": "20", "offset": "0"}, None, 200)
    ]


@pytest.mark.parametrize(
    ("filter_", "sent", "keys"),
    [
        ({"query": "hotfix"}, "query:hotfix", ["hotfix"]),
        ("env:production", "env:production", [STANDARD, "hotfix", "legacy-rollout"]),
        ("query:legacy,env:test", "query:legacy,env:test", ["legacy-rollout"]),
    ],
)
def test_list_release_pipelines_with_a_filter(release_sandbox, hook, filter_, sent, keys):
    assert [item["key"] for item in hook.list_release_pipelines("default", filter=filter_)] == keys
    assert journal(release_sandbox, "launchdarkly")[0][2] == {"filter": sent, "limit": "20", "offset": "0"}


def test_list_release_pipelines_walks_every_page(big):
    pipelines = LaunchDarklyHook().list_release_pipelines("big").to_list()
    assert [item["key"] for item in pipelines] == [f"pipeline-{number:02d}" for number in range(45)]
    assert [entry[2] for entry in journal(big, "launchdarkly")] == [
        {"limit": "20", "offset": "0"},
        {"limit": "20", "offset": "20"},
        {"limit": "20", "offset": "40"},
    ]


def test_list_release_pipelines_of_an_unknown_project_is_not_found(hook):
    with pytest.raises(ReleasesApiNotFoundError, match="Unknown project 'nope'"):
        list(hook.list_release_pipelines("nope"))


def test_get_release_pipeline_in_the_sandbox(release_sandbox, hook):
    pipeline = hook.get_release_pipeline("default", "hotfix")
    assert (pipeline["key"], pipeline["name"], pipeline["_isLegacy"]) == ("hotfix", "Hotfix", False)
    assert [phase["name"] for phase in pipeline["phases"]] == ["Verify", "Production"]
    path = "/api/v2/projects/default/release-pipelines/hotfix"
    assert journal(release_sandbox, "launchdarkly") == [("GET", path, {}, None, 200)]


def test_get_release_pipeline_unknown_is_not_found(hook):
    with pytest.raises(ReleasesApiNotFoundError, match="Unknown release pipeline 'nope'"):
        hook.get_release_pipeline("default", "nope")


def test_list_pipeline_releases(release_sandbox, hook):
    hook.create_flag_release("default", "new-checkout", STANDARD)
    items = hook.list_pipeline_releases("default", STANDARD, status="active").to_list()
    assert [item["flagKey"] for item in items] == ["beta-banner", "new-checkout"]
    assert items[0]["activePhaseId"] == phase_ids(release_sandbox, "beta-banner")[1]
    path = f"/api/v2/projects/default/release-pipelines/{STANDARD}/releases"
    assert journal(release_sandbox, "launchdarkly", method="GET") == [
        ("GET", path, {"filter": "status:active", "limit": "20", "offset": "0"}, None, 200)
    ]


def test_list_pipeline_releases_walks_every_page_and_filters(big):
    hook = LaunchDarklyHook()
    every = hook.list_pipeline_releases("big", "pipeline-00").to_list()
    assert [item["flagKey"] for item in every] == [f"flag-{number:02d}" for number in range(25)]
    assert [entry[2]["offset"] for entry in journal(big, "launchdarkly")] == ["0", "20"]
    completed = hook.list_pipeline_releases("big", "pipeline-00", status="completed").to_list()
    assert [item["flagKey"] for item in completed] == [f"flag-{number:02d}" for number in range(0, 25, 5)]
    active = hook.list_pipeline_releases("big", "pipeline-00", status="active")
    assert len(active) == 20
    assert [entry[2] for entry in journal(big, "launchdarkly")[-1:]] == [
        {"filter": "status:active", "limit": "20", "offset": "0"}
    ]


def test_list_pipeline_releases_of_an_unknown_pipeline_is_not_found(hook):
    with pytest.raises(ReleasesApiNotFoundError, match="Unknown release pipeline 'nope'"):
        hook.list_pipeline_releases("default", "nope").to_list()


# Progress driven through the sandbox's controls, seen through the hook


def test_a_release_run_to_its_end_with_the_controls(release_sandbox, hook):
    hook.create_flag_release("default", "new-checkout", "hotfix")
    release_sandbox.complete_phase("default", "new-checkout")
    assert statuses(hook.get_flag_release("default", "new-checkout")) == [
        ("completed", True),
        ("active", False),
    ]
    release_sandbox.complete_phase("default", "new-checkout")
    assert statuses(hook.get_flag_release("default", "new-checkout")) == [("completed", True)] * 2
    completed = hook.list_pipeline_releases("default", "hotfix", status="completed")
    assert [item["flagKey"] for item in completed] == ["new-checkout"]


def test_a_canceled_release_seen_through_the_hook(release_sandbox, hook):
    canceled = release_sandbox.cancel_release("default", "beta-banner")
    assert hook.get_flag_release("default", "beta-banner")["_canceledAt"] == canceled["_canceledAt"]


def test_auto_advance_by_reads_seen_through_the_hook(release_sandbox, hook):
    release_sandbox.auto_advance(reads=1)
    first = hook.get_flag_release("default", "beta-banner")
    second = hook.get_flag_release("default", "beta-banner")
    assert statuses(first)[1:] == [("active", False), ("not-started", False)]
    assert statuses(second)[1:] == [("completed", True), ("active", False)]


# Faults


def test_rate_limit_on_a_read_is_waited_out_and_retried(release_sandbox, hook, sleeps):
    release_sandbox.inject_fault("launchdarkly", "rate_limit", retry_after=2)
    assert hook.get_flag_release("default", "beta-banner")["releasePipelineKey"] == STANDARD
    assert sleeps == [pytest.approx(2.0, abs=0.25)]
    assert [entry[4] for entry in journal(release_sandbox, "launchdarkly")] == [429, 200]


def test_rate_limit_on_a_write_is_retried_too(release_sandbox, hook, sleeps):
    release_sandbox.inject_fault("launchdarkly", "rate_limit", method="PUT", retry_after=1)
    assert hook.create_flag_release("default", "new-checkout", "hotfix")["releasePipelineKey"] == "hotfix"
    assert sleeps == [pytest.approx(1.0, abs=0.25)]
    assert [(entry[0], entry[4]) for entry in journal(release_sandbox, "launchdarkly")] == [
        ("PUT", 429),
        ("PUT", 200),
    ]


def test_rate_limit_beyond_the_retries_raises(release_sandbox, sleeps):
    release_sandbox.inject_fault("launchdarkly", "rate_limit", count=3, retry_after=1)
    with pytest.raises(ReleasesApiRateLimitError, match="after 3 attempts") as caught:
        LaunchDarklyHook(max_retries=2).get_release_pipeline("default", "hotfix")
    assert caught.value.attempts == 3
    assert caught.value.code == "rate_limited"
    assert len(sleeps) == 2


def test_error_500_on_a_read_is_not_retried(release_sandbox, hook, sleeps):
    release_sandbox.inject_fault("launchdarkly", "error", status=500)
    with pytest.raises(ReleasesApiServerError, match="HTTP 500") as caught:
        hook.get_flag_release("default", "beta-banner")
    assert caught.value.attempts == 1
    assert "Sandbox-injected server error 500" in str(caught.value)
    assert sleeps == []
    assert [entry[4] for entry in journal(release_sandbox, "launchdarkly")] == [500]


@pytest.mark.parametrize("status", [502, 503])
def test_error_502_503_on_a_read_is_retried(release_sandbox, hook, sleeps, status):
    release_sandbox.inject_fault(
        "launchdarkly", "error", status=status, path=r"/api/v2/projects/default/release-pipelines"
    )
    assert len(hook.list_release_pipelines("default")) == 3
    assert len(sleeps) == 1
    assert [entry[4] for entry in journal(release_sandbox, "launchdarkly")] == [status, 200]


@pytest.mark.parametrize("status", [502, 503])
def test_error_502_503_on_a_write_is_not_sent_again(release_sandbox, hook, sleeps, status):
    release_sandbox.inject_fault("launchdarkly", "error", status=status, method="PUT")
    with pytest.raises(ReleasesApiServerError) as caught:
        hook.create_flag_release("default", "new-checkout", "hotfix")
    assert caught.value.may_have_been_applied is True
    assert caught.value.status == status
    assert "may have reached LaunchDarkly" in str(caught.value)
    assert sleeps == []
    assert [(entry[0], entry[4]) for entry in journal(release_sandbox, "launchdarkly")] == [("PUT", status)]


def test_error_503_on_a_patch_is_not_sent_again(release_sandbox, hook):
    hook.create_flag_release("default", "new-checkout", "legacy-rollout")
    release_sandbox.inject_fault("launchdarkly", "error", method="PATCH")
    with pytest.raises(ReleasesApiServerError) as caught:
        hook.complete_legacy_phase("default", "new-checkout", 0)
    assert caught.value.may_have_been_applied is True
    assert [entry[4] for entry in journal(release_sandbox, "launchdarkly", method="PATCH")] == [503]


def test_a_delayed_read_times_out_and_is_retried(release_sandbox, sleeps):
    release_sandbox.inject_fault("launchdarkly", "delay", delay=0.5)
    with LaunchDarklyHook(timeout=0.2) as hook:
        assert hook.get_release_pipeline("default", "hotfix")["key"] == "hotfix"
    assert len(sleeps) == 1
    wait_until_answered(release_sandbox, "launchdarkly", count=2)
    assert [entry[4] for entry in journal(release_sandbox, "launchdarkly")] == [200, 200]


def test_a_delayed_write_times_out_and_is_not_sent_again(release_sandbox, sleeps):
    release_sandbox.inject_fault("launchdarkly", "delay", delay=0.5, method="PUT")
    with LaunchDarklyHook(timeout=0.2) as hook, pytest.raises(ReleasesApiConnectionError) as caught:
        hook.create_flag_release("default", "new-checkout", "hotfix")
    assert caught.value.may_have_been_applied is True
    assert caught.value.attempts == 1
    assert "no response within the 0.2 s read timeout" in str(caught.value)
    assert sleeps == []
    wait_until_answered(release_sandbox, "launchdarkly", count=1)
    # The sandbox answered after the client gave up: the release was created all the same.
    assert LaunchDarklyHook().get_flag_release("default", "new-checkout")["releasePipelineKey"] == "hotfix"


def test_a_dropped_read_is_retried(release_sandbox, hook, sleeps):
    release_sandbox.inject_fault("launchdarkly", "drop")
    assert hook.get_flag_release("default", "beta-banner")["releasePipelineKey"] == STANDARD
    assert len(sleeps) == 1
    assert [entry[4] for entry in journal(release_sandbox, "launchdarkly")] == [None, 200]


def test_a_dropped_write_is_not_sent_again(release_sandbox, hook, sleeps):
    ga = phase_ids(release_sandbox, "beta-banner")[2]
    release_sandbox.inject_fault("launchdarkly", "drop", method="PUT")
    with pytest.raises(ReleasesApiConnectionError, match="dropped before a response arrived") as caught:
        hook.update_phase_status("default", "beta-banner", ga)
    assert caught.value.may_have_been_applied is True
    assert sleeps == []
    assert [(entry[0], entry[4]) for entry in journal(release_sandbox, "launchdarkly")] == [("PUT", None)]
    assert statuses(hook.get_flag_release("default", "beta-banner"))[2] == ("not-started", False)


def test_a_malformed_body_is_a_response_error(release_sandbox, hook, sleeps):
    release_sandbox.inject_fault("launchdarkly", "malformed")
    with pytest.raises(ReleasesApiResponseError, match="the response body is not valid JSON") as caught:
        hook.get_flag_release("default", "beta-banner")
    assert caught.value.status == 200
    assert sleeps == []
    assert len(journal(release_sandbox, "launchdarkly")) == 1


def test_a_malformed_page_is_a_response_error(release_sandbox, hook):
    release_sandbox.inject_fault("launchdarkly", "malformed", path=r".*/releases")
    with pytest.raises(ReleasesApiResponseError, match="not valid JSON"):
        hook.list_pipeline_releases("default", STANDARD).to_list()


def test_ip_based_rate_limit_with_retry_after_is_honoured(release_sandbox: Sandbox, sleeps) -> None:
    release_sandbox.inject_fault("launchdarkly", "rate_limit", retry_after=3, plain_retry_after=True)
    pipeline = LaunchDarklyHook().get_release_pipeline("default", "standard-release")
    assert pipeline["key"] == "standard-release"
    [limited, answered] = release_sandbox.requests_to("launchdarkly")
    assert (limited.status, answered.status) == (429, 200)
    assert sleeps == [3.0]
