"""
The Releases page on a real api-server whose users must log in (the simple auth manager with a
user and a password, not "every user is an admin"): without a login every route of the page is
refused, with Airflow's own token (as a bearer token or as the UI's session cookie) it answers.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator

import pytest
import requests

from tests import secret_audit
from tests.engine.engine import ENGINE, AirflowEngine

pytestmark = pytest.mark.engine

USER = "release-manager"
PAGES = ("/releases/", "/releases/versions/2.1.0", "/releases/api/versions", "/releases/api/versions/2.1.0")


@pytest.fixture(scope="module")
def login_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[AirflowEngine, str]]:
    """An api-server (no other process: nothing runs) with one user, ``USER``, and its password."""
    root = tmp_path_factory.mktemp("releases-login")
    (root / "dags").mkdir()
    password = secrets.token_urlsafe(16)
    passwords = root / "passwords.json"
    passwords.write_text(json.dumps({USER: password}))
    environ = {
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "False",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{USER}:viewer",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords),
    }
    engine = AirflowEngine(root / "engine", root / "dags", environ)
    try:
        engine.migrate()
        engine.start("api-server")
        engine.wait_healthy(["api-server"])
        yield engine, password
    finally:
        engine.stop_all()
        secret_audit.scan_tree(engine.root)


@pytest.fixture
def engine(request: pytest.FixtureRequest, login_engine: tuple[AirflowEngine, str]) -> AirflowEngine:
    request.node.stash[ENGINE] = login_engine[0]
    return login_engine[0]


def login(engine: AirflowEngine, password: str) -> str:
    """Log ``USER`` in through the simple auth manager's token route; its JWT."""
    answer = requests.post(
        f"{engine.base_url}/auth/token", json={"username": USER, "password": password}, timeout=30
    )
    assert answer.status_code in (200, 201), answer.text
    return answer.json()["access_token"]


def test_every_route_of_the_page_refuses_a_request_without_login(engine: AirflowEngine) -> None:
    for path in PAGES:
        answer = requests.get(f"{engine.base_url}{path}", timeout=30)
        assert answer.status_code == 401, (path, answer.status_code, answer.text[:300])
    page = requests.get(f"{engine.base_url}/releases/", timeout=30)
    assert "Log in to Airflow" in page.text and 'href="/auth/login' in page.text, page.text
    assert requests.get(f"{engine.base_url}/releases/api/versions", timeout=30).json() == {
        "detail": "Not authenticated"
    }


def test_a_forged_token_is_refused(engine: AirflowEngine) -> None:
    answer = requests.get(
        f"{engine.base_url}/releases/api/versions", headers={"Authorization": "Bearer not-a-jwt"}, timeout=30
    )
    assert answer.status_code in (401, 403), answer.text


def test_a_logged_in_user_gets_the_page_by_token_and_by_the_uis_session_cookie(
    engine: AirflowEngine, login_engine: tuple[AirflowEngine, str]
) -> None:
    token = login(engine, login_engine[1])

    data = requests.get(
        f"{engine.base_url}/releases/api/versions", headers={"Authorization": f"Bearer {token}"}, timeout=30
    )
    assert data.status_code == 200, data.text
    assert data.json() == {"versions": [], "total_entries": 0, "page": 1, "page_size": 25}
    page = requests.get(f"{engine.base_url}/releases/", cookies={"_token": token}, timeout=30)
    assert page.status_code == 200 and '<table id="releases">' in page.text, page.text[:500]


def test_the_api_server_lists_the_plugin_with_its_navigation_entry(
    engine: AirflowEngine, login_engine: tuple[AirflowEngine, str]
) -> None:
    token = login(engine, login_engine[1])
    answer = requests.get(
        f"{engine.base_url}/api/v2/plugins", headers={"Authorization": f"Bearer {token}"}, timeout=30
    )
    assert answer.status_code == 200, answer.text
    [plugin] = [p for p in answer.json()["plugins"] if p["name"] == "releases_page"]
    [view] = plugin["external_views"]
    assert (view["name"], view["href"], view["destination"], view["url_route"]) == (
        "Releases",
        "/releases/",
        "nav",
        "releases",
    )
    assert [app["url_prefix"] for app in plugin["fastapi_apps"]] == ["/releases"]
    assert requests.get(f"{engine.base_url}/releases/icon.svg", timeout=30).status_code == 200
