"""Checks that turn hook arguments into the wire form each API documents.

Every function either returns the wire form or raises ``InvalidParameterError`` (a
``ValueError``) naming the parameter, the value and the accepted form.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

from airflow_provider_releases.exceptions import InvalidParameterError

_SAFE_SEGMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._~-]*")


def text(param: str, value: Any, *, max_len: int | None = None, min_len: int = 1) -> str:
    """Return ``value`` if it is a string of ``min_len`` to ``max_len`` characters, not all blank."""
    bounds = f"{min_len} to {max_len}" if max_len else f"at least {min_len}"
    accepted = f"a string of {bounds} characters"
    if not isinstance(value, str):
        raise InvalidParameterError(param, value, accepted)
    if len(value) < min_len or (max_len is not None and len(value) > max_len):
        raise InvalidParameterError(param, value, f"{accepted} (got {len(value)})")
    if min_len and not value.strip():
        raise InvalidParameterError(param, value, f"{accepted}, not only white space")
    return value


def boolean(param: str, value: Any) -> bool:
    """Return ``value`` if it is ``True`` or ``False``."""
    if not isinstance(value, bool):
        raise InvalidParameterError(param, value, "True or False")
    return value


def integer(param: str, value: Any, *, minimum: int | None = None) -> int:
    """Return ``value`` if it is an int (not a bool) of at least ``minimum``."""
    accepted = "an integer" if minimum is None else f"an integer >= {minimum}"
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidParameterError(param, value, accepted)
    if minimum is not None and value < minimum:
        raise InvalidParameterError(param, value, accepted)
    return value


def number(param: str, value: Any, *, minimum: float, maximum: float) -> float | int:
    """Return ``value`` if it is an int or float between ``minimum`` and ``maximum``."""
    accepted = f"a number from {minimum:g} to {maximum:g}"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidParameterError(param, value, accepted)
    if not minimum <= value <= maximum:
        raise InvalidParameterError(param, value, accepted)
    return value


def choice(param: str, value: Any, choices: Iterable[str]) -> str:
    """Return ``value`` if it is one of ``choices``."""
    choices = tuple(choices)
    if value not in choices:
        raise InvalidParameterError(param, value, "one of " + ", ".join(repr(c) for c in choices))
    return value


def string_list(param: str, value: Any, *, max_len: int | None = None) -> list[str]:
    """Return ``value`` as a list if it is a list or tuple of non-empty strings."""
    accepted = "a list of non-empty strings"
    if not isinstance(value, (list, tuple)):
        raise InvalidParameterError(param, value, accepted)
    for item in value:
        if not isinstance(item, str) or not item.strip() or (max_len and len(item) > max_len):
            raise InvalidParameterError(param, value, accepted)
    return list(value)


def id_list(param: str, value: Any) -> list[str | int]:
    """Return ``value`` as a list if it is a list or tuple of ids or names (strings or ints)."""
    accepted = "a list of ids or names (strings or integers)"
    if not isinstance(value, (list, tuple)):
        raise InvalidParameterError(param, value, accepted)
    for item in value:
        if isinstance(item, bool) or not isinstance(item, (str, int)):
            raise InvalidParameterError(param, value, accepted)
        if isinstance(item, str) and not item.strip():
            raise InvalidParameterError(param, value, accepted)
    return list(value)


def path_segment(param: str, value: Any, *, pattern: re.Pattern[str] = _SAFE_SEGMENT) -> str:
    """
    Return ``value`` percent-encoded for use as one URL path segment.

    Accepts strings matching ``pattern`` (by default letters, digits, ``.``, ``_``, ``~`` and ``-``,
    not starting with a dot) and non-negative integers. Anything that could change which URL is
    called (``/``, ``..``, ``?``, ``#``, ``%``, white space) is rejected.
    """
    accepted = "an id or key of letters, digits, '.', '_', '~' or '-' (not starting with '.')"
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return str(value)
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise InvalidParameterError(param, value, accepted)
    return quote(value, safe="")


def _parse_datetime_text(param: str, value: str, accepted: str) -> dt.datetime:
    raw = value.strip()
    if raw.endswith(("Z", "z")):
        raw = raw[:-1] + "+00:00"
    try:
        if len(raw) == 10:
            parsed_date = dt.date.fromisoformat(raw)
            return dt.datetime.combine(parsed_date, dt.time())
        return dt.datetime.fromisoformat(raw)
    except ValueError:
        raise InvalidParameterError(param, value, accepted) from None


def utc_datetime(param: str, value: Any) -> dt.datetime:
    """
    Return ``value`` as an aware datetime in UTC.

    Accepts ``datetime`` (pendulum's included: a naive one is read as UTC, an aware one is
    converted), ``date`` (midnight UTC) and ISO 8601 strings such as ``2024-05-01``,
    ``2024-05-01 12:00:00`` or ``2024-05-01T12:00:00+02:00``.
    """
    accepted = (
        "a datetime, a date, or an ISO 8601 string such as '2024-05-01 12:00:00' or "
        "'2024-05-01T12:00:00+02:00'"
    )
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime.combine(value, dt.time())
    elif isinstance(value, str):
        moment = _parse_datetime_text(param, value, accepted)
    else:
        raise InvalidParameterError(param, value, accepted)
    if moment.tzinfo is None or moment.utcoffset() is None:
        return moment.replace(tzinfo=dt.timezone.utc)
    try:
        return moment.astimezone(dt.timezone.utc)
    except (OverflowError, ValueError):
        raise InvalidParameterError(param, value, f"{accepted}, within years 1 to 9999 in UTC") from None


def calendar_date(param: str, value: Any) -> str:
    """
    Return ``value`` as ``YYYY-MM-DD``.

    Accepts ``date``, ``datetime`` (its own calendar date, in its own time zone) and strings
    ``YYYY-MM-DD``.
    """
    accepted = "a date, a datetime, or a string 'YYYY-MM-DD'"
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return dt.date.fromisoformat(value).isoformat()
        except ValueError:
            pass
    raise InvalidParameterError(param, value, accepted)


def iso8601_utc(param: str, value: Any) -> str:
    """Return ``value`` (see :func:`utc_datetime`) as ``YYYY-MM-DDTHH:MM:SSZ``."""
    return utc_datetime(param, value).strftime("%Y-%m-%dT%H:%M:%SZ")


def reject_unknown(param: str, given: Iterable[str], known: Iterable[str]) -> None:
    """Raise if any name in ``given`` is not in ``known``."""
    known = sorted(known)
    unknown = sorted(set(given) - set(known))
    if unknown:
        raise InvalidParameterError(param, unknown, "field names among " + ", ".join(known))
