"""AmplitudeHook against a mocked API (requests-mock), then against the sandboxed Amplitude API over real
HTTP."""

from __future__ import annotations

import base64
import datetime as dt
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pendulum
import pytest

from airflow_provider_releases.exceptions import (
    ConnectionConfigError,
    InvalidParameterError,
    ReleasesApiAuthError,
    ReleasesApiConnectionError,
    ReleasesApiRateLimitError,
    ReleasesApiResponseError,
    ReleasesApiServerError,
    ReleasesApiValidationError,
)
from airflow_provider_releases.hooks.amplitude import AmplitudeHook
from airflow_provider_releases_sandbox import Sandbox
from tests.helpers import amplitude_basic_auth, connect_to_sandbox
from tests.helpers.connections import SECRETS, set_connection

# Backoff waits are recorded, not slept (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("sleeps")

# Against a mocked API (requests-mock)

URL = "https://amplitude.com/api/2/release"
ANSWER = {
    "success": True,
    "release": {
        "id": "xbcehyc",
        "app_id": 50000,
        "version": "3.5",
        "release_start": "2022-01-01 00:00:00",
        "title": "Big new feature",
        "platforms": ["iOS"],
        "chart_visibility": True,
    },
}


def test_create_release_sends_the_documented_request_and_returns_the_release(requests_mock):
    requests_mock.post(URL, json=ANSWER)
    release = AmplitudeHook().create_release(
        version="3.5",
        release_start=dt.datetime(2022, 1, 1, 0, 0, 0),
        title="Big new feature",
        release_end=dt.datetime(2022, 1, 2, 12, 30, 5),
        description="Releasing the new paid feature.",
        platforms=["iOS"],
        created_by="User",
        chart_visibility=False,
    )
    assert release == ANSWER["release"]
    sent = requests_mock.last_request
    assert sent.method == "POST"
    assert sent.url == URL
    assert sent.headers["Authorization"] == amplitude_basic_auth()
    assert sent.headers["Content-Type"] == "application/json"
    assert sent.json() == {
        "version": "3.5",
        "release_start": "2022-01-01 00:00:00",
        "release_end": "2022-01-02 12:30:05",
        "title": "Big new feature",
        "description": "Releasing the new paid feature.",
        "platforms": ["iOS"],
        "created_by": "User",
        "chart_visibility": False,
    }


def test_optional_fields_are_left_out_and_chart_visibility_defaults_true(requests_mock):
    requests_mock.post(URL, json=ANSWER)
    AmplitudeHook().create_release("3.5", "2022-01-01 00:00:00", "t")
    assert requests_mock.last_request.json() == {
        "version": "3.5",
        "release_start": "2022-01-01 00:00:00",
        "title": "t",
        "chart_visibility": True,
    }


@pytest.mark.parametrize(
    ("given", "sent"),
    [
        (dt.datetime(2024, 3, 10, 9, 5, 7), "2024-03-10 09:05:07"),  # naive: read as UTC
        (dt.datetime(2024, 3, 10, 9, 5, 7, tzinfo=ZoneInfo("Europe/Berlin")), "2024-03-10 08:05:07"),
        (dt.datetime(2024, 7, 10, 9, 5, 7, tzinfo=ZoneInfo("Europe/Berlin")), "2024-07-10 07:05:07"),
        (pendulum.datetime(2024, 12, 31, 23, 30, tz="America/New_York"), "2025-01-01 04:30:00"),
        (dt.date(2024, 2, 29), "2024-02-29 00:00:00"),
        ("2024-05-01", "2024-05-01 00:00:00"),
        ("2024-05-01 12:00:00", "2024-05-01 12:00:00"),
        ("2024-05-01T12:00:00+02:00", "2024-05-01 10:00:00"),
        ("2024-05-01T12:00:00Z", "2024-05-01 12:00:00"),
    ],
)
def test_times_go_out_in_utc_in_amplitudes_format(requests_mock, given, sent):
    requests_mock.post(URL, json=ANSWER)
    AmplitudeHook().create_release("1.0", given, "t")
    assert requests_mock.last_request.json()["release_start"] == sent


def test_eu_region_uses_the_eu_host(requests_mock, monkeypatch):
    set_connection(
        monkeypatch, "amplitude_default", conn_type="amplitude",
        login="key-SECRET-1c7d3a", password="sec-SECRET-6e2b9f", extra={"region": "eu"},
    )  # fmt: skip
    requests_mock.post("https://analytics.eu.amplitude.com/api/2/release", json=ANSWER)
    AmplitudeHook().create_release("1.0", "2024-01-01", "t")
    assert requests_mock.call_count == 1


def test_host_overrides_the_base_url(requests_mock, monkeypatch):
    set_connection(
        monkeypatch, "amp", conn_type="amplitude", login="key-SECRET-1c7d3a", password="sec-SECRET-6e2b9f",
        host="http://127.0.0.1:8123",
    )  # fmt: skip
    requests_mock.post("http://127.0.0.1:8123/api/2/release", json=ANSWER)
    AmplitudeHook(amplitude_conn_id="amp").create_release("1.0", "2024-01-01", "t")
    assert requests_mock.call_count == 1


def test_amplitude_400_carries_amplitudes_text(requests_mock):
    requests_mock.post(URL, status_code=400, text="release_start must be in the format yyyy-MM-dd HH:mm:ss")
    with pytest.raises(ReleasesApiValidationError) as caught:
        AmplitudeHook().create_release("1.0", "2024-01-01", "t")
    assert "Amplitude create_release (POST /api/2/release) failed with HTTP 400" in str(caught.value)
    assert "release_start must be in the format" in str(caught.value)


@pytest.mark.parametrize(
    ("kwargs", "param", "accepted"),
    [
        ({"version": ""}, "version", "a non-empty string: version must not be empty"),
        ({"version": 3.5}, "version", "a non-empty string"),
        ({"title": "   "}, "title", "not only white space"),
        ({"release_start": "01/05/2024"}, "release_start", "ISO 8601 string"),
        ({"release_start": None}, "release_start", "a datetime, a date"),
        ({"release_end": "2023-12-31"}, "release_end", "not before release_start"),
        ({"platforms": ["iOS", 3]}, "platforms", "a list of non-empty strings"),
        ({"chart_visibility": "true"}, "chart_visibility", "True or False"),
        ({"created_by": ""}, "created_by", "a non-empty string"),
    ],
)
def test_bad_input_is_rejected_before_any_request(requests_mock, kwargs, param, accepted):
    args = {"version": "1.0", "release_start": "2024-01-01", "title": "t", **kwargs}
    with pytest.raises(InvalidParameterError) as caught:
        AmplitudeHook().create_release(**args)
    assert caught.value.param == param
    assert str(caught.value).startswith(f"Invalid {param}=")
    assert accepted in str(caught.value)
    assert requests_mock.call_count == 0


def test_test_connection_reports_success_and_failure(requests_mock):
    requests_mock.get("https://amplitude.com/api/3/annotations", json={"data": []})
    assert AmplitudeHook().test_connection() == (True, "Connected to Amplitude at https://amplitude.com.")
    requests_mock.get("https://amplitude.com/api/3/annotations", status_code=401, text="Invalid API key")
    ok, message = AmplitudeHook().test_connection()
    assert ok is False
    assert "HTTP 401" in message
    assert "Invalid API key" in message
    assert SECRETS["amplitude_api_key"] not in message


def test_an_answer_without_success_is_an_error_not_a_release(requests_mock):
    requests_mock.post(URL, json={"success": False, "error": "duplicate release"})
    with pytest.raises(ReleasesApiResponseError) as caught:
        AmplitudeHook().create_release("1.0", "2024-01-01", "t")
    assert "Amplitude answered success: false" in str(caught.value)
    assert "duplicate release" in str(caught.value)


# Against the sandbox, over real HTTP

START = datetime(2026, 11, 2, 9, 30, tzinfo=timezone.utc)


def create(hook: AmplitudeHook | None = None) -> dict:
    return (hook or AmplitudeHook()).create_release(
        version="2.4.0", release_start=START, title="2.4.0", platforms=["iOS", "Android"], created_by="CI"
    )


def test_create_release_returns_the_release_and_sends_the_documented_body(release_sandbox: Sandbox) -> None:
    release = create()
    assert release == release_sandbox.control("state", service="amplitude")["releases"][0]
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
    connect_to_sandbox(
        monkeypatch,
        release_sandbox,
        "amplitude",
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
    assert len(release_sandbox.control("state", service="amplitude")["releases"]) == 1
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


def test_api_key_is_read_from_the_masked_extra_before_login(requests_mock, monkeypatch):
    set_connection(
        monkeypatch, "amp", conn_type="amplitude", login="key-OLD-PLACE-77aa01", password="sec-SECRET-6e2b9f",
        extra={"api_key": "key-SECRET-EXTRA-4d2c8b"},
    )  # fmt: skip
    requests_mock.post(URL, json=ANSWER)
    AmplitudeHook(amplitude_conn_id="amp").create_release("1.0", "2024-01-01", "t")
    pair = base64.b64encode(b"key-SECRET-EXTRA-4d2c8b:sec-SECRET-6e2b9f").decode()
    assert requests_mock.last_request.headers["Authorization"] == f"Basic {pair}"


def test_login_still_holds_the_api_key_when_the_extra_is_empty(requests_mock, monkeypatch):
    set_connection(
        monkeypatch, "amp", conn_type="amplitude", login="key-SECRET-1c7d3a", password="sec-SECRET-6e2b9f",
        extra={"api_key": ""},
    )  # fmt: skip
    requests_mock.post(URL, json=ANSWER)
    AmplitudeHook(amplitude_conn_id="amp").create_release("1.0", "2024-01-01", "t")
    pair = base64.b64encode(b"key-SECRET-1c7d3a:sec-SECRET-6e2b9f").decode()
    assert requests_mock.last_request.headers["Authorization"] == f"Basic {pair}"


def test_a_connection_without_api_key_names_both_places_before_any_request(requests_mock, monkeypatch):
    set_connection(monkeypatch, "amp", conn_type="amplitude", password="sec-SECRET-6e2b9f")
    with pytest.raises(ConnectionConfigError) as caught:
        AmplitudeHook(amplitude_conn_id="amp").create_release("1.0", "2024-01-01", "t")
    assert "has no API key" in str(caught.value)
    assert "extra api_key" in str(caught.value)
    assert "Login" in str(caught.value)
    assert requests_mock.call_count == 0
