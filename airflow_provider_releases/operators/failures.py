"""Which failures a retry cannot mend, and the errors that end an operator's task without retries."""

from __future__ import annotations

from typing import Any

from airflow.sdk.exceptions import AirflowFailException, AirflowNotFoundException

from airflow_provider_releases.exceptions import (
    ConnectionConfigError,
    InvalidParameterError,
    ReleasesApiAuthError,
    ReleasesApiConflictError,
    ReleasesApiNotFoundError,
    ReleasesApiValidationError,
    ReleasesError,
    ReleaseStateError,
    ReleaseStepError,
)

# Failures a retry cannot change: (what kind of failure it is, what to fix), by error class.
_PERMANENT: tuple[tuple[type[Exception], str, str], ...] = (
    (ConnectionConfigError, "connection misconfigured", "fix the Airflow connection as the message says"),
    (ReleaseStateError, "state does not allow it", "do what the message says"),
    (ReleasesApiAuthError, "credentials refused", "check the Airflow connection's credentials and rights"),
    (ReleasesApiNotFoundError, "not found", "check the ids and keys given: {service} has no such object"),
    (ReleasesApiValidationError, "request refused", "correct the parameters {service} names"),
    (ReleasesApiConflictError, "conflict", "check the object's current state at {service}"),
    (
        AirflowNotFoundException,
        "missing connection",
        "define that connection (Admin > Connections, or an AIRFLOW_CONN_<ID> variable) or name an"
        " existing one",
    ),
)


def permanent_failure(exc: BaseException) -> tuple[str, str] | None:
    """
    Return ``(kind, what to fix)`` when ``exc`` is a failure trying again cannot mend, else ``None``.

    Permanent: invalid parameters, an unusable connection, a state that forbids the request, and
    the vendor's 400, 401, 403, 404, 409 and 422; everything else may succeed when retried.
    """
    if isinstance(exc, ReleaseStepError):
        return permanent_failure(exc.__cause__) if exc.__cause__ is not None else None
    if isinstance(exc, InvalidParameterError):
        return "invalid parameter", f"fix {exc.param} in the task's arguments (or what renders it)"
    for cls, kind, fix in _PERMANENT:
        if isinstance(exc, cls):
            return kind, fix.format(service=getattr(exc, "service", None))
    return None


def _cause_attributes(exc: BaseException | None) -> dict[str, Any]:
    """The attributes of ``exc`` and of the errors that caused it, the outermost winning."""
    chain: list[BaseException] = []
    while exc is not None and exc not in chain:
        chain.append(exc)
        exc = exc.__cause__
    attributes: dict[str, Any] = {}
    for error in reversed(chain):
        attributes.update({k: v for k, v in vars(error).items() if not k.startswith("_")})
    return attributes


class ReleaseNotRetried(AirflowFailException, ReleasesError):
    """
    A failure after something may have changed at the vendor: the task fails without retries.

    The ``__cause__`` is the ``ReleasesApiError`` or ``ReleaseStepError``.
    """


class ReleasePermanentError(AirflowFailException, ReleasesError):
    """
    An operator failed in a way trying again cannot mend (:func:`permanent_failure`): no retries.

    The original error is the ``__cause__``; its attributes (``status``, ``param``...) read through this one.
    """

    def __init__(self, message: str, **attributes: Any) -> None:
        super().__init__(message)
        self.__dict__.update(attributes)

    @classmethod
    def wrap(cls, exc: BaseException, kind: str, fix: str) -> ReleasePermanentError:
        """Return the error for ``exc``, a permanent failure of ``kind``; raise it ``from exc``."""
        told = str(exc).rstrip()
        told += "" if told.endswith(".") else "."
        return cls(
            f"Permanent failure ({kind}), not retried: {told} To fix: {fix}; then clear the task.",
            **_cause_attributes(exc),
        )
