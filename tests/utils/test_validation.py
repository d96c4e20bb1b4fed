"""Input checks: each returns the documented wire form or raises naming parameter, value and form."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from airflow_provider_releases.exceptions import InvalidParameterError
from airflow_provider_releases.utils import validation as check


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("abc", "abc"),
        ("PRJ1-R-1", "PRJ1-R-1"),
        ("a.b_c~d", "a.b_c~d"),
        (42, "42"),
        (0, "0"),
    ],
)
def test_path_segment_accepts_safe_ids(value, expected):
    assert check.path_segment("release_id", value) == expected


@pytest.mark.parametrize(
    "value",
    ["", "a/b", "..", ".hidden", "a b", "a%2Fb", "a?b", "a#b", "é", "a\nb", -1, True, None, 1.5, ["a"]],
)
def test_path_segment_rejects_anything_that_could_change_the_url(value):
    with pytest.raises(InvalidParameterError) as caught:
        check.path_segment("release_id", value)
    assert caught.value.param == "release_id"
    assert str(caught.value).startswith(f"Invalid release_id={value!r}: expected an id or key of letters")


def test_error_message_shortens_huge_values():
    with pytest.raises(InvalidParameterError) as caught:
        check.text("name", "x" * 10_000, max_len=256)
    message = str(caught.value)
    assert len(message) < 200
    assert "(10002 chars)" in message
    assert "(got 10000)" in message


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (dt.datetime(2024, 3, 31, 1, 30), "2024-03-31T01:30:00Z"),
        # Around the spring-forward change in Berlin: 03:30 CEST is 01:30 UTC.
        (dt.datetime(2024, 3, 31, 3, 30, tzinfo=ZoneInfo("Europe/Berlin")), "2024-03-31T01:30:00Z"),
        (dt.datetime(2024, 10, 27, 2, 30, fold=1, tzinfo=ZoneInfo("Europe/Berlin")), "2024-10-27T01:30:00Z"),
        (dt.datetime(2024, 10, 27, 2, 30, fold=0, tzinfo=ZoneInfo("Europe/Berlin")), "2024-10-27T00:30:00Z"),
        (
            dt.datetime(2024, 12, 31, 23, 59, 59, tzinfo=ZoneInfo("Pacific/Kiritimati")),
            "2024-12-31T09:59:59Z",
        ),
        (dt.datetime(2024, 12, 31, 20, 0, tzinfo=ZoneInfo("America/Los_Angeles")), "2025-01-01T04:00:00Z"),
        (dt.date(2024, 1, 1), "2024-01-01T00:00:00Z"),
        ("2024-01-01T00:00:00.123456-05:00", "2024-01-01T05:00:00Z"),
    ],
)
def test_iso8601_utc_across_dst_and_year_boundaries(value, expected):
    assert check.iso8601_utc("created_at", value) == expected


@pytest.mark.parametrize(
    "value", ["", "tomorrow", "2024-13-01", "2024-02-30 10:00:00", 1714560000, b"2024-01-01"]
)
def test_utc_datetime_rejects_other_forms(value):
    with pytest.raises(InvalidParameterError, match="expected a datetime, a date, or an ISO 8601 string"):
        check.utc_datetime("release_start", value)


def test_utc_datetime_out_of_range_after_conversion_is_a_clear_error():
    late = dt.datetime(9999, 12, 31, 23, 0, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    with pytest.raises(InvalidParameterError, match="within years 1 to 9999 in UTC"):
        check.utc_datetime("release_end", late)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (dt.date(2024, 2, 29), "2024-02-29"),
        (dt.datetime(2024, 12, 31, 23, 30, tzinfo=ZoneInfo("America/New_York")), "2024-12-31"),
        ("2025-01-01", "2025-01-01"),
    ],
)
def test_calendar_date(value, expected):
    assert check.calendar_date("release_date", value) == expected


@pytest.mark.parametrize(
    "value", ["2024-2-1", "2023-02-29", "01/02/2024", "2024-01-01T00:00:00", 20240101, None]
)
def test_calendar_date_rejects(value):
    with pytest.raises(InvalidParameterError, match="a string 'YYYY-MM-DD'"):
        check.calendar_date("release_date", value)


@pytest.mark.parametrize(
    ("call", "accepted"),
    [
        (lambda: check.boolean("private", 1), "True or False"),
        (lambda: check.integer("phase_index", False, minimum=0), "an integer >= 0"),
        (lambda: check.number("progress", float("nan"), minimum=0, maximum=100), "a number from 0 to 100"),
        (
            lambda: check.choice("capacity_units", "Time", ("time", "story_points")),
            "one of 'time', 'story_points'",
        ),
        (lambda: check.string_list("platforms", ("ok", "")), "a list of non-empty strings"),
        (lambda: check.id_list("goals", [1, True]), "a list of ids or names"),
        (lambda: check.reject_unknown("fields", {"nmae": 1}, ["name"]), "field names among name"),
    ],
)
def test_other_checks_name_the_accepted_form(call, accepted):
    with pytest.raises(ValueError, match=accepted):
        call()
