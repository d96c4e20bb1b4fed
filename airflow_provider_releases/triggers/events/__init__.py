"""
Watchers for ``AssetWatcher``: one asset event per release transition, whoever made it.

- :class:`AhaReleaseShippedEventTrigger`: a release of an Aha! product ships;
- :class:`CryptlexReleasePublishedEventTrigger`: a release of a Cryptlex product is published;
- :class:`LaunchDarklyPhaseCompletedEventTrigger`: a pipeline phase completes for a flag;
- :class:`LaunchDarklyEnvironmentReleaseEventTrigger`: a flag's environment release completes or reverts.
"""

from airflow_provider_releases.triggers.events.aha import AhaReleaseShippedEventTrigger
from airflow_provider_releases.triggers.events.base import WatcherFailed
from airflow_provider_releases.triggers.events.cryptlex import CryptlexReleasePublishedEventTrigger
from airflow_provider_releases.triggers.events.launchdarkly import (
    LaunchDarklyEnvironmentReleaseEventTrigger,
    LaunchDarklyPhaseCompletedEventTrigger,
)

__all__ = [
    "AhaReleaseShippedEventTrigger",
    "CryptlexReleasePublishedEventTrigger",
    "LaunchDarklyEnvironmentReleaseEventTrigger",
    "LaunchDarklyPhaseCompletedEventTrigger",
    "WatcherFailed",
]
