"""Time and waiting, behind one small object the hooks and triggers are given."""

from __future__ import annotations

import asyncio
import time


class Clock:
    """The wall clock, a monotonic clock, and sleeping; pass another to control time in tests."""

    def time(self) -> float:
        """Seconds since the epoch."""
        return time.time()

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back, for durations."""
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        """Block the calling thread for ``seconds``."""
        time.sleep(seconds)

    async def asleep(self, seconds: float) -> None:
        """Wait ``seconds`` on the running event loop."""
        await asyncio.sleep(seconds)


#: A timestamp at least this large counts epoch milliseconds, not seconds (it is 2001-09-09 in ms).
EPOCH_MS_FLOOR = 1e12

#: The clock every hook and trigger uses unless given another.
SYSTEM_CLOCK = Clock()
