"""LaunchDarkly's rules for starting an environment release: the request body, inline or from a plan."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from airflow_provider_releases.exceptions import InvalidParameterError
from airflow_provider_releases.rules.launchdarkly import (
    AdvancementMode,
    CleanupBehavior,
    HealthCheckKind,
    enum_value,
    is_json_object,
    key,
    steps,
    values_of,
)
from airflow_provider_releases.utils import validation as check

PHASE_FIELDS = ("ruleId", "clauses", "description", "steps")
METRIC_FIELDS = ("metricKey", "autoRollback")


def kind_clause(randomization_unit: str) -> dict[str, Any]:
    """The clause every phase's rule must hold, so the release reaches only that context kind."""
    return {
        "contextKind": randomization_unit,
        "attribute": "kind",
        "op": "in",
        "values": [randomization_unit],
    }


def phase_list(value: Any, *, guarded: bool, randomization_unit: str | None) -> list[dict[str, Any]]:
    """
    Return a release's inline ``phases``: each an existing rule (``ruleId``, single-phase releases
    only) or a new rule (``clauses`` holding :func:`kind_clause`, optional ``description``), with ``steps``.
    """
    accepted = (
        "a non-empty list of phases, each a dict with 'steps' and either 'ruleId' (a single-phase"
        " release only) or 'clauses' (with an optional 'description')"
    )
    if not isinstance(value, (list, tuple)) or not value:
        raise InvalidParameterError("phases", value, accepted)
    found = []
    for index, phase in enumerate(value):
        where = f"phases[{index}]"
        if not isinstance(phase, Mapping) or not set(phase) <= set(PHASE_FIELDS) or "steps" not in phase:
            raise InvalidParameterError(where, phase, accepted)
        if ("ruleId" in phase) == ("clauses" in phase):
            raise InvalidParameterError(where, phase, "exactly one of 'ruleId' and 'clauses'")
        item: dict[str, Any] = {}
        if "ruleId" in phase:
            if len(value) > 1:
                raise InvalidParameterError(
                    where, phase, "'clauses' here: only a single-phase release may use 'ruleId'"
                )
            item["ruleId"] = check.text(f"{where}.ruleId", phase["ruleId"])
        else:
            item["clauses"] = clauses(f"{where}.clauses", phase["clauses"], randomization_unit)
            if phase.get("description") is not None:
                item["description"] = check.text(f"{where}.description", phase["description"])
        item["steps"] = steps(f"{where}.steps", phase["steps"], guarded=guarded)
        found.append(item)
    return found


def clauses(param: str, value: Any, randomization_unit: str | None) -> list[dict[str, Any]]:
    """Return a new rule's ``clauses``, which must hold :func:`kind_clause` of the randomization unit."""
    accepted = "a non-empty list of clause dicts with 'attribute', 'op' and 'values'"
    if not isinstance(value, (list, tuple)) or not value:
        raise InvalidParameterError(param, value, accepted)
    for clause in value:
        if not is_json_object(clause) or not {"attribute", "op", "values"} <= set(clause):
            raise InvalidParameterError(param, value, accepted)
    if randomization_unit is not None:
        wanted = kind_clause(randomization_unit)
        if not any(_is_kind_clause(clause, wanted) for clause in value):
            raise InvalidParameterError(
                param, value, f"clauses that include {wanted} so the release reaches only that context kind"
            )
    return [dict(clause) for clause in value]


def _is_kind_clause(clause: Mapping[str, Any], wanted: Mapping[str, Any]) -> bool:
    return all(clause.get(name) == wanted[name] for name in wanted) and not clause.get("negate")


def metric_list(value: Any) -> list[dict[str, Any]]:
    """Return a guarded release's ``metrics``: metric keys, or dicts of ``metricKey`` and ``autoRollback``."""
    accepted = (
        "a list of metric keys, or of dicts with 'metricKey' and optionally 'autoRollback' (True/False)"
    )
    if not isinstance(value, (list, tuple)):
        raise InvalidParameterError("metrics", value, accepted)
    found = []
    for metric in value:
        if isinstance(metric, str):
            metric = {"metricKey": metric}
        if not isinstance(metric, Mapping) or not set(metric) <= set(METRIC_FIELDS):
            raise InvalidParameterError("metrics", value, accepted)
        item = {"metricKey": check.text("metrics[].metricKey", metric.get("metricKey"))}
        if metric.get("autoRollback") is not None:
            item["autoRollback"] = check.boolean("metrics[].autoRollback", metric["autoRollback"])
        found.append(item)
    return found


def start_request(*, target_variation_id: Any, original_variation_id: Any, **settings: Any) -> dict[str, Any]:
    """
    Return the body that starts an environment release of one variation over another.

    :param settings: the keyword arguments of :func:`release_settings`.
    :raises InvalidParameterError: a value is wrong, or the values do not go together.
    """
    body: dict[str, Any] = {
        "targetVariationId": check.text("target_variation_id", target_variation_id),
        "originalVariationId": check.text("original_variation_id", original_variation_id),
    }
    if body["targetVariationId"] == body["originalVariationId"]:
        raise InvalidParameterError(
            "target_variation_id", target_variation_id, "a variation other than original_variation_id"
        )
    return {**body, **release_settings(**settings)}


def release_settings(
    *,
    release_plan_key: Any = None,
    phases: Any = None,
    metrics: Any = None,
    advancement_mode: Any = None,
    randomization_unit: Any = None,
    cleanup_behavior: Any = None,
    before_rule_id: Any = None,
    bypass_health_checks: Any = None,
    comment: Any = None,
) -> dict[str, Any]:
    """
    Return the start body's fields besides the variations: inline settings, or a release plan's key.

    :raises InvalidParameterError: a value is wrong, or the values do not go together (a plan key
        with inline settings, a multi-phase release without ``advancement_mode``...).
    """
    body: dict[str, Any] = {}
    inline = {
        "phases": phases,
        "metrics": metrics,
        "advancement_mode": advancement_mode,
        "randomization_unit": randomization_unit,
        "cleanup_behavior": cleanup_behavior,
    }
    if release_plan_key is not None:
        body["releasePlanKey"] = key("release_plan_key", release_plan_key)
        given_inline = sorted(name for name, given in inline.items() if given not in (None, [], ()))
        if given_inline:
            raise InvalidParameterError(
                "release_plan_key",
                release_plan_key,
                f"no inline settings beside it: the plan supplies them; leave out {', '.join(given_inline)}",
            )
    else:
        if phases is None:
            raise InvalidParameterError(
                "phases", phases, "the release's phases, or a release_plan_key to start from a plan"
            )
        unit = (
            check.text("randomization_unit", randomization_unit) if randomization_unit is not None else None
        )
        if unit is None:
            raise InvalidParameterError(
                "randomization_unit",
                randomization_unit,
                "the context kind the release randomizes on, such as 'user'",
            )
        chosen = [] if metrics is None else metric_list(metrics)
        body["randomizationUnit"] = unit
        body["phases"] = phase_list(phases, guarded=bool(chosen), randomization_unit=unit)
        if chosen:
            body["metrics"] = chosen
        if advancement_mode is not None:
            body["advancementMode"] = enum_value("advancement_mode", advancement_mode, AdvancementMode)
        elif len(body["phases"]) > 1:
            raise InvalidParameterError(
                "advancement_mode",
                advancement_mode,
                "'manual' or 'automatic': a multi-phase release needs one",
            )
        if cleanup_behavior is not None:
            body["cleanupBehavior"] = enum_value("cleanup_behavior", cleanup_behavior, CleanupBehavior)
    if before_rule_id is not None:
        body["beforeRuleId"] = check.text("before_rule_id", before_rule_id)
    if bypass_health_checks is not None:
        body["bypassHealthChecks"] = health_check_kinds(bypass_health_checks)
    if comment is not None:
        body["comment"] = check.text("comment", comment)
    return body


def health_check_kinds(value: Any) -> list[str]:
    """Return ``bypass_health_checks``: a list of :class:`HealthCheckKind` values."""
    accepted = "a list of health check kinds among " + ", ".join(map(repr, values_of(HealthCheckKind)))
    if not isinstance(value, (list, tuple)):
        raise InvalidParameterError("bypass_health_checks", value, accepted)
    for kind in value:
        if (kind.value if isinstance(kind, HealthCheckKind) else kind) not in values_of(HealthCheckKind):
            raise InvalidParameterError("bypass_health_checks", value, accepted)
    return [enum_value("bypass_health_checks", kind, HealthCheckKind) for kind in value]


def variation_id(param: str, given: Any, variations: Any, flag_key: str) -> str:
    """
    Return the ``_id`` of the flag's variation ``given`` names: its ``_id``, else its value.

    :raises InvalidParameterError: no variation (or more than one) has that id or value.
    """
    found = [item for item in variations or () if isinstance(item, Mapping)]
    by_id = [item for item in found if isinstance(given, str) and item.get("_id") == given]
    by_value = [item for item in found if _same_value(item.get("value"), given)]
    matches = by_id or by_value
    if len(matches) == 1 and isinstance(matches[0].get("_id"), str):
        return matches[0]["_id"]
    listed = "; ".join(f"{item.get('value')!r} (id {item.get('_id')})" for item in found) or "none"
    problem = "more than one has that value, so give its id" if len(matches) > 1 else "its variations are"
    raise InvalidParameterError(
        param, given, f"the value or _id of a variation of flag {flag_key!r} ({problem}: {listed})"
    )


def _same_value(value: Any, given: Any) -> bool:
    """Equal as JSON values: ``True`` is not ``1``, ``1`` is ``1.0``."""
    if isinstance(value, bool) or isinstance(given, bool):
        return value is given
    return value == given
