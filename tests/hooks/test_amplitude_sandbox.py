"""AmplitudeHook against the sandboxed Amplitude API over real HTTP."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from airflow_provider_releases.exceptions import (
    ReleasesApiAuthError,
    ReleasesApiConnectionError,
    ReleasesApiRateLimitError,
    ReleasesApiResponseError,
    ReleasesApiServerError,
)
from airflow_provider_releases.hooks.amplitude import AmplitudeHook
from airflow_provider_releases.sandbox import Sandbox
from tests.conftest import set_connection

START = datetime(2026, 11, 2, 9, 30, tzinfo=timezone.utc)


def create(hook: AmplitudeHook | None = None) -> dict:
    return (hook or AmplitudeHook()).create_release(
        version="2.4.0", release_start=START, title="2.4.0", platforms=["iOS", "Android"], created_by="CI"
    )


def test_create_release_returns_the_release_and_sends_the_documented_body(release_sandbox: Sandbox) -> None:
    release = create()
    assert release == release_sandbox.control("amplitude.state")["releases"][0]
    assert (release["version"], release["title"], release["platforms"]) == (
        "2.4.0",
        "2.4.0",
        ["iOS", "Android"],
    )
    [entry] = release_sandbox.requests
    assert (entry.method, entry.path, entry.status) == ("POST", "/api/2/release", 200)
    assert entry.body == {
        "version": "2.4.0",
        "release_start": "2026-11-02 09:30:00",
        "title": "2.4.0",
        "chart_visibility": True,
        "platforms": ["iOS", "Android"],
        "created_by": "CI",
    }
    assert entry.headers["authorization"] == "Basic ***"


def test_wrong_secret_key_fails_with_amplitudes_message(release_sandbox: Sandbox, monkeypatch) -> None:
    set_connection(
        monkeypatch,
        "amplitude_default",
        conn_type="amplitude",
        host=release_sandbox.url("amplitude"),
        login="sandbox-amplitude-api-key",
        password="not-SECRET-2f9c4b",
    )
    with pytest.raises(ReleasesApiAuthError) as caught:
        create()
    assert caught.value.status == 401
    assert 'Amplitude said "Invalid API key or secret key"' in str(caught.value)
    assert "not-SECRET-2f9c4b" not in str(caught.value)
    ok, message = AmplitudeHook().test_connection()
    assert not ok and "HTTP 401" in message and "not-SECRET-2f9c4b" not in message


def test_rate_limited_create_is_retried_after_the_asked_wait(release_sandbox: Sandbox, sleeps) -> None:
    release_sandbox.inject_fault("amplitude", "rate_limit", count=2, retry_after=2)
    release = create()
    assert [entry.status for entry in release_sandbox.requests] == [429, 429, 200]
    assert sleeps == [2.0, 2.0]
    assert len(release_sandbox.control("amplitude.state")["releases"]) == 1
    assert release["version"] == "2.4.0"


def test_rate_limit_beyond_the_retry_budget_fails(release_sandbox: Sandbox) -> None:
    release_sandbox.inject_fault("amplitude", "rate_limit", count=10, retry_after=1)
    with pytest.raises(ReleasesApiRateLimitError, match="after 3 attempts"):
        create(AmplitudeHook(max_retries=2))
    assert len(release_sandbox.requests) == 3


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_error_on_create_is_not_sent_twice(release_sandbox: Sandbox, status: int, sleeps) -> None:
    release_sandbox.inject_fault("amplitude", "error", status=status)
    with pytest.raises(ReleasesApiServerError) as caught:
        create()
    assert caught.value.status == status
    assert caught.value.may_have_been_applied is True
    assert "so it was not sent again" in str(caught.value)
    assert len(release_sandbox.requests) == 1 and sleeps == []


def test_dropped_connection_on_create_is_not_sent_twice(release_sandbox: Sandbox) -> None:
    release_sandbox.inject_fault("amplitude", "drop")
    with pytest.raises(ReleasesApiConnectionError) as caught:
        create()
    assert caught.value.may_have_been_applied is True
    assert [entry.status for entry in release_sandbox.requests] == [None]


def test_slow_answer_times_out_and_is_not_sent_twice(release_sandbox: Sandbox) -> None:
    release_sandbox.inject_fault("amplitude", "delay", delay=0.5)
    with pytest.raises(ReleasesApiConnectionError) as caught:
        create(AmplitudeHook(timeout=(2, 0.1)))
    assert caught.value.may_have_been_applied is True
    assert "no response within the 0.1 s read timeout" in str(caught.value)
    assert len(release_sandbox.requests_to("amplitude", "POST")) == 1


def test_malformed_answer_is_a_response_error(release_sandbox: Sandbox) -> None:
    release_sandbox.inject_fault("amplitude", "malformed")
    with pytest.raises(ReleasesApiResponseError) as caught:
        create()
    assert '{"id": "truncated' in str(caught.value)


def test_test_connection_reads_annotations(release_sandbox: Sandbox) -> None:
    assert AmplitudeHook().test_connection() == (
        True,
        f"Connected to Amplitude at {release_sandbox.url('amplitude')}.",
    )
    [entry] = release_sandbox.requests
    assert (entry.method, entry.path) == ("GET", "/api/3/annotations")
