"""The connections the docs show as environment variables (tests/docs/connection_examples.sh) work."""

from __future__ import annotations

import base64
import pathlib
import subprocess

import pytest

from airflow_provider_releases.hooks.aha import AhaHook
from airflow_provider_releases.hooks.amplitude import AmplitudeHook
from airflow_provider_releases.hooks.cryptlex import CryptlexHook
from airflow_provider_releases.hooks.launchdarkly import LaunchDarklyHook

EXAMPLES = pathlib.Path(__file__).with_name("connection_examples.sh")


def sourced_connections() -> dict[str, str]:
    """The ``AIRFLOW_CONN_*`` variables that sourcing the example file with bash exports."""
    script = f'set -eu; . "{EXAMPLES}"; env -0'
    out = subprocess.run(["bash", "-c", script], capture_output=True, check=True, env={}).stdout
    pairs = (item.split("=", 1) for item in out.decode().split("\0") if item)
    return {name: value for name, value in pairs if name.startswith("AIRFLOW_CONN_")}


def test_the_file_exports_one_connection_per_connection_type():
    assert sorted(sourced_connections()) == [
        "AIRFLOW_CONN_AHA_DEFAULT",
        "AIRFLOW_CONN_AMPLITUDE_DEFAULT",
        "AIRFLOW_CONN_CRYPTLEX_DEFAULT",
        "AIRFLOW_CONN_LAUNCHDARKLY_DEFAULT",
    ]


@pytest.fixture
def documented_connections(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in sourced_connections().items():
        monkeypatch.setenv(name, value)


@pytest.mark.parametrize(
    ("hook_class", "base_url", "probe", "headers"),
    [
        (
            AmplitudeHook,
            "https://analytics.eu.amplitude.com",
            "/api/3/annotations",
            {"Authorization": "Basic " + base64.b64encode(b"<api key>:<secret key>").decode()},
        ),
        (
            LaunchDarklyHook,
            "https://app.launchdarkly.com",
            "/api/v2/caller-identity",
            {"Authorization": "api-<token>", "LD-API-Version": "beta"},
        ),
        (AhaHook, "https://mycompany.aha.io", "/api/v1/me", {"Authorization": "Bearer <api key>"}),
        (
            CryptlexHook,
            "https://api.cryptlex.com",
            "/v3/products?limit=1",
            {"Authorization": "Bearer <access token>"},
        ),
    ],
    ids=["amplitude", "launchdarkly", "aha", "cryptlex"],
)
def test_a_documented_connection_tests_green_against_its_documented_host(
    documented_connections, requests_mock, hook_class, base_url, probe, headers
):
    requests_mock.get(base_url + probe, json={})
    assert hook_class().test_connection() == (True, f"Connected to {hook_class.service} at {base_url}.")
    sent = requests_mock.last_request
    assert sent.url == base_url + probe
    assert {name: sent.headers.get(name) for name in headers} == headers
