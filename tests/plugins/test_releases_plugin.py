"""
The Releases page's plugin as Airflow finds it (provider info, entry point, plugin manager), its
lazy app (the icon, the login check, the data routes on hand-made records) and its links into
Airflow's UI. No database, no Airflow run.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from datetime import datetime, timezone
from importlib.metadata import entry_points
from typing import Any

import pytest
from airflow.plugins_manager import is_valid_plugin

from airflow_provider_releases.get_provider_info import get_provider_info
from airflow_provider_releases.milestones import MilestoneAction, aha_release
from airflow_provider_releases.plugins import releases_data
from airflow_provider_releases.plugins.releases_app import create_app, run_url, task_url
from airflow_provider_releases.plugins.releases_model import MilestoneRecord, RunRecord
from airflow_provider_releases.plugins.releases_page import LazyReleasesApp, ReleasesPagePlugin

PLUGIN_CLASS = "airflow_provider_releases.plugins.releases_page.ReleasesPagePlugin"
RUN_ID = "manual__2026-12-01T09:00:00+00:00"
QUOTED_RUN_ID = "manual__2026-12-01T09%3A00%3A00%2B00%3A00"


# Registration


def test_the_provider_info_names_the_plugin_and_airflow_accepts_it() -> None:
    assert get_provider_info()["plugins"] == [{"name": "releases_page", "plugin-class": PLUGIN_CLASS}]
    module, _, name = PLUGIN_CLASS.rpartition(".")
    plugin = getattr(importlib.import_module(module), name)

    assert plugin is ReleasesPagePlugin
    assert is_valid_plugin(plugin)
    (view,) = plugin.external_views
    assert {key: view[key] for key in ("name", "href", "destination", "url_route", "icon")} == {
        "name": "Releases",
        "href": "/releases/",
        "destination": "nav",
        "url_route": "releases",
        "icon": "/releases/icon.svg",
    }
    (app,) = plugin.fastapi_apps
    assert (app["url_prefix"], app["name"], type(app["app"])) == ("/releases", "Releases", LazyReleasesApp)


def test_the_airflow_plugins_entry_point_loads_the_page_plugin() -> None:
    (entry,) = [e for e in entry_points(group="airflow.plugins") if e.name == "releases_page"]

    assert entry.load() is ReleasesPagePlugin


def test_airflow_lists_the_page_once_as_its_plugins_api_shows_it() -> None:
    """What ``GET /api/v2/plugins`` (the UI's navigation) answers, validated by Airflow's own model."""
    from airflow import plugins_manager
    from airflow.api_fastapi.core_api.datamodels.plugins import PluginResponse

    (info,) = [p for p in plugins_manager.get_plugin_info() if p["name"] == "releases_page"]
    shown = PluginResponse.model_validate(info)
    apps, _ = plugins_manager.get_fastapi_plugins()

    [view] = shown.external_views
    assert (view.destination, view.url_route, view.href) == ("nav", "releases", "/releases/")
    assert [app["url_prefix"] for app in apps if isinstance(app["app"], LazyReleasesApp)] == ["/releases"]


IMPORT_THE_PLUGIN = """
import json, sys
import airflow.plugins_manager
before = set(sys.modules)
import airflow_provider_releases.plugins.releases_page
print(json.dumps({"added": sorted(set(sys.modules) - before), "all": sorted(sys.modules)}))
"""


def test_importing_the_plugin_module_loads_neither_the_app_nor_its_libraries() -> None:
    """Airflow imports every plugin in every process: the app, FastAPI and templates wait for a request."""
    found = subprocess.run(
        [sys.executable, "-c", IMPORT_THE_PLUGIN], capture_output=True, text=True, check=True, timeout=120
    ).stdout.splitlines()[-1]
    modules = json.loads(found)

    heavy = ("fastapi", "starlette", "jinja2", "sqlalchemy", "airflow.models", "airflow.api_fastapi")
    assert [name for name in modules["added"] if name.startswith(heavy)] == []
    assert [name for name in modules["all"] if name.startswith(("fastapi", "starlette"))] == []
    assert [name for name in modules["all"] if name.startswith("airflow_provider_releases.plugins.")] == [
        "airflow_provider_releases.plugins.releases_page"
    ]


# The app


class FakeAuthManager:
    """Lets its user read the DAGs of ``readable``."""

    def __init__(self, readable: set[str]) -> None:
        self.readable = readable

    def get_authorized_dag_ids(self, *, user: Any, method: str = "GET", session: Any = None) -> set[str]:
        return set(self.readable)

    def is_authorized_asset(self, *, method: str, user: Any, details: Any = None) -> bool:
        return False

    def get_url_login(self, **kwargs: Any) -> str:
        return "/auth/login"


@pytest.fixture
def mounted(monkeypatch: pytest.MonkeyPatch) -> Any:
    """The plugin's lazy app mounted under ``/releases`` as Airflow's api-server mounts it."""
    from fastapi.testclient import TestClient
    from starlette.applications import Starlette
    from starlette.routing import Mount

    monkeypatch.setattr("airflow.api_fastapi.app.get_auth_manager", lambda: FakeAuthManager(set()))
    return TestClient(Starlette(routes=[Mount("/releases", app=LazyReleasesApp())]))


def test_the_icon_is_served_without_login(mounted: Any) -> None:
    answer = mounted.get("/releases/icon.svg")

    assert answer.status_code == 200
    assert answer.headers["content-type"] == "image/svg+xml"
    assert answer.text.startswith('<svg xmlns="http://www.w3.org/2000/svg"')


def test_the_pages_and_data_refuse_a_request_without_login(mounted: Any) -> None:
    data = mounted.get("/releases/api/versions")
    page = mounted.get("/releases/")

    assert (data.status_code, list(data.json())) == (401, ["detail"])
    assert page.status_code == 401
    assert page.headers["content-type"].startswith("text/html")
    assert 'href="/auth/login"' in page.text


@pytest.fixture
def logged_in(monkeypatch: pytest.MonkeyPatch) -> Any:
    """The app for a user who may read ``release_workflow``; the database read returns one run of 15.0."""
    from airflow.api_fastapi.core_api.security import get_user
    from fastapi.testclient import TestClient

    extra = aha_release(MilestoneAction.SHIPPED, {"id": "1", "reference_num": "PRJ1-R-15", "name": "Spring"})
    started = datetime(2026, 12, 1, 9, tzinfo=timezone.utc)
    records = (
        [MilestoneRecord(extra, started, "release_workflow", RUN_ID, "ship_aha")],
        [RunRecord("release_workflow", RUN_ID, "success", started, "15.0")],
        [],
        [],
    )
    asked: list[set[str]] = []

    def read_records(session: Any, dag_ids: set[str], *, with_loose_events: bool) -> tuple[list, ...]:
        asked.append(set(dag_ids))
        return records

    monkeypatch.setattr(
        "airflow.api_fastapi.app.get_auth_manager", lambda: FakeAuthManager({"release_workflow"})
    )
    monkeypatch.setattr(releases_data, "read_records", read_records)
    app = create_app()
    app.dependency_overrides[get_user] = lambda: "release-manager"
    client = TestClient(app, root_path="/releases")
    client.asked = asked
    return client


def test_the_data_routes_answer_the_readable_versions(logged_in: Any) -> None:
    answer = logged_in.get("/api/versions", params={"state": "aha:shipped", "q": "prj1-r-15"}).json()

    assert logged_in.asked == [{"release_workflow"}]
    assert answer["total_entries"] == 1
    [row] = answer["versions"]
    assert (row["version"], row["title"]) == ("15.0", "Spring")
    aha = row["services"]["aha"]
    assert (aha["state"], aha["detail"]) == ("shipped", "PRJ1-R-15")
    assert aha["task_url"] == f"/dags/release_workflow/runs/{QUOTED_RUN_ID}/tasks/ship_aha"
    assert logged_in.get("/api/versions", params={"state": "aha:draft"}).json()["versions"] == []
    assert logged_in.get("/api/versions/15.0").json()["timeline"][0]["what"] == "shipped"
    assert logged_in.get("/api/versions/16.0").status_code == 404


def test_an_unknown_state_filter_is_a_bad_request_naming_the_accepted_forms(logged_in: Any) -> None:
    answer = logged_in.get("/api/versions", params={"state": "aha:sold"})

    assert answer.status_code == 400
    assert "state='aha:sold'" in answer.json()["detail"]
    assert "'approval:pending'" in answer.json()["detail"]


# Links into Airflow's UI


@pytest.fixture
def ui_at(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Set ``[api] base_url`` (as the api-server reads it, from the environment)."""

    def set_base_url(url: str) -> None:
        monkeypatch.setenv("AIRFLOW__API__BASE_URL", url)

    set_base_url("")
    return set_base_url


@pytest.mark.parametrize(
    ("args", "url"),
    [
        (("release_workflow", RUN_ID), f"/dags/release_workflow/runs/{QUOTED_RUN_ID}"),
        (("team.releases", "scheduled/2026 12"), "/dags/team.releases/runs/scheduled%2F2026%2012"),
        ((None, RUN_ID), None),
        (("release_workflow", ""), None),
    ],
)
def test_run_url_quotes_each_path_segment(ui_at: Any, args: tuple[Any, ...], url: str | None) -> None:
    assert run_url(*args) == url


@pytest.mark.parametrize(
    ("task_id", "map_index", "tail"),
    [
        ("ship_aha", -1, "/tasks/ship_aha"),
        ("group.ship_aha", -1, "/tasks/group.ship_aha"),
        ("ship_aha", 0, "/tasks/ship_aha/mapped/0"),
        ("ship_aha", 3, "/tasks/ship_aha/mapped/3"),
    ],
)
def test_task_url_names_the_task_and_its_map_index(
    ui_at: Any, task_id: str, map_index: int, tail: str
) -> None:
    assert (
        task_url("release_workflow", RUN_ID, task_id, map_index) == run_url("release_workflow", RUN_ID) + tail
    )
    assert task_url("release_workflow", RUN_ID, None) is None


@pytest.mark.parametrize(
    ("base_url", "prefix"),
    [
        ("https://airflow.example.com/team-a/", "/team-a"),
        ("https://airflow.example.com/a/b", "/a/b"),
        ("http://localhost:8080", ""),
        ("", ""),
    ],
)
def test_links_honour_the_path_of_the_api_base_url(ui_at: Any, base_url: str, prefix: str) -> None:
    ui_at(base_url)

    assert run_url("release_workflow", RUN_ID) == f"{prefix}/dags/release_workflow/runs/{QUOTED_RUN_ID}"
    assert (
        task_url("release_workflow", RUN_ID, "ship", 2)
        == f"{prefix}/dags/release_workflow/runs/{QUOTED_RUN_ID}/tasks/ship/mapped/2"
    )
