"""Amplitude's rule book (``rules/amplitude.py``): the release annotation's time window."""

from __future__ import annotations

import datetime as dt

import pytest

from airflow_provider_releases.exceptions import InvalidParameterError
from airflow_provider_releases.rules.amplitude import amplitude_time, release_window


def test_release_window_is_in_amplitudes_utc_form():
    assert release_window("2026-05-01T14:30:00+02:00") == ("2026-05-01 12:30:00", None)
    assert release_window(
        dt.datetime(2026, 5, 1, 12, 30, tzinfo=dt.timezone.utc), "2026-05-03T00:00:00Z"
    ) == ("2026-05-01 12:30:00", "2026-05-03 00:00:00")


def test_a_window_may_end_when_it_starts():
    assert release_window("2026-05-01 12:30:00", "2026-05-01 12:30:00") == (
        "2026-05-01 12:30:00",
        "2026-05-01 12:30:00",
    )


def test_an_end_before_the_start_is_refused_naming_release_end():
    with pytest.raises(InvalidParameterError) as caught:
        release_window("2026-05-02 00:00:00", "2026-05-01 23:59:59")
    assert (caught.value.param, caught.value.value) == ("release_end", "2026-05-01 23:59:59")
    assert str(caught.value) == (
        "Invalid release_end='2026-05-01 23:59:59': expected a time not before release_start "
        "(2026-05-02 00:00:00 UTC)."
    )


def test_the_end_is_compared_in_utc():
    # 01:00 at +02:00 is 23:00 UTC the day before: before a start at midnight UTC.
    with pytest.raises(InvalidParameterError) as caught:
        release_window("2026-05-02T00:00:00Z", "2026-05-02T01:00:00+02:00")
    assert caught.value.param == "release_end"


@pytest.mark.parametrize(
    ("start", "end", "param"), [("yesterday", None, "release_start"), ("2026-05-01", "soon", "release_end")]
)
def test_a_time_of_the_wrong_form_is_refused_naming_it(start, end, param):
    with pytest.raises(InvalidParameterError) as caught:
        release_window(start, end)
    assert caught.value.param == param


def test_amplitude_time():
    assert amplitude_time("release_start", "2026-05-01T14:30:00+02:00") == "2026-05-01 12:30:00"
