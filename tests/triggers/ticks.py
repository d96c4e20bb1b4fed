"""Running many triggers on one event loop, poll interval by poll interval, against the sandbox."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable
from typing import Any

from airflow_provider_releases.triggers.base import ReleaseWaitTrigger
from airflow_provider_releases.utils.clock import Clock
from airflow_provider_releases_sandbox import Sandbox


class TickClock(Clock):
    """
    A triggers' clock on which every wait between checks lasts until the test's next tick, so
    that the checks of all triggers fall in the same poll interval, interval after interval.
    """

    def __init__(self) -> None:
        self.tick = 0
        self.sleeping = 0
        self.waits: list[float] = []
        self._changed: asyncio.Condition | None = None

    def _condition(self) -> asyncio.Condition:
        if self._changed is None:
            self._changed = asyncio.Condition()
        return self._changed

    async def asleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        changed, until = self._condition(), self.tick + 1
        async with changed:
            self.sleeping += 1
            changed.notify_all()
            await changed.wait_for(lambda: self.tick >= until)
            self.sleeping -= 1

    async def next_tick(self) -> None:
        """Start the next poll interval: every sleeping trigger checks again."""
        changed = self._condition()
        async with changed:
            self.tick += 1
            changed.notify_all()

    async def settled(self, running: Callable[[], int]) -> None:
        """Wait until every trigger still running (``running()`` of them) sleeps."""
        changed = self._condition()
        async with changed:
            while self.sleeping < running():
                # a trigger may end instead of going to sleep: look again now and then
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(changed.wait(), timeout=0.05)

    async def polls_settled(self, running: Callable[[], int]) -> None:
        """
        Wait until every shared poll sleeps on this clock and every trigger still running
        (``running()`` of them) waits for its poll to wake it.
        """
        from airflow_provider_releases.triggers.shared import shared_polls

        while shared_polls().settled() != (running(), 0):
            await asyncio.sleep(0.005)  # a trigger may be reading, or end instead of waiting


class Run:
    """Triggers started together on the running loop; their events, and the ticks between polls."""

    def __init__(self, sandbox: Sandbox, triggers: Iterable[ReleaseWaitTrigger], clock: TickClock) -> None:
        self.sandbox, self.clock = sandbox, clock
        self.triggers = list(triggers)
        #: The requests of each poll interval so far, as :meth:`poll` returned them.
        self.polls: list[list[tuple[str, str]]] = []
        sandbox.clear_requests()
        for trigger in self.triggers:
            trigger.clock = clock
        self.tasks = [asyncio.ensure_future(_first_event(trigger)) for trigger in self.triggers]

    def running(self) -> int:
        return sum(not task.done() for task in self.tasks)

    async def poll(self, before: Callable[[], Any] | None = None) -> list[tuple[str, str]]:
        """
        Let the triggers finish their current checks; run ``before`` (a change at the vendor),
        then start the next poll interval and return the requests its checks made, as
        ``(service, path)``. The first call returns the requests of the first checks.
        """
        await self.clock.polls_settled(self.running)
        made = self.requests()
        self.polls.append(made)
        if before is not None:
            before()
        self.sandbox.clear_requests()
        await self.clock.next_tick()
        await asyncio.sleep(0)
        return made

    def requests(self) -> list[tuple[str, str]]:
        return [(entry.service, entry.path) for entry in self.sandbox.requests]

    def events(self) -> list[Any]:
        """Each trigger's event payload, ``None`` while it runs."""
        return [task.result() if task.done() else None for task in self.tasks]

    async def finish(self) -> list[Any]:
        """Tick until every trigger yielded its event; return the payloads. The requests of the
        last checks end :attr:`polls`."""
        for _ in range(20):
            if not self.running():
                break
            await self.poll()
        events = [await task for task in self.tasks]
        if self.requests():
            self.polls.append(self.requests())
        return events


async def _first_event(trigger: ReleaseWaitTrigger) -> Any:
    events = trigger.run()
    try:
        event = await events.__anext__()
    finally:
        await events.aclose()
    return event.payload


class LoopWarnings(logging.Handler):
    """The warnings asyncio's debug mode logs (a slow callback: a blocking call on the loop)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.WARNING:
            self.messages.append(record.getMessage())


def run_in_debug_mode(main: Callable[[], Any]) -> tuple[Any, list[str]]:
    """
    Run the coroutine ``main()`` on a new event loop in asyncio's debug mode, a callback slower
    than 20 ms logged as a warning; return its result and every warning the ``asyncio`` logger got.
    """
    import gc

    # Start without garbage and collect none during the run: a collection's pause (which the
    # benchmarks measure) is no blocking call of the code under test, which is what this looks for.
    gc.collect()
    gc.disable()
    warnings = LoopWarnings()
    logger = logging.getLogger("asyncio")
    logger.addHandler(warnings)
    level, logger.level = logger.level, logging.DEBUG
    loop = asyncio.new_event_loop()
    loop.set_debug(True)
    loop.slow_callback_duration = 0.02
    try:
        result = loop.run_until_complete(main())
    finally:
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()
        logger.removeHandler(warnings)
        logger.setLevel(level)
        gc.enable()
    return result, warnings.messages
