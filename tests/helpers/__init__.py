"""What the hook and operator tests share: the headers each vendor's requests carry, a connection to the
sandbox, the sandbox's journal read the way those tests read it, and the sandbox on the command line."""

from __future__ import annotations

import base64
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from tests.helpers.connections import SECRETS, set_connection

if TYPE_CHECKING:
    import pytest

    from airflow_provider_releases_sandbox import RecordedRequest, Sandbox

# What the test connections (tests/helpers/connections.py) put on every request


def assert_aha_headers(request) -> None:
    """Aha!: the API key as a bearer token, and JSON asked for."""
    assert request.headers["Authorization"] == f"Bearer {SECRETS['aha_api_key']}"
    assert request.headers["Accept"] == "application/json"


def assert_cryptlex_headers(request) -> None:
    """Cryptlex: the access token as a bearer token."""
    assert request.headers["Authorization"] == f"Bearer {SECRETS['cryptlex_token']}"


def assert_launchdarkly_headers(request) -> None:
    """LaunchDarkly: the access token as it is (no scheme), and the beta API version the release API needs."""
    assert request.headers["Authorization"] == SECRETS["launchdarkly_token"]
    assert request.headers["LD-API-Version"] == "beta"


def amplitude_basic_auth() -> str:
    """Amplitude's ``Authorization`` header: HTTP Basic of the API key (login) and secret key (password)."""
    pair = f"{SECRETS['amplitude_api_key']}:{SECRETS['amplitude_secret_key']}"
    return "Basic " + base64.b64encode(pair.encode()).decode()


# The sandbox


def connect_to_sandbox(monkeypatch: pytest.MonkeyPatch, sandbox: Sandbox, vendor: str, **conn: Any) -> None:
    """Define ``<vendor>_default`` as a connection to the sandbox's ``vendor`` service with ``conn`` (another
    password, say) instead of the sandbox's own credentials."""
    set_connection(monkeypatch, f"{vendor}_default", conn_type=vendor, host=sandbox.url(vendor), **conn)


# The sandbox's journal


def recorded(sandbox: Sandbox, *services: str, method: str | None = None) -> list[RecordedRequest]:
    """The requests to any of ``services`` (optionally only ``method``) the sandbox recorded, oldest first."""
    return [
        entry
        for entry in sandbox.requests
        if entry.service in services and (method is None or entry.method == method.upper())
    ]


def journal(
    sandbox: Sandbox, *services: str, method: str | None = None
) -> list[tuple[str, str, dict[str, str], Any, int | None]]:
    """The requests to ``services`` as ``(method, path, query, body, status)``; status ``None`` when the
    connection was dropped (or the answer is still being delayed)."""
    return [
        (entry.method, entry.path, entry.query, entry.body, entry.status)
        for entry in recorded(sandbox, *services, method=method)
    ]


def wait_until_answered(sandbox: Sandbox, *services: str, count: int) -> list[RecordedRequest]:
    """
    Wait until the sandbox answers no request (a delayed one may still sleep there), so that a late answer
    cannot change state under the next test; then check that exactly ``count`` requests to ``services``
    were made, every one answered, and return them.
    """
    sandbox.wait_idle()
    entries = recorded(sandbox, *services)
    assert len(entries) == count and all(entry.status is not None for entry in entries), entries
    return entries


@contextmanager
def sandbox_on_command_line(
    *args: str, stop: signal.Signals = signal.SIGINT
) -> Iterator[tuple[subprocess.Popen, str]]:
    """
    Run ``python -m airflow_provider_releases_sandbox *args`` as a user would; yield the process
    and the base URL its first line announces. On leaving, send ``stop`` and wait for the exit.
    """
    process = subprocess.Popen(
        [sys.executable, "-m", "airflow_provider_releases_sandbox", *args], stdout=subprocess.PIPE, text=True
    )
    try:
        first = process.stdout.readline()
        assert first.startswith("Release API sandbox listening on http://127.0.0.1:"), first
        yield process, first.rsplit(" ", 1)[1].strip()
    finally:
        process.send_signal(stop)
        process.communicate(timeout=10)
