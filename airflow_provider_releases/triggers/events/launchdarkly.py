"""Watchers that fire when a LaunchDarkly pipeline phase completes, or an environment release ends."""

from __future__ import annotations

from typing import Any

from airflow_provider_releases.exceptions import InvalidParameterError
from airflow_provider_releases.hooks.launchdarkly import LaunchDarklyHook
from airflow_provider_releases.milestones import (
    MilestoneAction,
    launchdarkly_environment_release,
    launchdarkly_release,
)
from airflow_provider_releases.rules import launchdarkly as rules
from airflow_provider_releases.triggers.events.base import DoneState, ReleasesEventTrigger, WatcherFailed
from airflow_provider_releases.triggers.shared import Reader


class LaunchDarklyPhaseCompletedEventTrigger(ReleasesEventTrigger[LaunchDarklyHook]):
    """
    Fire one asset event each time a phase of a release pipeline completes for a flag's release.

    A flag released again is a new release and fires again; the payload is a ``launchdarkly_release``
    milestone with the flag's page as ``url``.

    :param project_key: the project's key.
    :param release_pipeline_key: the release pipeline's key.
    :param phase: the phase's name, id, or 0-based position in the pipeline.
    :param launchdarkly_conn_id: the Airflow connection to LaunchDarkly.
    :param poll_interval: seconds between polls.
    :raises InvalidParameterError: an argument has the wrong form.
    """

    hook_class = LaunchDarklyHook
    kind = "launchdarkly-phase-completed"

    def __init__(
        self,
        project_key: str,
        release_pipeline_key: str,
        phase: str | int,
        *,
        launchdarkly_conn_id: str = LaunchDarklyHook.default_conn_name,
        poll_interval: float = 60.0,
    ) -> None:
        self.project_key = rules.key("project_key", project_key)
        self.release_pipeline_key = rules.key("release_pipeline_key", release_pipeline_key)
        self.phase = rules.phase_ref(phase)
        self.launchdarkly_conn_id = launchdarkly_conn_id
        super().__init__(poll_interval=poll_interval)

    @property
    def subject(self) -> str:
        return f"LaunchDarkly release pipeline {self.release_pipeline_key!r} in project {self.project_key!r}"

    not_found = "no such release pipeline (or project) in LaunchDarkly, so none of its phases can complete"

    def service_kwargs(self) -> dict[str, Any]:
        return {
            "project_key": self.project_key,
            "release_pipeline_key": self.release_pipeline_key,
            "phase": self.phase,
            "launchdarkly_conn_id": self.launchdarkly_conn_id,
        }

    def stream_subject(self) -> tuple[Any, ...]:
        """The project and the pipeline (every phase: watchers of its phases share the read)."""
        return (self.project_key, self.release_pipeline_key)

    def watermark_subject(self) -> tuple[Any, ...]:
        return (self.project_key, self.release_pipeline_key, self.phase)

    async def read_snapshot(self, hook: LaunchDarklyHook) -> dict[str, Any]:
        """The pipeline's phases and its releases' progressions."""
        pipeline = await hook.aget_release_pipeline(self.project_key, self.release_pipeline_key)
        releases = await hook.alist_pipeline_releases(
            self.project_key, self.release_pipeline_key, page_size=rules.LIST_PAGE_SIZE
        )
        return {"pipeline": pipeline, "releases": releases}

    def done_state(self, snapshot: dict[str, Any]) -> DoneState:
        """
        Return the releases whose phase is complete, by ``<flagKey>@<_createdAt>``.

        :raises WatcherFailed: no phase of the pipeline, or more than one, matches ``phase``.
        """
        phases = pipeline_phases(snapshot["pipeline"])
        try:
            index = rules.find_phase(phases, self.phase)
        except InvalidParameterError as exc:
            raise WatcherFailed(f"{self.subject}: {exc}") from None
        if index is None:
            raise WatcherFailed(
                f"{self.subject}: no phase matches {self.phase!r}, so it can never complete; the phases "
                f"are: {rules.describe_phases(phases)}."
            )
        order = [phase.get("_id") for phase in phases]
        state = DoneState()
        for item in snapshot["releases"]:
            if not isinstance(item, dict) or not isinstance(item.get("flagKey"), str):
                continue
            release_id = f"{item['flagKey']}@{item.get('_createdAt')}"
            active = item.get("activePhaseId")
            if item.get("_completedAt"):
                state.done[release_id] = (item, phases[index])
            elif active is not None and active not in order:
                state.unknown.add(release_id)
            elif active is not None and order.index(active) > index:
                state.done[release_id] = (item, phases[index])
        return state

    async def milestone(
        self, hook: LaunchDarklyHook, reader: Reader, item: tuple[dict[str, Any], dict[str, Any]]
    ) -> dict[str, Any]:
        release, phase = item
        return launchdarkly_release(
            MilestoneAction.PHASE_COMPLETED,
            project_key=self.project_key,
            flag_key=release["flagKey"],
            release_pipeline_key=self.release_pipeline_key,
            phase=phase,
            url=hook.flag_url(self.project_key, release["flagKey"]),
        )


def pipeline_phases(pipeline: Any) -> list[dict[str, Any]]:
    """Return a pipeline's phases named as a release names its own (``_id``, ``_name``)."""
    phases = pipeline.get("phases") if isinstance(pipeline, dict) else None
    return [
        {"_id": phase.get("id"), "_name": phase.get("name")}
        for phase in phases or ()
        if isinstance(phase, dict)
    ]


#: The milestone action of an environment release that ended, by its status.
ENDED = {
    rules.EnvironmentReleaseStatus.COMPLETED: MilestoneAction.RELEASE_COMPLETED,
    rules.EnvironmentReleaseStatus.REVERTED: MilestoneAction.RELEASE_REVERTED,
}


class LaunchDarklyEnvironmentReleaseEventTrigger(ReleasesEventTrigger[LaunchDarklyHook]):
    """
    Fire one asset event per environment release of a flag that reaches ``completed`` or ``reverted``.

    Whoever caused it (a DAG, a person in LaunchDarkly, a regression); the releases that ended
    before the first poll are its starting state and fire nothing. The payload is a
    ``launchdarkly_environment_release`` milestone: ``action`` ``release_completed`` or
    ``release_reverted``, with the release's id, kind, status and the flag's page in the environment.

    :param project_key: the project's key.
    :param flag_key: the flag's key.
    :param environment_key: the environment's key.
    :param launchdarkly_conn_id: the Airflow connection to LaunchDarkly.
    :param poll_interval: seconds between polls.
    :raises InvalidParameterError: an argument has the wrong form.
    """

    hook_class = LaunchDarklyHook
    kind = "launchdarkly-environment-release-ended"
    not_found = "no such flag, environment or project in LaunchDarkly, so none of its releases can end"

    def __init__(
        self,
        project_key: str,
        flag_key: str,
        environment_key: str,
        *,
        launchdarkly_conn_id: str = LaunchDarklyHook.default_conn_name,
        poll_interval: float = 60.0,
    ) -> None:
        self.project_key = rules.key("project_key", project_key)
        self.flag_key = rules.key("flag_key", flag_key)
        self.environment_key = rules.key("environment_key", environment_key)
        self.launchdarkly_conn_id = launchdarkly_conn_id
        super().__init__(poll_interval=poll_interval)

    @property
    def subject(self) -> str:
        return (
            f"LaunchDarkly releases of flag {self.flag_key!r} in environment {self.environment_key!r} of"
            f" project {self.project_key!r}"
        )

    def service_kwargs(self) -> dict[str, Any]:
        return {
            "project_key": self.project_key,
            "flag_key": self.flag_key,
            "environment_key": self.environment_key,
            "launchdarkly_conn_id": self.launchdarkly_conn_id,
        }

    def stream_subject(self) -> tuple[Any, ...]:
        return (self.project_key, self.flag_key, self.environment_key)

    async def read_snapshot(self, hook: LaunchDarklyHook) -> list[Any]:
        """The flag's releases in the environment, newest first."""
        return await hook.alist_environment_releases(self.project_key, self.flag_key, self.environment_key)

    def done_state(self, snapshot: list[Any]) -> DoneState:
        """Return the releases that ended (completed or reverted), by id."""
        state = DoneState()
        for release in snapshot:
            ended = isinstance(release, dict) and rules.release_status(release) in ENDED
            if ended and isinstance(release.get("id"), str):
                state.done[release["id"]] = release
        return state

    async def milestone(self, hook: LaunchDarklyHook, reader: Reader, item: dict[str, Any]) -> dict[str, Any]:
        return launchdarkly_environment_release(
            ENDED[rules.release_status(item)],
            item,
            project_key=self.project_key,
            flag_key=self.flag_key,
            environment_key=self.environment_key,
            url=hook.environment_release_url(self.project_key, self.flag_key, self.environment_key),
        )
