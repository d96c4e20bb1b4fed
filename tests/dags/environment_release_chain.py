"""Test DAG: the release chain with an environment release started from the sandbox's release plan.

``environment_release_chain`` releases the flag in ``production`` with the seeded plan
``progressive-rollout`` (two phases, automatic advancement) and waits for its first phase.
"""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import DAG, task

from airflow_provider_releases.workflows import (
    ENVIRONMENT_PLAN_KEYS,
    SANDBOX_ENVIRONMENT_TARGETS,
    EnvironmentRelease,
    check_plan,
    release_chain,
)

with DAG("environment_release_chain", schedule=None, start_date=datetime(2026, 1, 1), catchup=False):

    @task(multiple_outputs=True)
    def plan_release() -> dict:
        plan = {"version": "2.0.0", "title": "Release 2.0.0", "release_date": "2026-12-01"}
        return check_plan({**plan, **SANDBOX_ENVIRONMENT_TARGETS}, ENVIRONMENT_PLAN_KEYS)

    # [START environment_release_from_a_plan]
    FROM_A_PLAN = EnvironmentRelease(
        release_plan_key="progressive-rollout",  # the plan's phases, metrics and modes
        phase_index=0,  # ship once the first phase is complete
    )
    # [END environment_release_from_a_plan]
    release_chain(plan_release(), environment_release=FROM_A_PLAN, poke_interval=0.2, timeout=120)
