"""LaunchDarkly extra link: the flag's page in the LaunchDarkly app."""

from __future__ import annotations

from airflow_provider_releases.links.base import ReleaseUrlLink


class LaunchDarklyFlagLink(ReleaseUrlLink):
    """
    Opens the flag the task attached to a release pipeline or moved to a new phase.

    URL: ``<app host>/projects/{projectKey}/flags/{flagKey}``, the app host being
    ``https://app.launchdarkly.com``, ``https://app.eu.launchdarkly.com``,
    ``https://app.launchdarkly.us`` or the connection's host override (see
    :meth:`~airflow_provider_releases.hooks.launchdarkly.LaunchDarklyHook.flag_url`).
    """

    name = "LaunchDarkly flag"
