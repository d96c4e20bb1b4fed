"""Triggers that wait for a phase of a LaunchDarkly flag release, or an environment release, to complete."""

from __future__ import annotations

import zlib
from typing import Any

from airflow_provider_releases.hooks.launchdarkly import LaunchDarklyHook
from airflow_provider_releases.rules.launchdarkly import LIST_PAGE_SIZE
from airflow_provider_releases.triggers.base import DeclaredWaitTrigger, Follower, judged_failure
from airflow_provider_releases.triggers.shared import PollSpec, Subscription, Wake, shared_polls, shared_reads
from airflow_provider_releases.utils import validation as check
from airflow_provider_releases.waits.launchdarkly import (
    FLAG_READ_EVERY,
    LaunchDarklyEnvironmentRelease,
    LaunchDarklyReleasePhase,
    index_pipelines,
    index_progressions,
    release_pipeline_key,
)
from airflow_provider_releases.waits.outcome import (
    READ_ERRORS,
    TRANSIENT_ERRORS,
    Outcome,
    WaitStatus,
    read_failure,
)


class LaunchDarklyReleasePhaseTrigger(DeclaredWaitTrigger[LaunchDarklyReleasePhase]):
    """
    Wait in the triggerer for :class:`~airflow_provider_releases.waits.launchdarkly.LaunchDarklyReleasePhase`.

    The phase is judged from the flag's entry in its pipeline's releases list (``activePhaseId``,
    ``_completedAt``, in the order of the pipeline's phases), one read per pipeline and poll
    interval shared by every trigger on it, from the first poll on; the trigger wakes only when its
    entry changed. It reads the flag's own release only when the list cannot tell (the flag is in
    no list, its entry vanished, no phase is active: a cancel to confirm) and every
    ``flag_read_every`` polls. A phase found complete in the list is returned as its id and name.

    :param flag_read_every: read the flag's own release at least once every this many polls (1 or more).
    :raises InvalidParameterError: ``flag_read_every`` is not an integer of 1 or more.
    """

    wait_class = LaunchDarklyReleasePhase

    def __init__(self, *, flag_read_every: int = FLAG_READ_EVERY, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.flag_read_every = check.integer("flag_read_every", flag_read_every, minimum=1)

    def poll_settings(self) -> dict[str, Any]:
        """Return ``flag_read_every``."""
        return {"flag_read_every": self.flag_read_every}

    def follow(self, hook: LaunchDarklyHook) -> Follower:
        """Follow the flag's entry in its pipeline's shared releases list (see the class)."""
        return PhaseFollower(self, hook)


class PhaseFollower(Follower):
    """A phase trigger's follower: the pipeline's releases list, the flag's own release when it must."""

    def __init__(self, trigger: LaunchDarklyReleasePhaseTrigger, hook: LaunchDarklyHook) -> None:
        self.trigger, self.hook, self.wait = trigger, hook, trigger.wait
        self.every = trigger.flag_read_every
        reads = shared_reads()
        # the project's pipelines (their phases) change rarely: one read serves a whole period
        self.pipelines_reader = reads.reader(max_age=trigger.poll_interval * self.every)
        self.own_reader = reads.reader(max_age=trigger.poll_interval)
        self.subscription: Subscription | None = None
        self.phases: list[dict[str, Any]] = []
        self.pipeline: str | None = None
        self.list_refused = False  # the pipeline lists cannot be read: follow the flag's own release
        self.first = True
        self.locate_after = 0.0  # seconds to wait before looking for the flag's pipeline again

    async def next(self) -> Outcome:
        """Return the outcome once the flag's entry changed, it had to be read, or the deadline came."""
        while True:
            if self.subscription is None:
                if self.locate_after:
                    await self.trigger.clock.asleep(self.locate_after)
                    self.locate_after = 0.0
                located = await self._locate()
                if located is not None:
                    return located
            assert self.subscription is not None
            wake = await self.subscription.next()
            outcome = await (self._from_list(wake) if self.pipeline else self._from_own_poll(wake))
            if outcome is not None:
                return outcome

    def close(self) -> None:
        self._leave()
        self.pipelines_reader.close()
        self.own_reader.close()

    def _leave(self) -> None:
        if self.subscription is not None:
            self.subscription.close()
        self.subscription, self.pipeline = None, None

    def _subscribe(self, spec: PollSpec, item: Any) -> Subscription:
        trigger = self.trigger
        self.subscription = shared_polls().subscribe(
            spec, item, clock=trigger.clock, deadline=trigger.end_time
        )
        return self.subscription

    async def _locate(self) -> Outcome | None:
        """Find the pipeline listing the flag (the lists are shared reads) and follow it, or the flag."""
        project = self.wait.project_key
        pipelines: dict[str, list[dict[str, Any]]] = {}
        if not self.list_refused:
            try:
                pipelines = await self.pipelines_reader.read(
                    self.hook,
                    ("release pipelines", project),
                    lambda: self._pipelines(project),
                )
            except READ_ERRORS as exc:
                self.list_refused = not isinstance(exc, TRANSIENT_ERRORS)
                if not self.list_refused:  # ask again after a poll interval, not each flag on its own
                    self.locate_after = self.trigger.poll_interval
                    subject = f"LaunchDarkly release pipelines of project {project!r}"
                    return read_failure(self.hook, exc, subject, not_found="")
        for key, phases in pipelines.items():
            subscription = self._follow_pipeline(key, phases)
            wake = await subscription.next()
            if wake.entry is not None or isinstance(wake.error, TRANSIENT_ERRORS):
                self._remind(subscription)  # listed, or the list will tell at a later poll
                return await self._from_list(wake)
            self._leave()
            if wake.error is not None:
                self.list_refused = not isinstance(wake.error, TRANSIENT_ERRORS)
                break
        if self.list_refused:  # the lists cannot be read: poll the flag's own release instead
            self._follow_own_release()
            return None
        # in no list: the flag's own release tells where it is, if anywhere
        answers: list[Any] = []
        outcome = await self._read_own(answers)
        pipeline = release_pipeline_key(answers[-1]) if answers else None
        if outcome.status is WaitStatus.PENDING and pipeline in pipelines:
            # not listed yet: the list will show it
            self._remind(self._follow_pipeline(pipeline, pipelines[pipeline]))
        elif outcome.status is WaitStatus.PENDING:
            self._follow_own_release()
        return outcome

    def _follow_pipeline(self, key: str, phases: list[dict[str, Any]]) -> Subscription:
        hook, project = self.hook, self.wait.project_key
        spec = PollSpec(
            key=(hook.service, hook.conn_id, "pipeline releases", project, key),
            fetch=lambda: hook.alist_pipeline_releases(project, key, page_size=LIST_PAGE_SIZE),
            entries=index_progressions,
            interval=self.trigger.poll_interval,
        )
        subscription = self._subscribe(spec, self.wait.flag_key)
        self.pipeline, self.phases = key, phases
        return subscription

    def _follow_own_release(self) -> None:
        """Poll the flag's own release (shared by the waits on the same flag): the lists cannot serve."""
        hook, wait = self.hook, self.wait
        spec = PollSpec(
            key=(hook.service, hook.conn_id, *wait.read_key),
            fetch=lambda: wait.aread(hook),
            entries=lambda answer: {None: answer},
            interval=self.trigger.poll_interval,
        )
        subscription = self._subscribe(spec, None)
        if not self.list_refused:
            subscription.remind_after(self.every)  # then try the lists again

    def _remind(self, subscription: Subscription) -> None:
        """The periodic own read; the first period starts part-way, by the flag's key, so that the
        own reads of many flags spread over the polls instead of all falling on one."""
        every = self.every
        if self.first:
            self.first = False
            subscription.remind_after(every - zlib.crc32(self.wait.flag_key.encode()) % every)
        else:
            subscription.remind_after(every)

    async def _from_list(self, wake: Wake) -> Outcome | None:
        """The outcome the flag's entry shows, reading the flag's own release when it cannot tell."""
        if wake.error is not None:
            if not isinstance(wake.error, TRANSIENT_ERRORS) and isinstance(wake.error, READ_ERRORS):
                self.list_refused = True  # follow the flag itself from now on
                self._leave()
                return None
            if not wake.due:
                if not isinstance(wake.error, READ_ERRORS):
                    raise wake.error
                project = self.wait.project_key
                subject = f"LaunchDarkly releases of pipeline {self.pipeline!r} in project {project!r}"
                return read_failure(self.hook, wake.error, subject, not_found="")
        outcome = None
        if not (wake.due or wake.error):
            outcome = self.wait.judge_progress(wake.entry, self.phases)
        if outcome is not None:
            return outcome
        if wake.due and self.subscription is not None:
            self._remind(self.subscription)
        answers: list[Any] = []
        outcome = await self._read_own(answers)
        pipeline = release_pipeline_key(answers[-1]) if answers else None
        if outcome.status is WaitStatus.PENDING and pipeline is not None and pipeline != self.pipeline:
            self._leave()  # the flag moved to another pipeline: find it there
        return outcome

    async def _from_own_poll(self, wake: Wake) -> Outcome | None:
        if wake.due and not self.list_refused:
            self._leave()  # try the lists again
            return None
        if wake.error is not None:
            return judged_failure(self.hook, self.wait, wake.error)
        return self.wait.judge(self.hook, wake.entry)

    async def _read_own(self, answers: list[Any]) -> Outcome:
        """Read the flag's own release (shared with the waits on the same flag) and judge it."""

        async def read() -> Any:
            answers.append(await self.trigger.read_shared(self.hook, self.own_reader))
            return answers[-1]

        return await self.wait.acheck(self.hook, read)

    async def _pipelines(self, project: str) -> dict[str, list[dict[str, Any]]]:
        return index_pipelines(await self.hook.alist_release_pipelines(project))


class LaunchDarklyEnvironmentReleaseTrigger(DeclaredWaitTrigger[LaunchDarklyEnvironmentRelease]):
    """
    Wait in the triggerer for
    :class:`~airflow_provider_releases.waits.launchdarkly.LaunchDarklyEnvironmentRelease`.

    Every trigger on the same flag and environment through one connection shares each read of
    the flag's releases there.
    """

    wait_class = LaunchDarklyEnvironmentRelease
