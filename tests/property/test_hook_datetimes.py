"""
Datetime parameters of the hooks around DST changes and the turn of a year.

Amplitude's ``release_start``/``release_end`` (``yyyy-MM-dd HH:mm:ss`` in UTC), Aha!'s
``updated_since`` and Cryptlex's ``createdAt`` (``YYYY-MM-DDTHH:MM:SSZ``) carry an instant: an
aware datetime (zoneinfo or pendulum, in a gap or a fold), the naive UTC datetime of the same
instant (naive is read as UTC) and its ISO 8601 text all send the same text, or, outside years 1
to 9999 in UTC, are all rejected before sending. Aha!'s date fields carry a calendar date: a
datetime's own date in its own time zone.
"""

from __future__ import annotations

import datetime as dt

import pendulum
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from airflow_provider_releases.hooks.aha import AhaHook
from tests.property.hook_calls import (
    AHA_FIELDS,
    AMPLITUDE_CREATE,
    ARGS,
    amplitude_time,
    assert_rejected_before_sending,
    body_at,
    call,
    run,
)
from tests.property.strategies import (
    UTC,
    assert_invalid,
    aware_datetimes,
    in_range_moments,
    own_date_form,
    pendulum_datetimes,
    utc_moment,
)

INSTANT_ARGS = [
    arg for arg in ARGS if arg.name in ("release_start", "release_end", "updated_since", "created_at")
]
BERLIN = pendulum.timezone("Europe/Berlin")


def same_instant_forms(moment: dt.datetime) -> list:
    """``moment`` as given, and the same instant as naive UTC, aware UTC and ISO 8601 text."""
    instant = utc_moment(moment)
    if instant is None:
        return [moment]
    forms = [moment, instant, instant.replace(tzinfo=UTC), pendulum.instance(instant.replace(tzinfo=UTC))]
    if moment.utcoffset() is not None and moment.utcoffset() % dt.timedelta(minutes=1) == dt.timedelta(0):
        forms.append(moment.isoformat())
    return forms


@pytest.mark.parametrize("arg", INSTANT_ARGS, ids=str)
@settings(max_examples=40)
@given(moment=st.one_of(aware_datetimes, pendulum_datetimes))
@example(moment=dt.datetime(2024, 10, 27, 2, 30, fold=0, tzinfo=BERLIN))  # the first 02:30 (CEST)
@example(moment=dt.datetime(2024, 10, 27, 2, 30, fold=1, tzinfo=BERLIN))  # the second 02:30 (CET)
@example(moment=dt.datetime(2024, 3, 31, 2, 30, tzinfo=BERLIN))  # a time that never happened
@example(moment=dt.datetime(1, 1, 1, 0, 30, tzinfo=dt.timezone(dt.timedelta(hours=1))))  # year 0 in UTC
@example(moment=dt.datetime(9999, 12, 31, 23, 0, tzinfo=dt.timezone(dt.timedelta(hours=-5))))  # year 10000
@example(moment=dt.datetime(1, 1, 1, 4, 0, tzinfo=dt.timezone(dt.timedelta(hours=-5))))  # 0001 in UTC
def test_every_form_of_one_instant_sends_the_same_utc_text(arg, moment):
    instant = utc_moment(moment)
    sent = set()
    for value in same_instant_forms(moment):
        args = {**arg.call.args, **arg.extra, arg.name: value}
        outcome = run(arg.call, args)
        if instant is None:
            assert_rejected_before_sending(outcome, arg.name)
            assert "within years 1 to 9999 in UTC" in outcome.error.accepted
            continue
        assert outcome.error is None, (value, outcome.error)
        sent.add(arg.read(outcome.sent[0]))
    if instant is not None:
        assert sent == {arg.form(instant)}, (moment, sent)


@settings(max_examples=80)
@given(start=in_range_moments, end=in_range_moments)
@example(start=dt.datetime(2024, 1, 1), end=dt.datetime(999, 12, 31))  # year 999 sorts before 2024
@example(start=dt.datetime(2024, 10, 27, 2, 30, fold=1, tzinfo=BERLIN), end="2024-10-27T01:29:59Z")
@example(start="2024-10-27T01:30:00Z", end=dt.datetime(2024, 10, 27, 2, 30, fold=1, tzinfo=BERLIN))
def test_an_amplitude_release_may_not_end_before_it_starts(start, end):
    """Compared as instants, to the second Amplitude keeps: whatever the zones and forms given."""
    outcome = run(AMPLITUDE_CREATE, {**AMPLITUDE_CREATE.args, "release_start": start, "release_end": end})
    first, last = (utc_moment(value).replace(microsecond=0) for value in (start, end))
    if last >= first:
        assert outcome.error is None, outcome.error
        body = outcome.sent[0].body
        assert (body["release_start"], body["release_end"]) == (amplitude_time(start), amplitude_time(end))
    else:
        assert outcome.sent == []
        assert_invalid(outcome.error, "release_end", end, accepted="a time not before release_start")
        assert amplitude_time(start) in outcome.error.accepted


AHA_CREATE = call(AhaHook, "create_release")
DATE_FIELDS = [field.name for field in AHA_FIELDS if field.form is own_date_form]


@settings(max_examples=60)
@given(name=st.sampled_from(DATE_FIELDS), moment=st.one_of(aware_datetimes, pendulum_datetimes))
@example(
    name="release_date",
    moment=dt.datetime(2024, 12, 31, 23, 30, tzinfo=pendulum.timezone("America/New_York")),
)
@example(
    name="release_date", moment=dt.datetime(2025, 1, 1, 0, 30, tzinfo=pendulum.timezone("Pacific/Kiritimati"))
)
def test_an_aha_date_is_the_datetimes_own_calendar_date(name, moment):
    """Not the UTC date: 23:30 on Dec 31 in New York is Dec 31, though it is Jan 1 in UTC."""
    outcome = run(AHA_CREATE, {**AHA_CREATE.args, name: moment})
    assert outcome.error is None, outcome.error
    assert body_at("release", name)(outcome.sent[0]) == own_date_form(moment)
