from __future__ import annotations

import datetime as dt

import pytest

from airflow_provider_releases.exceptions import ConnectionConfigError, InvalidParameterError
from airflow_provider_releases.hooks.aha import AhaHook
from tests.conftest import SECRETS, set_connection

API = "https://company.aha.io/api/v1"
RELEASE = {
    "id": "6776757454440696808",
    "reference_num": "PRJ1-R-5",
    "name": "Release 3",
    "released": False,
    "url": "http://company.aha.io/releases/PRJ1-R-5",
    "workflow_status": {"id": "738862546", "name": "New", "position": 1, "complete": False},
}


def assert_aha_headers(request):
    assert request.headers["Authorization"] == f"Bearer {SECRETS['aha_api_key']}"
    assert request.headers["Accept"] == "application/json"


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
