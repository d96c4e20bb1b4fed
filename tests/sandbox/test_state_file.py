"""The sandbox's ``--state FILE``: what the services hold survives a restart, even after a kill."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from airflow_provider_releases_sandbox import RemoteSandbox, Sandbox
from airflow_provider_releases_sandbox.aha import API_KEY
from airflow_provider_releases_sandbox.app import SERVICES
from airflow_provider_releases_sandbox.cryptlex import DESKTOP_APP_ID
from tests.helpers import sandbox_on_command_line

FLAG = ("default", "new-checkout")


def create_aha_release(base_url: str, name: str) -> dict:
    """Create an Aha! release in PRJ1 over HTTP, as a client would; the release."""
    response = requests.post(
        f"{base_url}/aha/api/v1/products/PRJ1/releases",
        json={"release": {"name": name}},
        headers={"Authorization": f"Bearer {API_KEY}"},
        timeout=5,
    )
    assert response.status_code == 200, response.text
    return response.json()["release"]


def get_aha_release(base_url: str, reference: str) -> requests.Response:
    auth = {"Authorization": f"Bearer {API_KEY}"}
    return requests.get(f"{base_url}/aha/api/v1/releases/{reference}", headers=auth, timeout=5)


def reference_number(release: dict) -> int:
    return int(release["reference_num"].rsplit("-", 1)[1])


def test_a_release_made_before_a_kill_is_there_after_the_restart_and_numbers_go_on(tmp_path: Path) -> None:
    state = tmp_path / "sandbox-state.json"
    with sandbox_on_command_line("--state", str(state), stop=signal.SIGKILL) as (_, base_url):
        first = create_aha_release(base_url, "Before the restart")
        RemoteSandbox(base_url).ship_release(first["reference_num"])  # a control action is kept too
    # killed: no chance to save on the way out, so what was saved after each change is all there is
    with sandbox_on_command_line("--state", str(state)) as (_, base_url):
        kept = get_aha_release(base_url, first["reference_num"])
        assert kept.status_code == 200, kept.text
        assert (kept.json()["release"]["name"], kept.json()["release"]["released"]) == (
            "Before the restart",
            True,
        )
        second = create_aha_release(base_url, "After the restart")
    assert reference_number(second) == reference_number(first) + 1
    assert second["id"] != first["id"]


def test_every_services_objects_come_back_from_the_state_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from airflow_provider_releases.hooks.aha import AhaHook
    from airflow_provider_releases.hooks.amplitude import AmplitudeHook
    from airflow_provider_releases.hooks.cryptlex import CryptlexHook
    from airflow_provider_releases.hooks.launchdarkly import LaunchDarklyHook

    state = tmp_path / "state.json"
    with Sandbox(state_file=str(state)) as first:
        for name, value in first.environ().items():
            monkeypatch.setenv(name, value)
        AhaHook().create_release("PRJ1", "Kept")
        CryptlexHook().create_release(DESKTOP_APP_ID, "Kept", "3.0.0")
        LaunchDarklyHook().create_flag_release(*FLAG, "standard-release")
        first.complete_phase(*FLAG)
        AmplitudeHook().create_release("3.0.0", "2026-11-02 10:00:00", "Kept")
        before = {service: first.state(service) for service in SERVICES}
    with Sandbox(state_file=str(state)) as second:
        assert {service: second.state(service) for service in SERVICES} == before
        second.reset()  # back to the seed, in the file too
    with Sandbox(state_file=str(state)) as third:
        assert [r for r in third.state("aha")["releases"] if r["name"] == "Kept"] == []


def test_without_a_state_file_a_restart_begins_again_from_the_seed() -> None:
    with Sandbox() as first:
        made = create_aha_release(first.base_url, "Lost")
    with Sandbox() as second:
        assert get_aha_release(second.base_url, made["reference_num"]).status_code == 404
        assert create_aha_release(second.base_url, "Again")["reference_num"] == made["reference_num"]


def test_the_state_file_holds_no_credential_and_is_replaced_whole(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    with Sandbox(state_file=str(state)) as sb:
        create_aha_release(sb.base_url, "Saved")
        secrets = [secret for backend in sb.app.backends.values() for secret in backend.secrets()]
    text = state.read_text()
    assert json.loads(text)["format"] == 1 and "Saved" in text
    assert [secret for secret in secrets if secret in text] == []
    assert [path.name for path in tmp_path.iterdir()] == ["state.json"]  # no temporary file left


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("{not json", "Expecting property name"),
        ('{"format": 1, "services": {}}', "it holds no amplitude state"),
        ("[]", "not a sandbox state file"),
    ],
)
def test_a_file_that_is_no_state_file_stops_the_command_line_naming_it(
    tmp_path: Path, text: str, said: str
) -> None:
    state = tmp_path / "state.json"
    state.write_text(text)
    done = subprocess.run(
        [sys.executable, "-m", "airflow_provider_releases_sandbox", "--state", str(state)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 1
    assert f"cannot start the sandbox: --state {state}: " in done.stderr and said in done.stderr
    assert state.read_text() == text  # left as it was
