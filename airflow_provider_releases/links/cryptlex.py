"""Cryptlex extra link."""

from __future__ import annotations

from airflow_provider_releases.links.base import ReleaseUrlLink


class CryptlexReleaseLink(ReleaseUrlLink):
    """Open the task's release in the Cryptlex dashboard (URL: ``CryptlexHook.release_url``)."""

    name = "Cryptlex release"
