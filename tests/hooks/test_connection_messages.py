"""
What the connection layer says: the Host field checked before any request, ``test_connection``
naming the fields (Airflow tests an unsaved form under a throw-away id), the URL an unreachable
vendor was tried at, and secrets too short to mask left alone as Airflow's masker does.
"""

from __future__ import annotations

import asyncio
import json
import socket

import pytest

from airflow_provider_releases.exceptions import ConnectionConfigError
from airflow_provider_releases.hooks.aha import AhaHook
from airflow_provider_releases.hooks.cryptlex import CryptlexHook
from airflow_provider_releases.hooks.launchdarkly import LaunchDarklyHook
from tests.helpers.connections import set_connection

# What Airflow's "Test" button names an unsaved connection: a random string.
TEMPORARY_ID = "qzkvbrwtmx"
TOKEN = "api-messages-SECRET-4be20c"
HOST_FORM = (
    "expected a URL such as 'https://example.com' (http or https, a host name, an optional port and "
    "path), or a host name such as 'example.com'; correct the Host field or leave it empty for the "
    "default URL."
)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize(
    "host",
    [
        "not a url",
        "ftp://example.com",
        "https://",
        "https://exa mple.com",
        "https://example.com:99999",
        "https://a..b",
    ],
)
def test_a_malformed_host_is_named_before_any_request(requests_mock, monkeypatch, host):
    set_connection(monkeypatch, "ld_bad_host", conn_type="launchdarkly", password=TOKEN, host=host)
    with pytest.raises(ConnectionConfigError) as caught:
        LaunchDarklyHook("ld_bad_host").get_flag_release("proj", "flag-a")
    assert str(caught.value) == (
        f"Connection 'ld_bad_host' (LaunchDarkly): Host field {host!r} is invalid: {HOST_FORM}"
    )
    assert requests_mock.call_count == 0


def test_the_async_methods_name_a_malformed_host_the_same_way(monkeypatch):
    set_connection(monkeypatch, "ld_bad_host", conn_type="launchdarkly", password=TOKEN, host="not a url")
    with pytest.raises(ConnectionConfigError, match=r"Host field 'not a url' is invalid: expected a URL"):
        asyncio.run(LaunchDarklyHook("ld_bad_host").aget_flag_release("proj", "flag-a"))


@pytest.mark.parametrize(
    ("host", "base_url"),
    [
        ("example.com", "https://example.com"),
        ("http://127.0.0.1:8080/", "http://127.0.0.1:8080"),
        ("http://[::1]:8080", "http://[::1]:8080"),
        ("localhost:5000", "https://localhost:5000"),
        ("https://ld.internal.example.com/proxy", "https://ld.internal.example.com/proxy"),
    ],
)
def test_well_formed_hosts_are_accepted(monkeypatch, host, base_url):
    set_connection(monkeypatch, "ld_host", conn_type="launchdarkly", password=TOKEN, host=host)
    assert LaunchDarklyHook("ld_host").base_url == base_url


def test_connection_names_the_host_field_not_the_temporary_id(requests_mock, monkeypatch):
    set_connection(monkeypatch, TEMPORARY_ID, conn_type="launchdarkly", password=TOKEN, host="not a url")
    ok, message = LaunchDarklyHook(TEMPORARY_ID).test_connection()
    assert (ok, message) == (
        False,
        f"The connection (LaunchDarkly): Host field 'not a url' is invalid: {HOST_FORM}",
    )
    assert requests_mock.call_count == 0


def test_connection_names_a_missing_password_field(monkeypatch):
    set_connection(monkeypatch, TEMPORARY_ID, conn_type="launchdarkly")
    assert LaunchDarklyHook(TEMPORARY_ID).test_connection() == (
        False,
        "The connection (LaunchDarkly) has no password: set the LaunchDarkly access token (Password field) "
        "there.",
    )


def test_connection_names_an_invalid_extra_and_its_value(monkeypatch):
    set_connection(monkeypatch, TEMPORARY_ID, conn_type="cryptlex", password=TOKEN, extra={"region": "mars"})
    assert CryptlexHook(TEMPORARY_ID).test_connection() == (
        False,
        "The connection: extra region='mars' is invalid: expected one of 'default', 'eu'.",
    )


def test_connection_names_an_aha_host_that_is_no_account_name(monkeypatch):
    set_connection(monkeypatch, TEMPORARY_ID, conn_type="aha", password=TOKEN, host="my company")
    ok, message = AhaHook(TEMPORARY_ID).test_connection()
    assert not ok
    assert message == (
        "The connection (Aha!): Host field 'my company' is invalid: expected the account name of "
        "https://<subdomain>.aha.io (letters, digits, '-'), or the URL https://<subdomain>.aha.io in the "
        "Host field."
    )


def test_connection_to_an_unreachable_host_names_the_url_tried_and_what_to_check(monkeypatch):
    url = f"http://127.0.0.1:{closed_port()}"
    set_connection(monkeypatch, TEMPORARY_ID, conn_type="launchdarkly", password=TOKEN, host=url)
    ok, message = LaunchDarklyHook(TEMPORARY_ID).test_connection()
    assert not ok
    assert message == (
        f"LaunchDarkly test_connection (GET /api/v2/caller-identity) failed: the connection to {url} could "
        f"not be opened. {url}, from the Host field {url!r}, must be reachable from the Airflow component "
        "that ran the test: correct the Host field, or check the network, proxy and firewall."
    )
    assert TEMPORARY_ID not in message


def test_connection_outside_the_test_names_the_connection_id(monkeypatch):
    set_connection(monkeypatch, "cx_mars", conn_type="cryptlex", password=TOKEN, extra={"region": "mars"})
    with pytest.raises(ConnectionConfigError) as caught:
        CryptlexHook("cx_mars").get_release("r1")
    assert (
        str(caught.value)
        == "Connection 'cx_mars': extra region='mars' is invalid: expected one of 'default', 'eu'."
    )


# Short secrets


def tiny_secret_connection(monkeypatch: pytest.MonkeyPatch, password: str) -> None:
    # Bypasses set_connection on purpose: a one-letter password cannot be a leak-audit canary.
    conn = {"conn_type": "cryptlex", "password": password, "extra": {"region": "mars"}}
    monkeypatch.setenv("AIRFLOW_CONN_CX_TINY", json.dumps(conn))


def test_a_secret_too_short_to_mask_does_not_garble_messages(monkeypatch):
    tiny_secret_connection(monkeypatch, "a")
    hook = CryptlexHook("cx_tiny")
    hook._auth_headers()
    assert hook.test_connection() == (
        False,
        "The connection: extra region='mars' is invalid: expected one of 'default', 'eu'.",
    )
    assert hook.redact("a valid answer") == "a valid answer"


@pytest.mark.parametrize(("min_length", "redacted"), [("5", "token ***"), ("9", "token abcdefgh")])
def test_redaction_follows_airflows_minimum_secret_length(monkeypatch, min_length, redacted):
    monkeypatch.setenv("AIRFLOW__LOGGING__MIN_LENGTH_MASKED_SECRET", min_length)
    tiny_secret_connection(monkeypatch, "abcdefgh")
    hook = CryptlexHook("cx_tiny")
    hook._auth_headers()
    assert hook.redact("token abcdefgh") == redacted
