from __future__ import annotations

import pytest

from airflow_provider_releases.exceptions import (
    InvalidParameterError,
    ReleasesApiAuthError,
    ReleasesApiNotFoundError,
)
from airflow_provider_releases.hooks.launchdarkly import LaunchDarklyHook
from tests.conftest import SECRETS, set_connection

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


def assert_ld_headers(request):
    assert request.headers["Authorization"] == SECRETS["launchdarkly_token"]
    assert request.headers["LD-API-Version"] == "beta"


def test_create_flag_release_puts_the_pipeline_key(requests_mock):
    requests_mock.put(f"{LD}/api/v2/projects/my-project/flags/new-checkout/release", json=RELEASE)
    assert LaunchDarklyHook().create_flag_release("my-project", "new-checkout", "standard") == RELEASE
    sent = requests_mock.last_request
    assert sent.method == "PUT"
    assert_ld_headers(sent)
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
    assert_ld_headers(requests_mock.last_request)


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
    assert_ld_headers(requests_mock.last_request)


def test_update_phase_status_starts_a_phase(requests_mock):
    requests_mock.put(f"{LD}/api/v2/projects/p/flags/f/release/phases/ph-2", json=RELEASE)
    audiences = [{"audienceId": "aud-1", "notifyMemberIds": ["m1"], "notifyTeamKeys": ["qa"]}]
    assert LaunchDarklyHook().update_phase_status("p", "f", "ph-2", audiences=audiences) == RELEASE
    sent = requests_mock.last_request
    assert sent.method == "PUT"
    assert_ld_headers(sent)
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
    assert_ld_headers(sent)
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
        assert_ld_headers(request)


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
    assert_ld_headers(requests_mock.last_request)
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
