"""The shared loop of the release triggers: the sensors' check, on the event loop, until done."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, ClassVar, Generic, TypeVar

from airflow.triggers.base import BaseTrigger, TriggerEvent

from airflow_provider_releases.hooks.base import ReleasesBaseHook
from airflow_provider_releases.triggers.shared import Reader, shared_reads
from airflow_provider_releases.utils.clock import SYSTEM_CLOCK, Clock
from airflow_provider_releases.waits.outcome import Outcome, WaitStatus

# The hook a trigger builds retries a failed read at most this often, waiting at most this long
# in total, so that one check stays short: the trigger's own loop asks again every poll interval
# anyway, and a rate limit or 5xx that outlasts this budget just counts as "not done yet".
TRIGGER_MAX_RETRIES = 2
TRIGGER_MAX_RETRY_WAIT = 30.0

HookT = TypeVar("HookT", bound=ReleasesBaseHook)


class ReleasesBaseTrigger(BaseTrigger, Generic[HookT]):
    """
    Base of the release triggers: run the sensor's check until it is done, fails or times out.

    Each check (:meth:`acheck`) reads the vendor through the hook's async transport and judges the
    answer as the sensor's poke does (:mod:`airflow_provider_releases.waits`), so nothing blocks
    the triggerer's event loop: no worker thread, the connection looked up off the loop, retry
    waits awaited. Triggers of one triggerer that read the same thing through the same connection
    share one read per poll interval (:mod:`~airflow_provider_releases.triggers.shared`); the
    hook's async client is released when the trigger ends. Between checks the trigger waits
    ``poll_interval`` seconds on the event loop. It yields exactly one
    :class:`~airflow.triggers.base.TriggerEvent`, whose payload is a plain JSON-able dict
    (:meth:`~airflow_provider_releases.waits.outcome.Outcome.to_event`):

    - ``{"status": "done", "value": {...}}``: the awaited state was reached;
    - ``{"status": "error", "message": "..."}``: it can never be reached;
    - ``{"status": "timeout", "message": "<the last check>"}``: ``end_time`` passed first.

    Transient API errors (429, 5xx, no response) count as not done yet: logged as a warning and
    tried again after ``poll_interval``. Other exceptions (a missing connection, a bug) fail the
    trigger, and with it the task, as they would fail a poking sensor.

    :param end_time: when to stop waiting, in epoch seconds (the sensor's start plus its timeout).
    :param poll_interval: seconds between checks (the sensor's ``poke_interval``).
    """

    #: The hook class; its ``conn_name_attr`` names the connection parameter (``aha_conn_id``...).
    hook_class: type[HookT]
    #: What the trigger reads the time from and waits with between checks (not serialised).
    clock: ClassVar[Clock] = SYSTEM_CLOCK

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

    def get_hook(self) -> HookT:
        """Return a new hook for the trigger's connection, with a small retry budget (see above)."""
        return self.hook_class.for_task(
            self, max_retries=TRIGGER_MAX_RETRIES, max_retry_wait=TRIGGER_MAX_RETRY_WAIT
        )

    async def acheck(self, hook: HookT, reader: Reader) -> Outcome:
        """
        Read the vendor once through ``hook``'s async transport, sharing the read through
        ``reader``, and return the outcome (never raises for an API failure).
        """
        raise NotImplementedError

    async def run(self) -> AsyncIterator[TriggerEvent]:
        """Check until done, failed or past ``end_time``; yield one event saying which."""
        hook = self.get_hook()
        reader = shared_reads().reader(max_age=self.poll_interval)
        try:
            while True:
                outcome = await self.acheck(hook, reader)
                if outcome.status is not WaitStatus.PENDING:
                    yield TriggerEvent(self._final(outcome).to_event())
                    return
                outcome.log_pending(self.log)
                remaining = self.end_time - self.clock.time()
                if remaining <= 0:
                    yield TriggerEvent(Outcome.timed_out(outcome.message).to_event())
                    return
                await self.clock.asleep(min(self.poll_interval, remaining))
        finally:
            reader.close()
            await hook.aclose()

    @staticmethod
    def _final(outcome: Outcome) -> Outcome:
        """A check's final outcome as an event says it: done stays done, anything else an error."""
        if outcome.status is WaitStatus.DONE:
            return outcome
        return Outcome.failed(outcome.message or f"unexpected outcome {outcome!r}")
