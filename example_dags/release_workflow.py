"""
### Release workflow

Trigger this DAG to ship one version everywhere a release shows up. In order:

1. **Aha!**: create the release in the roadmap product (or find the one of that name).
2. **Cryptlex**: create the release record of the licensed app, as a draft.
3. **LaunchDarkly**: attach the feature flag to the release pipeline and start its first phase.
4. **Wait** until the chosen phase of the pipeline is complete. The wait runs in Airflow's
   triggerer, so it holds no worker slot however many days it takes; a canceled release fails
   the wait, and nothing after it runs.
5. **Approve** (when the `require_approval` param is on): a release manager approves or rejects
   in Airflow's UI, seeing what exists (ids and links) and the LaunchDarkly phase; a rejection
   skips the three steps below and leaves everything created as it is.
6. **Amplitude**: annotate the analytics charts with the version.
7. **Aha!**: mark the release shipped.
8. **Cryptlex**: publish the release to customers.

The ship, publish, phase and annotation steps each put an event on the release asset of what
this run released (`aha://<product>`, `cryptlex://<product>`, `launchdarkly://<project>/<flag>`,
`amplitude://sandbox`), saying what happened with the vendor's ids and link. Once the release
went out everywhere, the last step updates `release_workflow.released` with all of them:
`release_announcement` is scheduled on it.

The flag has one release at a time: when it holds a release made for an earlier version, the
attach step fails, naming it, unless `existing_release` says `restart` (delete it and start the
phases over) or `reuse` (adopt it). A re-run of the same version changes nothing.

Set the version, title and targets in the trigger form; the defaults point at the bundled
sandbox. Every step can be re-run: nothing is created twice. If a step fails, its log ends
with what already exists (ids and links) and which steps did not run; each step's XCom holds
the object it created, and the task's extra link (in the task instance's Details tab) opens it
at the vendor.
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
    released_asset,
    retry_default_args,
    target_params,
)

RELEASE_ASSETS = release_assets(SANDBOX_TARGETS, amplitude_project=SANDBOX_AMPLITUDE_PROJECT)
RELEASED = released_asset("release_workflow")


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
        # Optional: with "null" in its type the trigger form may leave it empty (it sends null).
        "title": Param(
            None, type=["null", "string"], description="Release name; empty for 'Release <version>'"
        ),
        # [START reacting_approval_param]
        "require_approval": Param(
            False, type="boolean", description="Ask a release manager to approve before shipping"
        ),
        # [END reacting_approval_param]
        "existing_release": Param(
            "fail",
            enum=["fail", "restart", "reuse"],
            description=(
                "When the flag's release was made for an earlier version: fail, restart it "
                "(its phases start over) or reuse it"
            ),
        ),
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
        run_after = dag_run.run_after if dag_run else None
        started = pendulum.instance(run_after or pendulum.now("UTC"))
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
    release_chain(
        plan_release(),
        require_approval="{{ params.require_approval }}",
        assets=RELEASE_ASSETS,
        released=RELEASED,
        existing_release="{{ params.existing_release }}",
    )
    # [END reacting_release_chain]


release_workflow()
