"""
Test DAGs of LaunchDarkly environment releases, with ``retries=2`` and no retry delay
(``tests/operators/test_environment_release_runs.py`` sets the sandbox up): start a release and
wait for it; wait on a release that regresses; start on a flag that is off.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import DAG

from airflow_provider_releases.assets import launchdarkly_flag_asset
from airflow_provider_releases.operators.launchdarkly_environment import (
    LaunchDarklyStartEnvironmentReleaseOperator,
)
from airflow_provider_releases.sensors.launchdarkly import LaunchDarklyEnvironmentReleaseSensor

WHERE = {"project_key": "default", "flag_key": "new-checkout", "environment_key": "production"}
KIND = {"contextKind": "user", "attribute": "kind", "op": "in", "values": ["user"]}
FLAG_IN_PRODUCTION = launchdarkly_flag_asset("default", "new-checkout", "production")
STEPS = [{"allocation": 25_000, "durationMillis": 60_000}, {"allocation": 100_000, "durationMillis": 60_000}]


def start() -> LaunchDarklyStartEnvironmentReleaseOperator:
    return LaunchDarklyStartEnvironmentReleaseOperator(
        task_id="start",
        target_variation=True,
        original_variation=False,
        randomization_unit="user",
        phases=[{"clauses": [KIND], "description": "Everyone", "steps": STEPS}],
        **WHERE,
    )


def wait(**kwargs) -> LaunchDarklyEnvironmentReleaseSensor:
    return LaunchDarklyEnvironmentReleaseSensor(
        task_id="wait", poke_interval=0.05, timeout=60, **WHERE, **kwargs
    )


def start_and_wait() -> None:
    """Both tasks put their milestone on the flag's asset in production."""
    started = start()
    started.outlets = [FLAG_IN_PRODUCTION]
    waited = wait(release_id="{{ ti.xcom_pull(task_ids='start')['id'] }}", outlets=[FLAG_IN_PRODUCTION])
    waited.set_upstream(started)


TASKS = {
    "envrel_start_and_wait": start_and_wait,
    "envrel_wait": lambda: wait(),
    "envrel_start": start,
}

for dag_id, build in TASKS.items():
    with DAG(
        dag_id,
        schedule=None,
        start_date=datetime(2026, 1, 1),
        catchup=False,
        default_args={"retries": 2, "retry_delay": timedelta(0)},
        tags=["test"],
    ):
        build()
