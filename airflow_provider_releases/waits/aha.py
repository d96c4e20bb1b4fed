"""The wait for an Aha! release to ship."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from airflow_provider_releases.hooks.aha import AhaHook
from airflow_provider_releases.rules import aha as rules
from airflow_provider_releases.waits.base import ReleaseWait
from airflow_provider_releases.waits.outcome import Outcome, unreadable

if TYPE_CHECKING:
    from airflow_provider_releases.hooks.base import ReleasesBaseHook

#: Fields of an Aha! release returned by ``AhaReleaseShippedSensor``.
AHA_RELEASE_FIELDS = ("id", "reference_num", "name", "released_on", "url")


@dataclass(frozen=True)
class AhaReleaseShipped(ReleaseWait[AhaHook]):
    """The wait of :class:`~airflow_provider_releases.sensors.aha.AhaReleaseShippedSensor`."""

    hook_class = AhaHook
    not_found = "no such release in Aha!, so it can never ship"

    release_id: str | int
    aha_conn_id: str = AhaHook.default_conn_name

    @property
    def subject(self) -> str:
        return f"Aha! release {self.release_id!r}"

    @property
    def waiting_for(self) -> str:
        return f"{self.subject} to ship"

    @property
    def read_key(self) -> tuple[Hashable, ...]:
        return ("release", self.release_id)

    def read(self, hook: AhaHook) -> Any:
        return hook.get_release(self.release_id)

    async def aread(self, hook: AhaHook) -> Any:
        return await hook.aget_release(self.release_id)

    def judge(self, hook: ReleasesBaseHook, answer: Any) -> Outcome:
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
    """Check :class:`AhaReleaseShipped` once through ``hook``, blocking."""
    return AhaReleaseShipped(release_id, hook.conn_id).check(hook)


async def acheck_aha_release_shipped(
    hook: AhaHook, release_id: str | int, read: Callable[[], Awaitable[Any]] | None = None
) -> Outcome:
    """Check :class:`AhaReleaseShipped` once through ``hook`` on the event loop."""
    return await AhaReleaseShipped(release_id, hook.conn_id).acheck(hook, read)
