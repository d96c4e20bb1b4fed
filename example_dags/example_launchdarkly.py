"""
### Example: the LaunchDarkly operators and sensor

Attach a feature flag to a release pipeline, start the release's first phase, and wait (in the
triggerer) until a later phase is complete:

1. `preview_attach`: a dry run of the attach; it reads the flag's release and returns the
   request it would send, sending nothing that changes state.
2. `attach_flag_to_pipeline`: attach the flag to the pipeline (or find it already there).
3. `start_first_phase`: start the release's first phase (once; a started phase is left alone).
4. `wait_for_phase`: wait until the chosen phase is complete; its asset event says so.

The defaults point at the sandbox's project, flag and pipeline.
"""

from __future__ import annotations

# [START howto_launchdarkly_imports]
import os

import pendulum
from airflow.sdk import Param, chain, dag

from airflow_provider_releases.assets import launchdarkly_flag_asset
from airflow_provider_releases.operators.launchdarkly import (
    LaunchDarklyAttachFlagToPipelineOperator,
    LaunchDarklyStartPhaseOperator,
)
from airflow_provider_releases.sensors.launchdarkly import LaunchDarklyReleasePhaseSensor
from airflow_provider_releases.workflows import (
    DEFAULT_POLL_SECONDS,
    POLL_SECONDS_ENV,
    SANDBOX_TARGETS,
    retry_default_args,
)

PROJECT = SANDBOX_TARGETS["launchdarkly_project"]
FLAG = SANDBOX_TARGETS["flag"]
# [END howto_launchdarkly_imports]


@dag(
    dag_id="example_launchdarkly",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    default_args=retry_default_args(),  # transient failures: 2 retries, 30 s apart
    tags=["releases", "example", "launchdarkly"],
    doc_md=__doc__,
    params={
        "pipeline": Param(SANDBOX_TARGETS["pipeline"], type="string", minLength=1),
        "phase": Param(SANDBOX_TARGETS["phase"], type="string", minLength=1),
    },
)
def example_launchdarkly() -> None:
    # [START howto_operator_launchdarkly_attach_flag_dry_run]
    preview_attach = LaunchDarklyAttachFlagToPipelineOperator(
        task_id="preview_attach",
        project_key=PROJECT,
        flag_key=FLAG,
        release_pipeline_key="{{ params.pipeline }}",
        dry_run=True,
    )
    # [END howto_operator_launchdarkly_attach_flag_dry_run]

    # [START howto_operator_launchdarkly_attach_flag]
    attach = LaunchDarklyAttachFlagToPipelineOperator(
        task_id="attach_flag_to_pipeline",
        project_key=PROJECT,
        flag_key=FLAG,
        release_pipeline_key="{{ params.pipeline }}",
        launchdarkly_conn_id="launchdarkly_default",
    )
    # [END howto_operator_launchdarkly_attach_flag]

    # [START howto_operator_launchdarkly_start_phase]
    start_phase = LaunchDarklyStartPhaseOperator(
        task_id="start_first_phase",
        project_key=PROJECT,
        flag_key=FLAG,
        phase=0,  # a name ("Testing"), an _id, or a 0-based position
    )
    # [END howto_operator_launchdarkly_start_phase]

    # [START howto_sensor_launchdarkly_release_phase]
    wait_for_phase = LaunchDarklyReleasePhaseSensor(
        task_id="wait_for_phase",
        project_key=PROJECT,
        flag_key=FLAG,
        phase="{{ params.phase }}",
        deferrable=True,  # wait in the triggerer, not in a worker slot
        poke_interval=float(os.environ.get(POLL_SECONDS_ENV) or DEFAULT_POLL_SECONDS),
        timeout=3 * 24 * 3600,
        outlets=[launchdarkly_flag_asset(PROJECT, FLAG)],  # a phase_completed event
    )
    # [END howto_sensor_launchdarkly_release_phase]

    chain(preview_attach, attach, start_phase, wait_for_phase)


example_launchdarkly()
