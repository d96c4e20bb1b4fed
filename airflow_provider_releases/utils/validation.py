"""Checks that turn arguments into the wire form each API documents, or raise ``InvalidParameterError``."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from airflow_provider_releases.exceptions import InvalidParameterError, MissingValueError

_SAFE_SEGMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._~-]*")
#: What an id, key or name holds when a template rendered nothing (a missing XCom renders ``'None'``).
EMPTY_RENDERS = ("", "None", "null")
# The largest integer accepted as an id or a count: a signed 64-bit value, the widest the APIs
# take. (Python cannot even print an int of more than 4300 digits into a URL or a JSON body.)
MAX_INTEGER = 2**63 - 1


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def is_utf8(value: str) -> bool:
    """Whether the string ``value`` can go on the wire, which is UTF-8: it has no lone surrogates."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _characters(count: int) -> str:
    return f"{count} character" + ("" if count == 1 else "s")


def text(param: str, value: Any, *, max_len: int | None = None, min_len: int = 1) -> str:
    """Return ``value`` if it is a string of ``min_len`` to ``max_len`` characters, not all blank."""
    if min_len <= 1:
        accepted = "a non-empty string" if min_len else "a string"
        accepted += f" of at most {_characters(max_len)}" if max_len else ""
    else:
        bounds = f"{min_len} to {max_len}" if max_len else f"at least {min_len}"
        accepted = f"a string of {bounds} characters"
    if not isinstance(value, str):
        raise InvalidParameterError(param, value, accepted)
    if not value and min_len:
        raise InvalidParameterError(param, value, f"{accepted}: {param} must not be empty")
    if len(value) < min_len or (max_len is not None and len(value) > max_len):
        raise InvalidParameterError(param, value, f"{accepted} (got {_characters(len(value))})")
    if min_len and not value.strip():
        raise InvalidParameterError(param, value, f"{accepted}, not only white space")
    if not is_utf8(value):
        raise InvalidParameterError(param, value, f"{accepted}, valid Unicode (no lone surrogates)")
    return value


def boolean(param: str, value: Any) -> bool:
    """Return ``value`` if it is ``True`` or ``False``."""
    if not isinstance(value, bool):
        raise InvalidParameterError(param, value, "True or False")
    return value


def integer(param: str, value: Any, *, minimum: int | None = None) -> int:
    """Return ``value`` if it is an int (not a bool) of at least ``minimum``, at most ``MAX_INTEGER``."""
    accepted = "an integer" if minimum is None else f"an integer >= {minimum}"
    if not _is_int(value):
        raise InvalidParameterError(param, value, accepted)
    if (minimum is not None and value < minimum) or abs(value) > MAX_INTEGER:
        raise InvalidParameterError(param, value, f"{accepted} and at most {MAX_INTEGER} in size")
    return int(value)


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
    if not isinstance(value, str) or value not in choices:
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
        if not is_utf8(item):
            raise InvalidParameterError(param, value, f"{accepted} of valid Unicode (no lone surrogates)")
    return list(value)


def id_list(param: str, value: Any) -> list[str | int]:
    """Return ``value`` as a list if it is a list or tuple of ids or names (strings or ints >= 0)."""
    accepted = "a list of ids or names (strings or integers)"
    if not isinstance(value, (list, tuple)):
        raise InvalidParameterError(param, value, accepted)
    for item in value:
        if _is_int(item):
            if not 0 <= item <= MAX_INTEGER:
                raise InvalidParameterError(param, value, f"{accepted}, integers from 0 to {MAX_INTEGER}")
        elif not isinstance(item, str) or not item.strip() or not is_utf8(item):
            raise InvalidParameterError(param, value, accepted)
    return [int(item) if _is_int(item) else item for item in value]


def path_segment(param: str, value: Any, *, pattern: re.Pattern[str] = _SAFE_SEGMENT) -> str:
    """
    Return ``value`` percent-encoded as one URL path segment.

    Accepts strings matching ``pattern`` (default: letters, digits, ``.``, ``_``, ``~``, ``-``, no
    leading dot) and integers from 0 to ``MAX_INTEGER``; nothing that could change the URL called.
    """
    accepted = "an id or key of letters, digits, '.', '_', '~' or '-' (not starting with '.')"
    if _is_int(value) and 0 <= value <= MAX_INTEGER:
        return int.__repr__(value)  # its digits, whatever an int subclass (an IntEnum) prints
    if not isinstance(value, str) or not pattern.fullmatch(value) or not is_utf8(value):
        raise InvalidParameterError(param, value, accepted)
    segment = quote(value, safe="")
    if segment in (".", ".."):  # a dot segment would be resolved away and call another URL
        raise InvalidParameterError(param, value, accepted)
    return segment


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
    """Return ``value`` (``datetime``, naive read as UTC; ``date``; ISO 8601) as an aware UTC datetime."""
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


def utc_text(param: str, value: Any, *, sep: str = "T", zone: str = "Z") -> str:
    """Return ``value`` (see :func:`utc_datetime`) as fixed-width ``YYYY-MM-DD<sep>HH:MM:SS<zone>``."""
    moment = utc_datetime(param, value).replace(tzinfo=None)
    return moment.isoformat(sep=sep, timespec="seconds") + zone


def calendar_date(param: str, value: Any) -> str:
    """Return ``value`` (``date``, ``datetime`` or ``YYYY-MM-DD`` text) as ``YYYY-MM-DD``."""
    accepted = "a date, a datetime, or a string 'YYYY-MM-DD'"
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str) and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        try:
            return dt.date.fromisoformat(value).isoformat()
        except ValueError:
            year, month, day = (int(part) for part in value.split("-"))
            raise InvalidParameterError(
                param,
                value,
                f"{accepted} of a day that exists; the form is right but {_no_such_day(year, month, day)}",
            ) from None
    raise InvalidParameterError(param, value, accepted)


def _no_such_day(year: int, month: int, day: int) -> str:
    if year == 0:
        return "there is no year 0000"
    if not 1 <= month <= 12:
        return f"there is no month {month:02d}"
    if day == 0:
        return "days start at 01"
    last = calendar.monthrange(year, month)[1]
    return f"{calendar.month_name[month]} {year:04d} has {last} days, so there is no day {day:02d}"


def iso8601_utc(param: str, value: Any) -> str:
    """Return ``value`` (see :func:`utc_datetime`) as ``YYYY-MM-DDTHH:MM:SSZ``."""
    return utc_text(param, value)


def reject_unknown(param: str, given: Iterable[str], known: Iterable[str]) -> None:
    """Raise if any name in ``given`` is not in ``known``, or ``given`` is not a collection of names."""
    known = sorted(known)
    accepted = "field names among " + ", ".join(known)
    try:
        names = list(given)
    except TypeError:
        raise InvalidParameterError(param, given, accepted) from None
    unknown: list[Any] = []
    for name in names:
        if not (isinstance(name, str) and name in known) and name not in unknown:
            unknown.append(name)
    if unknown:
        raise InvalidParameterError(param, sorted(unknown, key=_sort_key), accepted)


def _sort_key(value: Any) -> tuple[bool, str]:
    if isinstance(value, str):
        return (False, value)
    try:
        return (True, repr(value))
    except (ValueError, TypeError, RecursionError):
        return (True, f"<{type(value).__name__}>")


# Operator and sensor parameters: checked in the constructor when given as plain values, after
# rendering otherwise.


def given(param: str, value: Any, *, rendered: bool = True) -> Any:
    """
    Return ``value`` unless it is ``None``, ``''`` or a template's empty render (:data:`EMPTY_RENDERS`).

    :raises MissingValueError: ``value`` holds no value.
    """
    if value is None or (isinstance(value, str) and value.strip() in EMPTY_RENDERS):
        raise MissingValueError(param, value, rendered)
    return value


def is_deferred(value: Any) -> bool:
    """Whether ``value`` is known only at run time: a template, an ``XComArg``, or a container holding one."""
    if isinstance(value, str):
        return "{{" in value or "{%" in value
    if isinstance(value, Mapping):
        return any(is_deferred(key) or is_deferred(item) for key, item in value.items())
    if isinstance(value, (list, tuple, set, frozenset)):
        return any(is_deferred(item) for item in value)
    return callable(getattr(value, "iter_references", None))


@dataclass(frozen=True)
class Param:
    """
    How an operator's or sensor's parameter is checked.

    :ivar rule: ``rule(param, value)`` raises ``InvalidParameterError`` for a wrong value.
    :ivar names: an id, key or name, so empty values are refused (:func:`given`).
    :ivar optional: ``None`` means "not given" and is not checked.
    :ivar at_parse: checked in the constructor when given as a plain value.
    :ivar partial: ``partial(param, value, pending)`` checks a dict some of whose values are templates.
    """

    rule: Callable[[str, Any], Any] | None = None
    names: bool = True
    optional: bool = False
    at_parse: bool = True
    partial: Callable[[str, Mapping[str, Any], frozenset[str]], Any] | None = None


#: A connection id parameter (``aha_conn_id``...).
CONNECTION_ID = Param(text)


def check_parameters(owner: Any, params: Mapping[str, Param], *, rendered: bool) -> None:
    """
    Check the attributes ``params`` names on ``owner``: every one when ``rendered``, else the plain ones.

    :raises InvalidParameterError: a value is wrong.
    """
    if rendered:
        _check_each(owner, params, rendered=True)
        return
    with naming_task(owner):
        _check_each(owner, params, rendered=False)


@contextmanager
def naming_task(owner: Any) -> Iterator[None]:
    """Prefix an ``InvalidParameterError`` raised inside with the task id and operator class."""
    try:
        yield
    except InvalidParameterError as exc:
        exc.args = (f"Task {getattr(owner, 'task_id', None)!r} ({type(owner).__name__}): {exc}",)
        raise


def _check_each(owner: Any, params: Mapping[str, Param], *, rendered: bool) -> None:
    for name, spec in params.items():
        value = getattr(owner, name)
        if not rendered:
            if not spec.at_parse:
                continue
            if is_deferred(value):
                if spec.partial is not None and isinstance(value, Mapping) and not is_deferred(list(value)):
                    pending = frozenset(key for key, item in value.items() if is_deferred(item))
                    spec.partial(name, value, pending)
                continue
        if value is None and spec.optional:
            continue
        if spec.names:
            given(name, value, rendered=rendered)
        if spec.rule is not None:
            spec.rule(name, value)
