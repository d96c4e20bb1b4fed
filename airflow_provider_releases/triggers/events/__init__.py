"""
Watchers for ``AssetWatcher``: one asset event per release transition, whoever made it.

- :class:`AhaReleaseShippedEventTrigger`: a release of an Aha! product ships;
- :class:`CryptlexReleasePublishedEventTrigger`: a release of a Cryptlex product (channel) is published;
- :class:`LaunchDarklyPhaseCompletedEventTrigger`: a phase of a LaunchDarkly release pipeline
  completes for a flag.

Each event's payload is a milestone (:mod:`airflow_provider_releases.milestones`), which Airflow
stores in the asset event's ``extra`` as ``{"from_trigger": true, "payload": {...}}``. See
:mod:`.base` for the watermark, the shared polls and the failures.
"""

from airflow_provider_releases.triggers.events.aha import AhaReleaseShippedEventTrigger
from airflow_provider_releases.triggers.events.base import WatcherFailed
from airflow_provider_releases.triggers.events.cryptlex import CryptlexReleasePublishedEventTrigger
from airflow_provider_releases.triggers.events.launchdarkly import LaunchDarklyPhaseCompletedEventTrigger

__all__ = [
    "AhaReleaseShippedEventTrigger",
    "CryptlexReleasePublishedEventTrigger",
    "LaunchDarklyPhaseCompletedEventTrigger",
    "WatcherFailed",
]
