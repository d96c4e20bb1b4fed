"""A user's own release DAG: a Cryptlex draft, then a LaunchDarkly flag through its first phase."""

from datetime import datetime

from airflow.sdk import DAG

from airflow_provider_releases.operators.cryptlex import CryptlexCreateReleaseOperator
from airflow_provider_releases.operators.launchdarkly import (
    LaunchDarklyAttachFlagToPipelineOperator,
    LaunchDarklyStartPhaseOperator,
)
from airflow_provider_releases.sensors.launchdarkly import LaunchDarklyReleasePhaseSensor

FLAG = {"project_key": "default", "flag_key": "dark-mode"}

with DAG("my_release", schedule=None, start_date=datetime(2026, 1, 1)):
    (
        CryptlexCreateReleaseOperator(
            task_id="cryptlex", product_id="0b7e4f2c-91a6-4d38-b5c2-6e1f9a3d8c47", name="3.0", version="3.0.0"
        )
        >> LaunchDarklyAttachFlagToPipelineOperator(task_id="attach", release_pipeline_key="hotfix", **FLAG)
        >> LaunchDarklyStartPhaseOperator(task_id="start", phase=0, **FLAG)
        >> LaunchDarklyReleasePhaseSensor(task_id="wait", phase=0, poke_interval=0.2, timeout=60, **FLAG)
    )
