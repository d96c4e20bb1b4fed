"""
### Guarded release

Trigger this DAG to ship one version everywhere, releasing the feature flag with a LaunchDarkly
**guarded release** (an environment release watched by metrics) instead of a release pipeline.
In order:

1. **Aha!**: create the release in the roadmap product (or find the one of that name).
2. **Cryptlex**: create the release record of the licensed app, as a draft.
3. **LaunchDarkly**: start a guarded release of the flag in the environment: the target
   variation goes to 10%, 25%, then 50% of users, an hour each, while LaunchDarkly watches the
   checkout errors.
4. **Wait** until the release completes. The wait runs in Airflow's triggerer and logs where the
   release is (step, allocation). If LaunchDarkly detects a regression and reverts the release,
   the wait fails at once, without retries, naming the metrics that regressed, and nothing after
   it runs: the Aha! release stays unshipped and the Cryptlex release a draft.
5. **Amplitude**: annotate the analytics charts with the version.
6. **Aha!**: mark the release shipped.
7. **Cryptlex**: publish the release to customers.

The wait and the ship and publish steps put events on the release assets of what this run
released, as `release_workflow` does; `guarded_release.released` gets one once the release went
out everywhere. Set the version, title and targets in the trigger form; the defaults point at
the bundled sandbox. If a step fails, its log ends with what already exists (ids and links) and
which steps did not run; the task's extra link (in the task instance's Details tab) opens its
object at the vendor.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Param, dag, task

from airflow_provider_releases.assets import release_assets
from airflow_provider_releases.rules.cryptlex import VERSION
from airflow_provider_releases.workflows import (
    ENVIRONMENT_PLAN_KEYS,
    ENVIRONMENT_TARGET_KEYS,
    SANDBOX_AMPLITUDE_PROJECT,
    SANDBOX_ENVIRONMENT_TARGETS,
    EnvironmentRelease,
    check_plan,
    release_chain,
    released_asset,
    retry_default_args,
    target_params,
)

RELEASE_ASSETS = release_assets(SANDBOX_ENVIRONMENT_TARGETS, amplitude_project=SANDBOX_AMPLITUDE_PROJECT)
RELEASED = released_asset("guarded_release")
HOUR_MS = 3_600_000

# [START guarded_release_how]
#: Release the flag's true variation to users: 10%, 25% then 50% (a guarded release keeps
#: the rest as its control group), an hour each, reverting if checkout errors regress.
USERS = {"contextKind": "user", "attribute": "kind", "op": "in", "values": ["user"]}
GUARDED = EnvironmentRelease(
    phases=[
        {
            "description": "Guarded release to users",
            "clauses": [USERS],  # a phase's rule holds the kind clause of its unit
            "steps": [
                {"allocation": 10_000, "durationMillis": HOUR_MS},  # 10%: 1/1000 of a %
                {"allocation": 25_000, "durationMillis": HOUR_MS},
                {"allocation": 50_000, "durationMillis": HOUR_MS},
            ],
        }
    ],
    metrics=[{"metricKey": "checkout-errors", "autoRollback": True}],
    randomization_unit="user",
    target_variation=True,
    original_variation=False,
)
# [END guarded_release_how]


@dag(
    dag_id="guarded_release",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    default_args=retry_default_args(),  # transient failures: 2 retries, 30 s apart
    tags=["releases", "example", "launchdarkly"],
    doc_md=__doc__,
    params={
        "version": Param("2.0.0", type="string", pattern=f"^{VERSION.pattern}$", description="x.x[.x[.x]]"),
        "title": Param(
            None, type=["null", "string"], description="Release name; empty for 'Release <version>'"
        ),
        # [START guarded_release_targets]
        **target_params(SANDBOX_ENVIRONMENT_TARGETS, keys=ENVIRONMENT_TARGET_KEYS),
        # [END guarded_release_targets]
    },
)
def guarded_release() -> None:
    # [START guarded_release_plan]
    @task(multiple_outputs=True)
    def plan_release(params: dict, dag_run=None) -> dict:
        """Turn the trigger form into the release plan (an environment, no pipeline)."""
        run_after = dag_run.run_after if dag_run else None
        started = pendulum.instance(run_after or pendulum.now("UTC"))
        plan = {
            **params,
            "title": params.get("title") or f"Release {params.get('version')}",
            "release_date": started.to_date_string(),
            "release_start": None,
        }
        return check_plan(plan, ENVIRONMENT_PLAN_KEYS)

    # [END guarded_release_plan]
    # [START guarded_release_chain]
    release_chain(
        plan_release(),
        environment_release=GUARDED,
        assets=RELEASE_ASSETS,
        released=RELEASED,
    )
    # [END guarded_release_chain]


guarded_release()
