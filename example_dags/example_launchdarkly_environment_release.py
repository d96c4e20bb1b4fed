"""
### Example: the LaunchDarkly environment release operators and sensor

Release a feature flag in one environment with a progressive environment release of two phases
(LaunchDarkly's successor of release pipelines), wait for the first phase, then roll the
release forward:

1. `preview_start`: a dry run of the start; it looks the flag's variations up and returns the
   request it would send, sending nothing that changes state.
2. `start_environment_release`: start the release (or adopt the one a retry already started).
3. `wait_for_first_phase`: wait (in the triggerer) until the release's first phase completes; a
   reverted release fails it at once.
4. `roll_forward`: stop the release, every phase serving the new variation.

`PROJECT`, `FLAG` and `ENVIRONMENT` are the sandbox's project, flag and environment.
"""

from __future__ import annotations

# [START howto_launchdarkly_environment_release_imports]
import os

import pendulum
from airflow.sdk import chain, dag

from airflow_provider_releases.assets import launchdarkly_flag_asset
from airflow_provider_releases.operators.launchdarkly_environment import (
    LaunchDarklyStartEnvironmentReleaseOperator,
    LaunchDarklyStopEnvironmentReleaseOperator,
)
from airflow_provider_releases.sensors.launchdarkly import (
    LaunchDarklyEnvironmentReleaseSensor,
)
from airflow_provider_releases.workflows import (
    DEFAULT_POLL_SECONDS,
    POLL_SECONDS_ENV,
    SANDBOX_ENVIRONMENT_TARGETS,
    retry_default_args,
)

PROJECT = SANDBOX_ENVIRONMENT_TARGETS["launchdarkly_project"]
FLAG = SANDBOX_ENVIRONMENT_TARGETS["flag"]
ENVIRONMENT = SANDBOX_ENVIRONMENT_TARGETS["environment"]
# [END howto_launchdarkly_environment_release_imports]

# [START howto_launchdarkly_environment_release_phases]
#: Two phases, each a new flag rule: internal users, then every user; 25%, then 100% each.
USERS = {"contextKind": "user", "attribute": "kind", "op": "in", "values": ["user"]}
STAFF = {
    "contextKind": "user",
    "attribute": "email",
    "op": "endsWith",
    "values": ["@example.com"],
}
STEPS = [
    {"allocation": 25_000, "durationMillis": 30 * 60_000},  # 25%: 1/1000 of a %
    {"allocation": 100_000, "durationMillis": 30 * 60_000},
]
PHASES = [
    {
        "description": "Internal users",
        "clauses": [USERS, STAFF],
        "steps": STEPS,
    },
    {"description": "Every user", "clauses": [USERS], "steps": STEPS},
]
# [END howto_launchdarkly_environment_release_phases]


@dag(
    dag_id="example_launchdarkly_environment_release",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    default_args=retry_default_args(),  # transient failures: 2 retries, 30 s apart
    tags=["releases", "example", "launchdarkly"],
    doc_md=__doc__,
)
def example_launchdarkly_environment_release() -> None:
    # [START howto_operator_launchdarkly_start_environment_release_dry_run]
    preview_start = LaunchDarklyStartEnvironmentReleaseOperator(
        task_id="preview_start",
        project_key=PROJECT,
        flag_key=FLAG,
        environment_key=ENVIRONMENT,
        target_variation=True,
        original_variation=False,
        phases=PHASES,
        advancement_mode="automatic",
        randomization_unit="user",
        dry_run=True,
    )
    # [END howto_operator_launchdarkly_start_environment_release_dry_run]

    # [START howto_operator_launchdarkly_start_environment_release]
    start = LaunchDarklyStartEnvironmentReleaseOperator(
        task_id="start_environment_release",
        project_key=PROJECT,
        flag_key=FLAG,
        environment_key=ENVIRONMENT,
        target_variation=True,  # a variation's value, or its _id
        original_variation=False,
        phases=PHASES,  # or release_plan_key="<an environment release plan>"
        advancement_mode="automatic",  # required with more than one phase
        randomization_unit="user",
        outlets=[launchdarkly_flag_asset(PROJECT, FLAG, ENVIRONMENT)],
    )
    # [END howto_operator_launchdarkly_start_environment_release]

    # [START howto_sensor_launchdarkly_environment_release]
    wait_for_first_phase = LaunchDarklyEnvironmentReleaseSensor(
        task_id="wait_for_first_phase",
        project_key=PROJECT,
        flag_key=FLAG,
        environment_key=ENVIRONMENT,
        release_id="{{ ti.xcom_pull(task_ids='start_environment_release')['id'] }}",
        phase_index=0,  # None: until the whole release completes
        fail_on_regression=True,  # a paused regression fails the wait too
        deferrable=True,  # wait in the triggerer, not in a worker slot
        poke_interval=float(os.environ.get(POLL_SECONDS_ENV) or DEFAULT_POLL_SECONDS),
        timeout=3 * 24 * 3600,
    )
    # [END howto_sensor_launchdarkly_environment_release]

    # [START howto_operator_launchdarkly_stop_environment_release]
    roll_forward = LaunchDarklyStopEnvironmentReleaseOperator(
        task_id="roll_forward",
        project_key=PROJECT,
        flag_key=FLAG,
        environment_key=ENVIRONMENT,
        resolution="roll_forward_all_phases",
        # None: the flag's running release in the environment
        release_id="{{ ti.xcom_pull(task_ids='start_environment_release')['id'] }}",
    )
    # [END howto_operator_launchdarkly_stop_environment_release]

    chain(preview_start, start, wait_for_first_phase, roll_forward)


example_launchdarkly_environment_release()
