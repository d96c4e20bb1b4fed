"""The trigger of the deferrable sensors: a wait's check, on the event loop, until done."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Awaitable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from airflow.sdk.module_loading import import_string
from airflow.triggers.base import BaseTrigger, TriggerEvent

from airflow_provider_releases.exceptions import InvalidParameterError
from airflow_provider_releases.hooks.base import ReleasesBaseHook
from airflow_provider_releases.triggers.shared import (
    PollSpec,
    Reader,
    Subscription,
    shared_hooks,
    shared_polls,
)
from airflow_provider_releases.utils.clock import SYSTEM_CLOCK, Clock
from airflow_provider_releases.waits.base import ReleaseWait
from airflow_provider_releases.waits.outcome import READ_ERRORS, Outcome, WaitStatus, read_failure

if TYPE_CHECKING:
    from typing_extensions import Self

# The hook a trigger builds retries a failed read at most this often, waiting at most this long
# in total, so that one check stays short: the trigger's own loop asks again every poll interval
# anyway, and a rate limit or 5xx that outlasts this budget just counts as "not done yet".
TRIGGER_MAX_RETRIES = 2
TRIGGER_MAX_RETRY_WAIT = 30.0

WaitT = TypeVar("WaitT", bound=ReleaseWait)


def classpath(cls: type) -> str:
    """The import path of ``cls``, as a trigger row stores it."""
    return f"{cls.__module__}.{cls.__qualname__}"


def wait_class_at(path: str | type[ReleaseWait]) -> type[ReleaseWait]:
    """
    Import the wait class at ``path`` (a class passes through), checked to be one.

    :raises InvalidParameterError: ``path`` is no :class:`~airflow_provider_releases.waits.base.ReleaseWait`.
    """
    accepted = (
        "the class path of a ReleaseWait dataclass, such as "
        "'airflow_provider_releases.waits.aha.AhaReleaseShipped'"
    )
    try:
        found = import_string(path) if isinstance(path, str) else path
    except ImportError:
        raise InvalidParameterError("wait", path, accepted) from None
    if not (isinstance(found, type) and issubclass(found, ReleaseWait) and dataclasses.is_dataclass(found)):
        raise InvalidParameterError("wait", path, accepted)
    return found


class ReleaseWaitTrigger(BaseTrigger, Generic[WaitT]):
    """
    The trigger of the deferrable release sensors: check a wait until it is done, fails or times out.

    The trigger follows its wait on the event loop through a shared poll
    (:mod:`~airflow_provider_releases.triggers.shared`): one hook per connection, one read per
    thing read and poll interval, and a wake-up only when the wait's answer changed or its
    ``end_time`` passed. It ends in exactly one event (:mod:`~airflow_provider_releases.waits.outcome`);
    other exceptions fail the task.

    :param wait: the class path of the wait (or the class itself).
    :param wait_fields: the wait's fields (:meth:`~airflow_provider_releases.waits.base.ReleaseWait.fields`).
    :param end_time: when to stop waiting, in epoch seconds (the sensor's start plus its timeout).
    :param poll_interval: seconds between checks (the sensor's ``poke_interval``).
    :raises InvalidParameterError: ``wait`` names no wait class.
    """

    #: What the trigger reads the time from and waits with between checks (not serialised).
    clock: ClassVar[Clock] = SYSTEM_CLOCK

    def __init__(
        self,
        *,
        wait: str | type[WaitT],
        wait_fields: Mapping[str, Any],
        end_time: float,
        poll_interval: float,
    ) -> None:
        super().__init__()
        wait_class = wait_class_at(wait)
        self.wait: WaitT = wait_class(**wait_fields)
        self.end_time = float(end_time)
        self.poll_interval = float(poll_interval)

    @classmethod
    def for_wait(cls, wait: WaitT, *, end_time: float, poll_interval: float, **poll_settings: Any) -> Self:
        """Return the trigger that checks ``wait`` (``poll_settings``: a subclass's own, if any)."""
        return cls(**cls.wait_kwargs(wait), **poll_settings, end_time=end_time, poll_interval=poll_interval)

    @classmethod
    def wait_kwargs(cls, wait: ReleaseWait) -> dict[str, Any]:
        """Return the keyword arguments that carry ``wait``: its class path and its fields."""
        return {"wait": classpath(type(wait)), "wait_fields": wait.fields()}

    def serialize(self) -> tuple[str, dict[str, Any]]:
        """Return this trigger's class path and its keyword arguments, all JSON primitives."""
        kwargs = {
            **self.wait_kwargs(self.wait),
            **self.poll_settings(),
            "end_time": self.end_time,
            "poll_interval": self.poll_interval,
        }
        return classpath(type(self)), kwargs

    def poll_settings(self) -> dict[str, Any]:
        """Return the keyword arguments of a subclass's own way of polling (none here)."""
        return {}

    @property
    def hook_class(self) -> type[ReleasesBaseHook]:
        """The wait's hook class."""
        return self.wait.hook_class

    def get_hook(self) -> ReleasesBaseHook:
        """Return a new hook for the wait's connection, with a small retry budget."""
        return self.hook_class.for_task(
            self.wait, max_retries=TRIGGER_MAX_RETRIES, max_retry_wait=TRIGGER_MAX_RETRY_WAIT
        )

    def read_shared(self, hook: ReleasesBaseHook, reader: Reader) -> Awaitable[Any]:
        """Read the wait's answer, shared with every trigger reading the same through the same connection."""
        return reader.read(hook, self.wait.read_key, lambda: self.wait.aread(hook))

    async def acheck(self, hook: ReleasesBaseHook, reader: Reader) -> Outcome:
        """Check the wait once through ``hook``, its read shared through ``reader``."""
        return await self.wait.acheck(hook, lambda: self.read_shared(hook, reader))

    def follow(self, hook: ReleasesBaseHook) -> Follower:
        """Return how this trigger follows its wait between events (a subclass may follow another read)."""
        return ReadFollower(self, hook)

    async def run(self) -> AsyncIterator[TriggerEvent]:
        """Follow the wait until done, failed or past ``end_time``; yield one event saying which."""
        hooks, key = shared_hooks(), (self.hook_class, self.wait.conn_id)
        try:
            try:
                hook = await hooks.acquire(key, self.get_hook)
            except READ_ERRORS as exc:  # an invalid connection: judged as a read would be
                failed = read_failure(self.get_hook(), exc, self.wait.subject, not_found=self.wait.not_found)
                yield TriggerEvent(self._final(failed).to_event())
                return
            follower = self.follow(hook)
            try:
                while True:
                    outcome = await follower.next()
                    if outcome.status is not WaitStatus.PENDING:
                        yield TriggerEvent(self._final(outcome).to_event())
                        return
                    outcome.log_pending(self.log)
                    if self.clock.time() >= self.end_time:
                        yield TriggerEvent(Outcome.timed_out(outcome.message).to_event())
                        return
            finally:
                follower.close()
        finally:
            await hooks.release(key)

    @staticmethod
    def _final(outcome: Outcome) -> Outcome:
        if outcome.status is WaitStatus.DONE:
            return outcome
        return Outcome.failed(outcome.message or f"unexpected outcome {outcome!r}", reason=outcome.reason)


class Follower:
    """How a running trigger learns its wait's outcome: :meth:`next` returns it when it may have changed."""

    async def next(self) -> Outcome:
        """Wait until the wait's outcome may have changed (or its deadline passed); return it."""
        raise NotImplementedError

    def close(self) -> None:
        """Stop following (the trigger ended). Idempotent."""
        raise NotImplementedError


class ReadFollower(Follower):
    """
    Follow a wait through the shared poll of its own read (:attr:`ReleaseWait.read_key`): waits on
    the same thing through the same connection share one read per poll interval, and each is
    woken only when the answer changed.
    """

    def __init__(self, trigger: ReleaseWaitTrigger, hook: ReleasesBaseHook) -> None:
        wait = self.wait = trigger.wait
        self.hook = hook
        spec = PollSpec(
            key=(hook.service, hook.conn_id, *wait.read_key),
            fetch=lambda: wait.aread(hook),
            entries=lambda answer: {None: answer},
            interval=trigger.poll_interval,
        )
        self.subscription: Subscription = shared_polls().subscribe(
            spec, None, clock=trigger.clock, deadline=trigger.end_time
        )

    async def next(self) -> Outcome:
        """Return the outcome of the poll's answer once it changed, failed, or the deadline came."""
        wake = await self.subscription.next()
        if wake.error is not None:
            return judged_failure(self.hook, self.wait, wake.error)
        return self.wait.judge(self.hook, wake.entry)

    def close(self) -> None:
        self.subscription.close()


def judged_failure(hook: ReleasesBaseHook, wait: ReleaseWait, error: BaseException) -> Outcome:
    """The outcome of a failed shared read; an error that is no read failure (a bug) is raised."""
    if not isinstance(error, READ_ERRORS):
        raise error
    return read_failure(hook, error, wait.subject, not_found=wait.not_found)


#: The name of :class:`ReleaseWaitTrigger` as the triggers' base, up to release 0.2.0.
ReleasesBaseTrigger = ReleaseWaitTrigger


class DeclaredWaitTrigger(ReleaseWaitTrigger[WaitT]):
    """A :class:`ReleaseWaitTrigger` for one :attr:`wait_class`, in the kwargs form of 0.1.0 and 0.2.0."""

    #: The wait this trigger checks; built from the trigger's keyword arguments.
    wait_class: ClassVar[type[ReleaseWait]]

    def __init__(self, *, end_time: float, poll_interval: float, **wait_fields: Any) -> None:
        super().__init__(
            wait=self.wait_class, wait_fields=wait_fields, end_time=end_time, poll_interval=poll_interval
        )

    def __getattr__(self, name: str) -> Any:
        # the wait's fields read as the trigger's own attributes (``trigger.release_id``), as before
        wait = self.__dict__.get("wait")
        if wait is not None and name in wait.field_names():
            return getattr(wait, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    @classmethod
    def wait_kwargs(cls, wait: ReleaseWait) -> dict[str, Any]:
        """Return the keyword arguments that carry ``wait``: its fields."""
        return wait.fields()
