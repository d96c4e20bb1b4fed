"""
Strategies and checks shared by the property tests.

Values: :func:`anything` draws what a user might pass by mistake (text of any script, with lone
surrogates, URL metacharacters or 50 000 characters; ints past 64 bits and past the 4300 digits
Python prints; NaN and infinities; bytes, lists, dicts; dates and datetimes). The datetimes sit
where time zone code breaks: around DST gaps and folds (Berlin, New York, Lord Howe's 30-minute
shift, Chatham, the day Samoa skipped) and around the turn of a year, down to year 1 and up to
9999, naive and aware, pendulum's too.

Checks: :func:`assert_invalid` is what every rejection must look like, :func:`utc_form` and
:func:`own_date_form` compute the documented wire form of a moment without the code under test,
and :func:`answering_any_request` records what a hook sends.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit
from zoneinfo import ZoneInfo

import pendulum
import requests_mock
from hypothesis import example
from hypothesis import strategies as st

from airflow_provider_releases.exceptions import InvalidParameterError

# The widest integer an id, an index or a count may have on the wire: a signed 64-bit value.
MAX_INT64 = 2**63 - 1

# ---------------------------------------------------------------------------------------------
# Text

# Characters that change what a URL means when they reach it unescaped, and look-alikes of '/'.
URL_CHARACTERS = "/\\.%?#&=+:;@ \t\n\r~_-aZ09\x00\u00fc\u00df\u2215\u2044\uff0f\u3000\u00a0"

any_text = st.text(max_size=40)  # any Unicode except lone surrogates
surrogate_text = st.text(st.characters(exclude_categories=()), max_size=8)  # lone surrogates too
url_text = st.text(st.sampled_from(URL_CHARACTERS), max_size=12)
huge_text = st.builds(
    lambda unit, count: unit * count,
    st.sampled_from(["x", "\u00e9", "a/", " ", "\U0001f600", "9"]),
    st.integers(257, 50_000),
)
texts = st.one_of(any_text, surrogate_text, url_text, huge_text)
nonblank_text = st.text(min_size=1, max_size=40).filter(str.strip)


def has_surrogate(text: str) -> bool:
    """Whether ``text`` holds a lone surrogate, which no UTF-8 request can carry."""
    return any(0xD800 <= ord(char) <= 0xDFFF for char in text)


def nonblank_text_upto(size: int) -> st.SearchStrategy[str]:
    """Strings of 1 to ``size`` characters, not all white space, without lone surrogates."""
    return st.one_of(
        st.text(min_size=1, max_size=min(size, 40)),
        st.builds(lambda unit, count: unit * count, st.sampled_from("x\u00e9\U0001f600"), st.just(size)),
    ).filter(str.strip)


# ---------------------------------------------------------------------------------------------
# Numbers

integers = st.one_of(
    st.integers(),
    st.integers(MAX_INT64 - 2, MAX_INT64 + 2),
    st.integers(-MAX_INT64 - 3, -MAX_INT64 + 1),
    # Python refuses to print an int of more than 4300 digits: repr() and str() raise ValueError.
    st.builds(lambda sign, digits: sign * 10**digits, st.sampled_from([1, -1]), st.integers(4290, 4400)),
)
floats = st.floats()  # NaN, infinities, -0.0 and subnormals included

# ---------------------------------------------------------------------------------------------
# Dates and times

UTC = dt.timezone.utc
ZONE_NAMES = (
    "Europe/Berlin",
    "America/New_York",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "Pacific/Apia",
    "Pacific/Kiritimati",
    "America/St_Johns",
    "Asia/Kathmandu",
    "UTC",
)
# Wall-clock times at which a zone's offset changes: clocks jump forward (a gap of times that
# never happened) or back (a fold of times that happened twice, told apart by ``fold``).
TRANSITIONS = (
    ("Europe/Berlin", dt.datetime(2024, 3, 31, 2, 0)),
    ("Europe/Berlin", dt.datetime(2024, 10, 27, 2, 0)),
    ("America/New_York", dt.datetime(2024, 3, 10, 2, 0)),
    ("America/New_York", dt.datetime(2024, 11, 3, 1, 0)),
    ("Australia/Lord_Howe", dt.datetime(2024, 4, 7, 1, 30)),
    ("Australia/Lord_Howe", dt.datetime(2024, 10, 6, 2, 0)),
    ("Pacific/Chatham", dt.datetime(2024, 4, 7, 2, 45)),
    ("Pacific/Apia", dt.datetime(2011, 12, 30, 0, 0)),
)
# Turns of a year, including the first and the last moment a datetime can hold.
YEAR_TURNS = (
    *(dt.datetime(year, 1, 1) for year in (1, 2, 1000, 1970, 2000, 2025, 9999)),
    dt.datetime.max.replace(microsecond=0),
)


class NoOffsetZone(dt.tzinfo):
    """A time zone that knows no offset: its datetimes count as naive."""

    def utcoffset(self, moment):
        return None

    def dst(self, moment):
        return None

    def tzname(self, moment):
        return None

    def __repr__(self) -> str:
        return "NoOffsetZone()"


zones = st.one_of(
    st.sampled_from([ZoneInfo(name) for name in ZONE_NAMES]),
    st.timezones(),
    st.builds(
        dt.timezone,
        st.timedeltas(
            min_value=dt.timedelta(hours=-23, minutes=-59), max_value=dt.timedelta(hours=23, minutes=59)
        ),
    ),
)


def _shift(moment: dt.datetime, minutes: int) -> dt.datetime:
    try:
        return moment + dt.timedelta(minutes=minutes)
    except OverflowError:
        return moment


near_transitions = st.builds(
    lambda transition, minutes, fold: _shift(transition[1], minutes).replace(
        tzinfo=ZoneInfo(transition[0]), fold=fold
    ),
    st.sampled_from(TRANSITIONS),
    st.integers(-180, 180),
    st.integers(0, 1),
)
naive_near_year_turns = st.builds(
    lambda turn, minutes, second: _shift(turn, minutes).replace(second=second),
    st.sampled_from(YEAR_TURNS),
    st.integers(-36 * 60, 36 * 60),
    st.integers(0, 59),
)
naive_datetimes = st.one_of(
    naive_near_year_turns,
    near_transitions.map(lambda moment: moment.replace(tzinfo=None)),
    st.datetimes(),
)
aware_datetimes = st.one_of(
    near_transitions,
    st.builds(
        lambda moment, zone, fold: moment.replace(tzinfo=zone, fold=fold),
        naive_near_year_turns,
        zones,
        st.integers(0, 1),
    ),
    st.datetimes(timezones=zones),
    naive_datetimes.map(lambda moment: moment.replace(tzinfo=NoOffsetZone())),
)
pendulum_datetimes = near_transitions.map(pendulum.instance)
datetimes = st.one_of(naive_datetimes, aware_datetimes, pendulum_datetimes)
dates = st.one_of(st.dates(), naive_near_year_turns.map(dt.datetime.date))


def _iso_text(moment: dt.datetime, sep: str, zulu: bool) -> str:
    text = moment.isoformat(sep=sep)
    return text[:-6] + "Z" if zulu and text.endswith("+00:00") else text


def _whole_minute_offset(moment: dt.datetime) -> bool:
    """ISO 8601 offsets are whole minutes (local mean times such as +00:53:28 are not)."""
    offset = moment.utcoffset()
    return offset is None or offset % dt.timedelta(minutes=1) == dt.timedelta(0)


iso_strings = st.one_of(
    st.builds(
        _iso_text,
        st.one_of(naive_datetimes, aware_datetimes.filter(_whole_minute_offset)),
        st.sampled_from("T "),
        st.booleans(),
    ),
    dates.map(dt.date.isoformat),
)
# Everything a datetime parameter documents: datetime, date, ISO 8601 text.
moments = st.one_of(datetimes, dates, iso_strings)


def utc_moment(value: Any) -> dt.datetime | None:
    """
    The moment ``value`` stands for, as a naive UTC datetime, or ``None`` when it is outside years
    1 to 9999 in UTC. Computed without the code under test: an offset is subtracted by hand, a
    naive datetime or a date counts as UTC, and text is read by pendulum's ISO 8601 parser.
    """
    if isinstance(value, str):
        value = pendulum.parse(value.strip())
    if isinstance(value, dt.datetime):
        offset = value.utcoffset()
        try:
            return value.replace(tzinfo=None) - (offset or dt.timedelta(0))
        except OverflowError:
            return None
    return dt.datetime(value.year, value.month, value.day)


def utc_form(value: Any, *, sep: str = "T", zone: str = "Z") -> str:
    """The documented UTC wire form of ``value``: ``YYYY-MM-DD<sep>HH:MM:SS<zone>``."""
    m = utc_moment(value)
    return f"{m.year:04d}-{m.month:02d}-{m.day:02d}{sep}{m.hour:02d}:{m.minute:02d}:{m.second:02d}{zone}"


def own_date_form(value: Any) -> str:
    """The documented calendar date of ``value``: a datetime's own date in its own time zone."""
    if isinstance(value, str):
        return value
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"


in_range_moments = moments.filter(lambda value: utc_moment(value) is not None)

# ---------------------------------------------------------------------------------------------
# Anything at all

scalars = st.one_of(
    st.none(),
    st.booleans(),
    integers,
    floats,
    texts,
    st.binary(max_size=12),
    dates,
    datetimes,
    iso_strings,
)
containers = st.one_of(
    st.lists(scalars, max_size=4),
    st.tuples(scalars, scalars),
    st.dictionaries(st.text(max_size=10), scalars, max_size=3),
    st.frozensets(st.one_of(st.text(max_size=4), st.integers()), max_size=3),
)


def anything() -> st.SearchStrategy[Any]:
    """Any value a user might pass, of any type, including the hard cases above."""
    return st.one_of(scalars, containers)


# Path parameters a caller could pass to reach another URL or break the one meant.
PATH_ATTACKS = (
    "a/b",
    "..",
    ".",
    "../admin",
    "a b",
    "%2F",
    "a%2Fb",
    "%2e%2e",
    "%",
    "\u00fcn\u00efcode",
    "a?b",
    "a#b",
    "a\\b",
    "a\u2215b",
    "a\uff0fb",
    "a\nb",
    "\ud800",
    "",
    " ",
    "\t",
    "x" * 10_000,
    "9" * 300,
    7,
    0,
    -1,
    MAX_INT64,
    MAX_INT64 + 1,
    10**5000,
    True,
    False,
    None,
    1.5,
    b"abc",
    ["a"],
)


def with_examples(name: str, values: tuple[Any, ...], **others: Any) -> Callable:
    """Decorate a property with ``@example(name=value, **others)`` for each of ``values``."""

    def decorate(test: Callable) -> Callable:
        for value in reversed(values):
            test = example(**others, **{name: value})(test)
        return test

    return decorate


# ---------------------------------------------------------------------------------------------
# Rejections


def assert_invalid(
    error: BaseException, param: str, value: Any = ..., *, accepted: str | None = None
) -> None:
    """
    ``error`` is the documented rejection: an ``InvalidParameterError`` (so a ``ValueError``)
    whose message is ``Invalid <param>=<repr of the value>: expected <accepted form>.``, the repr
    cut short for a huge value and described for one that cannot be printed.

    :param value: the value the message must show; by default the one the error carries.
    :param accepted: text the accepted form must start with.
    """
    assert isinstance(error, InvalidParameterError), repr(error)
    assert isinstance(error, ValueError)
    assert error.param == param, (error.param, param)
    assert error.accepted.strip()
    if accepted is not None:
        assert error.accepted.startswith(accepted), (error.accepted, accepted)
    message = str(error)
    head, tail = f"Invalid {param}=", f": expected {error.accepted}."
    assert message.startswith(head) and message.endswith(tail), message
    shown = message[len(head) : -len(tail)]
    value = error.value if value is ... else value
    try:
        full = repr(value)
    except ValueError:  # an int too long to print, or a container holding one
        assert re.fullmatch(r"<int of about \d+ digits>|<\w+ that cannot be printed>", shown), shown
        return
    if len(full) <= 80:
        assert shown == full, (shown, full)
    else:  # a huge value: the start of its repr and its length
        cut = re.fullmatch(r"(.+)\.\.\.\((\d+) chars\)", shown, re.DOTALL)
        assert cut and len(shown) <= 100, shown
        assert full.startswith(cut[1]) and int(cut[2]) == len(full), shown


# ---------------------------------------------------------------------------------------------
# Requests


# One answer that every hook method reads as success: each finds the key it unwraps, and every
# list is empty and on its last page.
ANY_ANSWER = {
    "success": True,
    "release": {"id": "r-1"},
    "releases": [],
    "release_phases": [],
    "items": [],
    "totalCount": 0,
    "pagination": {"total_records": 0, "total_pages": 1, "current_page": 1},
}


@dataclass(frozen=True)
class Sent:
    """A request as it reached the wire (or a URL a hook built): what a server would see."""

    method: str
    origin: str  # scheme://host
    segments: tuple[str, ...]  # the path split at '/', still percent-encoded
    query: dict[str, list[str]]
    content_length: str | None  # no other header: none may show credentials in a failure
    body: Any  # the JSON body, or None

    @classmethod
    def from_url(
        cls, url: str, method: str = "", content_length: str | None = None, body: Any = None
    ) -> Sent:
        parts = urlsplit(url)
        assert not parts.fragment, url
        assert parts.path.startswith("/"), url
        return cls(
            method=method,
            origin=f"{parts.scheme}://{parts.netloc}",
            segments=tuple(parts.path[1:].split("/")),
            query=parse_qs(parts.query, keep_blank_values=True),
            content_length=content_length,
            body=body,
        )

    @classmethod
    def from_request(cls, request: Any) -> Sent:
        body = None
        if request.headers.get("Content-Type") == "application/json":
            body = json.loads(request.body)
        return cls.from_url(request.url, request.method, request.headers.get("Content-Length"), body)

    def decoded_segments(self) -> tuple[str, ...]:
        return tuple(unquote(segment, errors="strict") for segment in self.segments)


@contextmanager
def answering_any_request() -> Iterator[requests_mock.Mocker]:
    """Answer every request to any URL with :data:`ANY_ANSWER`, recording what was sent."""
    with requests_mock.Mocker(case_sensitive=True) as mock:
        mock.register_uri(requests_mock.ANY, requests_mock.ANY, json=ANY_ANSWER)
        yield mock
