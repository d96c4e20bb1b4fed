"""
The triggerer benchmark's baseline: the floor of any trigger that polls a flag's release over HTTP.

:class:`BareReleasePhaseTrigger` reads the release from a worker thread with a bare
``requests.Session``, as the provider's trigger does through its hook, and checks nothing but
whether the first phase is complete.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import requests
from airflow.triggers.base import BaseTrigger, TriggerEvent


class BareReleasePhaseTrigger(BaseTrigger):
    """Poll the flag's release with a bare ``requests.Session`` until its first phase is complete."""

    def __init__(self, url: str, headers: dict[str, str], poll_interval: float) -> None:
        super().__init__()
        self.url, self.headers, self.poll_interval = url, headers, poll_interval

    def serialize(self) -> tuple[str, dict[str, Any]]:
        """Return the class path and the keyword arguments."""
        kwargs = {"url": self.url, "headers": self.headers, "poll_interval": self.poll_interval}
        return f"{__name__}.{type(self).__qualname__}", kwargs

    async def run(self) -> AsyncIterator[TriggerEvent]:
        """Read the release in a worker thread every ``poll_interval`` until phase 1 is complete."""
        session = requests.Session()
        session.headers.update(self.headers)
        try:
            while True:
                release = await asyncio.to_thread(self._read, session)
                phase = release["phases"][0]
                if phase["complete"]:
                    yield TriggerEvent({"status": "done", "value": phase})
                    return
                await asyncio.sleep(self.poll_interval)
        finally:
            session.close()

    def _read(self, session: requests.Session) -> dict[str, Any]:
        response = session.get(self.url, timeout=(10, 60))
        response.raise_for_status()
        return response.json()
