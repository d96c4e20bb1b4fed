"""Waiting for an Aha! release to ship: one check, judged by the rule book."""

from __future__ import annotations

from typing import TYPE_CHECKING

from airflow_provider_releases.rules import aha as rules
from airflow_provider_releases.waits.outcome import READ_ERRORS, Outcome, read_failure, unreadable

if TYPE_CHECKING:
    from airflow_provider_releases.hooks.aha import AhaHook

#: Fields of an Aha! release returned by ``AhaReleaseShippedSensor``.
AHA_RELEASE_FIELDS = ("id", "reference_num", "name", "released_on", "url")


def check_aha_release_shipped(hook: AhaHook, release_id: str | int) -> Outcome:
    """
    Read the Aha! release once and say whether it is shipped
    (:func:`~airflow_provider_releases.rules.aha.is_shipped`: ``released`` is true).

    Done with the release's :data:`AHA_RELEASE_FIELDS`; an error when the release does not
    exist, the credentials are refused, or the answer does not say whether it is released.
    Never raises for an API failure (see :func:`~.outcome.read_failure`).
    """
    subject = f"Aha! release {release_id!r}"
    try:
        release = hook.get_release(release_id)
    except READ_ERRORS as exc:
        return read_failure(hook, exc, subject, not_found="no such release in Aha!, so it can never ship")
    shipped = rules.is_shipped(release) if isinstance(release, dict) else None
    if shipped is None:
        why = "Aha! answered without a 'released' field, so whether it shipped cannot be told"
        return unreadable(hook, subject, why, release)
    if shipped:
        return Outcome.done({field: release.get(field) for field in AHA_RELEASE_FIELDS})
    named = f"{subject} ({release['name']!r})" if release.get("name") else subject
    status = rules.workflow_status_name(release)
    state = f" (workflow status {status!r})" if status else ""
    return Outcome.pending(f"{named} is not shipped yet{state}.")
