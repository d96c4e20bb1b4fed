"""Triggers that wait for a phase of a LaunchDarkly flag release, or an environment release, to complete."""

from __future__ import annotations

import zlib
from typing import Any

from airflow_provider_releases.hooks.launchdarkly import LaunchDarklyHook
from airflow_provider_releases.rules.launchdarkly import LIST_PAGE_SIZE
from airflow_provider_releases.triggers.base import DeclaredWaitTrigger
from airflow_provider_releases.triggers.shared import Reader
from airflow_provider_releases.utils import validation as check
from airflow_provider_releases.waits.launchdarkly import (
    FLAG_READ_EVERY,
    UNKNOWN,
    LaunchDarklyEnvironmentRelease,
    LaunchDarklyReleasePhase,
    ProgressEntry,
    active_phase_id,
    index_progressions,
    progress_changed,
    release_pipeline_key,
)
from airflow_provider_releases.waits.outcome import READ_ERRORS, TRANSIENT_ERRORS, Outcome, read_failure


class LaunchDarklyReleasePhaseTrigger(DeclaredWaitTrigger[LaunchDarklyReleasePhase]):
    """
    Wait in the triggerer for :class:`~airflow_provider_releases.waits.launchdarkly.LaunchDarklyReleasePhase`.

    After the first check it follows the pipeline's releases list, one read shared by every trigger
    on that pipeline, and reads the flag's own release only when its entry changed or vanished, or
    every ``flag_read_every`` polls.

    :param flag_read_every: read the flag's own release at least once every this many polls (1 or more).
    :raises InvalidParameterError: ``flag_read_every`` is not an integer of 1 or more.
    """

    wait_class = LaunchDarklyReleasePhase

    def __init__(self, *, flag_read_every: int = FLAG_READ_EVERY, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.flag_read_every = check.integer("flag_read_every", flag_read_every, minimum=1)
        # What this run has learned (never serialised): the pipeline to follow, the flag's entry
        # in its releases list at the last poll, the polls since the flag's own last read, and
        # that read's outcome, which stands while the list shows no change.
        self._pipeline_key: str | None = None
        self._list_refused = False
        self._entry: ProgressEntry | None = None
        self._polls_since_read = 0
        self._read_due = True
        self._last: Outcome | None = None

    def poll_settings(self) -> dict[str, Any]:
        """Return ``flag_read_every``."""
        return {"flag_read_every": self.flag_read_every}

    async def acheck(self, hook: LaunchDarklyHook, reader: Reader) -> Outcome:
        """Check once, following the pipeline's shared releases list (see the class)."""
        if self._pipeline_key is not None and not self._read_due:
            listed = await self._follow_pipeline(hook, reader, self._pipeline_key)
            if listed is not None:
                return listed
        return await self._read_flag(hook, reader)

    async def _follow_pipeline(self, hook: LaunchDarklyHook, reader: Reader, pipeline: str) -> Outcome | None:
        """The outcome the pipeline's releases list shows, or ``None`` when the flag must be read."""
        project = self.wait.project_key
        self._polls_since_read += 1
        try:
            index = await reader.read(
                hook,
                ("pipeline releases", project, pipeline),
                lambda: _progress(hook, project, pipeline),
            )
        except READ_ERRORS as exc:
            if not isinstance(exc, TRANSIENT_ERRORS):
                self._list_refused = True  # the list cannot be read: follow the flag itself from now on
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
            answers.append(await self.read_shared(hook, reader))
            return answers[-1]

        outcome = await self.wait.acheck(hook, read)
        self._read_due = not answers  # the read failed: read again at the next poll
        if answers:
            release = answers[-1]
            # after the first read, start part-way through the period so that the periodic own
            # reads of many flags spread over the polls instead of all falling on one
            first = self._last is None
            self._polls_since_read = (
                zlib.crc32(self.wait.flag_key.encode()) % self.flag_read_every if first else 0
            )
            self._last = outcome
            self._pipeline_key = None if self._list_refused else release_pipeline_key(release)
            if self._entry is None or self._pipeline_key is None:
                # no list seen yet: what the list should show if nothing changes in between
                self._entry = (active_phase_id(release), UNKNOWN)
        return outcome


async def _progress(hook: LaunchDarklyHook, project: str, pipeline: str) -> dict[str, ProgressEntry]:
    """Read a pipeline's releases list once and index it by flag key (once per shared read)."""
    return index_progressions(await hook.alist_pipeline_releases(project, pipeline, page_size=LIST_PAGE_SIZE))


class LaunchDarklyEnvironmentReleaseTrigger(DeclaredWaitTrigger[LaunchDarklyEnvironmentRelease]):
    """
    Wait in the triggerer for
    :class:`~airflow_provider_releases.waits.launchdarkly.LaunchDarklyEnvironmentRelease`.

    Every trigger on the same flag and environment through one connection shares each read of
    the flag's releases there.
    """

    wait_class = LaunchDarklyEnvironmentRelease
