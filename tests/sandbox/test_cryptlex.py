"""The Cryptlex sandbox's contract over real HTTP: Bearer auth, release rules, paging, publishing, files."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import pytest
import requests

from airflow_provider_releases_sandbox import Sandbox, sandbox
from airflow_provider_releases_sandbox.cryptlex import (
    ACCESS_TOKEN,
    CLI_TOOLS_ID,
    DESKTOP_APP_ID,
    DRAFT_RELEASE_ID,
    PUBLISHED_RELEASE_ID,
    TENANT_ID,
    CryptlexBackend,
)

PUBLISHED_ID = PUBLISHED_RELEASE_ID  # the seed's published Desktop app 1.0.0 (read-only)
DRAFT_ID = DRAFT_RELEASE_ID  # the seed's unpublished Desktop app 1.1.0 beta
AUTH = {"Authorization": f"Bearer {ACCESS_TOKEN}"}
RELEASE_KEYS = {
    "id",
    "createdAt",
    "updatedAt",
    "name",
    "channel",
    "version",
    "platforms",
    "notes",
    "totalFiles",
    "publishedAt",
    "files",
    "published",
    "private",
    "archived",
    "productId",
    "tenantId",
}
FILE_KEYS = {
    "id",
    "createdAt",
    "updatedAt",
    "name",
    "url",
    "size",
    "downloads",
    "extension",
    "checksum",
    "secured",
    "published",
    "releaseId",
    "releaseName",
}
BODY = {"name": "CLI 2.0", "version": "2.0.0", "productId": CLI_TOOLS_ID}


def api(sb: Sandbox, method: str, path: str, *, headers: dict | None = AUTH, **kwargs: Any):
    return requests.request(method, f"{sb.url('cryptlex')}{path}", headers=headers, timeout=5, **kwargs)


def upload(sb: Sandbox, release_id: str, name: str, data: bytes = b"PK\x03\x04 zip", headers=AUTH):
    url = f"{sb.url('cryptlex-releases')}/v3/{release_id}/{name}"
    return requests.put(url, data=data, headers=headers, timeout=5)


def create(sb: Sandbox, **fields: Any) -> dict[str, Any]:
    response = api(sb, "POST", "/v3/releases", json={**BODY, **fields})
    assert response.status_code == 201, response.text
    return response.json()


def releases_of(sb: Sandbox, product_id: str) -> list[dict[str, Any]]:
    [product] = [p for p in sb.control("state", service="cryptlex")["products"] if p["id"] == product_id]
    return product["releases"]


# Auth


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        (None, "Missing access token: send Authorization: Bearer <token>"),
        ({"Authorization": "Bearer not-the-token"}, "Invalid access token"),
        ({"Authorization": ACCESS_TOKEN}, "Missing access token: send Authorization: Bearer <token>"),
        (
            {"Authorization": f"Basic {ACCESS_TOKEN}"},
            "Missing access token: send Authorization: Bearer <token>",
        ),
        ({"Authorization": "Bearer "}, "Missing access token: send Authorization: Bearer <token>"),
    ],
)
def test_auth_failures_answer_401_on_both_hosts(release_sandbox: Sandbox, headers, message: str) -> None:
    for response in (
        api(release_sandbox, "POST", "/v3/releases", json=BODY, headers=headers),
        api(release_sandbox, "GET", "/v3/products", headers=headers),
        upload(release_sandbox, DRAFT_ID, "a.zip", headers=headers),
    ):
        assert response.status_code == 401
        assert response.json() == {"message": message, "code": "unauthorized"}
    assert releases_of(release_sandbox, CLI_TOOLS_ID) == []
    assert releases_of(release_sandbox, DESKTOP_APP_ID)[1]["files"] == []


# Products


def test_products_list_is_the_default_seed_paged_with_the_count_header(release_sandbox: Sandbox) -> None:
    response = api(release_sandbox, "GET", "/v3/products")
    assert response.status_code == 200
    assert response.headers["Pagination-Count"] == "2"
    products = response.json()
    assert [(p["id"], p["name"]) for p in products] == [
        (DESKTOP_APP_ID, "Desktop app"),
        (CLI_TOOLS_ID, "Command-line tools"),
    ]
    assert {p["tenantId"] for p in products} == {TENANT_ID}
    second = api(release_sandbox, "GET", "/v3/products", params={"page": 2, "limit": 1})
    assert [p["id"] for p in second.json()] == [CLI_TOOLS_ID]
    assert second.headers["Pagination-Count"] == "2"
    assert api(release_sandbox, "GET", f"/v3/products/{CLI_TOOLS_ID}").json() == products[1]


def test_unknown_product_answers_404(release_sandbox: Sandbox) -> None:
    response = api(release_sandbox, "GET", "/v3/products/no-such-product")
    assert response.status_code == 404
    assert response.json() == {"message": "Product 'no-such-product' not found.", "code": "not_found"}


# Create


def test_create_answers_201_with_the_documented_shape(release_sandbox: Sandbox) -> None:
    body = {
        "name": "Desktop app 2.0",
        "version": "2.0.0.1",
        "channel": "beta",
        "platforms": ["windows", "macos"],
        "private": True,
        "notes": "## New\n- dark mode",
        "productId": DESKTOP_APP_ID,
        "createdAt": "2019-08-24T16:15:22+02:00",
    }
    response = api(release_sandbox, "POST", "/v3/releases", json=body)
    assert response.status_code == 201
    release = response.json()
    assert set(release) == RELEASE_KEYS
    assert {key: release[key] for key in body if key != "createdAt"} == {
        key: value for key, value in body.items() if key != "createdAt"
    }
    assert release["createdAt"] == release["updatedAt"] == "2019-08-24T14:15:22.000Z"
    assert (release["published"], release["publishedAt"], release["archived"]) == (False, None, False)
    assert (release["files"], release["totalFiles"], release["tenantId"]) == ([], 0, TENANT_ID)
    assert api(release_sandbox, "GET", f"/v3/releases/{release['id']}").json() == release


def test_create_defaults_channel_platforms_private_and_notes(release_sandbox: Sandbox) -> None:
    release = create(release_sandbox)
    assert (release["channel"], release["platforms"], release["private"], release["notes"]) == (
        "stable",
        [],
        False,
        "",
    )
    assert release["createdAt"].endswith("Z") and release["id"]
    assert [r["id"] for r in releases_of(release_sandbox, CLI_TOOLS_ID)] == [release["id"]]


@pytest.mark.parametrize(
    "fields",
    [
        {"name": "n" * 256, "notes": "x" * 4096, "channel": "c" * 256},
        {"version": "1.0", "notes": "", "channel": "c", "platforms": []},
        {"version": "10.20.30.40", "private": False, "platforms": None, "notes": None},
        {"createdAt": "2019-08-24T14:15:22.123Z"},
    ],
)
def test_create_accepts_the_documented_limits(release_sandbox: Sandbox, fields: dict) -> None:
    create(release_sandbox, **fields)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name": None}, "The name field is required."),
        ({"version": None}, "The version field is required."),
        ({"productId": None}, "The productId field is required."),
        ({"name": ""}, "The name field must be a string of 1 to 256 characters, not ''."),
        ({"name": "n" * 257}, "The name field must be a string of 1 to 256 characters"),
        ({"name": 7}, "The name field must be a string of 1 to 256 characters, not 7."),
        ({"channel": ""}, "The channel field must be a string of 1 to 256 characters"),
        ({"channel": "c" * 257}, "The channel field must be a string of 1 to 256 characters"),
        ({"notes": "x" * 4097}, "The notes field must be a string of 0 to 4096 characters"),
        ({"productId": ""}, "The productId field must be a string of 1 to 256 characters"),
        ({"productId": "p" * 257}, "The productId field must be a string of 1 to 256 characters"),
        ({"version": "1"}, "The version field must be x.x, x.x.x or x.x.x.x in digits, not '1'."),
        ({"version": "1.2.3.4.5"}, "The version field must be x.x, x.x.x or x.x.x.x in digits"),
        ({"version": "v1.2"}, "The version field must be x.x, x.x.x or x.x.x.x in digits"),
        ({"version": "1.2-beta"}, "The version field must be x.x, x.x.x or x.x.x.x in digits"),
        ({"version": 1.2}, "The version field must be x.x, x.x.x or x.x.x.x in digits, not 1.2."),
        ({"platforms": "windows"}, "The platforms field must be an array of strings, not 'windows'."),
        ({"platforms": ["windows", 64]}, "The platforms field must be an array of strings"),
        ({"private": "yes"}, "The private field must be true or false, not 'yes'."),
        ({"createdAt": "last year"}, "The createdAt field must be a date-time such as 2019-08-24T14:15:22Z"),
        ({"createdAt": "2019-08-24"}, "The createdAt field must be a date-time"),
        ({"createdAt": "2019-08-24T14:15:22"}, "The createdAt field must be a date-time"),
        ({"createdAt": "2019-02-30T14:15:22Z"}, "The createdAt field must be a date-time"),
        ({"published": True}, "Unknown field(s) published: the accepted fields are name, version, channel"),
    ],
)
def test_bad_create_answers_400_with_the_reason(release_sandbox: Sandbox, change: dict, message: str) -> None:
    body = {**BODY, **change}
    body = {key: value for key, value in body.items() if value is not None or key not in BODY}
    response = api(release_sandbox, "POST", "/v3/releases", json=body)
    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"
    assert message in response.json()["message"]
    assert releases_of(release_sandbox, CLI_TOOLS_ID) == []


def test_create_for_an_unknown_product_answers_404(release_sandbox: Sandbox) -> None:
    response = api(release_sandbox, "POST", "/v3/releases", json={**BODY, "productId": "no-such-product"})
    assert response.status_code == 404
    assert response.json() == {"message": "Product 'no-such-product' not found.", "code": "not_found"}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "the request has no body"),
        (b"name=x", "the request body is not valid JSON"),
        (b'["name"]', "the request body must be a JSON object"),
    ],
)
def test_create_with_a_body_that_is_not_a_json_object_answers_400(
    release_sandbox: Sandbox, data: bytes, message: str
) -> None:
    response = api(
        release_sandbox,
        "POST",
        "/v3/releases",
        data=data,
        headers={**AUTH, "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert message in response.json()["message"]


# List


def test_list_needs_a_product_id(release_sandbox: Sandbox) -> None:
    for params in ({}, {"productId": ""}):
        response = api(release_sandbox, "GET", "/v3/releases", params=params)
        assert response.status_code == 400
        assert response.json() == {
            "message": "The productId query parameter is required.",
            "code": "bad_request",
        }


def test_list_pages_newest_first_with_the_total_in_pagination_count(release_sandbox: Sandbox) -> None:
    made = [
        create(release_sandbox, version=f"2.0.{n}", createdAt=f"2025-01-0{n + 1}T00:00:00Z")["id"]
        for n in range(5)
    ]
    pages = [
        api(
            release_sandbox,
            "GET",
            "/v3/releases",
            params={"productId": CLI_TOOLS_ID, "page": page, "limit": 2},
        )
        for page in (1, 2, 3, 4)
    ]
    assert [[r["id"] for r in page.json()] for page in pages] == [
        made[4:2:-1],
        made[2:0:-1],
        made[:1],
        [],
    ]
    assert {page.headers["Pagination-Count"] for page in pages} == {"5"}
    default = api(release_sandbox, "GET", "/v3/releases", params={"productId": CLI_TOOLS_ID})
    assert len(default.json()) == 5


def test_list_default_limit_is_10_and_the_maximum_100(release_sandbox: Sandbox) -> None:
    for n in range(12):
        create(release_sandbox, version=f"3.{n}")
    default = api(release_sandbox, "GET", "/v3/releases", params={"productId": CLI_TOOLS_ID})
    assert len(default.json()) == 10 and default.headers["Pagination-Count"] == "12"
    biggest = api(release_sandbox, "GET", "/v3/releases", params={"productId": CLI_TOOLS_ID, "limit": 100})
    assert len(biggest.json()) == 12


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"page": "0"}, "query parameter page=0 must be at least 1"),
        ({"page": "x"}, "query parameter page='x' must be an integer"),
        ({"limit": "0"}, "query parameter limit=0 must be between 1 and 100"),
        ({"limit": "101"}, "query parameter limit=101 must be between 1 and 100"),
        ({"limit": "-1"}, "query parameter limit=-1 must be between 1 and 100"),
    ],
)
def test_bad_paging_answers_400(release_sandbox: Sandbox, params: dict, message: str) -> None:
    for path, query in (("/v3/releases", {"productId": DESKTOP_APP_ID}), ("/v3/products", {})):
        response = api(release_sandbox, "GET", path, params={**query, **params})
        assert response.status_code == 400
        assert response.json() == {"message": message, "code": "bad_request"}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, [DRAFT_ID, PUBLISHED_ID]),
        ({"version": "1.0.0"}, [PUBLISHED_ID]),
        ({"channel": "beta"}, [DRAFT_ID]),
        ({"name": "Desktop app 1.1.0 beta"}, [DRAFT_ID]),
        ({"platform": "linux"}, [PUBLISHED_ID]),
        ({"platform": "windows", "channel": "stable"}, [PUBLISHED_ID]),
        ({"version": "9.9"}, []),
    ],
)
def test_list_filters(release_sandbox: Sandbox, params: dict, expected: list[str]) -> None:
    response = api(release_sandbox, "GET", "/v3/releases", params={"productId": DESKTOP_APP_ID, **params})
    assert [r["id"] for r in response.json()] == expected
    assert response.headers["Pagination-Count"] == str(len(expected))


def test_list_of_another_or_unknown_product_is_empty(release_sandbox: Sandbox) -> None:
    for product_id in (CLI_TOOLS_ID, "no-such-product"):
        response = api(release_sandbox, "GET", "/v3/releases", params={"productId": product_id})
        assert (response.status_code, response.json(), response.headers["Pagination-Count"]) == (200, [], "0")


# Get, update, delete


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v3/releases/no-such-release"),
        ("PATCH", "/v3/releases/no-such-release"),
        ("DELETE", "/v3/releases/no-such-release"),
        ("POST", "/v3/releases/no-such-release/publish"),
    ],
)
def test_unknown_release_answers_404(release_sandbox: Sandbox, method: str, path: str) -> None:
    response = api(release_sandbox, method, path, json={"name": "x"})
    assert response.status_code == 404
    assert response.json() == {"message": "Release 'no-such-release' not found.", "code": "not_found"}


def test_seeded_releases_have_the_documented_shape(release_sandbox: Sandbox) -> None:
    published = api(release_sandbox, "GET", f"/v3/releases/{PUBLISHED_ID}").json()
    assert set(published) == RELEASE_KEYS
    assert (published["published"], published["publishedAt"]) == (True, "2024-06-04T08:15:00.000Z")
    assert published["totalFiles"] == 1
    [file] = published["files"]
    assert set(file) == FILE_KEYS
    assert (file["name"], file["extension"], file["published"], file["releaseId"]) == (
        "DesktopApp-1.0.0-win64.exe",
        "exe",
        True,
        PUBLISHED_ID,
    )
    draft = api(release_sandbox, "GET", f"/v3/releases/{DRAFT_ID}").json()
    assert (draft["published"], draft["publishedAt"], draft["private"]) == (False, None, True)


def test_patch_changes_the_given_fields(release_sandbox: Sandbox) -> None:
    release = create(release_sandbox, createdAt="2020-01-01T00:00:00Z")
    change = {"name": "Renamed", "version": "2.0.1", "platforms": ["linux"], "private": True, "notes": "n"}
    response = api(release_sandbox, "PATCH", f"/v3/releases/{release['id']}", json=change)
    assert response.status_code == 200
    updated = response.json()
    assert updated == {**release, **change, "updatedAt": updated["updatedAt"]}
    assert updated["updatedAt"] > release["updatedAt"]
    assert api(release_sandbox, "GET", f"/v3/releases/{release['id']}").json() == updated


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"productId": DESKTOP_APP_ID}, "Unknown field(s) productId"),
        ({"version": "2"}, "The version field must be x.x, x.x.x or x.x.x.x in digits"),
        ({"name": ""}, "The name field must be a string of 1 to 256 characters"),
        ({"private": 1}, "The private field must be true or false"),
    ],
)
def test_bad_patch_answers_400_and_changes_nothing(
    release_sandbox: Sandbox, change: dict, message: str
) -> None:
    response = api(release_sandbox, "PATCH", f"/v3/releases/{DRAFT_ID}", json=change)
    assert response.status_code == 400
    assert message in response.json()["message"]
    assert api(release_sandbox, "GET", f"/v3/releases/{DRAFT_ID}").json()["updatedAt"] == (
        "2024-09-10T16:20:00.000Z"
    )


def test_delete_answers_204_and_the_release_is_gone(release_sandbox: Sandbox) -> None:
    response = api(release_sandbox, "DELETE", f"/v3/releases/{DRAFT_ID}")
    assert (response.status_code, response.content) == (204, b"")
    assert api(release_sandbox, "GET", f"/v3/releases/{DRAFT_ID}").status_code == 404
    assert [r["id"] for r in releases_of(release_sandbox, DESKTOP_APP_ID)] == [PUBLISHED_ID]


# Publishing: a published release is read-only


def test_publish_sets_published_and_published_at(release_sandbox: Sandbox) -> None:
    assert upload(release_sandbox, DRAFT_ID, "setup.exe").status_code == 200
    response = api(release_sandbox, "POST", f"/v3/releases/{DRAFT_ID}/publish")
    assert response.status_code == 200
    release = response.json()
    assert release["published"] is True
    assert release["publishedAt"] == release["updatedAt"] and release["publishedAt"].endswith("Z")
    assert [file["published"] for file in release["files"]] == [True]
    assert api(release_sandbox, "GET", f"/v3/releases/{DRAFT_ID}").json() == release


@pytest.mark.parametrize(
    ("method", "path", "message"),
    [
        ("PATCH", "/v3/releases/{id}", "A published release cannot be updated."),
        ("DELETE", "/v3/releases/{id}", "A published release cannot be deleted."),
        ("POST", "/v3/releases/{id}/publish", "The release is already published."),
    ],
)
def test_a_published_release_is_read_only(
    release_sandbox: Sandbox, method: str, path: str, message: str
) -> None:
    release = create(release_sandbox)
    api(release_sandbox, "POST", f"/v3/releases/{release['id']}/publish")
    before = api(release_sandbox, "GET", f"/v3/releases/{release['id']}").json()
    for release_id in (release["id"], PUBLISHED_ID):
        response = api(release_sandbox, method, path.format(id=release_id), json={"notes": "changed"})
        assert response.status_code == 400
        assert response.json() == {"message": message, "code": "release_published"}
    assert api(release_sandbox, "GET", f"/v3/releases/{release['id']}").json() == before


def test_no_file_can_be_uploaded_to_a_published_release(release_sandbox: Sandbox) -> None:
    response = upload(release_sandbox, PUBLISHED_ID, "extra.zip")
    assert response.status_code == 400
    assert response.json() == {
        "message": "A published release cannot be modified: no files can be uploaded to it.",
        "code": "release_published",
    }
    assert releases_of(release_sandbox, DESKTOP_APP_ID)[0]["files"] == ["DesktopApp-1.0.0-win64.exe"]


# Files on the releases host


def test_upload_records_the_file_in_the_release(release_sandbox: Sandbox) -> None:
    release = create(release_sandbox)
    data = b"\x00\x01binary\xfe\xff" * 100
    response = upload(release_sandbox, release["id"], "cli-2.0.0_linux.tar.gz", data)
    assert response.status_code == 200
    file = response.json()
    assert set(file) == FILE_KEYS
    assert (file["name"], file["size"], file["extension"], file["downloads"]) == (
        "cli-2.0.0_linux.tar.gz",
        1000,
        "gz",
        0,
    )
    assert file["checksum"] == hashlib.sha256(data).hexdigest()
    assert (file["releaseId"], file["releaseName"], file["published"]) == (release["id"], "CLI 2.0", False)
    assert file["url"] == f"https://releases.cryptlex.com/v3/{release['id']}/cli-2.0.0_linux.tar.gz"
    stored = api(release_sandbox, "GET", f"/v3/releases/{release['id']}").json()
    assert (stored["files"], stored["totalFiles"]) == ([file], 1)
    assert stored["updatedAt"] == file["createdAt"]


def test_uploading_a_name_again_replaces_the_file(release_sandbox: Sandbox) -> None:
    first = upload(release_sandbox, DRAFT_ID, "app.zip", b"one").json()
    upload(release_sandbox, DRAFT_ID, "notes.txt", b"hello")
    second = upload(release_sandbox, DRAFT_ID, "app.zip", b"second").json()
    assert (second["id"], second["createdAt"], second["size"]) == (first["id"], first["createdAt"], 6)
    stored = api(release_sandbox, "GET", f"/v3/releases/{DRAFT_ID}").json()
    assert [(f["name"], f["size"]) for f in stored["files"]] == [("app.zip", 6), ("notes.txt", 5)]
    assert stored["totalFiles"] == 2


@pytest.mark.parametrize("name", ["my%20file.zip", "na%C3%AFve.zip", "%2E%2E", "%2E", "a%2Bb.zip", "x" * 257])
def test_upload_with_a_bad_file_name_answers_400(release_sandbox: Sandbox, name: str) -> None:
    response = upload(release_sandbox, DRAFT_ID, name)
    assert response.status_code == 400
    assert "use only letters, digits, '.', '-' and '_'" in response.json()["message"]
    assert releases_of(release_sandbox, DESKTOP_APP_ID)[1]["files"] == []


def test_upload_to_an_unknown_release_answers_404(release_sandbox: Sandbox) -> None:
    response = upload(release_sandbox, "no-such-release", "a.zip")
    assert response.status_code == 404
    assert response.json() == {"message": "Release 'no-such-release' not found.", "code": "not_found"}


def test_the_upload_route_is_only_on_the_releases_host(release_sandbox: Sandbox) -> None:
    assert api(release_sandbox, "PUT", f"/v3/{DRAFT_ID}/a.zip", data=b"x").status_code == 404
    files_url = f"{release_sandbox.url('cryptlex-releases')}/v3/releases"
    assert (
        requests.get(files_url, params={"productId": DESKTOP_APP_ID}, headers=AUTH, timeout=5).status_code
        == 404
    )
    assert api(release_sandbox, "PUT", "/v3/releases").status_code == 405


# Controls, reset, journal, faults


def test_state_control_lists_products_releases_and_file_names(release_sandbox: Sandbox) -> None:
    release = create(release_sandbox, version="2.1")
    upload(release_sandbox, release["id"], "cli.zip")
    assert release_sandbox.control("state", service="cryptlex") == {
        "tenantId": TENANT_ID,
        "products": [
            {
                "id": DESKTOP_APP_ID,
                "name": "Desktop app",
                "releases": [
                    {
                        "id": PUBLISHED_ID,
                        "name": "Desktop app 1.0.0",
                        "version": "1.0.0",
                        "channel": "stable",
                        "published": True,
                        "files": ["DesktopApp-1.0.0-win64.exe"],
                    },
                    {
                        "id": DRAFT_ID,
                        "name": "Desktop app 1.1.0 beta",
                        "version": "1.1.0",
                        "channel": "beta",
                        "published": False,
                        "files": [],
                    },
                ],
            },
            {
                "id": CLI_TOOLS_ID,
                "name": "Command-line tools",
                "releases": [
                    {
                        "id": release["id"],
                        "name": "CLI 2.0",
                        "version": "2.1",
                        "channel": "stable",
                        "published": False,
                        "files": ["cli.zip"],
                    }
                ],
            },
        ],
    }


def test_publish_control_publishes_as_the_dashboard_would(release_sandbox: Sandbox) -> None:
    release = release_sandbox.control("publish_cryptlex_release", release_id=DRAFT_ID)
    assert release["published"] is True and release["publishedAt"]
    assert api(release_sandbox, "GET", f"/v3/releases/{DRAFT_ID}").json() == release
    assert release_sandbox.control("publish_cryptlex_release", release_id=DRAFT_ID) == release
    with pytest.raises(ValueError, match="release_id='nope' is unknown"):
        release_sandbox.control("publish_cryptlex_release", release_id="nope")


def test_reset_puts_the_seed_back(release_sandbox: Sandbox) -> None:
    seeded = release_sandbox.control("state", service="cryptlex")
    created = create(release_sandbox)
    upload(release_sandbox, DRAFT_ID, "a.zip")
    api(release_sandbox, "POST", f"/v3/releases/{DRAFT_ID}/publish")
    api(release_sandbox, "DELETE", f"/v3/releases/{created['id']}")
    assert release_sandbox.control("state", service="cryptlex") != seeded
    release_sandbox.reset()
    assert release_sandbox.control("state", service="cryptlex") == seeded
    assert release_sandbox.requests == []
    draft = api(release_sandbox, "GET", f"/v3/releases/{DRAFT_ID}").json()
    assert (draft["published"], draft["files"]) == (False, [])


def test_journal_records_both_hosts_with_the_token_redacted(release_sandbox: Sandbox) -> None:
    release = create(release_sandbox)
    upload(release_sandbox, release["id"], "a.zip", b"zip-bytes")
    api(release_sandbox, "GET", "/v3/releases", params={"productId": CLI_TOOLS_ID, "limit": "5"})
    api(release_sandbox, "GET", "/v3/products", headers={"Authorization": "Bearer wrong-token"})
    entries = release_sandbox.requests_to("cryptlex") + release_sandbox.requests_to("cryptlex-releases")
    entries = [entry for entry in release_sandbox.requests if entry in entries]
    assert [(e.service, e.method, e.path, e.query, e.status) for e in entries] == [
        ("cryptlex", "POST", "/v3/releases", {}, 201),
        ("cryptlex-releases", "PUT", f"/v3/{release['id']}/a.zip", {}, 200),
        ("cryptlex", "GET", "/v3/releases", {"productId": CLI_TOOLS_ID, "limit": "5"}, 200),
        ("cryptlex", "GET", "/v3/products", {}, 401),
    ]
    assert entries[0].body == BODY
    assert entries[1].body == "zip-bytes"
    assert {entry.headers["authorization"] for entry in entries} == {"Bearer ***"}
    assert ACCESS_TOKEN not in repr(entries) and "wrong-token" not in repr(entries)


def test_rate_limit_fault_sends_cryptlex_headers(release_sandbox: Sandbox) -> None:
    release_sandbox.inject_fault("cryptlex", "rate_limit", retry_after=3)
    response = api(release_sandbox, "GET", "/v3/products")
    assert response.status_code == 429
    assert response.json() == {"message": "Too many requests: rate limit exceeded", "code": "rate_limited"}
    assert response.headers["Retry-After"] == "3"
    assert (response.headers["X-Rate-Limit-Limit"], response.headers["X-Rate-Limit-Remaining"]) == ("50", "0")
    assert int(response.headers["X-Rate-Limit-Reset"]) > 1_000_000_000
    assert api(release_sandbox, "GET", "/v3/products").status_code == 200


def test_faults_on_the_releases_host_do_not_touch_the_api_host(release_sandbox: Sandbox) -> None:
    release_sandbox.inject_fault("cryptlex-releases", "error", status=503)
    assert api(release_sandbox, "GET", f"/v3/releases/{DRAFT_ID}").status_code == 200
    response = upload(release_sandbox, DRAFT_ID, "a.zip")
    assert response.status_code == 503
    assert response.json()["message"] == "Sandbox-injected server error 503"
    assert releases_of(release_sandbox, DESKTOP_APP_ID)[1]["files"] == []


# Seeds


def test_a_custom_seed_replaces_products_and_releases() -> None:
    seed = {
        "cryptlex": {
            "access_token": "my-token",
            "tenant_id": "tenant-1",
            "products": [{"id": "prod-1", "name": "Widget"}],
            "releases": [
                {
                    "id": "rel-1",
                    "productId": "prod-1",
                    "name": "Widget 1.0",
                    "version": "1.0",
                    "published": True,
                    "createdAt": "2023-05-01T12:00:00Z",
                    "files": [{"name": "widget.msi", "size": 10, "checksum": "abc"}],
                }
            ],
        }
    }
    with sandbox(seed=seed) as sb:
        headers = {"Authorization": "Bearer my-token"}
        products = api(sb, "GET", "/v3/products", headers=headers).json()
        assert [(p["id"], p["name"], p["tenantId"]) for p in products] == [("prod-1", "Widget", "tenant-1")]
        release = api(sb, "GET", "/v3/releases/rel-1", headers=headers).json()
        assert (release["channel"], release["published"], release["publishedAt"]) == (
            "stable",
            True,
            "2023-05-01T12:00:00.000Z",
        )
        assert [(f["name"], f["size"], f["checksum"]) for f in release["files"]] == [
            ("widget.msi", 10, "abc")
        ]
        assert api(sb, "GET", "/v3/products").status_code == 401


def test_a_seed_without_releases_keeps_the_default_products_and_releases_only_with_them() -> None:
    assert len(CryptlexBackend({}).model.releases) == 2
    assert CryptlexBackend({"products": [{"id": "p", "name": "P"}]}).model.releases == {}


@pytest.mark.parametrize(
    ("seed", "message"),
    [
        ({"products": [{"name": "no id"}]}, "a product needs a string 'id' and a 'name'"),
        (
            {"releases": [{"productId": "nope", "name": "R", "version": "1.0"}]},
            "'productId' of a seeded product",
        ),
        ({"releases": [{"productId": DESKTOP_APP_ID, "name": "R"}]}, "a release needs a string 'version'"),
        (
            {"releases": [{"productId": DESKTOP_APP_ID, "name": "R", "version": "1.0", "createdAt": "May"}]},
            "createdAt='May' is not an RFC 3339 date-time",
        ),
        (
            {
                "releases": [
                    {"productId": DESKTOP_APP_ID, "name": "R", "version": "1.0", "files": [{"name": "a b"}]}
                ]
            },
            "a release file needs a valid 'name'",
        ),
    ],
)
def test_a_bad_seed_is_refused(seed: dict, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        CryptlexBackend(seed)
