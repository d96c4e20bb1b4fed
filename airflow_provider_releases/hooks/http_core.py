"""
The rules of one request, as plain code with no I/O: what to do with each answer or failure.

Both transports (``requests`` for hooks, operators and poking sensors; ``httpx.AsyncClient`` for
triggers) send the request, hand what came back to a :class:`RequestAttempts`, and do what its
:class:`Decision` says: return the answer, wait and send again, or raise the error it built. So
one place decides the error class, the vendor's message and request id, redaction, whether a
request may have taken effect, and the retry policy (``Retry-After`` and reset headers, the
wait budget, unsafe methods never sent again).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from airflow_provider_releases.exceptions import ReleasesApiConnectionError, ReleasesApiError
from airflow_provider_releases.hooks.answers import error_from_answer
from airflow_provider_releases.utils.retry import (
    RETRYABLE_STATUSES,
    UNSAFE_METHODS,
    RetryPolicy,
    server_delay,
)


class FailureKind(enum.Enum):
    """Why no answer arrived, in terms that do not depend on the HTTP library."""

    CONNECT_TIMEOUT = "connect timeout"
    READ_TIMEOUT = "read timeout"
    TLS = "TLS"
    CONNECT_FAILED = "could not connect"
    DROPPED = "dropped"
    INVALID_URL = "invalid URL"
    OTHER = "other"


@dataclass(frozen=True)
class TransportFailure:
    """
    A request that got no answer.

    :param kind: why, as a :class:`FailureKind`.
    :param name: the transport's exception class name, shown for :attr:`FailureKind.OTHER`.
    """

    kind: FailureKind
    name: str = ""


@dataclass(frozen=True)
class HttpRequest:
    """
    One request as both transports send it (authentication headers are the client's).

    :param path: the URL path, named in errors and logs; ``url`` is the base URL plus it.
    :param body: a callable returning a fresh body (bytes or an open file) for each attempt.
    """

    method: str
    url: str
    path: str
    params: Mapping[str, Any] | None = None
    json: Any = None
    body: Callable[[], Any] | None = None
    headers: Mapping[str, str] | None = None

    @property
    def origin(self) -> str:
        """``scheme://host[:port]`` of :attr:`url`, the server the request goes to."""
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc}"


@dataclass(frozen=True)
class FailureFacts:
    """
    What a request that got no answer means.

    :param cause: the failure in words, as errors and logs show it.
    :param never_sent: the request surely did not reach the server.
    :param retryable: sending again may succeed.
    """

    cause: str
    never_sent: bool
    retryable: bool


def describe_failure(failure: TransportFailure, timeout: tuple[float, float], origin: str) -> FailureFacts:
    """Return the :class:`FailureFacts` of a request that got no answer from ``origin``."""
    kind = failure.kind
    if kind is FailureKind.CONNECT_TIMEOUT:
        return FailureFacts(
            f"no connection to {origin} within the {timeout[0]:g} s connect timeout", True, True
        )
    if kind is FailureKind.READ_TIMEOUT:
        return FailureFacts(f"no response within the {timeout[1]:g} s read timeout", False, True)
    if kind is FailureKind.TLS:
        return FailureFacts(f"the TLS handshake with {origin} failed", True, False)
    if kind is FailureKind.CONNECT_FAILED:
        return FailureFacts(f"the connection to {origin} could not be opened", True, True)
    if kind is FailureKind.DROPPED:
        return FailureFacts("the connection was dropped before a response arrived", False, True)
    if kind is FailureKind.INVALID_URL:
        return FailureFacts(f"the URL {origin} is not a valid http(s) URL", True, False)
    return FailureFacts(f"the request could not be sent ({failure.name or 'unknown error'})", True, False)


class Action(enum.Enum):
    """What a transport does after an attempt."""

    RETURN = "return"
    RETRY = "retry"
    RAISE = "raise"


@dataclass(frozen=True)
class Decision:
    """What the transport does next: return the answer, retry after ``delay``, or raise ``error``."""

    action: Action
    delay: float = 0.0
    cause: str = ""
    error: ReleasesApiError | None = None


RETURN = Decision(Action.RETURN)


@dataclass(frozen=True)
class Vendor:
    """
    What the rules need to know about the vendor and the hook's settings.

    :param redact: removes the hook's secrets from a text.
    """

    service: str
    policy: RetryPolicy
    timeout: tuple[float, float]
    reset_headers: tuple[str, ...]
    request_id_headers: tuple[str, ...]
    redact: Callable[[str], str]


class RequestAttempts:
    """
    The retry state of one request: call :meth:`next_attempt` before each send, then
    :meth:`on_answer` or :meth:`on_failure`, and do what the returned :class:`Decision` says.
    """

    def __init__(self, request: HttpRequest, vendor: Vendor, op: str) -> None:
        self.request = request
        self.vendor = vendor
        self.unsafe = request.method in UNSAFE_METHODS
        self.context = {
            "service": vendor.service,
            "operation": op,
            "method": request.method,
            "path": request.path,
        }
        self.attempt = 0
        self.waited = 0.0

    def next_attempt(self) -> int:
        """Count one more send and return its number (1 for the first)."""
        self.attempt += 1
        return self.attempt

    def _retry(self, delay: float, cause: str) -> Decision:
        self.waited += delay
        return Decision(Action.RETRY, delay=delay, cause=cause)

    def on_failure(self, failure: TransportFailure) -> Decision:
        """Decide after a send that got no answer."""
        policy = self.vendor.policy
        facts = describe_failure(failure, self.vendor.timeout, self.request.origin)
        may_have_been_applied = self.unsafe and not facts.never_sent
        if facts.retryable and not may_have_been_applied:
            delay = policy.backoff(self.attempt)
            if self.attempt <= policy.max_retries and self.waited + delay <= policy.max_total_wait:
                return self._retry(delay, facts.cause)
        error = ReleasesApiConnectionError(
            **self.context,
            cause=facts.cause,
            may_have_been_applied=may_have_been_applied,
            attempts=self.attempt,
        )
        return Decision(Action.RAISE, cause=facts.cause, error=error)

    def on_answer(
        self, status: int, headers: Mapping[str, str], text: Callable[[], str], now: float
    ) -> Decision:
        """
        Decide after an answer.

        :param headers: the answer's headers, looked up case-insensitively.
        :param text: returns the answer's body as text; called only for an error.
        :param now: the current time in epoch seconds, to read reset headers against.
        """
        if status < 400:
            return RETURN
        policy = self.vendor.policy
        asked = server_delay(headers, self.vendor.reset_headers, now=now)
        if status not in RETRYABLE_STATUSES or (self.unsafe and status != 429):
            return self._raise(
                status, headers, text, asked, may_have_been_applied=self.unsafe and status >= 500
            )
        delay = asked if asked is not None else policy.backoff(self.attempt)
        if self.attempt > policy.max_retries:
            return self._raise(status, headers, text, asked)
        if self.waited + delay > policy.max_total_wait:
            who = f"{self.vendor.service} asked to wait" if asked is not None else "the next retry would wait"
            cause = (
                f"{who} {delay:.1f} s, beyond the retry budget of {policy.max_total_wait:g} s "
                f"({self.waited:.1f} s already waited)"
            )
            return self._raise(status, headers, text, asked, cause=cause)
        return self._retry(delay, f"HTTP {status}")

    def _raise(
        self,
        status: int,
        headers: Mapping[str, str],
        text: Callable[[], str],
        asked: float | None,
        *,
        cause: str | None = None,
        may_have_been_applied: bool = False,
    ) -> Decision:
        redact = self.vendor.redact
        request_id = next(
            (redact(headers[name]) for name in self.vendor.request_id_headers if headers.get(name)), None
        )
        error = error_from_answer(
            status,
            redact(text() or ""),
            self.context,
            attempts=self.attempt,
            request_id=request_id,
            cause=cause,
            may_have_been_applied=may_have_been_applied,
            retry_after=asked,
        )
        return Decision(Action.RAISE, cause=cause or f"HTTP {status}", error=error)
