"""A user's release DAG: a Cryptlex draft, then a LaunchDarkly flag through a phase."""

from datetime import datetime

from airflow.sdk import DAG

from airflow_provider_releases.operators.cryptlex import CryptlexCreateReleaseOperator
from airflow_provider_releases.operators.launchdarkly import (
    LaunchDarklyAttachFlagToPipelineOperator,
    LaunchDarklyStartPhaseOperator,
)
from airflow_provider_releases.sensors.launchdarkly import LaunchDarklyReleasePhaseSensor

DESKTOP_APP = "0b7e4f2c-91a6-4d38-b5c2-6e1f9a3d8c47"  # the sandbox's Cryptlex product
FLAG = {"project_key": "default", "flag_key": "dark-mode"}

with DAG("my_release", schedule=None, start_date=datetime(2026, 1, 1)):
    release = CryptlexCreateReleaseOperator(
        task_id="cryptlex",
        product_id=DESKTOP_APP,
        name="3.0",
        version="3.0.0",
    )
    attach = LaunchDarklyAttachFlagToPipelineOperator(
        task_id="attach",
        release_pipeline_key="hotfix",
        **FLAG,
    )
    start = LaunchDarklyStartPhaseOperator(task_id="start", phase=0, **FLAG)
    wait = LaunchDarklyReleasePhaseSensor(
        task_id="wait",
        phase=0,
        poke_interval=0.2,
        timeout=60,
        **FLAG,
    )
    release >> attach >> start >> wait
