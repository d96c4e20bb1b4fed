"""Cryptlex extra link: the release's page in the Cryptlex dashboard."""

from __future__ import annotations

from airflow_provider_releases.links.base import ReleaseUrlLink


class CryptlexReleaseLink(ReleaseUrlLink):
    """
    Opens the Cryptlex release the task created, found, published or uploaded a file to.

    URL: ``https://app.cryptlex.com/products/{productId}/releases/{releaseId}`` (EU:
    ``https://app.eu.cryptlex.com``; with a host override, derived from that host, see
    :meth:`~airflow_provider_releases.hooks.cryptlex.CryptlexHook.release_url`).
    """

    name = "Cryptlex release"
