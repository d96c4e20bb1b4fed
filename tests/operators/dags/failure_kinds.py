"""
Test DAGs: one operator task each, with ``retries=2`` and no retry delay, that meets one kind of
failure (``tests/operators/test_failure_kinds.py`` sets the sandbox and connections up).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import DAG

from airflow_provider_releases.operators.aha import (
    AhaCreateReleaseOperator,
    AhaDuplicateReleaseOperator,
    AhaUpdateReleaseOperator,
)
from airflow_provider_releases.operators.cryptlex import (
    CryptlexCreateReleaseOperator,
    CryptlexPublishReleaseOperator,
)
from airflow_provider_releases.operators.launchdarkly import LaunchDarklyAttachFlagToPipelineOperator
from airflow_provider_releases_sandbox.cryptlex import DESKTOP_APP_ID

TASKS = {
    "invalid_parameter": lambda: CryptlexCreateReleaseOperator(
        task_id="act",
        product_id=DESKTOP_APP_ID,
        name="Release",
        version="{{ params.version }}",
        params={"version": "2.0.0.0.0"},
    ),
    "refused_credentials": lambda: AhaCreateReleaseOperator(
        task_id="act", product_id="PRJ1", name="Release 3.0", aha_conn_id="aha_wrong_key"
    ),
    "unknown_product": lambda: AhaCreateReleaseOperator(task_id="act", product_id="NOPE", name="Release 3.0"),
    "unknown_pipeline": lambda: LaunchDarklyAttachFlagToPipelineOperator(
        task_id="act", project_key="default", flag_key="new-checkout", release_pipeline_key="no-such-pipeline"
    ),
    "refused_request": lambda: AhaUpdateReleaseOperator(
        task_id="act", product_id="PRJ1", release_id="PRJ1-R-2", fields={"workflow_status": "Done"}
    ),
    "missing_connection": lambda: AhaDuplicateReleaseOperator(
        task_id="act", release_id="PRJ1-R-2", aha_conn_id="no_such_connection"
    ),
    "misconfigured_connection": lambda: AhaCreateReleaseOperator(
        task_id="act", product_id="PRJ1", name="Release 3.0", aha_conn_id="aha_without_host"
    ),
    "empty_render": lambda: CryptlexPublishReleaseOperator(
        task_id="act", release_id="{{ ti.xcom_pull(task_ids='no_such_task') }}"
    ),
    "read_after_copy": lambda: AhaDuplicateReleaseOperator(task_id="act", release_id="PRJ1-R-2"),
    "transient": lambda: AhaCreateReleaseOperator(task_id="act", product_id="PRJ1", name="Release 3.0"),
}

for kind, task in TASKS.items():
    with DAG(
        f"meets_{kind}",
        schedule=None,
        start_date=datetime(2026, 1, 1),
        catchup=False,
        default_args={"retries": 2, "retry_delay": timedelta(0)},
        tags=["test"],
    ):
        task()
