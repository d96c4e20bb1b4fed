"""Aha! extra link."""

from __future__ import annotations

from airflow_provider_releases.links.base import ReleaseUrlLink


class AhaReleaseLink(ReleaseUrlLink):
    """Open the task's Aha! release: the ``url`` Aha! returns with it."""

    name = "Aha! release"
