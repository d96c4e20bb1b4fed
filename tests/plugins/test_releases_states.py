"""
The Releases page's states for steps that did not simply succeed: a wait that failed on what the
vendor said, a poking wait between checks, and a re-run's create step that found its release
already shipped or published.
"""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_releases.milestones import Service, wait_status
from airflow_provider_releases.plugins.releases_model import ServiceState
from airflow_provider_releases.plugins.releases_view import build_versions
from tests.helpers.release_records import at, only, run, task


@pytest.mark.parametrize(
    ("reason", "state"),
    [
        ("waiting_regression_detected", ServiceState.REGRESSION),
        ("reverted_regression_detected", ServiceState.REVERTED),
        (None, ServiceState.FAILED),
    ],
)
def test_a_wait_that_failed_on_the_vendors_word_shows_that_word(
    reason: str | None, state: ServiceState
) -> None:
    message = (
        "LaunchDarkly release of flag 'f' in 'production' is paused on a regression of metric(s) 'latency'"
    )
    failed = wait_status("error", message, reason, at(6).isoformat())
    tasks = [
        task("LaunchDarklyStartEnvironmentReleaseOperator", "start_release", "success", 1),
        task("LaunchDarklyEnvironmentReleaseSensor", "wait_release", "failed", 6, wait=failed),
    ]

    row = only(build_versions([], [run(state="failed", version="9.7")], tasks))

    cell = row.cell(Service.LAUNCHDARKLY)
    assert (cell.state, cell.task_id, cell.message) == (state, "wait_release", message)


def test_a_poking_wait_between_checks_is_waiting_not_in_progress() -> None:
    pending = wait_status(
        "pending", "phase 1 of 2 is complete, and the release waits", "waiting_phase_ended", "x"
    )
    tasks = [task("LaunchDarklyEnvironmentReleaseSensor", "wait_release", "running", 2, wait=pending)]

    row = only(build_versions([], [run(state="running", version="9.8")], tasks))

    assert row.cell(Service.LAUNCHDARKLY).state is ServiceState.MANUAL_ADVANCE


@pytest.mark.parametrize(
    ("operator", "result", "service", "state"),
    [
        (
            "AhaCreateReleaseOperator",
            {"reference_num": "PRJ1-R-9", "released": True},
            Service.AHA,
            ServiceState.SHIPPED,
        ),
        (
            "AhaCreateReleaseOperator",
            {"reference_num": "PRJ1-R-9", "released": False},
            Service.AHA,
            ServiceState.CREATED,
        ),
        (
            "CryptlexCreateReleaseOperator",
            {"version": "9.9", "published": True},
            Service.CRYPTLEX,
            ServiceState.PUBLISHED,
        ),
        (
            "CryptlexCreateReleaseOperator",
            {"version": "9.9", "published": False},
            Service.CRYPTLEX,
            ServiceState.DRAFT,
        ),
    ],
)
def test_a_rerun_create_step_that_found_the_release_shipped_or_published_says_so(
    operator: str, result: dict[str, Any], service: Service, state: ServiceState
) -> None:
    tasks = [task(operator, "create", "success", 1, result=result)]

    row = only(build_versions([], [run(version="9.9")], tasks))

    assert row.cell(service).state is state
