"""Aha!'s documented rules: ids, release fields and their value lists, paging, shipment."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from typing import Any

from airflow_provider_releases.exceptions import InvalidParameterError
from airflow_provider_releases.utils import validation as check

#: Product and release ids or keys (``"PRJ1"``, ``"PRJ1-R-1"``, ``6776...``).
ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
#: The account name of ``https://<subdomain>.aha.io``.
SUBDOMAIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]*")
#: The most items a page holds (``per_page``).
MAX_PER_PAGE = 200

EXTERNAL_DATE_RESOLUTIONS = ("sync", "exact", "week", "month", "quarter", "half", "year")
CAPACITY_UNITS = ("time", "story_points")
PROGRESS_SOURCES = (
    "progress_manual",
    "progress_from_features",
    "progress_from_release_phases",
    "progress_from_todos",
    "progress_from_remaining_estimate",
    "progress_from_features_completed",
    "progress_from_epics",
)
DURATION_SOURCES = ("duration_manual", "duration_from_release_phases_features", "duration_from_sub_releases")
MANUAL_PROGRESS = "progress_manual"
#: Time such as ``2d 1h`` (units min, h, d, w, m) or story points such as ``4p``.
CAPACITY_TEXT = re.compile(
    r"\s*(?:[0-9]+(?:\.[0-9]+)?\s*(?:min|h|d|w|m)\s*)+|\s*[0-9]+(?:\.[0-9]+)?\s*p\s*",
    re.IGNORECASE | re.ASCII,
)
CAPACITY_TEXT_FORM = "time such as '2d 1h' (units min, h, d, w, m) or story points such as '4p'"
#: The fields of a single release that say whether it shipped (list items lack them).
SHIPPED_FIELD = "released"


def path_id(param: str, value: Any) -> str:
    """Return a product or release id or key (see :data:`ID`) percent-encoded for a URL path."""
    return check.path_segment(param, value, pattern=ID)


def name_or_id(param: str, value: Any) -> str | int:
    """Return ``value`` if it is a name (a string) or a numeric id (an int >= 0)."""
    if isinstance(value, int) and not isinstance(value, bool):
        if 0 <= value <= check.MAX_INTEGER:
            return int(value)
        raise InvalidParameterError(param, value, f"a name, or an id from 0 to {check.MAX_INTEGER}")
    return check.text(param, value)


def numeric_id(param: str, value: Any) -> int | str:
    """Return ``value`` if it is a numeric id: an int > 0 or a string of ASCII digits."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= check.MAX_INTEGER:
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"[0-9]+", value):
        return value
    raise InvalidParameterError(param, value, "a numeric id")


def capacity_text(param: str, value: Any) -> str:
    """Return ``value`` if it is a capacity (see :data:`CAPACITY_TEXT`)."""
    if not isinstance(value, str) or not CAPACITY_TEXT.fullmatch(value):
        raise InvalidParameterError(param, value, CAPACITY_TEXT_FORM)
    return value


def _one_of(choices: tuple[str, ...]) -> Callable[[str, Any], str]:
    return lambda param, value: check.choice(param, value, choices)


RELEASE_FIELD_CHECKS: dict[str, Callable[[str, Any], Any]] = {
    "name": check.text,
    "owner": name_or_id,
    "initiatives": check.id_list,
    "watchers": check.id_list,
    "goals": check.id_list,
    "workflow_status": name_or_id,
    "status": name_or_id,  # the vendor's create example sends ``status`` by name
    "parent_id": numeric_id,
    "theme": lambda param, value: check.text(param, value, min_len=0),
    "start_date": check.calendar_date,
    "end_date": check.calendar_date,
    "release_date": check.calendar_date,
    "development_started_on": check.calendar_date,
    "external_release_date": check.calendar_date,
    "parking_lot": check.boolean,
    "external_date_resolution": _one_of(EXTERNAL_DATE_RESOLUTIONS),
    "capacity_units": _one_of(CAPACITY_UNITS),
    "total_capacity_text": capacity_text,
    "progress_source": _one_of(PROGRESS_SOURCES),
    "progress": lambda param, value: check.number(param, value, minimum=0, maximum=100),
    "duration_source": _one_of(DURATION_SOURCES),
}
#: Every field a release takes when created or updated.
RELEASE_FIELDS = tuple(RELEASE_FIELD_CHECKS)


def release_fields(
    fields: Mapping[str, Any], *, creating: bool, pending: Collection[str] = ()
) -> dict[str, Any]:
    """
    Check release fields against Aha!'s documented forms and return their wire form.

    :param pending: fields whose values are templates not yet rendered: only their names are checked.
    :raises InvalidParameterError: an unknown field name or a value of the wrong form.
    """
    check.reject_unknown("fields", fields, RELEASE_FIELDS)
    wire = {
        name: RELEASE_FIELD_CHECKS[name](name, value)
        for name, value in fields.items()
        if value is not None and name not in pending
    }
    if "progress" in wire and "progress_source" not in pending:
        source = wire.get("progress_source")
        if (creating and source != MANUAL_PROGRESS) or (source is not None and source != MANUAL_PROGRESS):
            raise InvalidParameterError(
                "progress",
                fields["progress"],
                f"a value only together with progress_source={MANUAL_PROGRESS!r}",
            )
    return wire


def update_fields(fields: Mapping[str, Any], *, pending: Collection[str] = ()) -> dict[str, Any]:
    """Check the fields of a release update (:func:`release_fields`): at least one."""
    wire = release_fields(fields, creating=False, pending=pending)
    if not wire and not pending:
        raise InvalidParameterError("fields", fields, "at least one release field to change")
    return wire


def fields_param(value: Any) -> str:
    """Return the ``fields`` query parameter: a comma-separated string, from one or a list."""
    if isinstance(value, str):
        return check.text("fields", value)
    return ",".join(check.string_list("fields", value))


def flag_param(value: bool) -> str:
    """A boolean query parameter as Aha! reads it: ``true`` or ``false``."""
    return "true" if value else "false"


def is_shipped(release: Mapping[str, Any]) -> bool | None:
    """Whether a single release's view says it shipped (``released`` is true); ``None`` if it does not say."""
    if SHIPPED_FIELD not in release:
        return None
    return release[SHIPPED_FIELD] is True


def workflow_status_name(release: Mapping[str, Any]) -> str | None:
    """The name of the release's ``workflow_status``, when it has one."""
    workflow = release.get("workflow_status")
    return workflow.get("name") if isinstance(workflow, dict) else None
