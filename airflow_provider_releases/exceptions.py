"""
Every error the provider raises, under one root: :class:`ReleasesError`.

Errors that must also be Airflow's live in :mod:`~airflow_provider_releases.operators.failures`
and :mod:`~airflow_provider_releases.sensors.base`.
"""

from __future__ import annotations

import json
from functools import partial
from typing import Any

_REPR_CHARS = 80


def _short_repr(value: Any) -> str:
    try:
        text = repr(value)
    except (ValueError, TypeError, RecursionError):  # an int of over 4300 digits, say
        if isinstance(value, int):
            return f"<int of about {int(value.bit_length() * 0.30103) + 1} digits>"
        return f"<{type(value).__name__} that cannot be printed>"
    if len(text) > _REPR_CHARS:
        text = f"{text[: _REPR_CHARS - 20]}...({len(text)} chars)"
    return text


class ReleasesError(Exception):
    """Base of every error the provider raises on purpose."""


class InvalidParameterError(ReleasesError, ValueError):
    """A parameter does not have the form the vendor API accepts; nothing was sent."""

    def __init__(self, param: str, value: Any, accepted: str) -> None:
        self.param = param
        self.value = value
        self.accepted = accepted
        super().__init__(f"Invalid {param}={_short_repr(value)}: expected {accepted}.")

    def __reduce__(self):
        return (type(self), (self.param, self.value, self.accepted))


class MissingValueError(InvalidParameterError):
    """
    An id, key or name parameter holds no value: ``None``, ``''``, or a template's empty render.

    :ivar rendered: the value is what a template rendered to.
    """

    def __init__(self, param: str, value: Any, rendered: bool = True) -> None:
        self.rendered = rendered
        super().__init__(param, value, "a value")
        if rendered:
            message = (
                f"{param} rendered to {_short_repr(value)}: the template rendered to nothing; an"
                " upstream task's XCom may be missing (check that the task it pulls from ran and"
                " pushed that value, and the task id and key in the template)."
            )
        else:
            message = f"{param}={_short_repr(value)} gives no value: {param} is required; pass the {param}."
        self.args = (message,)

    def __reduce__(self):
        return (type(self), (self.param, self.value, self.rendered))


class ReleaseStateError(ReleasesError, ValueError):
    """The object's state at the vendor does not allow what the task asks; a retry would not change it."""


class ConnectionConfigError(ReleasesError, ValueError):
    """The Airflow connection lacks a setting the hook needs, or holds one it cannot use."""


class DryRunRequest(ReleasesError):
    """
    A hook in dry-run mode stopped before sending a request other than a GET; nothing was sent.

    :ivar request: ``method``, ``url``, ``params``, ``json`` and, for uploads, ``file`` (path and
        size); never the authentication headers.
    """

    def __init__(self, request: dict[str, Any]) -> None:
        self.request = request
        super().__init__(f"Dry run: would send {request.get('method')} {request.get('url')}")

    def __reduce__(self):
        return (type(self), (self.request,))


class ReleasesApiError(ReleasesError):
    """
    A request to a release API failed.

    :ivar service: the vendor, for example ``"Cryptlex"``.
    :ivar operation: the hook method that made the call, for example ``"create_release"``.
    :ivar method: the HTTP method.
    :ivar path: the URL path (no host, no query string).
    :ivar status: the HTTP status, or ``None`` when no response arrived.
    :ivar code: the vendor's error code, when it sent one.
    :ivar vendor_message: the vendor's error message, when it sent one.
    :ivar request_id: the vendor's request id, when it sent one.
    :ivar body_excerpt: the start of a response body that held no readable error message.
    :ivar details: the other fields of the vendor's JSON error body (redacted), such as
        LaunchDarkly's ``failingChecks``; ``None`` when there are none.
    :ivar may_have_been_applied: the request may have changed something; it was not sent again.
    :ivar attempts: how many times the request was sent.
    :ivar retry_after: the seconds the vendor asked to wait before the next request (its
        ``Retry-After`` or rate-limit reset header, read when the answer came), when it said.
    """

    def __init__(
        self,
        *,
        service: str,
        operation: str,
        method: str,
        path: str,
        status: int | None = None,
        code: str | None = None,
        vendor_message: str | None = None,
        request_id: str | None = None,
        body_excerpt: str | None = None,
        details: dict[str, Any] | None = None,
        cause: str | None = None,
        may_have_been_applied: bool = False,
        attempts: int = 1,
        retry_after: float | None = None,
    ) -> None:
        self.service = service
        self.operation = operation
        self.method = method
        self.path = path
        self.status = status
        self.code = code
        self.vendor_message = vendor_message
        self.request_id = request_id
        self.body_excerpt = body_excerpt
        self.details = details
        self.cause = cause
        self.may_have_been_applied = may_have_been_applied
        self.attempts = attempts
        self.retry_after = retry_after
        super().__init__(self._compose())

    def _compose(self) -> str:
        text = f"{self.service} {self.operation} ({self.method} {self.path}) failed"
        if self.status is not None:
            text += f" with HTTP {self.status}"
        if self.code:
            text += f" [{self.code}]"
        details = [self.cause] if self.cause else []
        if self.vendor_message:
            details.append(f"{self.service} said {json.dumps(self.vendor_message, ensure_ascii=False)}")
        elif self.body_excerpt:
            details.append(f"response body: {self.body_excerpt}")
        if details:
            text += ": " + "; ".join(details)
        if self.request_id:
            text += f" (request id {self.request_id})"
        if self.attempts > 1:
            text += f" after {self.attempts} attempts"
        text += "."
        if self.may_have_been_applied:
            text += (
                f" The request may have reached {self.service} and taken effect, so it was not sent"
                " again; check whether the change exists before retrying."
            )
        return text

    def __reduce__(self):
        return (partial(type(self), **self.__dict__), ())


class ReleasesApiValidationError(ReleasesApiError):
    """The vendor rejected the request as invalid (HTTP 400 or 422)."""


class ReleasesApiAuthError(ReleasesApiError):
    """The credentials were refused or lack permission (HTTP 401 or 403)."""


class ReleasesApiNotFoundError(ReleasesApiError):
    """The object does not exist (HTTP 404)."""


class ReleasesApiConflictError(ReleasesApiError):
    """The request conflicts with the object's current state (HTTP 409)."""


class ReleasesApiRateLimitError(ReleasesApiError):
    """The vendor's rate limit was still exceeded when the retry budget ran out (HTTP 429)."""


class ReleasesApiServerError(ReleasesApiError):
    """The vendor or a proxy in front of it failed (HTTP 5xx)."""


class ReleasesApiConnectionError(ReleasesApiError):
    """No response arrived: the connection failed, was dropped, or timed out."""


class ReleasesApiResponseError(ReleasesApiError):
    """The vendor answered with success but the body could not be read."""


class ReleasesApiMalformedResponseError(ReleasesApiResponseError):
    """The vendor answered with success but the body was not valid JSON (cut short, or HTML)."""


class ReleaseStepError(ReleasesError, RuntimeError):
    """
    A step of a multi-step operator failed after an earlier step changed something.

    :ivar done: what the operator had already changed, in order (also in the message).
    """

    def __init__(self, message: str, done: list[str]) -> None:
        self.done = list(done)
        super().__init__(message)

    def __reduce__(self):
        return (type(self), (self.args[0], self.done))
