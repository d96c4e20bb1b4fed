"""
The Releases page's app on a real metadata database: ``release_workflow`` runs with ``dag.test()``
against the sandbox, then the page and its data are read through FastAPI's test client, as the
api-server mounts them (authentication and the auth manager's DAG permissions included).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from markupsafe import escape

from airflow_provider_releases_sandbox import Sandbox
from airflow_provider_releases_sandbox.dag_runs import run_dag
from tests import secret_audit

EXAMPLE_DAGS = Path(__file__).parents[2] / "example_dags"
VERSION = "4.2.0"
HOSTILE_TITLE = '<script>alert("x")</script> & co'


class FakeAuthManager:
    """Lets its user read the DAGs of ``readable`` (and assets when ``assets``)."""

    def __init__(self, readable: set[str], assets: bool = True) -> None:
        self.readable = readable
        self.assets = assets
        self.asked: list[dict[str, Any]] = []

    def get_authorized_dag_ids(self, *, user: Any, method: str = "GET", session: Any = None) -> set[str]:
        self.asked.append({"user": user, "method": method})
        return set(self.readable)

    def is_authorized_asset(self, *, method: str, user: Any, details: Any = None) -> bool:
        return self.assets

    def get_url_login(self, **kwargs: Any) -> str:
        return "/auth/login"


@pytest.fixture(scope="module")
def released(release_sandbox_server: Sandbox) -> Iterator[Sandbox]:
    """One finished run of ``release_workflow`` for version 4.2.0 (its title has HTML in it)."""
    sandbox = release_sandbox_server
    sandbox.reset()
    mp = pytest.MonkeyPatch()
    for name, value in sandbox.environ().items():
        mp.setenv(name, value)
    mp.setenv("RELEASES_PHASE_POLL_SECONDS", "0.2")
    sandbox.auto_advance(reads=1)
    run = run_dag(
        EXAMPLE_DAGS / "release_workflow.py",
        "release_workflow",
        conf={"version": VERSION, "title": HOSTILE_TITLE},
    )
    assert run.state == "success"
    yield sandbox
    mp.undo()


class AuditedClient:
    """FastAPI's test client whose every answer the secret-leak audit reads."""

    def __init__(self, app: Any, root_path: str) -> None:
        from fastapi.testclient import TestClient

        self.app = app
        self.http = TestClient(app, root_path=root_path)

    def get(self, path: str, **kwargs: Any) -> Any:
        answer = self.http.get(path, **kwargs)
        secret_audit.scan(answer.text, secret_audit.RELEASES_PAGE, path)
        return answer


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> Any:
    """The page's app with a logged-in user who may read ``release_workflow``."""
    from airflow.api_fastapi.core_api.security import get_user

    from airflow_provider_releases.plugins.releases_app import create_app

    manager = FakeAuthManager({"release_workflow"})
    monkeypatch.setattr("airflow.api_fastapi.app.get_auth_manager", lambda: manager)
    app = create_app()
    app.dependency_overrides[get_user] = lambda: "release-manager"
    test_client = AuditedClient(app, root_path="/releases")
    test_client.manager = manager
    return test_client


def test_the_list_data_shows_the_released_version_at_each_service(released: Sandbox, client: Any) -> None:
    answer = client.get("/api/versions").json()

    [row] = [row for row in answer["versions"] if row["version"] == VERSION]
    services = row["services"]
    assert {key: cell["state"] for key, cell in services.items()} == {
        "aha": "shipped",
        "cryptlex": "published",
        "launchdarkly": "phase_completed",
        "amplitude": "annotated",
    }
    assert re.fullmatch(r"PRJ1-R-\d+", services["aha"]["detail"])
    assert services["cryptlex"]["detail"] == "channel stable"
    assert services["aha"]["vendor_url"].startswith(released.url("aha"))
    assert services["cryptlex"]["task_id"] == "publish_cryptlex_release"
    [run] = row["runs"]
    assert run["dag_id"] == "release_workflow" and run["state"] == "success"
    assert (
        services["aha"]["run_url"]
        == f"/dags/release_workflow/runs/{run['run_id'].replace(':', '%3A').replace('+', '%2B')}"
    )
    assert services["aha"]["task_url"] == services["aha"]["run_url"] + "/tasks/ship_aha_release"
    assert row["pending_approvals"] == []
    assert client.manager.asked == [{"user": "release-manager", "method": "GET"}]


def test_a_user_who_cannot_read_the_dag_sees_none_of_its_releases(released: Sandbox, client: Any) -> None:
    client.manager.readable = {"some_other_dag"}

    assert all(row["version"] != VERSION for row in client.get("/api/versions").json()["versions"])
    assert client.get(f"/api/versions/{VERSION}").status_code == 404


def test_the_list_page_escapes_every_value(released: Sandbox, client: Any) -> None:
    page = client.get("/").text

    assert HOSTILE_TITLE not in page
    assert str(escape(HOSTILE_TITLE)) in page  # &lt;script&gt;alert(&#34;x&#34;)...
    assert f'href="/releases/versions/{VERSION}"' in page


def test_the_version_page_shows_the_timeline(released: Sandbox, client: Any) -> None:
    answer = client.get(f"/api/versions/{VERSION}").json()

    services = [entry["service"] for entry in answer["timeline"]]
    assert {"aha", "cryptlex", "launchdarkly", "amplitude"} <= set(services)
    assert answer["pending_steps"] == []
    assert client.get(f"/versions/{VERSION}").status_code == 200


def test_a_request_without_login_is_refused(released: Sandbox, client: Any) -> None:
    from airflow.api_fastapi.core_api.security import get_user

    client.app.dependency_overrides.pop(get_user)

    assert client.get("/api/versions").status_code == 401
    page = client.get("/")
    assert page.status_code == 401
    assert "Log in to Airflow" in page.text


def test_an_unknown_state_filter_is_refused_naming_the_accepted_forms(released: Sandbox, client: Any) -> None:
    answer = client.get("/api/versions", params={"state": "aha:sold"})

    assert answer.status_code == 400
    assert "state='aha:sold'" in answer.json()["detail"]
    assert "approval:pending" in answer.json()["detail"]
