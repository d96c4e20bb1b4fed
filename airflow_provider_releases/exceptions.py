"""Every error the provider raises.

``InvalidParameterError`` is raised before any request is sent. Every failure of a request
that was sent is a ``ReleasesApiError``; its subclass says what kind of failure it was.
Operators add ``ReleaseStepError`` (a later step failed after an earlier one changed
something) and ``ReleaseNotRetried``; sensors add ``ReleaseSensorFailed``. The last two are
``AirflowFailException`` subclasses: the task fails without Airflow's automatic retries, as it
does with ``ReleasePermanentError``, which operators raise for a failure that trying again cannot
mend (:func:`permanent_failure` says which those are).

Those three are built on first use (see :func:`__getattr__`), so that the rule book, the sandbox
and the provider registry (which Airflow loads while it configures itself) import this module
without importing Airflow.
"""

from __future__ import annotations

import json
import re
import threading
from typing import Any

_EXCERPT_CHARS = 300
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


class InvalidParameterError(ValueError):
    """A hook argument does not have the form the vendor API accepts; nothing was sent."""

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

    A template such as ``{{ ti.xcom_pull('build') }}`` renders to ``'None'`` (or ``'null'``)
    when the XCom it reads does not exist; sent as an id, that would call the wrong URL.

    :ivar rendered: the value is what a template rendered to (else it was given as it is).
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


class ReleaseStateError(ValueError):
    """The object's state at the vendor does not allow what the task asks; a retry would not change it."""


class ConnectionConfigError(ValueError):
    """The Airflow connection lacks a setting the hook needs, or holds one it cannot use."""


class DryRunRequest(Exception):
    """
    A hook in dry-run mode stopped before sending a request that could change something.

    Not a ``ReleasesApiError``: nothing was sent. Raised by the HTTP core instead of sending any
    request other than a GET; the operators turn it into their dry-run result.

    :ivar request: what would have been sent: ``method``, ``url``, ``params``, ``json`` and, for
        uploads, ``file`` (its local ``path`` and ``size`` in bytes, not its content). Never holds
        the authentication headers.
    """

    def __init__(self, request: dict[str, Any]) -> None:
        self.request = request
        super().__init__(f"Dry run: would send {request.get('method')} {request.get('url')}")

    def __reduce__(self):
        return (type(self), (self.request,))


class ReleasesApiError(Exception):
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
    :ivar may_have_been_applied: the request may have reached the vendor and changed something;
        it was not sent again.
    :ivar attempts: how many times the request was sent.
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
        cause: str | None = None,
        may_have_been_applied: bool = False,
        attempts: int = 1,
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
        self.cause = cause
        self.may_have_been_applied = may_have_been_applied
        self.attempts = attempts
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
        state = {k: v for k, v in self.__dict__.items()}
        return (_rebuild_error, (type(self), state))


def _rebuild_error(cls: type[ReleasesApiError], state: dict[str, Any]) -> ReleasesApiError:
    return cls(**state)


class ReleaseStepError(RuntimeError):
    """
    A step of a multi-step operator failed after an earlier step changed something.

    The message says what was already done (for example, which release was created) so that
    the state on the vendor's side can be recovered; the failure of the step is the
    ``__cause__``.

    :ivar done: what the operator had already changed, in order, as plain sentences.
    """

    def __init__(self, message: str, done: list[str]) -> None:
        self.done = list(done)
        super().__init__(message)

    def __reduce__(self):
        return (type(self), (self.args[0], self.done))


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


_STATUS_CLASSES: dict[int, type[ReleasesApiError]] = {
    400: ReleasesApiValidationError,
    401: ReleasesApiAuthError,
    403: ReleasesApiAuthError,
    404: ReleasesApiNotFoundError,
    409: ReleasesApiConflictError,
    422: ReleasesApiValidationError,
    429: ReleasesApiRateLimitError,
}


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
) -> ReleasesApiError:
    """
    Build the error for a vendor's error answer: the class its status calls for, with the
    vendor's code, message and request id read from the (already redacted) body ``text``.

    :param context: ``service``, ``operation``, ``method`` and ``path`` of the request.
    :param request_id: the request id a response header carried, preferred over the body's.
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
        cause=cause,
        may_have_been_applied=may_have_been_applied,
        attempts=attempts,
    )


def excerpt(text: str) -> str:
    """Collapse white space and cut ``text`` to a short excerpt for an error message."""
    text = re.sub(r"\s+", " ", text).strip()
    if len(text) > _EXCERPT_CHARS:
        text = text[:_EXCERPT_CHARS] + "... (truncated)"
    return text


_HTML_START = re.compile(r"\s*(<!doctype\s+html|<html|<head|<body)", re.IGNORECASE)
_HTML_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_HTML_TAG = re.compile(r"<[^>]*>")


def describe_body(text: str) -> str:
    """
    A short description of a body that held no readable error, for an error message.

    An HTML page (what a proxy or load balancer answers when the API behind it fails) is named
    by its title, or by its text when it has none, instead of quoted; anything else is cut to
    an :func:`excerpt`.
    """
    if _HTML_START.match(text):
        title = _HTML_TITLE.search(text)
        words = excerpt(title.group(1) if title else _HTML_TAG.sub(" ", text))
        named = f" {json.dumps(words, ensure_ascii=False)}" if words else ""
        return f"an HTML page{named}, not the API's JSON (a proxy or gateway in front of it answered)"
    return excerpt(text) or "(empty)"


def parse_error_body(text: str) -> tuple[str | None, str | None, str | None]:
    """
    Read ``(code, message, request_id)`` from a vendor error body.

    Understands LaunchDarkly's ``{"code", "message", "id"}``, Cryptlex's ``{"message", "code"}``
    and the ``error``/``errors`` shapes other APIs use; returns ``None`` for what is absent or
    when the body is not JSON.
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


def _flatten_errors(errors: Any) -> str:
    if isinstance(errors, dict):
        if "message" in errors:
            return str(errors["message"])
        return "; ".join(f"{key} {_flatten_errors(val)}" for key, val in errors.items())
    if isinstance(errors, list):
        return "; ".join(_flatten_errors(item) for item in errors)
    return str(errors)


# Failures a retry cannot change: (what kind of failure it is, what to fix), by error class.
_PERMANENT: tuple[tuple[type[Exception], str, str], ...] = (
    (ConnectionConfigError, "connection misconfigured", "fix the Airflow connection as the message says"),
    (ReleaseStateError, "state does not allow it", "do what the message says"),
    (ReleasesApiAuthError, "credentials refused", "check the Airflow connection's credentials and rights"),
    (ReleasesApiNotFoundError, "not found", "check the ids and keys given: {service} has no such object"),
    (ReleasesApiValidationError, "request refused", "correct the parameters {service} names"),
    (ReleasesApiConflictError, "conflict", "check the object's current state at {service}"),
)


def permanent_failure(exc: BaseException) -> tuple[str, str] | None:
    """
    Say whether ``exc`` is a failure that trying again cannot mend: return ``(kind, what to fix)``,
    or ``None`` when a retry may succeed (a 429 beyond the retry budget, a 5xx, a timeout, a
    dropped connection, an unreadable answer, anything else).

    Permanent: invalid parameters, an unusable or missing Airflow connection, and the vendor's
    400, 401, 403, 404, 409 and 422 answers. A ``ReleaseStepError`` is what its cause is.
    """
    if isinstance(exc, ReleaseStepError):
        return permanent_failure(exc.__cause__) if exc.__cause__ is not None else None
    if isinstance(exc, InvalidParameterError):
        return "invalid parameter", f"fix {exc.param} in the task's arguments (or what renders it)"
    for cls, kind, fix in _PERMANENT:
        if isinstance(exc, cls):
            return kind, fix.format(service=getattr(exc, "service", None))
    if isinstance(exc, ReleasesApiError):
        return None
    from airflow.sdk.exceptions import AirflowNotFoundException

    if isinstance(exc, AirflowNotFoundException):
        return "missing connection", (
            "define that connection (Admin > Connections, or an AIRFLOW_CONN_<ID> variable) or name"
            " an existing one"
        )
    return None


def _cause_attributes(exc: BaseException) -> dict[str, Any]:
    """The attributes of ``exc`` and of the errors that caused it, the outermost winning."""
    chain: list[BaseException] = []
    while exc is not None and exc not in chain:
        chain.append(exc)
        exc = exc.__cause__
    attributes: dict[str, Any] = {}
    for error in reversed(chain):
        attributes.update({k: v for k, v in vars(error).items() if not k.startswith("_")})
    return attributes


_AIRFLOW_FAILURES_LOCK = threading.Lock()


def _airflow_failures() -> dict[str, type[Exception]]:
    from airflow.sdk.exceptions import AirflowFailException

    class ReleaseNotRetried(AirflowFailException):
        """
        A request that may have taken effect failed, and a retry could not tell: the task fails
        without Airflow's automatic retries.

        Raised by operators whose service offers no way to look up what an earlier try made, so
        a retry could make a second object. The ``__cause__`` is the :class:`ReleasesApiError`.
        """

    class ReleaseSensorFailed(AirflowFailException):
        """
        The awaited release state can never be reached: the task fails at once, without retries.

        Raised for a canceled release, a phase that does not exist, an object the vendor does
        not know, refused credentials, or an answer that cannot tell the state. The message says
        which, and quotes the vendor where it said something.
        """

    class ReleasePermanentError(AirflowFailException):
        """
        An operator failed in a way trying again cannot mend: the task fails without retries.

        Invalid parameters, an unusable or missing Airflow connection, refused credentials
        (401, 403), an unknown object (404), and a request the vendor refused (400, 409, 422);
        see :func:`permanent_failure`. The message says which kind and what to fix. The original
        error is the ``__cause__``, and its attributes (``status``, ``service``, ``param``,
        ``done``...) read through this one.
        """

        def __init__(self, message: str, **attributes: Any) -> None:
            super().__init__(message)
            self.__dict__.update(attributes)

        @classmethod
        def wrap(cls, exc: BaseException, kind: str, fix: str) -> ReleasePermanentError:
            """The error for ``exc``, a permanent failure of ``kind``; raise it ``from exc``."""
            told = str(exc).rstrip()
            told += "" if told.endswith(".") else "."
            return cls(
                f"Permanent failure ({kind}), not retried: {told} To fix: {fix}; then clear the task.",
                **_cause_attributes(exc),
            )

        def __reduce__(self):
            return (_rebuild_permanent, (self.args[0], dict(self.__dict__)))

    classes: dict[str, type[Exception]] = {}
    for cls in (ReleaseNotRetried, ReleaseSensorFailed, ReleasePermanentError):
        cls.__qualname__ = cls.__name__  # pickled and named as airflow_provider_releases.exceptions.<name>
        classes[cls.__name__] = cls
    return classes


def _rebuild_permanent(message: str, attributes: dict[str, Any]) -> Exception:
    return __getattr__("ReleasePermanentError")(message, **attributes)


def __getattr__(name: str) -> type[Exception]:
    """
    Return ``ReleaseNotRetried``, ``ReleaseSensorFailed`` or ``ReleasePermanentError``, all
    ``AirflowFailException`` subclasses, creating them (once) on first use.

    :raises AttributeError: the module has no attribute ``name``.
    """
    if name not in ("ReleaseNotRetried", "ReleaseSensorFailed", "ReleasePermanentError"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    with _AIRFLOW_FAILURES_LOCK:
        if name not in globals():
            globals().update(_airflow_failures())
    return globals()[name]
