"""The test connections: distinctive fake secrets, the four default connections, and how to define one."""

from __future__ import annotations

import json

import pytest

from tests import secret_audit

SECRETS = {
    "amplitude_api_key": "amp-key-SECRET-5b7e1c",
    "amplitude_secret_key": "amp-secret-SECRET-9d2f4a",
    "launchdarkly_token": "api-ld-SECRET-3c8e77",
    "aha_api_key": "aha-key-SECRET-71ac0e",
    "cryptlex_token": "cx-token-SECRET-a41b9d",
}

CONNECTIONS = {
    "amplitude_default": {
        "conn_type": "amplitude",
        "login": SECRETS["amplitude_api_key"],
        "password": SECRETS["amplitude_secret_key"],
    },
    "launchdarkly_default": {"conn_type": "launchdarkly", "password": SECRETS["launchdarkly_token"]},
    "aha_default": {
        "conn_type": "aha",
        "host": "https://company.aha.io",
        "password": SECRETS["aha_api_key"],
    },
    "cryptlex_default": {"conn_type": "cryptlex", "password": SECRETS["cryptlex_token"]},
}

for _label, _secret in SECRETS.items():
    secret_audit.register_canary(_label, _secret)
for _conn_id, _conn in CONNECTIONS.items():
    secret_audit.register_connection(f"connection {_conn_id}", _conn)


def set_connection(monkeypatch: pytest.MonkeyPatch, conn_id: str, **conn: object) -> None:
    """
    Define an Airflow connection through its AIRFLOW_CONN_ environment variable (JSON form).

    Its password (and Amplitude's API key, the login) become canaries of the secret-leak audit,
    so they must be distinctive fake secrets of at least 12 characters.
    """
    secret_audit.register_connection(f"connection {conn_id}", conn)
    monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(conn))


def assert_no_secrets(*texts: object) -> None:
    """Assert that no credential from the test connections appears in any of ``texts``."""
    for text in texts:
        dumped = text if isinstance(text, str) else json.dumps(text, default=str)
        for secret in SECRETS.values():
            assert secret not in dumped
