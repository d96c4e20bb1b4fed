"""
### Example: the Amplitude operator

Annotate Amplitude's charts with a release: first a dry run that returns the request it would
send (`preview_annotation`), then the annotation itself (`annotate_release`), whose asset event
says that the charts were annotated. The connection `amplitude_default` points at the bundled
sandbox in the suite.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Param, dag

from airflow_provider_releases.assets import amplitude_asset
from airflow_provider_releases.operators.amplitude import AmplitudeCreateReleaseOperator
from airflow_provider_releases.rules.cryptlex import VERSION
from airflow_provider_releases.workflows import SANDBOX_AMPLITUDE_PROJECT, retry_default_args


@dag(
    dag_id="example_amplitude",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    default_args=retry_default_args(),  # transient failures: 2 retries, 30 s apart
    tags=["releases", "example", "amplitude"],
    doc_md=__doc__,
    params={"version": Param("1.4.0", type="string", pattern=f"^{VERSION.pattern}$")},
)
def example_amplitude() -> None:
    # [START howto_operator_amplitude_create_release_dry_run]
    preview = AmplitudeCreateReleaseOperator(
        task_id="preview_annotation",
        version="{{ params.version }}",
        title="Release {{ params.version }}",
        dry_run=True,
    )
    # [END howto_operator_amplitude_create_release_dry_run]

    # [START howto_operator_amplitude_create_release]
    annotate = AmplitudeCreateReleaseOperator(
        task_id="annotate_release",
        version="{{ params.version }}",
        title="Release {{ params.version }}",
        # release_start: the run's logical date unless given
        description="Shipped by {{ dag.dag_id }}",
        platforms=["iOS", "Android"],
        amplitude_conn_id="amplitude_default",
        outlets=[amplitude_asset(SANDBOX_AMPLITUDE_PROJECT)],  # an annotated event
    )
    # [END howto_operator_amplitude_create_release]

    preview >> annotate


example_amplitude()
