from __future__ import annotations

import datetime as dt
import re

import pytest
import requests

from airflow_provider_releases.exceptions import InvalidParameterError, ReleasesApiValidationError
from airflow_provider_releases.hooks.cryptlex import CryptlexHook
from tests.conftest import SECRETS, set_connection

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


def assert_cryptlex_headers(request):
    assert request.headers["Authorization"] == f"Bearer {SECRETS['cryptlex_token']}"


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
        (lambda h: h.create_release("prod-1", "R", "1.0", platforms="windows"), "platforms"),
        (lambda h: h.create_release("prod-1", "R", "1.0", private="no"), "private"),
        (lambda h: h.create_release("prod-1", "R", "1.0", notes="n" * 4097), "notes"),
        (lambda h: h.create_release("prod-1", "R", "1.0", created_at="last year"), "created_at"),
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
