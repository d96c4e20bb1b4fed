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
    assert "(got 10000 characters)" in message


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


# Messages that say what is wrong


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("2026-02-30", "February 2026 has 28 days, so there is no day 30"),
        ("2024-04-31", "April 2024 has 30 days, so there is no day 31"),
        ("2026-13-01", "there is no month 13"),
        ("2026-01-00", "days start at 01"),
        ("0000-01-01", "there is no year 0000"),
    ],
)
def test_a_date_of_the_right_form_that_does_not_exist_is_named(value, why):
    with pytest.raises(InvalidParameterError) as caught:
        check.calendar_date("release_date", value)
    assert str(caught.value) == (
        f"Invalid release_date={value!r}: expected a date, a datetime, or a string 'YYYY-MM-DD' of a day that"
        f" exists; the form is right but {why}."
    )


@pytest.mark.parametrize(
    ("kwargs", "value", "message"),
    [
        ({}, "", "Invalid name='': expected a non-empty string: name must not be empty."),
        ({}, 3, "Invalid name=3: expected a non-empty string."),
        (
            {"max_len": 1},
            "ab",
            "Invalid name='ab': expected a non-empty string of at most 1 character (got 2 characters).",
        ),
        (
            {"min_len": 0, "max_len": 2},
            "abc",
            "Invalid name='abc': expected a string of at most 2 characters (got 3 characters).",
        ),
        (
            {"min_len": 2},
            "a",
            "Invalid name='a': expected a string of at least 2 characters (got 1 character).",
        ),
    ],
)
def test_text_messages_use_the_right_plural_and_say_empty(kwargs, value, message):
    with pytest.raises(InvalidParameterError) as caught:
        check.text("name", value, **kwargs)
    assert str(caught.value) == message


# Operator and sensor parameters


@pytest.mark.parametrize("value", [None, "", "  ", "None", "null"])
def test_given_refuses_what_holds_no_value(value):
    with pytest.raises(InvalidParameterError) as rendered:
        check.given("release_id", value)
    assert str(rendered.value).startswith(
        f"release_id rendered to {value!r}: the template rendered to nothing; an upstream task's XCom"
        " may be missing"
    )
    with pytest.raises(InvalidParameterError) as literal:
        check.given("release_id", value, rendered=False)
    assert (
        str(literal.value)
        == f"release_id={value!r} gives no value: release_id is required; pass the release_id."
    )


@pytest.mark.parametrize("value", ["PRJ1-R-1", 0, "nil", "none-such"])
def test_given_passes_values(value):
    assert check.given("release_id", value) == value


class Reference:
    """What Airflow resolves when the task runs (an XComArg)."""

    def iter_references(self):
        return iter(())


@pytest.mark.parametrize(
    ("value", "deferred"),
    [
        ("{{ ds }}", True),
        ("{% if x %}a{% endif %}", True),
        ("plain {text}", False),
        ({"a": "{{ ds }}"}, True),
        ({"{{ params.k }}": 1}, True),
        (["a", ("b", "{{ ds }}")], True),
        ({"a": [1, "b"]}, False),
        (Reference(), True),
        (None, False),
        (dt.date(2026, 1, 1), False),
    ],
)
def test_is_deferred(value, deferred):
    assert check.is_deferred(value) is deferred


class Owner:
    def __init__(self, **values):
        self.__dict__.update(values)


def test_check_parameters_checks_plain_values_in_the_constructor_and_all_once_rendered():
    seen = []
    params = {
        "release_id": check.Param(lambda param, value: seen.append((param, value))),
        "fields": check.Param(
            lambda param, value: seen.append((param, value)),
            names=False,
            partial=lambda param, value, pending: seen.append((param, sorted(value), sorted(pending))),
        ),
        "path": check.Param(at_parse=False),
        "file_name": check.Param(optional=True),
    }
    owner = Owner(
        release_id="{{ params.id }}",
        fields={"theme": "x", "release_date": "{{ ds }}"},
        path=None,
        file_name=None,
    )

    check.check_parameters(owner, params, rendered=False)
    assert seen == [("fields", ["release_date", "theme"], ["release_date"])]

    owner.release_id, owner.fields, owner.path = "PRJ1-R-1", {"theme": "x"}, "/tmp/a"
    seen.clear()
    check.check_parameters(owner, params, rendered=True)
    assert seen == [("release_id", "PRJ1-R-1"), ("fields", {"theme": "x"})]

    owner.path = "None"
    with pytest.raises(InvalidParameterError, match=r"^path rendered to 'None'"):
        check.check_parameters(owner, params, rendered=True)
