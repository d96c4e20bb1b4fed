"""What the transports of the hooks (``requests`` and ``httpx``) need: timeouts, their errors, dry runs."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from airflow_provider_releases.exceptions import InvalidParameterError
from airflow_provider_releases.hooks.http_core import FailureKind, TransportFailure, describe_failure


def check_timeout(value: Any) -> tuple[float, float] | None:
    """Return ``timeout`` as ``(connect, read)`` seconds, or ``None`` when not given."""
    if value is None:
        return None
    pair = value if isinstance(value, tuple) and len(value) == 2 else (value, value)
    for part in pair:
        if isinstance(part, bool) or not isinstance(part, (int, float)) or not part > 0:
            raise InvalidParameterError("timeout", value, "seconds > 0, or a (connect, read) pair of them")
    return (float(pair[0]), float(pair[1]))


def httpx_timeout(timeout: tuple[float, float]) -> Any:
    """The ``httpx.Timeout`` of a ``(connect, read)`` pair; writes get the read time, pool waits connect."""
    import httpx

    connect, read = timeout
    return httpx.Timeout(connect=connect, read=read, write=read, pool=connect)


def requests_failure(exc: Exception) -> TransportFailure:
    """Name a ``requests`` exception as the transport-neutral :class:`TransportFailure`."""
    import requests
    from urllib3.exceptions import NewConnectionError

    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return TransportFailure(FailureKind.CONNECT_TIMEOUT)
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return TransportFailure(FailureKind.READ_TIMEOUT)
    if isinstance(exc, requests.exceptions.SSLError):
        return TransportFailure(FailureKind.TLS)
    if isinstance(exc, requests.exceptions.ConnectionError):
        reason = exc.args[0] if exc.args else None
        reason = getattr(reason, "reason", reason)
        if isinstance(reason, NewConnectionError):
            return TransportFailure(FailureKind.CONNECT_FAILED)
        return TransportFailure(FailureKind.DROPPED)
    errors = requests.exceptions
    if isinstance(exc, (errors.InvalidURL, errors.MissingSchema, errors.InvalidSchema)):
        return TransportFailure(FailureKind.INVALID_URL)
    return TransportFailure(FailureKind.OTHER, type(exc).__name__)


def httpx_failure(exc: Exception) -> TransportFailure:
    """Name an ``httpx`` exception as the transport-neutral :class:`TransportFailure`."""
    import ssl

    import httpx

    if isinstance(exc, (httpx.ConnectTimeout, httpx.PoolTimeout)):
        return TransportFailure(FailureKind.CONNECT_TIMEOUT)
    if isinstance(exc, (httpx.ReadTimeout, httpx.WriteTimeout)):
        return TransportFailure(FailureKind.READ_TIMEOUT)
    if isinstance(exc, httpx.ConnectError):
        cause = exc.__cause__ or exc.__context__
        if isinstance(cause, ssl.SSLError) or "SSL" in str(exc):
            return TransportFailure(FailureKind.TLS)
        return TransportFailure(FailureKind.CONNECT_FAILED)
    if isinstance(exc, (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)):
        return TransportFailure(FailureKind.DROPPED)
    if isinstance(exc, (httpx.InvalidURL, httpx.UnsupportedProtocol)):
        return TransportFailure(FailureKind.INVALID_URL)
    return TransportFailure(FailureKind.OTHER, type(exc).__name__)


def describe_transport_error(exc: Exception, timeout: tuple[float, float]) -> tuple[str, bool, bool]:
    """Return ``(cause, never_sent, retryable)`` for a ``requests`` transport exception."""
    request = getattr(exc, "request", None)
    url = getattr(request, "url", None) or ""
    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}" if parts.netloc else "the server"
    return describe_failure(requests_failure(exc), timeout, origin)


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
