"""LaunchDarkly's rule book (``rules/launchdarkly.py``): how a phase is found, read and described, and how
its times are read."""

from __future__ import annotations

import pytest

from airflow_provider_releases.exceptions import InvalidParameterError
from airflow_provider_releases.rules.launchdarkly import (
    PHASE_START_STATUSES,
    PhaseStatus,
    audiences_requiring_approval,
    describe_moment,
    epoch_ms,
    find_phase,
    is_phase_start_status,
    phase_is_started,
    resolve_phase,
)

# Finding a phase


def test_phase_resolution_rules():
    numbered = [
        {"_id": "a", "_name": "1"},
        {"_id": "b", "_name": "Two"},
        {"_id": "c", "_name": "Two"},
    ]
    assert resolve_phase(numbered, "1")["_id"] == "a"  # a name wins over a position
    assert resolve_phase(numbered, 1)["_id"] == "b"  # an int is always a position
    assert resolve_phase(numbered, "2")["_id"] == "c"  # digits matching no name or id: a position
    assert resolve_phase(numbered, "c")["_id"] == "c"
    with pytest.raises(InvalidParameterError, match="a name that only one phase has"):
        resolve_phase(numbered, "Two")
    with pytest.raises(InvalidParameterError, match="position"):
        resolve_phase(numbered, 3)
    with pytest.raises(InvalidParameterError):
        resolve_phase(numbered, -1)
    with pytest.raises(InvalidParameterError):
        resolve_phase(numbered, True)


def test_find_phase_looks_at_ids_first_and_answers_none_when_nothing_matches():
    phases = [{"_id": "Beta", "_name": "Testing"}, {"_id": "ph-2", "_name": "Beta"}]
    assert find_phase(phases, "Beta") == 0  # an id is looked at before a name
    assert find_phase(phases, " ph-2 ") == 1  # surrounding blanks ignored
    assert find_phase(phases, "Testing") == 0
    assert find_phase(phases, "Launch") is None
    assert find_phase(phases, 2) is None  # past the end
    assert find_phase(phases, True) is None  # a bool is no position
    assert find_phase(phases, 1.0) is None


def test_an_unknown_phase_is_refused_listing_the_phases_there_are():
    phases = [{"_id": "ph-1", "_name": "Testing"}, {"_id": "ph-2", "_name": "Production"}]
    with pytest.raises(InvalidParameterError) as caught:
        resolve_phase(phases, "Beta")
    assert (caught.value.param, caught.value.value) == ("phase", "Beta")
    assert "0 'Testing' (id ph-1), 1 'Production' (id ph-2)" in str(caught.value)
    with pytest.raises(InvalidParameterError) as caught:
        resolve_phase([], 0)
    assert "the release has no phases" in str(caught.value)


# Reading a phase's state


@pytest.mark.parametrize(
    ("value", "status"),
    [
        ("active", PhaseStatus.ACTIVE),
        ("Started", PhaseStatus.STARTED),  # the docs' example answer
        (" READY-TO-START ", PhaseStatus.READY_TO_START),
        ("not-started", PhaseStatus.NOT_STARTED),
        ("completed", PhaseStatus.COMPLETED),
        ("complete", PhaseStatus.COMPLETE),
        ("done", None),
        ("", None),
        (None, None),
        (1, None),
    ],
)
def test_phase_status_read_takes_any_case_and_refuses_unknown_values(value, status):
    assert PhaseStatus.read(value) is status


def test_only_not_started_and_ready_to_start_are_not_started():
    assert {status for status in PhaseStatus if not status.is_started} == {
        PhaseStatus.NOT_STARTED,
        PhaseStatus.READY_TO_START,
    }
    assert PhaseStatus.ACTIVE.is_started is True
    assert PhaseStatus.COMPLETED.is_started is True


@pytest.mark.parametrize(
    ("phase", "started"),
    [
        ({"complete": True, "status": "not-started"}, True),  # complete is the truth, whatever the status
        ({"status": "active"}, True),
        ({"status": "Started"}, True),
        ({"started": True}, True),
        ({"_startedDate": "1700000000000"}, True),
        ({"status": "ready-to-start"}, False),
        ({"status": "not-started", "complete": False}, False),
        ({"status": "paused"}, False),  # a status it does not know is not taken as started
        ({"complete": "true"}, False),  # only the boolean true completes a phase
        ({}, False),
    ],
)
def test_phase_is_started(phase, started):
    assert phase_is_started(phase) is started


APPROVING = {"name": "Beta", "configuration": {"requireApproval": True}}


@pytest.mark.parametrize(
    ("phase", "approving"),
    [
        ({"_audiences": [APPROVING]}, [APPROVING]),
        ({"audiences": [{"name": "All"}, APPROVING]}, [APPROVING]),
        ({"_audiences": [{"configuration": {"requireApproval": False}}]}, []),
        ({"_audiences": [{"configuration": {"requireApproval": "yes"}}]}, []),
        ({"_audiences": [{"configuration": None}, "not a dict"]}, []),
        ({"_audiences": []}, []),
        ({}, []),
    ],
)
def test_the_audiences_requiring_approval_are_those_that_say_so(phase, approving):
    assert audiences_requiring_approval(phase) == approving


def test_is_phase_start_status_takes_the_documented_statuses_in_any_case():
    assert PHASE_START_STATUSES == ("active", "Started")
    for value in ("active", "ACTIVE", "Started", "started"):
        assert is_phase_start_status(value) is True
    for value in ("completed", "start", "", None, 1):
        assert is_phase_start_status(value) is False


# Times


@pytest.mark.parametrize(
    ("value", "read"),
    [
        (1684262711507, 1684262711507),  # int64 epoch milliseconds, as the spec says
        ("1684262711507", 1684262711507),  # a string of those digits, as some answers send
        (" 1684262711507 ", 1684262711507),
        (1684262711507.0, 1684262711507),
        (0, 0),
    ],
)
def test_epoch_ms_reads_ints_and_digit_strings(value, read):
    assert epoch_ms(value) == read
    assert type(epoch_ms(value)) is int


@pytest.mark.parametrize(
    "value",
    [True, False, None, "", "soon", "1684262711507ms", "-5", "1.5", "\uff11\uff12", 1.5, [1], {"ms": 1}],
)
def test_epoch_ms_refuses_anything_else(value):
    assert epoch_ms(value) is None


@pytest.mark.parametrize(
    ("value", "described"),
    [
        (1700000000000, "2023-11-14 22:13:20 UTC"),
        ("1700000000000", "2023-11-14 22:13:20 UTC"),
        (1700000000, "2023-11-14 22:13:20 UTC"),  # below the millisecond floor: seconds
        ("soon", "soon"),  # not a time: shown as it came
        (10**20, str(10**20)),  # out of range: shown as it came
    ],
)
def test_describe_moment_renders_a_time_in_utc(value, described):
    assert describe_moment(value) == described
