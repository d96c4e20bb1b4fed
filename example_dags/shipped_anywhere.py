"""
### Shipped anywhere

Runs once for each release shipped in the Aha! product `PRJ1`, whoever shipped it: a run of
`release_workflow`, a person in Aha!'s web app, or (against the sandbox) the control API's
`ship_release`. No DAG polls for it: the DAG is scheduled on an asset with an `AssetWatcher`,
and the watcher's `AhaReleaseShippedEventTrigger` polls Aha! in the triggerer and fires one
asset event per release that becomes shipped. Releases shipped before the watcher started do
not fire; on Airflow 3.3 the watcher remembers what it has seen in the asset's state store, so
a triggerer restart neither repeats an event nor loses a release shipped while it was down.

The watched asset has a name of its own: the `aha://PRJ1` asset already gets an event from
`release_workflow`'s ship step, and a watcher on it would give each of those releases two.
"""

from __future__ import annotations

import os

import pendulum
from airflow.sdk import Asset, AssetWatcher, dag, task

from airflow_provider_releases.triggers.events import AhaReleaseShippedEventTrigger
from airflow_provider_releases.workflows import SANDBOX_TARGETS, retry_default_args

# [START reacting_watcher]
#: The environment variable that overrides the seconds between the watcher's polls.
WATCH_SECONDS_ENV = "RELEASES_WATCH_POLL_SECONDS"
PRODUCT = SANDBOX_TARGETS["aha_product"]
POLL_SECONDS = float(os.environ.get(WATCH_SECONDS_ENV) or 60)

shipped_in_product = Asset(
    name=f"aha_releases_shipped_{PRODUCT}",
    watchers=[
        AssetWatcher(
            name=f"aha_shipped_{PRODUCT}",
            trigger=AhaReleaseShippedEventTrigger(
                product=PRODUCT,
                poll_interval=POLL_SECONDS,
            ),
        )
    ],
)


@dag(
    dag_id="shipped_anywhere",
    schedule=[shipped_in_product],
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    default_args=retry_default_args(),  # transient failures: 2 retries, 30 s apart
    tags=["releases", "example"],
    doc_md=__doc__,
)
def shipped_anywhere() -> None:
    @task
    def react(triggering_asset_events=None) -> list[dict]:
        """Log each release the watcher saw shipped; return their milestones."""
        from airflow_provider_releases.milestones import milestones_of

        shipped = milestones_of(triggering_asset_events)
        for release in shipped:
            ref, name = release.get("reference_num"), release.get("name")
            print(f"Aha! release {ref} {name!r} shipped: {release.get('url')}")
        return shipped

    react()


shipped_anywhere()
# [END reacting_watcher]
