"""The sandbox's own machinery: serving, shutdown, connections, journal, faults, control API, CLI."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading

import pytest
import requests

from airflow_provider_releases.hooks.amplitude import AmplitudeHook
from airflow_provider_releases_sandbox import RemoteSandbox, Sandbox, sandbox
from airflow_provider_releases_sandbox.amplitude import API_KEY, SECRET_KEY
from tests.helpers import sandbox_on_command_line

RELEASE = {"version": "1.0", "release_start": "2026-11-02 10:00:00", "title": "Sandbox test"}


def post_release(
    sb: Sandbox, session: requests.Session | None = None, timeout: float = 5
) -> requests.Response:
    client = session or requests
    return client.post(
        f"{sb.url('amplitude')}/api/2/release", json=RELEASE, auth=(API_KEY, SECRET_KEY), timeout=timeout
    )


def sandbox_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name.startswith("releases-sandbox")}


def refuses_connections(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return True
    return False


def test_context_manager_leaves_no_thread_or_port_behind() -> None:
    before = sandbox_threads()  # the session fixture's server may be running too
    session = requests.Session()  # keeps its connection alive after the request
    with sandbox() as sb:
        port = sb.port
        assert post_release(sb, session).status_code == 200
        assert len(sandbox_threads() - before) == 2  # the server's and the open connection's
    assert sandbox_threads() - before == set()
    assert refuses_connections(port)


def test_urls_mount_every_service_under_one_port() -> None:
    with sandbox() as sb:
        assert sb.base_url == f"http://127.0.0.1:{sb.port}"
        for service in ("amplitude", "launchdarkly", "aha", "cryptlex", "cryptlex-releases"):
            assert sb.url(service) == f"http://127.0.0.1:{sb.port}/{service}"
        with pytest.raises(ValueError, match=r"service='jira' is unknown: expected one of"):
            sb.url("jira")


def test_base_url_before_start_says_how_to_start() -> None:
    with pytest.raises(RuntimeError, match="the sandbox is not running: call start"):
        _ = Sandbox().base_url


def test_connections_point_each_default_connection_at_the_sandbox(release_sandbox: Sandbox) -> None:
    connections = {conn_id: json.loads(value) for conn_id, value in release_sandbox.connections().items()}
    assert connections == {
        "amplitude_default": {
            "conn_type": "amplitude",
            "host": release_sandbox.url("amplitude"),
            "password": SECRET_KEY,
            "extra": {"api_key": API_KEY},
        },
        "launchdarkly_default": {
            "conn_type": "launchdarkly",
            "host": release_sandbox.url("launchdarkly"),
            "password": "api-sandbox-launchdarkly-token",
        },
        "aha_default": {
            "conn_type": "aha",
            "host": release_sandbox.url("aha"),
            "password": "sandbox-aha-api-key",
        },
        "cryptlex_default": {
            "conn_type": "cryptlex",
            "host": release_sandbox.url("cryptlex"),
            "password": "sandbox-cryptlex-token",
            "extra": {"releases_host": release_sandbox.url("cryptlex-releases")},
        },
    }
    assert (
        release_sandbox.environ()["AIRFLOW_CONN_AHA_DEFAULT"] == release_sandbox.connections()["aha_default"]
    )


def test_fixture_sets_the_connection_environment(release_sandbox: Sandbox) -> None:
    for name, value in release_sandbox.environ().items():
        assert os.environ[name] == value
    ok, message = AmplitudeHook().test_connection()
    assert (ok, message) == (True, f"Connected to Amplitude at {release_sandbox.url('amplitude')}.")


def test_journal_records_requests_with_secrets_redacted(release_sandbox: Sandbox) -> None:
    requests.post(
        f"{release_sandbox.url('amplitude')}/api/2/release?platforms=iOS",
        json=RELEASE,
        auth=(API_KEY, SECRET_KEY),
        timeout=5,
    )
    [entry] = release_sandbox.requests
    assert (entry.service, entry.method, entry.path, entry.query, entry.status) == (
        "amplitude",
        "POST",
        "/api/2/release",
        {"platforms": "iOS"},
        200,
    )
    assert entry.body == RELEASE
    assert (entry["method"], entry["path"], entry["body"]) == ("POST", "/api/2/release", RELEASE)
    with pytest.raises(KeyError):
        entry["secret"]
    assert entry.headers["authorization"] == "Basic ***"
    assert API_KEY not in repr(release_sandbox.requests) and SECRET_KEY not in repr(release_sandbox.requests)
    assert release_sandbox.requests_to("amplitude", "post", "/api/2/release") == [entry]
    assert release_sandbox.requests_to("aha") == []


def test_reset_clears_state_journal_and_faults(release_sandbox: Sandbox) -> None:
    post_release(release_sandbox)
    release_sandbox.inject_fault("amplitude", "error", status=500)
    assert len(release_sandbox.control("state", service="amplitude")["releases"]) == 1
    release_sandbox.reset()
    assert release_sandbox.requests == []
    assert release_sandbox.control("state", service="amplitude") == {"releases": []}
    assert post_release(release_sandbox).status_code == 200


def test_unknown_mount_answers_404(release_sandbox: Sandbox) -> None:
    response = requests.get(f"{release_sandbox.base_url}/jira/rest/api/2", timeout=5)
    assert response.status_code == 404
    assert response.json() == {"message": "no sandboxed service at /jira", "code": "not_found"}


def test_fault_answers_the_next_n_matching_requests_then_normal_service(release_sandbox: Sandbox) -> None:
    release_sandbox.inject_fault("amplitude", "error", count=2, status=502, method="POST", path=r"/api/2/.*")
    assert requests.get(
        f"{release_sandbox.url('amplitude')}/api/3/annotations", auth=(API_KEY, SECRET_KEY), timeout=5
    ).json() == {"data": []}
    first, second, third = (post_release(release_sandbox) for _ in range(3))
    assert (first.status_code, second.status_code, third.status_code) == (502, 502, 200)
    assert first.json() == {"success": False, "error": "Sandbox-injected server error 502"}
    assert [entry.status for entry in release_sandbox.requests] == [200, 502, 502, 200]


def test_reject_fault_answers_a_client_error_in_the_services_own_shape(release_sandbox: Sandbox) -> None:
    release_sandbox.inject_fault("amplitude", "reject", message="Invalid version 'x'")
    release_sandbox.inject_fault("cryptlex", "reject", status=409, message="Release exists")
    amplitude = post_release(release_sandbox)
    cryptlex = requests.get(
        f"{release_sandbox.url('cryptlex')}/v3/releases",
        params={"productId": "p"},
        headers={"Authorization": "Bearer sandbox-cryptlex-token"},
        timeout=5,
    )
    assert (amplitude.status_code, amplitude.json()) == (
        400,
        {"success": False, "error": "Invalid version 'x'"},
    )
    assert (cryptlex.status_code, cryptlex.json()["message"]) == (409, "Release exists")
    assert post_release(release_sandbox).status_code == 200


def test_rate_limit_fault_sends_the_services_rate_limit_headers(release_sandbox: Sandbox) -> None:
    release_sandbox.inject_fault("amplitude", "rate_limit", retry_after=7)
    response = post_release(release_sandbox)
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "7"


def test_drop_fault_closes_the_connection_without_an_answer(release_sandbox: Sandbox) -> None:
    release_sandbox.inject_fault("amplitude", "drop")
    with pytest.raises(requests.exceptions.ConnectionError):
        post_release(release_sandbox)
    assert release_sandbox.requests[-1].status is None
    assert post_release(release_sandbox).status_code == 200


def test_malformed_fault_answers_200_with_broken_json(release_sandbox: Sandbox) -> None:
    release_sandbox.inject_fault("amplitude", "malformed")
    response = post_release(release_sandbox)
    assert response.status_code == 200
    with pytest.raises(ValueError):
        response.json()


def test_delay_fault_holds_the_answer_past_a_short_read_timeout(release_sandbox: Sandbox) -> None:
    release_sandbox.inject_fault("amplitude", "delay", delay=0.5)
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.post(
            f"{release_sandbox.url('amplitude')}/api/2/release",
            json=RELEASE,
            auth=(API_KEY, SECRET_KEY),
            timeout=(2, 0.1),
        )


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"service": "jira", "kind": "drop"}, "service='jira' is unknown"),
        ({"service": "aha", "kind": "explode"}, "kind='explode' is unknown: expected one of"),
        ({"service": "aha", "kind": "error", "status": 404}, "status=404 is not a server error"),
        ({"service": "aha", "kind": "reject", "status": 500}, "status=500 is not a client error"),
        ({"service": "aha", "kind": "reject", "status": 429}, "inject kind='rate_limit' instead"),
        ({"service": "aha", "kind": "drop", "count": 0}, "count=0 must be a positive integer"),
        ({"service": "aha", "kind": "drop", "path": "("}, "path='(' is not a regular expression"),
    ],
)
def test_fault_arguments_are_checked(release_sandbox: Sandbox, arguments: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        release_sandbox.inject_fault(**arguments)


def test_remote_control_api_drives_a_sandbox_over_http(release_sandbox: Sandbox) -> None:
    remote = RemoteSandbox(release_sandbox.base_url)
    remote.inject_fault("amplitude", "rate_limit", retry_after=3)
    assert post_release(release_sandbox).status_code == 429
    assert [(entry.method, entry.path, entry.status) for entry in remote.requests] == [
        ("POST", "/api/2/release", 429)
    ]
    with pytest.raises(ValueError, match="control action 'launch' is unknown: expected one of"):
        remote.control("launch")
    remote.reset()
    assert release_sandbox.requests == []


def test_control_api_only_takes_post_with_a_json_object(release_sandbox: Sandbox) -> None:
    assert requests.get(f"{release_sandbox.base_url}/_sandbox/reset", timeout=5).status_code == 405
    response = requests.post(f"{release_sandbox.base_url}/_sandbox/reset", data="[1]", timeout=5)
    assert response.status_code == 400
    assert "must be a JSON object" in response.json()["error"]


def test_seed_naming_an_unknown_service_is_refused() -> None:
    with pytest.raises(ValueError, match=r"seed names unknown services \['jira'\]"):
        Sandbox(seed={"jira": {}})


def test_seed_replaces_a_services_defaults() -> None:
    with sandbox(seed={"amplitude": {"api_key": "k", "secret_key": "s", "app_id": 7}}) as sb:
        assert json.loads(sb.connections()["amplitude_default"])["extra"]["api_key"] == "k"
        response = requests.post(
            f"{sb.url('amplitude')}/api/2/release", json=RELEASE, auth=("k", "s"), timeout=5
        )
        assert response.json()["release"]["app_id"] == 7


def test_command_line_serves_until_interrupted_and_prints_working_connections(tmp_path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "airflow_provider_releases_sandbox", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        lines = []
        for line in process.stdout:
            lines.append(line.rstrip("\n"))
            if line.startswith("Press Ctrl+C"):
                break
        exports = dict(
            line.removeprefix("export ").split("=", 1) for line in lines if line.startswith("export ")
        )
        assert sorted(exports) == [
            "AIRFLOW_CONN_AHA_DEFAULT",
            "AIRFLOW_CONN_AMPLITUDE_DEFAULT",
            "AIRFLOW_CONN_CRYPTLEX_DEFAULT",
            "AIRFLOW_CONN_LAUNCHDARKLY_DEFAULT",
        ]
        conn = json.loads(exports["AIRFLOW_CONN_AMPLITUDE_DEFAULT"].strip("'"))
        response = requests.post(
            f"{conn['host']}/api/2/release",
            json=RELEASE,
            auth=(conn["extra"]["api_key"], conn["password"]),
            timeout=5,
        )
        assert response.status_code == 200 and response.json()["success"] is True
        assert lines[0].startswith("Release API sandbox listening on http://127.0.0.1:")
    finally:
        process.send_signal(signal.SIGINT)
        out, _ = process.communicate(timeout=10)
    assert process.returncode == 0
    assert out.strip().endswith("Sandbox stopped.")


def test_command_line_rejects_an_unreadable_seed_file(tmp_path) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text("{not json")
    result = subprocess.run(
        [sys.executable, "-m", "airflow_provider_releases_sandbox", "--seed", str(seed)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 1
    assert f"--seed {seed}: cannot read a JSON seed file" in result.stderr


def test_reset_drops_an_answer_that_was_still_delayed(release_sandbox: Sandbox) -> None:
    release_sandbox.inject_fault("amplitude", "delay", delay=0.5)
    with pytest.raises(requests.exceptions.ReadTimeout):
        post_release(release_sandbox, timeout=0.1)
    release_sandbox.reset()
    release_sandbox.wait_idle()
    assert release_sandbox.control("state", service="amplitude") == {"releases": []}
    assert post_release(release_sandbox).status_code == 200
    assert [entry.status for entry in release_sandbox.requests] == [200]


def test_command_line_auto_advance_and_release_time_scale_survive_a_reset() -> None:
    options = ("--advance-after-reads", "2", "--release-time-scale", "60")
    with sandbox_on_command_line(*options, stop=signal.SIGTERM) as (process, base_url):
        remote = RemoteSandbox(base_url)
        remote.reset()
        state = remote.control("state", service="launchdarkly")
        assert state["auto_advance"] == {"seconds": None, "reads": 2}
        assert state["time_scale"] == 60
    assert process.returncode == 0


def test_progress_controls_for_aha_and_cryptlex(release_sandbox: Sandbox) -> None:
    from airflow_provider_releases_sandbox.cryptlex import DRAFT_RELEASE_ID

    shipped = release_sandbox.ship_release("PRJ1-R-2")
    assert (shipped["released"], shipped["workflow_status"]["name"]) == (True, "Shipped")
    published = release_sandbox.publish_cryptlex_release(DRAFT_RELEASE_ID)
    assert published["published"] is True
    [product] = [p for p in release_sandbox.state("cryptlex")["products"] if p["name"] == "Desktop app"]
    assert {r["id"]: r["published"] for r in product["releases"]}[DRAFT_RELEASE_ID] is True
