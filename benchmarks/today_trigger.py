"""
The phase trigger of main before issue 27 ("today"), kept as the wait benchmark's baseline.

A copy of the loop of ``ReleaseWaitTrigger.run`` and of ``LaunchDarklyReleasePhaseTrigger.acheck``
as they were (commit 7aaaa0a), with the shared reads they used (:class:`SharedReads`, copied as
``triggers/shared.py`` had it): each trigger builds its own hook (its own connection lookup),
reads its flag's own release at its first check and whenever its entry in the pipeline's shared
releases list changed or every ``flag_read_every`` polls, and wakes every poll interval. It uses
the package's hooks and judge as they are now (one TLS build per loop is the hooks' change, so
this baseline has it too).
"""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator
from typing import Any

from airflow.triggers.base import BaseTrigger, TriggerEvent

from airflow_provider_releases.hooks.launchdarkly import LaunchDarklyHook
from airflow_provider_releases.rules.launchdarkly import LIST_PAGE_SIZE
from airflow_provider_releases.triggers.base import TRIGGER_MAX_RETRIES, TRIGGER_MAX_RETRY_WAIT
from airflow_provider_releases.triggers.shared import Reader, SharedReads
from airflow_provider_releases.utils.clock import SYSTEM_CLOCK
from airflow_provider_releases.waits.launchdarkly import (
    FLAG_READ_EVERY,
    UNKNOWN,
    LaunchDarklyReleasePhase,
    ProgressEntry,
    active_phase_id,
    index_progressions,
    progress_changed,
    release_pipeline_key,
)
from airflow_provider_releases.waits.outcome import (
    READ_ERRORS,
    TRANSIENT_ERRORS,
    Outcome,
    WaitStatus,
    read_failure,
)

_REGISTRY: dict[Any, SharedReads] = {}


def _shared_reads() -> SharedReads:
    import asyncio

    loop = asyncio.get_running_loop()
    if loop not in _REGISTRY:
        _REGISTRY[loop] = SharedReads()
    return _REGISTRY[loop]


class TodayLaunchDarklyReleasePhaseTrigger(BaseTrigger):
    """Wait for a phase of a flag's release as main's trigger did before issue 27."""

    def __init__(
        self,
        *,
        project_key: str,
        flag_key: str,
        phase: str | int,
        end_time: float,
        poll_interval: float,
        launchdarkly_conn_id: str = "launchdarkly_default",
        flag_read_every: int = FLAG_READ_EVERY,
    ) -> None:
        super().__init__()
        self.wait = LaunchDarklyReleasePhase(project_key, flag_key, phase, launchdarkly_conn_id)
        self.end_time, self.poll_interval, self.flag_read_every = end_time, poll_interval, flag_read_every
        self._pipeline_key: str | None = None
        self._list_refused = False
        self._entry: ProgressEntry | None = None
        self._polls_since_read = 0
        self._read_due = True
        self._last: Outcome | None = None

    def serialize(self) -> tuple[str, dict[str, Any]]:
        """Return the class path and the keyword arguments."""
        return f"{__name__}.{type(self).__qualname__}", {**self.wait.fields(), "end_time": self.end_time}

    async def run(self) -> AsyncIterator[TriggerEvent]:
        """Check until done, failed or past ``end_time``; yield one event saying which."""
        hook = LaunchDarklyHook.for_task(
            self.wait, max_retries=TRIGGER_MAX_RETRIES, max_retry_wait=TRIGGER_MAX_RETRY_WAIT
        )
        reader = _shared_reads().reader(max_age=self.poll_interval)
        try:
            while True:
                outcome = await self.acheck(hook, reader)
                if outcome.status is not WaitStatus.PENDING:
                    final = outcome if outcome.status is WaitStatus.DONE else Outcome.failed(outcome.message)
                    yield TriggerEvent(final.to_event())
                    return
                outcome.log_pending(self.log)
                remaining = self.end_time - SYSTEM_CLOCK.time()
                if remaining <= 0:
                    yield TriggerEvent(Outcome.timed_out(outcome.message).to_event())
                    return
                await SYSTEM_CLOCK.asleep(min(self.poll_interval, remaining))
        finally:
            reader.close()
            await hook.aclose()

    async def acheck(self, hook: LaunchDarklyHook, reader: Reader) -> Outcome:
        if self._pipeline_key is not None and not self._read_due:
            listed = await self._follow_pipeline(hook, reader, self._pipeline_key)
            if listed is not None:
                return listed
        return await self._read_flag(hook, reader)

    async def _follow_pipeline(self, hook: LaunchDarklyHook, reader: Reader, pipeline: str) -> Outcome | None:
        project = self.wait.project_key
        self._polls_since_read += 1
        try:
            index = await reader.read(
                hook, ("pipeline releases", project, pipeline), lambda: _progress(hook, project, pipeline)
            )
        except READ_ERRORS as exc:
            if not isinstance(exc, TRANSIENT_ERRORS):
                self._list_refused = True
            elif self._polls_since_read < self.flag_read_every:
                subject = f"LaunchDarkly releases of pipeline {pipeline!r} in project {project!r}"
                return read_failure(hook, exc, subject, not_found="")
            return None
        entry = index.get(self.wait.flag_key)
        changed = progress_changed(self._entry, entry)
        self._entry = entry
        if changed or self._polls_since_read >= self.flag_read_every:
            return None
        return self._last

    async def _read_flag(self, hook: LaunchDarklyHook, reader: Reader) -> Outcome:
        answers: list[Any] = []

        async def read() -> Any:
            answers.append(await reader.read(hook, self.wait.read_key, lambda: self.wait.aread(hook)))
            return answers[-1]

        outcome = await self.wait.acheck(hook, read)
        self._read_due = not answers
        if answers:
            release = answers[-1]
            first = self._last is None
            self._polls_since_read = (
                zlib.crc32(self.wait.flag_key.encode()) % self.flag_read_every if first else 0
            )
            self._last = outcome
            self._pipeline_key = None if self._list_refused else release_pipeline_key(release)
            if self._entry is None or self._pipeline_key is None:
                self._entry = (active_phase_id(release), UNKNOWN)
        return outcome


async def _progress(hook: LaunchDarklyHook, project: str, pipeline: str) -> dict[str, ProgressEntry]:
    return index_progressions(await hook.alist_pipeline_releases(project, pipeline, page_size=LIST_PAGE_SIZE))
