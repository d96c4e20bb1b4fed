"""
The steps of the release chain and how their results are told (approval request, failure log).

Kept apart from :mod:`~airflow_provider_releases.operators.approval` so that a DAG without an
approval gate does not load Airflow's trigger machinery.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any

from airflow_provider_releases.exceptions import InvalidParameterError
from airflow_provider_releases.links.base import RELEASE_URL_XCOM_KEY
from airflow_provider_releases.rules import launchdarkly as ld_rules

#: The steps of the release chain, in order, by task id.
RELEASE_STEPS = (
    "create_aha_release",
    "create_cryptlex_release",
    "attach_flag_to_pipeline",
    "start_first_phase",
    "wait_for_phase",
    "annotate_amplitude",
    "ship_aha_release",
    "publish_cryptlex_release",
)
#: The steps of the release chain when it releases the flag with a LaunchDarkly environment release
#: (``release_chain(..., environment_release=...)``), in order, by task id.
ENVIRONMENT_RELEASE_STEPS = (
    "create_aha_release",
    "create_cryptlex_release",
    "start_environment_release",
    "wait_for_environment_release",
    "annotate_amplitude",
    "ship_aha_release",
    "publish_cryptlex_release",
)
#: The task id of the approval gate in the release chain (after ``wait_for_phase`` or
#: ``wait_for_environment_release``).
APPROVAL_STEP = "approve_release"
#: What ``required`` accepts, for error messages.
REQUIRED_FORM = (
    "True or False, or a template rendering to true or false (such as '{{ params.require_approval }}')"
)
DEFAULT_SUBJECT = "Ship and publish the release?"
#: What the release steps that ran returned, by task id: ``(result, web URL or None)``.
StepResults = Mapping[str, tuple[Mapping[str, Any], str | None]]


def approval_required(param: str, value: Any) -> bool:
    """
    Read whether approval is required from a boolean or the text a template renders to.

    :raises InvalidParameterError: anything else.
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise InvalidParameterError(param, value, REQUIRED_FORM)


def describe_step_result(step: str, result: Mapping[str, Any]) -> str:
    """Say in a few words what a release step's result is, with the vendor's ids; a link ends the text."""
    if step.endswith("aha_release"):
        ref = result.get("reference_num") or result.get("id")
        state = "shipped" if result.get("released") else "not shipped"
        name, url = result.get("name"), result.get("url")
        return f"Aha! release {ref} {name!r} (id {result.get('id')}, {state})" + (f" {url}" if url else "")
    if step.endswith("cryptlex_release"):
        state = "published" if result.get("published") else "draft"
        where = f" on channel {result['channel']}" if result.get("channel") else ""
        return f"Cryptlex release {result.get('id')} version {result.get('version')} ({state}){where}"
    if step == "attach_flag_to_pipeline":
        phases = ", ".join(str(phase.get("_name")) for phase in result.get("phases") or [])
        return f"LaunchDarkly release on pipeline {result.get('releasePipelineKey')} (phases {phases})"
    if step in ("start_first_phase", "wait_for_phase"):
        return f"LaunchDarkly phase {result.get('_name')!r} {phase_state(result)} (id {result.get('_id')})"
    if step.endswith("environment_release"):
        kind = f"{result['kind']} " if result.get("kind") else ""
        reason = f", {result['statusReason']}" if result.get("statusReason") else ""
        return (
            f"LaunchDarkly {kind}release {result.get('id')} of flag {result.get('flagKey')} "
            f"in {result.get('environmentKey')} ({result.get('status')}{reason})"
        )
    if step == APPROVAL_STEP:
        return describe_decision(result)
    return f"Amplitude release {result.get('id')} version {result.get('version')}"


def phase_state(phase: Mapping[str, Any]) -> str:
    """``complete``, ``started`` or ``not started``, by LaunchDarkly's rule book."""
    if ld_rules.phase_is_complete(phase):
        return "complete"
    return "started" if ld_rules.phase_is_started(phase) else "not started"


def describe_decision(result: Mapping[str, Any]) -> str:
    """Say what the approval gate's result (its XCom) records: who answered what, or that nobody was asked."""
    if result.get("approval_required") is False:
        return "no approval was required"
    chosen = ", ".join(result.get("chosen_options") or []) or "no answer"
    return f"{chosen} by {responder(result.get('responded_by_user'))}"


def responder(user: Any) -> str:
    """Name who answered a human-in-the-loop request (its ``responded_by_user``)."""
    if isinstance(user, Mapping):
        return str(user.get("name") or user.get("id") or "an unnamed user")
    return str(user) if user else "an unknown user"


def step_results(ti: Any, steps: Iterable[str] = RELEASE_STEPS) -> StepResults:
    """Return ``{step: (result, web URL)}`` for the release steps that ran, in the order of ``steps``."""
    found: dict[str, tuple[Mapping[str, Any], str | None]] = {}
    for step in steps:
        result = ti.xcom_pull(task_ids=step)
        if isinstance(result, Mapping) and not result.get("dry_run"):
            url = ti.xcom_pull(task_ids=step, key=RELEASE_URL_XCOM_KEY)
            found[step] = (dict(result), url if isinstance(url, str) and url else None)
    return found


def release_version(results: StepResults) -> str | None:
    """The version being released, from the first step result that names one (Cryptlex's, say)."""
    return next((str(result["version"]) for result, _ in results.values() if result.get("version")), None)


def list_what_exists(results: StepResults, *, markdown: bool = True) -> list[str]:
    """
    Return one list item per step result: what it is, its ids, and its link when it has one.

    :param markdown: Markdown (the approval request's body); else plain text, each link ending its line.
    """
    items = []
    for step, (result, url) in results.items():
        line = f"- `{step}`: " if markdown else f"- {step}: "
        line += describe_step_result(step, result)
        if url and url not in line:
            line += f" [open]({url})" if markdown else f" {url}"
        items.append(line)
    return items


def approval_body(results: StepResults, after: Collection[str]) -> str:
    """Return the Markdown body of the approval request; ``after``: the tasks that run only if approved."""
    version = release_version(results)
    lines = [f"### Release {version}" if version else "### Release", ""]
    lines += ["What exists now:", "", *(list_what_exists(results) or ["- nothing yet"]), ""]
    then = ", ".join(f"`{step}`" for step in after) or "the steps after this one"
    lines.append(f"**Approve** to run {then}: ship and publish the release and announce it.")
    lines.append(
        "**Reject** to skip them: nothing is shipped, published or announced, and everything listed"
        " above stays as it is."
    )
    return "\n".join(lines)
