"""LaunchDarkly in the sandbox: flag releases on release pipelines (beta API)."""

from __future__ import annotations

import copy
import hashlib
import re
import uuid
from collections.abc import Callable
from typing import Any

from airflow_provider_releases.sandbox.core import (
    ApiError,
    Backend,
    Reply,
    Request,
    control,
    int_param,
    iso_now,
    new_id,
    now_ms,
    route,
)

ACCESS_TOKEN = "api-sandbox-launchdarkly-token"
_CODES = {400: "invalid_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
          405: "method_not_allowed", 409: "conflict", 429: "rate_limited"}  # fmt: skip
_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_PATCH_PATH = re.compile(r"/phases?/(\d+)/complete")
_FILTER_TERM = re.compile(r"\s*(\w+)\s*(?::|\s+equals\s+)\s*(.*?)\s*")
_JSON = "application/json"
NOT_STARTED, ACTIVE, COMPLETED = "not-started", "active", "completed"
PHASE_START_STATUSES = ("active", "started")  # compared case-insensitively: the docs' example says "Started"
MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20
DEFAULT_MAX_PIPELINES = 20  # "You can create up to 20 release pipelines per project."


def _stable_id(*parts: str) -> str:
    """A 24-hex-digit id that is the same at every reset (for seeded objects)."""
    return hashlib.sha1("/".join(parts).encode()).hexdigest()[:24]


def _stable_uuid(*parts: str) -> str:
    return str(uuid.UUID(bytes=hashlib.sha1("/".join(parts).encode()).digest()[:16]))


def _std_phases(*phases: tuple[str, str, str]) -> list[dict[str, Any]]:
    return [
        {"name": name, "audiences": [{"environmentKey": env, "name": audience}]}
        for name, env, audience in phases
    ]


DEFAULT_SEED: dict[str, Any] = {
    "access_token": ACCESS_TOKEN,
    "max_pipelines": DEFAULT_MAX_PIPELINES,
    "projects": [
        {
            "key": "default",
            "name": "Default",
            "environments": [
                {"key": "test", "name": "Test", "color": "F5A623"},
                {"key": "production", "name": "Production", "color": "417505"},
            ],
            "pipelines": [
                {
                    "key": "standard-release",
                    "name": "Standard release",
                    "description": "Test internally, open a beta, then release to everyone",
                    "isProjectDefault": True,
                    "tags": ["standard"],
                    "phases": [
                        {"name": "Testing", "audiences": [{"environmentKey": "test", "name": "QA team"}]},
                        {
                            "name": "Beta",
                            "audiences": [
                                {
                                    "environmentKey": "production",
                                    "name": "Beta users",
                                    "segmentKeys": ["beta-users"],
                                    "configuration": {
                                        "releaseStrategy": "immediate-rollout",
                                        "requireApproval": False,
                                    },
                                }
                            ],
                        },
                        {
                            "name": "General availability",
                            "audiences": [
                                {
                                    "environmentKey": "production",
                                    "name": "Everyone",
                                    "configuration": {
                                        "releaseStrategy": "monitoredRelease",
                                        "requireApproval": True,
                                        "notifyTeamKeys": ["release-managers"],
                                        "releaseGuardianConfiguration": {
                                            "monitoringWindowMilliseconds": 3600000,
                                            "rolloutWeight": 50,
                                            "rollbackOnRegression": True,
                                            "randomizationUnit": "user",
                                        },
                                    },
                                }
                            ],
                        },
                    ],
                },
                {
                    "key": "hotfix",
                    "name": "Hotfix",
                    "description": "Verify a fix in test, then ship it to production",
                    "tags": ["fast-track"],
                    "phases": _std_phases(
                        ("Verify", "test", "QA team"), ("Production", "production", "Everyone")
                    ),
                },
                {
                    "key": "legacy-rollout",
                    "name": "Legacy rollout",
                    "description": "Legacy pipeline: mark phases complete with a JSON Patch",
                    "isLegacy": True,
                    "phases": _std_phases(
                        ("Staging", "test", "Staff"), ("Production", "production", "Everyone")
                    ),
                },
            ],
            "flags": [
                {"key": "new-checkout", "name": "New checkout flow"},
                {"key": "dark-mode", "name": "Dark mode"},
                {"key": "search-v2", "name": "Search v2"},
                {"key": "beta-banner", "name": "Beta banner"},
                {
                    "key": "pricing-tier",
                    "name": "Pricing tier",
                    "kind": "multivariate",
                    "variations": [
                        {"value": "free", "name": "Free"},
                        {"value": "pro", "name": "Pro"},
                        {"value": "enterprise", "name": "Enterprise"},
                    ],
                },
            ],
            "releases": [
                {
                    "flagKey": "beta-banner",
                    "releasePipelineKey": "standard-release",
                    "phases": [COMPLETED, ACTIVE, NOT_STARTED],
                }
            ],
        }
    ],
}


class LaunchDarklyBackend(Backend):
    """
    LaunchDarkly's release and release-pipeline endpoints (beta: every route but
    ``GET /api/v2/caller-identity`` needs ``LD-API-Version: beta``, else 403).

    Routes (the paths are not uniform, as in LaunchDarkly's spec):

    - ``PUT /api/v2/projects/{projectKey}/flags/{flagKey}/release``: attach a boolean flag to a
      pipeline (200 with the release). A non-boolean flag or a ``releaseVariationId`` that is not
      one of the flag's variations: 400. The flag already has a release that is neither complete
      nor canceled: 409 ``conflict`` (the spec lists no status for this; the flag must be removed
      from its pipeline first); a complete or canceled release is replaced.
    - ``GET``/``DELETE`` (204)/``PATCH`` ``/api/v2/flags/{projectKey}/{flagKey}/release``. PATCH
      is a JSON Patch of ``replace``/``add``/``test`` operations on ``/phases/{i}/complete`` (the
      docs' prose spelling ``/phase/{i}/complete`` is accepted too) and works on releases of
      legacy pipelines only (else 400).
    - ``PUT /api/v2/projects/{projectKey}/flags/{flagKey}/release/phases/{phaseId}`` with
      ``{"status": "active" | "Started", "audiences"?: [...]}`` starts a phase (current pipelines
      only): the phase must be the next one not started; the active phase before it completes.
      Starting the phase that is already active changes nothing. A canceled release: 400.
    - ``GET``/``POST`` (201) ``/api/v2/projects/{projectKey}/release-pipelines``
      (``filter=query:<text>,env:<key>``, ``limit`` 1..100 default 20, ``offset``;
      ``{"items", "totalCount"}``), ``GET``/``PUT``/``DELETE`` (204)
      ``.../release-pipelines/{pipelineKey}`` (the project's default pipeline cannot be deleted:
      400), ``GET .../release-pipelines/{pipelineKey}/releases`` (``filter=status:active|completed``
      and/or ``activePhaseId:<id>``; ``status equals active`` is read too; paginated the same way).
    - ``GET /api/v2/caller-identity``: what the token is (the hook's connection test).

    A release is shaped like the docs' example: ``name``, ``releasePipelineKey``,
    ``releasePipelineDescription``, ``phases`` (``_id``, ``_name``, ``complete``,
    ``_creationDate``, ``_audiences``, ``status`` ``not-started``/``active``/``completed`` (a phase
    started with ``"Started"`` still reads ``active``), ``started``, ``_startedDate`` once
    started, ``_completionDate`` once complete, ``configuration``), ``_version`` (+1 on every
    change), ``_links``, ``_releaseVariationId`` (the flag's ``true`` variation unless chosen) and
    ``_canceledAt`` once canceled. As in the docs' example, ``_creationDate``, ``_completionDate``
    and ``_canceledAt`` are strings of epoch milliseconds and ``_startedDate`` a number. A release
    of a current pipeline starts with no phase started; in a release of a legacy pipeline the
    first phase not complete is always the active one (so it starts at once).

    Controls: ``complete_phase``, ``cancel_release``, ``auto_advance`` and ``state``.

    Seed (``--seed`` file, ``{"launchdarkly": {...}}``)::

        {"access_token": str, "max_pipelines": int (per project, POST beyond it: 400),
         "projects": [{"key", "name",
             "environments": [{"key", "name", "color"}],
             "pipelines": [{"key", "name", "description"?, "tags"?, "isProjectDefault"?,
                 "isLegacy"?, "phases": [{"name", "id"?, "configuration"?,
                     "audiences": [{"environmentKey", "name", "segmentKeys"?,
                                    "configuration"?}]}]}],
             "flags": [{"key", "name"?, "kind"? ("boolean" default, or "multivariate"),
                 "variations"? [{"_id"?, "value", "name"?}]}],
             "releases": [{"flagKey", "releasePipelineKey", "releaseVariationId"?,
                 "phases"? [one of "not-started", "active", "completed" per phase]}]}],
         "auto_advance"?: {"seconds"?: N, "reads"?: N} (on from the start, and after each reset)}

    Pipelines in the seed may exceed ``max_pipelines``; seeded ids are stable across resets.
    """

    name = "launchdarkly"
    default_seed: dict[str, Any] = DEFAULT_SEED
    clock: Callable[[], int] = staticmethod(now_ms)  # epoch ms; tests may replace it on an instance

    # Set-up, auth, errors

    def load(self, seed: dict[str, Any]) -> None:
        """Build projects, environments, pipelines, flags and releases from ``seed``."""
        self.access_token = seed.get("access_token", ACCESS_TOKEN)
        self.max_pipelines = int(seed.get("max_pipelines", DEFAULT_MAX_PIPELINES))
        self.token_id = _stable_id("token", self.access_token)
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
            self.auto_advance(**seed["auto_advance"])

    def _load_project(self, seed: dict[str, Any]) -> None:
        key = seed["key"]
        project: dict[str, Any] = {
            "key": key,
            "name": seed.get("name", key),
            "environments": {
                env["key"]: {
                    "key": env["key"],
                    "name": env.get("name", env["key"]),
                    "color": env.get("color", "F5A623"),
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
            pipeline = self._new_pipeline(project, pipeline_seed, stable=True)
            project["pipelines"][pipeline["key"]] = pipeline
            if pipeline_seed.get("isProjectDefault") or project["default_pipeline"] is None:
                project["default_pipeline"] = pipeline["key"]
        for flag_seed in seed.get("flags", []):
            project["flags"][flag_seed["key"]] = self._new_flag(key, flag_seed)
        for release_seed in seed.get("releases", []):
            flag = project["flags"][release_seed["flagKey"]]
            pipeline = project["pipelines"][release_seed["releasePipelineKey"]]
            record = self._new_release(project, flag, pipeline, release_seed.get("releaseVariationId"))
            project["releases"][flag["key"]] = record
            states = release_seed.get("phases") or []
            for index, state in enumerate(states):
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

    def check_auth(self, request: Request) -> None:
        """401 without the raw access token (or with another one); 403 without ``LD-API-Version: beta``."""
        token = request.header("authorization")
        if not token:
            raise self.error(401, "No access token: send it in the Authorization header", "unauthorized")
        if token != self.access_token:
            raise self.error(401, "Invalid access token", "unauthorized")
        if request.path != "/api/v2/caller-identity" and request.header("ld-api-version") != "beta":
            raise self.error(
                403, "This endpoint is in beta: send the header LD-API-Version: beta", "forbidden"
            )

    def error(self, status: int, message: str, code: str | None = None) -> ApiError:
        """LaunchDarkly's error body: ``{"code": ..., "message": ...}``."""
        default = _CODES.get(status, "internal_server_error" if status >= 500 else "invalid_request")
        return ApiError(status, {"code": code or default, "message": message})

    def rate_limit_headers(self, seconds: float) -> dict[str, str]:
        """LaunchDarkly's reset header, in epoch milliseconds, and the remaining counts."""
        return {
            "X-Ratelimit-Reset": str(now_ms() + int(seconds * 1000)),
            "X-Ratelimit-Global-Remaining": "0",
            "X-Ratelimit-Route-Remaining": "0",
        }

    def secrets(self) -> list[str]:
        """The access token."""
        return [self.access_token]

    def connection(self, url: Callable[[str], str]) -> dict[str, Any]:
        """A ``launchdarkly`` connection with the sandbox's token as password."""
        return {"conn_type": "launchdarkly", "host": url("launchdarkly"), "password": self.access_token}

    # Lookups

    def _project(self, project_key: str) -> dict[str, Any]:
        self._tick()
        project = self.projects.get(project_key)
        if project is None:
            raise self.error(404, f"Unknown project {project_key!r}")
        return project

    def _flag(self, project: dict[str, Any], flag_key: str) -> dict[str, Any]:
        flag = project["flags"].get(flag_key)
        if flag is None:
            raise self.error(404, f"Unknown flag {flag_key!r} in project {project['key']!r}")
        return flag

    def _record(self, project: dict[str, Any], flag_key: str) -> dict[str, Any]:
        self._flag(project, flag_key)
        record = project["releases"].get(flag_key)
        if record is None:
            raise self.error(404, f"Flag {flag_key!r} has no release: attach it to a release pipeline first")
        return record

    def _pipeline(self, project: dict[str, Any], pipeline_key: str) -> dict[str, Any]:
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
                    "_id": item.get("_id") or _stable_uuid(project_key, seed["key"], "variation", str(index)),
                    "value": item["value"],
                    "name": item.get("name", str(item["value"])),
                }
                for index, item in enumerate(variations)
            ],
        }

    def _new_pipeline(
        self, project: dict[str, Any], body: dict[str, Any], *, stable: bool = False
    ) -> dict[str, Any]:
        """Validate a ``CreateReleasePipelineInput`` and return the stored pipeline (400 if invalid)."""
        allowed = {"key", "name", "description", "phases", "tags", "isProjectDefault", "isLegacy"}
        self._no_unknown(body, allowed | ({"createdAt"} if stable else set()), "release pipeline")
        key = self._key_field(body, "key")
        pipeline = {
            "key": key,
            "createdAt": body.get("createdAt") or iso_now(),
            "_version": 1,
            "isLegacy": self._bool_field(body, "isLegacy", False),
        }
        self._bool_field(body, "isProjectDefault", False)
        self._apply_pipeline_fields(project, pipeline, body, stable=stable)
        return pipeline

    def _apply_pipeline_fields(
        self,
        project: dict[str, Any],
        pipeline: dict[str, Any],
        body: dict[str, Any],
        *,
        stable: bool = False,
        old_phases: list[dict[str, Any]] | None = None,
    ) -> None:
        """
        Validate name, description, tags and phases of a create or update body into ``pipeline``.

        ``stable``: ids derived from the keys (seeded pipelines); else a phase (or audience) that
        keeps its name in an update keeps its id, and a new one gets a fresh id.
        """
        name = self._text_field(body, "name")
        description = body.get("description", pipeline.get("description", ""))
        if not isinstance(description, str):
            raise self.error(400, f"description must be a string, not {description!r}")
        tags = body.get("tags", pipeline.get("tags", []))
        self._string_list(tags, "tags")
        raw_phases = body.get("phases")
        if not isinstance(raw_phases, list) or not raw_phases:
            raise self.error(400, "phases is required: a non-empty array of phases")
        phases = []
        for index, raw in enumerate(raw_phases):
            where = f"phases[{index}]"
            if not isinstance(raw, dict):
                raise self.error(400, f"{where} must be an object with name and audiences")
            allowed = {"name", "audiences", "configuration"} | ({"id"} if stable else set())
            self._no_unknown(raw, allowed, where)
            phase_name = self._text_field(raw, "name", where)
            configuration = raw.get("configuration", {})
            if not isinstance(configuration, dict):
                raise self.error(400, f"{where}.configuration must be an object")
            old = next((item for item in old_phases or [] if item["name"] == phase_name), None)
            if stable:
                phase_id = raw.get("id") or _stable_id(
                    project["key"], pipeline["key"], str(index), phase_name
                )
            else:
                phase_id = old["id"] if old else new_id()
            audiences_in = raw.get("audiences")
            if not isinstance(audiences_in, list) or not audiences_in:
                raise self.error(400, f"{where}.audiences is required: a non-empty array of audiences")
            audiences = []
            for number, audience in enumerate(audiences_in):
                stored = self._audience_from_input(project, audience, f"{where}.audiences[{number}]")
                if stable:
                    stored["id"] = _stable_uuid(project["key"], pipeline["key"], phase_id, str(number))
                else:
                    same = [
                        item["id"]
                        for item in (old or {}).get("audiences", [])
                        if (item["environmentKey"], item["name"])
                        == (stored["environmentKey"], stored["name"])
                    ]
                    stored["id"] = same[0] if same else str(uuid.uuid4())
                audiences.append(stored)
            phases.append(
                {"id": phase_id, "name": phase_name, "configuration": configuration, "audiences": audiences}
            )
        pipeline.update(name=name, description=description, tags=list(tags), phases=phases)

    def _audience_from_input(self, project: dict[str, Any], audience: Any, where: str) -> dict[str, Any]:
        """Validate an ``AudiencePost``: its environment must be one of the project's."""
        if not isinstance(audience, dict):
            raise self.error(400, f"{where} must be an object with environmentKey and name")
        self._no_unknown(audience, {"environmentKey", "name", "segmentKeys", "configuration"}, where)
        env_key = self._text_field(audience, "environmentKey", where)
        if env_key not in project["environments"]:
            raise self.error(
                400, f"{where}.environmentKey: unknown environment {env_key!r} in project {project['key']!r}"
            )
        segments = audience.get("segmentKeys", [])
        self._string_list(segments, f"{where}.segmentKeys")
        stored = {
            "environmentKey": env_key,
            "name": self._text_field(audience, "name", where),
            "segmentKeys": list(segments),
        }
        if "configuration" in audience:
            stored["configuration"] = self._audience_configuration(audience["configuration"], where)
        return stored

    def _audience_configuration(self, value: Any, where: str) -> dict[str, Any]:
        where = f"{where}.configuration"
        if not isinstance(value, dict):
            raise self.error(400, f"{where} must be an object")
        allowed = {
            "releaseStrategy",
            "requireApproval",
            "notifyMemberIds",
            "notifyTeamKeys",
            "releaseGuardianConfiguration",
        }
        self._no_unknown(value, allowed, where)
        self._text_field(value, "releaseStrategy", where)
        if not isinstance(value.get("requireApproval"), bool):
            raise self.error(400, f"{where}.requireApproval is required: true or false")
        for name in ("notifyMemberIds", "notifyTeamKeys"):
            if name in value:
                self._string_list(value[name], f"{where}.{name}")
        if "releaseGuardianConfiguration" in value:
            self._guardian(
                value["releaseGuardianConfiguration"], f"{where}.releaseGuardianConfiguration", required=True
            )
        return copy.deepcopy(value)

    def _guardian(self, value: Any, where: str, *, required: bool) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.error(400, f"{where} must be an object")
        fields = {
            "monitoringWindowMilliseconds": int,
            "rolloutWeight": int,
            "rollbackOnRegression": bool,
            "randomizationUnit": str,
        }
        self._no_unknown(value, set(fields), where)
        for name, kind in fields.items():
            if name not in value:
                if required and name != "randomizationUnit":
                    raise self.error(400, f"{where}.{name} is required")
                continue
            item = value[name]
            if kind is int and (isinstance(item, bool) or not isinstance(item, int)):
                raise self.error(400, f"{where}.{name} must be an integer, not {item!r}")
            if not isinstance(item, kind):
                raise self.error(400, f"{where}.{name} must be a {kind.__name__}, not {item!r}")
        if "monitoringWindowMilliseconds" in value and value["monitoringWindowMilliseconds"] <= 0:
            raise self.error(400, f"{where}.monitoringWindowMilliseconds must be positive")
        if "rolloutWeight" in value and not 0 <= value["rolloutWeight"] <= 100:
            raise self.error(400, f"{where}.rolloutWeight must be a percentage between 0 and 100")
        return dict(value)

    def _pipeline_view(self, project: dict[str, Any], pipeline: dict[str, Any]) -> dict[str, Any]:
        return {
            "createdAt": pipeline["createdAt"],
            "description": pipeline["description"],
            "key": pipeline["key"],
            "name": pipeline["name"],
            "phases": [
                {
                    "id": phase["id"],
                    "name": phase["name"],
                    "audiences": [self._audience_view(project, audience) for audience in phase["audiences"]],
                    "configuration": copy.deepcopy(phase["configuration"]),
                }
                for phase in pipeline["phases"]
            ],
            "tags": list(pipeline["tags"]),
            "_version": pipeline["_version"],
            "isProjectDefault": project["default_pipeline"] == pipeline["key"],
            "_isLegacy": pipeline["isLegacy"],
        }

    def _audience_view(self, project: dict[str, Any], audience: dict[str, Any]) -> dict[str, Any]:
        env = project["environments"].get(audience["environmentKey"]) or {
            "key": audience["environmentKey"],
            "name": audience["environmentKey"],
            "color": "F5A623",
        }
        view = {
            "environment": {
                "_links": {
                    "self": {
                        "href": f"/api/v2/projects/{project['key']}/environments/{env['key']}",
                        "type": _JSON,
                    }
                },
                "key": env["key"],
                "name": env["name"],
                "color": env["color"],
            },
            "name": audience["name"],
            "segmentKeys": list(audience["segmentKeys"]),
        }
        if "configuration" in audience:
            view["configuration"] = copy.deepcopy(audience["configuration"])
        return view

    # Releases: state changes

    def _new_release(
        self,
        project: dict[str, Any],
        flag: dict[str, Any],
        pipeline: dict[str, Any],
        variation_id: str | None,
    ) -> dict[str, Any]:
        stamp = self.clock()
        if variation_id is None:
            variation_id = next(
                (item["_id"] for item in flag["variations"] if item["value"] is True),
                flag["variations"][0]["_id"],
            )
        phases = []
        for phase in pipeline["phases"]:
            audiences = []
            for audience in phase["audiences"]:
                view = self._audience_view(project, audience)
                audiences.append(
                    {
                        "_id": audience["id"],
                        "name": view["name"],
                        "_links": {},
                        "environment": view["environment"],
                    }
                    | ({"configuration": view["configuration"]} if "configuration" in view else {})
                    | {"segmentKeys": view["segmentKeys"], "status": NOT_STARTED, "_ruleIds": []}
                )
            phases.append(
                {
                    "_id": phase["id"],
                    "_name": phase["name"],
                    "complete": False,
                    "_creationDate": str(stamp),
                    "_audiences": audiences,
                    "status": NOT_STARTED,
                    "started": False,
                    "configuration": copy.deepcopy(phase["configuration"]),
                }
            )
        release = {
            "name": pipeline["name"],
            "releasePipelineKey": pipeline["key"],
            "releasePipelineDescription": pipeline["description"],
            "phases": phases,
            "_version": 1,
            "_links": {
                "self": {"href": f"/api/v2/flags/{project['key']}/{flag['key']}/release", "type": _JSON},
                "pipeline": {
                    "href": f"/api/v2/projects/{project['key']}/release-pipelines/{pipeline['key']}",
                    "type": _JSON,
                },
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

    def _set_started(self, record: dict[str, Any], index: int, stamp: int) -> None:
        phase = record["release"]["phases"][index]
        phase.update(status=ACTIVE, started=True, _startedDate=stamp)
        for audience in phase["_audiences"]:
            audience["status"] = ACTIVE
        record["since"], record["reads"] = stamp, 0

    def _set_complete(self, record: dict[str, Any], index: int, stamp: int, *, by_api: bool) -> None:
        phase = record["release"]["phases"][index]
        if not phase.get("started"):
            phase.update(started=True, _startedDate=stamp)
        phase.update(complete=True, status=COMPLETED, _completionDate=str(stamp))
        if by_api:
            phase["_completedBy"] = {"token": self._token_summary()}
        for audience in phase["_audiences"]:
            audience["status"] = COMPLETED

    def _set_incomplete(self, record: dict[str, Any], index: int) -> None:
        phase = record["release"]["phases"][index]
        phase.update(complete=False, status=NOT_STARTED, started=False)
        for name in ("_completionDate", "_completedBy", "_startedDate"):
            phase.pop(name, None)
        for audience in phase["_audiences"]:
            audience["status"] = NOT_STARTED

    def _legacy_refresh(self, record: dict[str, Any], stamp: int) -> None:
        """In a legacy release the first phase not complete is the active one; later ones wait."""
        current = self._first_incomplete(record)
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

    @staticmethod
    def _active_index(record: dict[str, Any]) -> int | None:
        for index, phase in enumerate(record["release"]["phases"]):
            if phase["status"] == ACTIVE and not phase["complete"]:
                return index
        return None

    @staticmethod
    def _first_incomplete(record: dict[str, Any]) -> int | None:
        for index, phase in enumerate(record["release"]["phases"]):
            if not phase["complete"]:
                return index
        return None

    def _advance(self, record: dict[str, Any], stamp: int, *, by_api: bool = False) -> None:
        """Complete the active phase (or the first not complete) and start the next one."""
        index = self._active_index(record)
        if index is None:
            index = self._first_incomplete(record)
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

    def _tick(self) -> None:
        """Let time-driven auto-advance complete the phases whose time is up."""
        if self.auto_seconds is None:
            return
        now = self.clock()
        span = int(self.auto_seconds * 1000)
        for project in self.projects.values():
            for record in project["releases"].values():
                while "_canceledAt" not in record["release"]:
                    index = self._active_index(record)
                    if index is None:
                        break
                    due = max(record["since"] or 0, self.auto_since) + span
                    if due > now:
                        break
                    self._advance(record, due)

    def _counted_read(self, record: dict[str, Any]) -> None:
        """Count a read of the release towards read-driven auto-advance."""
        if self.auto_reads is None or "_canceledAt" in record["release"]:
            return
        if self._active_index(record) is None:
            return
        record["reads"] += 1
        if record["reads"] >= self.auto_reads:
            self._advance(record, self.clock())

    def _token_summary(self) -> dict[str, Any]:
        return {
            "_links": {},
            "_id": self.token_id,
            "name": "Sandbox API token",
            "ending": self.access_token[-4:],
            "serviceToken": False,
        }

    def _release_view(self, record: dict[str, Any]) -> dict[str, Any]:
        return copy.deepcopy(record["release"])

    # Validation helpers

    def _no_unknown(self, body: dict[str, Any], allowed: set[str], where: str) -> None:
        unknown = sorted(set(body) - allowed)
        if unknown:
            raise self.error(
                400,
                f"Unknown field(s) in {where}: {', '.join(unknown)} "
                f"(expected some of {', '.join(sorted(allowed))})",
            )

    def _text_field(self, body: dict[str, Any], name: str, where: str = "the request body") -> str:
        value = body.get(name)
        if value is None:
            raise self.error(400, f"{name} is required in {where}")
        if not isinstance(value, str) or not value.strip():
            raise self.error(400, f"{name} in {where} must be a non-empty string, not {value!r}")
        return value

    def _key_field(self, body: dict[str, Any], name: str) -> str:
        value = self._text_field(body, name)
        if not _KEY.fullmatch(value):
            raise self.error(
                400,
                f"{name} {value!r} is not a valid key: letters, digits, '.', '_' and '-', "
                "starting with a letter or digit",
            )
        return value

    def _bool_field(self, body: dict[str, Any], name: str, default: bool) -> bool:
        value = body.get(name, default)
        if not isinstance(value, bool):
            raise self.error(400, f"{name} must be true or false, not {value!r}")
        return value

    def _string_list(self, value: Any, where: str) -> None:
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise self.error(400, f"{where} must be an array of strings, not {value!r}")

    def _filters(self, request: Request, allowed: tuple[str, ...]) -> dict[str, str]:
        raw = ",".join(request.query_lists.get("filter", []))
        filters: dict[str, str] = {}
        for term in (part for part in raw.split(",") if part.strip()):
            found = _FILTER_TERM.fullmatch(term)
            if not found or not found.group(2):
                raise self.error(
                    400,
                    f"Invalid filter {term!r}: expected field:value with field one of {', '.join(allowed)}",
                )
            field, value = found.groups()
            if field not in allowed:
                raise self.error(
                    400, f"Unsupported filter field {field!r}: expected one of {', '.join(allowed)}"
                )
            filters[field] = value
        return filters

    def _page(self, request: Request, items: list[Any]) -> tuple[list[Any], int]:
        limit = int_param(
            request, "limit", DEFAULT_PAGE_SIZE, minimum=1, maximum=MAX_PAGE_SIZE, error=self.error
        )
        offset = int_param(request, "offset", 0, minimum=0, maximum=None, error=self.error)
        return items[offset : offset + limit], len(items)

    # Routes: caller identity

    @route("GET", "/api/v2/caller-identity")
    def caller_identity(self, request: Request) -> dict[str, Any]:
        """What the access token is: the hook's connection test reads it."""
        project = next(iter(self.projects.values()), None)
        env = next(iter(project["environments"].values()), None) if project else None
        return {
            "accountId": _stable_id("account", self.access_token),
            "environmentId": _stable_id("environment", env["key"]) if env else None,
            "projectId": _stable_id("project", project["key"]) if project else None,
            "environmentName": env["name"] if env else None,
            "projectName": project["name"] if project else None,
            "authKind": "token",
            "tokenKind": "personal",
            "clientId": None,
            "tokenName": "Sandbox API token",
            "tokenId": self.token_id,
            "memberId": _stable_id("member", self.access_token),
            "serviceToken": False,
        }

    # Routes: flag releases

    @route("PUT", "/api/v2/projects/{project_key}/flags/{flag_key}/release")
    def create_flag_release(self, request: Request, project_key: str, flag_key: str) -> dict[str, Any]:
        """Attach a boolean flag to a release pipeline: the flag's new release."""
        project = self._project(project_key)
        flag = self._flag(project, flag_key)
        body = request.json_object()
        self._no_unknown(body, {"releasePipelineKey", "releaseVariationId"}, "the request body")
        pipeline_key = self._text_field(body, "releasePipelineKey")
        variation_id = body.get("releaseVariationId")
        if variation_id is not None and (not isinstance(variation_id, str) or not variation_id):
            raise self.error(400, f"releaseVariationId must be a non-empty string, not {variation_id!r}")
        pipeline = self._pipeline(project, pipeline_key)
        if flag["kind"] != "boolean":
            raise self.error(
                400,
                f"Only boolean flags can be added to a release pipeline: flag {flag_key!r} is {flag['kind']}",
            )
        if variation_id is not None and variation_id not in {item["_id"] for item in flag["variations"]}:
            raise self.error(
                400, f"releaseVariationId {variation_id!r} is not a variation of flag {flag_key!r}"
            )
        existing = project["releases"].get(flag_key)
        if (
            existing is not None
            and existing["completedAt"] is None
            and "_canceledAt" not in existing["release"]
        ):
            raise self.error(
                409,
                f"Flag {flag_key!r} already has a release on pipeline "
                f"{existing['release']['releasePipelineKey']!r}: remove it from that pipeline first",
                "conflict",
            )
        project["releases"].pop(flag_key, None)
        record = self._new_release(project, flag, pipeline, variation_id)
        if record["legacy"]:
            self._legacy_refresh(record, record["createdAt"])
        project["releases"][flag_key] = record
        return self._release_view(record)

    @route("GET", "/api/v2/flags/{project_key}/{flag_key}/release")
    def get_flag_release(self, request: Request, project_key: str, flag_key: str) -> dict[str, Any]:
        """The flag's release (each read counts towards read-driven auto-advance)."""
        project = self._project(project_key)
        record = self._record(project, flag_key)
        view = self._release_view(record)
        self._counted_read(record)
        return view

    @route("DELETE", "/api/v2/flags/{project_key}/{flag_key}/release")
    def delete_flag_release(self, request: Request, project_key: str, flag_key: str) -> Reply:
        """Remove the flag from its release pipeline: 204."""
        project = self._project(project_key)
        self._record(project, flag_key)
        del project["releases"][flag_key]
        return Reply(204, None)

    @route("PATCH", "/api/v2/flags/{project_key}/{flag_key}/release")
    def patch_flag_release(self, request: Request, project_key: str, flag_key: str) -> dict[str, Any]:
        """Mark phases of a legacy pipeline's release complete or incomplete (JSON Patch)."""
        project = self._project(project_key)
        record = self._record(project, flag_key)
        patch = request.json()
        if not isinstance(patch, list) or not patch:
            raise self.error(400, "The request body must be a non-empty JSON Patch array of operations")
        phases = record["release"]["phases"]
        changes: list[tuple[int, bool]] = []
        for number, operation in enumerate(patch):
            where = f"patch operation {number}"
            if not isinstance(operation, dict):
                raise self.error(400, f"{where} must be an object with op, path and value")
            op, path = operation.get("op"), operation.get("path")
            if op not in ("replace", "add", "test", "remove", "move", "copy"):
                raise self.error(400, f"{where}: op {op!r} is not a JSON Patch operation")
            if not isinstance(path, str):
                raise self.error(400, f"{where}: path is required")
            found = _PATCH_PATH.fullmatch(path)
            if op not in ("replace", "add", "test") or not found:
                raise self.error(
                    400,
                    f"{where}: only replace of /phases/{{index}}/complete is supported, not {op} {path!r}",
                )
            index = int(found.group(1))
            if index >= len(phases):
                raise self.error(
                    400, f"{where}: phase index {index} is out of range: the release has {len(phases)} phases"
                )
            if "value" not in operation or not isinstance(operation["value"], bool):
                raise self.error(400, f"{where}: value must be true or false")
            if op == "test":
                if phases[index]["complete"] != operation["value"]:
                    raise self.error(
                        400, f"{where}: test failed: phase {index} complete is {phases[index]['complete']}"
                    )
                continue
            changes.append((index, operation["value"]))
        if not record["legacy"]:
            raise self.error(
                400,
                "This release is on a release pipeline that is not legacy: start phases with "
                "PUT /api/v2/projects/{projectKey}/flags/{flagKey}/release/phases/{phaseId}",
            )
        if "_canceledAt" in record["release"]:
            raise self.error(400, f"The release of flag {flag_key!r} was canceled and cannot change")
        if not changes:
            return self._release_view(record)
        stamp = self.clock()
        for index, value in changes:
            if value and not phases[index]["complete"]:
                self._set_complete(record, index, stamp, by_api=True)
            elif not value and phases[index]["complete"]:
                self._set_incomplete(record, index)
        self._legacy_refresh(record, stamp)
        self._finish_if_done(record, stamp)
        record["release"]["_version"] += 1
        return self._release_view(record)

    @route("PUT", "/api/v2/projects/{project_key}/flags/{flag_key}/release/phases/{phase_id}")
    def update_phase_status(
        self, request: Request, project_key: str, flag_key: str, phase_id: str
    ) -> dict[str, Any]:
        """Start a phase of the release; the active phase before it completes."""
        project = self._project(project_key)
        record = self._record(project, flag_key)
        phases = record["release"]["phases"]
        index = next((i for i, phase in enumerate(phases) if phase["_id"] == phase_id), None)
        if index is None:
            raise self.error(404, f"Release of flag {flag_key!r} has no phase {phase_id!r}")
        body = request.json_object()
        self._no_unknown(body, {"status", "audiences"}, "the request body")
        status = self._text_field(body, "status")
        if status.lower() not in PHASE_START_STATUSES:
            raise self.error(400, f'Invalid status {status!r}: a phase can only be started (status "active")')
        audiences = body.get("audiences")
        known_audiences = {audience["_id"]: audience for audience in phases[index]["_audiences"]}
        updates: list[tuple[dict[str, Any], dict[str, Any]]] = []
        if audiences is not None:
            if not isinstance(audiences, list):
                raise self.error(400, "audiences must be an array of audience configurations")
            for number, audience in enumerate(audiences):
                where = f"audiences[{number}]"
                if not isinstance(audience, dict):
                    raise self.error(400, f"{where} must be an object with audienceId")
                allowed = {"audienceId", "releaseGuardianConfiguration", "notifyMemberIds", "notifyTeamKeys"}
                self._no_unknown(audience, allowed, where)
                audience_id = self._text_field(audience, "audienceId", where)
                if audience_id not in known_audiences:
                    raise self.error(
                        400,
                        f"{where}.audienceId {audience_id!r} is not an audience of "
                        f"phase {phases[index]['_name']!r}",
                    )
                for name in ("notifyMemberIds", "notifyTeamKeys"):
                    if name in audience:
                        self._string_list(audience[name], f"{where}.{name}")
                if "releaseGuardianConfiguration" in audience:
                    self._guardian(
                        audience["releaseGuardianConfiguration"],
                        f"{where}.releaseGuardianConfiguration",
                        required=False,
                    )
                updates.append((known_audiences[audience_id], audience))
        if "_canceledAt" in record["release"]:
            raise self.error(
                400, f"The release of flag {flag_key!r} was canceled: its phases cannot be started"
            )
        if record["legacy"]:
            raise self.error(
                400,
                "This release is on a legacy release pipeline: mark phases complete with "
                "PATCH /api/v2/flags/{projectKey}/{flagKey}/release",
            )
        phase = phases[index]
        if phase["complete"]:
            raise self.error(400, f"Phase {phase['_name']!r} is already complete")
        if phase["status"] == ACTIVE:
            return self._release_view(record)
        next_index = next((i for i, item in enumerate(phases) if not item["started"]), None)
        if index != next_index:
            raise self.error(
                400,
                f"Phases start in order: start phase {phases[next_index]['_name']!r} "
                f"({phases[next_index]['_id']}) "
                f"before phase {phase['_name']!r}",
            )
        stamp = self.clock()
        active = self._active_index(record)
        if active is not None:
            self._set_complete(record, active, stamp, by_api=True)
        for stored, given in updates:
            configuration = stored.setdefault(
                "configuration", {"releaseStrategy": "immediate-rollout", "requireApproval": False}
            )
            for name in ("notifyMemberIds", "notifyTeamKeys"):
                if name in given:
                    configuration[name] = list(given[name])
            if "releaseGuardianConfiguration" in given:
                merged = dict(configuration.get("releaseGuardianConfiguration") or {})
                merged.update(given["releaseGuardianConfiguration"])
                configuration["releaseGuardianConfiguration"] = merged
        self._set_started(record, index, stamp)
        record["release"]["_version"] += 1
        return self._release_view(record)

    # Routes: release pipelines

    @route("GET", "/api/v2/projects/{project_key}/release-pipelines")
    def list_release_pipelines(self, request: Request, project_key: str) -> dict[str, Any]:
        """The project's pipelines, filtered by ``query:`` and ``env:``, a page at a time."""
        project = self._project(project_key)
        filters = self._filters(request, ("query", "env"))
        pipelines = list(project["pipelines"].values())
        if "query" in filters:
            text = filters["query"].lower()
            pipelines = [
                item
                for item in pipelines
                if any(text in (item[field] or "").lower() for field in ("key", "name", "description"))
            ]
        if "env" in filters:
            pipelines = [
                item
                for item in pipelines
                if any(
                    a["environmentKey"] == filters["env"]
                    for phase in item["phases"]
                    for a in phase["audiences"]
                )
            ]
        page, total = self._page(request, pipelines)
        return {"items": [self._pipeline_view(project, item) for item in page], "totalCount": total}

    @route("POST", "/api/v2/projects/{project_key}/release-pipelines")
    def create_release_pipeline(self, request: Request, project_key: str) -> Reply:
        """Create a pipeline (201); the project's first pipeline becomes its default."""
        project = self._project(project_key)
        body = request.json_object()
        pipeline = self._new_pipeline(project, body)
        if pipeline["key"] in project["pipelines"]:
            raise self.error(
                409, f"A release pipeline with key {pipeline['key']!r} already exists", "conflict"
            )
        if len(project["pipelines"]) >= self.max_pipelines:
            raise self.error(
                400,
                f"Project {project_key!r} already has {len(project['pipelines'])} release pipelines: "
                f"the limit is {self.max_pipelines}",
            )
        project["pipelines"][pipeline["key"]] = pipeline
        if body.get("isProjectDefault") or project["default_pipeline"] is None:
            project["default_pipeline"] = pipeline["key"]
        return Reply(201, self._pipeline_view(project, pipeline))

    @route("GET", "/api/v2/projects/{project_key}/release-pipelines/{pipeline_key}")
    def get_release_pipeline(self, request: Request, project_key: str, pipeline_key: str) -> dict[str, Any]:
        """One pipeline with its ordered phases."""
        project = self._project(project_key)
        return self._pipeline_view(project, self._pipeline(project, pipeline_key))

    @route("PUT", "/api/v2/projects/{project_key}/release-pipelines/{pipeline_key}")
    def update_release_pipeline(
        self, request: Request, project_key: str, pipeline_key: str
    ) -> dict[str, Any]:
        """Replace a pipeline's name, description, tags and phases (existing releases keep theirs)."""
        project = self._project(project_key)
        pipeline = self._pipeline(project, pipeline_key)
        body = request.json_object()
        self._no_unknown(body, {"name", "description", "phases", "tags"}, "release pipeline")
        updated = dict(pipeline)
        self._apply_pipeline_fields(project, updated, body, old_phases=pipeline["phases"])
        updated["_version"] = pipeline["_version"] + 1
        pipeline.update(updated)
        return self._pipeline_view(project, pipeline)

    @route("DELETE", "/api/v2/projects/{project_key}/release-pipelines/{pipeline_key}")
    def delete_release_pipeline(self, request: Request, project_key: str, pipeline_key: str) -> Reply:
        """Delete a pipeline (204); not the project's default one (400)."""
        project = self._project(project_key)
        self._pipeline(project, pipeline_key)
        if project["default_pipeline"] == pipeline_key:
            raise self.error(
                400,
                f"Release pipeline {pipeline_key!r} is the project's default and cannot be deleted: "
                "make another one the default first",
            )
        del project["pipelines"][pipeline_key]
        return Reply(204, None)

    @route("GET", "/api/v2/projects/{project_key}/release-pipelines/{pipeline_key}/releases")
    def list_pipeline_releases(self, request: Request, project_key: str, pipeline_key: str) -> dict[str, Any]:
        """The progression of the pipeline's releases, filtered by ``status:`` and ``activePhaseId:``."""
        project = self._project(project_key)
        pipeline = self._pipeline(project, pipeline_key)
        filters = self._filters(request, ("status", "activePhaseId"))
        status = filters.get("status")
        if status is not None and status not in ("active", "completed"):
            raise self.error(400, f"Invalid status filter {status!r}: expected active or completed")
        if status == "completed" and "activePhaseId" in filters:
            raise self.error(
                400, "The filters status:completed and activePhaseId are disjoint: use one of them"
            )
        records = [
            r for r in project["releases"].values() if r["release"]["releasePipelineKey"] == pipeline_key
        ]
        progressions = []
        for record in records:
            canceled = "_canceledAt" in record["release"]
            active_index = None if canceled else self._active_index(record)
            item: dict[str, Any] = {
                "_createdAt": record["createdAt"],
                "flagKey": record["flagKey"],
                "_links": {
                    "self": {
                        "href": f"/api/v2/flags/{project_key}/{record['flagKey']}/release",
                        "type": _JSON,
                    }
                },
            }
            if record["completedAt"] is not None:
                item["_completedAt"] = record["completedAt"]
            if active_index is not None:
                item["activePhaseId"] = record["release"]["phases"][active_index]["_id"]
            state = "completed" if record["completedAt"] is not None else None if canceled else "active"
            progressions.append((state, item))
        matching = [
            item
            for state, item in progressions
            if (status is None or state == status)
            and ("activePhaseId" not in filters or item.get("activePhaseId") == filters["activePhaseId"])
        ]
        page, total = self._page(request, matching)
        return {
            "activeCount": sum(1 for state, _ in progressions if state == "active"),
            "completedCount": sum(1 for state, _ in progressions if state == "completed"),
            "items": page,
            "phases": [
                {
                    "_id": phase["id"],
                    "name": phase["name"],
                    "releaseCount": sum(
                        1 for _, item in progressions if item.get("activePhaseId") == phase["id"]
                    ),
                }
                for phase in pipeline["phases"]
            ],
            "totalCount": total,
            "_links": {
                "self": {
                    "href": f"/api/v2/projects/{project_key}/release-pipelines/{pipeline_key}/releases",
                    "type": _JSON,
                }
            },
        }

    # Controls

    def _control_record(self, project_key: str, flag_key: str) -> dict[str, Any]:
        self._tick()
        project = self.projects.get(project_key)
        if project is None:
            raise ValueError(
                f"LaunchDarkly project {project_key!r} is unknown: expected one of {sorted(self.projects)}"
            )
        if flag_key not in project["flags"]:
            raise ValueError(f"LaunchDarkly flag {flag_key!r} is unknown in project {project_key!r}")
        record = project["releases"].get(flag_key)
        if record is None:
            raise ValueError(f"LaunchDarkly flag {flag_key!r} of project {project_key!r} has no release")
        return record

    @control("complete_phase")
    def complete_phase(self, project_key: str, flag_key: str) -> dict[str, Any]:
        """
        Complete the release's active phase (or, when none is active, its first phase not
        complete) and start the next one; return the release.

        :raises ValueError: no such project, flag or release; the release was canceled; every
            phase is already complete.
        """
        record = self._control_record(project_key, flag_key)
        if "_canceledAt" in record["release"]:
            raise ValueError(
                f"The release of LaunchDarkly flag {flag_key!r} was canceled: no phase can complete"
            )
        if self._first_incomplete(record) is None:
            raise ValueError(
                f"Every phase of the release of LaunchDarkly flag {flag_key!r} is already complete"
            )
        self._advance(record, self.clock())
        return self._release_view(record)

    @control("cancel_release")
    def cancel_release(self, project_key: str, flag_key: str) -> dict[str, Any]:
        """
        Cancel the flag's release: set ``_canceledAt`` (epoch ms) and return the release. A
        canceled release keeps its phases as they were and never advances again.

        :raises ValueError: no such project, flag or release.
        """
        record = self._control_record(project_key, flag_key)
        if "_canceledAt" not in record["release"]:
            record["release"]["_canceledAt"] = str(self.clock())
            record["release"]["_version"] += 1
            record["since"] = None
        return self._release_view(record)

    @control("auto_advance")
    def auto_advance(self, seconds: float | None = None, reads: int | None = None) -> dict[str, Any]:
        """
        From now on, complete each active phase on its own (and start the next) once ``seconds``
        have passed since it started (or since this call, if later), or once the flag's release
        has been read ``reads`` times (``GET``) while the phase was active: the read after that
        sees it complete. A release none of whose phases was started does not advance until one
        is started; canceled releases never advance. Neither argument: off (as after a reset).

        :raises ValueError: ``seconds`` is not a positive number or ``reads`` not a positive integer.
        """
        if seconds is not None and (
            isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds <= 0
        ):
            raise ValueError(f"seconds={seconds!r} must be a positive number of seconds, or null")
        if reads is not None and (isinstance(reads, bool) or not isinstance(reads, int) or reads < 1):
            raise ValueError(f"reads={reads!r} must be a positive integer, or null")
        self._tick()
        self.auto_seconds = float(seconds) if seconds is not None else None
        self.auto_reads = reads
        self.auto_since = self.clock()
        for project in self.projects.values():
            for record in project["releases"].values():
                record["reads"] = 0
        return {"seconds": self.auto_seconds, "reads": self.auto_reads}

    @control("state")
    def state(self) -> dict[str, Any]:
        """Each project's pipelines, flags and flag releases with the state of every phase."""
        self._tick()
        projects = {}
        for key, project in self.projects.items():
            releases = {}
            for flag_key, record in project["releases"].items():
                release = record["release"]
                state = (
                    "canceled"
                    if "_canceledAt" in release
                    else "completed"
                    if record["completedAt"] is not None
                    else "active"
                )
                releases[flag_key] = {
                    "pipeline": release["releasePipelineKey"],
                    "state": state,
                    "version": release["_version"],
                    "phases": [
                        {
                            "id": phase["_id"],
                            "name": phase["_name"],
                            "status": phase["status"],
                            "complete": phase["complete"],
                        }
                        for phase in release["phases"]
                    ],
                }
            projects[key] = {
                "environments": sorted(project["environments"]),
                "pipelines": list(project["pipelines"]),
                "default_pipeline": project["default_pipeline"],
                "flags": {flag["key"]: flag["kind"] for flag in project["flags"].values()},
                "releases": releases,
            }
        return {
            "projects": projects,
            "auto_advance": {"seconds": self.auto_seconds, "reads": self.auto_reads},
        }
