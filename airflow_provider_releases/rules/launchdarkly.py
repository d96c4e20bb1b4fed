"""
LaunchDarkly's documented rules: keys, pipeline phase statuses, filters, audiences and how a phase is
found; environment releases' statuses, reasons, resolutions, kinds and allocations.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping, Sequence
from enum import Enum
from typing import Any

from airflow_provider_releases.exceptions import InvalidParameterError
from airflow_provider_releases.utils import validation as check
from airflow_provider_releases.utils.clock import EPOCH_MS_FLOOR

#: The API (and app) hosts by the connection's ``instance`` extra.
API_URLS = {
    "commercial": "https://app.launchdarkly.com",
    "eu": "https://app.eu.launchdarkly.com",
    "federal": "https://app.launchdarkly.us",
}
DEFAULT_INSTANCE = "commercial"
#: Project, flag, pipeline and phase keys: letters, digits, ``.``, ``_``, ``-``.
KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


class PhaseStatus(str, Enum):
    """The ``status`` of a release phase (observed values; ``complete`` decides completion)."""

    NOT_STARTED = "not-started"
    READY_TO_START = "ready-to-start"
    ACTIVE = "active"
    STARTED = "started"  # the docs' example answers "Started"
    COMPLETED = "completed"
    COMPLETE = "complete"

    @classmethod
    def read(cls, value: Any) -> PhaseStatus | None:
        """Return the status ``value`` names (any case, surrounding blanks ignored), else ``None``."""
        if not isinstance(value, str):
            return None
        try:
            return cls(value.strip().lower())
        except ValueError:
            return None

    @property
    def is_started(self) -> bool:
        """Whether a phase in this status was started (it may be complete too)."""
        return self not in (PhaseStatus.NOT_STARTED, PhaseStatus.READY_TO_START)


#: What ``PUT .../release/phases/{phaseId}`` takes as ``status``: the spec gives no enum; the
#: docs say ``active`` in prose and ``Started`` in an example.
PHASE_START_STATUSES = ("active", "Started")


def is_phase_start_status(value: Any) -> bool:
    """Whether ``value`` asks to start a phase: one of :data:`PHASE_START_STATUSES`, in any case."""
    return isinstance(value, str) and value.lower() in {status.lower() for status in PHASE_START_STATUSES}


class PipelineReleaseStatus(str, Enum):
    """The ``status`` filter of a pipeline's releases list (``filter=status:<value>``)."""

    ACTIVE = "active"
    COMPLETED = "completed"


PIPELINE_RELEASE_STATUSES = tuple(status.value for status in PipelineReleaseStatus)
#: The fields ``GET .../release-pipelines`` filters on (``filter=query:<text>,env:<key>``).
PIPELINE_FILTER_FIELDS = ("query", "env")
#: The fields of one item of a phase start's ``audiences``.
AUDIENCE_FIELDS = ("audienceId", "releaseGuardianConfiguration", "notifyMemberIds", "notifyTeamKeys")
#: Flags per page of a pipeline's releases list, which the waits read at every poll: 1,000 flags
#: in 10 requests rather than 50 at LaunchDarkly's default of 20.
LIST_PAGE_SIZE = 100


def key(param: str, value: Any) -> str:
    """Return ``value`` as a URL path segment if it is a key (see :data:`KEY`)."""
    return check.path_segment(param, value, pattern=KEY)


def phase_start_status(value: Any) -> str:
    """Return ``value`` if it is one of :data:`PHASE_START_STATUSES`, exactly."""
    return check.choice("status", value, PHASE_START_STATUSES)


def pipeline_release_status(value: Any) -> str:
    """Return ``value`` if it is a :class:`PipelineReleaseStatus` value."""
    return check.choice("status", value, PIPELINE_RELEASE_STATUSES)


def pipeline_filter(value: Any) -> str:
    """Return a pipelines list ``filter`` (text or a dict) as ``field:value[,...]``."""
    accepted = (
        "'field:value' pairs separated by commas, with field 'query' or 'env', or a dict of them"
        " (values without commas)"
    )
    if isinstance(value, dict):
        pairs = list(value.items())
    elif isinstance(value, str):
        pairs = [tuple(part.split(":", 1)) if ":" in part else (part, "") for part in value.split(",")]
    else:
        raise InvalidParameterError("filter", value, accepted)
    for field, text in pairs:
        if field not in PIPELINE_FILTER_FIELDS or not isinstance(text, str) or not text.strip():
            raise InvalidParameterError("filter", value, accepted)
        if "," in text or not check.is_utf8(text):
            raise InvalidParameterError("filter", value, accepted)
    return ",".join(f"{field}:{text}" for field, text in pairs)


def audiences(value: Any) -> list[dict[str, Any]]:
    """Return ``value`` as the ``audiences`` of a phase start: dicts of :data:`AUDIENCE_FIELDS`."""
    accepted = "a list of dicts with 'audienceId' and optionally " + ", ".join(AUDIENCE_FIELDS[1:])
    if not isinstance(value, (list, tuple)):
        raise InvalidParameterError("audiences", value, accepted)
    for audience in value:
        if not isinstance(audience, dict) or not set(audience) <= set(AUDIENCE_FIELDS):
            raise InvalidParameterError("audiences", value, accepted)
        check.text("audiences[].audienceId", audience.get("audienceId"))
        for name in ("notifyMemberIds", "notifyTeamKeys"):
            if name in audience:
                check.string_list(f"audiences[].{name}", audience[name])
        guardian = audience.get("releaseGuardianConfiguration")
        if guardian is not None and not is_json_object(guardian):
            raise InvalidParameterError(
                "audiences[].releaseGuardianConfiguration", guardian, "a dict that JSON can carry"
            )
    return [dict(audience) for audience in value]


def is_json_object(value: Any) -> bool:
    """Whether ``value`` is a dict that goes into a JSON body as it is (no NaN, no other types)."""
    if not isinstance(value, dict):
        return False
    try:
        json.dumps(value, allow_nan=False, ensure_ascii=False).encode("utf-8")
    except (TypeError, ValueError, RecursionError):
        return False
    return True


# Phases


def phase_ref(value: Any) -> str | int:
    """Return ``value`` if it can name a phase: a non-empty string or a 0-based position."""
    accepted = "a phase name or id (a non-empty string) or a 0-based position (an integer >= 0)"
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise InvalidParameterError("phase", value, accepted)
    if isinstance(value, int) and value < 0:
        raise InvalidParameterError("phase", value, accepted)
    if isinstance(value, str) and not value.strip():
        raise InvalidParameterError("phase", value, accepted)
    return value


def find_phase(phases: Sequence[Mapping[str, Any]], phase: str | int) -> int | None:
    """
    Return the position of ``phase`` among a release's ``phases``, or ``None`` when none matches.

    A string names a phase by its ``_id``, then its ``_name``; digits that match neither, or an
    ``int``, are a 0-based position.

    :raises InvalidParameterError: more than one phase has that name.
    """
    if isinstance(phase, bool) or not isinstance(phase, (str, int)):
        return None
    if isinstance(phase, str):
        wanted = phase.strip()
        for field in ("_id", "_name"):
            found = [index for index, item in enumerate(phases) if item.get(field) == wanted]
            if len(found) > 1:
                raise InvalidParameterError(
                    "phase", phase, f"a name that only one phase has ({describe_phases(phases)}); use its id"
                )
            if found:
                return found[0]
        if not wanted.isdigit():
            return None
        phase = int(wanted)
    return phase if 0 <= phase < len(phases) else None


def resolve_phase(phases: Sequence[Any], phase: str | int) -> dict[str, Any]:
    """
    Return the phase ``phase`` names among a release's ``phases`` (see :func:`find_phase`).

    :raises InvalidParameterError: ``phase`` has the wrong form, or no phase matches.
    """
    phase_ref(phase)
    found = [item for item in phases if isinstance(item, dict)]
    index = find_phase(found, phase)
    if index is None:
        raise InvalidParameterError(
            "phase", phase, f"the name, id or position of a phase ({describe_phases(found)})"
        )
    return found[index]


def describe_phases(phases: Sequence[Mapping[str, Any]]) -> str:
    """List a release's phases for an error message: ``0 'Testing' (id 1a2b), 1 'Beta' (id 3c4d)``."""
    if not phases:
        return "the release has no phases"
    return ", ".join(
        f"{index} {item.get('_name')!r} (id {item.get('_id')})" for index, item in enumerate(phases)
    )


def phase_name(phase: Mapping[str, Any]) -> str:
    """The phase's name (``_name``), for messages."""
    return str(phase.get("_name") or phase.get("name") or "(unnamed)")


def phase_label(phase: Mapping[str, Any], index: int) -> str:
    """``'Beta' (position 1, id 3c4d)``, for messages."""
    return f"{phase_name(phase)!r} (position {index}, id {phase.get('_id')})"


def phase_is_complete(phase: Mapping[str, Any]) -> bool:
    """Whether the phase is complete: its ``complete`` is ``true`` (the status alone never decides)."""
    return phase.get("complete") is True


def phase_is_started(phase: Mapping[str, Any]) -> bool:
    """Whether a phase is complete or already started (status, ``started`` or ``_startedDate``)."""
    if phase_is_complete(phase) or phase.get("started") or phase.get("_startedDate"):
        return True
    status = PhaseStatus.read(phase.get("status"))
    return status is not None and status.is_started


def audiences_requiring_approval(phase: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The audiences of the phase whose ``configuration.requireApproval`` is ``true``, in order."""
    found = []
    for audience in phase.get("_audiences") or phase.get("audiences") or []:
        configuration = audience.get("configuration") if isinstance(audience, dict) else None
        if isinstance(configuration, dict) and configuration.get("requireApproval") is True:
            found.append(audience)
    return found


def canceled_at(release: Mapping[str, Any]) -> Any:
    """The release's ``_canceledAt`` when it was canceled, else ``None``."""
    return release.get("_canceledAt") or None


def release_created_ms(release: Mapping[str, Any]) -> int | None:
    """Return when a flag's release was made (earliest phase ``_creationDate``, epoch ms), or ``None``."""
    stamps = [epoch_ms(phase.get("_creationDate")) for phase in release.get("phases") or ()]
    known = [stamp for stamp in stamps if stamp is not None]
    return min(known) if known else None


def release_finished_ms(release: Mapping[str, Any]) -> int | None:
    """Return when a flag's release was canceled or its last phase completed (epoch ms), or ``None``."""
    canceled = epoch_ms(canceled_at(release))
    if canceled is not None:
        return canceled
    phases = release.get("phases") or []
    if not phases or not all(phase_is_complete(phase) for phase in phases):
        return None
    stamps = [epoch_ms(phase.get("_completionDate")) for phase in phases]
    known = [stamp for stamp in stamps if stamp is not None]
    return max(known) if known else 0


# Times


def epoch_ms(value: Any) -> int | None:
    """Read a LaunchDarkly time (epoch milliseconds, as a number or digits), else ``None``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        return int(value.strip())
    return None


def describe_moment(value: Any) -> str:
    """Render a LaunchDarkly time (epoch milliseconds, as a number or string) readably in UTC."""
    number = epoch_ms(value)
    if number is None:
        return str(value)
    seconds = number / 1000 if number >= EPOCH_MS_FLOOR else number
    try:
        moment = dt.datetime.fromtimestamp(seconds, tz=dt.timezone.utc)
    except (OverflowError, OSError, ValueError):
        return str(value)
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


# Environment releases (beta): one flag in one environment, in phases of steps


class EnvironmentReleaseStatus(str, Enum):
    """The ``status`` of an environment release or of one of its phases."""

    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    WAITING = "waiting"  #: paused, needs a person (a regression, or a manual advance)
    COMPLETED = "completed"
    REVERTED = "reverted"

    @property
    def is_terminal(self) -> bool:
        """Whether a release in this status has ended."""
        return self in (EnvironmentReleaseStatus.COMPLETED, EnvironmentReleaseStatus.REVERTED)


class EnvironmentReleaseStatusReason(str, Enum):
    """The ``statusReason`` of an environment release or phase: why it waits, completed or reverted."""

    WAITING_REGRESSION_DETECTED = "waiting_regression_detected"
    WAITING_PHASE_ENDED = "waiting_phase_ended"  #: a manual-advance phase ended: someone must advance it
    COMPLETED_AUTOMATIC = "completed_automatic"
    COMPLETED_MANUAL = "completed_manual"
    REVERTED_REGRESSION_DETECTED = "reverted_regression_detected"
    REVERTED_MANUAL = "reverted_manual"
    REVERTED_DISCARDED = "reverted_discarded"
    REVERTED_INSUFFICIENT_DATA = "reverted_insufficient_data"


class EnvironmentReleaseResolution(str, Enum):
    """How ``stop_environment_release`` resolves the release's phases."""

    ROLL_FORWARD_ALL_PHASES = "roll_forward_all_phases"
    ROLL_FORWARD_CURRENT_PHASE = "roll_forward_current_phase_and_remove_pending_phases"
    ROLL_BACK_ALL_PHASES = "roll_back_all_phases_and_remove_pending_phases"
    ROLL_BACK_CURRENT_PHASE = "roll_back_current_phase_and_remove_pending_phases"


class AdvancementMode(str, Enum):
    """How a multi-phase release moves to its next phase."""

    MANUAL = "manual"
    AUTOMATIC = "automatic"


class ReleaseKind(str, Enum):
    """An environment release's ``kind``: guarded when it watches metrics."""

    PROGRESSIVE = "progressive"
    GUARDED = "guarded"


class HealthCheckKind(str, Enum):
    """The health checks a start runs; failing ones may be listed in ``bypass_health_checks``."""

    FLAG_EVALUATIONS_ANY = "flag_evaluations_any"
    FLAG_EVALUATIONS_WITH_CONTEXT = "flag_evaluations_with_context"
    METRIC_EVENTS_ANY = "metric_events_any"
    METRIC_EVENTS_WITH_CONTEXT = "metric_events_with_context"


class CleanupBehavior(str, Enum):
    """What happens to the release's rules when its final phase completes."""

    REMOVE_RULES_AND_UPDATE_DEFAULT_RULE = "remove_rules_and_update_default_rule"
    LEAVE_RULES_IN_PLACE = "leave_rules_in_place"


class MetricStatus(str, Enum):
    """A guarded release's per-phase status of one metric (``metricStatuses``)."""

    OK = "ok"
    REGRESSED = "regressed"
    REGRESSION_DISMISSED = "regression_dismissed"


#: A step's allocation is in thousandths of a percent: 100,000 is 100%. A guarded release keeps a
#: control group, so its steps go to 50% at most.
FULL_ALLOCATION = 100_000
GUARDED_MAX_ALLOCATION = 50_000
#: Releases per page of a flag's environment releases list (LaunchDarkly's maximum; default 25).
ENVIRONMENT_RELEASES_PAGE_SIZE = 100
#: The error code of a start that meets a running release (the earlier start may have been ours).
RELEASE_ALREADY_ACTIVE = "release_already_active"
#: The error code of a start refused by its health checks (``failingChecks`` names them).
HEALTH_CHECKS_FAILED = "health_checks_failed"
STEP_FIELDS = ("allocation", "durationMillis")


def values_of(enum: type[Enum]) -> tuple[str, ...]:
    """The wire values of a rule-book enum."""
    return tuple(member.value for member in enum)


def enum_value(param: str, value: Any, enum: type[Enum]) -> str:
    """Return ``value`` (a member or its wire value) as the wire value, if ``enum`` has it."""
    if isinstance(value, enum):
        return value.value
    return check.choice(param, value, values_of(enum))


def allocation_percent(allocation: Any) -> str:
    """``25000`` -> ``"25%"``, ``2500`` -> ``"2.5%"``: an allocation as a release manager reads it."""
    if isinstance(allocation, bool) or not isinstance(allocation, int):
        return "an unknown share"
    return f"{allocation / 1000:g}%"


def steps(param: str, value: Any, *, guarded: bool) -> list[dict[str, int]]:
    """Return a phase's ``steps``: allocations (thousandths of a percent) rising, durations in ms."""
    top = GUARDED_MAX_ALLOCATION if guarded else FULL_ALLOCATION
    accepted = (
        f"a non-empty list of {{'allocation': 1 to {top:,} (thousandths of a percent, rising from step to"
        f" step{'; a guarded release keeps a control group, so at most 50%' if guarded else ''}),"
        " 'durationMillis': 1 or more}"
    )
    if not isinstance(value, (list, tuple)) or not value:
        raise InvalidParameterError(param, value, accepted)
    found, previous = [], 0
    for step in value:
        if not isinstance(step, Mapping) or set(step) != set(STEP_FIELDS):
            raise InvalidParameterError(param, value, accepted)
        allocation, duration = step["allocation"], step["durationMillis"]
        if (
            isinstance(allocation, bool)
            or not isinstance(allocation, int)
            or not previous < allocation <= top
        ):
            raise InvalidParameterError(param, value, accepted)
        check.integer(f"{param}[].durationMillis", duration, minimum=1)
        found.append({"allocation": allocation, "durationMillis": duration})
        previous = allocation
    return found


def release_status(release: Mapping[str, Any]) -> EnvironmentReleaseStatus | None:
    """The :class:`EnvironmentReleaseStatus` of a release or phase, or ``None`` for an unknown one."""
    try:
        return EnvironmentReleaseStatus(release.get("status"))
    except ValueError:
        return None


def status_reason(release: Mapping[str, Any]) -> EnvironmentReleaseStatusReason | None:
    """The :class:`EnvironmentReleaseStatusReason` of a release or phase, or ``None``."""
    try:
        return EnvironmentReleaseStatusReason(release.get("statusReason"))
    except ValueError:
        return None


def flag_in_environment(project_key: str, flag_key: str, environment_key: str) -> str:
    """``flag 'f' in environment 'production' of project 'p'``, for messages."""
    return f"flag {flag_key!r} in environment {environment_key!r} of project {project_key!r}"


def describe_environment_release(release: Mapping[str, Any]) -> str:
    """``guarded release 5f0c... (status 'waiting')``, for messages."""
    kind = release.get("kind") or "environment"
    return f"{kind} release {release.get('id')} (status {release.get('status')!r})"


def regressed_metrics(phase: Mapping[str, Any]) -> list[str]:
    """The keys of the metrics a phase's ``metricStatuses`` shows regressed, sorted."""
    statuses = phase.get("metricStatuses")
    if not isinstance(statuses, Mapping):
        return []
    return sorted(str(key) for key, status in statuses.items() if status == MetricStatus.REGRESSED.value)
