"""
The approval answer docs/reacting-to-releases.md shows (``docs/examples/approve_release.sh``) and
the Releases page's data read docs/howto/releases-page.md shows (``docs/examples/releases_api.sh``),
run against Airflow's own API server with the simple auth manager.

The server has no ``release_workflow`` run, so the answer is the HITL route's own 404, which
names the task instance it looked for: the request got past authentication (a JWT from
``POST /auth/token``) and the body's validation, and the run id arrived decoded. The full
approval, on a waiting run, is answered in ``tests/engine/test_reacting_to_releases.py``. The
Releases page's routes answer under ``/releases``, where the api-server mounts the provider's
plugin: an empty list, and the page's own 404 for a version.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.docs.sources import DOCS

SCRIPT = DOCS / "examples" / "approve_release.sh"
RELEASES_SCRIPT = DOCS / "examples" / "releases_api.sh"
RUN_ID = "manual__2026-05-04T10:00:00+00:00"
USER, PASSWORD = "admin", "pa:ss+word&="  # characters a form body must encode
START_TIMEOUT = 180
#: Airflow's API app (the REST API and the simple auth manager's token route) on a free port,
#: written to the file named by argv[1] once it is built.
SERVE = """
import socket, sys
import uvicorn
from airflow.api_fastapi.app import create_app
sock = socket.socket()
sock.bind(("127.0.0.1", 0))
sock.listen(16)
app = create_app("core")
with open(sys.argv[1], "w") as out:
    out.write(str(sock.getsockname()[1]))
uvicorn.Server(uvicorn.Config(app, log_level="warning")).run(sockets=[sock])
"""


def wait_for_port(port_file: Path, server: subprocess.Popen) -> int:
    """The port the server listens on, once it accepts connections."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        assert server.poll() is None, f"the API server exited with {server.returncode}"
        if port_file.is_file() and port_file.read_text():
            port = int(port_file.read_text())
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return port
            except OSError:
                pass
        time.sleep(0.2)
    raise TimeoutError(f"Airflow's API server did not start within {START_TIMEOUT} s")


@pytest.fixture(scope="module")
def airflow_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An Airflow API server of its own (metadata database, simple auth manager with one user)."""
    root = tmp_path_factory.mktemp("airflow-api")
    (root / "passwords.json").write_text(json.dumps({USER: PASSWORD}))
    auth = "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager"
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(root / "home"),
        "AIRFLOW__CORE__AUTH_MANAGER": auth,
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{USER}:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(root / "passwords.json"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    }
    migrate = [sys.executable, "-m", "airflow", "db", "migrate"]
    done = subprocess.run(migrate, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    port_file = root / "port"
    log = (root / "api-server.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-c", SERVE, str(port_file)], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        yield f"http://127.0.0.1:{wait_for_port(port_file, server)}"
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def answer(
    airflow_url: str, *args: str, password: str = PASSWORD, script: Path = SCRIPT
) -> subprocess.CompletedProcess:
    """Run a documented script as its page says, with the server's address and credentials."""
    env = {**os.environ, "AIRFLOW_URL": airflow_url, "AIRFLOW_USER": USER, "AIRFLOW_PASSWORD": password}
    command = ["bash", str(script), *((RUN_ID,) if script == SCRIPT else ()), *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("option", ["Approve", "Reject"])
def test_the_documented_answer_reaches_airflows_approval_route_with_the_run_id_decoded(
    airflow_url: str, option: str
) -> None:
    done = answer(airflow_url, option)
    assert done.returncode == 22, done.stderr  # curl --fail-with-body: the HTTP error below
    assert "returned error: 404" in done.stderr
    detail = json.loads(done.stdout)["detail"]
    assert detail == (
        f"The Task Instance with dag_id: `release_workflow`, run_id: `{RUN_ID}`, "
        "task_id: `approve_release` and map_index: `-1` was not found"
    )


def test_a_wrong_password_gets_no_token_and_sends_no_answer(airflow_url: str) -> None:
    done = answer(airflow_url, password="not-the-password")
    assert done.returncode != 0
    assert "returned error: 401" in done.stderr
    assert "hitlDetails" not in done.stdout + done.stderr


def test_the_documented_releases_read_gets_the_pages_json_with_a_token(airflow_url: str) -> None:
    done = answer(airflow_url, script=RELEASES_SCRIPT)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"versions": [], "total_entries": 0, "page": 1, "page_size": 10}


def test_the_documented_version_read_names_a_version_the_user_cannot_see(airflow_url: str) -> None:
    done = answer(airflow_url, "2.0.0", script=RELEASES_SCRIPT)
    assert done.returncode == 22, done.stderr
    assert "returned error: 404" in done.stderr
    assert json.loads(done.stdout) == {"detail": "No release of version '2.0.0' in the DAGs you may read."}
