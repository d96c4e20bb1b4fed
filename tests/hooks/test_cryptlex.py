"""CryptlexHook: every public method against a mocked API (requests-mock), then against the sandboxed
Cryptlex API and its release file host over real HTTP, with the API's errors and faults."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests

from airflow_provider_releases.exceptions import (
    InvalidParameterError,
    ReleasesApiConnectionError,
    ReleasesApiError,
    ReleasesApiNotFoundError,
    ReleasesApiRateLimitError,
    ReleasesApiResponseError,
    ReleasesApiServerError,
    ReleasesApiValidationError,
)
from airflow_provider_releases.hooks.cryptlex import CryptlexHook
from airflow_provider_releases_sandbox import Sandbox
from airflow_provider_releases_sandbox.cryptlex import (
    ACCESS_TOKEN,
    CLI_TOOLS_ID,
    DESKTOP_APP_ID,
    DRAFT_RELEASE_ID,
    PUBLISHED_RELEASE_ID,
)
from tests.helpers import assert_cryptlex_headers, connect_to_sandbox, recorded, wait_until_answered
from tests.helpers.connections import set_connection

# Backoff waits are recorded, not slept (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("sleeps")

# Against a mocked API (requests-mock)

API = "https://api.cryptlex.com"
RELEASE = {
    "id": "rel-7f3a",
    "name": "Spring release",
    "channel": "stable",
    "version": "1.4.2",
    "platforms": ["windows", "macos"],
    "published": False,
    "private": False,
    "productId": "prod-1",
}


def test_create_release_posts_the_documented_body_and_returns_the_201_answer(requests_mock):
    requests_mock.post(f"{API}/v3/releases", status_code=201, json=RELEASE)
    release = CryptlexHook().create_release(
        "prod-1",
        "Spring release",
        "1.4.2",
        platforms=["windows", "macos"],
        private=False,
        notes="## Fixed\n- crash on start",
        created_at=dt.datetime(2019, 8, 24, 14, 15, 22),
    )
    assert release == RELEASE
    sent = requests_mock.last_request
    assert sent.method == "POST"
    assert_cryptlex_headers(sent)
    assert sent.headers["Content-Type"] == "application/json"
    assert sent.json() == {
        "name": "Spring release",
        "version": "1.4.2",
        "channel": "stable",
        "productId": "prod-1",
        "platforms": ["windows", "macos"],
        "private": False,
        "notes": "## Fixed\n- crash on start",
        "createdAt": "2019-08-24T14:15:22Z",
    }


@pytest.mark.parametrize("version", ["1.0", "1.4.2", "10.20.30.40"])
def test_accepted_versions(requests_mock, version):
    requests_mock.post(f"{API}/v3/releases", status_code=201, json=RELEASE)
    CryptlexHook().create_release("prod-1", "R", version, channel="beta")
    assert requests_mock.last_request.json()["version"] == version
    assert requests_mock.last_request.json()["channel"] == "beta"


def test_list_releases_pages_through_page_and_limit(requests_mock):
    pages = [
        [{"id": f"r{n}"} for n in range(start, start + size)]
        for start, size in ((0, 100), (100, 100), (200, 7))
    ]
    requests_mock.get(f"{API}/v3/releases", [{"json": page} for page in pages])
    releases = CryptlexHook().list_releases(
        "prod-1", channel="stable", platform="windows", version="1.4.2", name="R"
    )
    assert [r["id"] for r in releases] == [f"r{n}" for n in range(207)]
    assert [r.qs for r in requests_mock.request_history] == [
        {
            "productid": ["prod-1"],
            "channel": ["stable"],
            "platform": ["windows"],
            "version": ["1.4.2"],
            "name": ["r"],
            "page": [str(n)],
            "limit": ["100"],
        }
        for n in (1, 2, 3)
    ]
    assert "productId=prod-1" in requests_mock.request_history[0].url


def test_list_releases_is_lazy_one_page_at_a_time(requests_mock):
    requests_mock.get(f"{API}/v3/releases", [{"json": [{"id": f"r{n}"} for n in range(100)]}, {"json": []}])
    releases = iter(CryptlexHook().list_releases("prod-1"))
    assert requests_mock.call_count == 0
    next(releases)
    assert requests_mock.call_count == 1


def test_get_release(requests_mock):
    requests_mock.get(f"{API}/v3/releases/rel-7f3a", json=RELEASE)
    assert CryptlexHook().get_release("rel-7f3a") == RELEASE
    assert_cryptlex_headers(requests_mock.last_request)


def test_update_release_patches_only_the_given_fields(requests_mock):
    requests_mock.patch(f"{API}/v3/releases/rel-7f3a", json={**RELEASE, "notes": "new"})
    assert CryptlexHook().update_release("rel-7f3a", notes="new", private=True)["notes"] == "new"
    assert requests_mock.last_request.method == "PATCH"
    assert requests_mock.last_request.json() == {"notes": "new", "private": True}


def test_delete_release(requests_mock):
    requests_mock.delete(f"{API}/v3/releases/rel-7f3a", status_code=204)
    assert CryptlexHook().delete_release("rel-7f3a") is None


def test_publish_release(requests_mock):
    requests_mock.post(f"{API}/v3/releases/rel-7f3a/publish", json={**RELEASE, "published": True})
    assert CryptlexHook().publish_release("rel-7f3a")["published"] is True
    assert requests_mock.last_request.method == "POST"
    assert_cryptlex_headers(requests_mock.last_request)


def test_published_release_is_read_only_and_the_error_says_so(requests_mock):
    requests_mock.patch(
        f"{API}/v3/releases/rel-7f3a",
        status_code=400,
        json={"message": "A published release cannot be updated."},
    )
    with pytest.raises(
        ReleasesApiValidationError, match=re.escape('Cryptlex said "A published release cannot be updated."')
    ):
        CryptlexHook().update_release("rel-7f3a", name="x")


def test_upload_release_file_streams_to_the_releases_host(requests_mock, tmp_path):
    artifact = tmp_path / "app-1.4.2.zip"
    artifact.write_bytes(b"PK\x03\x04" + b"x" * 1000)
    requests_mock.put("https://releases.cryptlex.com/v3/rel-7f3a/app-1.4.2.zip", json={"id": "file-1"})
    assert CryptlexHook().upload_release_file("rel-7f3a", artifact) == {"id": "file-1"}
    sent = requests_mock.last_request
    assert sent.method == "PUT"
    assert_cryptlex_headers(sent)
    assert sent.headers["Content-Type"] == "application/octet-stream"
    assert sent.body.closed  # streamed from the open file, then closed
    assert int(sent.headers["Content-Length"]) == 1004


def test_upload_release_file_under_another_name_in_the_eu(requests_mock, monkeypatch, tmp_path):
    set_connection(
        monkeypatch,
        "cryptlex_default",
        conn_type="cryptlex",
        password="tok-SECRET-e5d0c3",
        extra={"region": "eu"},
    )
    artifact = tmp_path / "build.bin"
    artifact.write_bytes(b"1234")
    requests_mock.put("https://releases.eu.cryptlex.com/v3/rel-1/setup_1.4.2.exe", json={})
    CryptlexHook().upload_release_file("rel-1", str(artifact), file_name="setup_1.4.2.exe")
    assert requests_mock.call_count == 1


def test_upload_is_retried_with_the_whole_file_after_429(requests_mock, tmp_path, sleeps):
    artifact = tmp_path / "a.zip"
    artifact.write_bytes(b"abcdef")
    seen: list[bytes] = []

    def answer(request, context):
        seen.append(request.body.read())
        context.status_code = 429 if len(seen) == 1 else 200
        context.headers["Retry-After"] = "1"
        return "{}"

    requests_mock.put("https://releases.cryptlex.com/v3/rel-1/a.zip", text=answer)
    CryptlexHook().upload_release_file("rel-1", artifact)
    assert seen == [b"abcdef", b"abcdef"]


def test_upload_after_a_read_timeout_is_not_sent_twice(requests_mock, tmp_path):
    artifact = tmp_path / "a.zip"
    artifact.write_bytes(b"abc")
    requests_mock.put("https://releases.cryptlex.com/v3/rel-1/a.zip", exc=requests.exceptions.ReadTimeout())
    with pytest.raises(Exception, match="not sent again"):
        CryptlexHook().upload_release_file("rel-1", artifact)
    assert requests_mock.call_count == 1


# [START reliability_bad_input]
@pytest.mark.parametrize(
    ("call", "param"),
    [
        (lambda h: h.create_release("prod-1", "", "1.0"), "name"),
        (lambda h: h.create_release("prod-1", "x" * 257, "1.0"), "name"),
        (lambda h: h.create_release("prod-1", "R", "1"), "version"),
        (lambda h: h.create_release("prod-1", "R", "1.2.3.4.5"), "version"),
        (lambda h: h.create_release("prod-1", "R", "v1.2"), "version"),
        (lambda h: h.create_release("prod-1", "R", "1.2-beta"), "version"),
        (lambda h: h.create_release("prod-1", "R", "1.0", channel=""), "channel"),
        (lambda h: h.create_release("prod-1", "R", "1.0", channel="c" * 257), "channel"),
        (
            lambda h: h.create_release("prod-1", "R", "1.0", platforms="windows"),
            "platforms",
        ),
        (lambda h: h.create_release("prod-1", "R", "1.0", private="no"), "private"),
        (lambda h: h.create_release("prod-1", "R", "1.0", notes="n" * 4097), "notes"),
        (
            lambda h: h.create_release("prod-1", "R", "1.0", created_at="last year"),
            "created_at",
        ),
        (lambda h: h.create_release("", "R", "1.0"), "product_id"),
        (lambda h: h.create_release("p" * 257, "R", "1.0"), "product_id"),
        (lambda h: h.list_releases("prod-1", version="latest"), "version"),
        (lambda h: h.get_release("../products"), "release_id"),
        (lambda h: h.update_release("rel-1"), "fields"),
        (lambda h: h.update_release("rel-1", productId="x"), "fields"),
        (lambda h: h.update_release("rel-1", version="2"), "version"),
        (lambda h: h.delete_release("rel 1"), "release_id"),
        (lambda h: h.publish_release("rel/1"), "release_id"),
        (lambda h: h.upload_release_file("rel-1", "/no/such/file.zip"), "path"),
    ],
)
def test_bad_input_is_rejected_before_any_request(requests_mock, call, param):
    with pytest.raises(InvalidParameterError) as caught:
        call(CryptlexHook())
    assert caught.value.param == param
    assert "expected" in str(caught.value)
    assert requests_mock.call_count == 0
    # [END reliability_bad_input]


@pytest.mark.parametrize("name", ["my file.zip", "../x.zip", "a/b.zip", "naïve.zip", ".."])
def test_bad_file_names_are_rejected(requests_mock, tmp_path, name):
    artifact = tmp_path / "ok.zip"
    artifact.write_bytes(b"1")
    with pytest.raises(InvalidParameterError, match=re.escape("letters, digits, '.', '-' and '_'")):
        CryptlexHook().upload_release_file("rel-1", artifact, file_name=name)
    assert requests_mock.call_count == 0


def test_test_connection(requests_mock):
    requests_mock.get(f"{API}/v3/products", json=[])
    assert CryptlexHook().test_connection() == (True, "Connected to Cryptlex at https://api.cryptlex.com.")
    assert_cryptlex_headers(requests_mock.last_request)


def test_list_releases_follows_the_pagination_count_header(requests_mock):
    # A server whose pages are shorter than the limit asked for still says how many there are.
    pages = [[{"id": "a"}, {"id": "b"}], [{"id": "c"}, {"id": "d"}], [{"id": "e"}]]
    requests_mock.get(
        f"{API}/v3/releases", [{"json": page, "headers": {"Pagination-Count": "5"}} for page in pages]
    )
    assert [r["id"] for r in CryptlexHook().list_releases("prod-1")] == ["a", "b", "c", "d", "e"]
    assert [r.qs["page"] for r in requests_mock.request_history] == [["1"], ["2"], ["3"]]


# Against the sandbox, over real HTTP

PUBLISHED_ID = PUBLISHED_RELEASE_ID  # the seed's published Desktop app 1.0.0 (read-only)
DRAFT_ID = DRAFT_RELEASE_ID  # the seed's unpublished Desktop app 1.1.0 beta
SERVICES = ("cryptlex", "cryptlex-releases")


def statuses(sb: Sandbox) -> list[int | None]:
    return [entry.status for entry in recorded(sb, *SERVICES)]


def create(hook: CryptlexHook | None = None, **kwargs: Any) -> dict[str, Any]:
    return (hook or CryptlexHook()).create_release(CLI_TOOLS_ID, "CLI 2.0", "2.0.0", **kwargs)


def cli_releases(sb: Sandbox) -> list[dict[str, Any]]:
    [product] = [p for p in sb.control("state", service="cryptlex")["products"] if p["id"] == CLI_TOOLS_ID]
    return product["releases"]


def draft_files(sb: Sandbox) -> list[str]:
    [product] = [p for p in sb.control("state", service="cryptlex")["products"] if p["id"] == DESKTOP_APP_ID]
    return next(release for release in product["releases"] if release["id"] == DRAFT_ID)["files"]


@pytest.fixture
def artifact(tmp_path: Path) -> Path:
    path = tmp_path / "cli-2.0.0.zip"
    path.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 4)
    return path


# Happy paths


def test_create_release_returns_the_201_answer_and_sends_the_documented_body(
    release_sandbox: Sandbox,
) -> None:
    release = create(
        channel="beta",
        platforms=["linux", "macos"],
        private=True,
        notes="## New\n- completions",
        created_at=dt.datetime(2019, 8, 24, 14, 15, 22, tzinfo=dt.timezone.utc),
    )
    assert release["id"] and release["productId"] == CLI_TOOLS_ID
    assert (release["name"], release["version"], release["channel"], release["platforms"]) == (
        "CLI 2.0",
        "2.0.0",
        "beta",
        ["linux", "macos"],
    )
    assert (release["private"], release["published"], release["createdAt"]) == (
        True,
        False,
        "2019-08-24T14:15:22.000Z",
    )
    [entry] = recorded(release_sandbox, *SERVICES)
    assert (entry.service, entry.method, entry.path, entry.query, entry.status) == (
        "cryptlex",
        "POST",
        "/v3/releases",
        {},
        201,
    )
    assert entry.body == {
        "name": "CLI 2.0",
        "version": "2.0.0",
        "channel": "beta",
        "productId": CLI_TOOLS_ID,
        "platforms": ["linux", "macos"],
        "private": True,
        "notes": "## New\n- completions",
        "createdAt": "2019-08-24T14:15:22Z",
    }
    assert entry.headers["authorization"] == "Bearer ***"
    assert [r["id"] for r in cli_releases(release_sandbox)] == [release["id"]]


def test_list_releases_filters_and_returns_the_products_releases(release_sandbox: Sandbox) -> None:
    releases = list(CryptlexHook().list_releases(DESKTOP_APP_ID, channel="beta", platform="windows"))
    assert [r["id"] for r in releases] == [DRAFT_ID]
    assert releases[0]["version"] == "1.1.0"
    [entry] = recorded(release_sandbox, *SERVICES)
    assert (entry.method, entry.path, entry.status) == ("GET", "/v3/releases", 200)
    assert entry.query == {
        "productId": DESKTOP_APP_ID,
        "channel": "beta",
        "platform": "windows",
        "page": "1",
        "limit": "100",
    }
    assert list(CryptlexHook().list_releases(DESKTOP_APP_ID, version="1.0.0", name="Desktop app 1.0.0")) == [
        CryptlexHook().get_release(PUBLISHED_ID)
    ]


def test_list_releases_pages_until_the_pagination_count_is_reached(release_sandbox: Sandbox) -> None:
    hook = CryptlexHook()
    made = {create(hook, channel=f"c{n}")["id"] for n in range(101)}
    release_sandbox.clear_requests()
    assert {r["id"] for r in hook.list_releases(CLI_TOOLS_ID)} == made
    assert [
        (e.path, e.query["page"], e.query["limit"], e.status) for e in recorded(release_sandbox, *SERVICES)
    ] == [
        ("/v3/releases", "1", "100", 200),
        ("/v3/releases", "2", "100", 200),
    ]


def test_list_releases_of_a_product_without_releases_is_empty(release_sandbox: Sandbox) -> None:
    assert list(CryptlexHook().list_releases(CLI_TOOLS_ID)) == []
    assert statuses(release_sandbox) == [200]


def test_get_release_in_the_sandbox(release_sandbox: Sandbox) -> None:
    release = CryptlexHook().get_release(PUBLISHED_ID)
    assert (release["id"], release["published"], release["totalFiles"]) == (PUBLISHED_ID, True, 1)
    assert [file["name"] for file in release["files"]] == ["DesktopApp-1.0.0-win64.exe"]
    [entry] = recorded(release_sandbox, *SERVICES)
    assert (entry.method, entry.path, entry.query, entry.body, entry.status) == (
        "GET",
        f"/v3/releases/{PUBLISHED_ID}",
        {},
        None,
        200,
    )


def test_update_release_patches_only_the_given_fields_in_the_sandbox(release_sandbox: Sandbox) -> None:
    before = CryptlexHook().get_release(DRAFT_ID)
    updated = CryptlexHook().update_release(DRAFT_ID, notes="Fixed the installer", platforms=["windows"])
    assert updated == {
        **before,
        "notes": "Fixed the installer",
        "platforms": ["windows"],
        "updatedAt": updated["updatedAt"],
    }
    assert updated["updatedAt"] != before["updatedAt"]
    entry = recorded(release_sandbox, *SERVICES)[-1]
    assert (entry.method, entry.path, entry.status) == ("PATCH", f"/v3/releases/{DRAFT_ID}", 200)
    assert entry.body == {"notes": "Fixed the installer", "platforms": ["windows"]}


def test_delete_release_in_the_sandbox(release_sandbox: Sandbox) -> None:
    assert CryptlexHook().delete_release(DRAFT_ID) is None
    [entry] = recorded(release_sandbox, *SERVICES)
    assert (entry.method, entry.path, entry.status) == ("DELETE", f"/v3/releases/{DRAFT_ID}", 204)
    with pytest.raises(ReleasesApiNotFoundError):
        CryptlexHook().get_release(DRAFT_ID)


def test_publish_release_returns_the_published_release(release_sandbox: Sandbox) -> None:
    release = CryptlexHook().publish_release(DRAFT_ID)
    assert release is not None
    assert (release["id"], release["published"]) == (DRAFT_ID, True)
    assert release["publishedAt"]
    [entry] = recorded(release_sandbox, *SERVICES)
    assert (entry.method, entry.path, entry.body, entry.status) == (
        "POST",
        f"/v3/releases/{DRAFT_ID}/publish",
        None,
        200,
    )
    assert CryptlexHook().get_release(DRAFT_ID) == release


def test_upload_release_file_goes_to_the_releases_host(release_sandbox: Sandbox, artifact: Path) -> None:
    data = artifact.read_bytes()
    answer = CryptlexHook().upload_release_file(DRAFT_ID, artifact)
    assert (answer["name"], answer["size"], answer["releaseId"]) == ("cli-2.0.0.zip", len(data), DRAFT_ID)
    assert answer["checksum"] == hashlib.sha256(data).hexdigest()
    [entry] = recorded(release_sandbox, *SERVICES)
    assert (entry.service, entry.method, entry.path, entry.status) == (
        "cryptlex-releases",
        "PUT",
        f"/v3/{DRAFT_ID}/cli-2.0.0.zip",
        200,
    )
    assert entry.headers["content-type"] == "application/octet-stream"
    assert entry.headers["content-length"] == str(len(data))
    assert entry.headers["authorization"] == "Bearer ***"
    assert draft_files(release_sandbox) == ["cli-2.0.0.zip"]


def test_upload_release_file_under_another_name(release_sandbox: Sandbox, artifact: Path) -> None:
    answer = CryptlexHook().upload_release_file(DRAFT_ID, str(artifact), file_name="setup_1.1.0.exe")
    assert (answer["name"], answer["extension"]) == ("setup_1.1.0.exe", "exe")
    assert recorded(release_sandbox, *SERVICES)[0].path == f"/v3/{DRAFT_ID}/setup_1.1.0.exe"
    assert draft_files(release_sandbox) == ["setup_1.1.0.exe"]


def test_test_connection_reads_the_products(release_sandbox: Sandbox) -> None:
    assert CryptlexHook().test_connection() == (
        True,
        f"Connected to Cryptlex at {release_sandbox.url('cryptlex')}.",
    )
    [entry] = recorded(release_sandbox, *SERVICES)
    assert (entry.method, entry.path, entry.query, entry.status) == (
        "GET",
        "/v3/products",
        {"limit": "1"},
        200,
    )


def test_urls_point_at_the_sandbox(release_sandbox: Sandbox) -> None:
    hook = CryptlexHook()
    assert hook.release_files_url == release_sandbox.url("cryptlex-releases")
    assert hook.release_url(DESKTOP_APP_ID, DRAFT_ID) == (
        f"{release_sandbox.url('cryptlex')}/products/{DESKTOP_APP_ID}/releases/{DRAFT_ID}"
    )
    assert recorded(release_sandbox, *SERVICES) == []


def test_a_release_created_published_and_filled_end_to_end(release_sandbox: Sandbox, artifact: Path) -> None:
    hook = CryptlexHook()
    release = create(hook)
    # [START hooks_cryptlex_upload_and_publish]
    hook.upload_release_file(release["id"], artifact)
    hook.update_release(release["id"], notes="Ready")
    published = hook.publish_release(release["id"])
    # [END hooks_cryptlex_upload_and_publish]
    assert published is not None
    assert (published["published"], published["notes"], published["totalFiles"]) == (True, "Ready", 1)
    assert [file["published"] for file in published["files"]] == [True]
    assert cli_releases(release_sandbox)[0]["files"] == ["cli-2.0.0.zip"]
    assert [(e.method, e.status) for e in recorded(release_sandbox, *SERVICES)] == [
        ("POST", 201),
        ("PUT", 200),
        ("PATCH", 200),
        ("POST", 200),
    ]


# Errors the API raises (not the client)


def test_create_for_an_unknown_product_is_not_found(release_sandbox: Sandbox) -> None:
    with pytest.raises(ReleasesApiNotFoundError) as caught:
        CryptlexHook().create_release("no-such-product", "R", "1.0")
    assert caught.value.status == 404 and caught.value.code == "not_found"
    assert "Cryptlex said \"Product 'no-such-product' not found.\"" in str(caught.value)


@pytest.mark.parametrize(
    ("call", "method", "path"),
    [
        (lambda hook: hook.get_release("nope"), "GET", "/v3/releases/nope"),
        (lambda hook: hook.update_release("nope", name="x"), "PATCH", "/v3/releases/nope"),
        (lambda hook: hook.delete_release("nope"), "DELETE", "/v3/releases/nope"),
        (lambda hook: hook.publish_release("nope"), "POST", "/v3/releases/nope/publish"),
    ],
)
def test_unknown_release_is_not_found(
    release_sandbox: Sandbox, call: Callable, method: str, path: str
) -> None:
    with pytest.raises(ReleasesApiNotFoundError) as caught:
        call(CryptlexHook())
    assert (caught.value.method, caught.value.path, caught.value.status) == (method, path, 404)
    assert "Cryptlex said \"Release 'nope' not found.\"" in str(caught.value)
    assert statuses(release_sandbox) == [404]


def test_upload_to_an_unknown_release_is_not_found(release_sandbox: Sandbox, artifact: Path) -> None:
    with pytest.raises(
        ReleasesApiNotFoundError, match=re.escape("Cryptlex said \"Release 'nope' not found.\"")
    ):
        CryptlexHook().upload_release_file("nope", artifact)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda hook, _: hook.update_release(PUBLISHED_ID, notes="x"),
            "A published release cannot be updated.",
        ),
        (lambda hook, _: hook.delete_release(PUBLISHED_ID), "A published release cannot be deleted."),
        (lambda hook, _: hook.publish_release(PUBLISHED_ID), "The release is already published."),
        (
            lambda hook, path: hook.upload_release_file(PUBLISHED_ID, path),
            "A published release cannot be modified: no files can be uploaded to it.",
        ),
    ],
)
def test_a_published_release_is_read_only(
    release_sandbox: Sandbox, artifact: Path, call: Callable, message: str, sleeps: list[float]
) -> None:
    before = release_sandbox.control("state", service="cryptlex")
    with pytest.raises(ReleasesApiValidationError) as caught:
        call(CryptlexHook(), artifact)
    assert (caught.value.status, caught.value.code) == (400, "release_published")
    assert f'Cryptlex said "{message}"' in str(caught.value)
    assert statuses(release_sandbox) == [400] and sleeps == []
    assert release_sandbox.control("state", service="cryptlex") == before


def test_test_connection_with_a_wrong_token_fails_without_showing_it(
    release_sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    connect_to_sandbox(monkeypatch, release_sandbox, "cryptlex", password="bad-tok-SECRET-94f1e0")
    ok, message = CryptlexHook().test_connection()
    assert not ok
    assert 'HTTP 401 [unauthorized]: Cryptlex said "Invalid access token"' in message
    assert "bad-tok-SECRET-94f1e0" not in message
    assert statuses(release_sandbox) == [401]


# Faults: rate limits


def test_rate_limited_get_is_retried_after_the_asked_wait(
    release_sandbox: Sandbox, sleeps: list[float]
) -> None:
    release_sandbox.inject_fault("cryptlex", "rate_limit", count=2, retry_after=2)
    assert CryptlexHook().get_release(DRAFT_ID)["id"] == DRAFT_ID
    assert statuses(release_sandbox) == [429, 429, 200]
    assert sleeps == [2.0, 2.0]


def test_rate_limited_create_is_retried_and_creates_one_release(
    release_sandbox: Sandbox, sleeps: list[float]
) -> None:
    release_sandbox.inject_fault("cryptlex", "rate_limit", retry_after=3)
    release = create()
    assert statuses(release_sandbox) == [429, 201]
    body = {"name": "CLI 2.0", "version": "2.0.0", "channel": "stable", "productId": CLI_TOOLS_ID}
    assert [entry.body for entry in recorded(release_sandbox, *SERVICES)] == [body, body]
    assert sleeps == [3.0]
    assert [r["id"] for r in cli_releases(release_sandbox)] == [release["id"]]


def test_rate_limited_upload_is_sent_again_with_the_whole_file(
    release_sandbox: Sandbox, artifact: Path, sleeps: list[float]
) -> None:
    release_sandbox.inject_fault("cryptlex-releases", "rate_limit", retry_after=1)
    answer = CryptlexHook().upload_release_file(DRAFT_ID, artifact)
    assert answer["size"] == artifact.stat().st_size
    assert [
        (e.service, e.status, e.headers["content-length"]) for e in recorded(release_sandbox, *SERVICES)
    ] == [
        ("cryptlex-releases", 429, str(artifact.stat().st_size)),
        ("cryptlex-releases", 200, str(artifact.stat().st_size)),
    ]
    assert sleeps == [1.0]


def test_rate_limited_page_of_a_list_is_retried(release_sandbox: Sandbox, sleeps: list[float]) -> None:
    release_sandbox.inject_fault("cryptlex", "rate_limit", retry_after=4, method="GET", path="/v3/releases")
    assert [r["id"] for r in CryptlexHook().list_releases(DESKTOP_APP_ID)] == [DRAFT_ID, PUBLISHED_ID]
    assert statuses(release_sandbox) == [429, 200] and sleeps == [4.0]


def test_rate_limit_beyond_the_retries_fails(release_sandbox: Sandbox, sleeps: list[float]) -> None:
    release_sandbox.inject_fault("cryptlex", "rate_limit", count=5, retry_after=1)
    with pytest.raises(ReleasesApiRateLimitError, match="after 3 attempts") as caught:
        CryptlexHook(max_retries=2).get_release(DRAFT_ID)
    assert caught.value.status == 429 and caught.value.code == "rate_limited"
    assert statuses(release_sandbox) == [429, 429, 429] and sleeps == [1.0, 1.0]


# Faults: server errors


def test_500_on_a_get_is_not_retried(release_sandbox: Sandbox, sleeps: list[float]) -> None:
    release_sandbox.inject_fault("cryptlex", "error", status=500)
    with pytest.raises(ReleasesApiServerError) as caught:
        CryptlexHook().get_release(DRAFT_ID)
    assert caught.value.status == 500 and caught.value.may_have_been_applied is False
    assert 'Cryptlex said "Sandbox-injected server error 500"' in str(caught.value)
    assert statuses(release_sandbox) == [500] and sleeps == []


@pytest.mark.parametrize("status", [502, 503])
def test_502_and_503_on_reads_are_retried(release_sandbox: Sandbox, status: int, sleeps: list[float]) -> None:
    release_sandbox.inject_fault("cryptlex", "error", status=status, method="GET")
    assert CryptlexHook().get_release(DRAFT_ID)["id"] == DRAFT_ID
    assert statuses(release_sandbox) == [status, 200]
    assert len(sleeps) == 1 and 0.5 <= sleeps[0] <= 1.0  # the first backoff: 1 s, half jittered
    release_sandbox.inject_fault("cryptlex", "error", status=status, method="GET")
    assert CryptlexHook().test_connection() == (
        False,
        f"Cryptlex test_connection (GET /v3/products) failed with HTTP {status} [internal_server_error]: "
        f'Cryptlex said "Sandbox-injected server error {status}".',
    )


def test_503_on_delete_is_retried(release_sandbox: Sandbox, sleeps: list[float]) -> None:
    release_sandbox.inject_fault("cryptlex", "error", status=503)
    assert CryptlexHook().delete_release(DRAFT_ID) is None
    assert statuses(release_sandbox) == [503, 204] and len(sleeps) == 1


UNSAFE_CALLS = [
    pytest.param(lambda hook, _: create(hook), "cryptlex", "POST", id="create_release"),
    pytest.param(
        lambda hook, _: hook.update_release(DRAFT_ID, name="x"), "cryptlex", "PATCH", id="update_release"
    ),
    pytest.param(lambda hook, _: hook.publish_release(DRAFT_ID), "cryptlex", "POST", id="publish_release"),
    pytest.param(
        lambda hook, path: hook.upload_release_file(DRAFT_ID, path),
        "cryptlex-releases",
        "PUT",
        id="upload_file",
    ),
]


@pytest.mark.parametrize("status", [500, 502, 503])
@pytest.mark.parametrize(("call", "service", "method"), UNSAFE_CALLS)
def test_server_error_on_a_change_is_not_sent_again(
    release_sandbox: Sandbox,
    artifact: Path,
    sleeps: list[float],
    call: Callable,
    service: str,
    method: str,
    status: int,
) -> None:
    before = release_sandbox.control("state", service="cryptlex")
    release_sandbox.inject_fault(service, "error", status=status)
    with pytest.raises(ReleasesApiServerError) as caught:
        call(CryptlexHook(), artifact)
    assert caught.value.status == status and caught.value.may_have_been_applied is True
    assert "so it was not sent again" in str(caught.value)
    assert [(e.service, e.method, e.status) for e in recorded(release_sandbox, *SERVICES)] == [
        (service, method, status)
    ]
    assert sleeps == []
    assert (
        release_sandbox.control("state", service="cryptlex") == before
    )  # the fault answered before the route


# Faults: dropped connections


def test_dropped_read_is_retried(release_sandbox: Sandbox, sleeps: list[float]) -> None:
    release_sandbox.inject_fault("cryptlex", "drop", method="GET")
    assert [r["id"] for r in CryptlexHook().list_releases(DESKTOP_APP_ID)] == [DRAFT_ID, PUBLISHED_ID]
    assert statuses(release_sandbox) == [None, 200]
    assert len(sleeps) == 1 and 0.5 <= sleeps[0] <= 1.0


@pytest.mark.parametrize(("call", "service", "method"), UNSAFE_CALLS)
def test_dropped_change_is_not_sent_again(
    release_sandbox: Sandbox, artifact: Path, sleeps: list[float], call: Callable, service: str, method: str
) -> None:
    before = release_sandbox.control("state", service="cryptlex")
    release_sandbox.inject_fault(service, "drop")
    with pytest.raises(ReleasesApiConnectionError) as caught:
        call(CryptlexHook(), artifact)
    assert caught.value.status is None and caught.value.may_have_been_applied is True
    assert "the connection was dropped before a response arrived" in str(caught.value)
    assert [(e.service, e.method, e.status) for e in recorded(release_sandbox, *SERVICES)] == [
        (service, method, None)
    ]
    assert sleeps == []
    assert release_sandbox.control("state", service="cryptlex") == before


# Faults: slow answers


def test_slow_read_times_out_and_is_retried(release_sandbox: Sandbox, sleeps: list[float]) -> None:
    release_sandbox.inject_fault("cryptlex", "delay", delay=0.5)
    assert CryptlexHook(timeout=0.1).get_release(DRAFT_ID)["id"] == DRAFT_ID
    assert len(sleeps) == 1
    entries = wait_until_answered(release_sandbox, *SERVICES, count=2)
    assert [(e.path, e.status) for e in entries] == [(f"/v3/releases/{DRAFT_ID}", 200)] * 2


def test_slow_create_times_out_is_not_sent_again_and_may_have_been_applied(
    release_sandbox: Sandbox, sleeps: list[float]
) -> None:
    release_sandbox.inject_fault("cryptlex", "delay", delay=0.5)
    with pytest.raises(ReleasesApiConnectionError) as caught:
        create(CryptlexHook(timeout=(2, 0.1)))
    assert caught.value.may_have_been_applied is True and caught.value.attempts == 1
    assert "no response within the 0.1 s read timeout" in str(caught.value)
    assert sleeps == []
    # The sandbox answers after the delay: the release was created although the hook gave up.
    [entry] = wait_until_answered(release_sandbox, *SERVICES, count=1)
    assert (entry.method, entry.status) == ("POST", 201)
    assert [r["version"] for r in cli_releases(release_sandbox)] == ["2.0.0"]


def test_slow_upload_times_out_and_is_not_sent_again(release_sandbox: Sandbox, artifact: Path) -> None:
    release_sandbox.inject_fault("cryptlex-releases", "delay", delay=0.5)
    with pytest.raises(ReleasesApiConnectionError, match="not sent again") as caught:
        CryptlexHook(timeout=0.1).upload_release_file(DRAFT_ID, artifact)
    assert caught.value.may_have_been_applied is True
    [entry] = wait_until_answered(release_sandbox, *SERVICES, count=1)
    assert (entry.service, entry.method, entry.status) == ("cryptlex-releases", "PUT", 200)


# Faults: malformed answers


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda hook: hook.get_release(DRAFT_ID), id="get_release"),
        pytest.param(lambda hook: list(hook.list_releases(DESKTOP_APP_ID)), id="list_releases"),
        pytest.param(lambda hook: create(hook), id="create_release"),
        pytest.param(lambda hook: hook.update_release(DRAFT_ID, notes="x"), id="update_release"),
        pytest.param(lambda hook: hook.publish_release(DRAFT_ID), id="publish_release"),
    ],
)
def test_malformed_answer_is_a_response_error(release_sandbox: Sandbox, call: Callable) -> None:
    release_sandbox.inject_fault("cryptlex", "malformed")
    with pytest.raises(ReleasesApiResponseError) as caught:
        call(CryptlexHook())
    assert caught.value.status == 200
    assert "the response body is not valid JSON" in str(caught.value)
    assert '{"id": "truncated' in str(caught.value)
    assert statuses(release_sandbox) == [200]


def test_malformed_upload_answer_is_a_response_error(release_sandbox: Sandbox, artifact: Path) -> None:
    release_sandbox.inject_fault("cryptlex-releases", "malformed")
    with pytest.raises(ReleasesApiResponseError, match="not valid JSON"):
        CryptlexHook().upload_release_file(DRAFT_ID, artifact)


def test_errors_never_show_the_token(release_sandbox: Sandbox) -> None:
    release_sandbox.inject_fault("cryptlex", "error", status=500)
    with pytest.raises(ReleasesApiError) as caught:
        CryptlexHook().get_release(DRAFT_ID)
    assert ACCESS_TOKEN not in str(caught.value)
    assert all(ACCESS_TOKEN not in repr(entry) for entry in recorded(release_sandbox, *SERVICES))
