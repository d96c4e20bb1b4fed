"""
Path parameters of every hook method: project and flag keys, pipeline keys, phase ids, product
and release ids, file names.

Whatever is passed (``a/b``, ``..``, ``%2F``, white space, Unicode, huge text or ints, other
types), the call is either rejected with an ``InvalidParameterError`` naming the parameter before
any request goes out, or the request reaches exactly the documented path: the value is one path
segment that percent-decodes back to it, so it can never turn into another URL. Which values are
accepted is pinned to each vendor's documented id and key form (``hook_calls.PathRule``).
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.property.hook_calls import (
    PATH_PARAMS,
    assert_rejected_before_sending,
    assert_sent_to_documented_path,
    run,
)
from tests.property.strategies import MAX_INT64, PATH_ATTACKS, anything, url_text, with_examples

path_values = st.one_of(
    anything(),
    url_text,
    st.from_regex(r"[A-Za-z0-9._~-]{1,12}", fullmatch=True),
    st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_-]{250,260}", fullmatch=True),  # around Cryptlex's 256
    st.integers(0, MAX_INT64),
)


@pytest.mark.parametrize(
    ("call", "param"), PATH_PARAMS, ids=[f"{call}-{param}" for call, param in PATH_PARAMS]
)
@settings(max_examples=25)
@given(value=path_values)
@with_examples("value", PATH_ATTACKS)
def test_a_path_parameter_reaches_its_own_segment_or_nothing_is_sent(call, param, value):
    args = {**call.args, param: value}
    outcome = run(call, args)
    if call.accepts(param, value):
        assert_sent_to_documented_path(call, outcome, args)
    else:
        assert_rejected_before_sending(outcome, param)
