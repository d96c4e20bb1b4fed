"""The shared shape of the release sensors: poke or defer, one evaluation path for both."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar

from airflow.sdk import BaseSensorOperator, PokeReturnValue
from airflow.sdk.configuration import conf
from airflow.sdk.exceptions import (
    AirflowException,
    AirflowFailException,
    AirflowSensorTimeout,
    AirflowSkipException,
)

from airflow_provider_releases.exceptions import ReleaseSensorFailed
from airflow_provider_releases.sensors.checks import DONE, ERROR, PENDING, TIMEOUT, Outcome, timeout_message

if TYPE_CHECKING:
    from airflow.sdk import Context
    from airflow.triggers.base import BaseTrigger

    from airflow_provider_releases.hooks.base import ReleasesBaseHook

# A deferred sensor's trigger ends the wait itself at the sensor's timeout, with a clear message.
# Airflow's own deferral timeout is set this much later, as a backstop should the trigger not fire
# (it still becomes AirflowSensorTimeout); it covers a check in flight at the deadline.
DEFERRAL_GRACE_SECONDS = 600


class ReleasesBaseSensor(BaseSensorOperator):
    """
    Base of the release sensors: wait for a release to reach a state, by poking or deferring.

    Subclasses set their :attr:`hook_class` and say how to read the state once
    (:meth:`check`, one of :mod:`airflow_provider_releases.sensors.checks`), which trigger waits
    for them when deferred (:meth:`get_trigger`) and what they wait for (:meth:`waiting_for`).

    Both modes run the same check: ``poke`` calls it directly, the trigger calls it in a worker
    thread. A check that finds the state done returns its value (pushed to XCom); one that finds
    the wait can never succeed raises :class:`ReleaseSensorFailed`; transient API errors (429,
    5xx, no response) count as not done yet, with a warning, and are tried again at the next
    poke. ``soft_fail``, ``never_fail`` and ``silent_fail`` apply as for any sensor.

    :param deferrable: hand the waiting to a trigger in Airflow's triggerer instead of holding a
        worker slot; defaults to ``[operators] default_deferrable``. The sensor checks once
        before deferring, and the trigger honours the sensor's ``timeout`` and checks every
        ``poke_interval`` seconds (``exponential_backoff`` applies to poking only).
    """

    template_fields: Sequence[str] = ()
    hook_class: ClassVar[type[ReleasesBaseHook]]  # its conn_name_attr names the connection parameter

    def __init__(
        self,
        *,
        deferrable: bool = conf.getboolean("operators", "default_deferrable", fallback=False),
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.deferrable = deferrable
        self._last_check: str | None = None

    # What subclasses provide

    def get_hook(self) -> ReleasesBaseHook:
        """Return a new hook for this sensor's connection (the ``<service>_conn_id`` parameter)."""
        return self.hook_class(getattr(self, self.hook_class.conn_name_attr))

    def check(self, hook: ReleasesBaseHook) -> Outcome:
        """Read the vendor once through ``hook`` and return the outcome (never raises for API errors)."""
        raise NotImplementedError

    def get_trigger(self, end_time: float) -> BaseTrigger:
        """Return the trigger that waits for this sensor, ending the wait at ``end_time`` (epoch s)."""
        raise NotImplementedError

    def waiting_for(self) -> str:
        """Say what this sensor waits for, for messages such as a timeout's."""
        raise NotImplementedError

    # Poking

    @cached_property
    def hook(self) -> ReleasesBaseHook:
        """The hook, built on first use (after templating) and reused by every poke of this run."""
        return self.get_hook()

    def _close_hook(self) -> None:
        hook = self.__dict__.pop("hook", None)
        if hook is not None:
            hook.close()

    def poke(self, context: Context) -> PokeReturnValue:
        """
        Check once; return whether the wait is over, with the result as the XCom value.

        :raises ReleaseSensorFailed: the awaited state can never be reached.
        """
        return self._settle(self.check(self.hook))

    def _settle(self, outcome: Outcome) -> PokeReturnValue:
        status = outcome.get("status")
        if status == DONE:
            self.log.info("Done waiting for %s.", self.waiting_for())
            return PokeReturnValue(is_done=True, xcom_value=outcome["value"])
        if status == PENDING:
            self._last_check = outcome["message"]
            if outcome.get("transient"):
                self.log.warning("%s", outcome["message"])
            else:
                self.log.info("%s", outcome["message"])
            return PokeReturnValue(is_done=False)
        if status == ERROR:
            raise ReleaseSensorFailed(outcome["message"])
        raise AirflowException(f"Unexpected outcome while waiting for {self.waiting_for()}: {outcome!r}")

    def execute(self, context: Context) -> Any:
        """
        Wait for the release state and return the sensor's result.

        Not deferrable: poke (or reschedule) as any sensor does. Deferrable: check once, return
        at once when done, else defer to the trigger, which resumes in :meth:`execute_complete`.

        :raises ReleaseSensorFailed: the awaited state can never be reached.
        :raises AirflowSensorTimeout: the sensor's ``timeout`` passed first.
        :raises TaskDeferred: (deferrable) the wait continues in the triggerer.
        """
        if not self.deferrable:
            try:
                return super().execute(context)
            except AirflowSensorTimeout as exc:
                raise AirflowSensorTimeout(
                    timeout_message(self.waiting_for(), self.timeout, self._last_check)
                ) from exc
            finally:
                self._close_hook()
        end_time = time.time() + self.timeout
        try:
            first = self._first_poke(context)
        finally:
            self._close_hook()
        if first:
            return first.xcom_value
        remaining = max(0.0, end_time - time.time())
        self.defer(
            trigger=self.get_trigger(end_time),
            method_name="execute_complete",
            timeout=timedelta(seconds=remaining + DEFERRAL_GRACE_SECONDS),
        )

    def _first_poke(self, context: Context) -> PokeReturnValue:
        """Poke once, handling failures as ``BaseSensorOperator.execute`` does for every poke."""
        try:
            return self.poke(context)
        except (AirflowSensorTimeout, AirflowFailException) as exc:
            if self.soft_fail:
                raise AirflowSkipException("Skipping due to soft_fail is set to True.") from exc
            if self.never_fail:
                raise AirflowSkipException("Skipping due to never_fail is set to True.") from exc
            raise
        except AirflowSkipException:
            raise
        except Exception as exc:
            if self.silent_fail:
                self.log.exception("Sensor poke failed; deferring anyway (silent_fail is set).")
                return PokeReturnValue(is_done=False)
            if self.never_fail:
                raise AirflowSkipException("Skipping due to never_fail is set to True.") from exc
            raise

    def execute_complete(self, context: Context, event: dict[str, Any] | None = None) -> Any:
        """
        Resume after the trigger fired: return what ``poke`` would have, or raise what it would.

        :raises ReleaseSensorFailed: the trigger found the awaited state can never be reached.
        :raises AirflowSensorTimeout: the sensor's ``timeout`` passed first.
        :raises AirflowException: the event is not one this sensor's trigger sends.
        """
        status = event.get("status") if isinstance(event, dict) else None
        if status == DONE and "value" in event:
            self.log.info("Done waiting for %s.", self.waiting_for())
            return event["value"]
        if status == ERROR:
            raise ReleaseSensorFailed(str(event.get("message")))
        if status == TIMEOUT:
            raise AirflowSensorTimeout(
                timeout_message(self.waiting_for(), self.timeout, event.get("message"))
            )
        raise AirflowException(f"Unexpected trigger event while waiting for {self.waiting_for()}: {event!r}")
