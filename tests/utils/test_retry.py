"""Reading the servers' rate-limit headers and the backoff schedule."""

from __future__ import annotations

import random

import pytest

from airflow_provider_releases.utils.retry import RetryPolicy, server_delay

NOW = 1_700_000_000.0


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Retry-After": "12"}, 12.0),
        ({"Retry-After": "0"}, 0.0),
        ({"Retry-After": "Tue, 14 Nov 2023 22:13:40 GMT"}, 20.0),  # NOW is 22:13:20 GMT
        ({"Retry-After": "Tue, 14 Nov 2023 22:00:00 GMT"}, 0.0),  # in the past
        ({"X-Ratelimit-Reset": str(int((NOW + 4.5) * 1000))}, 4.5),  # epoch milliseconds
        ({"X-Ratelimit-Reset": str(int(NOW + 30))}, 30.0),  # epoch seconds
        ({"X-Ratelimit-Reset": "7"}, 7.0),  # seconds from now
        ({"Retry-After": "3", "X-Ratelimit-Reset": str(int((NOW + 9) * 1000))}, 3.0),
        ({"Retry-After": "soon", "X-Ratelimit-Reset": "5"}, 5.0),
        ({"X-Ratelimit-Reset": "n/a"}, None),
        ({}, None),
    ],
)
def test_server_delay(headers, expected):
    delay = server_delay(headers, ("X-Ratelimit-Reset",), now=NOW)
    assert delay == (pytest.approx(expected) if expected is not None else None)


def test_reset_header_only_counts_for_the_services_that_send_it():
    assert server_delay({"X-Ratelimit-Reset": "7"}, (), now=NOW) is None
    assert server_delay({"X-Rate-Limit-Reset": "7"}, ("X-Rate-Limit-Reset",), now=NOW) == 7.0


def test_backoff_doubles_with_jitter_and_is_capped():
    policy = RetryPolicy(backoff_base=1.0, backoff_max=30.0)
    rng = random.Random(7)
    waits = [policy.backoff(n, rng) for n in range(1, 9)]
    ceilings = [1, 2, 4, 8, 16, 30, 30, 30]
    for wait, ceiling in zip(waits, ceilings, strict=True):
        assert ceiling / 2 <= wait <= ceiling
    assert len(set(waits)) == len(waits)  # jittered, not a fixed schedule
