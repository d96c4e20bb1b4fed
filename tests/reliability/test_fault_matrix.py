"""
The fault matrix: every hook method, operator, sensor and trigger (rows) through every fault the
sandbox injects (columns), each cell asserting what the user sees and what the vendor holds.

A cell injects one fault into the call's key request, makes the call, and asserts:

- the outcome a user expects (``faults.expected_for``): retried and succeeded with the right
  value, waiting as long as a 429 asked; or failed with the error class that says how, its
  message naming the service, the call, the request and the cause, and saying whether the
  request may have taken effect; a write that may have taken effect was sent only once;
- for operators, what a task retry then does: a second try finds what the first made and
  succeeds, or, for an operator whose service cannot look it up, the first try fails without
  automatic retries;
- for sensors and triggers, that a failed read means "not yet" and the next check succeeds;
- the vendor's state: the call's effect happened exactly once, or not at all when the fault kept
  it from the vendor: never two objects where one was asked for, never a phase started twice.

The matrix is printed at the end of the run and written to ``build/reports/``.
"""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_releases.exceptions import ReleasesApiError
from airflow_provider_releases.operators.base import ReleaseNotRetried
from airflow_provider_releases.triggers.base import ReleasesBaseTrigger
from airflow_provider_releases_sandbox import Sandbox
from tests.reliability import report
from tests.reliability.calls import CALLS, VENDOR, Call
from tests.reliability.faults import (
    FAULTS,
    RETRY_AFTER,
    Expected,
    Fault,
    connection_test_cause,
    expected_for,
)
from tests.sensors.specs import TriggerClock

CELLS = [
    pytest.param(call, fault, id=f"{call.name}|{fault.column}")
    for call in CALLS
    for fault in FAULTS
    if report.applicable(call, fault.column)
]


@pytest.fixture
def no_trigger_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    """Triggers check again at once instead of sleeping their poll interval."""
    monkeypatch.setattr(ReleasesBaseTrigger, "clock", TriggerClock())


@pytest.mark.usefixtures("no_trigger_sleep")
@pytest.mark.parametrize(("call", "fault"), CELLS)
def test_cell(call: Call, fault: Fault, matrix_sandbox: Sandbox, make_context, tmp_path, sleeps, task_logs):
    sb = matrix_sandbox
    context: dict[str, Any] = {"make_context": make_context, "tmp_path": tmp_path}
    if call.setup:
        call.setup(sb, context)
    sb.clear_requests()
    sleeps.clear()
    sb.inject_fault(call.service, fault.kind, method=call.method, path=call.path, **fault.options)
    expected = expected_for(call.method, fault)
    outcome = "?"
    try:
        if call.layer == "hook":
            outcome = check_hook_call(sb, call, fault, expected, context, sleeps)
        elif call.layer == "connection test":
            outcome = check_connection_test(sb, call, fault, context, sleeps)
        elif call.layer == "operator":
            outcome = check_operator(sb, call, fault, expected, context, sleeps)
        else:
            outcome = check_wait(sb, call, fault, expected, context, task_logs)
        if call.effect is not None:
            sb.wait_idle()  # a slow answer's change lands after the client gave up
            once = int(expected.ok or fault.reaches_vendor or (call.layer == "operator" and call.retry_safe))
            effect = call.effect(sb, context)
            assert effect == once, f"the vendor shows the effect {effect} times, not {once}"
    except BaseException:
        report.record(call.name, fault.column, outcome, passed=False)
        raise
    report.record(call.name, fault.column, outcome, passed=True)


def key_requests(sb: Sandbox, call: Call) -> list:
    import re

    pattern = re.compile(call.path)
    return [entry for entry in sb.requests_to(call.service, call.method) if pattern.fullmatch(entry.path)]


def assert_waited_as_asked(fault: Fault, sleeps: list[float]) -> None:
    """A 429's wait was honoured: the first retry waited what the server asked (to the second)."""
    if fault.rate_limit:
        assert sleeps, "the call did not wait before retrying the 429"
        assert RETRY_AFTER - 1.5 <= sleeps[0] <= RETRY_AFTER + 1, sleeps


def assert_clear_error(error: BaseException | None, call: Call, expected: Expected, sb: Sandbox) -> None:
    """``error`` is the expected kind, and its message says who failed, where, why, and what it means."""
    assert isinstance(error, expected.error), f"expected {expected.error.__name__}, got {error!r}"
    assert isinstance(error, ReleasesApiError)
    message = str(error)
    operation = call.name.split(".")[1] if call.layer == "hook" else error.operation
    assert message.startswith(f"{VENDOR[call.service]} {operation} ({call.method} "), message
    assert expected.cause in message, message
    assert error.may_have_been_applied is expected.may_have_been_applied, message
    assert ("may have reached" in message) is expected.may_have_been_applied, message
    if expected.may_have_been_applied:
        sent = len(key_requests(sb, call))
        assert sent == 1, f"a write that may have taken effect was sent {sent} times"


def succeeded(sb, call, fault, expected, context, sleeps) -> tuple[bool, BaseException | None]:
    """
    Make the call; when it was expected to succeed, check it retried into the right value,
    waiting as a 429 asked. Return whether it was, and the error it raised, if any.
    """
    try:
        value, error = call.run(sb, context), None
    except Exception as exc:
        value, error = None, exc
    if not expected.ok:
        return False, error
    assert error is None, f"expected success after retrying, got {error!r}"
    call.check(value, context)
    assert len(key_requests(sb, call)) >= 2, "the fault was never met"
    assert_waited_as_asked(fault, sleeps)
    return True, None


def check_hook_call(sb, call, fault, expected, context, sleeps) -> str:
    ok, error = succeeded(sb, call, fault, expected, context, sleeps)
    if ok:
        return "retried"
    assert_clear_error(error, call, expected, sb)
    return f"failed: {type(error).__name__.removeprefix('ReleasesApi')}"


def check_connection_test(sb, call, fault, context, sleeps) -> str:
    """The UI's Test button makes one read without retries, and reports the failure, never raising."""
    ok, message = call.run(sb, context)
    assert ok is False, message
    assert message.startswith(f"{VENDOR[call.service]} test_connection (GET "), message
    assert connection_test_cause(fault) in message, message
    assert len(key_requests(sb, call)) == 1 and not sleeps, "a connection test retried"
    return "reported"


def check_operator(sb, call, fault, expected, context, sleeps) -> str:
    ok, error = succeeded(sb, call, fault, expected, context, sleeps)
    if ok:
        return "retried"
    if not call.retry_safe and expected.may_have_been_applied:
        assert isinstance(error, ReleaseNotRetried), f"expected ReleaseNotRetried, got {error!r}"
        assert_clear_error(error.__cause__, call, expected, sb)
        assert "Not retried automatically" in str(error) and str(error.__cause__) in str(error)
        return "failed, no auto-retry"
    assert_clear_error(error, call, expected, sb)
    # The task's next try comes after its retry_delay (5 minutes by default), by when a request
    # that was answered too late has landed.
    sb.wait_idle()
    call.check(call.run(sb, context), context)
    return f"failed: {type(error).__name__.removeprefix('ReleasesApi')} + task retry"


def check_wait(sb, call, fault, expected, context, task_logs) -> str:
    value = call.run(sb, context)
    call.check(value, context)
    reads = len(key_requests(sb, call))
    assert reads >= 2, "the fault was never met"
    if expected.ok:
        if call.layer == "sensor":
            assert context["pokes"] == [True], context["pokes"]
        return "retried"
    if call.layer == "sensor":
        assert context["pokes"] == [False, True], context["pokes"]
    warned = [w for w in task_logs.at("warning") if "could not be read this time; will check again" in w]
    assert any(expected.cause in w for w in warned), task_logs.at("warning")
    return "pending, then done"
