"""
LaunchDarkly environment releases in real DAG runs (``dag.test()``) against the sandbox, with
``retries=2``: the task states and try numbers, and the message a failure ends with.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from airflow_provider_releases.hooks.launchdarkly import LaunchDarklyHook
from airflow_provider_releases_sandbox import Sandbox
from airflow_provider_releases_sandbox.dag_runs import run_dag
from tests.operators.test_milestones import asset_events

DAG_FILE = Path(__file__).parent / "dags" / "environment_releases.py"
WHERE = ("default", "new-checkout", "production")
RELEASES = "/api/v2/projects/default/flags/new-checkout/environments/production/releases"
SENSOR_FAILED = "airflow_provider_releases.sensors.base.ReleaseSensorFailed"
PERMANENT = "airflow_provider_releases.operators.failures.ReleasePermanentError"


def states(dag_run) -> dict[str, tuple[str, int]]:
    return {ti.task_id: (ti.state, ti.try_number) for ti in dag_run.get_task_instances()}


def raised(task_logs) -> list[str]:
    """The last line of each traceback the tasks logged: ``<exception class>: <message>``."""
    return [
        entry["exception"].strip().splitlines()[-1]
        for entry in task_logs.entries
        if entry["log_level"] == "error"
        and isinstance(entry.get("exception"), str)
        and entry["exception"].strip()
    ]


@pytest.fixture
def sb(release_sandbox: Sandbox) -> Sandbox:
    release_sandbox.set_time_scale(2000)  # a one-minute step lasts 30 ms
    return release_sandbox


def test_a_started_release_is_awaited_until_it_completes(sb: Sandbox, task_logs) -> None:
    run = run_dag(DAG_FILE, "envrel_start_and_wait")

    assert states(run) == {"start": ("success", 1), "wait": ("success", 1)}
    [release] = LaunchDarklyHook().list_environment_releases(*WHERE)
    assert (release["status"], release["statusReason"], release["kind"]) == (
        "completed",
        "completed_automatic",
        "progressive",
    )
    assert [(r.method, r.path, r.status) for r in sb.requests_to("launchdarkly", "POST")] == [
        ("POST", RELEASES, 201)
    ]
    asset = "launchdarkly://default/new-checkout?environment=production"
    page = f"{sb.url('launchdarkly')}/projects/default/flags/new-checkout?env=production"
    common = {
        "service": "launchdarkly",
        "project_key": "default",
        "flag_key": "new-checkout",
        "environment_key": "production",
        "release_id": release["id"],
        "kind": "progressive",
        "url": page,
    }
    assert asset_events(run) == {
        "start": [(asset, {**common, "action": "release_started", "status": "in_progress"})],
        "wait": [
            (
                asset,
                {
                    **common,
                    "action": "release_completed",
                    "status": "completed",
                    "status_reason": "completed_automatic",
                },
            )
        ],
    }


def test_a_regression_fails_the_wait_once_without_retries_naming_the_metric(sb: Sandbox, task_logs) -> None:
    sb.set_time_scale(1)
    hook = LaunchDarklyHook()
    ids = {item["value"]: item["_id"] for item in hook.get_flag("default", "new-checkout")["variations"]}
    kind = {"contextKind": "user", "attribute": "kind", "op": "in", "values": ["user"]}
    release = hook.start_environment_release(
        *WHERE,
        target_variation_id=ids[True],
        original_variation_id=ids[False],
        randomization_unit="user",
        phases=[{"clauses": [kind], "steps": [{"allocation": 10_000, "durationMillis": 3_600_000}]}],
        metrics=[{"metricKey": "checkout-errors", "autoRollback": True}],
    )
    sb.inject_regression(*WHERE, metric_key="checkout-errors")

    run = run_dag(DAG_FILE, "envrel_wait")

    assert states(run) == {"wait": ("failed", 1)}
    assert raised(task_logs) == [
        f"{SENSOR_FAILED}: LaunchDarkly guarded release {release['id']} (status 'reverted') of flag"
        " 'new-checkout' in environment 'production' of project 'default' was reverted: LaunchDarkly detected"
        " a regression of metric(s) 'checkout-errors' (reverted_regression_detected)."
    ]


def test_a_flag_that_is_off_fails_the_start_once_saying_to_turn_it_on(sb: Sandbox, task_logs) -> None:
    sb.set_flag_on(*WHERE, on=False)

    run = run_dag(DAG_FILE, "envrel_start")

    assert states(run) == {"start": ("failed", 1)}
    [line] = raised(task_logs)
    assert line.startswith(
        f"{PERMANENT}: Permanent failure (state does not allow it; connection 'launchdarkly_default'), not"
        " retried: LaunchDarkly refused to start a release of flag 'new-checkout' in environment 'production'"
        " of project 'default': LaunchDarkly start_environment_release (POST"
    ), line
    assert "turn its targeting on in LaunchDarkly" in line
    assert len(sb.requests_to("launchdarkly", "POST")) == 1
