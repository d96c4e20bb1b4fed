"""LaunchDarkly's sandbox state: projects, pipelines, flags and flag releases, and how releases move."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from airflow_provider_releases_sandbox.core import ApiError, Model, iso_now, load_seed, now_ms
from airflow_provider_releases_sandbox.launchdarkly import inputs, release_inputs, release_models, views
from airflow_provider_releases_sandbox.launchdarkly.records import (
    Environment,
    Flag,
    FlagRelease,
    Pipeline,
    Project,
    Release,
    ReleaseAudience,
    ReleasePhase,
    ReleasePlan,
    Variation,
)
from airflow_provider_releases_sandbox.launchdarkly.rules import PLAN_FIELDS, PhaseStatus

DEFAULT_SEED: dict[str, Any] = load_seed(__package__)
ACCESS_TOKEN: str = DEFAULT_SEED["access_token"]
DEFAULT_MAX_PIPELINES = 20  # "You can create up to 20 release pipelines per project."
NOT_STARTED, ACTIVE, COMPLETED = (
    PhaseStatus.NOT_STARTED.value,
    PhaseStatus.ACTIVE.value,
    PhaseStatus.COMPLETED.value,
)
CALLER_IDENTITY = "/api/v2/caller-identity"


def active_index(record: FlagRelease) -> int | None:
    """The position of the release's active phase (started, not complete), if any."""
    for index, phase in enumerate(record.release.phases):
        if phase.status == ACTIVE and not phase.complete:
            return index
    return None


def first_incomplete(record: FlagRelease) -> int | None:
    """The position of the release's first phase that is not complete, if any."""
    for index, phase in enumerate(record.release.phases):
        if not phase.complete:
            return index
    return None


class LaunchDarklyModel(Model):
    """LaunchDarkly's state and rules; :class:`LaunchDarklyBackend` holds one and answers HTTP."""

    name = "launchdarkly"
    default_seed: dict[str, Any] = DEFAULT_SEED
    state_fields = ("projects",)  # auto-advance is a setting: the command line's at every start
    clock: Callable[[], int] = staticmethod(now_ms)  # epoch ms; tests may replace it on an instance
    error = staticmethod(inputs.error)

    # Set-up

    def load(self, seed: dict[str, Any]) -> None:
        """Build projects, environments, pipelines, flags and releases from ``seed``."""
        self.access_token = seed.get("access_token", ACCESS_TOKEN)
        self.max_pipelines = int(seed.get("max_pipelines", DEFAULT_MAX_PIPELINES))
        self.token_id = views.stable_id("token", self.access_token)
        self.auto_seconds: float | None = None
        self.auto_reads: int | None = None
        self.auto_since = 0
        self.release_clock = release_models.ReleaseClock(lambda: self.clock(), seed.get("time_scale", 1.0))
        self.release_plans_available = bool(seed.get("release_plans_available", True))
        self.projects: dict[str, Project] = {}
        for project_seed in seed.get("projects", []):
            try:
                self._load_project(project_seed)
            except ApiError as exc:
                raise ValueError(f"LaunchDarkly seed: {exc.body.get('message')}") from None
            except KeyError as exc:
                where = project_seed.get("key") if isinstance(project_seed, dict) else project_seed
                raise ValueError(
                    f"LaunchDarkly seed: project {where!r} lacks or does not know {exc.args[0]!r}"
                ) from None
            except (TypeError, AttributeError) as exc:
                raise ValueError(f"LaunchDarkly seed: malformed project {project_seed!r}: {exc}") from None
        if seed.get("auto_advance"):  # {"seconds": N} or {"reads": N}, as the control sets it
            self.set_auto_advance(**seed["auto_advance"])

    def _load_project(self, seed: dict[str, Any]) -> None:
        key = seed["key"]
        project = Project(
            key=key,
            name=seed.get("name", key),
            environments={
                env["key"]: Environment(
                    key=env["key"],
                    name=env.get("name", env["key"]),
                    color=env.get("color", views.DEFAULT_COLOR),
                )
                for env in seed.get("environments", [])
            },
            approval_environments=list(seed.get("approvalEnvironments", [])),
            release_policies={policy["key"]: policy for policy in seed.get("releasePolicies", [])},
        )
        self.projects[key] = project
        for plan_seed in seed.get("releasePlans", []):
            self.add_release_plan(project, plan_seed["environmentKey"], plan_seed["key"], plan_seed)
        for pipeline_seed in seed.get("pipelines", []):
            self.add_pipeline(project, self.new_pipeline(project, pipeline_seed, stable=True), pipeline_seed)
        for flag_seed in seed.get("flags", []):
            project.flags[flag_seed["key"]] = self._new_flag(key, flag_seed)
        for release_seed in seed.get("releases", []):
            flag = project.flags[release_seed["flagKey"]]
            pipeline = project.pipelines[release_seed["releasePipelineKey"]]
            record = self.new_release(project, flag, pipeline, release_seed.get("releaseVariationId"))
            project.releases[flag.key] = record
            for index, state in enumerate(release_seed.get("phases") or []):
                if state == COMPLETED:
                    self._set_started(record, index, self.clock())
                    self._set_complete(record, index, self.clock(), by_api=False)
                elif state == ACTIVE:
                    self._set_started(record, index, self.clock())
                elif state != NOT_STARTED:
                    raise ValueError(
                        f"LaunchDarkly seed: phase state {state!r} is not one of "
                        f"{NOT_STARTED}, {ACTIVE}, {COMPLETED}"
                    )
            if record.legacy:
                self._legacy_refresh(record, self.clock())
            self._finish_if_done(record, self.clock())
            record.release.version = 1

    def secrets(self) -> list[str]:
        """The access token."""
        return [self.access_token]

    # Lookups

    def from_snapshot(self, name: str, value: Any) -> Any:
        """The projects as records."""
        return {key: Project.from_json(item) for key, item in value.items()}

    def project(self, project_key: str) -> Project:
        """The project (after letting time-driven auto-advance catch up), or 404."""
        self.tick()
        project = self.projects.get(project_key)
        if project is None:
            raise self.error(404, f"Unknown project {project_key!r}")
        return project

    def environment(self, project: Project, environment_key: str) -> Environment:
        """The project's environment, or 404."""
        environment = project.environments.get(environment_key)
        if environment is None:
            raise self.error(404, f"Unknown environment {environment_key!r} in project {project.key!r}")
        return environment

    def flag(self, project: Project, flag_key: str) -> Flag:
        """The project's flag, or 404."""
        flag = project.flags.get(flag_key)
        if flag is None:
            raise self.error(404, f"Unknown flag {flag_key!r} in project {project.key!r}")
        return flag

    def record(self, project: Project, flag_key: str) -> FlagRelease:
        """The flag's release record (the release and its bookkeeping), or 404."""
        self.flag(project, flag_key)
        record = project.releases.get(flag_key)
        if record is None:
            raise self.error(404, f"Flag {flag_key!r} has no release: attach it to a release pipeline first")
        return record

    def pipeline(self, project: Project, pipeline_key: str) -> Pipeline:
        """The project's release pipeline, or 404."""
        pipeline = project.pipelines.get(pipeline_key)
        if pipeline is None:
            raise self.error(404, f"Unknown release pipeline {pipeline_key!r} in project {project.key!r}")
        return pipeline

    # Flags and pipelines

    def _new_flag(self, project_key: str, seed: dict[str, Any]) -> Flag:
        kind = seed.get("kind", "boolean")
        variations = seed.get("variations") or (
            [{"value": True, "name": "On"}, {"value": False, "name": "Off"}] if kind == "boolean" else []
        )
        return Flag(
            key=seed["key"],
            name=seed.get("name", seed["key"]),
            kind=kind,
            created_at=self.clock(),
            off_environments=list(seed.get("offEnvironments", [])),
            failing_checks={env: list(kinds) for env, kinds in seed.get("failingHealthChecks", {}).items()},
            variations=[
                Variation(
                    id=item.get("_id")
                    or views.stable_uuid(project_key, seed["key"], "variation", str(index)),
                    value=item["value"],
                    name=item.get("name", str(item["value"])),
                )
                for index, item in enumerate(variations)
            ],
        )

    def add_release_plan(
        self, project: Project, environment_key: str, plan_key: str, plan: dict[str, Any]
    ) -> ReleasePlan:
        """Store an environment release plan (its fields checked as a start's: 400 if invalid)."""
        self.environment(project, environment_key)
        fields = {name: plan[name] for name in PLAN_FIELDS if name in plan}
        release_inputs.plan_fields(fields)
        stored = ReleasePlan(key=plan_key, environment_key=environment_key, plan=fields)
        project.release_plans[f"{environment_key}/{plan_key}"] = stored
        return stored

    def new_pipeline(self, project: Project, body: dict[str, Any], *, stable: bool = False) -> Pipeline:
        """Validate a ``CreateReleasePipelineInput`` and return the stored pipeline (400 if invalid)."""
        key = inputs.key_field(body, "key")
        created_at = (stable and body.get("createdAt")) or iso_now()
        is_legacy = inputs.bool_field(body, "isLegacy", False)
        inputs.bool_field(body, "isProjectDefault", False)
        return Pipeline(
            key=key,
            created_at=created_at,
            is_legacy=is_legacy,
            **inputs.pipeline_fields(project, key, body, stable=stable),
        )

    def update_pipeline(self, project: Project, pipeline: Pipeline, body: dict[str, Any]) -> None:
        """Replace the pipeline's name, description, tags and phases with ``body``'s (400 if invalid)."""
        for name, value in inputs.pipeline_fields(project, pipeline.key, body, old=pipeline).items():
            setattr(pipeline, name, value)
        pipeline.version += 1

    @staticmethod
    def add_pipeline(project: Project, pipeline: Pipeline, body: dict[str, Any]) -> None:
        """Store a new pipeline; the project's first one (or one marked so) becomes its default."""
        project.pipelines[pipeline.key] = pipeline
        if body.get("isProjectDefault") or project.default_pipeline is None:
            project.default_pipeline = pipeline.key

    # Releases: state changes

    def new_release(
        self, project: Project, flag: Flag, pipeline: Pipeline, variation_id: str | None
    ) -> FlagRelease:
        """A new release record of ``flag`` on ``pipeline``, no phase started."""
        stamp = self.clock()
        if variation_id is None:
            variation_id = next(
                (item.id for item in flag.variations if item.value is True), flag.variations[0].id
            )
        phases = [
            ReleasePhase(
                id=phase.id,
                name=phase.name,
                creation_date=stamp,
                audiences=[
                    views.release_audience(project, audience, NOT_STARTED) for audience in phase.audiences
                ],
                status=NOT_STARTED,
                configuration=copy.deepcopy(phase.configuration),
            )
            for phase in pipeline.phases
        ]
        release = Release(
            name=pipeline.name,
            release_pipeline_key=pipeline.key,
            release_pipeline_description=pipeline.description,
            phases=phases,
            links={
                "self": views.link(views.release_href(project.key, flag.key)),
                "pipeline": views.link(views.pipeline_href(project.key, pipeline.key)),
            },
            release_variation_id=variation_id,
        )
        return FlagRelease(release=release, flag_key=flag.key, legacy=pipeline.is_legacy, created_at=stamp)

    @staticmethod
    def _set_status(phase: ReleasePhase, status: str) -> None:
        phase.status = status
        for audience in phase.audiences:
            audience.status = status

    def _set_started(self, record: FlagRelease, index: int, stamp: int) -> None:
        phase = record.release.phases[index]
        self._set_status(phase, ACTIVE)
        phase.started, phase.started_date = True, stamp
        record.since, record.reads, record.list_reads = stamp, 0, 0

    def _set_complete(self, record: FlagRelease, index: int, stamp: int, *, by_api: bool) -> None:
        phase = record.release.phases[index]
        if not phase.started:
            phase.started, phase.started_date = True, stamp
        self._set_status(phase, COMPLETED)
        phase.complete, phase.completion_date = True, stamp
        if by_api:
            phase.completed_by = {"token": views.token_summary(self.token_id, self.access_token)}

    def _set_incomplete(self, record: FlagRelease, index: int) -> None:
        phase = record.release.phases[index]
        self._set_status(phase, NOT_STARTED)
        phase.complete = phase.started = False
        phase.completion_date = phase.completed_by = phase.started_date = None

    def _legacy_refresh(self, record: FlagRelease, stamp: int) -> None:
        """In a legacy release the first phase not complete is the active one; later ones wait."""
        current = first_incomplete(record)
        for index, phase in enumerate(record.release.phases):
            if phase.complete:
                continue
            if index == current:
                if phase.status != ACTIVE:
                    self._set_started(record, index, stamp)
            elif phase.started:
                self._set_incomplete(record, index)

    def _finish_if_done(self, record: FlagRelease, stamp: int) -> None:
        phases = record.release.phases
        if phases and all(phase.complete for phase in phases):
            record.completed_at = record.completed_at or stamp
            record.since = None
        else:
            record.completed_at = None

    def advance(self, record: FlagRelease, stamp: int, *, by_api: bool = False) -> None:
        """Complete the active phase (or the first not complete) and start the next one."""
        index = active_index(record)
        if index is None:
            index = first_incomplete(record)
        if index is None:
            return
        self._set_complete(record, index, stamp, by_api=by_api)
        following = index + 1
        phases = record.release.phases
        if following < len(phases) and not phases[following].complete:
            self._set_started(record, following, stamp)
        if record.legacy:
            self._legacy_refresh(record, stamp)
        self._finish_if_done(record, stamp)
        record.release.version += 1

    def attach(self, project: Project, record: FlagRelease) -> None:
        """Store a new release of a flag (a legacy pipeline's starts its first phase at once)."""
        if record.legacy:
            self._legacy_refresh(record, record.created_at)
        project.releases[record.flag_key] = record

    def mark_complete(self, record: FlagRelease, changes: list[tuple[int, bool]]) -> None:
        """Apply a legacy release's JSON Patch changes: ``(phase index, complete)``."""
        phases = record.release.phases
        stamp = self.clock()
        for index, value in changes:
            if value and not phases[index].complete:
                self._set_complete(record, index, stamp, by_api=True)
            elif not value and phases[index].complete:
                self._set_incomplete(record, index)
        self._legacy_refresh(record, stamp)
        self._finish_if_done(record, stamp)
        record.release.version += 1

    def start_phase(
        self, record: FlagRelease, index: int, updates: list[tuple[ReleaseAudience, dict[str, Any]]]
    ) -> None:
        """Start phase ``index``: the active phase before it completes; apply the audiences' updates."""
        stamp = self.clock()
        active = active_index(record)
        if active is not None:
            self._set_complete(record, active, stamp, by_api=True)
        for stored, given in updates:
            if stored.configuration is None:
                stored.configuration = {"releaseStrategy": "immediate-rollout", "requireApproval": False}
            configuration = stored.configuration
            for name in inputs.NOTIFY_FIELDS:
                if name in given:
                    configuration[name] = list(given[name])
            if "releaseGuardianConfiguration" in given:
                merged = dict(configuration.get("releaseGuardianConfiguration") or {})
                merged.update(given["releaseGuardianConfiguration"])
                configuration["releaseGuardianConfiguration"] = merged
        self._set_started(record, index, stamp)
        record.release.version += 1

    def cancel(self, record: FlagRelease) -> None:
        """Cancel the release (``_canceledAt``, epoch ms): it never advances again."""
        if not record.canceled:
            record.release.canceled_at = self.clock()
            record.release.version += 1
            record.since = None

    # Auto-advance

    def set_auto_advance(self, seconds: float | None = None, reads: int | None = None) -> dict[str, Any]:
        """Turn auto-advance on (after ``seconds`` or ``reads``) or off (neither); see the control."""
        if seconds is not None and (
            isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds <= 0
        ):
            raise ValueError(f"seconds={seconds!r} must be a positive number of seconds, or null")
        if reads is not None and (isinstance(reads, bool) or not isinstance(reads, int) or reads < 1):
            raise ValueError(f"reads={reads!r} must be a positive integer, or null")
        self.tick()
        self.auto_seconds = float(seconds) if seconds is not None else None
        self.auto_reads = reads
        self.auto_since = self.clock()
        for record in self.records():
            record.reads = record.list_reads = 0
        return {"seconds": self.auto_seconds, "reads": self.auto_reads}

    def records(self) -> list[FlagRelease]:
        """Every project's release records."""
        return [record for project in self.projects.values() for record in project.releases.values()]

    def tick(self) -> None:
        """Let environment releases' steps and time-driven auto-advance end what is due."""
        now = self.release_clock.now()
        for project in self.projects.values():
            for release in project.environment_releases.values():
                release_models.catch_up(release, now)
        if self.auto_seconds is None:
            return
        now = self.clock()
        span = int(self.auto_seconds * 1000)
        for record in self.records():
            while not record.canceled:
                if active_index(record) is None:
                    break
                due = max(record.since or 0, self.auto_since) + span
                if due > now:
                    break
                self.advance(record, due)

    def counted_read(self, record: FlagRelease, *, listed: bool = False) -> None:
        """Count a read of the release (``listed``: a page of its pipeline's releases list showing it)
        towards read-driven auto-advance (the ``auto_advance`` control says how)."""
        if self.auto_reads is None or record.canceled or active_index(record) is None:
            return
        if listed:
            record.list_reads += 1
        else:
            record.reads += 1
        if max(record.reads, record.list_reads) >= self.auto_reads:
            self.advance(record, self.clock())
