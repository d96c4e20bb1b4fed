"""Outcome: the typed result of one check, and the plain JSON trigger events that carry it."""

from __future__ import annotations

import json
from dataclasses import FrozenInstanceError

import pytest

from airflow_provider_releases.waits.outcome import NotAnEvent, Outcome, WaitStatus, timeout_message

FINAL = [
    (
        Outcome.done({"_id": "ph-b", "complete": True}),
        {"status": "done", "value": {"_id": "ph-b", "complete": True}},
    ),
    (Outcome.done(None), {"status": "done", "value": None}),
    (Outcome.failed("the release was canceled"), {"status": "error", "message": "the release was canceled"}),
    (
        Outcome.timed_out("phase 'Beta' is not complete yet."),
        {"status": "timeout", "message": "phase 'Beta' is not complete yet."},
    ),
    (Outcome.timed_out(None), {"status": "timeout", "message": None}),
]


@pytest.mark.parametrize(("outcome", "event"), FINAL)
def test_a_final_outcome_is_the_plain_json_event_and_reads_back(outcome: Outcome, event: dict):
    assert outcome.to_event() == event
    wire = json.loads(json.dumps(outcome.to_event()))
    assert type(wire["status"]) is str and type(outcome.to_event()["status"]) is str  # no enum on the wire
    assert Outcome.from_event(wire) == outcome


@pytest.mark.parametrize(
    ("legacy", "expected"),
    [
        # what the triggers have always sent (before Outcome existed), read by new code
        ({"status": "done", "value": {"id": "rel-42"}}, Outcome.done({"id": "rel-42"})),
        ({"status": "error", "message": "gone"}, Outcome.failed("gone")),
        ({"status": "timeout", "message": "not yet"}, Outcome.timed_out("not yet")),
        # tolerated as the old execute_complete tolerated them
        ({"status": "timeout"}, Outcome.timed_out(None)),
        ({"status": "error"}, Outcome.failed("None")),
        ({"status": "done", "value": 1, "extra": "ignored"}, Outcome.done(1)),
    ],
)
def test_a_legacy_event_reads(legacy: dict, expected: Outcome):
    assert Outcome.from_event(legacy) == expected


def test_new_events_read_as_the_old_code_read_them():
    """The checks older sensors make on an event (``status`` a plain string, ``value`` present)."""
    for outcome, _ in FINAL:
        event = outcome.to_event()
        assert event["status"] in ("done", "error", "timeout")
        assert ("value" in event) is (event["status"] == "done")


@pytest.mark.parametrize(
    "event",
    [
        None,
        {},
        [],
        "done",
        {"status": "done"},
        {"status": "pending", "message": "x"},
        {"status": "DONE", "value": 1},
    ],
)
def test_anything_else_is_not_an_event(event):
    with pytest.raises(NotAnEvent) as caught:
        Outcome.from_event(event)
    assert str(caught.value) == f"Not a release trigger event: {event!r}"


def test_a_pending_outcome_is_no_event():
    with pytest.raises(NotAnEvent):
        Outcome.pending("not yet").to_event()


def test_outcomes_are_frozen_typed_values():
    outcome = Outcome.pending("rate limited", transient=True)
    assert (outcome.status, outcome.message, outcome.transient, outcome.value) == (
        WaitStatus.PENDING,
        "rate limited",
        True,
        None,
    )
    with pytest.raises(FrozenInstanceError):
        outcome.status = WaitStatus.DONE  # type: ignore[misc]
    assert [status for status in WaitStatus if status.is_final] == [
        WaitStatus.DONE,
        WaitStatus.ERROR,
        WaitStatus.TIMEOUT,
    ]
    assert WaitStatus.DONE == "done"


def test_log_pending_warns_only_when_transient():
    class Log:
        def __init__(self) -> None:
            self.lines: list[tuple[str, str]] = []

        def info(self, fmt: str, *args: object) -> None:
            self.lines.append(("info", fmt % args))

        def warning(self, fmt: str, *args: object) -> None:
            self.lines.append(("warning", fmt % args))

    log = Log()
    Outcome.pending("not yet").log_pending(log)
    Outcome.pending("503, will check again", transient=True).log_pending(log)
    assert log.lines == [("info", "not yet"), ("warning", "503, will check again")]


def test_timeout_message_with_and_without_a_last_check():
    assert timeout_message("X to ship", 90, "not shipped") == (
        "Timed out waiting for X to ship after the sensor's timeout of 90 s. Last check: not shipped"
    )
    assert (
        timeout_message("X to ship", 0.5, None)
        == "Timed out waiting for X to ship after the sensor's timeout of 0.5 s."
    )
