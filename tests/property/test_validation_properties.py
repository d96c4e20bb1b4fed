"""
Properties of every check in ``utils/validation.py``.

For any input at all, each check either returns the documented wire form (verified here by an
independent computation) or raises ``InvalidParameterError``, a ``ValueError`` whose message names
the parameter, shows the value and says what is accepted. No other exception may escape: no
``TypeError``, ``OverflowError`` or ``UnicodeEncodeError`` from an odd value.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from typing import Any
from urllib.parse import unquote

from hypothesis import example, given, settings
from hypothesis import strategies as st

from airflow_provider_releases.exceptions import InvalidParameterError
from airflow_provider_releases.rules.aha import ID as AHA_ID_PATTERN
from airflow_provider_releases.rules.cryptlex import ID as CRYPTLEX_ID_PATTERN
from airflow_provider_releases.rules.launchdarkly import KEY as LAUNCHDARKLY_KEY_PATTERN
from airflow_provider_releases.utils import validation as check
from tests.property.strategies import (
    MAX_INT64,
    PATH_ATTACKS,
    anything,
    assert_invalid,
    has_surrogate,
    moments,
    nonblank_text,
    own_date_form,
    texts,
    url_text,
    utc_form,
    utc_moment,
    with_examples,
)

params = st.from_regex(r"[a-z][a-z_]{0,15}", fullmatch=True)
ISO8601_UTC = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")
CALENDAR_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
UNPRINTABLE = 10**5000  # repr() raises ValueError for an int this long


def attempt(check_function, *args: Any, **kwargs: Any) -> tuple[Any, InvalidParameterError | None]:
    """Run a check; return its result, or the ``InvalidParameterError`` it raised (nothing else)."""
    try:
        return check_function(*args, **kwargs), None
    except InvalidParameterError as error:
        return None, error


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def sendable_text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip()) and not has_surrogate(value)


@settings(max_examples=300)
@given(
    param=params,
    value=st.one_of(anything(), texts),
    max_len=st.one_of(st.none(), st.integers(1, 300)),
    min_len=st.sampled_from([0, 1]),
)
@example(param="notes", value="x" * 10_000, max_len=4096, min_len=0)
@example(param="name", value="\ud800", max_len=None, min_len=1)
@example(param="name", value=" \t\n", max_len=None, min_len=1)
@example(param="name", value=UNPRINTABLE, max_len=None, min_len=1)
def test_text_returns_the_string_or_names_the_parameter(param, value, max_len, min_len):
    result, error = attempt(check.text, param, value, max_len=max_len, min_len=min_len)
    documented = (
        isinstance(value, str)
        and min_len <= len(value) <= (max_len or len(value))
        and (min_len == 0 or bool(value.strip()))
        and not has_surrogate(value)
    )
    if documented:
        assert error is None and result == value
    else:
        assert_invalid(error, param, value, accepted="a non-empty string" if min_len else "a string")
        assert not re.search(r"(?<![0-9])1 characters", str(error)), str(error)


@settings(max_examples=150)
@given(param=params, value=anything())
@example(param="private", value=1)
@example(param="private", value="true")
def test_boolean_takes_only_true_and_false(param, value):
    result, error = attempt(check.boolean, param, value)
    if isinstance(value, bool):
        assert error is None and result is value
    else:
        assert_invalid(error, param, value, accepted="True or False")


@settings(max_examples=200)
@given(param=params, value=anything(), minimum=st.one_of(st.none(), st.integers(-5, 5)))
@example(param="phase_index", value=MAX_INT64 + 1, minimum=0)
@example(param="phase_index", value=UNPRINTABLE, minimum=0)
@example(param="phase_index", value=-UNPRINTABLE, minimum=None)
@example(param="phase_index", value=True, minimum=0)
def test_integer_is_a_64_bit_int_above_the_minimum(param, value, minimum):
    result, error = attempt(check.integer, param, value, minimum=minimum)
    if is_int(value) and value >= (minimum if minimum is not None else value) and abs(value) <= MAX_INT64:
        assert error is None and type(result) is int and result == value
    else:
        assert_invalid(error, param, value, accepted="an integer")


@settings(max_examples=200)
@given(param=params, value=anything(), bounds=st.sampled_from([(0, 100), (0, 86_400), (-1.5, 1.5)]))
@example(param="progress", value=float("nan"), bounds=(0, 100))
@example(param="progress", value=float("inf"), bounds=(0, 100))
@example(param="progress", value=UNPRINTABLE, bounds=(0, 100))
@example(param="progress", value=True, bounds=(0, 100))
def test_number_is_an_int_or_float_in_range(param, value, bounds):
    result, error = attempt(check.number, param, value, minimum=bounds[0], maximum=bounds[1])
    numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
    if numeric and bounds[0] <= value <= bounds[1]:
        assert error is None and result == value
    else:
        assert_invalid(error, param, value, accepted="a number from")


choice_lists = st.lists(st.text(min_size=1, max_size=8), min_size=1, max_size=5, unique=True)


@settings(max_examples=200)
@given(param=params, choices=choice_lists, data=st.data())
def test_choice_is_one_of_the_choices_exactly(param, choices, data):
    value = data.draw(
        st.one_of(st.sampled_from(choices), anything(), st.sampled_from(choices).map(str.upper))
    )
    result, error = attempt(check.choice, param, value, choices)
    if isinstance(value, str) and value in choices:
        assert error is None and result == value
    else:
        assert_invalid(error, param, value, accepted="one of " + repr(choices[0]))


string_lists = st.one_of(
    st.lists(st.one_of(nonblank_text, texts), max_size=4),
    st.lists(nonblank_text, max_size=4).map(tuple),
)


@settings(max_examples=200)
@given(
    param=params, value=st.one_of(string_lists, anything()), max_len=st.one_of(st.none(), st.integers(1, 10))
)
@example(param="platforms", value=["ok", ""], max_len=None)
@example(param="platforms", value=["ok", "\udcff"], max_len=None)
@example(param="platforms", value="windows", max_len=None)
def test_string_list_is_a_list_of_sendable_strings(param, value, max_len):
    result, error = attempt(check.string_list, param, value, max_len=max_len)
    documented = isinstance(value, (list, tuple)) and all(
        sendable_text(item) and len(item) <= (max_len or len(item)) for item in value
    )
    if documented:
        assert error is None and result == list(value) and type(result) is list
    else:
        assert_invalid(error, param, value, accepted="a list of non-empty strings")


id_lists = st.lists(st.one_of(nonblank_text, st.integers(0, MAX_INT64), texts, st.integers()), max_size=4)


@settings(max_examples=200)
@given(param=params, value=st.one_of(id_lists, id_lists.map(tuple), anything()))
@example(param="goals", value=[1, True])
@example(param="goals", value=[UNPRINTABLE])
@example(param="goals", value=[MAX_INT64 + 1])
def test_id_list_is_a_list_of_names_and_64_bit_ids(param, value):
    result, error = attempt(check.id_list, param, value)
    documented = isinstance(value, (list, tuple)) and all(
        (is_int(item) and 0 <= item <= MAX_INT64) or sendable_text(item) for item in value
    )
    if documented:
        assert error is None and result == list(value) and type(result) is list
    else:
        assert_invalid(error, param, value, accepted="a list of ids or names")


DEFAULT_SEGMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._~-]*")
# One URL path segment, percent-encoded: unreserved characters and %XX escapes only.
QUOTED_SEGMENT = re.compile(r"(?:[A-Za-z0-9._~-]|%[0-9A-F]{2})+")
segment_values = st.one_of(
    anything(),
    url_text,
    st.from_regex(r"[A-Za-z0-9.~_-]{1,12}", fullmatch=True),
    st.integers(0, MAX_INT64),
)


@settings(max_examples=300)
@given(param=params, value=segment_values)
@with_examples("value", PATH_ATTACKS, param="release_id")
def test_path_segment_is_one_segment_that_decodes_back_or_is_rejected(param, value):
    result, error = attempt(check.path_segment, param, value)
    if is_int(value) and 0 <= value <= MAX_INT64:
        assert error is None and result == str(int(value))
    elif isinstance(value, str) and DEFAULT_SEGMENT.fullmatch(value):
        assert error is None and result == value  # only unreserved characters: nothing to escape
    else:
        assert_invalid(error, param, value, accepted="an id or key of letters")


class Evil(int):
    """An int whose text is a path: only its digits may reach a URL."""

    def __str__(self) -> str:
        return "../admin"

    __repr__ = __format__ = lambda self, *args: "../admin"


LOOSE_PATTERNS = (
    LAUNCHDARKLY_KEY_PATTERN,
    AHA_ID_PATTERN,
    CRYPTLEX_ID_PATTERN,
    re.compile(r".+", re.DOTALL),  # a pattern that lets anything through
)


@settings(max_examples=300)
@given(param=params, value=segment_values, pattern=st.sampled_from(LOOSE_PATTERNS))
@example(param="flag_key", value="..", pattern=LOOSE_PATTERNS[-1])
@example(param="flag_key", value="a/../b", pattern=LOOSE_PATTERNS[-1])
@example(param="flag_key", value="\ud800", pattern=LOOSE_PATTERNS[-1])
@example(param="flag_key", value=Evil(3), pattern=LOOSE_PATTERNS[0])
def test_path_segment_never_gives_more_than_one_segment_whatever_the_pattern(param, value, pattern):
    """Even a pattern that lets '/', '%' or '..' through cannot make a value leave its segment."""
    result, error = attempt(check.path_segment, param, value, pattern=pattern)
    if error is not None:
        assert_invalid(error, param, value, accepted="an id or key of letters")
        return
    assert QUOTED_SEGMENT.fullmatch(result), result
    assert unquote(result, errors="strict") == (str(int(value)) if is_int(value) else value)
    assert unquote(result) not in (".", "..")
    assert is_int(value) or pattern.fullmatch(value)


documented_or_anything = st.one_of(
    moments.map(lambda value: ("documented", value)),
    anything().map(lambda value: ("anything", value)),
)


def _judge_moment(function, param, case, expected_form):
    """
    A datetime, a date or documented ISO 8601 text comes out in its wire form exactly when it lies
    in years 1 to 9999 in UTC. Anything else is rejected, or is text that an independent ISO 8601
    parser reads as a moment, and then comes out in that moment's wire form.
    """
    kind, value = case
    result, error = attempt(function, param, value)
    accepted = "a datetime, a date, or an ISO 8601 string"
    if kind == "documented" or isinstance(value, (dt.datetime, dt.date)):
        if utc_moment(value) is None:
            assert_invalid(error, param, value, accepted=accepted)
            return
        assert error is None, error
    elif error is not None:
        assert_invalid(error, param, value, accepted=accepted)
        return
    assert isinstance(value, (dt.datetime, dt.date, str)), value
    expected_form(result, value)


def _same_instant(result, value):
    assert result.utcoffset() == dt.timedelta(0)
    assert result.replace(tzinfo=None) == utc_moment(value)


def _iso8601_text(result, value):
    assert ISO8601_UTC.fullmatch(result), result
    assert result == utc_form(value)


year_one_datetimes = (
    dt.datetime(1, 1, 1, 5),
    dt.datetime(999, 12, 31, 23, 59, 59),
    dt.datetime(1, 1, 1, 0, 30, tzinfo=dt.timezone(dt.timedelta(hours=1))),
    dt.datetime(9999, 12, 31, 23, 0, tzinfo=dt.timezone(dt.timedelta(hours=-5))),
    dt.date(1, 1, 1),
    "0001-01-01T00:00:00-05:00",
    "0001-01-01",
)


@settings(max_examples=300)
@given(param=params, case=documented_or_anything)
@with_examples("case", tuple(("documented", value) for value in year_one_datetimes), param="created_at")
@example(param="release_start", case=("anything", "2024-13-01"))
@example(param="release_start", case=("anything", 1714560000))
def test_utc_datetime_is_the_same_instant_in_utc(param, case):
    _judge_moment(check.utc_datetime, param, case, _same_instant)


@settings(max_examples=300)
@given(param=params, case=documented_or_anything)
@with_examples("case", tuple(("documented", value) for value in year_one_datetimes), param="created_at")
def test_iso8601_utc_is_the_instant_as_yyyy_mm_ddThh_mm_ssZ(param, case):
    _judge_moment(check.iso8601_utc, param, case, _iso8601_text)


def _real_date(text: str) -> bool:
    year, month, day = (int(part) for part in text.split("-"))
    return year >= 1 and 1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]


date_texts = st.one_of(
    st.dates().map(dt.date.isoformat),
    st.from_regex(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", fullmatch=True),
    st.from_regex(r"\d{4}-\d{2}-\d{2}", fullmatch=True),  # digits of any script
)


@settings(max_examples=300)
@given(param=params, value=st.one_of(date_texts, moments, anything()))
@example(param="release_date", value="2023-02-29")
@example(param="release_date", value="\u0662\u0660\u0662\u0664-01-01")
@example(param="release_date", value=dt.datetime(2024, 12, 31, 23, 30, tzinfo=dt.timezone.utc))
def test_calendar_date_is_yyyy_mm_dd_of_its_own_calendar(param, value):
    result, error = attempt(check.calendar_date, param, value)
    if isinstance(value, dt.date) or (
        isinstance(value, str) and CALENDAR_DATE.fullmatch(value) and _real_date(value)
    ):
        assert error is None, error
        assert CALENDAR_DATE.fullmatch(result) and result == own_date_form(value)
    else:
        assert_invalid(error, param, value, accepted="a date, a datetime, or a string 'YYYY-MM-DD'")


KNOWN = ("name", "version", "channel", "platforms")
names = st.one_of(st.sampled_from(KNOWN), st.text(max_size=10), st.integers(), st.none())


@settings(max_examples=200)
@given(
    param=params,
    given_names=st.one_of(
        st.lists(names, max_size=5),
        st.dictionaries(st.one_of(st.sampled_from(KNOWN), st.text(max_size=10)), st.integers(), max_size=4),
        st.none(),
        st.integers(),
    ),
)
@example(param="fields", given_names=["nmae", 1])
@example(param="fields", given_names=[["a"], UNPRINTABLE])
def test_reject_unknown_names_every_unknown_field(param, given_names):
    result, error = attempt(check.reject_unknown, param, given_names, KNOWN)
    iterable = isinstance(given_names, (list, dict))
    unknown = [name for name in given_names if name not in KNOWN] if iterable else []
    if iterable and not unknown:
        assert error is None and result is None
        return
    assert_invalid(error, param, accepted="field names among " + ", ".join(sorted(KNOWN)))
    if iterable and isinstance(error.value, list):  # each unknown name once (if it can be shown)
        distinct = []
        for name in unknown:
            if name not in distinct:
                distinct.append(name)
        assert len(error.value) == len(distinct)
        assert all(name in error.value for name in distinct)
