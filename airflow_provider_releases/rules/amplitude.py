"""Amplitude's documented rules: the release annotation's fields and its time form."""

from __future__ import annotations

import re
from typing import Any

from airflow_provider_releases.exceptions import InvalidParameterError
from airflow_provider_releases.utils import validation as check

#: The API hosts by the connection's ``region`` extra (never ``analytics.amplitude.com``: the web app).
API_URLS = {"default": "https://amplitude.com", "eu": "https://analytics.eu.amplitude.com"}
DEFAULT_REGION = "default"
#: Times are UTC in exactly this form: ``yyyy-MM-dd HH:mm:ss`` (a space, no ``T``, no zone).
TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}")
TIME_FORM = "yyyy-MM-dd HH:mm:ss in UTC"
#: The fields ``POST /api/2/release`` takes; the first three are required.
REQUIRED_FIELDS = ("version", "release_start", "title")
RELEASE_FIELDS = (
    *REQUIRED_FIELDS,
    "release_end",
    "description",
    "platforms",
    "created_by",
    "chart_visibility",
)


def amplitude_time(param: str, value: Any) -> str:
    """Return ``value`` in UTC as Amplitude's ``yyyy-MM-dd HH:mm:ss`` (see ``utc_datetime``)."""
    return check.utc_text(param, value, sep=" ", zone="")


def release_window(release_start: Any, release_end: Any = None) -> tuple[str, str | None]:
    """
    Return ``(release_start, release_end)`` in Amplitude's time form; the end may be ``None``.

    :raises InvalidParameterError: a time has the wrong form, or the end is before the start.
    """
    start = amplitude_time("release_start", release_start)
    if release_end is None:
        return start, None
    end = amplitude_time("release_end", release_end)
    if end < start:
        raise InvalidParameterError(
            "release_end", release_end, f"a time not before release_start ({start} UTC)"
        )
    return start, end


def platforms(value: Any) -> str | list[str]:
    """Return ``value`` if it is a platform name or a list of them."""
    if isinstance(value, str):
        return check.text("platforms", value)
    return check.string_list("platforms", value)
