"""
### Release announcement

Runs once each time a release is finished everywhere `release_workflow` releases to: it is
scheduled on the four release assets that workflow updates (all four, so one run per release),

- `aha://PRJ1`: the Aha! release was **shipped**,
- `cryptlex://<product>`: the Cryptlex release was **published**,
- `launchdarkly://default/new-checkout`: the flag's release pipeline **completed its phase**,
- `amplitude://sandbox`: the charts were **annotated** with the version,

and prints the released version with each service's ids and link, read from the asset events
that triggered it (`triggering_asset_events`). Each event's `extra` is the milestone the
provider's operator put on it: `service`, `action`, `version`, the vendor's ids and `url`.
Send it to a chat channel or a changelog instead of the task log.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import dag, task

from airflow_provider_releases.assets import release_assets
from airflow_provider_releases.workflows import SANDBOX_AMPLITUDE_PROJECT, SANDBOX_TARGETS, retry_default_args

# [START reacting_asset_events]
RELEASE_ASSETS = release_assets(SANDBOX_TARGETS, amplitude_project=SANDBOX_AMPLITUDE_PROJECT)


@dag(
    dag_id="release_announcement",
    schedule=list(RELEASE_ASSETS.values()),
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    default_args=retry_default_args(),  # transient failures: 2 retries, 30 s apart
    tags=["releases", "example"],
    doc_md=__doc__,
)
def release_announcement() -> None:
    @task
    def announce(triggering_asset_events=None) -> dict:
        """Print the released version with every service's ids and link; return the same."""
        from airflow_provider_releases.milestones import announcement, milestones_of

        released = announcement(milestones_of(triggering_asset_events))
        print(released["text"])
        return released

    announce()


release_announcement()
# [END reacting_asset_events]
