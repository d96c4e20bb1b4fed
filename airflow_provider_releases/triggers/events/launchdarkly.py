"""Watcher that fires when a phase of a LaunchDarkly release pipeline completes for a flag."""

from __future__ import annotations

from typing import Any

from airflow_provider_releases.exceptions import InvalidParameterError
from airflow_provider_releases.hooks.launchdarkly import LaunchDarklyHook
from airflow_provider_releases.milestones import MilestoneAction, launchdarkly_release
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
