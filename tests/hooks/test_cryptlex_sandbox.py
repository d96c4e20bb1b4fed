"""CryptlexHook against the sandboxed Cryptlex API (and its release file host) over real HTTP."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_releases.exceptions import (
    ReleasesApiConnectionError,
    ReleasesApiError,
    ReleasesApiNotFoundError,
    ReleasesApiRateLimitError,
    ReleasesApiResponseError,
    ReleasesApiServerError,
    ReleasesApiValidationError,
)
from airflow_provider_releases.hooks.cryptlex import CryptlexHook
from airflow_provider_releases.sandbox import RecordedRequest, Sandbox
from airflow_provider_releases.sandbox.cryptlex import (
    ACCESS_TOKEN,
    CLI_TOOLS_ID,
    DESKTOP_APP_ID,
    DRAFT_RELEASE_ID,
    PUBLISHED_RELEASE_ID,
)
from tests.conftest import set_connection

PUBLISHED_ID = PUBLISHED_RELEASE_ID  # the seed's published Desktop app 1.0.0 (read-only)
DRAFT_ID = DRAFT_RELEASE_ID  # the seed's unpublished Desktop app 1.1.0 beta
SERVICES = ("cryptlex", "cryptlex-releases")


def journal(sb: Sandbox) -> list[RecordedRequest]:
    """This service's requests (both hosts), oldest first."""
    return [entry for entry in sb.requests if entry.service in SERVICES]


def statuses(sb: Sandbox) -> list[int | None]:
    return [entry.status for entry in journal(sb)]


def wait_for_journal(sb: Sandbox, count: int) -> list[RecordedRequest]:
    """Wait until no request is being answered (a delayed one shows status ``None`` until then) and
    return the journal, which must hold ``count`` requests."""
    sb.wait_idle()
    entries = journal(sb)
    assert len(entries) >= count, entries
    return entries


def create(hook: CryptlexHook | None = None, **kwargs: Any) -> dict[str, Any]:
    return (hook or CryptlexHook()).create_release(CLI_TOOLS_ID, "CLI 2.0", "2.0.0", **kwargs)


def cli_releases(sb: Sandbox) -> list[dict[str, Any]]:
    [product] = [p for p in sb.control("cryptlex.state")["products"] if p["id"] == CLI_TOOLS_ID]
    return product["releases"]


def draft_files(sb: Sandbox) -> list[str]:
    [product] = [p for p in sb.control("cryptlex.state")["products"] if p["id"] == DESKTOP_APP_ID]
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
    [entry] = journal(release_sandbox)
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
    [entry] = journal(release_sandbox)
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
    assert [(e.path, e.query["page"], e.query["limit"], e.status) for e in journal(release_sandbox)] == [
        ("/v3/releases", "1", "100", 200),
        ("/v3/releases", "2", "100", 200),
    ]


def test_list_releases_of_a_product_without_releases_is_empty(release_sandbox: Sandbox) -> None:
    assert list(CryptlexHook().list_releases(CLI_TOOLS_ID)) == []
    assert statuses(release_sandbox) == [200]


def test_get_release(release_sandbox: Sandbox) -> None:
    release = CryptlexHook().get_release(PUBLISHED_ID)
    assert (release["id"], release["published"], release["totalFiles"]) == (PUBLISHED_ID, True, 1)
    assert [file["name"] for file in release["files"]] == ["DesktopApp-1.0.0-win64.exe"]
    [entry] = journal(release_sandbox)
    assert (entry.method, entry.path, entry.query, entry.body, entry.status) == (
        "GET",
        f"/v3/releases/{PUBLISHED_ID}",
        {},
        None,
        200,
    )


def test_update_release_patches_only_the_given_fields(release_sandbox: Sandbox) -> None:
    before = CryptlexHook().get_release(DRAFT_ID)
    updated = CryptlexHook().update_release(DRAFT_ID, notes="Fixed the installer", platforms=["windows"])
    assert updated == {
        **before,
        "notes": "Fixed the installer",
        "platforms": ["windows"],
        "updatedAt": updated["updatedAt"],
    }
    assert updated["updatedAt"] != before["updatedAt"]
    entry = journal(release_sandbox)[-1]
    assert (entry.method, entry.path, entry.status) == ("PATCH", f"/v3/releases/{DRAFT_ID}", 200)
    assert entry.body == {"notes": "Fixed the installer", "platforms": ["windows"]}


def test_delete_release(release_sandbox: Sandbox) -> None:
    assert CryptlexHook().delete_release(DRAFT_ID) is None
    [entry] = journal(release_sandbox)
    assert (entry.method, entry.path, entry.status) == ("DELETE", f"/v3/releases/{DRAFT_ID}", 204)
    with pytest.raises(ReleasesApiNotFoundError):
        CryptlexHook().get_release(DRAFT_ID)


def test_publish_release_returns_the_published_release(release_sandbox: Sandbox) -> None:
    release = CryptlexHook().publish_release(DRAFT_ID)
    assert release is not None
    assert (release["id"], release["published"]) == (DRAFT_ID, True)
    assert release["publishedAt"]
    [entry] = journal(release_sandbox)
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
    [entry] = journal(release_sandbox)
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
    assert journal(release_sandbox)[0].path == f"/v3/{DRAFT_ID}/setup_1.1.0.exe"
    assert draft_files(release_sandbox) == ["setup_1.1.0.exe"]


def test_test_connection_reads_the_products(release_sandbox: Sandbox) -> None:
    assert CryptlexHook().test_connection() == (
        True,
        f"Connected to Cryptlex at {release_sandbox.url('cryptlex')}.",
    )
    [entry] = journal(release_sandbox)
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
    assert journal(release_sandbox) == []


def test_a_release_created_published_and_filled_end_to_end(release_sandbox: Sandbox, artifact: Path) -> None:
    hook = CryptlexHook()
    release = create(hook)
    hook.upload_release_file(release["id"], artifact)
    hook.update_release(release["id"], notes="Ready")
    published = hook.publish_release(release["id"])
    assert published is not None
    assert (published["published"], published["notes"], published["totalFiles"]) == (True, "Ready", 1)
    assert [file["published"] for file in published["files"]] == [True]
    assert cli_releases(release_sandbox)[0]["files"] == ["cli-2.0.0.zip"]
    assert [(e.method, e.status) for e in journal(release_sandbox)] == [
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
    before = release_sandbox.control("cryptlex.state")
    with pytest.raises(ReleasesApiValidationError) as caught:
        call(CryptlexHook(), artifact)
    assert (caught.value.status, caught.value.code) == (400, "release_published")
    assert f'Cryptlex said "{message}"' in str(caught.value)
    assert statuses(release_sandbox) == [400] and sleeps == []
    assert release_sandbox.control("cryptlex.state") == before


def test_test_connection_with_a_wrong_token_fails_without_showing_it(
    release_sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_connection(
        monkeypatch,
        "cryptlex_default",
        conn_type="cryptlex",
        host=release_sandbox.url("cryptlex"),
        password="bad-tok-SECRET-94f1e0",
    )
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
    assert [entry.body for entry in journal(release_sandbox)] == [body, body]
    assert sleeps == [3.0]
    assert [r["id"] for r in cli_releases(release_sandbox)] == [release["id"]]


def test_rate_limited_upload_is_sent_again_with_the_whole_file(
    release_sandbox: Sandbox, artifact: Path, sleeps: list[float]
) -> None:
    release_sandbox.inject_fault("cryptlex-releases", "rate_limit", retry_after=1)
    answer = CryptlexHook().upload_release_file(DRAFT_ID, artifact)
    assert answer["size"] == artifact.stat().st_size
    assert [(e.service, e.status, e.headers["content-length"]) for e in journal(release_sandbox)] == [
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
    before = release_sandbox.control("cryptlex.state")
    release_sandbox.inject_fault(service, "error", status=status)
    with pytest.raises(ReleasesApiServerError) as caught:
        call(CryptlexHook(), artifact)
    assert caught.value.status == status and caught.value.may_have_been_applied is True
    assert "so it was not sent again" in str(caught.value)
    assert [(e.service, e.method, e.status) for e in journal(release_sandbox)] == [(service, method, status)]
    assert sleeps == []
    assert release_sandbox.control("cryptlex.state") == before  # the fault answered before the route


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
    before = release_sandbox.control("cryptlex.state")
    release_sandbox.inject_fault(service, "drop")
    with pytest.raises(ReleasesApiConnectionError) as caught:
        call(CryptlexHook(), artifact)
    assert caught.value.status is None and caught.value.may_have_been_applied is True
    assert "the connection was dropped before a response arrived" in str(caught.value)
    assert [(e.service, e.method, e.status) for e in journal(release_sandbox)] == [(service, method, None)]
    assert sleeps == []
    assert release_sandbox.control("cryptlex.state") == before


# Faults: slow answers


def test_slow_read_times_out_and_is_retried(release_sandbox: Sandbox, sleeps: list[float]) -> None:
    release_sandbox.inject_fault("cryptlex", "delay", delay=0.5)
    assert CryptlexHook(timeout=0.1).get_release(DRAFT_ID)["id"] == DRAFT_ID
    assert len(sleeps) == 1
    entries = wait_for_journal(release_sandbox, 2)
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
    [entry] = wait_for_journal(release_sandbox, 1)
    assert (entry.method, entry.status) == ("POST", 201)
    assert [r["version"] for r in cli_releases(release_sandbox)] == ["2.0.0"]


def test_slow_upload_times_out_and_is_not_sent_again(release_sandbox: Sandbox, artifact: Path) -> None:
    release_sandbox.inject_fault("cryptlex-releases", "delay", delay=0.5)
    with pytest.raises(ReleasesApiConnectionError, match="not sent again") as caught:
        CryptlexHook(timeout=0.1).upload_release_file(DRAFT_ID, artifact)
    assert caught.value.may_have_been_applied is True
    [entry] = wait_for_journal(release_sandbox, 1)
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
    assert all(ACCESS_TOKEN not in repr(entry) for entry in journal(release_sandbox))
