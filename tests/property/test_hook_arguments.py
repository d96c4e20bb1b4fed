"""
Every other argument of every hook method: body fields, query parameters, release fields.

Each argument is driven with documented values and with anything at all while the others stay
valid. A documented value must go out, in the documented wire form, at its documented place in
the query or JSON body of a request to the documented path. Anything else is either sent in that
same documented form (when it happens to be one) or rejected with an ``InvalidParameterError``
naming the argument before any request is sent.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from airflow_provider_releases.hooks.aha import AhaHook
from airflow_provider_releases.hooks.cryptlex import CryptlexHook
from tests.property.hook_calls import (
    AHA_FIELDS,
    ARGS,
    CRYPTLEX_FIELDS,
    MISSING,
    Arg,
    Call,
    Field,
    assert_rejected_before_sending,
    assert_sent_to_documented_path,
    body_at,
    call,
    run,
)
from tests.property.strategies import anything, assert_invalid


def as_json(value: Any) -> Any:
    """``value`` as a JSON body carries it (tuples become lists)."""
    return json.loads(json.dumps(value))


def judge(arg: Arg, value: Any, documented: bool) -> None:
    """Call with ``value``: a documented value goes out in its wire form; anything else too, or is
    rejected before anything is sent."""
    args = {**arg.call.args, **arg.extra, arg.name: value}
    outcome = run(arg.call, args)
    if arg.accepts is not None:  # which values go out is pinned down exactly
        assert (outcome.error is None) == arg.accepts(value), outcome.error or outcome.sent
    if outcome.error is not None:
        assert not documented, f"documented value rejected: {outcome.error}"
        assert_rejected_before_sending(outcome, arg.name)
        return
    assert_sent_to_documented_path(arg.call, outcome, args)
    found = arg.read(outcome.sent[0])
    if value is None and arg.optional:
        assert found is MISSING, f"None sent as {found!r} in {arg.read.where}"
    else:
        assert found == as_json(arg.form(value)), f"{arg.read.where}: {found!r}"


AHA_CREATE = call(AhaHook, "create_release")
AHA_UPDATE = call(AhaHook, "update_release")
CRYPTLEX_UPDATE = call(CryptlexHook, "update_release")
# An update changes at least one field: when the field under test is the one the valid arguments
# change (``name``), another one is changed too, so that leaving it out is no empty update.
OTHER_FIELD = {AhaHook: {"theme": "Our first big release"}, CryptlexHook: {"notes": "Fixed a crash"}}


def field_arg(release_call: Call, field: Field) -> Arg:
    """A release field as an argument: Aha! wraps fields in ``{"release": {...}}``, Cryptlex not."""
    keys = ("release", field.name) if release_call.hook is AhaHook else (field.name,)
    updating = release_call.method == "update_release"
    other = OTHER_FIELD[release_call.hook] if updating and field.name == "name" else {}
    accepts = field.accepts and (lambda value: value is None or field.accepts(value))
    return Arg(
        release_call,
        field.name,
        field.valid,
        body_at(*keys),
        field.form,
        extra={**other, **field.extra},
        accepts=accepts,
        edges=field.edges,
    )


ALL_ARGS = (
    *ARGS,
    *(field_arg(AHA_CREATE, field) for field in AHA_FIELDS),
    *(field_arg(AHA_UPDATE, field) for field in AHA_FIELDS),
    *(field_arg(CRYPTLEX_UPDATE, field) for field in CRYPTLEX_FIELDS),
)
HARD_CASES = tuple((arg, edge) for arg in ALL_ARGS for edge in arg.edges)


@pytest.mark.parametrize("arg", ALL_ARGS, ids=str)
@settings(max_examples=25)
@given(data=st.data())
def test_an_argument_goes_out_in_its_documented_form_or_nothing_is_sent(arg, data):
    documented = data.draw(st.booleans(), label="documented")
    value = data.draw(arg.valid if documented else anything(), label=arg.name)
    judge(arg, value, documented)


@pytest.mark.parametrize(
    ("arg", "value"), HARD_CASES, ids=[f"{arg}-{index}" for index, (arg, _) in enumerate(HARD_CASES)]
)
def test_a_hard_case_goes_out_in_its_documented_form_or_nothing_is_sent(arg, value):
    """Each argument's known hard cases, every run: other scripts' digits, commas, NaN, 2**63."""
    judge(arg, value, documented=False)


@pytest.mark.parametrize("release_call", [AHA_CREATE, AHA_UPDATE, CRYPTLEX_UPDATE], ids=str)
@settings(max_examples=25)
@given(name=st.text(max_size=30), value=anything())
def test_an_unknown_release_field_is_rejected_by_name_before_sending(release_call, name, value):
    known = {field.name for field in (AHA_FIELDS if release_call.hook is AhaHook else CRYPTLEX_FIELDS)}
    assume(name not in known and name not in release_call.args and name != "self")
    outcome = run(release_call, {**release_call.args, name: value})
    assert outcome.sent == []
    assert_invalid(outcome.error, "fields", accepted="field names among")
    assert outcome.error.value == [name]


@pytest.mark.parametrize(
    ("release_call", "fields"),
    [(AHA_UPDATE, AHA_FIELDS), (CRYPTLEX_UPDATE, CRYPTLEX_FIELDS)],
    ids=["Aha", "Cryptlex"],
)
@settings(max_examples=10)
@given(data=st.data())
def test_an_update_without_a_field_to_change_sends_nothing(release_call, fields, data):
    """Fields given as None are left out; when none is left, nothing is sent."""
    names = st.sampled_from([field.name for field in fields])
    given_fields = data.draw(st.dictionaries(names, st.none(), max_size=3), label="fields")
    args = {name: value for name, value in release_call.args.items() if name != "name"}
    outcome = run(release_call, {**args, **given_fields})
    assert outcome.sent == []
    assert_invalid(outcome.error, "fields", given_fields, accepted="at least one")
