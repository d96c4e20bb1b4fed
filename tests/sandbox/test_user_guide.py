"""The sandbox snippets of docs/testing.md, run: the page includes the marked regions of this file."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import requests

from airflow_provider_releases.hooks.aha import AhaHook
from airflow_provider_releases.hooks.cryptlex import CryptlexHook
from airflow_provider_releases_sandbox import Sandbox
from airflow_provider_releases_sandbox.launchdarkly import ACCESS_TOKEN
from tests.helpers import sandbox_on_command_line
from tests.sandbox.test_server import refuses_connections

NEW_RELEASE = {
    "productId": "0b7e4f2c-91a6-4d38-b5c2-6e1f9a3d8c47",
    "name": "Release 3.0.0",
    "version": "3.0.0",
    "channel": "stable",
    "platforms": ["windows"],
}
CONTROL_API_SH = Path(__file__).resolve().parents[2] / "docs" / "examples" / "control_api.sh"


def cryptlex_releases(sb: Sandbox) -> int:
    return sum(len(product["releases"]) for product in sb.state("cryptlex")["products"])


def test_sandbox_outside_pytest() -> None:
    # [START sandbox_outside_pytest]
    from airflow_provider_releases_sandbox import sandbox

    with sandbox() as sb:
        # {"aha_default": '{"conn_type": "aha", "host": ...}', ...}
        connections = sb.connections()
        # {"AIRFLOW_CONN_AHA_DEFAULT": '{"conn_type": "aha", ...}', ...}
        environment = sb.environ()
        aha_url = sb.url("aha")  # http://127.0.0.1:<port>/aha
    # [END sandbox_outside_pytest]
    assert sorted(connections) == [
        "aha_default",
        "amplitude_default",
        "cryptlex_default",
        "launchdarkly_default",
    ]
    assert json.loads(connections["aha_default"])["host"] == aha_url
    assert environment["AIRFLOW_CONN_AHA_DEFAULT"] == connections["aha_default"]
    assert aha_url.startswith("http://127.0.0.1:") and aha_url.endswith("/aha")
    assert refuses_connections(sb.port)


def test_injected_faults_answer_the_next_matching_requests(release_sandbox: Sandbox) -> None:
    # [START sandbox_inject_faults]
    release_sandbox.inject_fault("aha", "rate_limit", count=3, retry_after=2)
    release_sandbox.inject_fault(
        "cryptlex",
        "error",
        status=502,
        method="POST",
        path=r"/v3/releases",
    )
    # [END sandbox_inject_faults]
    aha, cryptlex = AhaHook(), CryptlexHook()

    def aha_me() -> requests.Response:
        return aha.get_conn().get(f"{aha.base_url}/api/v1/me", timeout=5)

    limited = [aha_me() for _ in range(3)]
    assert [answer.status_code for answer in limited] == [429, 429, 429]
    assert aha_me().status_code == 200
    session = cryptlex.get_conn()
    assert session.get(f"{cryptlex.base_url}/v3/products", timeout=5).status_code == 200
    before = cryptlex_releases(release_sandbox)
    created = session.post(f"{cryptlex.base_url}/v3/releases", json=NEW_RELEASE, timeout=5)
    assert created.status_code == 502
    assert cryptlex_releases(release_sandbox) == before
    assert session.post(f"{cryptlex.base_url}/v3/releases", json=NEW_RELEASE, timeout=5).status_code == 201
    assert cryptlex_releases(release_sandbox) == before + 1


def test_environment_releases_run_on_the_release_clock(release_sandbox: Sandbox) -> None:
    base = release_sandbox.url("launchdarkly")
    headers = {"Authorization": ACCESS_TOKEN, "LD-API-Version": "beta"}
    flag = requests.get(f"{base}/api/v2/flags/default/new-checkout", headers=headers, timeout=5).json()
    ids = {variation["value"]: variation["_id"] for variation in flag["variations"]}
    releases = f"{base}/api/v2/projects/default/flags/new-checkout/environments/production/releases"
    # [START sandbox_environment_releases]
    release_sandbox.set_time_scale(0)  # the release clock stands still until advance_time
    started = requests.post(
        releases,
        headers=headers,
        json={
            "targetVariationId": ids[True],
            "originalVariationId": ids[False],
            "releasePlanKey": "guarded-rollout",  # three hour-long steps, one metric
        },
        timeout=5,
    ).json()
    release_sandbox.advance_time(60 * 60 * 1000)  # the first step ends, the second starts
    reverted = release_sandbox.inject_regression(
        "default", "new-checkout", "production", metric_key="checkout-errors"
    )
    # [END sandbox_environment_releases]
    assert started["status"] == "in_progress"
    assert reverted["phases"][0]["currentStepIndex"] == 1
    assert (reverted["status"], reverted["statusReason"]) == ("reverted", "reverted_regression_detected")


@pytest.fixture
def sandbox_process():
    """A sandbox started on the command line, as docs/testing.md says; its base URL."""
    with sandbox_on_command_line("--port", "0") as (_, base_url):
        yield base_url


def test_control_api_with_curl(sandbox_process: str) -> None:
    result = subprocess.run(
        ["bash", str(CONTROL_API_SH), sandbox_process], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    completed, journal, wrong = (json.loads(line) for line in result.stdout.splitlines())
    assert completed["result"]["releasePipelineKey"] == "standard-release"
    assert journal == {"result": []}
    assert wrong == {
        "error": "control action 'complete_phase' takes no argument 'project': its arguments are "
        "project_key (required), flag_key (required)",
        "required": ["project_key", "flag_key"],
        "optional": [],
    }
