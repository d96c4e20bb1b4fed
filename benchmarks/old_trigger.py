"""
The thread-based phase trigger the provider had before its triggers moved onto the event loop.

A copy of the loop of ``ReleasesBaseTrigger`` and ``LaunchDarklyReleasePhaseTrigger`` as they were
(commit adc8a69), kept as the wait benchmark's "old" variant since the package no longer has it:
each poll runs the provider's blocking check (``check_launchdarkly_release_phase``, through a hook
built the same way, with the same retry budget) in a worker thread (``asyncio.to_thread``), one
request per wait and poll; between polls the trigger sleeps on the event loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from airflow.triggers.base import BaseTrigger, TriggerEvent

# What the old base trigger gave the hooks it built (its TRIGGER_MAX_RETRIES, TRIGGER_MAX_RETRY_WAIT).
OLD_MAX_RETRIES = 2
OLD_MAX_RETRY_WAIT = 30.0


class OldLaunchDarklyReleasePhaseTrigger(BaseTrigger):
    """
    Wait for a phase of a flag's release to complete, checking in a worker thread every poll.

    Same keyword arguments and events as the provider's ``LaunchDarklyReleasePhaseTrigger`` had.
    """

    def __init__(
        self,
        *,
        project_key: str,
        flag_key: str,
        phase: str | int,
        end_time: float,
        poll_interval: float,
        launchdarkly_conn_id: str = "launchdarkly_default",
    ) -> None:
        super().__init__()
        self.project_key, self.flag_key, self.phase = project_key, flag_key, phase
        self.end_time, self.poll_interval = float(end_time), float(poll_interval)
        self.launchdarkly_conn_id = launchdarkly_conn_id

    def serialize(self) -> tuple[str, dict[str, Any]]:
        """Return the class path and the keyword arguments."""
        kwargs = {
            "project_key": self.project_key,
            "flag_key": self.flag_key,
            "phase": self.phase,
            "launchdarkly_conn_id": self.launchdarkly_conn_id,
            "end_time": self.end_time,
            "poll_interval": self.poll_interval,
        }
        return f"{type(self).__module__}.{type(self).__qualname__}", kwargs

    def get_hook(self) -> Any:
        """A new LaunchDarkly hook for the trigger's connection, with the old small retry budget."""
        from airflow_provider_releases.hooks.launchdarkly import LaunchDarklyHook

        return LaunchDarklyHook.for_task(self, max_retries=OLD_MAX_RETRIES, max_retry_wait=OLD_MAX_RETRY_WAIT)

    def check(self, hook: Any) -> Any:
        """Read the flag's release once through ``hook`` (blocking); the provider's outcome."""
        from airflow_provider_releases.waits.launchdarkly import check_launchdarkly_release_phase

        return check_launchdarkly_release_phase(hook, self.project_key, self.flag_key, self.phase)

    async def run(self) -> AsyncIterator[TriggerEvent]:
        """Check in a worker thread until done, failed or past ``end_time``; yield one event."""
        from airflow_provider_releases.utils.clock import SYSTEM_CLOCK
        from airflow_provider_releases.waits.outcome import Outcome, WaitStatus

        hook = self.get_hook()
        try:
            while True:
                outcome = await asyncio.to_thread(self.check, hook)
                if outcome.status is not WaitStatus.PENDING:
                    final = (
                        outcome
                        if outcome.status is WaitStatus.DONE
                        else Outcome.failed(outcome.message or f"unexpected outcome {outcome!r}")
                    )
                    yield TriggerEvent(final.to_event())
                    return
                outcome.log_pending(self.log)
                remaining = self.end_time - SYSTEM_CLOCK.time()
                if remaining <= 0:
                    yield TriggerEvent(Outcome.timed_out(outcome.message).to_event())
                    return
                await SYSTEM_CLOCK.asleep(min(self.poll_interval, remaining))
        finally:
            hook.close()
