"""
### Release workflow

Trigger this DAG to ship one version everywhere a release shows up. In order:

1. **Aha!**: create the release in the roadmap product (or find the one of that name).
2. **Cryptlex**: create the release record of the licensed app, as a draft.
3. **LaunchDarkly**: attach the feature flag to the release pipeline and start its first phase.
4. **Wait** until the chosen phase of the pipeline is complete. The wait runs in Airflow's
   triggerer, so it holds no worker slot however many days it takes; a canceled release fails
   the wait, and nothing after it runs.
5. **Amplitude**: annotate the analytics charts with the version.
6. **Approve** (when the `require_approval` param is on): a release manager approves or rejects
   in Airflow's UI, seeing what exists (ids and links) and the LaunchDarkly phase; a rejection
   skips the rest and leaves everything created as it is.
7. **Aha!**: mark the release shipped. **Cryptlex**: publish the release to customers.

The ship, publish, phase and annotation steps update the release assets (`aha://PRJ1`,
`cryptlex://<product>`, `launchdarkly://default/new-checkout`, `amplitude://sandbox`), each
event saying what happened with the vendor's ids and link: `release_announcement` is scheduled
on them.

Set the version, title and targets in the trigger form; the defaults point at the bundled
sandbox. Every step can be re-run: nothing is created twice. If a step fails, its log ends
with what already exists (ids and links) and which steps did not run; each step's XCom holds
the object it created, and the task's extra link opens it at the vendor.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Param, dag, task

from airflow_provider_releases.assets import release_assets
from airflow_provider_releases.rules.cryptlex import VERSION
from airflow_provider_releases.workflows import (
    SANDBOX_AMPLITUDE_PROJECT,
    SANDBOX_TARGETS,
    check_plan,
    release_chain,
    retry_default_args,
    target_params,
)

RELEASE_ASSETS = release_assets(SANDBOX_TARGETS, amplitude_project=SANDBOX_AMPLITUDE_PROJECT)


@dag(
    dag_id="release_workflow",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    default_args=retry_default_args(),  # transient failures: 2 retries, 30 s apart
    tags=["releases", "example"],
    doc_md=__doc__,
    params={
        "version": Param("2.0.0", type="string", pattern=f"^{VERSION.pattern}$", description="x.x[.x[.x]]"),
        "title": Param("", type="string", description="Release name; empty for 'Release <version>'"),
        # [START reacting_approval_param]
        "require_approval": Param(
            False, type="boolean", description="Ask a release manager to approve before shipping"
        ),
        # [END reacting_approval_param]
        # [START release_workflow_targets]
        **target_params(SANDBOX_TARGETS),
        # [END release_workflow_targets]
    },
)
def release_workflow() -> None:
    # [START release_workflow_plan]
    @task(multiple_outputs=True)
    def plan_release(params: dict, dag_run=None) -> dict:
        """Turn the trigger form into the release plan the steps read."""
        started = pendulum.instance((dag_run.run_after if dag_run else None) or pendulum.now("UTC"))
        return check_plan(
            {
                **params,
                "title": params.get("title") or f"Release {params.get('version')}",
                "release_date": started.to_date_string(),
                "release_start": None,
            }
        )

    # [END release_workflow_plan]
    # [START reacting_release_chain]
    release_chain(plan_release(), require_approval="{{ params.require_approval }}", assets=RELEASE_ASSETS)
    # [END reacting_release_chain]


release_workflow()
