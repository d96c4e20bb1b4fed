"""LaunchDarkly's sandbox state: projects, pipelines, flags and flag releases, and how releases move."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from airflow_provider_releases_sandbox.core import ApiError, Model, iso_now, load_seed, now_ms
from airflow_provider_releases_sandbox.launchdarkly import inputs, views
from airflow_provider_releases_sandbox.launchdarkly.rules import PhaseStatus

DEFAULT_SEED: dict[str, Any] = load_seed(__package__)
ACCESS_TOKEN: str = DEFAULT_SEED["access_token"]
DEFAULT_MAX_PIPELINES = 20  # "You can create up to 20 release pipelines per project."
NOT_STARTED, ACTIVE, COMPLETED = (
    PhaseStatus.NOT_STARTED.value,
    PhaseStatus.ACTIVE.value,
    PhaseStatus.COMPLETED.value,
)
PIPELINE_FIELDS = {"key", "name", "description", "phases", "tags", "isProjectDefault", "isLegacy"}
CALLER_IDENTITY = "/api/v2/caller-identity"


def is_canceled(record: dict[str, Any]) -> bool:
    """Whether the flag release of ``record`` was canceled."""
    return "_canceledAt" in record["release"]


def active_index(record: dict[str, Any]) -> int | None:
    """The position of the release's active phase (started, not complete), if any."""
    for index, phase in enumerate(record["release"]["phases"]):
        if phase["status"] == ACTIVE and not phase["complete"]:
            return index
    return None


def first_incomplete(record: dict[str, Any]) -> int | None:
    """The position of the release's first phase that is not complete, if any."""
    for index, phase in enumerate(record["release"]["phases"]):
        if not phase["complete"]:
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
        self.projects: dict[str, dict[str, Any]] = {}
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
        project: dict[str, Any] = {
            "key": key,
            "name": seed.get("name", key),
            "environments": {
                env["key"]: {
                    "key": env["key"],
                    "name": env.get("name", env["key"]),
                    "color": env.get("color", views.DEFAULT_COLOR),
                }
                for env in seed.get("environments", [])
            },
            "pipelines": {},
            "default_pipeline": None,
            "flags": {},
            "releases": {},
        }
        self.projects[key] = project
        for pipeline_seed in seed.get("pipelines", []):
            self.add_pipeline(project, self.new_pipeline(project, pipeline_seed, stable=True), pipeline_seed)
        for flag_seed in seed.get("flags", []):
            project["flags"][flag_seed["key"]] = self._new_flag(key, flag_seed)
        for release_seed in seed.get("releases", []):
            flag = project["flags"][release_seed["flagKey"]]
            pipeline = project["pipelines"][release_seed["releasePipelineKey"]]
            record = self.new_release(project, flag, pipeline, release_seed.get("releaseVariationId"))
            project["releases"][flag["key"]] = record
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
            if record["legacy"]:
                self._legacy_refresh(record, self.clock())
            self._finish_if_done(record, self.clock())
            record["release"]["_version"] = 1

    def secrets(self) -> list[str]:
        """The access token."""
        return [self.access_token]

    # Lookups

    def project(self, project_key: str) -> dict[str, Any]:
        """The project (after letting time-driven auto-advance catch up), or 404."""
        self.tick()
        project = self.projects.get(project_key)
        if project is None:
            raise self.error(404, f"Unknown project {project_key!r}")
        return project

    def flag(self, project: dict[str, Any], flag_key: str) -> dict[str, Any]:
        """The project's flag, or 404."""
        flag = project["flags"].get(flag_key)
        if flag is None:
            raise self.error(404, f"Unknown flag {flag_key!r} in project {project['key']!r}")
        return flag

    def record(self, project: dict[str, Any], flag_key: str) -> dict[str, Any]:
        """The flag's release record (the release and its bookkeeping), or 404."""
        self.flag(project, flag_key)
        record = project["releases"].get(flag_key)
        if record is None:
            raise self.error(404, f"Flag {flag_key!r} has no release: attach it to a release pipeline first")
        return record

    def pipeline(self, project: dict[str, Any], pipeline_key: str) -> dict[str, Any]:
        """The project's release pipeline, or 404."""
        pipeline = project["pipelines"].get(pipeline_key)
        if pipeline is None:
            raise self.error(404, f"Unknown release pipeline {pipeline_key!r} in project {project['key']!r}")
        return pipeline

    # Flags and pipelines

    def _new_flag(self, project_key: str, seed: dict[str, Any]) -> dict[str, Any]:
        kind = seed.get("kind", "boolean")
        variations = seed.get("variations") or (
            [{"value": True, "name": "On"}, {"value": False, "name": "Off"}] if kind == "boolean" else []
        )
        return {
            "key": seed["key"],
            "name": seed.get("name", seed["key"]),
            "kind": kind,
            "variations": [
                {
                    "_id": item.get("_id")
                    or views.stable_uuid(project_key, seed["key"], "variation", str(index)),
                    "value": item["value"],
                    "name": item.get("name", str(item["value"])),
                }
                for index, item in enumerate(variations)
            ],
        }

    def new_pipeline(
        self, project: dict[str, Any], body: dict[str, Any], *, stable: bool = False
    ) -> dict[str, Any]:
        """Validate a ``CreateReleasePipelineInput`` and return the stored pipeline (400 if invalid)."""
        inputs.no_unknown(body, PIPELINE_FIELDS | ({"createdAt"} if stable else set()), "release pipeline")
        pipeline = {
            "key": inputs.key_field(body, "key"),
            "createdAt": body.get("createdAt") or iso_now(),
            "_version": 1,
            "isLegacy": inputs.bool_field(body, "isLegacy", False),
        }
        inputs.bool_field(body, "isProjectDefault", False)
        inputs.apply_pipeline_fields(project, pipeline, body, stable=stable)
        return pipeline

    @staticmethod
    def add_pipeline(project: dict[str, Any], pipeline: dict[str, Any], body: dict[str, Any]) -> None:
        """Store a new pipeline; the project's first one (or one marked so) becomes its default."""
        project["pipelines"][pipeline["key"]] = pipeline
        if body.get("isProjectDefault") or project["default_pipeline"] is None:
            project["default_pipeline"] = pipeline["key"]

    # Releases: state changes

    def new_release(
        self,
        project: dict[str, Any],
        flag: dict[str, Any],
        pipeline: dict[str, Any],
        variation_id: str | None,
    ) -> dict[str, Any]:
        """A new release record of ``flag`` on ``pipeline``, no phase started."""
        stamp = self.clock()
        if variation_id is None:
            variation_id = next(
                (item["_id"] for item in flag["variations"] if item["value"] is True),
                flag["variations"][0]["_id"],
            )
        phases = [
            {
                "_id": phase["id"],
                "_name": phase["name"],
                "complete": False,
                "_creationDate": stamp,
                "_audiences": [
                    views.release_audience(project, audience, NOT_STARTED) for audience in phase["audiences"]
                ],
                "status": NOT_STARTED,
                "started": False,
                "configuration": copy.deepcopy(phase["configuration"]),
            }
            for phase in pipeline["phases"]
        ]
        release = {
            "name": pipeline["name"],
            "releasePipelineKey": pipeline["key"],
            "releasePipelineDescription": pipeline["description"],
            "phases": phases,
            "_version": 1,
            "_links": {
                "self": views.link(views.release_href(project["key"], flag["key"])),
                "pipeline": views.link(views.pipeline_href(project["key"], pipeline["key"])),
            },
            "_releaseVariationId": variation_id,
        }
        return {
            "release": release,
            "flagKey": flag["key"],
            "legacy": pipeline["isLegacy"],
            "createdAt": stamp,
            "completedAt": None,
            "since": None,  # when the active phase started (epoch ms)
            "reads": 0,  # reads of the release since the active phase started
        }

    def _set_status(self, phase: dict[str, Any], status: str, **fields: Any) -> None:
        phase.update(status=status, **fields)
        for audience in phase["_audiences"]:
            audience["status"] = status

    def _set_started(self, record: dict[str, Any], index: int, stamp: int) -> None:
        self._set_status(record["release"]["phases"][index], ACTIVE, started=True, _startedDate=stamp)
        record["since"], record["reads"] = stamp, 0

    def _set_complete(self, record: dict[str, Any], index: int, stamp: int, *, by_api: bool) -> None:
        phase = record["release"]["phases"][index]
        if not phase.get("started"):
            phase.update(started=True, _startedDate=stamp)
        self._set_status(phase, COMPLETED, complete=True, _completionDate=stamp)
        if by_api:
            phase["_completedBy"] = {"token": views.token_summary(self.token_id, self.access_token)}

    def _set_incomplete(self, record: dict[str, Any], index: int) -> None:
        phase = record["release"]["phases"][index]
        self._set_status(phase, NOT_STARTED, complete=False, started=False)
        for name in ("_completionDate", "_completedBy", "_startedDate"):
            phase.pop(name, None)

    def _legacy_refresh(self, record: dict[str, Any], stamp: int) -> None:
        """In a legacy release the first phase not complete is the active one; later ones wait."""
        current = first_incomplete(record)
        for index, phase in enumerate(record["release"]["phases"]):
            if phase["complete"]:
                continue
            if index == current:
                if phase["status"] != ACTIVE:
                    self._set_started(record, index, stamp)
            elif phase["started"]:
                self._set_incomplete(record, index)

    def _finish_if_done(self, record: dict[str, Any], stamp: int) -> None:
        phases = record["release"]["phases"]
        if phases and all(phase["complete"] for phase in phases):
            record["completedAt"] = record["completedAt"] or stamp
            record["since"] = None
        else:
            record["completedAt"] = None

    def advance(self, record: dict[str, Any], stamp: int, *, by_api: bool = False) -> None:
        """Complete the active phase (or the first not complete) and start the next one."""
        index = active_index(record)
        if index is None:
            index = first_incomplete(record)
        if index is None:
            return
        self._set_complete(record, index, stamp, by_api=by_api)
        following = index + 1
        phases = record["release"]["phases"]
        if following < len(phases) and not phases[following]["complete"]:
            self._set_started(record, following, stamp)
        if record["legacy"]:
            self._legacy_refresh(record, stamp)
        self._finish_if_done(record, stamp)
        record["release"]["_version"] += 1

    def attach(self, project: dict[str, Any], record: dict[str, Any]) -> None:
        """Store a new release of a flag (a legacy pipeline's starts its first phase at once)."""
        if record["legacy"]:
            self._legacy_refresh(record, record["createdAt"])
        project["releases"][record["flagKey"]] = record

    def mark_complete(self, record: dict[str, Any], changes: list[tuple[int, bool]]) -> None:
        """Apply a legacy release's JSON Patch changes: ``(phase index, complete)``."""
        phases = record["release"]["phases"]
        stamp = self.clock()
        for index, value in changes:
            if value and not phases[index]["complete"]:
                self._set_complete(record, index, stamp, by_api=True)
            elif not value and phases[index]["complete"]:
                self._set_incomplete(record, index)
        self._legacy_refresh(record, stamp)
        self._finish_if_done(record, stamp)
        record["release"]["_version"] += 1

    def start_phase(
        self, record: dict[str, Any], index: int, updates: list[tuple[dict[str, Any], dict[str, Any]]]
    ) -> None:
        """Start phase ``index``: the active phase before it completes; apply the audiences' updates."""
        stamp = self.clock()
        active = active_index(record)
        if active is not None:
            self._set_complete(record, active, stamp, by_api=True)
        for stored, given in updates:
            configuration = stored.setdefault(
                "configuration", {"releaseStrategy": "immediate-rollout", "requireApproval": False}
            )
            for name in inputs.NOTIFY_FIELDS:
                if name in given:
                    configuration[name] = list(given[name])
            if "releaseGuardianConfiguration" in given:
                merged = dict(configuration.get("releaseGuardianConfiguration") or {})
                merged.update(given["releaseGuardianConfiguration"])
                configuration["releaseGuardianConfiguration"] = merged
        self._set_started(record, index, stamp)
        record["release"]["_version"] += 1

    def cancel(self, record: dict[str, Any]) -> None:
        """Cancel the release (``_canceledAt``, epoch ms): it never advances again."""
        if not is_canceled(record):
            record["release"]["_canceledAt"] = self.clock()
            record["release"]["_version"] += 1
            record["since"] = None

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
            record["reads"] = 0
        return {"seconds": self.auto_seconds, "reads": self.auto_reads}

    def records(self) -> list[dict[str, Any]]:
        """Every project's release records."""
        return [record for project in self.projects.values() for record in project["releases"].values()]

    def tick(self) -> None:
        """Let time-driven auto-advance complete the phases whose time is up."""
        if self.auto_seconds is None:
            return
        now = self.clock()
        span = int(self.auto_seconds * 1000)
        for record in self.records():
            while not is_canceled(record):
                if active_index(record) is None:
                    break
                due = max(record["since"] or 0, self.auto_since) + span
                if due > now:
                    break
                self.advance(record, due)

    def counted_read(self, record: dict[str, Any]) -> None:
        """Count a read of the release towards read-driven auto-advance."""
        if self.auto_reads is None or is_canceled(record) or active_index(record) is None:
            return
        record["reads"] += 1
        if record["reads"] >= self.auto_reads:
            self.advance(record, self.clock())
