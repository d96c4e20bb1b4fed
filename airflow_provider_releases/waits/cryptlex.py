"""Waiting for a Cryptlex release to be published: one check, judged by the rule book."""

from __future__ import annotations

from typing import TYPE_CHECKING

from airflow_provider_releases.rules import cryptlex as rules
from airflow_provider_releases.waits.outcome import READ_ERRORS, Outcome, read_failure, unreadable

if TYPE_CHECKING:
    from airflow_provider_releases.hooks.cryptlex import CryptlexHook

#: Fields of a Cryptlex release returned by ``CryptlexReleasePublishedSensor``.
CRYPTLEX_RELEASE_FIELDS = ("id", "name", "version", "channel", "productId", "published", "publishedAt")


def check_cryptlex_release_published(hook: CryptlexHook, release_id: str) -> Outcome:
    """
    Read the Cryptlex release once and say whether it is published
    (:func:`~airflow_provider_releases.rules.cryptlex.is_published`).

    Done with the release's :data:`CRYPTLEX_RELEASE_FIELDS`; an error when the release does not
    exist, the credentials are refused, or the record carries neither ``published`` nor
    ``publishedAt`` (there is nothing to wait on). Never raises for an API failure (see
    :func:`~.outcome.read_failure`).
    """
    subject = f"Cryptlex release {release_id!r}"
    try:
        release = hook.get_release(release_id)
    except READ_ERRORS as exc:
        return read_failure(
            hook, exc, subject, not_found="no such release in Cryptlex, so it can never publish"
        )
    published = rules.is_published(release) if isinstance(release, dict) else None
    if published is None:
        why = "Cryptlex answered without 'published' or 'publishedAt', so whether it is published"
        return unreadable(hook, subject, f"{why} cannot be told", release)
    if published:
        return Outcome.done({field: release.get(field) for field in CRYPTLEX_RELEASE_FIELDS})
    named = (
        f"{subject} ({release['name']!r}, version {release.get('version')})"
        if release.get("name")
        else subject
    )
    return Outcome.pending(f"{named} is not published yet.")
