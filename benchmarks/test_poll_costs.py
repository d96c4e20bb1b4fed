"""Checks of the request accounting and the rate-limit table (no timing): ``python -m pytest benchmarks``."""

from __future__ import annotations

import pytest

from benchmarks.poll_costs import PollCosts, poll_costs
from benchmarks.rate_limits import Limit, max_waits, table
from benchmarks.sandbox_probe import Probe

STARTED, READY = 100.0, 103.0


def test_probe_tells_own_reads_list_pages_and_the_rest_apart() -> None:
    probe = Probe()
    probe.note("GET", "/launchdarkly/api/v2/flags/bench/flag-00001/release")
    probe.note("GET", "/launchdarkly/api/v2/projects/bench/release-pipelines/p/releases?limit=20&offset=40")
    probe.note("PUT", "/launchdarkly/api/v2/projects/bench/flags/flag-00001/release")
    probe.note("GET", "/aha/api/v1/releases/1")  # another service: not noted
    assert [note[1:] for note in probe.notes] == [
        ("own", "flag-00001"),
        ("list", "limit=20&offset=40"),
        ("other", ""),
    ]
    assert probe.flags_read == {"flag-00001"}
    probe.clear()
    assert probe.notes == [] and probe.flags_read == set()


def test_first_reads_and_steady_intervals_are_counted_apart() -> None:
    notes = [
        [99.0, "own", "flag-0"],  # before the run: ignored
        [100.5, "own", "flag-0"],
        [101.0, "own", "flag-1"],
        [102.0, "own", "flag-0"],
        [102.5, "list", ""],
        [103.1, "list", "limit=20"],
        [103.2, "list", "limit=20&offset=20"],
        [103.5, "own", "flag-1"],
        [105.2, "list", "offset=0"],
        [107.0, "own", "flag-0"],  # after the last interval: ignored
    ]
    costs = poll_costs(
        notes, started=STARTED, ready=READY, changes=[[103.05, 1], [104.0, 2]], intervals=2, poll_interval=2.0
    )
    assert (costs.first.own, costs.first.list, costs.first_flags, costs.first_seconds) == (3, 1, 2, 3.0)
    first, second = costs.steady
    assert (first.own, first.list, first.list_reads, first.changed, first.total) == (1, 2, 1, 3, 3)
    assert (second.own, second.list, second.list_reads, second.changed, second.total) == (0, 1, 1, 0, 1)
    assert costs.mean("total") == 2.0 and costs.within_goal()
    assert (first.reads, second.reads) == (2, 1) and costs.within_goal("reads")
    assert costs.page_size == 20  # LaunchDarkly's default when no limit is asked for
    assert PollCosts.from_dict(costs.as_dict()) == costs


def test_the_goal_is_missed_when_each_wait_polls_on_its_own() -> None:
    notes = [[READY + 0.1 * index, "own", f"flag-{index}"] for index in range(10)]
    costs = poll_costs(
        notes, started=STARTED, ready=READY, changes=[[READY, 1]], intervals=1, poll_interval=2.0
    )
    assert costs.steady[0].total == 10 and costs.steady[0].budget == 2
    assert not costs.within_goal() and costs.worst() is costs.steady[0]


def test_a_paginated_list_read_counts_once_as_a_read_but_per_page_as_requests() -> None:
    notes = [[READY + 0.1, "list", f"limit=20&offset={offset}"] for offset in range(0, 100, 20)]
    costs = poll_costs(notes, started=STARTED, ready=READY, changes=[], intervals=1, poll_interval=2.0)
    assert (costs.steady[0].reads, costs.steady[0].total, costs.page_size) == (1, 5, 20)
    assert costs.within_goal("reads") and not costs.within_goal("total")


def test_an_unknown_kind_or_clock_is_refused() -> None:
    with pytest.raises(ValueError, match="kind 'page'"):
        poll_costs(
            [[READY, "page", ""]], started=STARTED, ready=READY, changes=[], intervals=1, poll_interval=1
        )
    with pytest.raises(ValueError, match=r"ready=99\.0 is before started=100\.0"):
        poll_costs([], started=STARTED, ready=99.0, changes=[], intervals=1, poll_interval=1)


@pytest.mark.parametrize(
    ("poll_interval", "in_step", "expected"),
    [(60, False, 300), (60, True, 20), (10, False, 50), (10, True, 20), (0.5, True, 2)],
)
def test_aha_limits_give_the_waits_that_fit(poll_interval: float, in_step: bool, expected: int) -> None:
    aha = (Limit(300, 60), Limit(20, 1))
    assert max_waits(aha, poll_interval, in_step=in_step) == expected


def test_max_waits_refuses_what_it_cannot_compute() -> None:
    with pytest.raises(ValueError, match="poll_interval=0 must be a positive"):
        max_waits((Limit(50, 5),), 0)
    with pytest.raises(ValueError, match="at least one documented limit"):
        max_waits((), 60)


def test_table_has_a_row_per_vendor_computed_from_the_documented_numbers() -> None:
    lines = [
        line for line in table({1000: 10.0}, poll_intervals=(60.0,)).splitlines() if line.startswith("|")
    ]
    rows = {line.split(" | ")[0].lstrip("| "): line for line in lines[2:]}
    assert list(rows) == ["LaunchDarkly", "Amplitude", "Aha!", "Cryptlex"]
    assert "600 waits spread over the interval; 50 polling in step" in rows["Cryptlex"]
    assert "300 waits spread over the interval; 20 polling in step" in rows["Aha!"]
    assert "not documented" in rows["LaunchDarkly"]
    assert "0.17 per wait polled one by one" in rows["LaunchDarkly"]
    assert (
        "1,000 waits on one pipeline 1.7 shared (+ 0.17 per changed flag), 167 one by one"
        in rows["LaunchDarkly"]
    )
    assert "no wait polls it" in rows["Amplitude"]
