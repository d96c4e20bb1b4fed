"""The shared shape of the release sensors: poke or defer, one evaluation path for both."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta, timezone
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from airflow.sdk import BaseSensorOperator, PokeReturnValue
from airflow.sdk.configuration import conf
from airflow.sdk.exceptions import (
    AirflowException,
    AirflowFailException,
    AirflowNotFoundException,
    AirflowSensorTimeout,
)
from airflow.sdk.module_loading import import_string

from airflow_provider_releases.exceptions import InvalidParameterError, ReleasesError
from airflow_provider_releases.hooks.base import ReleasesBaseHook
from airflow_provider_releases.milestones import WAIT_STATUS_XCOM_KEY, put_on_outlets, wait_status
from airflow_provider_releases.retries import classify_failure, use_by_default
from airflow_provider_releases.utils import validation
from airflow_provider_releases.waits.base import ReleaseWait
from airflow_provider_releases.waits.outcome import NotAnEvent, Outcome, WaitStatus, timeout_message

if TYPE_CHECKING:
    from airflow.providers.openlineage.extractors import OperatorLineage
    from airflow.sdk import Asset, Context

    from airflow_provider_releases.triggers.base import ReleaseWaitTrigger

__all__ = ["DEFERRAL_GRACE_SECONDS", "ReleaseSensorFailed", "ReleasesBaseSensor"]

# A deferred sensor's trigger ends the wait itself at the sensor's timeout, with a clear message.
# Airflow's own deferral timeout is set this much later, as a backstop should the trigger not fire
# (it still becomes AirflowSensorTimeout); it covers a check in flight at the deadline.
DEFERRAL_GRACE_SECONDS = 600

WaitT = TypeVar("WaitT", bound=ReleaseWait)


class ReleaseSensorFailed(AirflowFailException, ReleasesError):
    """The awaited release state can never be reached: the task fails at once, without retries."""


class ReleasesBaseSensor(BaseSensorOperator, Generic[WaitT]):
    """
    Base of the release sensors: wait for a release to reach a state, by poking or deferring.

    A subclass declares its wait (:attr:`wait_class`, a
    :class:`~airflow_provider_releases.waits.base.ReleaseWait`) whose fields are the sensor's
    parameters and ``template_fields``; poke and trigger run the same check. Plain parameters are
    checked when the DAG is parsed, templated ones after rendering. With outlets, the finished wait
    puts its :meth:`milestone` on each asset event once.

    On Airflow 3.3 and later the ``retry_policy`` is a
    :class:`~airflow_provider_releases.retries.ReleasesRetryPolicy` unless one is given.

    :param deferrable: hand the waiting to a trigger in the triggerer, after one check in the worker;
        defaults to ``[operators] default_deferrable``. The trigger keeps the sensor's ``timeout``
        and ``poke_interval``.
    """

    template_fields: Sequence[str] = ()
    #: What the sensor waits for; its fields are parameters of the sensor of the same names.
    wait_class: ClassVar[type[ReleaseWait]]
    #: The class path of the trigger a deferral hands the wait to (imported only then, so a DAG
    #: file parses without the trigger machinery): by default the generic one, which carries the
    #: wait as its class path and its fields.
    trigger_classpath: ClassVar[str] = "airflow_provider_releases.triggers.base.ReleaseWaitTrigger"
    #: The wait's hook class; its ``conn_name_attr`` names the connection parameter (``aha_conn_id``...).
    hook_class: ClassVar[type[ReleasesBaseHook]]
    #: How each parameter is checked, by attribute name (the connection id is added to these):
    #: in the constructor when given as a plain value, at each check after rendering.
    parameters: ClassVar[Mapping[str, validation.Param]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "wait_class" in cls.__dict__:
            cls.hook_class = cls.wait_class.hook_class
            if "template_fields" not in cls.__dict__:
                cls.template_fields = cls.wait_class.field_names()

    def __init__(
        self,
        *,
        deferrable: bool = conf.getboolean("operators", "default_deferrable", fallback=False),
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        use_by_default(self)
        self.deferrable = deferrable
        self._last_check: str | None = None
        # While a deferrable sensor runs execute: when its wait ends (epoch seconds).
        self._defer_until: float | None = None

    def check_parameters(self, *, rendered: bool) -> None:
        """
        Check the parameters: all of them once rendered, else those given as plain values.

        :raises InvalidParameterError: a parameter is wrong or its template rendered to nothing.
        """
        params = {self.hook_class.conn_name_attr: validation.CONNECTION_ID, **self.parameters}
        validation.check_parameters(self, params, rendered=rendered)

    def wait(self) -> WaitT:
        """Return the wait, built from this sensor's parameters as they are now (rendered, in a run)."""
        return self.wait_class.of(self)

    def get_hook(self) -> ReleasesBaseHook:
        """Return a new hook for this sensor's connection (the ``<service>_conn_id`` parameter)."""
        return self.hook_class.for_task(self)

    def check(self, hook: ReleasesBaseHook) -> Outcome:
        """Check the wait once through ``hook`` (blocking)."""
        return self.wait().check(hook)

    def get_trigger(self, end_time: float) -> ReleaseWaitTrigger:
        """Return the trigger that waits for this sensor, ending the wait at ``end_time`` (epoch s)."""
        trigger_class: type[ReleaseWaitTrigger] = import_string(self.trigger_classpath)
        return trigger_class.for_wait(
            self.wait(), end_time=end_time, poll_interval=self.poke_interval, **self.poll_settings()
        )

    def poll_settings(self) -> dict[str, Any]:
        """Return the keyword arguments of the trigger's own way of polling, if any (none here)."""
        return {}

    def waiting_for(self) -> str:
        """Say what this sensor waits for, for messages such as a timeout's."""
        return self.wait().waiting_for

    # What subclasses may add

    def milestone(self, result: Any, context: Context) -> dict[str, Any] | None:
        """Describe the state reached as the ``extra`` of the task's asset events; ``None`` writes nothing."""
        return None

    def target_asset(self, result: Any) -> Asset | None:
        """Return the release asset of what this run waited for (an ``AssetAlias`` target), or ``None``."""
        return None

    def resumed_value(self, value: Any) -> Any:
        """Return what the sensor returns for a trigger's ``done`` value (a subclass may complete it)."""
        return value

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

        :raises ReleaseSensorFailed: the awaited state can never be reached, a rendered parameter
            is wrong, or the connection is not defined.
        :raises TaskDeferred: (deferrable, within ``execute``) the wait continues in the triggerer.
        """
        try:
            self.check_parameters(rendered=True)
            outcome = self.check(self.hook)
        except InvalidParameterError as exc:
            raise ReleaseSensorFailed(str(exc)) from exc
        except AirflowNotFoundException as exc:  # names the connection; a retry would not define it
            raise ReleaseSensorFailed(
                f"{str(exc).rstrip('.')}. To fix: {classify_failure(exc).fix}."
            ) from exc
        self._record_check(context, outcome)
        result = self._settle(outcome)
        if not result.is_done and self._defer_until is not None:
            self._defer(self._defer_until)
        return result

    def _settle(self, outcome: Outcome) -> PokeReturnValue:
        if outcome.status is WaitStatus.DONE:
            self.log.info("Done waiting for %s.", self.waiting_for())
            return PokeReturnValue(is_done=True, xcom_value=outcome.value)
        if outcome.status is WaitStatus.PENDING:
            self._last_check = outcome.message
            outcome.log_pending(self.log)
            return PokeReturnValue(is_done=False)
        if outcome.status is WaitStatus.ERROR:
            raise ReleaseSensorFailed(outcome.message)
        raise AirflowException(f"Unexpected outcome while waiting for {self.waiting_for()}: {outcome!r}")

    def _record_check(self, context: Context, outcome: Outcome) -> None:
        """Keep what this check found in the XCom the Releases page reads (``wait_status``)."""
        ti = context.get("ti")
        if ti is not None:
            checked_at = datetime.now(timezone.utc).isoformat()
            status = wait_status(outcome.status.value, outcome.message, outcome.reason, checked_at)
            ti.xcom_push(key=WAIT_STATUS_XCOM_KEY, value=status)

    def _defer(self, end_time: float) -> None:
        """Hand the wait to the trigger until ``end_time``; Airflow's timeout is a later backstop."""
        self._close_hook()
        remaining = max(0.0, end_time - time.time())
        self.defer(
            trigger=self.get_trigger(end_time),
            method_name="execute_complete",
            timeout=timedelta(seconds=remaining + DEFERRAL_GRACE_SECONDS),
        )

    def execute(self, context: Context) -> Any:
        """
        Wait for the release state with Airflow's ``BaseSensorOperator.execute`` and return the result.

        :raises ReleaseSensorFailed: the awaited state can never be reached.
        :raises AirflowSensorTimeout: the sensor's ``timeout`` passed first.
        """
        self._defer_until = time.time() + self.timeout if self.deferrable else None
        try:
            result = super().execute(context)
            put_on_outlets(
                self, context, lambda: self.milestone(result, context), lambda: self.target_asset(result)
            )
            self._completed = (result, context)
            return result
        except AirflowSensorTimeout as exc:
            raise AirflowSensorTimeout(
                timeout_message(self.waiting_for(), self.timeout, self._last_check)
            ) from exc
        finally:
            self._defer_until = None
            self._close_hook()

    def execute_complete(self, context: Context, event: dict[str, Any] | None = None) -> Any:
        """
        Resume after the trigger fired: return what ``poke`` would have, or raise what it would.

        :raises AirflowException: the event is not one this sensor's trigger sends.
        """
        try:
            outcome = Outcome.from_event(event)
        except NotAnEvent:
            raise AirflowException(
                f"Unexpected trigger event while waiting for {self.waiting_for()}: {event!r}"
            ) from None
        self._record_check(context, outcome)
        if outcome.status is WaitStatus.ERROR:
            raise ReleaseSensorFailed(outcome.message)
        if outcome.status is WaitStatus.TIMEOUT:
            raise AirflowSensorTimeout(timeout_message(self.waiting_for(), self.timeout, outcome.message))
        self.log.info("Done waiting for %s.", self.waiting_for())
        try:
            value = self.resumed_value(outcome.value)
            put_on_outlets(
                self, context, lambda: self.milestone(value, context), lambda: self.target_asset(value)
            )
            self._completed = (outcome.value, context)
        finally:
            self._close_hook()
        return value

    def get_openlineage_facets_on_complete(self, task_instance: Any) -> OperatorLineage:
        """Return the wait's OpenLineage facets (:func:`~.lineage.release_lineage`)."""
        from airflow.providers.openlineage.extractors import OperatorLineage

        from airflow_provider_releases.lineage import release_lineage

        completed = getattr(self, "_completed", None)
        return OperatorLineage() if completed is None else release_lineage(self, *completed)
