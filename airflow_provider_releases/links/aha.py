"""Aha! extra link: the release's own page, the ``url`` Aha! returns with every release."""

from __future__ import annotations

from airflow_provider_releases.links.base import ReleaseUrlLink


class AhaReleaseLink(ReleaseUrlLink):
    """
    Opens the Aha! release the task created, found, changed or copied.

    URL: the release's ``url`` field as Aha! returns it, such as
    ``https://<subdomain>.aha.io/releases/PRJ1-R-1``.
    """

    name = "Aha! release"
