"""Trigger that waits for a Cryptlex release to be published."""

from __future__ import annotations

from typing import Any

from airflow_provider_releases.hooks.cryptlex import CryptlexHook
from airflow_provider_releases.triggers.base import ReleasesBaseTrigger
from airflow_provider_releases.triggers.shared import Reader
from airflow_provider_releases.waits.cryptlex import acheck_cryptlex_release_published
from airflow_provider_releases.waits.outcome import Outcome


class CryptlexReleasePublishedTrigger(ReleasesBaseTrigger[CryptlexHook]):
    """
    Wait in the triggerer until a Cryptlex release is published.

    Runs the same check as
    :class:`~airflow_provider_releases.sensors.cryptlex.CryptlexReleasePublishedSensor`; see
    :class:`~airflow_provider_releases.triggers.base.ReleasesBaseTrigger` for its events.

    :param release_id: the release's id.
    :param end_time: when to stop waiting, in epoch seconds.
    :param poll_interval: seconds between checks.
    :param cryptlex_conn_id: the Airflow connection to Cryptlex.
    """

    hook_class = CryptlexHook

    def __init__(
        self,
        *,
        release_id: str,
        end_time: float,
        poll_interval: float,
        cryptlex_conn_id: str = CryptlexHook.default_conn_name,
    ) -> None:
        super().__init__(end_time=end_time, poll_interval=poll_interval)
        self.release_id = release_id
        self.cryptlex_conn_id = cryptlex_conn_id

    def service_kwargs(self) -> dict[str, Any]:
        """Return the release id and connection id."""
        return {"release_id": self.release_id, "cryptlex_conn_id": self.cryptlex_conn_id}

    async def acheck(self, hook: CryptlexHook, reader: Reader) -> Outcome:
        """
        Read the release once (a read shared with other triggers on it) and return the outcome;
        see :func:`~airflow_provider_releases.waits.cryptlex.acheck_cryptlex_release_published`.
        """
        release_id = self.release_id

        def read() -> Any:
            return reader.read(hook, ("release", release_id), lambda: hook.aget_release(release_id))

        return await acheck_cryptlex_release_published(hook, release_id, read)
