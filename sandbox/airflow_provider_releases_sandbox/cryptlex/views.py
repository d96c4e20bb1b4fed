"""How Cryptlex's sandbox renders the dashboard's release page."""

from __future__ import annotations

from airflow_provider_releases_sandbox.cryptlex.records import Product, Release
from airflow_provider_releases_sandbox.web import Page, Table, not_found


def release_page(product: Product | None, release: Release | None, asked: str) -> Page:
    """
    A release's page in the Cryptlex dashboard: name, version, channel, published or draft, files.

    :param asked: the product and release ids of the address, named on the 404 page when the
        product or the release (of that product) does not exist.
    """
    if product is None or release is None or release.product_id != product.id:
        return not_found("Cryptlex", asked)
    return Page(
        "Cryptlex",
        f"Release {release.version}: {release.name}",
        [
            ("Name", release.name),
            ("Version", release.version),
            ("Channel", release.channel),
            ("State", "Published" if release.published else "Draft"),
            ("Published at", release.published_at),
            ("Product", product.name),
            ("Platforms", release.platforms),
            ("Private", release.private),
            ("Notes", release.notes),
            ("Created", release.created_at),
        ],
        [
            Table(
                "Files",
                ("Name", "Size (bytes)", "SHA-256"),
                [(file.name, file.size, file.checksum) for file in release.files],
            )
        ]
        if release.files
        else [],
    )
