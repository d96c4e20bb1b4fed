"""The clock (``utils/clock.py``): hooks read time and wait only through the one they are given."""

from __future__ import annotations

from airflow_provider_releases.hooks.base import ReleasesBaseHook
from airflow_provider_releases.hooks.launchdarkly import LaunchDarklyHook
from airflow_provider_releases.utils.clock import SYSTEM_CLOCK, Clock
from tests.helpers.clock import RecordingClock

RELEASE_URL = "https://app.launchdarkly.com/api/v2/flags/proj/flag-a/release"
RELEASE = {"name": "Standard", "releasePipelineKey": "standard", "phases": [], "_version": 1}


def test_a_hook_given_a_clock_waits_through_it(requests_mock, sleeps):
    requests_mock.get(RELEASE_URL, [{"status_code": 429, "headers": {"Retry-After": "7"}}, {"json": RELEASE}])
    waited: list[float] = []
    clock = RecordingClock(waited)
    hook = LaunchDarklyHook(clock=clock)
    assert hook.clock is clock
    assert hook.get_flag_release("proj", "flag-a") == RELEASE
    assert waited == [7.0]
    assert sleeps == []  # the class default (the ``sleeps`` fixture's recorder) was not used
    assert requests_mock.call_count == 2


def test_a_hook_given_no_clock_uses_the_class_default(sleeps):
    assert LaunchDarklyHook().clock is ReleasesBaseHook.default_clock
    assert isinstance(ReleasesBaseHook.default_clock, RecordingClock)  # put there by ``sleeps``


def test_the_default_clock_is_the_system_clock():
    """No fixture changes the class default unless the test asks for ``sleeps``."""
    assert ReleasesBaseHook.default_clock is SYSTEM_CLOCK
    assert type(SYSTEM_CLOCK) is Clock
    assert LaunchDarklyHook().clock is SYSTEM_CLOCK


def test_the_system_clock_reads_the_time_module(monkeypatch):
    import time

    monkeypatch.setattr(time, "time", lambda: 1_700_000_000.0)
    monkeypatch.setattr(time, "monotonic", lambda: 42.0)
    slept: list[float] = []
    monkeypatch.setattr(time, "sleep", slept.append)
    assert (SYSTEM_CLOCK.time(), SYSTEM_CLOCK.monotonic()) == (1_700_000_000.0, 42.0)
    SYSTEM_CLOCK.sleep(3.5)
    assert slept == [3.5]
