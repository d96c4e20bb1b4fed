"""
Reads shared by the triggers of one event loop: one request per key, connection and poll interval.

A read in flight is awaited, not sent again; a trigger never gets the same answer twice.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from airflow_provider_releases.hooks.base import ReleasesBaseHook


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


_REGISTRIES: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, SharedReads] = weakref.WeakKeyDictionary()


def shared_reads() -> SharedReads:
    """Return the shared-read registry of the running event loop (one per loop, gone with it)."""
    loop = asyncio.get_running_loop()
    registry = _REGISTRIES.get(loop)
    if registry is None:
        registry = _REGISTRIES[loop] = SharedReads()
    return registry
