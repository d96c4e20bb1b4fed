"""Waiting for a Cryptlex release to be published: one read, judged by the rule book, poked or awaited."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from airflow_provider_releases.rules import cryptlex as rules
from airflow_provider_releases.waits.outcome import Outcome, acheck_read, check_read, unreadable

if TYPE_CHECKING:
    from airflow_provider_releases.hooks.base import ReleasesBaseHook
    from airflow_provider_releases.hooks.cryptlex import CryptlexHook

#: Fields of a Cryptlex release returned by ``CryptlexReleasePublishedSensor``.
CRYPTLEX_RELEASE_FIELDS = ("id", "name", "version", "channel", "productId", "published", "publishedAt")


@dataclass(frozen=True)
class CryptlexReleasePublished:
    """
    The judge of the wait for a Cryptlex release to be published
    (:func:`~airflow_provider_releases.rules.cryptlex.is_published`).

    Done with the release's :data:`CRYPTLEX_RELEASE_FIELDS`; an error when the release does not
    exist, the credentials are refused, or the record carries neither ``published`` nor
    ``publishedAt`` (there is nothing to wait on).
    """

    release_id: str
    not_found = "no such release in Cryptlex, so it can never publish"

    @property
    def subject(self) -> str:
        """The release, as messages name it."""
        return f"Cryptlex release {self.release_id!r}"

    def judge(self, hook: ReleasesBaseHook, answer: Any) -> Outcome:
        """Return the outcome a ``get_release`` answer shows (pure: ``hook`` only redacts)."""
        published = rules.is_published(answer) if isinstance(answer, dict) else None
        if published is None:
            why = "Cryptlex answered without 'published' or 'publishedAt', so whether it is published"
            return unreadable(hook, self.subject, f"{why} cannot be told", answer)
        if published:
            return Outcome.done({field: answer.get(field) for field in CRYPTLEX_RELEASE_FIELDS})
        named = (
            f"{self.subject} ({answer['name']!r}, version {answer.get('version')})"
            if answer.get("name")
            else self.subject
        )
        return Outcome.pending(f"{named} is not published yet.")


def check_cryptlex_release_published(hook: CryptlexHook, release_id: str) -> Outcome:
    """
    Read the Cryptlex release once (blocking) and say whether it is published; see
    :class:`CryptlexReleasePublished`. Never raises for an API failure (see
    :func:`~.outcome.read_failure`).
    """
    return check_read(hook, CryptlexReleasePublished(release_id), lambda: hook.get_release(release_id))


async def acheck_cryptlex_release_published(
    hook: CryptlexHook, release_id: str, read: Callable[[], Awaitable[Any]] | None = None
) -> Outcome:
    """
    :func:`check_cryptlex_release_published` on the event loop, through the async transport.

    :param read: what reads the release instead of ``hook.aget_release`` (a read shared with
        other waits, say); it must answer what ``aget_release`` would.
    """
    judge = CryptlexReleasePublished(release_id)
    return await acheck_read(hook, judge, read or (lambda: hook.aget_release(release_id)))
