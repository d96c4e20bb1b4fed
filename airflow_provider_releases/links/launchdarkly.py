"""LaunchDarkly extra link."""

from __future__ import annotations

from airflow_provider_releases.links.base import ReleaseUrlLink


class LaunchDarklyFlagLink(ReleaseUrlLink):
    """Open the task's flag in the LaunchDarkly app (URL: ``LaunchDarklyHook.flag_url``)."""

    name = "LaunchDarkly flag"
