"""Test DAGs: create the Aha! release, attach the flag, start its first phase, wait, annotate.

``release_chain_poke`` waits by poking, ``release_chain_deferred`` in the triggerer; both run
against the sandbox's default seed.
"""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import DAG

from airflow_provider_releases.operators.aha import AhaCreateReleaseOperator
from airflow_provider_releases.operators.amplitude import AmplitudeCreateReleaseOperator
from airflow_provider_releases.operators.launchdarkly import (
    LaunchDarklyAttachFlagToPipelineOperator,
    LaunchDarklyStartPhaseOperator,
)
from airflow_provider_releases.sensors.launchdarkly import LaunchDarklyReleasePhaseSensor

FLAG = {"project_key": "default", "flag_key": "new-checkout"}

for dag_id, deferrable in (("release_chain_poke", False), ("release_chain_deferred", True)):
    with DAG(dag_id, schedule=None, start_date=datetime(2026, 1, 1), catchup=False, tags=["test"]):
        (
            AhaCreateReleaseOperator(
                task_id="create_aha_release",
                product_id="PRJ1",
                name="Release {{ params.version }}",
                fields={"release_date": "2026-12-01"},
                params={"version": "2.0.0"},
            )
            >> LaunchDarklyAttachFlagToPipelineOperator(
                task_id="attach_flag", release_pipeline_key="standard-release", **FLAG
            )
            >> LaunchDarklyStartPhaseOperator(task_id="start_first_phase", phase=0, **FLAG)
            >> LaunchDarklyReleasePhaseSensor(
                task_id="wait_for_testing",
                phase="Testing",
                poke_interval=0.2,
                timeout=120,
                deferrable=deferrable,
                **FLAG,
            )
            >> AmplitudeCreateReleaseOperator(task_id="annotate", version="2.0.0", title="Release 2.0.0")
        )
