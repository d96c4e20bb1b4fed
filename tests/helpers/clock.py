"""A clock for tests of backoff: it records the waits instead of sleeping."""

from __future__ import annotations

from airflow_provider_releases.utils.clock import Clock


class RecordingClock(Clock):
    """A clock whose ``sleep`` and ``asleep`` record the wait instead of waiting."""

    def __init__(self, recorded: list[float]) -> None:
        self.recorded = recorded

    def sleep(self, seconds: float) -> None:
        self.recorded.append(seconds)

    async def asleep(self, seconds: float) -> None:
        self.recorded.append(seconds)
