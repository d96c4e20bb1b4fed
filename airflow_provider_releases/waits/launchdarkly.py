"""Waiting for a phase of a LaunchDarkly flag release to complete: one check, judged by the rule book."""

from __future__ import annotations

from typing import TYPE_CHECKING

from airflow_provider_releases.exceptions import InvalidParameterError
from airflow_provider_releases.rules import launchdarkly as rules
from airflow_provider_releases.waits.outcome import READ_ERRORS, Outcome, read_failure, unreadable

if TYPE_CHECKING:
    from airflow_provider_releases.hooks.launchdarkly import LaunchDarklyHook


def check_launchdarkly_release_phase(
    hook: LaunchDarklyHook, project_key: str, flag_key: str, phase: str | int
) -> Outcome:
    """
    Read the flag's release once and say whether ``phase`` is complete.

    ``phase`` is found by :func:`~airflow_provider_releases.rules.launchdarkly.find_phase` (a
    name, an id, or a 0-based position) and is complete when
    :func:`~airflow_provider_releases.rules.launchdarkly.phase_is_complete` says so. Done with
    the phase dict; an error when the release was canceled (even after the phase completed),
    when the flag has no release, when no phase matches, or when the read failed for good.
    Never raises for an API failure (see :func:`~.outcome.read_failure`).
    """
    subject = f"LaunchDarkly release of flag {flag_key!r} in project {project_key!r}"
    no_release = f"the flag has no release (or the flag or project does not exist), so phase {phase!r}"
    try:
        release = hook.get_flag_release(project_key, flag_key)
    except READ_ERRORS as exc:
        return read_failure(
            hook,
            exc,
            subject,
            not_found=f"{no_release} can never complete; attach the flag to a release pipeline first",
        )
    if release is None:
        return Outcome.failed(
            f"{subject}: the flag has no release (LaunchDarkly answered with an empty body), so phase "
            f"{phase!r} can never complete; attach the flag to a release pipeline first."
        )
    if not isinstance(release, dict) or not isinstance(release.get("phases") or [], list):
        return unreadable(
            hook, subject, "LaunchDarkly answered with something that is not a release", release
        )
    phases = [item for item in release.get("phases") or [] if isinstance(item, dict)]
    try:
        index = rules.find_phase(phases, phase)
    except InvalidParameterError as exc:
        return Outcome.failed(f"{subject}: {exc}")
    canceled = rules.canceled_at(release)
    if canceled:
        when = rules.describe_moment(canceled)
        if index is None:
            return Outcome.failed(f"{subject} was canceled at {when}; phase {phase!r} will never complete.")
        label = rules.phase_label(phases[index], index)
        if rules.phase_is_complete(phases[index]):
            return Outcome.failed(
                f"{subject} was canceled at {when}, after phase {label} had completed; a canceled "
                "release is not treated as done."
            )
        return Outcome.failed(f"{subject} was canceled at {when}; phase {label} will never complete.")
    if index is None:
        return Outcome.failed(f"{subject}: no phase matches {phase!r}; {_the_phases(phases)}.")
    found = phases[index]
    if rules.phase_is_complete(found):
        return Outcome.done(found)
    status = found.get("status")
    state = f" (status {status!r})" if status else ""
    return Outcome.pending(f"{subject}: phase {rules.phase_label(found, index)} is not complete yet{state}.")


def _the_phases(phases: list[dict]) -> str:
    return f"the phases are: {rules.describe_phases(phases)}" if phases else "the release has no phases"
