"""
The wait benchmark's baseline: the floor of any trigger that polls each flag's release over HTTP.

:class:`BareReleasePhaseTrigger` reads its flag's release in the event loop through one
``httpx.AsyncClient`` shared by every trigger of the loop, once per poll interval, and checks
nothing but whether the first phase is complete: no hook, no rules, no retries, no shared polls.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
from airflow.triggers.base import BaseTrigger, TriggerEvent

# At most this many reads at once through the shared client; an ``asyncio.Semaphore`` of the same
# size queues the triggers in front of it: httpcore's pool rescans its whole queue of waiting
# requests on every request and every response, which with thousands of triggers queued in it
# costs O(n²) in the event loop, while the semaphore's waiters cost O(1). Not a larger pool:
# against the sandbox (a thread per connection) 32 connections made the runs ~2x slower.
MAX_CONNECTIONS = 10


@dataclass
class _Shared:
    """What the bare triggers of one event loop share: the client and its slots."""

    client: httpx.AsyncClient
    slots: asyncio.Semaphore


_shared_by_loop: dict[asyncio.AbstractEventLoop, _Shared] = {}


def shared() -> _Shared:
    """This event loop's shared client, created on first use."""
    loop = asyncio.get_running_loop()
    found = _shared_by_loop.get(loop)
    if found is None:
        limits = httpx.Limits(max_connections=MAX_CONNECTIONS, max_keepalive_connections=MAX_CONNECTIONS)
        found = _Shared(httpx.AsyncClient(limits=limits, timeout=httpx.Timeout(60, connect=10)),
                        asyncio.Semaphore(MAX_CONNECTIONS))  # fmt: skip
        _shared_by_loop[loop] = found
    return found


async def close_shared_clients() -> None:
    """Close this event loop's shared client, if any (once every trigger of the loop is done)."""
    found = _shared_by_loop.pop(asyncio.get_running_loop(), None)
    if found is not None:
        await found.client.aclose()


class BareReleasePhaseTrigger(BaseTrigger):
    """Poll the flag's release through the loop's shared client until its first phase is complete."""

    def __init__(self, url: str, headers: dict[str, str], poll_interval: float) -> None:
        super().__init__()
        self.url, self.headers, self.poll_interval = url, headers, poll_interval

    def serialize(self) -> tuple[str, dict[str, Any]]:
        """Return the class path and the keyword arguments."""
        kwargs = {"url": self.url, "headers": self.headers, "poll_interval": self.poll_interval}
        return f"{__name__}.{type(self).__qualname__}", kwargs

    async def run(self) -> AsyncIterator[TriggerEvent]:
        """
        Read the release every ``poll_interval`` until phase 1 is complete; yield one ``done`` event.

        :raises httpx.HTTPError: a read failed (the baseline retries nothing).
        """
        loop_shared = shared()
        while True:
            async with loop_shared.slots:
                response = await loop_shared.client.get(self.url, headers=self.headers)
            response.raise_for_status()
            phase = response.json()["phases"][0]
            if phase["complete"]:
                yield TriggerEvent({"status": "done", "value": phase})
                return
            await asyncio.sleep(self.poll_interval)
