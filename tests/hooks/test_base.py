"""
The shared HTTP core (``hooks/base.py``, ``hooks/connection.py``, the transports and the rules of
``hooks/http_core.py``), through the hooks that use it: timeouts, retries, errors, secrets, logs;
then against a real server on loopback: keep-alive, real timeouts, dropped connections.
"""

from __future__ import annotations

import email.utils
import json
import re
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
import requests_mock as requests_mock_lib

from airflow_provider_releases.exceptions import (
    ConnectionConfigError,
    InvalidParameterError,
    ReleasesApiAuthError,
    ReleasesApiConflictError,
    ReleasesApiConnectionError,
    ReleasesApiError,
    ReleasesApiMalformedResponseError,
    ReleasesApiNotFoundError,
    ReleasesApiRateLimitError,
    ReleasesApiResponseError,
    ReleasesApiServerError,
    ReleasesApiValidationError,
)
from airflow_provider_releases.hooks.aha import AhaHook
from airflow_provider_releases.hooks.amplitude import AmplitudeHook
from airflow_provider_releases.hooks.cryptlex import CryptlexHook
from airflow_provider_releases.hooks.launchdarkly import LaunchDarklyHook
from tests.helpers.connections import SECRETS, set_connection

# Backoff waits are recorded, not slept (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("sleeps")

LD = "https://app.launchdarkly.com"
LD_RELEASE = f"{LD}/api/v2/flags/proj/flag-a/release"
LD_CREATE = f"{LD}/api/v2/projects/proj/flags/flag-a/release"
CX = "https://api.cryptlex.com/v3/releases"
RELEASE = {"name": "Standard", "releasePipelineKey": "standard", "phases": [], "_version": 1}


# Session and timeouts


def test_one_session_is_reused_for_every_call(requests_mock):
    requests_mock.get(LD_RELEASE, json=RELEASE)
    hook = LaunchDarklyHook()
    hook.get_flag_release("proj", "flag-a")
    session = hook.get_conn()
    hook.get_flag_release("proj", "flag-a")
    assert hook.get_conn() is session
    assert isinstance(session, requests.Session)
    assert requests_mock.call_count == 2


def test_default_timeout_is_sent_with_every_request(requests_mock):
    requests_mock.get(LD_RELEASE, json=RELEASE)
    requests_mock.delete(LD_RELEASE, status_code=204)
    hook = LaunchDarklyHook()
    hook.get_flag_release("proj", "flag-a")
    hook.delete_flag_release("proj", "flag-a")
    assert [r.timeout for r in requests_mock.request_history] == [(10.0, 60.0), (10.0, 60.0)]


def test_timeout_from_hook_argument(requests_mock):
    requests_mock.get(LD_RELEASE, json=RELEASE)
    LaunchDarklyHook(timeout=(3, 7)).get_flag_release("proj", "flag-a")
    LaunchDarklyHook(timeout=5).get_flag_release("proj", "flag-a")
    assert [r.timeout for r in requests_mock.request_history] == [(3.0, 7.0), (5.0, 5.0)]


def test_timeout_from_connection_extra(requests_mock, monkeypatch):
    set_connection(
        monkeypatch,
        "launchdarkly_default",
        conn_type="launchdarkly",
        password="tok-SECRET-e5d0c3",
        extra={"connect_timeout": "2.5", "read_timeout": 30},
    )
    requests_mock.get(LD_RELEASE, json=RELEASE)
    LaunchDarklyHook().get_flag_release("proj", "flag-a")
    assert requests_mock.last_request.timeout == (2.5, 30.0)


def test_invalid_timeout_extra_is_a_clear_error_before_any_request(requests_mock, monkeypatch):
    set_connection(
        monkeypatch, "launchdarkly_default", conn_type="launchdarkly", password="tok-SECRET-e5d0c3",
        extra={"read_timeout": "soon"},
    )  # fmt: skip
    with pytest.raises(ConnectionConfigError, match=r"read_timeout='soon' is invalid: expected a number > 0"):
        LaunchDarklyHook().get_flag_release("proj", "flag-a")
    assert requests_mock.call_count == 0


def test_missing_token_names_the_connection_and_field(requests_mock, monkeypatch):
    set_connection(monkeypatch, "launchdarkly_default", conn_type="launchdarkly")
    with pytest.raises(
        ConnectionConfigError, match=r"'launchdarkly_default' \(LaunchDarkly\) has no password"
    ):
        LaunchDarklyHook().get_flag_release("proj", "flag-a")
    assert requests_mock.call_count == 0


# Retries


def test_429_with_retry_after_seconds_is_retried_after_that_wait(requests_mock, sleeps):
    requests_mock.get(
        LD_RELEASE,
        [
            {
                "status_code": 429,
                "headers": {"Retry-After": "7"},
                "json": {"code": "rate_limited", "message": "x"},
            },
            {"json": RELEASE},
        ],
    )
    assert LaunchDarklyHook().get_flag_release("proj", "flag-a") == RELEASE
    assert sleeps == [7.0]
    assert requests_mock.call_count == 2


def test_429_with_retry_after_http_date(requests_mock, sleeps):
    when = email.utils.formatdate(time.time() + 20, usegmt=True)
    requests_mock.get(LD_RELEASE, [{"status_code": 429, "headers": {"Retry-After": when}}, {"json": RELEASE}])
    LaunchDarklyHook().get_flag_release("proj", "flag-a")
    assert len(sleeps) == 1
    assert 17 <= sleeps[0] <= 20


def test_launchdarkly_429_honours_x_ratelimit_reset_in_epoch_milliseconds(requests_mock, sleeps):
    reset_ms = int((time.time() + 4) * 1000)
    requests_mock.get(
        LD_RELEASE, [{"status_code": 429, "headers": {"X-Ratelimit-Reset": str(reset_ms)}}, {"json": RELEASE}]
    )
    LaunchDarklyHook().get_flag_release("proj", "flag-a")
    assert len(sleeps) == 1
    assert 2 <= sleeps[0] <= 4


def test_cryptlex_429_honours_its_rate_limit_reset_header(requests_mock, sleeps):
    reset_s = int(time.time() + 9)
    requests_mock.get(
        f"{CX}/rel-1",
        [{"status_code": 429, "headers": {"X-Rate-Limit-Reset": str(reset_s)}}, {"json": {"id": "rel-1"}}],
    )
    assert CryptlexHook().get_release("rel-1") == {"id": "rel-1"}
    assert 7 <= sleeps[0] <= 9


def test_aha_429_honours_x_ratelimit_reset(requests_mock, sleeps):
    requests_mock.get(
        "https://company.aha.io/api/v1/releases/PRJ1-R-1",
        [{"status_code": 429, "headers": {"X-Ratelimit-Reset": "3"}}, {"json": {"release": {"id": "1"}}}],
    )
    AhaHook().get_release("PRJ1-R-1")
    assert sleeps == [3.0]


def test_503_then_success_backs_off_exponentially_with_jitter(requests_mock, sleeps):
    requests_mock.get(
        LD_RELEASE,
        [{"status_code": 503}, {"status_code": 502}, {"status_code": 504}, {"json": RELEASE}],
    )
    assert LaunchDarklyHook().get_flag_release("proj", "flag-a") == RELEASE
    assert len(sleeps) == 3
    for number, wait in enumerate(sleeps, start=1):
        ceiling = 2 ** (number - 1)
        assert ceiling / 2 <= wait <= ceiling


def test_retries_are_bounded_and_the_error_says_how_many_attempts(requests_mock, sleeps):
    requests_mock.get(LD_RELEASE, status_code=503, json={"code": "service_unavailable", "message": "down"})
    with pytest.raises(ReleasesApiServerError) as caught:
        LaunchDarklyHook(max_retries=2).get_flag_release("proj", "flag-a")
    assert requests_mock.call_count == 3
    assert len(sleeps) == 2
    assert caught.value.attempts == 3
    assert "after 3 attempts" in str(caught.value)
    assert 'LaunchDarkly said "down"' in str(caught.value)


def test_rate_limit_exhausted_raises_rate_limit_error(requests_mock, sleeps):
    requests_mock.get(
        LD_RELEASE,
        status_code=429,
        headers={"Retry-After": "1"},
        json={"code": "rate_limited", "message": "slow down"},
    )
    with pytest.raises(ReleasesApiRateLimitError, match="slow down") as caught:
        LaunchDarklyHook(max_retries=3).get_flag_release("proj", "flag-a")
    assert requests_mock.call_count == 4
    assert sleeps == [1.0, 1.0, 1.0]
    assert caught.value.status == 429


def test_server_wait_beyond_the_budget_fails_at_once(requests_mock, sleeps):
    requests_mock.get(LD_RELEASE, status_code=429, headers={"Retry-After": "600"})
    with pytest.raises(
        ReleasesApiRateLimitError, match=r"asked to wait 600.0 s, beyond the retry budget of 120 s"
    ) as caught:
        LaunchDarklyHook().get_flag_release("proj", "flag-a")
    assert requests_mock.call_count == 1
    assert sleeps == []
    assert caught.value.retry_after == 600.0  # what ReleasesRetryPolicy waits before the task's next try


def test_total_wait_is_capped(requests_mock, sleeps):
    requests_mock.get(LD_RELEASE, status_code=429, headers={"Retry-After": "40"})
    with pytest.raises(ReleasesApiRateLimitError):
        LaunchDarklyHook(max_retries=10).get_flag_release("proj", "flag-a")
    assert sleeps == [40.0, 40.0, 40.0]
    assert sum(sleeps) <= 120


def test_post_after_429_is_retried_because_the_vendor_refused_it(requests_mock, sleeps):
    requests_mock.post(
        CX,
        [{"status_code": 429, "headers": {"Retry-After": "2"}}, {"status_code": 201, "json": {"id": "r1"}}],
    )
    assert CryptlexHook().create_release("prod-1", "Spring", "1.2.0")["id"] == "r1"
    assert requests_mock.call_count == 2


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_post_after_5xx_is_not_sent_again(requests_mock, sleeps, status):
    requests_mock.post(CX, status_code=status, text="upstream trouble")
    with pytest.raises(ReleasesApiServerError) as caught:
        CryptlexHook().create_release("prod-1", "Spring", "1.2.0")
    assert requests_mock.call_count == 1
    assert sleeps == []
    assert caught.value.may_have_been_applied is True
    assert "may have reached Cryptlex and taken effect, so it was not sent again" in str(caught.value)


def test_post_after_read_timeout_is_not_sent_twice(requests_mock, sleeps):
    requests_mock.post(CX, exc=requests.exceptions.ReadTimeout("read timed out"))
    with pytest.raises(ReleasesApiConnectionError) as caught:
        CryptlexHook().create_release("prod-1", "Spring", "1.2.0")
    assert requests_mock.call_count == 1
    assert caught.value.may_have_been_applied is True
    assert caught.value.status is None
    message = str(caught.value)
    assert (
        "Cryptlex create_release (POST /v3/releases) failed: no response within the 60 s read timeout"
        in message
    )
    assert "not sent again" in message


def test_put_after_dropped_connection_is_not_sent_twice(requests_mock, sleeps):
    requests_mock.put(LD_CREATE, exc=requests.exceptions.ConnectionError("Connection aborted."))
    with pytest.raises(ReleasesApiConnectionError, match="dropped before a response arrived"):
        LaunchDarklyHook().create_flag_release("proj", "flag-a", "standard")
    assert requests_mock.call_count == 1


def test_get_after_read_timeout_is_retried(requests_mock, sleeps):
    requests_mock.get(LD_RELEASE, [{"exc": requests.exceptions.ReadTimeout("slow")}, {"json": RELEASE}])
    assert LaunchDarklyHook().get_flag_release("proj", "flag-a") == RELEASE
    assert requests_mock.call_count == 2
    assert len(sleeps) == 1


def test_post_is_retried_when_the_connection_never_opened(sleeps):
    # Nothing listens on port 9 of loopback: the connection is refused, so nothing was sent.
    hook = CryptlexHook(max_retries=1)
    hook._base_url = "http://127.0.0.1:9"
    with pytest.raises(ReleasesApiConnectionError, match="could not be opened after 2 attempts") as caught:
        hook.create_release("prod-1", "Spring", "1.2.0")
    assert caught.value.may_have_been_applied is False
    assert len(sleeps) == 1


def test_500_on_get_is_not_retried(requests_mock, sleeps):
    requests_mock.get(LD_RELEASE, status_code=500, json={"code": "internal", "message": "boom"})
    with pytest.raises(ReleasesApiServerError):
        LaunchDarklyHook().get_flag_release("proj", "flag-a")
    assert requests_mock.call_count == 1


# Errors


@pytest.mark.parametrize(
    ("status", "cls", "code"),
    [
        (400, ReleasesApiValidationError, "invalid_request"),
        (401, ReleasesApiAuthError, "unauthorized"),
        (403, ReleasesApiAuthError, "forbidden"),
        (404, ReleasesApiNotFoundError, "not_found"),
        (409, ReleasesApiConflictError, "conflict"),
        (422, ReleasesApiValidationError, "unprocessable"),
    ],
)
def test_error_class_status_code_and_vendor_message(requests_mock, status, cls, code):
    requests_mock.get(
        LD_RELEASE,
        status_code=status,
        json={"code": code, "message": f"vendor says {status}", "id": "req-42"},
    )
    with pytest.raises(cls) as caught:
        LaunchDarklyHook().get_flag_release("proj", "flag-a")
    error = caught.value
    assert isinstance(error, ReleasesApiError)
    assert (error.status, error.code, error.vendor_message, error.request_id) == (
        status,
        code,
        f"vendor says {status}",
        "req-42",
    )
    assert (error.method, error.path, error.service, error.operation) == (
        "GET",
        "/api/v2/flags/proj/flag-a/release",
        "LaunchDarkly",
        "get_flag_release",
    )
    assert str(error) == (
        f"LaunchDarkly get_flag_release (GET /api/v2/flags/proj/flag-a/release) failed with HTTP {status} "
        f'[{code}]: LaunchDarkly said "vendor says {status}" (request id req-42).'
    )


def test_request_id_header_is_kept(requests_mock):
    requests_mock.get(
        f"{CX}/r1", status_code=404, json={"message": "Release not found."}, headers={"X-Request-Id": "abc-1"}
    )
    with pytest.raises(ReleasesApiNotFoundError) as caught:
        CryptlexHook().get_release("r1")
    assert caught.value.request_id == "abc-1"
    assert 'Cryptlex said "Release not found."' in str(caught.value)


def test_unparseable_error_body_is_kept_as_a_truncated_excerpt(requests_mock):
    text = "Bad gateway from the proxy. " * 40
    requests_mock.get(LD_RELEASE, status_code=502, text=text)
    with pytest.raises(ReleasesApiServerError) as caught:
        LaunchDarklyHook(max_retries=0).get_flag_release("proj", "flag-a")
    error = caught.value
    assert error.vendor_message is None
    assert error.body_excerpt.startswith("Bad gateway from the proxy. Bad gateway")
    assert error.body_excerpt.endswith("... (truncated)")
    assert len(error.body_excerpt) < 330
    assert "response body: Bad gateway from the proxy." in str(error)


@pytest.mark.parametrize(
    ("page", "named"),
    [
        (
            "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body><h1>502 Bad Gateway</h1>"
            "<hr><center>nginx</center></body></html>",
            '"502 Bad Gateway"',
        ),
        ("<!DOCTYPE html><html><body>" + "Bad gateway from the proxy. " * 40 + "</body></html>", None),
    ],
)
def test_an_html_error_page_is_named_not_quoted(requests_mock, page, named):
    requests_mock.get(LD_RELEASE, status_code=502, text=page, headers={"Content-Type": "text/html"})
    with pytest.raises(ReleasesApiServerError) as caught:
        LaunchDarklyHook(max_retries=0).get_flag_release("proj", "flag-a")
    message = str(caught.value)
    assert message.startswith(
        "LaunchDarkly get_flag_release (GET /api/v2/flags/proj/flag-a/release) failed with HTTP 502: "
        "response body: an HTML page "
    )
    assert "not the API's JSON (a proxy or gateway in front of it answered)." in message
    assert "<" not in message
    if named:
        assert f"an HTML page {named}, not" in message
    else:
        assert 'an HTML page "Bad gateway from the proxy. Bad gateway' in message
        assert "... (truncated)" in message


def test_aha_style_error_body(requests_mock):
    requests_mock.post(
        "https://company.aha.io/api/v1/products/PRJ1/releases",
        status_code=422,
        json={"errors": {"message": "Name can't be blank"}},
    )
    with pytest.raises(ReleasesApiValidationError, match="Name can't be blank"):
        AhaHook().create_release("PRJ1", "R1")


def test_malformed_json_on_success_is_a_response_error(requests_mock):
    requests_mock.get(LD_RELEASE, status_code=200, text='{"name": "Standard", ')
    with pytest.raises(ReleasesApiResponseError, match=r"not valid JSON; response body: \{\"name\""):
        LaunchDarklyHook().get_flag_release("proj", "flag-a")


def test_errors_survive_pickling(requests_mock):
    import pickle

    requests_mock.get(LD_RELEASE, status_code=404, json={"code": "not_found", "message": "no release"})
    with pytest.raises(ReleasesApiNotFoundError) as caught:
        LaunchDarklyHook().get_flag_release("proj", "flag-a")
    copy = pickle.loads(pickle.dumps(caught.value))
    assert type(copy) is ReleasesApiNotFoundError
    assert str(copy) == str(caught.value)


# Secrets and logs


def test_one_debug_line_per_request_with_method_path_status_time_and_attempt(requests_mock, logs):
    requests_mock.get(LD_RELEASE, [{"status_code": 503}, {"json": RELEASE}])
    LaunchDarklyHook().get_flag_release("proj", "flag-a")
    lines = [
        r.getMessage()
        for r in logs.records
        if r.levelname == "DEBUG" and "LaunchDarkly GET" in r.getMessage()
    ]
    assert len(lines) == 2
    assert lines[0].startswith("LaunchDarkly GET /api/v2/flags/proj/flag-a/release -> 503 in ")
    assert lines[0].endswith("ms (attempt 1)")
    assert lines[1].startswith("LaunchDarkly GET /api/v2/flags/proj/flag-a/release -> 200 in ")
    assert lines[1].endswith("ms (attempt 2)")


def test_a_body_that_is_not_json_and_echoes_the_token_keeps_no_trace_of_it(requests_mock):
    token = SECRETS["launchdarkly_token"]
    requests_mock.get(LD_RELEASE, text=f"not json: {token}")
    with pytest.raises(ReleasesApiMalformedResponseError) as caught:
        LaunchDarklyHook().get_flag_release("proj", "flag-a")
    assert "response body: not json: ***" in str(caught.value)
    # Not even hidden in the chain: the JSON decoder's error keeps the whole raw body.
    assert caught.value.__context__ is None and caught.value.__cause__ is None


def test_secrets_never_reach_logs_errors_or_reprs(requests_mock, logs):
    # A vendor that echoes the credentials back must not get them into our error text.
    echo = f"bad token {SECRETS['launchdarkly_token']}"
    requests_mock.get(
        LD_RELEASE,
        [{"status_code": 503}, {"status_code": 401, "json": {"code": "unauthorized", "message": echo}}],
    )
    ld = LaunchDarklyHook()
    with pytest.raises(ReleasesApiAuthError) as ld_error:
        ld.get_flag_release("proj", "flag-a")
    requests_mock.post(
        "https://amplitude.com/api/2/release",
        status_code=400,
        text=f"key {SECRETS['amplitude_api_key']} invalid",
    )
    amp = AmplitudeHook()
    with pytest.raises(ReleasesApiValidationError) as amp_error:
        amp.create_release("1.0", "2024-01-01", "t")
    basic = requests_mock.last_request.headers["Authorization"].split()[1]
    texts = [logs.text, str(ld_error.value), str(amp_error.value), repr(ld), repr(amp), repr(ld_error.value)]
    for text in texts:
        for secret in [*SECRETS.values(), basic]:
            assert secret not in text
    assert "bad token ***" in str(ld_error.value)


def test_secrets_are_registered_with_airflows_masker(requests_mock):
    from airflow.sdk._shared.secrets_masker import redact

    requests_mock.post("https://amplitude.com/api/2/release", json={"success": True, "release": {"id": "r"}})
    AmplitudeHook().create_release("1.0", "2024-01-01", "t")
    masked = redact(f"login {SECRETS['amplitude_api_key']} password {SECRETS['amplitude_secret_key']}")
    assert SECRETS["amplitude_api_key"] not in masked
    assert SECRETS["amplitude_secret_key"] not in masked


# Connection settings


def test_host_override_without_scheme_uses_https_and_port(requests_mock, monkeypatch):
    set_connection(
        monkeypatch,
        "launchdarkly_default",
        conn_type="launchdarkly",
        password="tok-SECRET-e5d0c3",
        host="ld.internal",
        port=8443,
    )
    requests_mock.get("https://ld.internal:8443/api/v2/flags/proj/flag-a/release", json=RELEASE)
    assert LaunchDarklyHook().get_flag_release("proj", "flag-a") == RELEASE


def test_unknown_region_is_a_clear_error(requests_mock, monkeypatch):
    set_connection(
        monkeypatch,
        "cryptlex_default",
        conn_type="cryptlex",
        password="tok-SECRET-e5d0c3",
        extra={"region": "mars"},
    )
    with pytest.raises(
        ConnectionConfigError, match=r"region='mars' is invalid: expected one of 'default', 'eu'"
    ):
        CryptlexHook().get_release("r1")
    assert requests_mock.call_count == 0


def test_max_retries_from_connection_extra(requests_mock, monkeypatch, sleeps):
    set_connection(
        monkeypatch,
        "launchdarkly_default",
        conn_type="launchdarkly",
        password="tok-SECRET-e5d0c3",
        extra={"max_retries": 1},
    )
    requests_mock.get(LD_RELEASE, status_code=503)
    with pytest.raises(ReleasesApiServerError):
        LaunchDarklyHook().get_flag_release("proj", "flag-a")
    assert requests_mock.call_count == 2


@pytest.mark.parametrize(
    ("kwargs", "param"),
    [
        ({"timeout": 0}, "timeout"),
        ({"timeout": (5, -1)}, "timeout"),
        ({"timeout": "10"}, "timeout"),
        ({"timeout": (1, 2, 3)}, "timeout"),
        ({"max_retries": -1}, "max_retries"),
        ({"max_retries": 2.5}, "max_retries"),
        ({"max_retry_wait": -5}, "max_retry_wait"),
    ],
)
def test_bad_hook_settings_are_rejected_when_the_hook_is_built(kwargs, param):
    with pytest.raises(InvalidParameterError) as caught:
        LaunchDarklyHook(**kwargs)
    assert caught.value.param == param


def test_patching_time_sleep_reaches_the_backoff(requests_mock, monkeypatch):
    # Undo the autouse recorder: the default waits through time.sleep, looked up at call time.
    monkeypatch.undo()
    set_connection(
        monkeypatch, "launchdarkly_default", conn_type="launchdarkly", password="tok-SECRET-e5d0c3"
    )
    slept: list[float] = []
    monkeypatch.setattr(time, "sleep", slept.append)
    requests_mock.get(LD_RELEASE, [{"status_code": 429, "headers": {"Retry-After": "30"}}, {"json": RELEASE}])
    LaunchDarklyHook().get_flag_release("proj", "flag-a")
    assert slept == [30.0]


ANY_BODY = {
    "success": True,
    "release": {"id": "r1"},
    "releases": [],
    "release_phases": [],
    "items": [],
    "totalCount": 0,
    "pagination": {"total_pages": 1, "current_page": 1},
}


def _every_hook_method(tmp_path):
    artifact = tmp_path / "app.zip"
    artifact.write_bytes(b"zip")
    return [
        lambda: AmplitudeHook().create_release("1.0", "2024-01-01", "t"),
        lambda: LaunchDarklyHook().create_flag_release("p", "f", "standard"),
        lambda: LaunchDarklyHook().get_flag_release("p", "f"),
        lambda: LaunchDarklyHook().delete_flag_release("p", "f"),
        lambda: LaunchDarklyHook().update_phase_status("p", "f", "ph-1"),
        lambda: LaunchDarklyHook().complete_legacy_phase("p", "f", 0),
        lambda: list(LaunchDarklyHook().list_release_pipelines("p")),
        lambda: LaunchDarklyHook().get_release_pipeline("p", "standard"),
        lambda: list(LaunchDarklyHook().list_pipeline_releases("p", "standard")),
        lambda: AhaHook().create_release("PRJ1", "R1"),
        lambda: list(AhaHook().list_releases("PRJ1")),
        lambda: AhaHook().get_release("PRJ1-R-1"),
        lambda: AhaHook().duplicate_release("PRJ1-R-1"),
        lambda: AhaHook().update_release("PRJ1", "1", name="R2"),
        lambda: AhaHook().delete_release("PRJ1", "1"),
        lambda: list(AhaHook().list_release_phases("PRJ1-R-1")),
        lambda: CryptlexHook().create_release("prod-1", "R", "1.0"),
        lambda: list(CryptlexHook().list_releases("prod-1")),
        lambda: CryptlexHook().get_release("r1"),
        lambda: CryptlexHook().update_release("r1", name="R2"),
        lambda: CryptlexHook().delete_release("r1"),
        lambda: CryptlexHook().publish_release("r1"),
        lambda: CryptlexHook().upload_release_file("r1", artifact),
    ]


def test_every_hook_method_sends_the_default_timeout(requests_mock, tmp_path):
    requests_mock.register_uri(requests_mock_lib.ANY, re.compile(".*"), json=ANY_BODY)
    calls = _every_hook_method(tmp_path)
    for call in calls:
        call()
    assert requests_mock.call_count == len(calls)
    assert {r.timeout for r in requests_mock.request_history} == {(10.0, 60.0)}


# A real server on loopback: keep-alive, real timeouts, dropped connections


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _answer(self):
        server = self.server
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        server.seen.append((self.command, self.path, self.client_address[1], body))
        action = server.actions.pop(0) if server.actions else ("json", 200, {"ok": True})
        kind = action[0]
        if kind == "sleep":
            time.sleep(action[1])
            action = ("json", 200, {"late": True})
            kind = "json"
        if kind == "drop":
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        payload = json.dumps(action[2]).encode()
        self.send_response(action[1])
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _answer

    def log_message(self, *args):
        pass


@pytest.fixture
def server(monkeypatch):
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    httpd.seen, httpd.actions = [], []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    host, port = httpd.server_address
    set_connection(
        monkeypatch,
        "cryptlex_default",
        conn_type="cryptlex",
        password="tok-SECRET-e5d0c3",
        host=f"http://{host}:{port}",
    )
    yield httpd
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


def test_calls_of_one_hook_reuse_one_keep_alive_connection(server):
    with CryptlexHook() as hook:
        for _ in range(3):
            hook.get_release("rel-1")
    ports = {port for _, _, port, _ in server.seen}
    assert len(server.seen) == 3
    assert len(ports) == 1


def test_read_timeout_on_a_post_is_reported_and_not_sent_again(server):
    server.actions.append(("sleep", 1.0))
    hook = CryptlexHook(timeout=(2, 0.2))
    with pytest.raises(ReleasesApiConnectionError) as caught:
        hook.create_release("prod-1", "Spring", "1.0")
    assert "no response within the 0.2 s read timeout" in str(caught.value)
    assert caught.value.may_have_been_applied is True
    time.sleep(1.0)  # let the slow answer finish before counting
    assert [(method, path) for method, path, _, _ in server.seen] == [("POST", "/v3/releases")]


def test_read_timeout_on_a_get_is_retried_and_succeeds(server, sleeps):
    server.actions.append(("sleep", 0.6))
    assert CryptlexHook(timeout=(2, 0.2)).get_release("rel-1") == {"ok": True}
    assert len(sleeps) == 1


def test_dropped_connection_on_a_get_is_retried(server, sleeps):
    server.actions.append(("drop",))
    assert CryptlexHook().get_release("rel-1") == {"ok": True}
    assert len(server.seen) == 2


def test_dropped_connection_on_a_post_is_not_sent_again(server, sleeps):
    server.actions.append(("drop",))
    with pytest.raises(ReleasesApiConnectionError, match="dropped before a response arrived") as caught:
        CryptlexHook().create_release("prod-1", "Spring", "1.0")
    assert caught.value.may_have_been_applied is True
    assert len(server.seen) == 1
    assert json.loads(server.seen[0][3])["version"] == "1.0"
