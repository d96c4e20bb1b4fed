"""The Aha! sandbox's own contract, over real HTTP with plain ``requests``."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import requests

from airflow_provider_releases_sandbox.aha import API_KEY, LIST_ITEM_KEYS, AhaBackend
from airflow_provider_releases_sandbox.server import Sandbox, sandbox

PRJ1 = "131414752"
ROLL_UP = "141021264"  # PRJ1-MR-1, parent of PRJ1-R-1 and PRJ1-R-2
SHIPPED = "278327321"  # PRJ1-R-1
IN_PROGRESS = "161456549"  # PRJ1-R-2
GOAL = "602095703"
INITIATIVE = "4125886"  # PRJ1-S-2
PRJ1_RELEASES = ["85510963", "141021264", "161456549", "278327321", "325518644"]


class Api:
    """Plain HTTP against the sandbox's Aha! mount, authenticated with the seed's API key."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.base = sandbox.url("aha") + "/api/v1"
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {API_KEY}"

    def get(self, path: str, **params: Any) -> requests.Response:
        return self.session.get(self.base + path, params=params, timeout=5)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> requests.Response:
        return self.session.post(self.base + path, json=body, timeout=5, **kwargs)

    def put(self, path: str, body: Any) -> requests.Response:
        return self.session.put(self.base + path, json=body, timeout=5)

    def delete(self, path: str) -> requests.Response:
        return self.session.delete(self.base + path, timeout=5)

    def create(self, name: str, product: str = "PRJ1", **fields: Any) -> dict[str, Any]:
        response = self.post(f"/products/{product}/releases", {"release": {"name": name, **fields}})
        assert response.status_code == 200, response.text
        return response.json()["release"]


@pytest.fixture
def api(release_sandbox: Sandbox) -> Api:
    return Api(release_sandbox)


def error_of(response: requests.Response, status: int) -> str:
    """The message of an Aha!-shaped error answer, after checking its status and shape."""
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"errors"} and set(body["errors"]) == {"message"}
    return body["errors"]["message"]


def today() -> str:
    return dt.datetime.now(dt.timezone.utc).date().isoformat()


# Authentication and the journal


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({}, "Authentication required: send Authorization: Bearer <API key>"),
        ({"Authorization": "Bearer not-the-key"}, "Invalid API key"),
        (
            {"Authorization": f"Basic {API_KEY}"},
            "Authentication required: send Authorization: Bearer <API key>",
        ),
        ({"Authorization": API_KEY}, "Authentication required: send Authorization: Bearer <API key>"),
        ({"Authorization": "Bearer "}, "Authentication required: send Authorization: Bearer <API key>"),
    ],
)
def test_requests_without_the_bearer_api_key_are_refused(release_sandbox, headers, message):
    url = release_sandbox.url("aha") + "/api/v1/releases/PRJ1-R-1"
    response = requests.get(url, headers=headers, timeout=5)
    assert error_of(response, 401) == message
    # Auth comes before routing: an unknown path is still a 401, not a 404.
    response = requests.get(release_sandbox.url("aha") + "/api/v1/nothing", headers=headers, timeout=5)
    assert error_of(response, 401) == message


def test_the_journal_records_requests_with_the_api_key_redacted(api, release_sandbox):
    api.get("/products/PRJ1/releases", page=2, per_page=3)
    api.post("/products/PRJ1/releases", {"release": {"name": "Journal"}})
    requests.get(api.base + "/me", headers={"Authorization": "Bearer wrong-key"}, timeout=5)
    journal = release_sandbox.requests_to("aha")
    assert [(e.method, e.path, e.query, e.body, e.status) for e in journal] == [
        ("GET", "/api/v1/products/PRJ1/releases", {"page": "2", "per_page": "3"}, None, 200),
        ("POST", "/api/v1/products/PRJ1/releases", {}, {"release": {"name": "Journal"}}, 200),
        ("GET", "/api/v1/me", {}, None, 401),
    ]
    assert [e.headers["authorization"] for e in journal] == ["Bearer ***", "Bearer ***", "Bearer ***"]
    assert API_KEY not in repr(release_sandbox.requests)


def test_me_answers_the_api_keys_user(api):
    response = api.get("/me")
    assert response.status_code == 200
    user = response.json()["user"]
    assert (user["id"], user["name"], user["email"]) == ("1020675218", "Mary Humpty", "mary@example.com")
    assert [role["product_id"] for role in user["product_roles"]] == [PRJ1, "517761884"]


def test_unknown_paths_and_methods(api):
    assert error_of(api.get("/features"), 404) == "no such resource: /api/v1/features"
    response = api.session.patch(api.base + "/releases/PRJ1-R-1", json={}, timeout=5)
    assert error_of(response, 405) == "PATCH is not allowed on /api/v1/releases/PRJ1-R-1"


# Listing releases


def test_list_a_products_releases_by_id_or_key(api, release_sandbox):
    by_key = api.get("/products/PRJ1/releases").json()
    by_id = api.get(f"/products/{PRJ1}/releases").json()
    assert by_key == by_id
    assert [item["id"] for item in by_key["releases"]] == PRJ1_RELEASES  # by numeric id, as the docs
    assert by_key["pagination"] == {"total_records": 5, "total_pages": 1, "current_page": 1}
    base = release_sandbox.url("aha")
    roll_up = by_key["releases"][1]
    assert roll_up == {
        "id": ROLL_UP,
        "reference_num": "PRJ1-MR-1",
        "name": "2026 H1 roll-up",
        "start_date": "2026-01-05",
        "release_date": "2026-06-30",
        "parking_lot": False,
        "created_at": "2026-01-05T09:00:00.000Z",
        "product_id": PRJ1,
        "integration_fields": [],
        "url": f"{base}/master_releases/PRJ1-MR-1",
        "resource": f"{base}/api/v1/releases/PRJ1-MR-1",
        "owner": {
            "id": "1020675218",
            "name": "Mary Humpty",
            "email": "mary@example.com",
            "created_at": "2026-01-05T09:00:00.000Z",
            "updated_at": "2026-01-05T09:00:00.000Z",
        },
        "project": {
            "id": PRJ1,
            "reference_prefix": "PRJ1",
            "name": "Web app",
            "product_line": False,
            "created_at": "2026-01-05T09:00:00.000Z",
            "workspace_type": "product_workspace",
            "url": f"{base}/projects/PRJ1",
        },
    }
    for item in by_key["releases"]:
        assert "released" not in item and "workflow_status" not in item and "released_on" not in item
        assert set(item) <= set(LIST_ITEM_KEYS)
    child = next(item for item in by_key["releases"] if item["id"] == SHIPPED)
    assert child["parent"]["reference_num"] == "PRJ1-MR-1"
    parking_lot = by_key["releases"][0]
    assert "start_date" not in parking_lot and "release_date" not in parking_lot  # as the docs' item


def test_pagination_pages_and_limits(api):
    for n in range(7):
        api.create(f"Paged {n}")
    first = api.get("/products/PRJ1/releases", per_page=5).json()
    third = api.get("/products/PRJ1/releases", per_page=5, page=3).json()
    beyond = api.get("/products/PRJ1/releases", per_page=5, page=4).json()
    assert first["pagination"] == {"total_records": 12, "total_pages": 3, "current_page": 1}
    assert len(first["releases"]) == 5
    assert third["pagination"] == {"total_records": 12, "total_pages": 3, "current_page": 3}
    assert [item["name"] for item in third["releases"]] == ["Paged 5", "Paged 6"]
    assert beyond["releases"] == [] and beyond["pagination"]["current_page"] == 4
    everything = api.get("/products/PRJ1/releases", per_page=200).json()
    assert len(everything["releases"]) == 12 and everything["pagination"]["total_pages"] == 1
    default = api.get("/products/PRJ1/releases").json()
    assert len(default["releases"]) == 12  # 30 a page by default


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"per_page": 201}, "query parameter per_page=201 must be between 1 and 200"),
        ({"per_page": 0}, "query parameter per_page=0 must be between 1 and 200"),
        ({"page": 0}, "query parameter page=0 must be at least 1"),
        ({"page": "two"}, "query parameter page='two' must be an integer"),
        ({"exclude_shipped": "yes"}, "query parameter exclude_shipped='yes' must be true or false"),
        ({"parking_lot": "maybe"}, "query parameter parking_lot='maybe' must be true or false"),
        (
            {"updated_since": "yesterday"},
            "updated_since 'yesterday' is invalid: use an ISO 8601 UTC timestamp",
        ),
    ],
)
def test_bad_list_parameters_are_400(api, params, message):
    assert error_of(api.get("/products/PRJ1/releases", **params), 400) == message


def test_list_filters(api):
    new = api.create("Checkout 2.0")

    def ids(**params: Any) -> list[str]:
        return [item["id"] for item in api.get("/products/PRJ1/releases", **params).json()["releases"]]

    assert ids(q="RELEASE 1.") == [IN_PROGRESS, SHIPPED, "325518644"]
    assert ids(exclude_shipped="true") == [i for i in PRJ1_RELEASES if i != SHIPPED] + [new["id"]]
    assert ids(exclude_shipped="false") == [*PRJ1_RELEASES, new["id"]]
    assert ids(parking_lot="true") == ["85510963"]
    assert ids(updated_since="2026-01-06T00:00:00Z") == [new["id"]]
    assert ids(updated_since="2026-01-05T08:59:59Z") == [*PRJ1_RELEASES, new["id"]]


def test_list_releases_of_a_goal_an_initiative_and_a_roll_up(api):
    def ids(path: str) -> list[str]:
        response = api.get(path)
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["releases"]]

    assert ids(f"/goals/{GOAL}/releases") == [ROLL_UP, IN_PROGRESS, SHIPPED]
    assert ids("/goals/PRJ1-G-2/releases") == [IN_PROGRESS]
    assert ids(f"/initiatives/{INITIATIVE}/releases") == [IN_PROGRESS, "325518644"]
    assert ids("/initiatives/PRJ1-S-1/releases") == [IN_PROGRESS, SHIPPED]
    assert ids(f"/releases/{ROLL_UP}/releases") == [IN_PROGRESS, SHIPPED]
    assert ids("/roll_up_releases/PRJ1-MR-1/releases") == [IN_PROGRESS, SHIPPED]
    assert ids(f"/releases/{SHIPPED}/releases") == []  # not a roll-up: nothing under it
    created = api.create("Linked", goals="602095703,988418543", initiatives=[INITIATIVE], parent_id=ROLL_UP)
    assert ids("/goals/PRJ1-G-2/releases") == [IN_PROGRESS, created["id"]]
    assert ids(f"/initiatives/{INITIATIVE}/releases")[-1] == created["id"]
    assert ids(f"/releases/{ROLL_UP}/releases")[-1] == created["id"]


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/products/NOPE/releases", "Product 'NOPE' not found"),
        ("/goals/1/releases", "Goal '1' not found"),
        ("/initiatives/PRJ9-S-1/releases", "Initiative 'PRJ9-S-1' not found"),
        ("/releases/999/releases", "Release '999' not found"),
        ("/roll_up_releases/999/releases", "Release '999' not found"),
        ("/releases/PRJ1-R-99", "Release 'PRJ1-R-99' not found"),
        ("/releases/999/release_phases", "Release '999' not found"),
        ("/release_phases/1", "Release phase '1' not found"),
    ],
)
def test_unknown_ids_are_404(api, path, message):
    assert error_of(api.get(path), 404) == message


# Reading one release


def test_get_a_release_by_id_or_reference(api, release_sandbox):
    by_ref = api.get("/releases/PRJ1-R-1").json()["release"]
    assert api.get(f"/releases/{SHIPPED}").json()["release"] == by_ref
    assert api.get("/releases/prj1-r-1").json()["release"] == by_ref
    base = release_sandbox.url("aha")
    assert {key: by_ref[key] for key in ("id", "reference_num", "name", "released", "released_on")} == {
        "id": SHIPPED,
        "reference_num": "PRJ1-R-1",
        "name": "Release 1.0",
        "released": True,
        "released_on": "2026-01-20",
    }
    assert by_ref["workflow_status"] == {
        "id": "738862548",
        "name": "Shipped",
        "position": 3,
        "complete": True,
        "color": "#a7e0a3",
    }
    assert by_ref["url"] == f"{base}/releases/PRJ1-R-1"
    assert by_ref["resource"] == f"{base}/api/v1/releases/PRJ1-R-1"
    assert [goal["id"] for goal in by_ref["goals"]] == [GOAL]
    assert [item["reference_num"] for item in by_ref["initiatives"]] == ["PRJ1-S-1"]
    assert by_ref["parent"]["id"] == ROLL_UP
    assert by_ref["owner"]["name"] == "John Smith"
    assert by_ref["theme"]["body"] == "Checkout, rebuilt"
    assert "watchers" not in by_ref  # only with fields=*,watchers
    # The resource URL reads the same release back.
    resource = api.session.get(by_ref["resource"], timeout=5).json()["release"]
    assert resource == by_ref


def test_the_fields_parameter_selects_keys(api):
    assert api.get("/releases/PRJ1-R-2", fields="name,released").json() == {
        "release": {"name": "Release 1.1", "released": False}
    }
    with_watchers = api.get("/releases/PRJ1-R-2", fields="*,watchers").json()["release"]
    assert with_watchers["watchers"] == [] and with_watchers["workflow_status"]["name"] == "In progress"
    listed = api.get("/products/PRJ2/releases", fields="id,released").json()["releases"]
    assert listed == [{"id": "637342960", "released": False}]


# Creating and updating releases


def test_create_a_release(api, release_sandbox):
    response = api.post(
        "/products/PRJ1/releases",
        {
            "release": {
                "name": "Release 2.0",
                "owner": "john@example.com",
                "initiatives": "Faster checkout,4125886",
                "status": "In progress",
                "theme": "<p>Big one</p>",
                "start_date": "2026-07-01",
                "release_date": "2026-09-30",
                "external_release_date": "2026-10-15",
                "external_date_resolution": "month",
                "capacity_units": "time",
                "total_capacity_text": "2d 1h",
                "progress_source": "progress_manual",
                "progress": 10,
                "watchers": [689956296],
                "goals": [GOAL],
                "parent_id": int(ROLL_UP),
            },
            "fields": "*,watchers",
        },
    )
    assert response.status_code == 200, response.text
    release = response.json()["release"]
    assert release["reference_num"] == "PRJ1-R-5"
    assert release["id"].isdigit() and len(release["id"]) == 19
    assert release["product_id"] == PRJ1
    assert release["url"] == f"{release_sandbox.url('aha')}/releases/PRJ1-R-5"
    assert release["workflow_status"]["name"] == "In progress"
    assert (release["released"], release["released_on"]) == (False, None)
    assert release["owner"]["id"] == "16338845"
    assert release["created_by_user"]["id"] == "1020675218"
    assert [i["id"] for i in release["initiatives"]] == ["423077122", INITIATIVE]
    assert [w["name"] for w in release["watchers"]] == ["Henry Humpty"]
    assert release["external_release_date_description"] == "October 2026"
    assert release["parent"]["id"] == ROLL_UP
    assert (release["progress"], release["theme"]["body"]) == (10, "<p>Big one</p>")
    assert api.get("/releases/PRJ1-R-5").json()["release"]["name"] == "Release 2.0"
    assert api.create("Another")["reference_num"] == "PRJ1-R-6"
    assert api.create("Mobile", product="517761884")["reference_num"] == "PRJ2-R-2"


@pytest.mark.parametrize(
    ("release", "message"),
    [
        ({"theme": "no name"}, "Validation failed: Name can't be blank"),
        ({"name": "  "}, "Validation failed: Name can't be blank"),
        (
            {"name": "R", "start_date": "05/01/2026"},
            "start_date '05/01/2026' is invalid: use the format YYYY-MM-DD",
        ),
        (
            {"name": "R", "release_date": "2026-02-30"},
            "release_date '2026-02-30' is invalid: use the format YYYY-MM-DD",
        ),
        (
            {"name": "R", "workflow_status": "Done"},
            "Workflow status 'Done' is not valid for product PRJ1: expected one of Not started, In progress, "
            "Shipped, Will not ship",
        ),
        (
            {"name": "R", "external_date_resolution": "day"},
            "external_date_resolution 'day' is invalid: must be one of sync, exact, week, month, quarter, "
            "half, year",
        ),
        (
            {"name": "R", "capacity_units": "hours"},
            "capacity_units 'hours' is invalid: must be one of time, story_points",
        ),
        (
            {"name": "R", "progress": 50},
            "Progress may only be set when the progress source is manual "
            "(it is progress_from_features_completed)",
        ),
        (
            {"name": "R", "progress_source": "progress_manual", "progress": 150},
            "progress 150 is invalid: must be a number from 0 to 100",
        ),
        (
            {"name": "R", "capacity_units": "story_points", "total_capacity_text": "2d"},
            "total_capacity_text '2d' must be story points such as '4p': capacity units are story_points",
        ),
        ({"name": "R", "parking_lot": "yes"}, "parking_lot 'yes' is invalid: must be true or false"),
        (
            {"name": "R", "owner": "nobody@example.com"},
            "owner: user 'nobody@example.com' not found in this account",
        ),
        ({"name": "R", "initiatives": ["Initiative 9"]}, "initiatives: initiative 'Initiative 9' not found"),
        ({"name": "R", "goals": "1,2"}, "goals: goal '1' not found"),
        ({"name": "R", "watchers": [42]}, "watchers: user '42' not found in this account"),
        ({"name": "R", "parent_id": SHIPPED}, f"parent_id {SHIPPED}: no roll-up release with that id"),
        (
            {"name": "R", "parent_id": "PRJ1-MR-1"},
            "parent_id 'PRJ1-MR-1' is invalid: must be the numeric id of a roll-up release",
        ),
    ],
)
def test_create_validation_errors_are_400(api, release_sandbox, release, message):
    assert error_of(api.post("/products/PRJ1/releases", {"release": release}), 400) == message
    assert len(release_sandbox.control("state", service="aha")["releases"]) == 6  # nothing was created


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"name": "R"}, "param is missing or the value is empty: release"),
        ({"release": {}}, "param is missing or the value is empty: release"),
        ({"release": "R"}, "param is missing or the value is empty: release"),
        (["R"], "the request body must be a JSON object"),
    ],
)
def test_create_needs_a_release_object(api, body, message):
    assert error_of(api.post("/products/PRJ1/releases", body), 400) == message


def test_create_with_a_body_that_is_not_json_is_400(api):
    response = api.session.post(
        api.base + "/products/PRJ1/releases", data=b"{release", headers={"Content-Type": "application/json"}
    )
    assert error_of(response, 400).startswith("the request body is not valid JSON")


def test_create_in_an_unknown_product_is_404(api):
    assert (
        error_of(api.post("/products/PRJ9/releases", {"release": {"name": "R"}}), 404)
        == "Product 'PRJ9' not found"
    )


def test_shipping_a_release_by_status_name_then_moving_it_back(api, release_sandbox):
    response = api.put(f"/products/PRJ1/releases/{IN_PROGRESS}", {"release": {"workflow_status": "shipped"}})
    assert response.status_code == 200, response.text
    shipped = response.json()["release"]
    assert (shipped["released"], shipped["released_on"], shipped["status_changed_on"]) == (
        True,
        today(),
        today(),
    )
    assert shipped["workflow_status"]["name"] == "Shipped" and shipped["workflow_status"]["complete"] is True
    times = shipped["workflow_status_times"]
    assert [(t["status_name"], t["ended_at"] is None) for t in times] == [
        ("In progress", False),
        ("Shipped", True),
    ]
    assert api.get("/releases/PRJ1-R-2").json()["release"]["released"] is True
    listed = api.get("/products/PRJ1/releases", exclude_shipped="true").json()["releases"]
    assert IN_PROGRESS not in [item["id"] for item in listed]

    back = api.put("/products/PRJ1/releases/PRJ1-R-2", {"release": {"workflow_status": "738862549"}}).json()
    assert back["release"]["workflow_status"]["name"] == "Will not ship"
    assert (back["release"]["released"], back["release"]["released_on"]) == (False, None)


def test_update_fields(api):
    response = api.put(
        f"/products/PRJ1/releases/{SHIPPED}",
        {"release": {"initiatives": [], "name": "Smarter release", "progress": 25, "end_date": "2026-02-01"}},
    )
    release = response.json()["release"]
    assert (release["name"], release["progress"], release["end_date"]) == (
        "Smarter release",
        25,
        "2026-02-01",
    )
    assert release["initiatives"] == []
    assert release["updated_at"] > "2026-01-05T09:00:00.000Z"
    # Roll a release up and out again.
    moved = api.put("/products/PRJ1/releases/PRJ1-R-3", {"release": {"parent_id": int(ROLL_UP)}}).json()
    assert moved["release"]["parent"]["id"] == ROLL_UP
    out = api.put("/products/PRJ1/releases/PRJ1-R-3", {"release": {"parent_id": None}}).json()
    assert "parent" not in out["release"]


def test_update_errors(api):
    progress = api.put(f"/products/PRJ1/releases/{IN_PROGRESS}", {"release": {"progress": 40}})
    assert error_of(progress, 400) == (
        "Progress may only be set when the progress source is manual (it is progress_from_features)"
    )
    own_parent = api.put(f"/products/PRJ1/releases/{ROLL_UP}", {"release": {"parent_id": ROLL_UP}})
    assert error_of(own_parent, 400) == "parent_id: a release cannot be its own roll-up release"
    empty = api.put(f"/products/PRJ1/releases/{SHIPPED}", {"release": {}})
    assert error_of(empty, 400) == "param is missing or the value is empty: release"
    blank = api.put(f"/products/PRJ1/releases/{SHIPPED}", {"release": {"name": ""}})
    assert error_of(blank, 400) == "Validation failed: Name can't be blank"
    wrong_product = api.put(f"/products/PRJ2/releases/{SHIPPED}", {"release": {"name": "x"}})
    assert error_of(wrong_product, 404) == f"Release '{SHIPPED}' not found in product 'PRJ2'"
    unknown = api.put("/products/PRJ1/releases/123", {"release": {"name": "x"}})
    assert error_of(unknown, 404) == "Release '123' not found"
    assert api.get(f"/releases/{IN_PROGRESS}").json()["release"]["progress"] == 0  # unchanged


# Duplicate and delete


def test_duplicate_answers_the_docs_shape_and_copies_the_release(api):
    response = api.post("/releases/PRJ1-R-2/duplicate")
    assert response.status_code == 200
    copy = response.json()["release"]
    assert set(copy) == {"id", "name"} and copy["name"] == "[Copy] Release 1.1"
    full = api.get(f"/releases/{copy['id']}").json()["release"]
    assert full["reference_num"] == "PRJ1-R-5"
    assert full["workflow_status"]["name"] == "Not started" and full["released"] is False
    assert [g["id"] for g in full["goals"]] == [GOAL, "988418543"]
    assert full["parent"]["id"] == ROLL_UP
    phases = api.get(f"/releases/{copy['id']}/release_phases").json()["release_phases"]
    assert [p["name"] for p in phases] == ["Development", "Beta", "Launch"]
    assert error_of(api.post("/releases/PRJ1-R-99/duplicate"), 404) == "Release 'PRJ1-R-99' not found"


def test_delete_a_release(api):
    response = api.delete(f"/products/PRJ1/releases/{ROLL_UP}")
    assert (response.status_code, response.content) == (204, b"")
    assert error_of(api.get(f"/releases/{ROLL_UP}"), 404) == f"Release '{ROLL_UP}' not found"
    assert "parent" not in api.get(f"/releases/{SHIPPED}").json()["release"]  # out of the deleted roll-up
    assert error_of(api.delete(f"/products/PRJ1/releases/{ROLL_UP}"), 404) == f"Release '{ROLL_UP}' not found"
    assert error_of(api.delete("/products/PRJ2/releases/PRJ1-R-1"), 404) == (
        "Release 'PRJ1-R-1' not found in product 'PRJ2'"
    )
    api.delete("/products/PRJ1/releases/PRJ1-R-2")
    assert [p["release_id"] for p in api.get("/release_phases").json()["release_phases"]] == [
        SHIPPED,
        SHIPPED,
    ]


# Release phases


def test_release_phases_crud(api):
    listed = api.get(f"/releases/{IN_PROGRESS}/release_phases").json()
    assert [p["name"] for p in listed["release_phases"]] == ["Development", "Beta", "Launch"]
    assert listed["pagination"] == {"total_records": 3, "total_pages": 1, "current_page": 1}
    launch = listed["release_phases"][2]
    assert (launch["type"], launch["start_on"], launch["end_on"], launch["duration"]) == (
        "milestone",
        "2026-03-31",
        "2026-03-31",
        1,
    )
    assert api.get("/release_phases", per_page=2, page=3).json()["pagination"] == {
        "total_records": 5,
        "total_pages": 3,
        "current_page": 3,
    }
    created = api.post(
        "/release_phases",
        {
            "release_phase": {
                "name": "Hardening",
                "release_id": "PRJ1-R-2",
                "start_on": "2026-03-28",
                "end_on": "2026-03-30",
            }
        },
    )
    assert created.status_code == 200, created.text
    phase = created.json()["release_phase"]
    assert (phase["release_id"], phase["type"], phase["duration"]) == (IN_PROGRESS, "phase", 3)
    assert api.get(f"/release_phases/{phase['id']}").json() == {"release_phase": phase}
    updated = api.put(
        f"/release_phases/{phase['id']}", {"release_phase": {"name": "Hardening II", "end_on": "2026-03-29"}}
    )
    assert (updated.json()["release_phase"]["name"], updated.json()["release_phase"]["end_on"]) == (
        "Hardening II",
        "2026-03-29",
    )
    assert api.delete(f"/release_phases/{phase['id']}").status_code == 204
    assert (
        error_of(api.get(f"/release_phases/{phase['id']}"), 404) == f"Release phase '{phase['id']}' not found"
    )
    assert (
        error_of(api.delete(f"/release_phases/{phase['id']}"), 404)
        == f"Release phase '{phase['id']}' not found"
    )


@pytest.mark.parametrize(
    ("phase", "message"),
    [
        ({"release_id": SHIPPED, "start_on": "2026-01-01"}, "Validation failed: Name can't be blank"),
        (
            {"name": "P", "start_on": "2026-01-01"},
            "Validation failed: Release must exist (release_id is required)",
        ),
        (
            {"name": "P", "release_id": "42", "start_on": "2026-01-01"},
            "Validation failed: Release '42' not found",
        ),
        ({"name": "P", "release_id": SHIPPED}, "Validation failed: Start on can't be blank"),
        (
            {"name": "P", "release_id": SHIPPED, "start_on": "2026-01-01"},
            "Validation failed: End on can't be blank",
        ),
        (
            {"name": "P", "release_id": SHIPPED, "start_on": "2026-01-05", "end_on": "2026-01-04"},
            "Validation failed: End on must be on or after start on",
        ),
        (
            {"name": "P", "release_id": SHIPPED, "start_on": "2026-1-5", "end_on": "2026-01-04"},
            "start_on '2026-1-5' is invalid: use the format YYYY-MM-DD",
        ),
        (
            {"name": "P", "release_id": SHIPPED, "start_on": "2026-01-05", "type": "gate"},
            "type 'gate' is invalid: must be one of phase, milestone",
        ),
    ],
)
def test_release_phase_validation_errors_are_400(api, phase, message):
    assert error_of(api.post("/release_phases", {"release_phase": phase}), 400) == message
    assert api.get("/release_phases").json()["pagination"]["total_records"] == 5


def test_a_milestone_needs_only_its_day(api):
    created = api.post(
        "/release_phases",
        {
            "release_phase": {
                "name": "GA",
                "release_id": SHIPPED,
                "start_on": "2026-01-21",
                "type": "milestone",
            }
        },
    )
    assert created.json()["release_phase"]["end_on"] == "2026-01-21"


# Controls, reset, seed


def test_ship_release_control(api, release_sandbox):
    assert api.get("/releases/325518644").json()["release"]["released"] is False
    release = release_sandbox.ship_release("PRJ1-R-3")
    assert (release["released"], release["released_on"], release["workflow_status"]["name"]) == (
        True,
        today(),
        "Shipped",
    )
    assert release["url"] == f"{release_sandbox.url('aha')}/releases/PRJ1-R-3"  # the last host seen
    assert api.get("/releases/325518644").json()["release"]["released"] is True
    with pytest.raises(ValueError, match="Aha! release 'PRJ9-R-1' is unknown"):
        release_sandbox.ship_release("PRJ9-R-1")


def test_state_control_summarises_the_objects(release_sandbox):
    state = release_sandbox.control("state", service="aha")
    assert [p["reference_prefix"] for p in state["products"]] == ["PRJ1", "PRJ2"]
    assert state["products"][0]["workflow_statuses"] == [
        "Not started",
        "In progress",
        "Shipped",
        "Will not ship",
    ]
    shipped = [r["reference_num"] for r in state["releases"] if r["released"]]
    assert shipped == ["PRJ1-R-1"]
    assert {r["reference_num"]: r["parent_id"] for r in state["releases"] if r["parent_id"]} == {
        "PRJ1-R-1": ROLL_UP,
        "PRJ1-R-2": ROLL_UP,
    }
    assert len(state["release_phases"]) == 5


def test_reset_puts_the_seed_back(api, release_sandbox):
    created = api.create("Temporary")
    api.put(f"/products/PRJ1/releases/{IN_PROGRESS}", {"release": {"workflow_status": "Shipped"}})
    api.delete(f"/products/PRJ1/releases/{SHIPPED}")
    api.delete("/release_phases/5524003")
    release_sandbox.reset()
    assert release_sandbox.requests == []
    assert error_of(api.get(f"/releases/{created['id']}"), 404) == f"Release '{created['id']}' not found"
    assert api.get(f"/releases/{IN_PROGRESS}").json()["release"]["released"] is False
    assert api.get(f"/releases/{SHIPPED}").json()["release"]["released"] is True
    assert api.get("/release_phases/5524003").status_code == 200
    assert api.create("After reset")["reference_num"] == "PRJ1-R-5"


def test_a_seed_replaces_the_default_data():
    seed = {
        "aha": {
            "api_key": "my-key",
            "web_url": "https://acme.aha.io/",
            "users": [{"id": "7", "name": "Ann", "email": "ann@acme.test"}],
            "workflow_statuses": [
                {"id": "1", "name": "Planned", "position": 1},
                {"id": "2", "name": "Released", "position": 2, "complete": True, "ships": True},
            ],
            "products": [{"id": "900", "reference_prefix": "ACME", "name": "Acme"}],
            "releases": [{"id": "5", "product_id": "900", "name": "One", "workflow_status": "Released"}],
        }
    }
    with sandbox(seed=seed) as custom:
        headers = {"Authorization": "Bearer my-key"}
        base = custom.url("aha") + "/api/v1"
        release = requests.get(f"{base}/releases/ACME-R-1", headers=headers, timeout=5).json()["release"]
        assert (release["id"], release["released"], release["released_on"]) == ("5", True, "2026-01-05")
        assert release["url"] == "https://acme.aha.io/releases/ACME-R-1"
        assert release["owner"]["name"] == "Ann"
        created = requests.post(
            f"{base}/products/ACME/releases", json={"release": {"name": "Two"}}, headers=headers, timeout=5
        ).json()["release"]
        assert (created["reference_num"], created["workflow_status"]["name"]) == ("ACME-R-2", "Planned")
        assert custom.connection("aha")["password"] == "my-key"


@pytest.mark.parametrize(
    ("seed", "message"),
    [
        (
            {"workflow_statuses": [], "products": [{"id": "1", "reference_prefix": "P", "name": "P"}]},
            "product 1 has no workflow statuses",
        ),
        ({"releases": [{"id": "1", "product_id": "2", "name": "R"}]}, "release 1 names unknown product 2"),
        ({"goals": [{"name": "no id"}]}, "an object has no id"),
        ({"products": [{"id": "1", "name": "no prefix"}]}, "lacks a required key or has the wrong type"),
        ({"release_phases": [{"id": "1", "release_id": "2", "name": "P"}]}, "names unknown release 2"),
        ({"features": []}, "unknown keys \\['features'\\]"),
        (
            {
                "products": [{"id": "1", "reference_prefix": "P", "name": "P"}],
                "releases": [{"id": "2", "product_id": "1", "name": "R", "workflow_status": "Done"}],
            },
            "release 2 has workflow status 'Done', not one of product P's",
        ),
        (
            {
                "products": [{"id": "1", "reference_prefix": "P", "name": "P"}],
                "releases": [{"id": "2", "product_id": "1", "name": "R", "parent_id": "3"}],
            },
            "release 2's parent_id is not a roll-up release",
        ),
        (
            {
                "products": [{"id": "1", "reference_prefix": "P", "name": "P"}],
                "releases": [{"id": "2", "product_id": "1", "name": "R", "goals": ["7"]}],
            },
            "release 2 names unknown goals \\['7'\\]",
        ),
    ],
)
def test_a_bad_seed_is_a_clear_error(seed, message):
    with pytest.raises(ValueError, match=message):
        AhaBackend(seed)


def test_a_seed_of_settings_only_keeps_the_default_data():
    backend = AhaBackend({"api_key": "other-key"})
    assert backend.model.api_key == "other-key"
    assert [r["reference_num"] for r in backend.state()["releases"]][:2] == ["PRJ1-MR-1", "PRJ1-R-2"]
    only_products = AhaBackend({"products": [{"id": "1", "reference_prefix": "ONE", "name": "One"}]})
    assert only_products.state()["releases"] == [] and len(only_products.state()["products"]) == 1
