"""The wait for a Cryptlex release to be published."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from airflow_provider_releases.hooks.cryptlex import CryptlexHook
from airflow_provider_releases.rules import cryptlex as rules
from airflow_provider_releases.waits.base import ReleaseWait
from airflow_provider_releases.waits.outcome import Outcome, unreadable

if TYPE_CHECKING:
    from airflow_provider_releases.hooks.base import ReleasesBaseHook

#: Fields of a Cryptlex release returned by ``CryptlexReleasePublishedSensor``.
CRYPTLEX_RELEASE_FIELDS = ("id", "name", "version", "channel", "productId", "published", "publishedAt")


@dataclass(frozen=True)
class CryptlexReleasePublished(ReleaseWait[CryptlexHook]):
    """The wait of :class:`~airflow_provider_releases.sensors.cryptlex.CryptlexReleasePublishedSensor`."""

    hook_class = CryptlexHook
    not_found = "no such release in Cryptlex, so it can never publish"

    release_id: str
    cryptlex_conn_id: str = CryptlexHook.default_conn_name

    @property
    def subject(self) -> str:
        return f"Cryptlex release {self.release_id!r}"

    @property
    def waiting_for(self) -> str:
        return f"{self.subject} to be published"

    @property
    def read_key(self) -> tuple[Hashable, ...]:
        return ("release", self.release_id)

    def read(self, hook: CryptlexHook) -> Any:
        return hook.get_release(self.release_id)

    async def aread(self, hook: CryptlexHook) -> Any:
        return await hook.aget_release(self.release_id)

    def judge(self, hook: ReleasesBaseHook, answer: Any) -> Outcome:
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
    """Check :class:`CryptlexReleasePublished` once through ``hook``, blocking."""
    return CryptlexReleasePublished(release_id, hook.conn_id).check(hook)


async def acheck_cryptlex_release_published(
    hook: CryptlexHook, release_id: str, read: Callable[[], Awaitable[Any]] | None = None
) -> Outcome:
    """Check :class:`CryptlexReleasePublished` once through ``hook`` on the event loop."""
    return await CryptlexReleasePublished(release_id, hook.conn_id).acheck(hook, read)
