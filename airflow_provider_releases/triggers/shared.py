"""
What the triggers of one event loop share: reads, hooks, and polls that wake only changed waits.

- :class:`SharedReads`: a one-off read (a flag's own release) asked by several waits at once is
  sent once; a read in flight is awaited, not sent again, and no wait gets the same answer twice.
- :class:`SharedHooks`: one hook per hook class and connection, its connection looked up and its
  client built once, however many triggers start together.
- :class:`SharedPolls`: one read per share key and poll interval (a pipeline's releases list, a
  release) for every wait following it. Each poll splits its answer into entries by item, hands
  each wait its entry and wakes only the waits whose entry changed; a poll that changes nothing
  costs its read and no per-wait work. A new kind of wait plugs in by describing its read as a
  :class:`PollSpec` (share key, fetch, entries by item) and awaiting :meth:`Subscription.next`.
"""

from __future__ import annotations

import asyncio
import heapq
import weakref
from collections.abc import Awaitable, Callable, Hashable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from airflow_provider_releases.hooks.base import ReleasesBaseHook
    from airflow_provider_releases.utils.clock import Clock

T = TypeVar("T")
HookT = TypeVar("HookT", bound="ReleasesBaseHook")


@dataclass
class _Entry:
    """One shared key: the last answer read, the read in flight, and who uses it."""

    #: The generation each user last got (0: none yet); its keys are the key's users.
    seen: dict[object, int] = field(default_factory=dict)
    task: asyncio.Task | None = None
    value: Any = None
    generation: int = 0  # of ``value``; 0 when no answer is held
    started: float = 0.0  # loop time the read of ``value`` was sent
    issued: int = 0  # generations handed out so far


class SharedReads:
    """The shared reads of one event loop; get it with :func:`shared_reads`."""

    def __init__(self) -> None:
        self._entries: dict[Hashable, _Entry] = {}
        self._keys_of: dict[object, set[Hashable]] = {}

    def reader(self, max_age: float) -> Reader:
        """Return a new user of this registry (one per running trigger; see :class:`Reader`)."""
        return Reader(self, max_age)

    def keys(self) -> list[Hashable]:
        """The keys some running trigger uses now."""
        return list(self._entries)

    async def read(
        self, user: object, key: Hashable, fetch: Callable[[], Awaitable[Any]], max_age: float
    ) -> Any:
        """
        Return an answer for ``key`` that ``user`` has not seen: in flight, recent, or read anew by ``fetch``.

        :raises Exception: what the shared read raised (every waiter gets the same error).
        """
        loop = asyncio.get_running_loop()
        entry = self._entries.get(key)
        if entry is None:
            entry = self._entries[key] = _Entry()
        self._keys_of.setdefault(user, set()).add(key)
        last = entry.seen.setdefault(user, 0)
        if entry.task is None:
            if entry.generation > last and loop.time() - entry.started < max_age:
                entry.seen[user] = entry.generation
                return entry.value
            entry.task = loop.create_task(self._fetch(entry, fetch))
            entry.task.add_done_callback(_retrieve)
        # shielded: a waiter canceled (its trigger ended) does not cancel the others' read
        generation, value = await asyncio.shield(entry.task)
        entry.seen[user] = generation
        return value

    async def _fetch(self, entry: _Entry, fetch: Callable[[], Awaitable[Any]]) -> tuple[int, Any]:
        entry.issued += 1
        generation, started = entry.issued, asyncio.get_running_loop().time()
        try:
            value = await fetch()
        finally:
            entry.task = None
        entry.value, entry.generation, entry.started = value, generation, started
        return generation, value

    def release(self, user: object) -> None:
        """Forget ``user``; drop each of its keys no other user has, canceling a read in flight."""
        for key in self._keys_of.pop(user, ()):
            entry = self._entries[key]
            entry.seen.pop(user, None)
            if not entry.seen:
                del self._entries[key]
                if entry.task is not None:
                    entry.task.cancel()


def _failed(task: asyncio.Task) -> bool:
    """Whether ``task`` ended without a result (raised or was canceled)."""
    return task.done() and (task.cancelled() or task.exception() is not None)


def _retrieve(task: asyncio.Task) -> None:
    """Mark a shared read's error as seen: its waiters judge it, or none is left to."""
    if not task.cancelled():
        task.exception()


class Reader:
    """
    One running trigger's use of a :class:`SharedReads` registry.

    :param max_age: the oldest unseen read (seconds) it may be given: the trigger's poll interval.
    """

    def __init__(self, registry: SharedReads, max_age: float) -> None:
        self.registry = registry
        self.max_age = max_age

    async def read(
        self, hook: ReleasesBaseHook, what: tuple[Hashable, ...], fetch: Callable[[], Awaitable[Any]]
    ) -> Any:
        """
        Read ``what`` through ``fetch``, shared with every trigger reading it through the same connection.

        :raises Exception: what the read raised.
        """
        key = (hook.service, hook.conn_id, *what)
        return await self.registry.read(self, key, fetch, self.max_age)

    def close(self) -> None:
        """This trigger ended: stop sharing its keys (see :meth:`SharedReads.release`)."""
        self.registry.release(self)


# Shared hooks: one hook, one connection lookup and one client per connection and event loop


@dataclass
class _SharedHook:
    """One hook shared by the triggers of a loop, its client being built (once), and its users."""

    hook: ReleasesBaseHook
    ready: asyncio.Task
    users: int = 0


class SharedHooks:
    """
    The hooks of one event loop, one per hook class and connection id, counted.

    However many triggers start together, the hook is built once, its connection looked up once
    and its client made once; every caller awaits that one build.
    """

    def __init__(self) -> None:
        self._hooks: dict[Hashable, _SharedHook] = {}

    async def acquire(self, key: Hashable, build: Callable[[], HookT]) -> HookT:
        """
        Return the hook of ``key`` (``build`` makes it if none), its client ready; count one more user.

        Release it with :meth:`release`, even when this raised.

        :raises Exception: what building the client raised (a missing or invalid connection).
        """
        shared = self._hooks.get(key)
        if shared is None or _failed(shared.ready):
            hook = build()
            ready = asyncio.get_running_loop().create_task(hook.aget_client())
            ready.add_done_callback(_retrieve)
            shared = self._hooks[key] = _SharedHook(hook, ready, users=shared.users if shared else 0)
        shared.users += 1
        await asyncio.shield(shared.ready)
        return shared.hook  # type: ignore[return-value]

    def hook(self, key: Hashable) -> ReleasesBaseHook | None:
        """The hook of ``key`` while some trigger holds it."""
        shared = self._hooks.get(key)
        return shared.hook if shared else None

    async def release(self, key: Hashable) -> None:
        """Count one user less; the last one closes the hook's share of its client."""
        shared = self._hooks.get(key)
        if shared is None:
            return
        shared.users -= 1
        if shared.users <= 0:
            del self._hooks[key]
            await shared.hook.aclose()

    def keys(self) -> list[Hashable]:
        """The keys of the hooks some trigger holds now."""
        return list(self._hooks)


# Shared polls: one read per share key and interval, each wait handed its entry, woken on change


#: How many waits one poll wakes per loop iteration: between batches the loop runs other work.
WAKE_BATCH = 20


@dataclass(frozen=True)
class PollSpec:
    """
    What a shared poll reads and how its answer splits into the waits' entries.

    :param key: the share key: waits whose specs have equal keys (and interval) share one poll;
        it must name the service and connection as well as what is read.
    :param fetch: one read (any subscriber's fetch: they read the same).
    :param entries: the answer's entry of each item (a flag, a release) by item key; computed
        once per poll, never per wait.
    :param interval: seconds between reads.
    """

    key: Hashable
    fetch: Callable[[], Awaitable[Any]]
    entries: Callable[[Any], Mapping[Hashable, Any]]
    interval: float


@dataclass
class Wake:
    """Why a wait was woken, with its entry in the poll's latest answer (``None``: the answer has none)."""

    entry: Any = None
    #: The poll's read failed with this (every wait following the poll is woken with it).
    error: BaseException | None = None
    #: The entry differs from the one the wait was last handed (or it is the first one).
    changed: bool = False
    #: A reminder the wait asked for (:meth:`Subscription.remind_after`) or its deadline passed.
    due: bool = False


class Subscription:
    """One wait's place in a shared poll: the entry of its ``item``, handed over when it changed."""

    def __init__(self, poller: _Poller, item: Hashable, deadline: float | None) -> None:
        self.poller, self.item, self.deadline = poller, item, deadline
        self.closed = False
        self._pending: Wake | None = None
        self._waiter: asyncio.Future | None = None

    @property
    def waiting(self) -> bool:
        """Whether the wait is parked in :meth:`next`."""
        return self._waiter is not None and not self._waiter.done()

    async def next(self) -> Wake:
        """Wait until the entry changed, the poll failed, a reminder or the deadline came; say which."""
        if self._pending is None:
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        wake, self._pending = self._pending, None
        assert wake is not None
        return wake

    def remind_after(self, polls: int) -> None:
        """Wake the wait after ``polls`` more polls, whatever its entry."""
        self.poller.remind(self, polls)

    def deliver(self, wake: Wake) -> None:
        """Hand ``wake`` over (merged into one not yet taken); wake the wait if it is parked."""
        if self.closed:
            return
        pending = self._pending
        if pending is None:
            self._pending = wake
        else:
            pending.entry, pending.error = wake.entry, wake.error
            pending.changed |= wake.changed
            pending.due |= wake.due
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    def close(self) -> None:
        """Leave the poll; the last wait to leave stops it. Idempotent."""
        if not self.closed:
            self.closed = True
            self.poller.remove(self)


_MISSING: Any = object()


class _Poller:
    """The poll of one share key: reads every interval while some wait follows it."""

    def __init__(self, registry: SharedPolls, key: Hashable, spec: PollSpec, clock: Clock) -> None:
        self.registry, self.key, self.spec, self.clock = registry, key, spec, clock
        self.by_item: dict[Hashable, dict[Subscription, None]] = {}
        self.entries: Mapping[Hashable, Any] | None = None
        self.polls = 0
        self.sleeping = False
        self._reminders: dict[int, list[Subscription]] = {}
        self._deadlines: list[tuple[float, int, Subscription]] = []
        self._task = asyncio.get_running_loop().create_task(self._run())

    def add(self, sub: Subscription) -> None:
        self.by_item.setdefault(sub.item, {})[sub] = None
        if sub.deadline is not None:
            heapq.heappush(self._deadlines, (sub.deadline, id(sub), sub))
        if self.entries is not None:  # a later wait is handed the latest answer: no read of its own
            sub.deliver(Wake(self.entries.get(sub.item), changed=True))

    def remove(self, sub: Subscription) -> None:
        subs = self.by_item.get(sub.item)
        if subs is not None:
            subs.pop(sub, None)
            if not subs:
                del self.by_item[sub.item]
        if not self.by_item:
            self._task.cancel()
            self.registry.drop(self.key, self)

    def remind(self, sub: Subscription, polls: int) -> None:
        self._reminders.setdefault(self.polls + max(1, polls), []).append(sub)

    async def _run(self) -> None:
        while True:
            try:
                answer = await self.spec.fetch()
                entries, error = self.spec.entries(answer), None
            except Exception as exc:  # every follower judges it (a bug raises in each of them)
                entries, error = None, exc
            self.polls += 1
            await self._wake(self._woken(entries, error))
            await asyncio.sleep(0)  # waits that ended on this poll leave it before it sleeps
            await self._sleep(self.spec.interval)

    async def _sleep(self, seconds: float) -> None:
        """Sleep until the next poll, waking on the way each wait whose deadline comes first."""
        now = self.clock.time()
        while True:
            first = self._deadlines[0][0] - now if self._deadlines else seconds
            step = max(0.0, min(seconds, first))
            self.sleeping = True
            try:
                await self.clock.asleep(step)
            finally:
                self.sleeping = False
            now, seconds = now + step, seconds - step
            expired = {}
            while self._deadlines and self._deadlines[0][0] <= now:
                sub = heapq.heappop(self._deadlines)[2]
                expired[sub] = Wake(self._entry(sub.item))
            if expired:
                await self._wake(expired)
                await asyncio.sleep(0)
            if seconds <= 0:
                return

    def _woken(self, entries: Mapping[Hashable, Any] | None, error: BaseException | None) -> dict:
        woken: dict[Subscription, Wake] = {}
        if error is not None:
            for subs in self.by_item.values():
                woken.update((sub, Wake(self._entry(sub.item), error=error)) for sub in subs)
        else:
            before, self.entries = self.entries, entries
            assert entries is not None
            if before is None:
                changed: Any = self.by_item.keys()
            else:  # the answer's items that changed, then those of them that waits follow
                changed = [item for item, entry in entries.items() if before.get(item, _MISSING) != entry]
                changed += [item for item in before.keys() - entries.keys()]
            for item in changed:
                subs = self.by_item.get(item)
                if subs:
                    woken.update((sub, Wake(entries.get(item), changed=True)) for sub in subs)
        for sub in self._reminders.pop(self.polls, []):
            wake = woken.get(sub)
            if wake is None:
                wake = woken[sub] = Wake(self._entry(sub.item), error=error)
            wake.due = True
        return woken

    def _entry(self, item: Hashable) -> Any:
        return None if self.entries is None else self.entries.get(item)

    async def _wake(self, woken: dict[Subscription, Wake]) -> None:
        for count, (sub, wake) in enumerate(woken.items(), start=1):
            sub.deliver(wake)
            if count % WAKE_BATCH == 0:
                await asyncio.sleep(0)  # let the woken waits (and the loop's other work) run


class SharedPolls:
    """The shared polls of one event loop; get it with :func:`shared_polls`."""

    def __init__(self) -> None:
        self._pollers: dict[Hashable, _Poller] = {}

    def subscribe(
        self, spec: PollSpec, item: Hashable, *, clock: Clock, deadline: float | None = None
    ) -> Subscription:
        """
        Follow ``item``'s entry in the poll of ``spec`` (started now if no wait follows it yet).

        :param clock: what the poll waits with between reads, if this starts it.
        :param deadline: when (``clock.time()``) to wake the wait even if nothing changed.
        """
        key = (spec.key, spec.interval)
        poller = self._pollers.get(key)
        if poller is None:
            poller = self._pollers[key] = _Poller(self, key, spec, clock)
        sub = Subscription(poller, item, deadline)
        poller.add(sub)
        return sub

    def drop(self, key: Hashable, poller: _Poller) -> None:
        if self._pollers.get(key) is poller:
            del self._pollers[key]

    def keys(self) -> list[Hashable]:
        """The share keys some wait follows now."""
        return [key for key, _interval in self._pollers]

    def settled(self) -> tuple[int, int]:
        """``(waits parked, polls busy)``: how many waits wait in :meth:`Subscription.next`, and
        how many polls are reading or waking rather than sleeping."""
        parked = sum(
            sub.waiting for p in self._pollers.values() for subs in p.by_item.values() for sub in subs
        )
        return parked, sum(not poller.sleeping for poller in self._pollers.values())


# One registry of each kind per event loop, gone with it

_LOOP_STATE: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[type, Any]] = (
    weakref.WeakKeyDictionary()
)


def _of_loop(kind: type[T]) -> T:
    state = _LOOP_STATE.setdefault(asyncio.get_running_loop(), {})
    found = state.get(kind)
    if found is None:
        found = state[kind] = kind()
    return found


def shared_reads() -> SharedReads:
    """Return the shared-read registry of the running event loop (one per loop, gone with it)."""
    return _of_loop(SharedReads)


def shared_polls() -> SharedPolls:
    """Return the shared polls of the running event loop."""
    return _of_loop(SharedPolls)


def shared_hooks() -> SharedHooks:
    """Return the shared hooks of the running event loop."""
    return _of_loop(SharedHooks)
