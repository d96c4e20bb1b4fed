"""LaunchDarkly's sandbox routes and control actions: parse the request, call the model, render."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from airflow_provider_releases_sandbox.core import Backend, Reply, Request, control, now_ms, page, route
from airflow_provider_releases_sandbox.launchdarkly import inputs, views
from airflow_provider_releases_sandbox.launchdarkly.models import (
    ACTIVE,
    CALLER_IDENTITY,
    LaunchDarklyModel,
    active_index,
    first_incomplete,
)
from airflow_provider_releases_sandbox.launchdarkly.records import FlagRelease
from airflow_provider_releases_sandbox.launchdarkly.release_responses import EnvironmentReleaseRoutes
from airflow_provider_releases_sandbox.launchdarkly.rules import PIPELINE_FILTER_FIELDS
from airflow_provider_releases_sandbox.web import Page

PIPELINES = "/api/v2/projects/{project_key}/release-pipelines"
PIPELINE = PIPELINES + "/{pipeline_key}"
FLAG_RELEASE = "/api/v2/flags/{project_key}/{flag_key}/release"
PROJECT_FLAG_RELEASE = "/api/v2/projects/{project_key}/flags/{flag_key}/release"


def release_view(record: FlagRelease) -> dict[str, Any]:
    """The flag's ``Release`` as the API answers it (a copy: later changes do not show in it)."""
    return record.release.to_json()


def release_state(record: FlagRelease) -> str | None:
    """``completed``, ``active`` or (canceled) ``None``: a release's state for the progression lists."""
    if record.completed_at is not None:
        return "completed"
    return None if record.canceled else "active"


def release_status(record: FlagRelease) -> str:
    """``canceled``, ``completed`` or ``active``: what the app and the ``state`` control show."""
    return "canceled" if record.canceled else str(release_state(record))


class LaunchDarklyBackend(EnvironmentReleaseRoutes, Backend):
    """
    LaunchDarkly's release and release-pipeline endpoints (beta): the routes and controls the
    :mod:`airflow_provider_releases_sandbox.launchdarkly` docstring lists, over
    :class:`~airflow_provider_releases_sandbox.launchdarkly.models.LaunchDarklyModel`.
    """

    model_class = LaunchDarklyModel
    model: LaunchDarklyModel

    # Auth, connection

    def check_auth(self, request: Request) -> None:
        """401 without the raw access token (or with another one); 403 without ``LD-API-Version: beta``."""
        token = request.header("authorization")
        if not token:
            raise self.error(401, "No access token: send it in the Authorization header", "unauthorized")
        if token != self.model.access_token:
            raise self.error(401, "Invalid access token", "unauthorized")
        if request.path != CALLER_IDENTITY and request.header("ld-api-version") != "beta":
            raise self.error(
                403, "This endpoint is in beta: send the header LD-API-Version: beta", "forbidden"
            )

    def rate_limit_headers(self, seconds: float) -> dict[str, str]:
        """LaunchDarkly's reset header, in epoch milliseconds, and the remaining counts."""
        return {
            "X-Ratelimit-Reset": str(now_ms() + int(seconds * 1000)),
            "X-Ratelimit-Global-Remaining": "0",
            "X-Ratelimit-Route-Remaining": "0",
        }

    def connection(self, url: Callable[[str], str]) -> dict[str, Any]:
        """A ``launchdarkly`` connection with the sandbox's token as password."""
        return {"conn_type": "launchdarkly", "host": url("launchdarkly"), "password": self.model.access_token}

    # Routes: caller identity

    @route("GET", CALLER_IDENTITY)
    def caller_identity(self, request: Request) -> dict[str, Any]:
        """What the access token is: the hook's connection test reads it."""
        project = next(iter(self.model.projects.values()), None)
        env = next(iter(project.environments.values()), None) if project else None
        return views.caller_identity(self.model.access_token, self.model.token_id, project, env)

    # Routes: flag releases

    @route("PUT", PROJECT_FLAG_RELEASE)
    def create_flag_release(self, request: Request, project_key: str, flag_key: str) -> dict[str, Any]:
        """Attach a boolean flag to a release pipeline: the flag's new release."""
        project = self.model.project(project_key)
        flag = self.model.flag(project, flag_key)
        body = request.json_object()
        pipeline_key = inputs.text_field(body, "releasePipelineKey")
        variation_id = body.get("releaseVariationId")
        if variation_id is not None and (not isinstance(variation_id, str) or not variation_id):
            raise self.error(400, f"releaseVariationId must be a non-empty string, not {variation_id!r}")
        pipeline = self.model.pipeline(project, pipeline_key)
        if flag.kind != "boolean":
            raise self.error(
                400,
                f"Only boolean flags can be added to a release pipeline: flag {flag_key!r} is {flag.kind}",
            )
        if variation_id is not None and variation_id not in {item.id for item in flag.variations}:
            raise self.error(
                400, f"releaseVariationId {variation_id!r} is not a variation of flag {flag_key!r}"
            )
        existing = project.releases.get(flag_key)
        if existing is not None and existing.completed_at is None and not existing.canceled:
            raise self.error(
                409,
                f"Flag {flag_key!r} already has a release on pipeline "
                f"{existing.release.release_pipeline_key!r}: remove it from that pipeline first",
                "conflict",
            )
        project.releases.pop(flag_key, None)
        record = self.model.new_release(project, flag, pipeline, variation_id)
        self.model.attach(project, record)
        return release_view(record)

    @route("GET", FLAG_RELEASE)
    def get_flag_release(self, request: Request, project_key: str, flag_key: str) -> dict[str, Any]:
        """The flag's release (each read counts towards read-driven auto-advance)."""
        record = self.model.record(self.model.project(project_key), flag_key)
        view = release_view(record)
        self.model.counted_read(record)
        return view

    @route("DELETE", FLAG_RELEASE)
    def delete_flag_release(self, request: Request, project_key: str, flag_key: str) -> Reply:
        """Remove the flag from its release pipeline: 204."""
        project = self.model.project(project_key)
        self.model.record(project, flag_key)
        del project.releases[flag_key]
        return Reply(204, None)

    @route("PATCH", FLAG_RELEASE)
    def patch_flag_release(self, request: Request, project_key: str, flag_key: str) -> dict[str, Any]:
        """Mark phases of a legacy pipeline's release complete or incomplete (JSON Patch)."""
        record = self.model.record(self.model.project(project_key), flag_key)
        changes = inputs.json_patch(request.json(), record.release.phases)
        if not record.legacy:
            raise self.error(
                400,
                "This release is on a release pipeline that is not legacy: start phases with "
                "PUT /api/v2/projects/{projectKey}/flags/{flagKey}/release/phases/{phaseId}",
            )
        if record.canceled:
            raise self.error(400, f"The release of flag {flag_key!r} was canceled and cannot change")
        if changes:
            self.model.mark_complete(record, changes)
        return release_view(record)

    @route("PUT", PROJECT_FLAG_RELEASE + "/phases/{phase_id}")
    def update_phase_status(
        self, request: Request, project_key: str, flag_key: str, phase_id: str
    ) -> dict[str, Any]:
        """Start a phase of the release; the active phase before it completes."""
        record = self.model.record(self.model.project(project_key), flag_key)
        phases = record.release.phases
        index = next((i for i, phase in enumerate(phases) if phase.id == phase_id), None)
        if index is None:
            raise self.error(404, f"Release of flag {flag_key!r} has no phase {phase_id!r}")
        updates = inputs.phase_start(request.json_object(), phases[index])
        if record.canceled:
            raise self.error(
                400, f"The release of flag {flag_key!r} was canceled: its phases cannot be started"
            )
        if record.legacy:
            raise self.error(
                400,
                "This release is on a legacy release pipeline: mark phases complete with "
                "PATCH /api/v2/flags/{projectKey}/{flagKey}/release",
            )
        phase = phases[index]
        if phase.complete:
            raise self.error(400, f"Phase {phase.name!r} is already complete")
        if phase.status == ACTIVE:
            return release_view(record)
        next_index = next((i for i, item in enumerate(phases) if not item.started), None)
        if index != next_index:
            raise self.error(
                400,
                f"Phases start in order: start phase {phases[next_index].name!r} "
                f"({phases[next_index].id}) before phase {phase.name!r}",
            )
        self.model.start_phase(record, index, updates)
        return release_view(record)

    # Routes: release pipelines

    @route("GET", PIPELINES)
    def list_release_pipelines(self, request: Request, project_key: str) -> dict[str, Any]:
        """The project's pipelines, filtered by ``query:`` and ``env:``, a page at a time."""
        project = self.model.project(project_key)
        found = inputs.filters(request, PIPELINE_FILTER_FIELDS)
        pipelines = list(project.pipelines.values())
        if "query" in found:
            text = found["query"].lower()
            pipelines = [
                item
                for item in pipelines
                if any(text in (value or "").lower() for value in (item.key, item.name, item.description))
            ]
        if "env" in found:
            pipelines = [
                item
                for item in pipelines
                if any(a.environment_key == found["env"] for phase in item.phases for a in phase.audiences)
            ]
        page, total = inputs.page(request, pipelines)
        return {"items": [views.pipeline_view(project, item) for item in page], "totalCount": total}

    @route("POST", PIPELINES)
    def create_release_pipeline(self, request: Request, project_key: str) -> Reply:
        """Create a pipeline (201); the project's first pipeline becomes its default."""
        project = self.model.project(project_key)
        body = request.json_object()
        pipeline = self.model.new_pipeline(project, body)
        if pipeline.key in project.pipelines:
            raise self.error(409, f"A release pipeline with key {pipeline.key!r} already exists", "conflict")
        if len(project.pipelines) >= self.model.max_pipelines:
            raise self.error(
                400,
                f"Project {project_key!r} already has {len(project.pipelines)} release pipelines: "
                f"the limit is {self.model.max_pipelines}",
            )
        self.model.add_pipeline(project, pipeline, body)
        return Reply(201, views.pipeline_view(project, pipeline))

    @route("GET", PIPELINE)
    def get_release_pipeline(self, request: Request, project_key: str, pipeline_key: str) -> dict[str, Any]:
        """One pipeline with its ordered phases."""
        project = self.model.project(project_key)
        return views.pipeline_view(project, self.model.pipeline(project, pipeline_key))

    @route("PUT", PIPELINE)
    def update_release_pipeline(
        self, request: Request, project_key: str, pipeline_key: str
    ) -> dict[str, Any]:
        """Replace a pipeline's name, description, tags and phases (existing releases keep theirs)."""
        project = self.model.project(project_key)
        pipeline = self.model.pipeline(project, pipeline_key)
        self.model.update_pipeline(project, pipeline, request.json_object())
        return views.pipeline_view(project, pipeline)

    @route("DELETE", PIPELINE)
    def delete_release_pipeline(self, request: Request, project_key: str, pipeline_key: str) -> Reply:
        """Delete a pipeline (204); not the project's default one (400)."""
        project = self.model.project(project_key)
        self.model.pipeline(project, pipeline_key)
        if project.default_pipeline == pipeline_key:
            raise self.error(
                400,
                f"Release pipeline {pipeline_key!r} is the project's default and cannot be deleted: "
                "make another one the default first",
            )
        del project.pipelines[pipeline_key]
        return Reply(204, None)

    @route("GET", PIPELINE + "/releases")
    def list_pipeline_releases(self, request: Request, project_key: str, pipeline_key: str) -> dict[str, Any]:
        """
        The progression of the pipeline's releases, filtered by ``status:`` and ``activePhaseId:``
        (each release on the page counts the read towards read-driven auto-advance).
        """
        project = self.model.project(project_key)
        pipeline = self.model.pipeline(project, pipeline_key)
        found = inputs.filters(request, ("status", "activePhaseId"))
        status = inputs.release_status_filter(found)
        progressions = []
        for record in project.releases.values():
            if record.release.release_pipeline_key != pipeline_key:
                continue
            index = None if record.canceled else active_index(record)
            item: dict[str, Any] = {
                "_createdAt": record.created_at,
                "flagKey": record.flag_key,
                "_links": {"self": views.link(views.release_href(project_key, record.flag_key))},
            }
            if record.completed_at is not None:
                item["_completedAt"] = record.completed_at
            if index is not None:
                item["activePhaseId"] = record.release.phases[index].id
            progressions.append((release_state(record), item))
        matching = [
            item
            for state, item in progressions
            if (status is None or state == status)
            and ("activePhaseId" not in found or item.get("activePhaseId") == found["activePhaseId"])
        ]
        page, total = inputs.page(request, matching)
        view = views.progression_collection(project_key, pipeline, progressions, page, total)
        for item in page:
            self.model.counted_read(project.releases[item["flagKey"]], listed=True)
        return view

    # Controls

    def _control_record(self, project_key: str, flag_key: str) -> FlagRelease:
        self.model.tick()
        projects = self.model.projects
        project = projects.get(project_key)
        if project is None:
            raise ValueError(
                f"LaunchDarkly project {project_key!r} is unknown: expected one of {sorted(projects)}"
            )
        if flag_key not in project.flags:
            raise ValueError(f"LaunchDarkly flag {flag_key!r} is unknown in project {project_key!r}")
        record = project.releases.get(flag_key)
        if record is None:
            raise ValueError(f"LaunchDarkly flag {flag_key!r} of project {project_key!r} has no release")
        return record

    # The app's flag page (what the extra link opens; no credentials)

    @page("/projects/{project_key}/flags/{flag_key}")
    def flag_web_page(self, request: Request, project_key: str, flag_key: str) -> Page:
        """The flag's page in the LaunchDarkly app, with its release's phases and environment releases."""
        self.model.tick()
        project = self.model.projects.get(project_key)
        record = project.releases.get(flag_key) if project is not None else None
        state = None if record is None else release_status(record)
        environment_releases = [
            item.release
            for item in reversed((project.environment_releases if project else {}).values())
            if item.release.flag_key == flag_key
        ]
        return views.flag_page(project, flag_key, record, state, environment_releases)

    @control("complete_phase")
    def complete_phase(self, project_key: str, flag_key: str) -> dict[str, Any]:
        """
        Complete the release's active phase (or, when none is active, its first phase not
        complete) and start the next one; return the release.

        :raises ValueError: no such project, flag or release; the release was canceled; every
            phase is already complete.
        """
        record = self._control_record(project_key, flag_key)
        if record.canceled:
            raise ValueError(
                f"The release of LaunchDarkly flag {flag_key!r} was canceled: no phase can complete"
            )
        if first_incomplete(record) is None:
            raise ValueError(
                f"Every phase of the release of LaunchDarkly flag {flag_key!r} is already complete"
            )
        self.model.advance(record, self.model.clock())
        return release_view(record)

    @control("cancel_release")
    def cancel_release(self, project_key: str, flag_key: str) -> dict[str, Any]:
        """
        Cancel the flag's release: set ``_canceledAt`` (epoch ms) and return the release. A
        canceled release keeps its phases as they were and never advances again.

        :raises ValueError: no such project, flag or release.
        """
        record = self._control_record(project_key, flag_key)
        self.model.cancel(record)
        return release_view(record)

    @control("auto_advance")
    def auto_advance(self, seconds: float | None = None, reads: int | None = None) -> dict[str, Any]:
        """
        From now on, complete each active phase on its own (and start the next) once ``seconds``
        have passed since it started (or since this call, if later), or once, while the phase was
        active, the flag's release has been read ``reads`` times (``GET``) or its pipeline's
        releases list has shown it ``reads`` times (a page listing it; the two count apart, so a
        client following either one needs as many reads): the read after that sees it complete.
        A release none of whose phases was started does not advance until one is started;
        canceled releases never advance. Neither argument: off (as after a reset).

        :raises ValueError: ``seconds`` is not a positive number or ``reads`` not a positive integer.
        """
        return self.model.set_auto_advance(seconds, reads)

    @control("state")
    def state(self) -> dict[str, Any]:
        """
        Each project's pipelines, flags and flag releases with the state of every phase, its
        environment releases (oldest first), plans and policies, and the release clock's scale.
        """
        self.model.tick()
        projects = {}
        for key, project in self.model.projects.items():
            releases = {
                flag_key: {
                    "pipeline": record.release.release_pipeline_key,
                    "state": release_status(record),
                    "version": record.release.version,
                    "createdAt": record.created_at,
                    "phases": [
                        {
                            "id": phase.id,
                            "name": phase.name,
                            "status": phase.status,
                            "complete": phase.complete,
                        }
                        for phase in record.release.phases
                    ],
                }
                for flag_key, record in project.releases.items()
            }
            environment_releases = [
                {
                    "id": record.release.id,
                    "flagKey": record.release.flag_key,
                    "environmentKey": record.release.environment_key,
                    "kind": record.release.kind,
                    "status": record.release.status,
                    "statusReason": record.release.status_reason,
                    "currentPhaseIndex": record.release.current_phase_index,
                    "releasePlanKey": record.release_plan_key,
                }
                for record in project.environment_releases.values()
            ]
            projects[key] = {
                "environments": sorted(project.environments),
                "approval_environments": list(project.approval_environments),
                "pipelines": list(project.pipelines),
                "default_pipeline": project.default_pipeline,
                "flags": {flag.key: flag.kind for flag in project.flags.values()},
                "releases": releases,
                "environment_releases": environment_releases,
                "release_plans": sorted(project.release_plans),
                "release_policies": sorted(project.release_policies),
            }
        return {
            "projects": projects,
            "auto_advance": {"seconds": self.model.auto_seconds, "reads": self.model.auto_reads},
            "time_scale": self.model.release_clock.scale,
            "release_plans_available": self.model.release_plans_available,
        }
