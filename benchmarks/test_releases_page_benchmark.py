"""
A check of the Releases page benchmark at a tiny size, no timing: that its seed is what the page
reads as releases, and that its table has the rows it claims
(``python -m pytest benchmarks/test_releases_page_benchmark.py``).
"""

from __future__ import annotations

from typing import Any

import pytest

from benchmarks.common import rows_from_json, run_child

FINISHED = {
    "aha": "shipped",
    "cryptlex": "published",
    "launchdarkly": "phase_completed",
    "amplitude": "annotated",
}


@pytest.fixture(scope="module")
def result() -> dict[str, Any]:
    """The benchmark run in its own process (its own Airflow home) on 6 finished and 4 ongoing versions."""
    return run_child(
        ["-m", "benchmarks.releases_page", "--versions", "6", "--in-progress", "4", "--repetitions", "1"],
        timeout=300,
    )


def test_the_seed_holds_runs_task_instances_events_and_approvals(result: dict[str, Any]) -> None:
    assert result["counts"] == {
        "runs": 10,
        "task instances": 100,  # release_chain's 9 steps and the plan, per run
        "milestone events": 6 * 4 + 2,  # the two runs waiting on an approval completed their phase
        "XComs": 6 * 4 + 4 * 4 + 6 * 4 + 2 + 2,  # returns and links, milestones, wait checks
        "approvals": 8,
        "pending approvals": 2,
    }


def test_the_page_reads_the_seed_as_releases(result: dict[str, Any]) -> None:
    checks = result["checks"]
    assert (checks["versions"], checks["approvals given"], checks["pending approvals"]) == (10, 6, 2)
    page = checks["first page"]
    assert list(page) == [f"1.0.{number}" for number in range(9, -1, -1)]  # newest first
    assert all(page[f"1.0.{number}"] == {"services": FINISHED, "pending approvals": 0} for number in range(6))
    waiting = {"aha": "created", "cryptlex": "draft", "amplitude": "not_started"}
    assert page["1.0.8"] == {"services": {**waiting, "launchdarkly": "regression"}, "pending approvals": 0}
    assert page["1.0.6"]["services"]["launchdarkly"] == "manual_advance"
    assert page["1.0.9"] == {
        "services": {**waiting, "launchdarkly": "phase_completed"},
        "pending approvals": 1,
    }


def test_the_table_has_the_endpoint_against_the_goal_and_its_parts(result: dict[str, Any]) -> None:
    rows = rows_from_json(result["rows"])
    assert [row.measure.split(" ")[0] for row in rows] == [
        "`GET",
        "`read_records`",
        "`build_versions`",
    ]
    assert rows[0].benchmark.startswith("5. Releases page (6 released versions + 4 in progress, 26 milestone")
    assert rows[0].goal == "< 1 s" and rows[0].passed is not None
    assert [row.passed for row in rows[1:]] == [None, None]
    assert result["markdown"].startswith("Benchmark 5's metadata database held 10 runs, 100 task instances")
