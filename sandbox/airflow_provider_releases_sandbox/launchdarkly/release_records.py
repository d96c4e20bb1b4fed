"""
LaunchDarkly's environment releases in the sandbox (beta): a release, its phases and steps answer
as the API's ``EnvironmentRelease``; plans are what ``releasePlanKey`` starts from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from airflow_provider_releases_sandbox.core import Record


@dataclass(kw_only=True)
class ReleaseStep(Record):
    """One step of a phase: an allocation (thousandths of a percent) served for a duration."""

    omitted_when_none: ClassVar[frozenset[str]] = frozenset({"started_at", "ended_at"})

    step_index: int
    allocation: int
    duration_millis: int
    started_at: int | None = None
    ended_at: int | None = None


@dataclass(kw_only=True)
class EnvironmentReleasePhase(Record):
    """One phase: the rule it releases on, its steps, and (guarded) each metric's status."""

    nested: ClassVar[dict[str, type[Record]]] = {"steps": ReleaseStep}
    omitted_when_none: ClassVar[frozenset[str]] = frozenset(
        {"current_step_index", "description", "started_at", "ended_at", "status_reason"}
    )

    id: str
    phase_index: int
    rule_id: str | None
    status: str
    status_reason: str | None = None
    description: str | None = None
    current_step_index: int | None = None
    started_at: int | None = None
    ended_at: int | None = None
    steps: list[ReleaseStep]
    metric_statuses: dict[str, str] = field(default_factory=dict)


@dataclass(kw_only=True)
class ReleaseMetric(Record):
    """A metric a guarded release watches in every phase."""

    metric_key: str
    auto_rollback: bool
    metric_version_id: str


@dataclass(kw_only=True)
class EnvironmentRelease(Record):
    """An ``EnvironmentRelease``: one flag in one environment, rolled out in ordered phases."""

    nested: ClassVar[dict[str, type[Record]]] = {"phases": EnvironmentReleasePhase, "metrics": ReleaseMetric}
    wire_names: ClassVar[dict[str, str]] = {"links": "_links"}
    omitted_when_none: ClassVar[frozenset[str]] = frozenset({"status_reason", "started_at", "ended_at"})

    id: str
    status: str
    status_reason: str | None = None
    project_key: str
    environment_key: str
    flag_key: str
    original_variation_id: str
    original_variation_value: Any
    target_variation_id: str
    target_variation_value: Any
    randomization_unit: str
    cleanup_behavior: str
    kind: str
    metrics: list[ReleaseMetric]
    phases: list[EnvironmentReleasePhase]
    current_phase_index: int | None
    advancement_mode: str
    created_at: int
    started_at: int | None = None
    ended_at: int | None = None
    links: dict[str, Any] = field(default_factory=dict)


@dataclass(kw_only=True)
class EnvironmentReleaseRecord(Record):
    """
    A release and its bookkeeping on the release clock (Unix ms): when the running step ends
    (``due``), or how long it had left when a regression paused it (``remaining``).
    """

    nested: ClassVar[dict[str, type[Record]]] = {"release": EnvironmentRelease}

    release: EnvironmentRelease
    release_plan_key: str | None = None
    due: int | None = None
    remaining: int | None = None


@dataclass(kw_only=True)
class ReleasePlan(Record):
    """An environment release plan: the fields of a start it supplies, checked when registered."""

    key: str
    environment_key: str
    plan: dict[str, Any]
