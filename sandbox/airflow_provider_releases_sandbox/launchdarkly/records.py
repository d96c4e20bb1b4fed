"""
LaunchDarkly's objects in the sandbox: projects, environments, flags, release pipelines and flag
releases with their phases (a :class:`Release` and its parts answer as the API's ``Release``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from airflow_provider_releases_sandbox.core import Record
from airflow_provider_releases_sandbox.launchdarkly.release_records import (
    EnvironmentReleaseRecord,
    ReleasePlan,
)


@dataclass(kw_only=True)
class Environment(Record):
    """An environment of a project."""

    key: str
    name: str
    color: str


@dataclass(kw_only=True)
class Variation(Record):
    """A variation of a flag."""

    wire_names: ClassVar[dict[str, str]] = {"id": "_id"}

    id: str
    value: Any
    name: str


@dataclass(kw_only=True)
class Flag(Record):
    """
    A feature flag (only ``boolean`` ones go on release pipelines), the environments it is off
    in, and the release health checks it fails in each environment (kinds by environment key).
    """

    nested: ClassVar[dict[str, type[Record]]] = {"variations": Variation}

    key: str
    name: str
    kind: str
    variations: list[Variation]
    created_at: int = 0
    off_environments: list[str] = field(default_factory=list)
    failing_checks: dict[str, list[str]] = field(default_factory=dict)


@dataclass(kw_only=True)
class Audience(Record):
    """An audience of a pipeline's phase: an environment, its segments and its configuration."""

    omitted_when_none: ClassVar[frozenset[str]] = frozenset({"configuration"})

    environment_key: str
    name: str
    segment_keys: list[str]
    configuration: dict[str, Any] | None = None
    id: str = ""


@dataclass(kw_only=True)
class PipelinePhase(Record):
    """A phase of a release pipeline."""

    nested: ClassVar[dict[str, type[Record]]] = {"audiences": Audience}

    id: str
    name: str
    configuration: dict[str, Any]
    audiences: list[Audience]


@dataclass(kw_only=True)
class Pipeline(Record):
    """A release pipeline (``createdAt``: RFC 3339); ``version`` grows with every change."""

    nested: ClassVar[dict[str, type[Record]]] = {"phases": PipelinePhase}
    wire_names: ClassVar[dict[str, str]] = {"version": "_version"}

    key: str
    created_at: str
    version: int = 1
    is_legacy: bool = False
    name: str
    description: str
    tags: list[str]
    phases: list[PipelinePhase]


@dataclass(kw_only=True)
class ReleaseAudience(Record):
    """An audience of a release's phase (``ReleaseAudience``), in the phase's status."""

    wire_names: ClassVar[dict[str, str]] = {"id": "_id", "links": "_links", "rule_ids": "_ruleIds"}
    omitted_when_none: ClassVar[frozenset[str]] = frozenset({"configuration"})

    id: str
    name: str
    links: dict[str, Any] = field(default_factory=dict)
    environment: dict[str, Any]
    configuration: dict[str, Any] | None = None
    segment_keys: list[str]
    status: str
    rule_ids: list[str] = field(default_factory=list)


@dataclass(kw_only=True)
class ReleasePhase(Record):
    """A phase of a flag's release; the times are epoch milliseconds, left out until they happen."""

    nested: ClassVar[dict[str, type[Record]]] = {"audiences": ReleaseAudience}
    wire_names: ClassVar[dict[str, str]] = {
        "id": "_id",
        "name": "_name",
        "creation_date": "_creationDate",
        "audiences": "_audiences",
        "started_date": "_startedDate",
        "completion_date": "_completionDate",
        "completed_by": "_completedBy",
    }
    omitted_when_none: ClassVar[frozenset[str]] = frozenset(
        {"started_date", "completion_date", "completed_by"}
    )

    id: str
    name: str
    complete: bool = False
    creation_date: int
    audiences: list[ReleaseAudience]
    status: str
    started: bool = False
    configuration: dict[str, Any]
    started_date: int | None = None
    completion_date: int | None = None
    completed_by: dict[str, Any] | None = None


@dataclass(kw_only=True)
class Release(Record):
    """A flag's release on a pipeline (``Release``); ``version`` grows with every change."""

    nested: ClassVar[dict[str, type[Record]]] = {"phases": ReleasePhase}
    wire_names: ClassVar[dict[str, str]] = {
        "version": "_version",
        "links": "_links",
        "release_variation_id": "_releaseVariationId",
        "canceled_at": "_canceledAt",
    }
    omitted_when_none: ClassVar[frozenset[str]] = frozenset({"canceled_at"})

    name: str
    release_pipeline_key: str
    release_pipeline_description: str
    phases: list[ReleasePhase]
    version: int = 1
    links: dict[str, Any]
    release_variation_id: str
    canceled_at: int | None = None


@dataclass(kw_only=True)
class FlagRelease(Record):
    """
    A flag's release and its bookkeeping: whether its pipeline is legacy, when it was created and
    completed, when its active phase started (``since``, epoch ms) and the reads since: of the
    release itself (``reads``) and of its pipeline's releases list showing it (``list_reads``).
    """

    nested: ClassVar[dict[str, type[Record]]] = {"release": Release}

    release: Release
    flag_key: str
    legacy: bool
    created_at: int
    completed_at: int | None = None
    since: int | None = None
    reads: int = 0
    list_reads: int = 0

    @property
    def canceled(self) -> bool:
        """Whether the release was canceled."""
        return self.release.canceled_at is not None


@dataclass(kw_only=True)
class Project(Record):
    """
    A project: its environments (and those that require approvals), pipelines (and the default
    one), flags, flag releases, environment releases (by id, oldest first), environment release
    plans (by ``<environment>/<plan key>``) and release policies (``ReleasePolicy`` JSON by key).
    """

    nested_maps: ClassVar[dict[str, type[Record]]] = {
        "environments": Environment,
        "pipelines": Pipeline,
        "flags": Flag,
        "releases": FlagRelease,
        "environment_releases": EnvironmentReleaseRecord,
        "release_plans": ReleasePlan,
    }
    # a project is never answered, only saved: the state files' key of before stays
    wire_names: ClassVar[dict[str, str]] = {"default_pipeline": "default_pipeline"}

    key: str
    name: str
    environments: dict[str, Environment]
    pipelines: dict[str, Pipeline] = field(default_factory=dict)
    default_pipeline: str | None = None
    flags: dict[str, Flag] = field(default_factory=dict)
    releases: dict[str, FlagRelease] = field(default_factory=dict)
    approval_environments: list[str] = field(default_factory=list)
    environment_releases: dict[str, EnvironmentReleaseRecord] = field(default_factory=dict)
    release_plans: dict[str, ReleasePlan] = field(default_factory=dict)
    release_policies: dict[str, dict[str, Any]] = field(default_factory=dict)
