"""Trigger that waits for an Aha! release to ship."""

from __future__ import annotations

from typing import Any

from airflow_provider_releases.hooks.aha import AhaHook
from airflow_provider_releases.triggers.base import ReleasesBaseTrigger
from airflow_provider_releases.triggers.shared import Reader
from airflow_provider_releases.waits.aha import acheck_aha_release_shipped
from airflow_provider_releases.waits.outcome import Outcome


class AhaReleaseShippedTrigger(ReleasesBaseTrigger[AhaHook]):
    """
    Wait in the triggerer until an Aha! release is shipped (``released`` is true).

    Runs the same check as :class:`~airflow_provider_releases.sensors.aha.AhaReleaseShippedSensor`;
    see :class:`~airflow_provider_releases.triggers.base.ReleasesBaseTrigger` for its events.

    :param release_id: the release's numeric id or key (``"PRJ1-R-1"``).
    :param end_time: when to stop waiting, in epoch seconds.
    :param poll_interval: seconds between checks.
    :param aha_conn_id: the Airflow connection to Aha!.
    """

    hook_class = AhaHook

    def __init__(
        self,
        *,
        release_id: str | int,
        end_time: float,
        poll_interval: float,
        aha_conn_id: str = AhaHook.default_conn_name,
    ) -> None:
        super().__init__(end_time=end_time, poll_interval=poll_interval)
        self.release_id = release_id
        self.aha_conn_id = aha_conn_id

    def service_kwargs(self) -> dict[str, Any]:
        """Return the release id and connection id."""
        return {"release_id": self.release_id, "aha_conn_id": self.aha_conn_id}

    async def acheck(self, hook: AhaHook, reader: Reader) -> Outcome:
        """
        Read the release once (a read shared with other triggers on it) and return the outcome;
        see :func:`~airflow_provider_releases.waits.aha.acheck_aha_release_shipped`.
        """
        release_id = self.release_id

        def read() -> Any:
            return reader.read(hook, ("release", release_id), lambda: hook.aget_release(release_id))

        return await acheck_aha_release_shipped(hook, release_id, read)
