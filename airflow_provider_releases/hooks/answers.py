"""Reading the vendor's answers: the error an error status calls for, and what its body says."""

from __future__ import annotations

import json
import re
from typing import Any

from airflow_provider_releases.exceptions import (
    ReleasesApiAuthError,
    ReleasesApiConflictError,
    ReleasesApiError,
    ReleasesApiNotFoundError,
    ReleasesApiRateLimitError,
    ReleasesApiServerError,
    ReleasesApiValidationError,
)

_EXCERPT_CHARS = 300

_STATUS_CLASSES: dict[int, type[ReleasesApiError]] = {
    400: ReleasesApiValidationError,
    401: ReleasesApiAuthError,
    403: ReleasesApiAuthError,
    404: ReleasesApiNotFoundError,
    409: ReleasesApiConflictError,
    422: ReleasesApiValidationError,
    429: ReleasesApiRateLimitError,
}

_HTML_START = re.compile(r"\s*(<!doctype\s+html|<html|<head|<body)", re.IGNORECASE)
_HTML_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_HTML_TAG = re.compile(r"<[^>]*>")


def error_class_for_status(status: int) -> type[ReleasesApiError]:
    """Return the exception class for an HTTP error status."""
    if status >= 500:
        return ReleasesApiServerError
    return _STATUS_CLASSES.get(status, ReleasesApiError)


def error_from_answer(
    status: int,
    text: str,
    context: dict[str, str],
    *,
    attempts: int,
    request_id: str | None = None,
    cause: str | None = None,
    may_have_been_applied: bool = False,
    retry_after: float | None = None,
) -> ReleasesApiError:
    """
    Build the error for a vendor's error answer from its status and its (already redacted) body.

    :param context: ``service``, ``operation``, ``method`` and ``path`` of the request.
    :param request_id: the request id a response header carried, preferred over the body's.
    :param retry_after: the seconds the answer's headers asked to wait, when they said.
    """
    code, message, body_request_id = parse_error_body(text)
    cls = error_class_for_status(status)
    if cls is ReleasesApiRateLimitError and not cause and attempts > 1:
        cause = "the rate limit was still exceeded when the retries ran out"
    return cls(
        **context,
        status=status,
        code=code,
        vendor_message=message,
        request_id=request_id or body_request_id,
        body_excerpt=None if message else describe_body(text),
        details=error_details(text),
        cause=cause,
        may_have_been_applied=may_have_been_applied,
        attempts=attempts,
        retry_after=retry_after,
    )


def excerpt(text: str) -> str:
    """Collapse white space and cut ``text`` to a short excerpt for an error message."""
    text = re.sub(r"\s+", " ", text).strip()
    if len(text) > _EXCERPT_CHARS:
        text = text[:_EXCERPT_CHARS] + "... (truncated)"
    return text


def describe_body(text: str) -> str:
    """
    Describe a body that held no readable error, for an error message.

    An HTML page (what a proxy or load balancer answers when the API behind it fails) is named
    by its title, or its text when it has none; anything else is cut to an :func:`excerpt`.
    """
    if _HTML_START.match(text):
        title = _HTML_TITLE.search(text)
        words = excerpt(title.group(1) if title else _HTML_TAG.sub(" ", text))
        named = f" {json.dumps(words, ensure_ascii=False)}" if words else ""
        return f"an HTML page{named}, not the API's JSON (a proxy or gateway in front of it answered)"
    return excerpt(text) or "(empty)"


def parse_error_body(text: str) -> tuple[str | None, str | None, str | None]:
    """
    Read ``(code, message, request_id)`` from a vendor error body, ``None`` for what is absent.

    Understands LaunchDarkly's ``{"code", "message", "id"}``, Cryptlex's ``{"message", "code"}``
    and the ``error``/``errors`` shapes other APIs use; a body that is not JSON gives nothing.
    """
    try:
        body = json.loads(text)
    except ValueError:
        return None, None, None
    if not isinstance(body, dict):
        return None, None, None
    code = body.get("code") or body.get("error_code")
    message = body.get("message") or body.get("error_description") or body.get("detail")
    error = body.get("error")
    if isinstance(error, dict):
        message = message or error.get("message")
        code = code or error.get("code")
    elif isinstance(error, str):
        if message:
            code = code or error
        else:
            message = error
    errors = body.get("errors")
    if not message and errors:
        message = _flatten_errors(errors)
    request_id = body.get("id") if isinstance(body.get("id"), str) and message else None
    request_id = body.get("request_id") or body.get("requestId") or request_id
    return (
        str(code) if code is not None else None,
        str(message) if message is not None else None,
        str(request_id) if request_id is not None else None,
    )


#: The fields of an error body that the error's own attributes already carry.
_READ_FIELDS = {"code", "error_code", "message", "error_description", "detail", "error", "errors", "id"}


def error_details(text: str) -> dict[str, Any] | None:
    """The fields of a JSON error body beyond its code, message and id (``failingChecks``...), or ``None``."""
    try:
        body = json.loads(text)
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    return {key: value for key, value in body.items() if key not in _READ_FIELDS} or None


def _flatten_errors(errors: Any) -> str:
    if isinstance(errors, dict):
        if "message" in errors:
            return str(errors["message"])
        return "; ".join(f"{key} {_flatten_errors(val)}" for key, val in errors.items())
    if isinstance(errors, list):
        return "; ".join(_flatten_errors(item) for item in errors)
    return str(errors)
