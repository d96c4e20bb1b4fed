from __future__ import annotations

import base64
import datetime as dt
from zoneinfo import ZoneInfo

import pendulum
import pytest

from airflow_provider_releases.exceptions import (
    InvalidParameterError,
    ReleasesApiResponseError,
    ReleasesApiValidationError,
)
from airflow_provider_releases.hooks.amplitude import AmplitudeHook
from tests.conftest import SECRETS, set_connection

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
    expected_auth = base64.b64encode(
        f"{SECRETS['amplitude_api_key']}:{SECRETS['amplitude_secret_key']}".encode()
    ).decode()
    assert sent.headers["Authorization"] == f"Basic {expected_auth}"
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
        ({"version": ""}, "version", "a string of at least 1 characters"),
        ({"version": 3.5}, "version", "a string"),
        ({"title": "   "}, "title", "not only white space"),
        ({"release_start": "01/05/2024"}, "release_start", "ISO 8601 string"),
        ({"release_start": None}, "release_start", "a datetime, a date"),
        ({"release_end": "2023-12-31"}, "release_end", "not before release_start"),
        ({"platforms": ["iOS", 3]}, "platforms", "a list of non-empty strings"),
        ({"chart_visibility": "true"}, "chart_visibility", "True or False"),
        ({"created_by": ""}, "created_by", "a string"),
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
