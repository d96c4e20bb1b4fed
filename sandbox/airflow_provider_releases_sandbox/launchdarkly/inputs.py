"""
LaunchDarkly's sandbox reads request bodies and query parameters: each check answers the
vendor's 400 (``{"code": "invalid_request", "message": ...}``) and takes its forms from
:mod:`airflow_provider_releases_sandbox.launchdarkly.rules`.
"""

from __future__ import annotations

import copy
import re
import uuid
from typing import Any

from airflow_provider_releases_sandbox.core import ApiError, Request, int_param, new_id
from airflow_provider_releases_sandbox.launchdarkly.records import (
    Audience,
    Environment,
    Pipeline,
    PipelinePhase,
    Project,
    ReleaseAudience,
    ReleasePhase,
)
from airflow_provider_releases_sandbox.launchdarkly.rules import (
    AUDIENCE_FIELDS,
    KEY,
    PIPELINE_RELEASE_STATUSES,
    is_phase_start_status,
)
from airflow_provider_releases_sandbox.launchdarkly.views import stable_id, stable_uuid

CODES = {400: "invalid_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
         405: "method_not_allowed", 409: "conflict", 429: "rate_limited"}  # fmt: skip
MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20
PATCH_PATH = re.compile(r"/phases?/(\d+)/complete")
FILTER_TERM = re.compile(r"\s*(\w+)\s*(?::|\s+equals\s+)\s*(.*?)\s*")
PATCH_OPERATIONS = ("replace", "add", "test", "remove", "move", "copy")
AUDIENCE_POST_FIELDS = {"environmentKey", "name", "segmentKeys", "configuration"}
CONFIGURATION_FIELDS = {
    "releaseStrategy",
    "requireApproval",
    "notifyMemberIds",
    "notifyTeamKeys",
    "releaseGuardianConfiguration",
}
GUARDIAN_FIELDS = {
    "monitoringWindowMilliseconds": int,
    "rolloutWeight": int,
    "rollbackOnRegression": bool,
    "randomizationUnit": str,
}
#: The fields a ``ReleaseGuardianConfiguration`` must have (``randomizationUnit`` is optional).
GUARDIAN_REQUIRED = ("monitoringWindowMilliseconds", "rolloutWeight", "rollbackOnRegression")
NOTIFY_FIELDS = ("notifyMemberIds", "notifyTeamKeys")


def error(status: int, message: str, code: str | None = None) -> ApiError:
    """LaunchDarkly's error body: ``{"code": ..., "message": ...}``."""
    default = CODES.get(status, "internal_server_error" if status >= 500 else "invalid_request")
    return ApiError(status, {"code": code or default, "message": message})


def known(body: dict[str, Any], allowed: set[str]) -> dict[str, Any]:
    """
    ``body`` without the fields outside ``allowed``: LaunchDarkly ignores request body fields
    that are not part of the endpoint's schema, and does not return an error for them.
    """
    return {name: value for name, value in body.items() if name in allowed}


def text_field(body: dict[str, Any], name: str, where: str = "the request body") -> str:
    """The required non-blank string ``body[name]``."""
    value = body.get(name)
    if value is None:
        raise error(400, f"{name} is required in {where}")
    if not isinstance(value, str) or not value.strip():
        raise error(400, f"{name} in {where} must be a non-empty string, not {value!r}")
    return value


def key_field(body: dict[str, Any], name: str) -> str:
    """The required key ``body[name]`` (see ``rules.KEY``)."""
    value = text_field(body, name)
    if not KEY.fullmatch(value):
        raise error(
            400,
            f"{name} {value!r} is not a valid key: letters, digits, '.', '_' and '-', "
            "starting with a letter or digit",
        )
    return value


def bool_field(body: dict[str, Any], name: str, default: bool) -> bool:
    """The optional boolean ``body[name]``."""
    value = body.get(name, default)
    if not isinstance(value, bool):
        raise error(400, f"{name} must be true or false, not {value!r}")
    return value


def string_list(value: Any, where: str) -> None:
    """400 unless ``value`` is a list of strings."""
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise error(400, f"{where} must be an array of strings, not {value!r}")


def filters(request: Request, allowed: tuple[str, ...]) -> dict[str, str]:
    """The ``filter`` query parameter(s), ``field:value`` (or ``field equals value``) separated by commas."""
    raw = ",".join(request.query_lists.get("filter", []))
    found_filters: dict[str, str] = {}
    for term in (part for part in raw.split(",") if part.strip()):
        found = FILTER_TERM.fullmatch(term)
        if not found or not found.group(2):
            raise error(
                400, f"Invalid filter {term!r}: expected field:value with field one of {', '.join(allowed)}"
            )
        field, value = found.groups()
        if field not in allowed:
            raise error(400, f"Unsupported filter field {field!r}: expected one of {', '.join(allowed)}")
        found_filters[field] = value
    return found_filters


def release_status_filter(found: dict[str, str]) -> str | None:
    """The ``status:`` filter of a pipeline's releases list, checked against ``activePhaseId``."""
    status = found.get("status")
    if status is not None and status not in PIPELINE_RELEASE_STATUSES:
        raise error(400, f"Invalid status filter {status!r}: expected active or completed")
    if status == "completed" and "activePhaseId" in found:
        raise error(400, "The filters status:completed and activePhaseId are disjoint: use one of them")
    return status


def page(request: Request, items: list[Any]) -> tuple[list[Any], int]:
    """The ``limit``/``offset`` page of ``items`` and their total count."""
    limit = int_param(request, "limit", DEFAULT_PAGE_SIZE, minimum=1, maximum=MAX_PAGE_SIZE, error=error)
    offset = int_param(request, "offset", 0, minimum=0, maximum=None, error=error)
    return items[offset : offset + limit], len(items)


def audience_post(
    environments: dict[str, Environment], project_key: str, audience: Any, where: str
) -> Audience:
    """Validate an ``AudiencePost``: its environment must be one of the project's."""
    if not isinstance(audience, dict):
        raise error(400, f"{where} must be an object with environmentKey and name")
    env_key = text_field(audience, "environmentKey", where)
    if env_key not in environments:
        raise error(
            400, f"{where}.environmentKey: unknown environment {env_key!r} in project {project_key!r}"
        )
    segments = audience.get("segmentKeys", [])
    string_list(segments, f"{where}.segmentKeys")
    name = text_field(audience, "name", where)
    configuration = (
        audience_configuration(audience["configuration"], where) if "configuration" in audience else None
    )
    return Audience(
        environment_key=env_key, name=name, segment_keys=list(segments), configuration=configuration
    )


def audience_configuration(value: Any, where: str) -> dict[str, Any]:
    """Validate an ``AudienceConfiguration``."""
    where = f"{where}.configuration"
    if not isinstance(value, dict):
        raise error(400, f"{where} must be an object")
    value = known(value, CONFIGURATION_FIELDS)
    text_field(value, "releaseStrategy", where)
    if not isinstance(value.get("requireApproval"), bool):
        raise error(400, f"{where}.requireApproval is required: true or false")
    notify_lists(value, where)
    if "releaseGuardianConfiguration" in value:
        value["releaseGuardianConfiguration"] = guardian(
            value["releaseGuardianConfiguration"], f"{where}.releaseGuardianConfiguration", required=True
        )
    return copy.deepcopy(value)


def notify_lists(value: dict[str, Any], where: str) -> None:
    """400 unless ``notifyMemberIds`` and ``notifyTeamKeys``, when given, are lists of strings."""
    for name in NOTIFY_FIELDS:
        if name in value:
            string_list(value[name], f"{where}.{name}")


def guardian(value: Any, where: str, *, required: bool) -> dict[str, Any]:
    """Validate a ``ReleaseGuardianConfiguration`` (``required``: its required fields too)."""
    if not isinstance(value, dict):
        raise error(400, f"{where} must be an object")
    value = known(value, set(GUARDIAN_FIELDS))
    for name, kind in GUARDIAN_FIELDS.items():
        if name not in value:
            if required and name in GUARDIAN_REQUIRED:
                raise error(400, f"{where}.{name} is required")
            continue
        item = value[name]
        if kind is int and (isinstance(item, bool) or not isinstance(item, int)):
            raise error(400, f"{where}.{name} must be an integer, not {item!r}")
        if not isinstance(item, kind):
            raise error(400, f"{where}.{name} must be a {kind.__name__}, not {item!r}")
    if "monitoringWindowMilliseconds" in value and value["monitoringWindowMilliseconds"] <= 0:
        raise error(400, f"{where}.monitoringWindowMilliseconds must be positive")
    if "rolloutWeight" in value and not 0 <= value["rolloutWeight"] <= 100:
        raise error(400, f"{where}.rolloutWeight must be a percentage between 0 and 100")
    return dict(value)


def phase_start(body: dict[str, Any], phase: ReleasePhase) -> list[tuple[ReleaseAudience, dict[str, Any]]]:
    """
    Validate an ``UpdatePhaseStatusInput`` for ``phase``: return ``(stored audience, its update)``
    pairs. A release guardian configuration given for an audience that has none must be complete.
    """
    status = text_field(body, "status")
    if not is_phase_start_status(status):
        raise error(400, f'Invalid status {status!r}: a phase can only be started (status "active")')
    audiences = body.get("audiences")
    stored_audiences = {audience.id: audience for audience in phase.audiences}
    updates: list[tuple[ReleaseAudience, dict[str, Any]]] = []
    if audiences is None:
        return updates
    if not isinstance(audiences, list):
        raise error(400, "audiences must be an array of audience configurations")
    for number, audience in enumerate(audiences):
        where = f"audiences[{number}]"
        if not isinstance(audience, dict):
            raise error(400, f"{where} must be an object with audienceId")
        audience = known(audience, set(AUDIENCE_FIELDS))
        audience_id = text_field(audience, "audienceId", where)
        if audience_id not in stored_audiences:
            raise error(400, f"{where}.audienceId {audience_id!r} is not an audience of phase {phase.name!r}")
        notify_lists(audience, where)
        if "releaseGuardianConfiguration" in audience:
            given = guardian(
                audience["releaseGuardianConfiguration"],
                f"{where}.releaseGuardianConfiguration",
                required=False,
            )
            audience["releaseGuardianConfiguration"] = given
            configuration = stored_audiences[audience_id].configuration or {}
            stored = configuration.get("releaseGuardianConfiguration") or {}
            missing = [name for name in GUARDIAN_REQUIRED if name not in {**stored, **given}]
            if missing:
                raise error(
                    400,
                    f"{where}.releaseGuardianConfiguration.{missing[0]} is required: audience "
                    f"{audience_id!r} has no release guardian configuration to complete",
                )
        updates.append((stored_audiences[audience_id], audience))
    return updates


def pipeline_fields(
    project: Project, key: str, body: dict[str, Any], *, stable: bool = False, old: Pipeline | None = None
) -> dict[str, Any]:
    """
    Validate the name, description, tags and phases of a body creating pipeline ``key`` (or
    updating ``old``) and return them.

    ``stable``: ids derived from the keys (seeded pipelines); else a phase (or audience) that
    keeps its name in an update keeps its id, and a new one gets a fresh id.
    """
    name = text_field(body, "name")
    description = body.get("description", old.description if old else "")
    if not isinstance(description, str):
        raise error(400, f"description must be a string, not {description!r}")
    tags = body.get("tags", old.tags if old else [])
    string_list(tags, "tags")
    raw_phases = body.get("phases")
    if not isinstance(raw_phases, list) or not raw_phases:
        raise error(400, "phases is required: a non-empty array of phases")
    phases = []
    for index, raw in enumerate(raw_phases):
        where = f"phases[{index}]"
        if not isinstance(raw, dict):
            raise error(400, f"{where} must be an object with name and audiences")
        phase_name = text_field(raw, "name", where)
        configuration = raw.get("configuration", {})
        if not isinstance(configuration, dict):
            raise error(400, f"{where}.configuration must be an object")
        old_phase = next((item for item in old.phases if item.name == phase_name), None) if old else None
        if stable:
            phase_id = raw.get("id") or stable_id(project.key, key, str(index), phase_name)
        else:
            phase_id = old_phase.id if old_phase else new_id()
        audiences_in = raw.get("audiences")
        if not isinstance(audiences_in, list) or not audiences_in:
            raise error(400, f"{where}.audiences is required: a non-empty array of audiences")
        audiences = []
        for number, audience in enumerate(audiences_in):
            stored = audience_post(
                project.environments, project.key, audience, f"{where}.audiences[{number}]"
            )
            if stable:
                stored.id = stable_uuid(project.key, key, phase_id, str(number))
            else:
                same = [
                    item.id
                    for item in (old_phase.audiences if old_phase else [])
                    if (item.environment_key, item.name) == (stored.environment_key, stored.name)
                ]
                stored.id = same[0] if same else str(uuid.uuid4())
            audiences.append(stored)
        phases.append(
            PipelinePhase(id=phase_id, name=phase_name, configuration=configuration, audiences=audiences)
        )
    return {"name": name, "description": description, "tags": list(tags), "phases": phases}


def json_patch(patch: Any, phases: list[ReleasePhase]) -> list[tuple[int, bool]]:
    """
    Validate a JSON Patch of ``replace``/``add``/``test`` operations on ``/phases/{i}/complete``;
    run its ``test`` operations against ``phases`` and return the ``(index, complete)`` changes.
    """
    if not isinstance(patch, list) or not patch:
        raise error(400, "The request body must be a non-empty JSON Patch array of operations")
    changes: list[tuple[int, bool]] = []
    for number, operation in enumerate(patch):
        where = f"patch operation {number}"
        if not isinstance(operation, dict):
            raise error(400, f"{where} must be an object with op, path and value")
        op, path = operation.get("op"), operation.get("path")
        if op not in PATCH_OPERATIONS:
            raise error(400, f"{where}: op {op!r} is not a JSON Patch operation")
        if not isinstance(path, str):
            raise error(400, f"{where}: path is required")
        found = PATCH_PATH.fullmatch(path)
        if op not in ("replace", "add", "test") or not found:
            raise error(
                400, f"{where}: only replace of /phases/{{index}}/complete is supported, not {op} {path!r}"
            )
        index = int(found.group(1))
        if index >= len(phases):
            raise error(
                400, f"{where}: phase index {index} is out of range: the release has {len(phases)} phases"
            )
        if "value" not in operation or not isinstance(operation["value"], bool):
            raise error(400, f"{where}: value must be true or false")
        if op == "test":
            if phases[index].complete != operation["value"]:
                raise error(400, f"{where}: test failed: phase {index} complete is {phases[index].complete}")
            continue
        changes.append((index, operation["value"]))
    return changes
