"""The shared loop of the release triggers: the sensors' check, in a worker thread, until done."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any, ClassVar

from airflow.triggers.base import BaseTrigger, TriggerEvent

from airflow_provider_releases.sensors.checks import DONE, ERROR, PENDING, TIMEOUT, Outcome

if TYPE_CHECKING:
    from airflow_provider_releases.hooks.base import ReleasesBaseHook

# The hook a trigger builds retries a failed read at most this often, waiting at most this long
# in total, so that one check stays short: the trigger's own loop asks again every poll interval
# anyway, and a rate limit or 5xx that outlasts this budget just counts as "not done yet".
TRIGGER_MAX_RETRIES = 2
TRIGGER_MAX_RETRY_WAIT = 30.0

# Looked up per call, so tests can record the waits and set the clock.
_sleep = asyncio.sleep
_now = time.time


class ReleasesBaseTrigger(BaseTrigger):
    """
    Base of the release triggers: run the sensor's check until it is done, fails or times out.

    Each check runs in a worker thread (``asyncio.to_thread``), so the blocking HTTP call and
    its retry waits never block the triggerer's event loop; between checks the trigger sleeps
    ``poll_interval`` seconds with ``asyncio.sleep``. It yields exactly one
    :class:`~airflow.triggers.base.TriggerEvent`, whose payload is a plain JSON-able dict:

    - ``{"status": "done", "value": {...}}``: the awaited state was reached;
    - ``{"status": "error", "message": "..."}``: it can never be reached;
    - ``{"status": "timeout", "message": "<the last check>"}``: ``end_time`` passed first.

    Transient API errors (429, 5xx, no response) count as not done yet: logged as a warning and
    tried again after ``poll_interval``. Other exceptions (a missing connection, a bug) fail the
    trigger, and with it the task, as they would fail a poking sensor.

    :param end_time: when to stop waiting, in epoch seconds (the sensor's start plus its timeout).
    :param poll_interval: seconds between checks (the sensor's ``poke_interval``).
    """

    hook_class: ClassVar[type[ReleasesBaseHook]]  # its conn_name_attr names the connection parameter

    def __init__(self, *, end_time: float, poll_interval: float) -> None:
        super().__init__()
        self.end_time = float(end_time)
        self.poll_interval = float(poll_interval)

    def serialize(self) -> tuple[str, dict[str, Any]]:
        """Return this trigger's class path and its keyword arguments, all JSON primitives."""
        kwargs = {**self.service_kwargs(), "end_time": self.end_time, "poll_interval": self.poll_interval}
        return f"{type(self).__module__}.{type(self).__qualname__}", kwargs

    def service_kwargs(self) -> dict[str, Any]:
        """Return the service-specific keyword arguments (ids, keys, connection id)."""
        raise NotImplementedError

    def get_hook(self) -> ReleasesBaseHook:
        """Return a new hook with a small retry budget (see ``TRIGGER_MAX_RETRIES``)."""
        return self.hook_class(
            getattr(self, self.hook_class.conn_name_attr),
            max_retries=TRIGGER_MAX_RETRIES,
            max_retry_wait=TRIGGER_MAX_RETRY_WAIT,
        )

    def check(self, hook: ReleasesBaseHook) -> Outcome:
        """Read the vendor once through ``hook`` (blocking) and return the outcome."""
        raise NotImplementedError

    async def check_once(self, hook: ReleasesBaseHook) -> Outcome:
        """Run :meth:`check` once in a worker thread, so the blocking read never blocks the loop."""
        return await asyncio.to_thread(self.check, hook)

    async def run(self) -> AsyncIterator[TriggerEvent]:
        """Check until done, failed or past ``end_time``; yield one event saying which."""
        hook = self.get_hook()
        try:
            while True:
                outcome = await self.check_once(hook)
                status = outcome.get("status")
                if status == DONE:
                    yield TriggerEvent({"status": DONE, "value": outcome["value"]})
                    return
                if status != PENDING:
                    message = outcome.get("message") or f"unexpected outcome {outcome!r}"
                    yield TriggerEvent({"status": ERROR, "message": str(message)})
                    return
                message = str(outcome["message"])
                if outcome.get("transient"):
                    self.log.warning("%s", message)
                else:
                    self.log.info("%s", message)
                remaining = self.end_time - _now()
                if remaining <= 0:
                    yield TriggerEvent({"status": TIMEOUT, "message": message})
                    return
                await _sleep(min(self.poll_interval, remaining))
        finally:
            hook.close()
