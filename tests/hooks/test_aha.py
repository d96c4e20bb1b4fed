"""AhaHook: every public method against a mocked API (requests-mock), then against the Aha! sandbox over
real HTTP: results, requests, the API's errors and faults."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import requests

from airflow_provider_releases.exceptions import (
    ConnectionConfigError,
    DryRunRequest,
    InvalidParameterError,
    ReleasesApiConnectionError,
    ReleasesApiNotFoundError,
    ReleasesApiResponseError,
    ReleasesApiServerError,
    ReleasesApiValidationError,
)
from airflow_provider_releases.hooks.aha import AhaHook
from airflow_provider_releases.hooks.base import ReleasesBaseHook
from airflow_provider_releases_sandbox.aha import API_KEY
from airflow_provider_releases_sandbox.server import Sandbox
from tests.helpers import assert_aha_headers, connect_to_sandbox, journal, wait_until_answered
from tests.helpers.clock import RecordingClock
from tests.helpers.connections import set_connection

# Backoff waits are recorded, not slept (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("sleeps")

# Against a mocked API (requests-mock)

API = "https://company.aha.io/api/v1"
RELEASE = {
    "id": "6776757454440696808",
    "reference_num": "PRJ1-R-5",
    "name": "Release 3",
    "released": False,
    "url": "http://company.aha.io/releases/PRJ1-R-5",
    "workflow_status": {"id": "738862546", "name": "New", "position": 1, "complete": False},
}


def test_create_release_wraps_the_body_and_unwraps_the_answer(requests_mock):
    requests_mock.post(f"{API}/products/PRJ1/releases", json={"release": RELEASE})
    release = AhaHook().create_release(
        "PRJ1",
        "Release 3",
        owner="no-reply@aha.io",
        initiatives=["423077122", 4125886],
        theme="Our first big release",
        start_date=dt.date(2024, 5, 1),
        release_date=dt.datetime(2024, 6, 30, 23, 0),
        external_release_date="2024-07-01",
        external_date_resolution="month",
        parking_lot=False,
        capacity_units="time",
        total_capacity_text="2d 1h",
        progress_source="progress_manual",
        progress=25,
        duration_source="duration_manual",
        watchers=[689956296],
        goals=[602095703],
        parent_id=292454904,
        workflow_status="New",
    )
    assert release == RELEASE
    sent = requests_mock.last_request
    assert sent.method == "POST"
    assert_aha_headers(sent)
    assert sent.headers["Content-Type"] == "application/json"
    assert sent.json() == {
        "release": {
            "name": "Release 3",
            "owner": "no-reply@aha.io",
            "initiatives": ["423077122", 4125886],
            "theme": "Our first big release",
            "start_date": "2024-05-01",
            "release_date": "2024-06-30",
            "external_release_date": "2024-07-01",
            "external_date_resolution": "month",
            "parking_lot": False,
            "capacity_units": "time",
            "total_capacity_text": "2d 1h",
            "progress_source": "progress_manual",
            "progress": 25,
            "duration_source": "duration_manual",
            "watchers": [689956296],
            "goals": [602095703],
            "parent_id": 292454904,
            "workflow_status": "New",
        }
    }


def test_list_releases_of_a_product_walks_every_page(requests_mock):
    pages = [
        [{"id": str(n), "name": f"R{n}"} for n in range(start, start + size)]
        for start, size in ((0, 200), (200, 200), (400, 13))
    ]
    requests_mock.get(
        f"{API}/products/PRJ1/releases",
        [
            {
                "json": {
                    "releases": page,
                    "pagination": {"total_records": 413, "total_pages": 3, "current_page": n},
                }
            }
            for n, page in enumerate(pages, start=1)
        ],
    )
    releases = AhaHook().list_releases("PRJ1", q="Release", exclude_shipped=True)
    assert len(releases) == 413
    assert releases[412] == {"id": "412", "name": "R412"}
    assert [r.qs for r in requests_mock.request_history] == [
        {"q": ["release"], "exclude_shipped": ["true"], "page": [str(n)], "per_page": ["200"]}
        for n in (1, 2, 3)
    ]
    for request in requests_mock.request_history:
        assert_aha_headers(request)


@pytest.mark.parametrize(
    ("scope", "path"),
    [
        ({"goal_id": 602095703}, "/goals/602095703/releases"),
        ({"initiative_id": "423077122"}, "/initiatives/423077122/releases"),
        ({"parent_release_id": 141021264}, "/releases/141021264/releases"),
    ],
)
def test_list_releases_of_other_scopes(requests_mock, scope, path):
    requests_mock.get(
        f"{API}{path}",
        json={"releases": [RELEASE], "pagination": {"total_records": 1, "total_pages": 1, "current_page": 1}},
    )
    assert list(AhaHook().list_releases(**scope)) == [RELEASE]


def test_list_releases_query_parameters(requests_mock):
    requests_mock.get(
        f"{API}/products/PRJ1/releases", json={"releases": [], "pagination": {"total_pages": 0}}
    )
    since = dt.datetime(2024, 1, 1, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    list(AhaHook().list_releases("PRJ1", updated_since=since, parking_lot=False, fields=["name", "released"]))
    assert requests_mock.last_request.qs == {
        "updated_since": ["2024-01-01t10:00:00z"],
        "parking_lot": ["false"],
        "fields": ["name,released"],
        "page": ["1"],
        "per_page": ["200"],
    }


def test_get_release(requests_mock):
    requests_mock.get(f"{API}/releases/PRJ1-R-5", json={"release": {**RELEASE, "released": True}})
    assert AhaHook().get_release("PRJ1-R-5")["released"] is True
    assert requests_mock.last_request.method == "GET"
    assert_aha_headers(requests_mock.last_request)


def test_get_release_with_fields(requests_mock):
    requests_mock.get(f"{API}/releases/42", json={"release": RELEASE})
    AhaHook().get_release(42, fields="name,released")
    assert requests_mock.last_request.qs == {"fields": ["name,released"]}


def test_duplicate_release(requests_mock):
    copy = {"id": "6776757454433986171", "name": "[Copy] Release 1"}
    requests_mock.post(f"{API}/releases/PRJ1-R-1/duplicate", json={"release": copy})
    assert AhaHook().duplicate_release("PRJ1-R-1") == copy
    assert requests_mock.last_request.method == "POST"


def test_update_release_ships_it_by_workflow_status(requests_mock):
    requests_mock.put(
        f"{API}/products/PRJ1/releases/278327321", json={"release": {**RELEASE, "released": True}}
    )
    release = AhaHook().update_release(
        "PRJ1", 278327321, workflow_status="Shipped", release_date="2024-07-01"
    )
    assert release["released"] is True
    assert requests_mock.last_request.json() == {
        "release": {"workflow_status": "Shipped", "release_date": "2024-07-01"}
    }


def test_update_release_progress_alone_as_in_the_docs_example(requests_mock):
    requests_mock.put(f"{API}/products/PRJ1/releases/278327321", json={"release": RELEASE})
    AhaHook().update_release("PRJ1", "278327321", progress=25)
    assert requests_mock.last_request.json() == {"release": {"progress": 25}}


def test_delete_release(requests_mock):
    requests_mock.delete(f"{API}/products/PRJ1/releases/161456549", status_code=204)
    assert AhaHook().delete_release("PRJ1", "161456549") is None
    assert requests_mock.last_request.method == "DELETE"


def test_list_release_phases(requests_mock):
    phases = [{"id": "1", "name": "Build"}, {"id": "2", "name": "Launch"}]
    requests_mock.get(
        f"{API}/releases/PRJ1-R-5/release_phases",
        json={
            "release_phases": phases,
            "pagination": {"total_records": 2, "total_pages": 1, "current_page": 1},
        },
    )
    assert AhaHook().list_release_phases("PRJ1-R-5") == phases


@pytest.mark.parametrize(
    ("call", "param"),
    [
        (lambda h: h.create_release("PRJ1", ""), "name"),
        (lambda h: h.create_release("PRJ/1", "R"), "product_id"),
        (lambda h: h.create_release("PRJ1", "R", colour="red"), "fields"),
        (lambda h: h.create_release("PRJ1", "R", start_date="05/01/2024"), "start_date"),
        (lambda h: h.create_release("PRJ1", "R", end_date="2024-02-30"), "end_date"),
        (lambda h: h.create_release("PRJ1", "R", external_date_resolution="day"), "external_date_resolution"),
        (lambda h: h.create_release("PRJ1", "R", capacity_units="hours"), "capacity_units"),
        (lambda h: h.create_release("PRJ1", "R", total_capacity_text="lots"), "total_capacity_text"),
        (lambda h: h.create_release("PRJ1", "R", progress_source="manual"), "progress_source"),
        (lambda h: h.create_release("PRJ1", "R", duration_source="auto"), "duration_source"),
        (lambda h: h.create_release("PRJ1", "R", progress=50), "progress"),
        (
            lambda h: h.create_release("PRJ1", "R", progress_source="progress_manual", progress=150),
            "progress",
        ),
        (lambda h: h.create_release("PRJ1", "R", initiatives="Initiative 1"), "initiatives"),
        (lambda h: h.create_release("PRJ1", "R", watchers="1,2"), "watchers"),
        (lambda h: h.create_release("PRJ1", "R", goals=[None]), "goals"),
        (lambda h: h.create_release("PRJ1", "R", parking_lot="yes"), "parking_lot"),
        (lambda h: h.create_release("PRJ1", "R", parent_id="PRJ1-R-1"), "parent_id"),
        (lambda h: h.update_release("PRJ1", "1"), "fields"),
        (
            lambda h: h.update_release("PRJ1", "1", progress_source="progress_from_todos", progress=5),
            "progress",
        ),
        (lambda h: h.update_release("PRJ1", "..", name="x"), "release_id"),
        (lambda h: h.get_release("PRJ1 R 1"), "release_id"),
        (lambda h: h.get_release("1", fields=[""]), "fields"),
        (lambda h: h.duplicate_release(""), "release_id"),
        (lambda h: h.delete_release("PRJ1", "1?x"), "release_id"),
        (lambda h: h.list_release_phases("é"), "release_id"),
        (lambda h: h.list_releases(), "product_id/goal_id/initiative_id/parent_release_id"),
        (lambda h: h.list_releases("PRJ1", goal_id=1), "product_id/goal_id/initiative_id/parent_release_id"),
        (lambda h: h.list_releases("PRJ1", updated_since="yesterday"), "updated_since"),
        (lambda h: h.list_releases("PRJ1", exclude_shipped="true"), "exclude_shipped"),
        (lambda h: h.list_releases("PRJ1", q=""), "q"),
    ],
)
def test_bad_input_is_rejected_before_any_request(requests_mock, call, param):
    with pytest.raises(InvalidParameterError) as caught:
        call(AhaHook())
    assert caught.value.param == param
    assert "expected" in str(caught.value)
    assert requests_mock.call_count == 0


def test_subdomain_extra_builds_the_account_url(requests_mock, monkeypatch):
    set_connection(
        monkeypatch, "aha_default", conn_type="aha", password="key-SECRET-b8a4f2", extra={"subdomain": "acme"}
    )
    requests_mock.get("https://acme.aha.io/api/v1/releases/1", json={"release": RELEASE})
    AhaHook().get_release(1)
    assert requests_mock.call_count == 1


def test_missing_host_and_subdomain_is_a_clear_error(requests_mock, monkeypatch):
    set_connection(monkeypatch, "aha_default", conn_type="aha", password="key-SECRET-b8a4f2")
    with pytest.raises(ConnectionConfigError, match=r"has no host: set it to https://<subdomain>.aha.io"):
        AhaHook().get_release(1)


def test_test_connection(requests_mock):
    requests_mock.get(f"{API}/me", json={"user": {"id": "1"}})
    assert AhaHook().test_connection() == (True, "Connected to Aha! at https://company.aha.io.")
    assert_aha_headers(requests_mock.last_request)


# Against the sandbox, over real HTTP

PRJ1 = "131414752"
ROLL_UP = "141021264"  # PRJ1-MR-1
SHIPPED = "278327321"  # PRJ1-R-1
IN_PROGRESS = "161456549"  # PRJ1-R-2
PAGE = {"page": "1", "per_page": "200"}
FROZEN_NOW = 1_900_000_000.0


def state_of(sandbox: Sandbox, reference_num: str) -> dict[str, Any] | None:
    releases = sandbox.control("state", service="aha")["releases"]
    return next((r for r in releases if r["reference_num"] == reference_num), None)


class FrozenClock(RecordingClock):
    """The suite's recording clock, its wall clock stopped at ``FROZEN_NOW``."""

    def time(self) -> float:
        return FROZEN_NOW


@pytest.fixture
def frozen_clock(release_sandbox, sleeps: list[float], monkeypatch: pytest.MonkeyPatch) -> float:
    """One wall clock for the sandbox's X-Ratelimit-Reset and the hook's reading of it."""
    monkeypatch.setattr(release_sandbox.app.backends["aha"].model, "wall_clock", lambda: FROZEN_NOW)
    monkeypatch.setattr(ReleasesBaseHook, "default_clock", FrozenClock(sleeps))
    return FROZEN_NOW


# Happy paths


def test_the_fixture_points_aha_default_at_the_sandbox(release_sandbox):
    hook = AhaHook()
    assert hook.base_url == release_sandbox.url("aha")
    assert hook.connection.password == API_KEY


def test_create_release(release_sandbox):
    release = AhaHook().create_release(
        "PRJ1",
        "Release 2.0",
        owner="john@example.com",
        initiatives=["423077122", 4125886],
        workflow_status="In progress",
        theme="Checkout, again",
        start_date=dt.date(2026, 7, 1),
        release_date=dt.datetime(2026, 9, 30, 23, 0),
        external_release_date="2026-10-01",
        external_date_resolution="quarter",
        parking_lot=False,
        capacity_units="story_points",
        total_capacity_text="40p",
        progress_source="progress_manual",
        progress=5,
        duration_source="duration_manual",
        watchers=[689956296],
        goals=[602095703],
        parent_id=int(ROLL_UP),
    )
    assert release["reference_num"] == "PRJ1-R-5"
    assert release["url"] == f"{release_sandbox.url('aha')}/releases/PRJ1-R-5"
    assert (release["name"], release["released"], release["released_on"]) == ("Release 2.0", False, None)
    assert release["workflow_status"]["name"] == "In progress"
    assert (release["start_date"], release["release_date"]) == ("2026-07-01", "2026-09-30")
    assert release["external_release_date_description"] == "Q4 2026"
    assert release["owner"]["name"] == "John Smith"
    assert [i["reference_num"] for i in release["initiatives"]] == ["PRJ1-S-1", "PRJ1-S-2"]
    assert release["parent"]["id"] == ROLL_UP
    assert journal(release_sandbox, "aha") == [
        (
            "POST",
            "/api/v1/products/PRJ1/releases",
            {},
            {
                "release": {
                    "name": "Release 2.0",
                    "owner": "john@example.com",
                    "initiatives": ["423077122", 4125886],
                    "workflow_status": "In progress",
                    "theme": "Checkout, again",
                    "start_date": "2026-07-01",
                    "release_date": "2026-09-30",
                    "external_release_date": "2026-10-01",
                    "external_date_resolution": "quarter",
                    "parking_lot": False,
                    "capacity_units": "story_points",
                    "total_capacity_text": "40p",
                    "progress_source": "progress_manual",
                    "progress": 5,
                    "duration_source": "duration_manual",
                    "watchers": [689956296],
                    "goals": [602095703],
                    "parent_id": int(ROLL_UP),
                }
            },
            200,
        )
    ]
    assert release_sandbox.requests_to("aha")[0].headers["authorization"] == "Bearer ***"


def test_create_release_by_numeric_product_id_with_the_docs_status_field(release_sandbox):
    release = AhaHook().create_release(int(PRJ1), "Hotfix", status="Shipped")
    assert (release["released"], release["workflow_status"]["name"]) == (True, "Shipped")
    assert journal(release_sandbox, "aha") == [
        (
            "POST",
            f"/api/v1/products/{PRJ1}/releases",
            {},
            {"release": {"name": "Hotfix", "status": "Shipped"}},
            200,
        )
    ]


def test_list_releases_of_a_product(release_sandbox):
    releases = list(AhaHook().list_releases("PRJ1"))
    assert [r["reference_num"] for r in releases] == [
        "PRJ1-R-4",
        "PRJ1-MR-1",
        "PRJ1-R-2",
        "PRJ1-R-1",
        "PRJ1-R-3",
    ]
    assert all("released" not in r for r in releases)
    assert journal(release_sandbox, "aha") == [("GET", "/api/v1/products/PRJ1/releases", PAGE, None, 200)]


def test_list_releases_walks_every_page(release_sandbox):
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {API_KEY}"
    url = f"{release_sandbox.url('aha')}/api/v1/products/PRJ2/releases"
    for n in range(400):
        assert session.post(url, json={"release": {"name": f"Bulk {n:03d}"}}, timeout=5).status_code == 200
    release_sandbox.clear_requests()
    releases = AhaHook().list_releases("PRJ2", q="bulk")
    assert len(releases) == 400
    assert [releases[0]["name"], releases[199]["name"], releases[399]["name"]] == [
        "Bulk 000",
        "Bulk 199",
        "Bulk 399",
    ]
    assert journal(release_sandbox, "aha") == [
        ("GET", "/api/v1/products/PRJ2/releases", {"q": "bulk", "page": str(n), "per_page": "200"}, None, 200)
        for n in (1, 2)
    ]


@pytest.mark.parametrize(
    ("scope", "path", "expected"),
    [
        ({"goal_id": 602095703}, "/api/v1/goals/602095703/releases", ["PRJ1-MR-1", "PRJ1-R-2", "PRJ1-R-1"]),
        ({"initiative_id": "PRJ1-S-2"}, "/api/v1/initiatives/PRJ1-S-2/releases", ["PRJ1-R-2", "PRJ1-R-3"]),
        (
            {"parent_release_id": int(ROLL_UP)},
            f"/api/v1/releases/{ROLL_UP}/releases",
            ["PRJ1-R-2", "PRJ1-R-1"],
        ),
    ],
)
def test_list_releases_of_other_scopes_in_the_sandbox(release_sandbox, scope, path, expected):
    assert [r["reference_num"] for r in AhaHook().list_releases(**scope)] == expected
    assert journal(release_sandbox, "aha") == [("GET", path, PAGE, None, 200)]


def test_list_releases_filters(release_sandbox):
    hook = AhaHook()
    new = hook.create_release("PRJ1", "Release 1.3")
    release_sandbox.clear_requests()
    # [START hooks_aha_list_releases]
    unshipped = hook.list_releases(
        "PRJ1",
        q="Release 1",
        exclude_shipped=True,
        fields=["id", "name"],
    )
    # [END hooks_aha_list_releases]
    assert list(unshipped) == [
        {"id": IN_PROGRESS, "name": "Release 1.1"},
        {"id": "325518644", "name": "Release 1.2"},
        {"id": new["id"], "name": "Release 1.3"},
    ]
    recent = hook.list_releases(
        "PRJ1", updated_since=dt.datetime(2026, 1, 6, tzinfo=dt.timezone.utc), parking_lot=False, fields="id"
    )
    assert list(recent) == [{"id": new["id"]}]
    parking = hook.list_releases("PRJ1", parking_lot=True)
    assert [r["name"] for r in parking] == ["Parking lot"]
    assert journal(release_sandbox, "aha") == [
        (
            "GET",
            "/api/v1/products/PRJ1/releases",
            {"q": "Release 1", "exclude_shipped": "true", "fields": "id,name", **PAGE},
            None,
            200,
        ),
        (
            "GET",
            "/api/v1/products/PRJ1/releases",
            {"updated_since": "2026-01-06T00:00:00Z", "parking_lot": "false", "fields": "id", **PAGE},
            None,
            200,
        ),
        ("GET", "/api/v1/products/PRJ1/releases", {"parking_lot": "true", **PAGE}, None, 200),
    ]


def test_get_release_in_the_sandbox(release_sandbox):
    release = AhaHook().get_release("PRJ1-R-1")
    assert (release["id"], release["released"], release["released_on"]) == (SHIPPED, True, "2026-01-20")
    assert release["workflow_status"] == {
        "id": "738862548",
        "name": "Shipped",
        "position": 3,
        "complete": True,
        "color": "#a7e0a3",
    }
    assert release["url"] == f"{release_sandbox.url('aha')}/releases/PRJ1-R-1"
    assert journal(release_sandbox, "aha") == [("GET", "/api/v1/releases/PRJ1-R-1", {}, None, 200)]


def test_get_release_with_fields_in_the_sandbox(release_sandbox):
    assert AhaHook().get_release(int(IN_PROGRESS), fields=["name", "released"]) == {
        "name": "Release 1.1",
        "released": False,
    }
    assert journal(release_sandbox, "aha") == [
        ("GET", f"/api/v1/releases/{IN_PROGRESS}", {"fields": "name,released"}, None, 200)
    ]


def test_duplicate_release_in_the_sandbox(release_sandbox):
    copy = AhaHook().duplicate_release("PRJ1-R-2")
    assert set(copy) == {"id", "name"} and copy["name"] == "[Copy] Release 1.1"
    assert state_of(release_sandbox, "PRJ1-R-5")["id"] == copy["id"]
    assert journal(release_sandbox, "aha") == [("POST", "/api/v1/releases/PRJ1-R-2/duplicate", {}, None, 200)]


def test_update_release_ships_it(release_sandbox):
    today = dt.datetime.now(dt.timezone.utc).date().isoformat()
    release = AhaHook().update_release(
        "PRJ1", int(IN_PROGRESS), workflow_status="Shipped", release_date="2026-03-30"
    )
    assert (release["released"], release["released_on"], release["release_date"]) == (
        True,
        today,
        "2026-03-30",
    )
    assert AhaHook().get_release(IN_PROGRESS)["released"] is True
    assert journal(release_sandbox, "aha")[0] == (
        "PUT",
        f"/api/v1/products/PRJ1/releases/{IN_PROGRESS}",
        {},
        {"release": {"workflow_status": "Shipped", "release_date": "2026-03-30"}},
        200,
    )


def test_update_release_progress_alone(release_sandbox):
    release = AhaHook().update_release("PRJ1", SHIPPED, progress=25)
    assert release["progress"] == 25
    assert journal(release_sandbox, "aha") == [
        ("PUT", f"/api/v1/products/PRJ1/releases/{SHIPPED}", {}, {"release": {"progress": 25}}, 200)
    ]


def test_delete_release_in_the_sandbox(release_sandbox):
    hook = AhaHook()
    assert hook.delete_release("PRJ1", "PRJ1-R-3") is None
    assert state_of(release_sandbox, "PRJ1-R-3") is None
    with pytest.raises(ReleasesApiNotFoundError) as caught:
        hook.delete_release("PRJ1", "PRJ1-R-3")
    assert caught.value.vendor_message == "Release 'PRJ1-R-3' not found"
    assert journal(release_sandbox, "aha") == [
        ("DELETE", "/api/v1/products/PRJ1/releases/PRJ1-R-3", {}, None, 204),
        ("DELETE", "/api/v1/products/PRJ1/releases/PRJ1-R-3", {}, None, 404),
    ]


def test_list_release_phases_in_the_sandbox(release_sandbox):
    phases = AhaHook().list_release_phases("PRJ1-R-2")
    assert [(p["name"], p["type"], p["start_on"], p["end_on"]) for p in phases] == [
        ("Development", "phase", "2026-01-21", "2026-03-13"),
        ("Beta", "phase", "2026-03-16", "2026-03-27"),
        ("Launch", "milestone", "2026-03-31", "2026-03-31"),
    ]
    assert journal(release_sandbox, "aha") == [
        ("GET", "/api/v1/releases/PRJ1-R-2/release_phases", PAGE, None, 200)
    ]


def test_test_connection_in_the_sandbox(release_sandbox):
    assert AhaHook().test_connection() == (True, f"Connected to Aha! at {release_sandbox.url('aha')}.")
    assert journal(release_sandbox, "aha") == [("GET", "/api/v1/me", {}, None, 200)]


def test_test_connection_with_a_wrong_key(release_sandbox, monkeypatch):
    connect_to_sandbox(monkeypatch, release_sandbox, "aha", password="wrong-SECRET-0d6b2c")
    ok, message = AhaHook().test_connection()
    assert ok is False
    assert "HTTP 401" in message and 'Aha! said "Invalid API key"' in message
    assert journal(release_sandbox, "aha") == [("GET", "/api/v1/me", {}, None, 401)]


def test_a_shipped_release_is_seen_by_the_next_read(release_sandbox):
    hook = AhaHook()
    assert hook.get_release("PRJ1-R-3")["released"] is False
    release_sandbox.ship_release("PRJ1-R-3")
    assert hook.get_release("PRJ1-R-3")["released"] is True


def test_dry_run_sends_nothing_but_gets(release_sandbox):
    hook = AhaHook(dry_run=True)
    with pytest.raises(DryRunRequest) as caught:
        hook.create_release("PRJ1", "Dry")
    assert caught.value.request["json"] == {"release": {"name": "Dry"}}
    assert hook.get_release("PRJ1-R-1")["id"] == SHIPPED
    assert journal(release_sandbox, "aha") == [("GET", "/api/v1/releases/PRJ1-R-1", {}, None, 200)]


# Errors the API (not the client) raises


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda h: h.create_release("PRJ1", "R", workflow_status="Done"),
            ReleasesApiValidationError,
            "Workflow status 'Done' is not valid for product PRJ1: expected one of Not started, In progress, "
            "Shipped, Will not ship",
        ),
        (
            lambda h: h.create_release("PRJ1", "R", initiatives=["Initiative 9"]),
            ReleasesApiValidationError,
            "initiatives: initiative 'Initiative 9' not found",
        ),
        (
            lambda h: h.create_release("PRJ1", "R", parent_id=int(SHIPPED)),
            ReleasesApiValidationError,
            f"parent_id {SHIPPED}: no roll-up release with that id",
        ),
        (
            lambda h: h.create_release("PRJ1", "R", capacity_units="time", total_capacity_text="4p"),
            ReleasesApiValidationError,
            "total_capacity_text '4p' must be a time (min, h, d, w, m): capacity units are time",
        ),
        (
            lambda h: h.create_release("PRJ1", "R", owner="nobody@example.com"),
            ReleasesApiValidationError,
            "owner: user 'nobody@example.com' not found in this account",
        ),
        (lambda h: h.create_release("PRJ9", "R"), ReleasesApiNotFoundError, "Product 'PRJ9' not found"),
        (
            lambda h: h.update_release("PRJ1", IN_PROGRESS, progress=40),
            ReleasesApiValidationError,
            "Progress may only be set when the progress source is manual (it is progress_from_features)",
        ),
        (
            lambda h: h.update_release("PRJ1", IN_PROGRESS, workflow_status=12345),
            ReleasesApiValidationError,
            "Workflow status '12345' is not valid for product PRJ1: expected one of Not started, "
            "In progress, Shipped, Will not ship",
        ),
        (
            lambda h: h.update_release("PRJ2", SHIPPED, name="x"),
            ReleasesApiNotFoundError,
            f"Release '{SHIPPED}' not found in product 'PRJ2'",
        ),
        (lambda h: h.get_release("PRJ1-R-99"), ReleasesApiNotFoundError, "Release 'PRJ1-R-99' not found"),
        (lambda h: h.duplicate_release(999), ReleasesApiNotFoundError, "Release '999' not found"),
        (lambda h: h.delete_release("PRJ1", 999), ReleasesApiNotFoundError, "Release '999' not found"),
        (lambda h: list(h.list_releases(goal_id=1)), ReleasesApiNotFoundError, "Goal '1' not found"),
        (lambda h: list(h.list_release_phases(999)), ReleasesApiNotFoundError, "Release '999' not found"),
    ],
)
def test_api_side_errors(release_sandbox, call, error, message):
    with pytest.raises(error) as caught:
        call(AhaHook())
    assert caught.value.vendor_message == message
    assert f'Aha! said "{message}"' in str(caught.value)
    assert API_KEY not in str(caught.value)
    assert len(release_sandbox.requests_to("aha")) == 1  # 4xx: not retried


# Faults


def test_rate_limited_get_waits_as_asked_then_succeeds(release_sandbox, sleeps, frozen_clock):
    release_sandbox.inject_fault("aha", "rate_limit", retry_after=7)
    assert AhaHook().get_release("PRJ1-R-1")["id"] == SHIPPED
    assert sleeps == [7.0]
    assert journal(release_sandbox, "aha") == [
        ("GET", "/api/v1/releases/PRJ1-R-1", {}, None, 429),
        ("GET", "/api/v1/releases/PRJ1-R-1", {}, None, 200),
    ]


def test_rate_limit_headers_are_aha_s(release_sandbox, frozen_clock):
    release_sandbox.inject_fault("aha", "rate_limit", retry_after=3)
    response = requests.get(
        f"{release_sandbox.url('aha')}/api/v1/me", headers={"Authorization": f"Bearer {API_KEY}"}, timeout=5
    )
    assert response.status_code == 429
    assert response.json() == {"errors": {"message": "Too many requests: rate limit exceeded"}}
    assert "Retry-After" not in response.headers
    assert (response.headers["X-Ratelimit-Limit"], response.headers["X-Ratelimit-Remaining"]) == ("300", "0")
    assert response.headers["X-Ratelimit-Reset"] == str(int(frozen_clock) + 3)


def test_rate_limited_post_is_sent_again_and_creates_once(release_sandbox, sleeps, frozen_clock):
    release_sandbox.inject_fault("aha", "rate_limit", method="POST", count=2, retry_after=2)
    release = AhaHook().create_release("PRJ1", "After the limit")
    assert release["reference_num"] == "PRJ1-R-5"
    assert sleeps == [2.0, 2.0]
    assert [(m, s) for m, _, _, _, s in journal(release_sandbox, "aha")] == [
        ("POST", 429),
        ("POST", 429),
        ("POST", 200),
    ]
    names = [r["name"] for r in release_sandbox.control("state", service="aha")["releases"]]
    assert names.count("After the limit") == 1


def test_rate_limited_list_page_is_retried(release_sandbox, sleeps, frozen_clock):
    release_sandbox.inject_fault(
        "aha", "rate_limit", path=r"/api/v1/releases/.+/release_phases", retry_after=1
    )
    assert len(AhaHook().list_release_phases(IN_PROGRESS)) == 3
    assert sleeps == [1.0]
    assert [s for *_, s in journal(release_sandbox, "aha")] == [429, 200]


def test_error_500_on_a_get_is_not_retried(release_sandbox, sleeps):
    release_sandbox.inject_fault("aha", "error", status=500)
    with pytest.raises(ReleasesApiServerError) as caught:
        AhaHook().get_release("PRJ1-R-1")
    assert caught.value.status == 500
    assert caught.value.vendor_message == "Sandbox-injected server error 500"
    assert caught.value.may_have_been_applied is False
    assert sleeps == []
    assert journal(release_sandbox, "aha") == [("GET", "/api/v1/releases/PRJ1-R-1", {}, None, 500)]


@pytest.mark.parametrize("status", [502, 503])
def test_502_and_503_on_a_get_are_retried(release_sandbox, sleeps, status):
    release_sandbox.inject_fault("aha", "error", status=status)
    releases = AhaHook().list_releases(goal_id="PRJ1-G-2")
    assert [r["id"] for r in releases] == [IN_PROGRESS]
    assert len(sleeps) == 1 and 0.5 <= sleeps[0] <= 1.0  # the first backoff: 1 s, half jittered
    assert [s for *_, s in journal(release_sandbox, "aha")] == [status, 200]


@pytest.mark.parametrize(
    ("call", "method", "path"),
    [
        (lambda h: h.create_release("PRJ1", "Maybe"), "POST", "/api/v1/products/PRJ1/releases"),
        (
            lambda h: h.update_release("PRJ1", IN_PROGRESS, workflow_status="Shipped"),
            "PUT",
            f"/api/v1/products/PRJ1/releases/{IN_PROGRESS}",
        ),
        (lambda h: h.duplicate_release("PRJ1-R-2"), "POST", "/api/v1/releases/PRJ1-R-2/duplicate"),
    ],
)
@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_on_writes_are_not_sent_again(release_sandbox, sleeps, call, method, path, status):
    before = release_sandbox.control("state", service="aha")
    release_sandbox.inject_fault("aha", "error", status=status)
    with pytest.raises(ReleasesApiServerError) as caught:
        call(AhaHook())
    assert caught.value.status == status
    assert caught.value.may_have_been_applied is True
    assert "was not sent again" in str(caught.value)
    assert sleeps == []
    assert [(m, p, s) for m, p, _, _, s in journal(release_sandbox, "aha")] == [(method, path, status)]
    assert (
        release_sandbox.control("state", service="aha") == before
    )  # the injected error came before the handler


def test_503_on_a_delete_is_retried(release_sandbox, sleeps):
    # base.py re-sends DELETE (not in UNSAFE_METHODS): deleting twice cannot delete more.
    release_sandbox.inject_fault("aha", "error", status=503, method="DELETE")
    assert AhaHook().delete_release("PRJ1", "PRJ1-R-3") is None
    assert [(m, s) for m, _, _, _, s in journal(release_sandbox, "aha")] == [("DELETE", 503), ("DELETE", 204)]
    assert len(sleeps) == 1


def test_delay_beyond_the_read_timeout_on_a_get_is_retried(release_sandbox, sleeps):
    release_sandbox.inject_fault("aha", "delay", delay=0.5)
    assert AhaHook(timeout=0.2).get_release("PRJ1-R-2")["id"] == IN_PROGRESS
    assert len(sleeps) == 1
    wait_until_answered(release_sandbox, "aha", count=2)
    assert [s for *_, s in journal(release_sandbox, "aha")] == [200, 200]  # the late answer is recorded too


def test_delay_without_retries_is_a_connection_error(release_sandbox, sleeps):
    release_sandbox.inject_fault("aha", "delay", delay=0.5)
    with pytest.raises(ReleasesApiConnectionError) as caught:
        AhaHook(timeout=0.2, max_retries=0).get_release("PRJ1-R-2")
    assert caught.value.cause == "no response within the 0.2 s read timeout"
    assert caught.value.may_have_been_applied is False
    assert sleeps == []
    wait_until_answered(release_sandbox, "aha", count=1)


# [START reliability_no_second_create]
def test_delayed_create_is_not_sent_again_and_may_have_been_applied(
    release_sandbox,
    sleeps,
):
    release_sandbox.inject_fault("aha", "delay", delay=0.5)
    with pytest.raises(ReleasesApiConnectionError) as caught:
        AhaHook(timeout=0.2).create_release("PRJ1", "Slow")
    assert caught.value.may_have_been_applied is True
    assert caught.value.attempts == 1
    assert sleeps == []
    wait_until_answered(release_sandbox, "aha", count=1)
    assert journal(release_sandbox, "aha") == [
        ("POST", "/api/v1/products/PRJ1/releases", {}, {"release": {"name": "Slow"}}, 200)
    ]
    # it was applied after all
    assert state_of(release_sandbox, "PRJ1-R-5")["name"] == "Slow"
    # [END reliability_no_second_create]


def test_dropped_get_is_retried(release_sandbox, sleeps):
    release_sandbox.inject_fault("aha", "drop", method="GET")
    assert [p["name"] for p in AhaHook().list_release_phases("PRJ1-R-1")] == ["Development", "Launch"]
    assert len(sleeps) == 1
    assert [s for *_, s in journal(release_sandbox, "aha")] == [None, 200]


def test_dropped_put_is_not_sent_again(release_sandbox, sleeps):
    release_sandbox.inject_fault("aha", "drop", method="PUT")
    with pytest.raises(ReleasesApiConnectionError) as caught:
        AhaHook().update_release("PRJ1", IN_PROGRESS, workflow_status="Shipped")
    assert caught.value.cause == "the connection was dropped before a response arrived"
    assert caught.value.may_have_been_applied is True
    assert sleeps == []
    assert [(m, s) for m, _, _, _, s in journal(release_sandbox, "aha")] == [("PUT", None)]
    assert state_of(release_sandbox, "PRJ1-R-2")["released"] is False


def test_dropped_create_is_not_sent_again(release_sandbox, sleeps):
    release_sandbox.inject_fault("aha", "drop")
    with pytest.raises(ReleasesApiConnectionError) as caught:
        AhaHook().create_release("PRJ1", "Dropped")
    assert caught.value.may_have_been_applied is True
    assert [(m, s) for m, _, _, _, s in journal(release_sandbox, "aha")] == [("POST", None)]
    assert state_of(release_sandbox, "PRJ1-R-5") is None


@pytest.mark.parametrize(
    "call",
    [
        lambda h: h.get_release("PRJ1-R-1"),
        lambda h: h.create_release("PRJ1", "Garbled"),
        lambda h: list(h.list_releases("PRJ1")),
        lambda h: list(h.list_release_phases("PRJ1-R-1")),
    ],
)
def test_malformed_answers_are_response_errors(release_sandbox, sleeps, call):
    release_sandbox.inject_fault("aha", "malformed")
    with pytest.raises(ReleasesApiResponseError) as caught:
        call(AhaHook())
    assert caught.value.status == 200
    assert caught.value.cause == "the response body is not valid JSON"
    assert caught.value.body_excerpt == '{"id": "truncated'
    assert sleeps == []
    assert len(release_sandbox.requests_to("aha")) == 1


def test_a_fault_scoped_to_one_path_leaves_others_alone(release_sandbox, sleeps):
    release_sandbox.inject_fault("aha", "error", status=500, path=r"/api/v1/releases/PRJ1-R-2")
    hook = AhaHook()
    assert hook.get_release("PRJ1-R-1")["id"] == SHIPPED
    with pytest.raises(ReleasesApiServerError):
        hook.get_release("PRJ1-R-2")
    assert hook.get_release("PRJ1-R-2")["id"] == IN_PROGRESS  # the fault was used up
    assert [s for *_, s in journal(release_sandbox, "aha")] == [200, 500, 200]
