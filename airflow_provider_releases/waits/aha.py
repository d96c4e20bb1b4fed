"""Waiting for an Aha! release to ship: one read, judged by the rule book, poked or awaited."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from airflow_provider_releases.rules import aha as rules
from airflow_provider_releases.waits.outcome import Outcome, acheck_read, check_read, unreadable

if TYPE_CHECKING:
    from airflow_provider_releases.hooks.aha import AhaHook
    from airflow_provider_releases.hooks.base import ReleasesBaseHook

#: Fields of an Aha! release returned by ``AhaReleaseShippedSensor``.
AHA_RELEASE_FIELDS = ("id", "reference_num", "name", "released_on", "url")


@dataclass(frozen=True)
class AhaReleaseShipped:
    """
    The judge of the wait for an Aha! release to ship
    (:func:`~airflow_provider_releases.rules.aha.is_shipped`: ``released`` is true).

    Done with the release's :data:`AHA_RELEASE_FIELDS`; an error when the release does not
    exist, the credentials are refused, or the answer does not say whether it is released.
    """

    release_id: str | int
    not_found = "no such release in Aha!, so it can never ship"

    @property
    def subject(self) -> str:
        """The release, as messages name it."""
        return f"Aha! release {self.release_id!r}"

    def judge(self, hook: ReleasesBaseHook, answer: Any) -> Outcome:
        """Return the outcome a ``get_release`` answer shows (pure: ``hook`` only redacts)."""
        shipped = rules.is_shipped(answer) if isinstance(answer, dict) else None
        if shipped is None:
            why = "Aha! answered without a 'released' field, so whether it shipped cannot be told"
            return unreadable(hook, self.subject, why, answer)
        if shipped:
            return Outcome.done({field: answer.get(field) for field in AHA_RELEASE_FIELDS})
        named = f"{self.subject} ({answer['name']!r})" if answer.get("name") else self.subject
        status = rules.workflow_status_name(answer)
        state = f" (workflow status {status!r})" if status else ""
        return Outcome.pending(f"{named} is not shipped yet{state}.")


def check_aha_release_shipped(hook: AhaHook, release_id: str | int) -> Outcome:
    """
    Read the Aha! release once (blocking) and say whether it is shipped; see
    :class:`AhaReleaseShipped`. Never raises for an API failure (see :func:`~.outcome.read_failure`).
    """
    return check_read(hook, AhaReleaseShipped(release_id), lambda: hook.get_release(release_id))


async def acheck_aha_release_shipped(
    hook: AhaHook, release_id: str | int, read: Callable[[], Awaitable[Any]] | None = None
) -> Outcome:
    """
    :func:`check_aha_release_shipped` on the event loop, through the async transport.

    :param read: what reads the release instead of ``hook.aget_release`` (a read shared with
        other waits, say); it must answer what ``aget_release`` would.
    """
    judge = AhaReleaseShipped(release_id)
    return await acheck_read(hook, judge, read or (lambda: hook.aget_release(release_id)))
