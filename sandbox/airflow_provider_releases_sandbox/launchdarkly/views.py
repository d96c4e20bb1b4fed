"""How LaunchDarkly's sandbox renders its state: pipelines, audiences, progressions, the caller, pages."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import uuid
from collections.abc import Sequence
from typing import Any

from airflow_provider_releases_sandbox.launchdarkly.records import (
    Audience,
    Environment,
    FlagRelease,
    Pipeline,
    Project,
    ReleaseAudience,
)
from airflow_provider_releases_sandbox.launchdarkly.release_records import EnvironmentRelease
from airflow_provider_releases_sandbox.web import Page, Table, not_found

JSON = "application/json"
DEFAULT_COLOR = "F5A623"


def stable_id(*parts: str) -> str:
    """A 24-hex-digit id that is the same at every reset (for seeded objects)."""
    return hashlib.sha1("/".join(parts).encode()).hexdigest()[:24]


def stable_uuid(*parts: str) -> str:
    """A UUID that is the same at every reset (for seeded objects)."""
    return str(uuid.UUID(bytes=hashlib.sha1("/".join(parts).encode()).digest()[:16]))


def link(href: str) -> dict[str, str]:
    """One entry of ``_links``: a JSON resource at ``href``."""
    return {"href": href, "type": JSON}


def release_href(project_key: str, flag_key: str) -> str:
    """The path of a flag's release."""
    return f"/api/v2/flags/{project_key}/{flag_key}/release"


def pipeline_href(project_key: str, pipeline_key: str) -> str:
    """The path of a release pipeline."""
    return f"/api/v2/projects/{project_key}/release-pipelines/{pipeline_key}"


def environment_summary(project: Project, environment_key: str) -> dict[str, Any]:
    """An audience's environment (an unknown one under its key, in the default color)."""
    env = project.environments.get(environment_key) or Environment(
        key=environment_key, name=environment_key, color=DEFAULT_COLOR
    )
    return {
        "_links": {"self": link(f"/api/v2/projects/{project.key}/environments/{env.key}")}
    } | env.to_json()


def audience_view(project: Project, audience: Audience) -> dict[str, Any]:
    """A pipeline phase's audience: its environment summary, name, segments and configuration."""
    view = {
        "environment": environment_summary(project, audience.environment_key),
        "name": audience.name,
        "segmentKeys": list(audience.segment_keys),
    }
    if audience.configuration is not None:
        view["configuration"] = copy.deepcopy(audience.configuration)
    return view


def release_audience(project: Project, audience: Audience, status: str) -> ReleaseAudience:
    """A release phase's audience (``ReleaseAudience``), in ``status``."""
    return ReleaseAudience(
        id=audience.id,
        name=audience.name,
        environment=environment_summary(project, audience.environment_key),
        configuration=copy.deepcopy(audience.configuration),
        segment_keys=list(audience.segment_keys),
        status=status,
    )


def pipeline_view(project: Project, pipeline: Pipeline) -> dict[str, Any]:
    """A ``ReleasePipeline``."""
    return {
        "createdAt": pipeline.created_at,
        "description": pipeline.description,
        "key": pipeline.key,
        "name": pipeline.name,
        "phases": [
            {
                "id": phase.id,
                "name": phase.name,
                "audiences": [audience_view(project, audience) for audience in phase.audiences],
                "configuration": copy.deepcopy(phase.configuration),
            }
            for phase in pipeline.phases
        ],
        "tags": list(pipeline.tags),
        "_version": pipeline.version,
        "isProjectDefault": project.default_pipeline == pipeline.key,
        "_isLegacy": pipeline.is_legacy,
    }


def progression_collection(
    project_key: str,
    pipeline: Pipeline,
    progressions: list[tuple[str | None, dict[str, Any]]],
    page: list[dict[str, Any]],
    total: int,
) -> dict[str, Any]:
    """A ``ReleaseProgressionCollection``: counts over every progression, ``page`` of the matching ones."""
    return {
        "activeCount": sum(1 for state, _ in progressions if state == "active"),
        "completedCount": sum(1 for state, _ in progressions if state == "completed"),
        "items": page,
        "phases": [
            {
                "_id": phase.id,
                "name": phase.name,
                "releaseCount": sum(1 for _, item in progressions if item.get("activePhaseId") == phase.id),
            }
            for phase in pipeline.phases
        ],
        "totalCount": total,
        "_links": {"self": link(f"{pipeline_href(project_key, pipeline.key)}/releases")},
    }


def token_summary(token_id: str, access_token: str) -> dict[str, Any]:
    """The sandbox's API token as a ``TokenSummary`` (in ``_completedBy``)."""
    return {
        "_links": {},
        "_id": token_id,
        "name": "Sandbox API token",
        "ending": access_token[-4:],
        "serviceToken": False,
    }


def caller_identity(
    access_token: str, token_id: str, project: Project | None, env: Environment | None
) -> dict[str, Any]:
    """What ``GET /api/v2/caller-identity`` answers for the sandbox's token."""
    return {
        "accountId": stable_id("account", access_token),
        "environmentId": stable_id("environment", env.key) if env else None,
        "projectId": stable_id("project", project.key) if project else None,
        "environmentName": env.name if env else None,
        "projectName": project.name if project else None,
        "authKind": "token",
        "tokenKind": "personal",
        "clientId": None,
        "tokenName": "Sandbox API token",
        "tokenId": token_id,
        "memberId": stable_id("member", access_token),
        "serviceToken": False,
    }


def _moment(epoch_ms: int | None) -> str | None:
    if epoch_ms is None:
        return None
    return dt.datetime.fromtimestamp(epoch_ms / 1000, dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def flag_page(
    project: Project | None,
    flag_key: str,
    record: FlagRelease | None,
    state: str | None,
    environment_releases: Sequence[EnvironmentRelease] = (),
) -> Page:
    """
    The flag's page in the LaunchDarkly app: the flag, its release pipeline and each phase's
    status, and its environment releases (newest first).

    :param record: the flag's release record, ``None`` when the flag is on no pipeline.
    :param state: the release's state (``active``, ``completed`` or ``canceled``).
    """
    flag = project.flags.get(flag_key) if project is not None else None
    if project is None or flag is None:
        where = f"project {project.key!r}" if project is not None else "an unknown project"
        return not_found("LaunchDarkly", f"Flag {flag_key!r} in {where}")
    fields: list[tuple[str, Any]] = [
        ("Name", flag.name),
        ("Key", flag.key),
        ("Kind", flag.kind),
        ("Project", f"{project.name} ({project.key})"),
    ]
    tables = []
    if record is None:
        fields.append(("Release", "not on a release pipeline"))
    else:
        release = record.release
        fields += [
            ("Release pipeline", f"{release.name} ({release.release_pipeline_key})"),
            ("Release state", state),
            ("Release version", release.version),
            ("Canceled at", _moment(release.canceled_at)),
        ]
        rows = [
            (
                phase.name,
                phase.status,
                phase.complete,
                _moment(phase.started_date),
                _moment(phase.completion_date),
            )
            for phase in release.phases
        ]
        tables.append(Table("Release phases", ("Phase", "Status", "Complete", "Started", "Completed"), rows))
    if environment_releases:
        rows = [
            (
                item.environment_key,
                item.kind,
                item.status,
                item.status_reason,
                item.current_phase_index,
                _moment(item.created_at),
                item.id,
            )
            for item in environment_releases
        ]
        columns = ("Environment", "Kind", "Status", "Reason", "Current phase", "Created", "Release")
        tables.append(Table("Environment releases", columns, rows))
    return Page("LaunchDarkly", f"Flag {flag.name}", fields, tables)
