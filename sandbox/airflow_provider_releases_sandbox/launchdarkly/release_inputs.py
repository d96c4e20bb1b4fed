"""
The checks of environment-release request bodies (``StartEnvironmentReleaseRequest``,
``StopEnvironmentReleaseRequest``) and of the plans registered through the control API: each
answers LaunchDarkly's 400 and takes its forms from
:mod:`airflow_provider_releases_sandbox.launchdarkly.rules`. Fields a schema does not name are
ignored, as LaunchDarkly's API description says.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any, TypeVar

from airflow_provider_releases_sandbox.launchdarkly.inputs import error
from airflow_provider_releases_sandbox.launchdarkly.records import Flag
from airflow_provider_releases_sandbox.launchdarkly.rules import (
    MAX_ALLOCATION,
    MAX_GUARDED_ALLOCATION,
    PLAN_FIELDS,
    AdvancementMode,
    CleanupBehavior,
    HealthCheckKind,
    Resolution,
    kind_clause,
)

EnumT = TypeVar("EnumT", bound=Enum)


@dataclass
class PhaseSpec:
    """A phase as asked: an existing rule (``rule_id``) or a new one, and its steps."""

    rule_id: str | None
    description: str | None
    steps: list[tuple[int, int]]  # (allocation, durationMillis)


@dataclass
class PlanSpec:
    """The fields a plan supplies, checked: what a release runs."""

    randomization_unit: str
    phases: list[PhaseSpec]
    metrics: list[tuple[str, bool]] = field(default_factory=list)  # (metricKey, autoRollback)
    advancement_mode: AdvancementMode = AdvancementMode.AUTOMATIC
    cleanup_behavior: CleanupBehavior = CleanupBehavior.LEAVE_RULES_IN_PLACE


@dataclass
class StartSpec:
    """A ``StartEnvironmentReleaseRequest``, checked; ``plan`` is ``None`` when it names a plan."""

    target_variation_id: str
    original_variation_id: str
    release_plan_key: str | None
    plan: PlanSpec | None
    bypass: frozenset[HealthCheckKind]


def enum_value(kind: type[EnumT], value: Any, where: str) -> EnumT:
    """``value`` as a member of ``kind``, or 400 listing the accepted values."""
    try:
        return kind(value)
    except ValueError:
        accepted = ", ".join(str(member.value) for member in kind)
        raise error(400, f"{where} {value!r} is not one of {accepted}") from None


def optional_text(body: dict[str, Any], name: str) -> str | None:
    """The optional non-empty string ``body[name]`` (``null`` is absent)."""
    value = body.get(name)
    if value is not None and (not isinstance(value, str) or not value):
        raise error(400, f"{name} must be a non-empty string, not {value!r}")
    return value


def is_integer(value: Any) -> bool:
    """Whether ``value`` is a JSON integer (not a boolean)."""
    return isinstance(value, int) and not isinstance(value, bool)


def steps(raw: Any, where: str, guarded: bool) -> list[tuple[int, int]]:
    """A phase's ``steps``: allocations rising, each at most 100% (50% for a guarded release)."""
    if not isinstance(raw, list) or not raw:
        raise error(400, f"{where}.steps is required: a non-empty array of steps")
    found: list[tuple[int, int]] = []
    ceiling = MAX_GUARDED_ALLOCATION if guarded else MAX_ALLOCATION
    for number, step in enumerate(raw):
        here = f"{where}.steps[{number}]"
        if not isinstance(step, dict):
            raise error(400, f"{here} must be an object with allocation and durationMillis")
        allocation, duration = step.get("allocation"), step.get("durationMillis")
        if not is_integer(allocation) or not 1 <= allocation <= MAX_ALLOCATION:
            raise error(
                400,
                f"{here}.allocation must be an integer from 1 to {MAX_ALLOCATION} thousandths of a percent",
            )
        if allocation > ceiling:
            raise error(
                400,
                f"{here}.allocation {allocation} exceeds {MAX_GUARDED_ALLOCATION} (50%): a guarded "
                "release keeps a control group",
            )
        if not is_integer(duration) or duration < 1:
            raise error(400, f"{here}.durationMillis must be a positive integer of milliseconds")
        if found and allocation <= found[-1][0]:
            raise error(400, f"{here}.allocation must be greater than the previous step's ({found[-1][0]})")
        found.append((allocation, duration))
    return found


def clauses(raw: Any, where: str, unit: str) -> None:
    """A new rule's ``clauses``: well formed, one of them the ``kind`` clause of ``unit``."""
    if not isinstance(raw, list) or not raw:
        raise error(400, f"{where}.clauses must be a non-empty array of clauses")
    for number, clause in enumerate(raw):
        here = f"{where}.clauses[{number}]"
        if not isinstance(clause, dict):
            raise error(400, f"{here} must be an object with attribute, op and values")
        for name in ("attribute", "op"):
            if not isinstance(clause.get(name), str) or not clause[name]:
                raise error(400, f"{here}.{name} is required: a non-empty string")
        values = clause.get("values")
        if not isinstance(values, list) or any(
            isinstance(item, (dict, list)) or item is None for item in values
        ):
            raise error(400, f"{here}.values must be an array of strings, numbers or booleans")
    wanted = kind_clause(unit)
    if not any(
        {key: clause.get(key) for key in wanted} == wanted and not clause.get("negate") for clause in raw
    ):
        raise error(
            400,
            f"{where}: the rule must include the clause {wanted} (not negated) so the release "
            f"only reaches {unit!r} contexts",
        )


def phases(raw: Any, unit: str, guarded: bool) -> list[PhaseSpec]:
    """The ``phases``: each an existing rule (single-phase releases only) or new clauses."""
    if not isinstance(raw, list) or not raw:
        raise error(400, "phases is required: a non-empty array of phases")
    found: list[PhaseSpec] = []
    for number, phase in enumerate(raw):
        where = f"phases[{number}]"
        if not isinstance(phase, dict):
            raise error(400, f"{where} must be an object with ruleId or clauses, and steps")
        rule_id, has_clauses = phase.get("ruleId"), phase.get("clauses") is not None
        if (rule_id is None) == (not has_clauses):
            raise error(
                400, f"{where} must set exactly one of ruleId (an existing rule) or clauses (a new rule)"
            )
        description = None
        if rule_id is not None:
            if not isinstance(rule_id, str) or not rule_id:
                raise error(400, f"{where}.ruleId must be a non-empty string")
            if len(raw) > 1:
                raise error(400, f"{where}.ruleId: only a single-phase release can use an existing rule")
        else:
            clauses(phase["clauses"], where, unit)
            description = optional_text(phase, "description")
            if description is not None and any(item.description == description for item in found):
                raise error(400, f"{where}.description: duplicate rule description not allowed")
        found.append(PhaseSpec(rule_id, description, steps(phase.get("steps"), where, guarded)))
    return found


def metrics(raw: Any) -> list[tuple[str, bool]]:
    """The ``metrics`` (empty: a progressive release), each listed once."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise error(400, "metrics must be an array of metrics")
    found: list[tuple[str, bool]] = []
    for number, metric in enumerate(raw):
        where = f"metrics[{number}]"
        if (
            not isinstance(metric, dict)
            or not isinstance(metric.get("metricKey"), str)
            or not metric["metricKey"]
        ):
            raise error(400, f"{where}.metricKey is required: a non-empty string")
        rollback = metric.get("autoRollback")
        if rollback is not None and not isinstance(rollback, bool):
            raise error(400, f"{where}.autoRollback must be true or false")
        if any(key == metric["metricKey"] for key, _ in found):
            raise error(400, f"{where}: metric {metric['metricKey']!r} is listed twice")
        found.append((metric["metricKey"], bool(rollback)))
    return found


def plan_fields(body: dict[str, Any]) -> PlanSpec:
    """The fields a plan supplies (inline in a start, or a registered plan), checked."""
    unit = body.get("randomizationUnit")
    if not isinstance(unit, str) or not unit:
        raise error(400, "randomizationUnit is required: the key of a context kind, such as 'user'")
    watched = metrics(body.get("metrics"))
    found = phases(body.get("phases"), unit, guarded=bool(watched))
    mode = body.get("advancementMode")
    if mode is None and len(found) > 1:
        raise error(400, "advancementMode is required for a multi-phase release: manual or automatic")
    cleanup = body.get("cleanupBehavior")
    return PlanSpec(
        randomization_unit=unit,
        phases=found,
        metrics=watched,
        advancement_mode=enum_value(AdvancementMode, mode or "automatic", "advancementMode"),
        cleanup_behavior=enum_value(CleanupBehavior, cleanup or "leave_rules_in_place", "cleanupBehavior"),
    )


def variation_id(body: dict[str, Any], name: str, flag: Flag) -> str:
    """``body[name]``: the id of one of ``flag``'s variations."""
    value = body.get(name)
    if not isinstance(value, str) or not value:
        raise error(400, f"{name} is required: the _id of one of the flag's variations")
    if value not in {item.id for item in flag.variations}:
        raise error(400, f"{name} {value!r} is not a variation of flag {flag.key!r}")
    return value


def start_request(body: dict[str, Any], flag: Flag) -> StartSpec:
    """A ``StartEnvironmentReleaseRequest``, checked (a plan's own fields are checked at start)."""
    target = variation_id(body, "targetVariationId", flag)
    original = variation_id(body, "originalVariationId", flag)
    if target == original:
        raise error(400, "targetVariationId and originalVariationId must be different variations")
    for name in ("comment", "beforeRuleId"):
        optional_text(body, name)
    bypass = body.get("bypassHealthChecks") or []
    if not isinstance(bypass, list):
        raise error(400, "bypassHealthChecks must be an array of health check kinds")
    kinds = frozenset(enum_value(HealthCheckKind, kind, "bypassHealthChecks") for kind in bypass)
    plan_key = optional_text(body, "releasePlanKey")
    if plan_key is None:
        return StartSpec(target, original, None, plan_fields(body), kinds)
    supplied = [name for name in PLAN_FIELDS if body.get(name) is not None]
    if supplied:
        raise error(
            400,
            f"releasePlanKey {plan_key!r} supplies {', '.join(PLAN_FIELDS)}: omit {', '.join(supplied)}",
        )
    return StartSpec(target, original, plan_key, None, kinds)


def stop_request(body: dict[str, Any]) -> Resolution:
    """A ``StopEnvironmentReleaseRequest``: its ``resolution``."""
    optional_text(body, "comment")
    if body.get("resolution") is None:
        raise error(400, "resolution is required: " + ", ".join(item.value for item in Resolution))
    return enum_value(Resolution, body["resolution"], "resolution")
