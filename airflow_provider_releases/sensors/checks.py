"""The one evaluation path of the release sensors and their triggers.

Each ``check_*`` function reads the vendor once through a hook and returns an *outcome*: a
plain, JSON-able dict.

- ``{"status": "done", "value": {...}}``: the wait is over; ``value`` is the sensor's result.
- ``{"status": "pending", "message": "...", "transient": bool}``: not yet; ``transient`` says
  the vendor could not be read (rate limit, 5xx, no response) and will be asked again.
- ``{"status": "error", "message": "..."}``: the wait can never succeed (a canceled release,
  a missing phase, refused credentials, an object that does not exist); fail at once.

The sensor's ``poke`` and the trigger's ``run`` both call these functions, so a deferred sensor
reaches the same result, or the same error, as a sensor that pokes. Nothing here raises for an
API failure: the failure becomes an outcome. Other exceptions (a bug, a missing Airflow
connection) propagate and fail the task in both modes alike.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from airflow_provider_releases.exceptions import (
    ConnectionConfigError,
    InvalidParameterError,
    ReleasesApiAuthError,
    ReleasesApiConnectionError,
    ReleasesApiError,
    ReleasesApiMalformedResponseError,
    ReleasesApiNotFoundError,
    ReleasesApiRateLimitError,
    ReleasesApiServerError,
    excerpt,
)
from airflow_provider_releases.hooks.launchdarkly import describe_phases, find_phase

if TYPE_CHECKING:
    from airflow_provider_releases.hooks.aha import AhaHook
    from airflow_provider_releases.hooks.base import ReleasesBaseHook
    from airflow_provider_releases.hooks.cryptlex import CryptlexHook
    from airflow_provider_releases.hooks.launchdarkly import LaunchDarklyHook

Outcome = dict[str, Any]

DONE = "done"
PENDING = "pending"
ERROR = "error"
TIMEOUT = "timeout"  # only in trigger events: the sensor's timeout passed while pending

# Failures worth asking again about on the next poke: the vendor may answer normally then.
TRANSIENT_ERRORS = (
    ReleasesApiRateLimitError,
    ReleasesApiServerError,
    ReleasesApiConnectionError,
    ReleasesApiMalformedResponseError,
)

# Fields of an Aha! release returned by AhaReleaseShippedSensor.
AHA_RELEASE_FIELDS = ("id", "reference_num", "name", "released_on", "url")
# Fields of a Cryptlex release returned by CryptlexReleasePublishedSensor.
CRYPTLEX_RELEASE_FIELDS = ("id", "name", "version", "channel", "productId", "published", "publishedAt")

_EPOCH_MS_FLOOR = 1e12  # LaunchDarkly sends times as epoch milliseconds


def done(value: Any) -> Outcome:
    """The wait is over; ``value`` (JSON-able) is what the sensor returns."""
    return {"status": DONE, "value": value}


def pending(message: str, *, transient: bool = False) -> Outcome:
    """Not yet; ``message`` says what was seen. ``transient``: the vendor could not be read."""
    return {"status": PENDING, "message": message, "transient": transient}


def failed(message: str) -> Outcome:
    """The wait can never succeed; ``message`` says why, for a release manager."""
    return {"status": ERROR, "message": message}


def api_failure(hook: ReleasesBaseHook, exc: Exception, subject: str, *, not_found: str) -> Outcome:
    """
    Turn a failed read into an outcome: transient failures are pending, the rest errors.

    :param subject: what was being read, for example ``"Aha! release 'PRJ1-R-1'"``.
    :param not_found: what a 404 means here, said to a release manager.
    """
    detail = hook.redact(str(exc))
    if isinstance(exc, TRANSIENT_ERRORS):
        return pending(
            f"{subject}: {hook.service} could not be read this time; will check again. {detail}",
            transient=True,
        )
    if isinstance(exc, ReleasesApiNotFoundError):
        return failed(f"{subject}: {not_found}. {detail}")
    if isinstance(exc, ReleasesApiAuthError):
        return failed(
            f"{subject}: {hook.service} refused the credentials of connection {hook.conn_id!r} or they "
            f"lack permission. {detail}"
        )
    return failed(f"{subject}: {detail}")


_READ_ERRORS = (ReleasesApiError, InvalidParameterError, ConnectionConfigError)


# LaunchDarkly


def check_launchdarkly_release_phase(
    hook: LaunchDarklyHook, project_key: str, flag_key: str, phase: str | int
) -> Outcome:
    """
    Read the flag's release once and say whether ``phase`` is complete.

    ``phase`` is a phase's name (``_name``), its id (``_id``), or its 0-based position (an int,
    or a string of digits that is no phase's name or id). A phase is complete when its
    ``complete`` is ``true``. Done with the phase dict; an error when the release was canceled
    (``_canceledAt``), when the flag has no release, or when no phase matches.
    """
    subject = f"LaunchDarkly release of flag {flag_key!r} in project {project_key!r}"
    try:
        release = hook.get_flag_release(project_key, flag_key)
    except _READ_ERRORS as exc:
        return api_failure(
            hook,
            exc,
            subject,
            not_found=(
                f"the flag has no release (or the flag or project does not exist), so phase {phase!r} "
                "can never complete; attach the flag to a release pipeline first"
            ),
        )
    if release is None:
        return failed(
            f"{subject}: the flag has no release (LaunchDarkly answered with an empty body), so phase "
            f"{phase!r} can never complete; attach the flag to a release pipeline first."
        )
    if not isinstance(release, dict) or not isinstance(release.get("phases") or [], list):
        return failed(
            f"{subject}: LaunchDarkly answered with something that is not a release: "
            f"{excerpt(hook.redact(repr(release)))}"
        )
    phases = [item for item in release.get("phases") or [] if isinstance(item, dict)]
    try:
        index = find_phase(phases, phase)
    except InvalidParameterError as exc:
        return failed(f"{subject}: {exc}")
    canceled_at = release.get("_canceledAt")
    if canceled_at:
        when = _moment(canceled_at)
        if index is None:
            return failed(f"{subject} was canceled at {when}; phase {phase!r} will never complete.")
        label = _phase_label(phases[index], index)
        if phases[index].get("complete") is True:
            return failed(
                f"{subject} was canceled at {when}, after phase {label} had completed; a canceled "
                "release is not treated as done."
            )
        return failed(f"{subject} was canceled at {when}; phase {label} will never complete.")
    if index is None:
        if not phases:
            return failed(f"{subject}: no phase matches {phase!r}; the release has no phases.")
        return failed(f"{subject}: no phase matches {phase!r}; the phases are: {describe_phases(phases)}.")
    found = phases[index]
    label = _phase_label(found, index)
    if found.get("complete") is True:
        return done(found)
    status = found.get("status")
    state = f" (status {status!r})" if status else ""
    return pending(f"{subject}: phase {label} is not complete yet{state}.")


def _name_of(phase: dict[str, Any]) -> str:
    return str(phase.get("_name") or phase.get("name") or "(unnamed)")


def _phase_label(phase: dict[str, Any], index: int) -> str:
    return f"{_name_of(phase)!r} (position {index}, id {phase.get('_id')})"


def _moment(value: Any) -> str:
    """Render a LaunchDarkly time (epoch milliseconds, as a number or string) readably in UTC."""
    number: float | None = None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str) and value.strip().isdigit():
        number = float(value.strip())
    if number is None:
        return str(value)
    seconds = number / 1000 if number >= _EPOCH_MS_FLOOR else number
    try:
        moment = dt.datetime.fromtimestamp(seconds, tz=dt.timezone.utc)
    except (OverflowError, OSError, ValueError):
        return str(value)
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


# Aha!


def check_aha_release_shipped(hook: AhaHook, release_id: str | int) -> Outcome:
    """
    Read the Aha! release once and say whether it is shipped (``released`` is true).

    Done with the release's ``id``, ``reference_num``, ``name``, ``released_on`` and ``url``;
    an error when the release does not exist, the credentials are refused, or the answer does
    not say whether it is released.
    """
    subject = f"Aha! release {release_id!r}"
    try:
        release = hook.get_release(release_id)
    except _READ_ERRORS as exc:
        return api_failure(hook, exc, subject, not_found="no such release in Aha!, so it can never ship")
    if not isinstance(release, dict) or "released" not in release:
        return failed(
            f"{subject}: Aha! answered without a 'released' field, so whether it shipped cannot be told: "
            f"{excerpt(hook.redact(repr(release)))}"
        )
    named = f"{subject} ({release['name']!r})" if release.get("name") else subject
    if release["released"] is True:
        return done({field: release.get(field) for field in AHA_RELEASE_FIELDS})
    workflow = release.get("workflow_status")
    status = workflow.get("name") if isinstance(workflow, dict) else None
    state = f" (workflow status {status!r})" if status else ""
    return pending(f"{named} is not shipped yet{state}.")


# Cryptlex


def check_cryptlex_release_published(hook: CryptlexHook, release_id: str) -> Outcome:
    """
    Read the Cryptlex release once and say whether it is published.

    The vendor's release schema carries both ``published`` (bool) and ``publishedAt``; which of
    them an unpublished release leaves empty is unconfirmed, so: a boolean ``published`` decides;
    without one, a non-empty ``publishedAt`` means published. A record with neither field is an
    error (there is nothing to wait on). Done with the release's ``id``, ``name``, ``version``,
    ``channel``, ``productId``, ``published`` and ``publishedAt``.
    """
    subject = f"Cryptlex release {release_id!r}"
    try:
        release = hook.get_release(release_id)
    except _READ_ERRORS as exc:
        return api_failure(
            hook, exc, subject, not_found="no such release in Cryptlex, so it can never publish"
        )
    if not isinstance(release, dict) or ("published" not in release and "publishedAt" not in release):
        return failed(
            f"{subject}: Cryptlex answered without 'published' or 'publishedAt', so whether it is "
            f"published cannot be told: {excerpt(hook.redact(repr(release)))}"
        )
    flag = release.get("published")
    is_published = flag if isinstance(flag, bool) else release.get("publishedAt") not in (None, "")
    if is_published:
        return done({field: release.get(field) for field in CRYPTLEX_RELEASE_FIELDS})
    named = (
        f"{subject} ({release['name']!r}, version {release.get('version')})"
        if release.get("name")
        else subject
    )
    return pending(f"{named} is not published yet.")


def timeout_message(waiting_for: str, timeout: float, last: str | None) -> str:
    """The message of a sensor that timed out, the same in both modes; ``last``: the last check."""
    text = f"Timed out waiting for {waiting_for} after the sensor's timeout of {timeout:g} s"
    return f"{text}. Last check: {last}" if last else f"{text}."
