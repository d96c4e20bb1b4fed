"""
LaunchDarkly's rules as its release pipeline pages, its OpenAPI excerpt (``openapi.yaml``) and
the schemas of its client's environment release models (``environment-releases-schemas.yaml``),
both shipped beside this module, state them.

Written from the vendor's documents, not taken from the provider, so that the provider's own
checks meet an independent reading of the same documents. tests/sandbox checks the field lists
below against the excerpt's schemas.
"""

from __future__ import annotations

import re
from enum import Enum
from typing import Any

#: Project, flag, pipeline and phase keys: letters, digits, ``.``, ``_``, ``-``.
KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


class PhaseStatus(str, Enum):
    """The ``status`` the sandbox gives a release phase (values LaunchDarkly was seen to report)."""

    NOT_STARTED = "not-started"
    ACTIVE = "active"
    COMPLETED = "completed"


#: ``UpdatePhaseStatusInput.status`` has no enum: the docs say ``active`` in prose and
#: ``Started`` in an example; the sandbox takes either, in any case.
PHASE_START_STATUSES = frozenset({"active", "started"})


def is_phase_start_status(value: Any) -> bool:
    """Whether ``value`` asks to start a phase."""
    return isinstance(value, str) and value.lower() in PHASE_START_STATUSES


#: ``filter=status:<value>`` of ``GET .../release-pipelines/{pipelineKey}/releases``.
PIPELINE_RELEASE_STATUSES = ("active", "completed")
#: ``filter=query:<text>,env:<key>`` of ``GET .../release-pipelines``.
PIPELINE_FILTER_FIELDS = ("query", "env")
#: The properties of one item of ``UpdatePhaseStatusInput.audiences``.
AUDIENCE_FIELDS = ("audienceId", "releaseGuardianConfiguration", "notifyMemberIds", "notifyTeamKeys")


# Environment releases (beta), as ``launchdarkly-environment-releases-schemas.yaml`` states them.


class ReleaseStatus(str, Enum):
    """``ReleaseStatus`` of an environment release or one of its phases."""

    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    WAITING = "waiting"
    COMPLETED = "completed"
    REVERTED = "reverted"

    @property
    def is_terminal(self) -> bool:
        """Whether the release (or phase) has ended."""
        return self in (ReleaseStatus.COMPLETED, ReleaseStatus.REVERTED)


class ReleaseStatusReason(str, Enum):
    """``ReleaseStatusReason``: why a release or phase is ``waiting``, ``completed`` or ``reverted``."""

    WAITING_REGRESSION_DETECTED = "waiting_regression_detected"
    WAITING_PHASE_ENDED = "waiting_phase_ended"  # on the release only, never on a phase
    COMPLETED_AUTOMATIC = "completed_automatic"
    COMPLETED_MANUAL = "completed_manual"
    REVERTED_REGRESSION_DETECTED = "reverted_regression_detected"
    REVERTED_MANUAL = "reverted_manual"
    REVERTED_DISCARDED = "reverted_discarded"
    REVERTED_INSUFFICIENT_DATA = "reverted_insufficient_data"


class Resolution(str, Enum):
    """``EnvironmentReleaseResolution``: how a stop resolves each phase."""

    ROLL_FORWARD_ALL_PHASES = "roll_forward_all_phases"
    ROLL_FORWARD_CURRENT_PHASE = "roll_forward_current_phase_and_remove_pending_phases"
    ROLL_BACK_ALL_PHASES = "roll_back_all_phases_and_remove_pending_phases"
    ROLL_BACK_CURRENT_PHASE = "roll_back_current_phase_and_remove_pending_phases"

    @property
    def rolls_forward(self) -> bool:
        """Whether the current phase ends serving the target variation."""
        return self in (Resolution.ROLL_FORWARD_ALL_PHASES, Resolution.ROLL_FORWARD_CURRENT_PHASE)

    @property
    def all_phases(self) -> bool:
        """Whether the resolution is an ``all_phases`` one (the only ones allowed between phases)."""
        return self in (Resolution.ROLL_FORWARD_ALL_PHASES, Resolution.ROLL_BACK_ALL_PHASES)


class AdvancementMode(str, Enum):
    """``EnvironmentReleaseAdvancementMode``: how a multi-phase release moves between phases."""

    MANUAL = "manual"
    AUTOMATIC = "automatic"


class ReleaseKind(str, Enum):
    """``ReleaseType``: a release with no metrics is progressive, one with metrics guarded."""

    PROGRESSIVE = "progressive"
    GUARDED = "guarded"


class CleanupBehavior(str, Enum):
    """``CleanupBehavior``: what happens to the release rules when the final phase completes."""

    REMOVE_RULES_AND_UPDATE_DEFAULT_RULE = "remove_rules_and_update_default_rule"
    LEAVE_RULES_IN_PLACE = "leave_rules_in_place"


class HealthCheckKind(str, Enum):
    """``ReleaseHealthCheckKind``; the ``metric_events_*`` kinds run for guarded releases only."""

    FLAG_EVALUATIONS_ANY = "flag_evaluations_any"
    FLAG_EVALUATIONS_WITH_CONTEXT = "flag_evaluations_with_context"
    METRIC_EVENTS_ANY = "metric_events_any"
    METRIC_EVENTS_WITH_CONTEXT = "metric_events_with_context"

    @property
    def per_metric(self) -> bool:
        """Whether the check runs once per metric of a guarded release."""
        return self.value.startswith("metric_")


class MetricStatus(str, Enum):
    """``ReleaseMetricStatus`` of a metric in a phase of a guarded release."""

    OK = "ok"
    REGRESSED = "regressed"
    REGRESSION_DISMISSED = "regression_dismissed"


#: A step's allocation is in thousandths of a percent: 100000 is 100%.
MAX_ALLOCATION = 100_000
#: A guarded release keeps a control group: no step above 50%.
MAX_GUARDED_ALLOCATION = 50_000
#: The fields a release plan supplies: a start naming ``releasePlanKey`` must not set them.
PLAN_FIELDS = ("randomizationUnit", "phases", "metrics", "advancementMode", "cleanupBehavior")
#: ``limit`` of ``GET .../releases``: 25 by default, at most 100.
RELEASES_PAGE_SIZE, RELEASES_MAX_PAGE_SIZE = 25, 100
#: ``filter`` fields of ``GET .../releases``.
RELEASE_FILTER_FIELDS = ("kind",)
#: ``releaseMethod`` of a release policy.
RELEASE_METHODS = ("guarded-release", "immediate-release", "progressive-release")


def kind_clause(unit: str) -> dict[str, Any]:
    """The clause every phase's rule must carry so the release reaches ``unit`` contexts only."""
    return {"contextKind": unit, "attribute": "kind", "op": "in", "values": [unit]}
