"""A TaskFlow task calling a hook, with ReleasesRetryPolicy (Airflow 3.3+): docs/howto/retry-policy.md."""

from __future__ import annotations

# [START howto_retry_policy]
from datetime import timedelta

from airflow.sdk import dag, task

from airflow_provider_releases.hooks.aha import AhaHook
from airflow_provider_releases.retries import ReleasesRetryPolicy


@dag(schedule=None)
def release_notes():
    @task(
        retries=3,
        retry_delay=timedelta(minutes=1),
        retry_policy=ReleasesRetryPolicy(max_retry_delay=timedelta(minutes=30)),
    )
    def release_names(product_id: str) -> list[str]:
        return [release["name"] for release in AhaHook().list_releases(product_id)]

    release_names("PRJ1")
    release_names.override(task_id="mobile_release_names")("PRJ2")


release_notes()
# [END howto_retry_policy]
