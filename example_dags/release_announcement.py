"""
### Release announcement

Runs once for each release `release_workflow` got out everywhere: it is scheduled on one
asset, `release_workflow.released`, which the workflow's last step (publishing the Cryptlex
release) updates only when the whole release went out. A rejected or failed release updates it
not at all, so an announcement never waits on a half-released version nor mixes two versions.

It prints the released version with each service's ids and link, read from the event that
triggered it (`triggering_asset_events`): its `extra` holds the version and the milestone each
step put on its own asset (`aha://<product>` shipped, `cryptlex://<product>` published,
`launchdarkly://<project>/<flag>` phase completed, `amplitude://sandbox` annotated), each with
`service`, `action`, the vendor's ids and `url`. A DAG scheduled on one product's asset gets
that product's events as they happen.
Send it to a chat channel or a changelog instead of the task log.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import dag, task

from airflow_provider_releases.workflows import released_asset, retry_default_args

# [START reacting_asset_events]
RELEASED = released_asset("release_workflow")


@dag(
    dag_id="release_announcement",
    schedule=[RELEASED],
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    default_args=retry_default_args(),  # transient failures: 2 retries, 30 s apart
    tags=["releases", "example"],
    doc_md=__doc__,
)
def release_announcement() -> None:
    @task
    def announce(triggering_asset_events=None) -> dict:
        """Print the released version with each service's ids and link; return them."""
        from airflow_provider_releases.milestones import announcement, milestones_of

        released = announcement(milestones_of(triggering_asset_events))
        print(released["text"])
        return released

    announce()


release_announcement()
# [END reacting_asset_events]
