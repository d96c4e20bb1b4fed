"""
### Example: a person approves before the release is announced

Attach the flag to its LaunchDarkly release pipeline and start the first phase, then ask a
release manager (`approve_release`) before annotating Amplitude's charts. The request lists
what the two LaunchDarkly steps did, with the flag's link. **Approve** lets the annotation run;
**Reject** skips it and leaves the flag's release as it is.

Turn the `require_approval` param on in the trigger form to be asked; it is off by default, so
that a run with the defaults (the sandbox's targets) goes through without anyone.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Param, chain, dag

from airflow_provider_releases.operators.amplitude import AmplitudeCreateReleaseOperator
from airflow_provider_releases.operators.approval import ReleaseApprovalOperator
from airflow_provider_releases.operators.launchdarkly import (
    LaunchDarklyAttachFlagToPipelineOperator,
    LaunchDarklyStartPhaseOperator,
)
from airflow_provider_releases.rules.cryptlex import VERSION
from airflow_provider_releases.workflows import SANDBOX_TARGETS, retry_default_args

FLAG = {"project_key": SANDBOX_TARGETS["launchdarkly_project"], "flag_key": SANDBOX_TARGETS["flag"]}


@dag(
    dag_id="example_release_approval",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    default_args=retry_default_args(),  # transient failures: 2 retries, 30 s apart
    tags=["releases", "example"],
    doc_md=__doc__,
    params={
        "version": Param("1.4.0", type="string", pattern=f"^{VERSION.pattern}$"),
        "require_approval": Param(False, type="boolean", description="Ask before announcing the release"),
    },
)
def example_release_approval() -> None:
    attach = LaunchDarklyAttachFlagToPipelineOperator(
        task_id="attach_flag_to_pipeline", release_pipeline_key=SANDBOX_TARGETS["pipeline"], **FLAG
    )
    start = LaunchDarklyStartPhaseOperator(task_id="start_first_phase", phase=0, **FLAG)

    # [START howto_operator_release_approval]
    approve = ReleaseApprovalOperator(
        task_id="approve_release",
        required="{{ params.require_approval }}",  # false: succeed at once, asking nobody
        subject="Announce release {{ params.version }}?",
        body="The flag's first phase has started.",
        steps=["attach_flag_to_pipeline", "start_first_phase"],  # what the request lists
    )
    # [END howto_operator_release_approval]

    annotate = AmplitudeCreateReleaseOperator(
        task_id="annotate_amplitude", version="{{ params.version }}", title="Release {{ params.version }}"
    )

    chain(attach, start, approve, annotate)


example_release_approval()
