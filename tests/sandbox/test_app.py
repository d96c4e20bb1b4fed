"""The sandbox's fault forms the fault matrix uses: rate-limit header forms, proxy pages, late effects."""

from __future__ import annotations

import time
from email.utils import parsedate_to_datetime

import pytest

from airflow_provider_releases_sandbox import Sandbox
from tests.sandbox.test_server import post_release


def annotations(sb: Sandbox) -> int:
    return len(sb.state("amplitude")["releases"])


@pytest.mark.parametrize(
    ("service", "limit_headers", "expected"),
    [
        ("launchdarkly", "vendor", {"X-Ratelimit-Reset", "X-Ratelimit-Global-Remaining"}),
        ("launchdarkly", "reset", {"X-Ratelimit-Reset"}),
        ("aha", "reset", {"X-Ratelimit-Reset"}),
        ("cryptlex", "vendor", {"Retry-After", "X-Rate-Limit-Reset"}),
        ("cryptlex", "reset", {"X-Rate-Limit-Reset"}),
        ("cryptlex", "retry-after", {"Retry-After"}),
        ("amplitude", "retry-after-date", {"Retry-After"}),
    ],
)
def test_rate_limit_header_forms(release_sandbox: Sandbox, service, limit_headers, expected) -> None:
    release_sandbox.inject_fault(service, "rate_limit", retry_after=5, limit_headers=limit_headers)
    response = read_once(release_sandbox, service)
    assert response.status_code == 429
    sent = {name for name in response.headers if name.lower().startswith(("retry-after", "x-rate"))}
    assert expected <= sent
    if limit_headers in ("reset", "retry-after", "retry-after-date"):
        assert sent == expected
    if limit_headers == "retry-after-date":
        moment = parsedate_to_datetime(response.headers["Retry-After"]).timestamp()
        assert 3 <= moment - time.time() <= 6.5


def read_once(sb: Sandbox, service: str):
    """One authenticated read of ``service``, through its hook's own session."""
    from airflow_provider_releases.hooks.aha import AhaHook
    from airflow_provider_releases.hooks.cryptlex import CryptlexHook
    from airflow_provider_releases.hooks.launchdarkly import LaunchDarklyHook

    if service == "amplitude":
        return post_release(sb)
    hook_class, path = {
        "launchdarkly": (LaunchDarklyHook, "/api/v2/caller-identity"),
        "aha": (AhaHook, "/api/v1/me"),
        "cryptlex": (CryptlexHook, "/v3/products"),
    }[service]
    hook = hook_class()
    return hook.get_conn().get(hook.base_url + path, timeout=5)


def test_reset_form_is_refused_for_amplitude_which_has_no_reset_header(release_sandbox: Sandbox) -> None:
    with pytest.raises(ValueError, match="amplitude sends no rate-limit reset header"):
        release_sandbox.inject_fault("amplitude", "rate_limit", limit_headers="reset")
    with pytest.raises(ValueError, match="limit_headers='soon' is unknown"):
        release_sandbox.inject_fault("aha", "rate_limit", limit_headers="soon")


def test_html_fault_answers_a_proxy_error_page_and_changes_nothing(release_sandbox: Sandbox) -> None:
    release_sandbox.inject_fault("amplitude", "html", status=504)
    response = post_release(release_sandbox)
    assert response.status_code == 504
    assert response.headers["Content-Type"] == "text/html"
    assert "<title>504 Gateway Timeout</title>" in response.text and "nginx" in response.text
    assert annotations(release_sandbox) == 0
    with pytest.raises(ValueError, match="status=404 is not a server error"):
        release_sandbox.inject_fault("amplitude", "html", status=404)


def test_malformed_fault_carries_the_request_out_then_cuts_the_answer(release_sandbox: Sandbox) -> None:
    release_sandbox.inject_fault("amplitude", "malformed")
    response = post_release(release_sandbox)
    assert (response.status_code, response.text) == (200, '{"id": "truncated')
    assert annotations(release_sandbox) == 1


def test_a_slow_answer_lands_after_the_client_gave_up(release_sandbox: Sandbox) -> None:
    import requests

    release_sandbox.inject_fault("amplitude", "delay", delay=0.4)
    with pytest.raises(requests.exceptions.ReadTimeout):
        post_release(release_sandbox, timeout=(2, 0.1))
    release_sandbox.wait_idle()
    assert annotations(release_sandbox) == 1
