"""
The connection pages of Airflow's own UI, in headless Chromium against a real api-server: the Edit
form of a connection created over REST with a partial ``extra`` shows every field the provider
declares, and every way to test a connection answers (the list's Test button, the REST call and
``airflow connections test``).

The browser runs ``scripts/connection_pages.py`` in the browser tools' virtualenv
(``scripts/browser.sh`` installs Debian's chromium and the pinned playwright; ``scripts/test.sh``
runs it in its set-up).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_releases.connection_forms import form_defaults
from airflow_provider_releases.get_provider_info import get_provider_info
from airflow_provider_releases_sandbox import Sandbox
from tests import secret_audit
from tests.engine.engine import ENGINE, AirflowEngine, EngineError

pytestmark = pytest.mark.engine

ROOT = Path(__file__).resolve().parents[2]
BROWSER_PYTHON = ROOT / ".venv" / "browser" / "bin" / "python"
CHROMIUM = Path("/usr/bin/chromium")
DRIVER = ROOT / "scripts" / "connection_pages.py"
DOCUMENTED_TESTS = Path(__file__).with_name("connection_tests.sh")  # shown in docs/connections/index.md
SERVICES = {"amplitude": "Amplitude", "launchdarkly": "LaunchDarkly", "aha": "Aha!", "cryptlex": "Cryptlex"}
# One stored extra key per connection (Amplitude's API key, Cryptlex's release files host from the
# sandbox's own connection; a timeout or retry count for the others): the rest is missing.
PARTIAL_EXTRA = {"launchdarkly": {"read_timeout": 30}, "aha": {"max_retries": 2}}
MASKED = "***"


def conn_id(conn_type: str) -> str:
    """The id of the partially stored connection of ``conn_type``."""
    return f"{conn_type}_partial"


@pytest.fixture(scope="module")
def api_server(
    tmp_path_factory: pytest.TempPathFactory, release_sandbox_server: Sandbox
) -> Iterator[AirflowEngine]:
    """
    A real api-server on SQLite (no other Airflow process: the pages need none) with connection
    testing enabled, holding one connection of each type created over REST with a partial extra,
    pointing at the session's sandbox.
    """
    missing = [str(path) for path in (BROWSER_PYTHON, CHROMIUM) if not path.exists()]
    if missing:
        raise EngineError(f"{', '.join(missing)} missing: run scripts/browser.sh (scripts/test.sh does)")
    root = tmp_path_factory.mktemp("connection-pages")
    (root / "dags").mkdir()
    engine = AirflowEngine(root / "engine", root / "dags", {"AIRFLOW__CORE__TEST_CONNECTION": "Enabled"})
    try:
        engine.migrate()
        engine.start("api-server")
        engine.wait_healthy(["api-server"])
        for conn_type in SERVICES:
            connection = release_sandbox_server.connection(conn_type)
            extra = PARTIAL_EXTRA.get(conn_type, connection.get("extra", {}))
            body = {**connection, "connection_id": conn_id(conn_type), "extra": json.dumps(extra)}
            engine.api("POST", "/api/v2/connections", json=body, expect=(201,))
        aha = {**release_sandbox_server.connection("aha"), "connection_id": "aha_default"}
        engine.api("POST", "/api/v2/connections", json=aha, expect=(201,))
        yield engine
    finally:
        engine.stop_all()
        secret_audit.scan_tree(engine.root)


@pytest.fixture(autouse=True)
def _engine_in_reports(request: pytest.FixtureRequest, api_server: AirflowEngine) -> None:
    """A failed test's report gets the api-server's log tail (tests/engine/conftest.py)."""
    request.node.stash[ENGINE] = api_server


def drive(engine: AirflowEngine, action: str, *conn_ids: str) -> dict[str, Any]:
    """Run ``scripts/connection_pages.py ACTION CONN_ID...`` in Chromium; its JSON answer."""
    done = subprocess.run(
        [
            str(BROWSER_PYTHON),
            str(DRIVER),
            "--url",
            engine.base_url,
            "--chromium",
            str(CHROMIUM),
            action,
            *conn_ids,
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode != 0:
        raise EngineError(f"{DRIVER.name} {action} exited {done.returncode}:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout)


def expected_extra_fields(conn_type: str, stored: dict[str, Any]) -> dict[str, dict[str, str]]:
    """Every declared extra field, labelled, with the stored value (masked if secret) or its default."""
    (declared,) = [c for c in get_provider_info()["connection-types"] if c["connection-type"] == conn_type]
    expected = {}
    for name, field in declared["conn-fields"].items():
        value = stored.get(name, form_defaults()[conn_type][name])
        if field["schema"].get("format") == "password" and value is not None:
            value = MASKED
        expected[name] = {"label": field["label"], "value": "" if value is None else str(value)}
    return expected


def test_the_edit_form_of_a_partially_stored_connection_shows_every_declared_field(
    api_server: AirflowEngine, release_sandbox_server: Sandbox
):
    shown = drive(api_server, "edit", *map(conn_id, SERVICES))
    for info in get_provider_info()["connection-types"]:
        conn_type = info["connection-type"]
        behaviour = info["ui-field-behaviour"]
        connection = release_sandbox_server.connection(conn_type)
        stored = PARTIAL_EXTRA.get(conn_type, connection.get("extra", {}))
        fields = shown[conn_id(conn_type)]
        extra = {name: field for name, field in fields.items() if "label" in field}
        assert extra == expected_extra_fields(conn_type, stored), conn_type
        standard = {title: field["value"] for title, field in fields.items() if "label" not in field}
        visible = {name for name in ("host", "login", "password") if name not in behaviour["hidden-fields"]}
        assert set(standard) == {behaviour["relabeling"][name] for name in visible}, conn_type
        assert standard[behaviour["relabeling"]["host"]] == connection["host"]
        assert standard[behaviour["relabeling"]["password"]] == MASKED


def test_the_lists_test_button_tests_the_stored_connection(
    api_server: AirflowEngine, release_sandbox_server: Sandbox
):
    answers = drive(api_server, "test", *map(conn_id, SERVICES))
    for conn_type, service in SERVICES.items():
        url = release_sandbox_server.url(conn_type)
        assert answers[conn_id(conn_type)] == {
            "status": 200,
            "body": {"status": True, "message": f"Connected to {service} at {url}."},
        }


def test_the_rest_call_tests_a_stored_connection_named_by_id_and_type(
    api_server: AirflowEngine, release_sandbox_server: Sandbox
):
    for conn_type, service in SERVICES.items():
        body = {"connection_id": conn_id(conn_type), "conn_type": conn_type}
        answer = api_server.api("POST", "/api/v2/connections/test", json=body)
        url = release_sandbox_server.url(conn_type)
        assert answer == {"status": True, "message": f"Connected to {service} at {url}."}


def test_the_documented_rest_call_and_cli_command_test_aha_default(
    api_server: AirflowEngine, release_sandbox_server: Sandbox
):
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    environ = {
        **api_server.env,
        "AIRFLOW_URL": api_server.base_url,
        "TOKEN": api_server.token(),
        "PATH": path,
    }
    done = subprocess.run(
        ["bash", str(DOCUMENTED_TESTS)], env=environ, capture_output=True, text=True, timeout=180, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    rest, cli = done.stdout.split("\n", 1)
    url = release_sandbox_server.url("aha")
    assert json.loads(rest) == {"status": True, "message": f"Connected to Aha! at {url}."}
    assert "Connection success!" in cli, done.stdout + done.stderr
