"""What the ``requests`` transport of the hooks needs to know about timeouts and its own errors."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

from airflow_provider_releases.exceptions import InvalidParameterError


def check_timeout(value: Any) -> tuple[float, float] | None:
    """Return ``timeout`` as ``(connect, read)`` seconds, or ``None`` when not given."""
    if value is None:
        return None
    pair = value if isinstance(value, tuple) and len(value) == 2 else (value, value)
    for part in pair:
        if isinstance(part, bool) or not isinstance(part, (int, float)) or not part > 0:
            raise InvalidParameterError("timeout", value, "seconds > 0, or a (connect, read) pair of them")
    return (float(pair[0]), float(pair[1]))


def describe_transport_error(exc: Exception, timeout: tuple[float, float]) -> tuple[str, bool, bool]:
    """Return ``(cause, never_sent, retryable)`` for a ``requests`` transport exception."""
    import requests
    from urllib3.exceptions import NewConnectionError

    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return f"no connection within the {timeout[0]:g} s connect timeout", True, True
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return f"no response within the {timeout[1]:g} s read timeout", False, True
    if isinstance(exc, requests.exceptions.SSLError):
        return "the TLS handshake failed", True, False
    if isinstance(exc, requests.exceptions.ConnectionError):
        reason = exc.args[0] if exc.args else None
        reason = getattr(reason, "reason", reason)
        if isinstance(reason, NewConnectionError):
            return "the connection could not be opened", True, True
        return "the connection was dropped before a response arrived", False, True
    return f"the request could not be sent ({type(exc).__name__})", True, False


def describe_request(
    method: str,
    url: str,
    *,
    params: Mapping[str, Any] | None = None,
    json: Any = None,
    body: Callable[[], Any] | None = None,
) -> dict[str, Any]:
    """
    Describe a request as a dry run reports it: method, URL, params, JSON body, and for an
    upload the file's path and size, never its content. Holds no headers, so no credentials.
    """
    request: dict[str, Any] = {"method": method, "url": url}
    if params:
        request["params"] = dict(params)
    if json is not None:
        request["json"] = json
    if body is not None:
        data = body()
        try:
            path = getattr(data, "name", None)
            size = os.fstat(data.fileno()).st_size if hasattr(data, "fileno") else len(data)
        finally:
            if hasattr(data, "close"):
                data.close()
        request["file"] = {"path": os.fspath(path) if path is not None else None, "size": size}
    return request


def redact_strings(value: Any, redact: Callable[[str], str]) -> Any:
    """Return ``value`` with ``redact`` applied to every string in it, keys included."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, Mapping):
        return {redact_strings(key, redact): redact_strings(item, redact) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact_strings(item, redact) for item in value]
    return value
