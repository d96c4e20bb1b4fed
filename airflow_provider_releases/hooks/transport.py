"""What the transports of the hooks (``requests`` and ``httpx``) share: preparing and judging each
attempt, logging, dry runs, reading answers, and each library's timeouts and errors."""

from __future__ import annotations

import json as _json
import os
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from airflow_provider_releases.exceptions import DryRunRequest, InvalidParameterError
from airflow_provider_releases.hooks.calls import AnswerReader, ApiCall
from airflow_provider_releases.hooks.http_core import (
    Decision,
    FailureKind,
    HttpRequest,
    RequestAttempts,
    TransportFailure,
    Vendor,
)

if TYPE_CHECKING:
    from airflow_provider_releases.hooks.base import ReleasesBaseHook


class Transport:
    """
    The part of sending an :class:`~airflow_provider_releases.hooks.calls.ApiCall` that does not
    depend on the HTTP library; :class:`~airflow_provider_releases.hooks.blocking_http.BlockingTransport`
    and :class:`~airflow_provider_releases.hooks.async_http.AsyncTransport` add the sending.

    :param hook: the hook whose connection settings, secrets, clock and logger the calls use.
    """

    def __init__(self, hook: ReleasesBaseHook) -> None:
        self.hook = hook
        self.reader = AnswerReader(hook.service, hook.redact)

    def prepare(self, call: ApiCall[Any]) -> RequestAttempts:
        """
        The retry state of ``call``'s request.

        :raises DryRunRequest: the hook is in dry-run mode and the call is not a GET; it is logged.
        """
        hook = self.hook
        request = HttpRequest(
            call.method,
            (call.base_url or hook.base_url) + call.path,
            call.path,
            params=call.params,
            json=call.json,
            body=call.body,
            headers=call.headers,
        )
        if hook.dry_run and call.method != "GET":
            raise self.dry_run_request(request)
        return RequestAttempts(request, self.vendor(call.max_retries), call.op)

    def vendor(self, max_retries: int | None) -> Vendor:
        """The vendor's rules and the hook's settings, with ``max_retries`` overriding the policy's."""
        hook = self.hook
        policy = hook.retry_policy
        if max_retries is not None:
            policy = replace(policy, max_retries=max_retries)
        return Vendor(
            service=hook.service,
            policy=policy,
            timeout=hook.timeout,
            reset_headers=hook.rate_limit_reset_headers,
            request_id_headers=hook.request_id_headers,
            redact=hook.redact,
        )

    def page_call(self, call: ApiCall[Any], query: Mapping[str, Any]) -> ApiCall[Any]:
        """The GET of one page of ``call``'s list."""
        return replace(call, params=query, paging=None)

    def items_of(self, call: ApiCall[Any]) -> Callable[[Any], list[Any]]:
        """Reads the items of one decoded page of ``call``'s list."""
        return lambda body: self.reader.answer(call, body)

    def decode(self, call: ApiCall[Any], response: Any) -> Any:
        """The JSON body of either library's successful response (``None`` when empty)."""
        return self.reader.decode(call, response.status_code, response.content, lambda: response.text)

    def judge_failure(
        self, attempts: RequestAttempts, exc: Exception, failure: TransportFailure, started: float
    ) -> Decision:
        """Log an attempt that got no answer and return the core's decision; raise its error."""
        self.log_attempt(attempts, type(exc).__name__, started)
        decision = attempts.on_failure(failure)
        if decision.error is not None:
            raise decision.error from exc
        return decision

    def judge_answer(self, attempts: RequestAttempts, response: Any, started: float) -> Decision:
        """Log an answered attempt and return the core's decision; raise its error."""
        self.log_attempt(attempts, str(response.status_code), started)
        decision = attempts.on_answer(
            response.status_code, response.headers, lambda: response.text, self.hook.clock.time()
        )
        if decision.error is not None:
            raise decision.error
        return decision

    def log_attempt(self, attempts: RequestAttempts, outcome: str, started: float) -> None:
        """Log one attempt at debug level: the request, its outcome and how long it took."""
        hook, request = self.hook, attempts.request
        elapsed_ms = (hook.clock.monotonic() - started) * 1000
        hook.log.debug(
            "%s %s %s -> %s in %.0f ms (attempt %d)",
            hook.service, request.method, request.path, outcome, elapsed_ms, attempts.attempt,
        )  # fmt: skip

    def log_retry(self, decision: Decision, attempts: RequestAttempts) -> None:
        """Warn that the request is sent again, why and after how long."""
        hook, request = self.hook, attempts.request
        hook.log.warning(
            "%s %s %s: %s; retrying in %.1f s (attempt %d of %d).",
            hook.service, request.method, request.path, decision.cause, decision.delay,
            attempts.attempt + 1, attempts.vendor.policy.max_retries + 1,
        )  # fmt: skip

    def dry_run_request(self, request: HttpRequest) -> DryRunRequest:
        """Describe (without credentials or file content) and log the request a dry run skips."""
        described = describe_request(
            request.method, request.url, params=request.params, json=request.json, body=request.body
        )
        described = redact_strings(described, self.hook.redact)
        self.hook.log.info("Dry run: would send %s", _json.dumps(described, default=str))
        return DryRunRequest(described)


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
    """
    The ``httpx.Timeout`` of a ``(connect, read)`` pair; writes get the read time. Waiting for a free
    connection of the shared client is not timed: it is waiting one's turn, not a failure.
    """
    import httpx

    connect, read = timeout
    return httpx.Timeout(connect=connect, read=read, write=read, pool=None)


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
