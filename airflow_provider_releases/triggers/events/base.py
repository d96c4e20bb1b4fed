"""
The shared loop of the release watchers: poll a vendor, fire one asset event per transition.

The watermark is the set of ids done at the last poll: the first poll without one is a baseline
that fires nothing; an id newly done fires once. On Airflow 3.3 it is kept in the watched asset's
``asset_state_store``, so a restarted triggerer catches up; on 3.2 it lives in memory.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Hashable
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, TypeVar

from airflow.triggers.base import BaseEventTrigger, TriggerEvent

from airflow_provider_releases.exceptions import ReleasesError
from airflow_provider_releases.hooks.base import ReleasesBaseHook
from airflow_provider_releases.triggers.base import TRIGGER_MAX_RETRIES, TRIGGER_MAX_RETRY_WAIT
from airflow_provider_releases.triggers.shared import Reader, shared_reads
from airflow_provider_releases.utils import validation as check
from airflow_provider_releases.utils.clock import SYSTEM_CLOCK, Clock
from airflow_provider_releases.waits.outcome import READ_ERRORS, WaitStatus, read_failure

HookT = TypeVar("HookT", bound=ReleasesBaseHook)

#: The shortest and longest ``poll_interval`` a watcher takes, in seconds.
MIN_POLL_INTERVAL = 0.1
MAX_POLL_INTERVAL = 86_400.0


class WatcherFailed(ReleasesError, RuntimeError):
    """A watcher can never see its transition (refused credentials, unknown product, pipeline or phase)."""


@dataclass
class DoneState:
    """What one snapshot shows for one watcher: ids in the done state, and ids it cannot tell."""

    done: dict[str, Any] = field(default_factory=dict)
    unknown: set[str] = field(default_factory=set)


class Watermark:
    """Where a watcher keeps the ids it found done: the asset's state store on Airflow 3.3, else memory."""

    def __init__(self, trigger: ReleasesEventTrigger) -> None:
        self.trigger = trigger
        self.key = trigger.watermark_key()
        self.store = getattr(trigger, "asset_state_store", None)  # absent on Airflow 3.2
        self.ids: set[str] | None = None
        self.loaded = False

    async def load(self) -> set[str] | None:
        """The stored ids, or ``None`` when there is no watermark yet (the next poll is the baseline)."""
        if not self.loaded:
            self.loaded = True
            stored = None
            if self.store is not None:
                try:
                    stored = await self.store.aget(self.key, None)
                except ValueError as exc:
                    self._forget_store(exc)
            if isinstance(stored, list) and all(isinstance(item, str) for item in stored):
                self.ids = set(stored)
            elif stored is not None:
                self.trigger.log.warning(
                    "The stored watermark %r is not a list of ids (%r); starting from a new baseline.",
                    self.key,
                    type(stored).__name__,
                )
        return None if self.ids is None else set(self.ids)

    async def save(self, ids: set[str]) -> None:
        """Keep ``ids`` as the watermark (written to the store only when it changed)."""
        if ids == self.ids:
            return
        self.ids = set(ids)
        if self.store is not None:
            try:
                await self.store.aset(self.key, sorted(ids))
            except ValueError as exc:
                self._forget_store(exc)

    def _forget_store(self, exc: ValueError) -> None:
        self.trigger.log.warning(
            "The watermark %r stays in memory (a restart starts from a new baseline): %s",
            self.key,
            exc,
        )
        self.store = None


class ReleasesEventTrigger(BaseEventTrigger, Generic[HookT]):
    """
    Base of the release watchers (see the module): one event per transition into a done state.

    A subclass reads a snapshot (:meth:`read_snapshot`), says which objects are done
    (:meth:`done_state`) and builds each milestone (:meth:`milestone`); watchers with equal
    :meth:`shared_stream_key` share one poll on Airflow 3.3. The watermark is saved after each
    event is yielded, so events are delivered at least once.

    :param poll_interval: seconds between polls (0.1 to 86,400).
    :raises InvalidParameterError: an argument has the wrong form (at DAG parse time).
    """

    hook_class: type[HookT]
    #: The watcher's kind, first in its shared stream key and watermark key (``"aha-shipped"``).
    kind: ClassVar[str]
    #: What the watcher reads the time from and waits with between polls (not serialised).
    clock: ClassVar[Clock] = SYSTEM_CLOCK

    def __init__(self, *, poll_interval: float) -> None:
        super().__init__()
        self.poll_interval = float(
            check.number("poll_interval", poll_interval, minimum=MIN_POLL_INTERVAL, maximum=MAX_POLL_INTERVAL)
        )
        conn_param = self.hook_class.conn_name_attr
        check.text(conn_param, getattr(self, conn_param))

    # What subclasses say

    def service_kwargs(self) -> dict[str, Any]:
        """Return the service-specific keyword arguments (subject, connection id)."""
        raise NotImplementedError

    def stream_subject(self) -> tuple[Any, ...]:
        """What one shared poll reads (a product, a pipeline): only fields every sharer has equal."""
        raise NotImplementedError

    def watermark_subject(self) -> tuple[Any, ...]:
        """What this watcher watches within the stream's subject (a channel, a phase); default: all."""
        return self.stream_subject()

    @property
    def subject(self) -> str:
        """What is polled, as messages name it."""
        raise NotImplementedError

    #: What a 404 of the polled subject means, said to a release manager.
    not_found: ClassVar[str] = "it does not exist"

    async def read_snapshot(self, hook: HookT) -> Any:
        """Read the subject once; raise what the hook raises."""
        raise NotImplementedError

    def done_state(self, snapshot: Any) -> DoneState:
        """
        Return the objects ``snapshot`` shows in the done state for this watcher (pure).

        :raises WatcherFailed: the snapshot shows this watcher can never fire.
        """
        raise NotImplementedError

    async def milestone(self, hook: HookT, reader: Reader, item: Any) -> dict[str, Any] | None:
        """The event payload for ``item``, newly done; ``None``: not done after all, or not now."""
        raise NotImplementedError

    # Airflow's interface

    @property
    def conn_id(self) -> str:
        """The connection id (the attribute the hook class names, such as ``aha_conn_id``)."""
        return getattr(self, self.hook_class.conn_name_attr)

    def serialize(self) -> tuple[str, dict[str, Any]]:
        """Return this trigger's class path and its keyword arguments, all JSON primitives."""
        kwargs = {**self.service_kwargs(), "poll_interval": self.poll_interval}
        return f"{type(self).__module__}.{type(self).__qualname__}", kwargs

    def shared_stream_key(self) -> Hashable | None:
        """``(kind, connection id, *subject, poll_interval)``: equal keys share one poll (Airflow 3.3)."""
        return (self.kind, self.conn_id, *self.stream_subject(), self.poll_interval)

    def watermark_key(self) -> str:
        """The key of the watermark in the asset's state store: kind, connection and subject."""
        parts = [
            self.kind,
            self.conn_id,
            *("*" if part is None else str(part) for part in self.watermark_subject()),
        ]
        return "/".join(parts)

    def get_hook(self) -> HookT:
        """Return a new hook for the watcher's connection, with the triggers' small retry budget."""
        return self.hook_class.for_task(
            self, max_retries=TRIGGER_MAX_RETRIES, max_retry_wait=TRIGGER_MAX_RETRY_WAIT
        )

    @classmethod
    async def open_shared_stream(cls, kwargs: dict[str, Any]) -> AsyncIterator[Any]:
        """Poll the subject ``kwargs`` name forever, yielding each snapshot read."""
        poller = cls(**kwargs)
        hook = poller.get_hook()
        try:
            while True:
                try:
                    snapshot = await poller.read_snapshot(hook)
                except READ_ERRORS as exc:
                    poller.judge_failure(hook, exc, poller.subject, poller.not_found)
                else:
                    yield snapshot
                await cls.clock.asleep(poller.poll_interval)
        finally:
            await hook.aclose()

    async def filter_shared_stream(self, shared_stream: AsyncIterator[Any]) -> AsyncIterator[TriggerEvent]:
        """Turn snapshots into this watcher's events: one per id newly done."""
        hook = self.get_hook()
        reader = shared_reads().reader(max_age=self.poll_interval)
        watermark = Watermark(self)
        try:
            await hook.aget_client()  # the connection, read off the event loop, for the links
            async for snapshot in shared_stream:
                state = self.done_state(snapshot)
                seen = await watermark.load()
                if seen is None:
                    self.log.info(
                        "%s: %d in the done state at the start, none fired.", self.subject, len(state.done)
                    )
                    await watermark.save(set(state.done))
                    continue
                kept = seen & (set(state.done) | state.unknown)
                for item_id in sorted(set(state.done) - seen):
                    payload = await self.milestone(hook, reader, state.done[item_id])
                    if payload is None:
                        continue
                    yield TriggerEvent(payload)
                    kept.add(item_id)
                    await watermark.save(kept)
                await watermark.save(kept)
        finally:
            reader.close()
            await hook.aclose()

    async def run(self) -> AsyncIterator[TriggerEvent]:
        """Poll alone (Airflow 3.2, tests): :meth:`filter_shared_stream` of :meth:`open_shared_stream`."""
        stream = type(self).open_shared_stream(self.serialize()[1])
        events = self.filter_shared_stream(stream)
        try:
            async for event in events:
                yield event
        finally:  # stopped: release the hooks' clients now, not when the generators are collected
            await events.aclose()
            await stream.aclose()

    def judge_failure(self, hook: HookT, exc: Exception, subject: str, not_found: str) -> None:
        """
        Log a transient read failure as a warning and return.

        :raises WatcherFailed: a permanent failure, with the sensors' message.
        """
        outcome = read_failure(hook, exc, subject, not_found=not_found)
        if outcome.status is WaitStatus.ERROR:
            raise WatcherFailed(outcome.message) from exc
        outcome.log_pending(self.log)
