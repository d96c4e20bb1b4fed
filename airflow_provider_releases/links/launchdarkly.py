"""LaunchDarkly extra link."""

from __future__ import annotations

from airflow_provider_releases.links.base import ReleaseUrlLink


class LaunchDarklyFlagLink(ReleaseUrlLink):
    """Open the task's flag in the LaunchDarkly app (URL: ``LaunchDarklyHook.flag_url``)."""

    name = "LaunchDarkly flag"


class LaunchDarklyEnvironmentReleaseLink(ReleaseUrlLink):
    """Open the flag's page in the release's environment (``LaunchDarklyHook.environment_release_url``)."""

    name = "LaunchDarkly release"
