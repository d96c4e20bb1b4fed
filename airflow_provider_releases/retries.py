"""
Which failures a retry can mend, and :class:`ReleasesRetryPolicy`, Airflow 3.3's retry policy built on that.

:func:`classify_failure` is the one rule: the operators fail a permanent failure at once with it
(``ReleasePermanentError``), and the policy tells Airflow the same for any task, a TaskFlow task
calling a hook included. This module imports on Airflow 3.2 too; only constructing the policy
needs Airflow 3.3 (:data:`RETRY_POLICIES_AVAILABLE`).
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from airflow.sdk.exceptions import (
    AirflowNotFoundException,
    AirflowOptionalProviderFeatureException,
)

from airflow_provider_releases.exceptions import (
    ConnectionConfigError,
    InvalidParameterError,
    ReleasesApiAuthError,
    ReleasesApiConflictError,
    ReleasesApiNotFoundError,
    ReleasesApiRateLimitError,
    ReleasesApiValidationError,
    ReleaseStateError,
    ReleaseStepError,
)

try:
    from airflow.sdk import RetryDecision, RetryPolicy
except ImportError:  # Airflow 3.2: no retry policies
    RetryPolicy = object  # type: ignore[assignment,misc]
    RETRY_POLICIES_AVAILABLE = False
else:
    RETRY_POLICIES_AVAILABLE = True

if TYPE_CHECKING:
    from airflow.sdk import Context

__all__ = [
    "DEFAULT_MAX_RETRY_DELAY",
    "RETRY_POLICIES_AVAILABLE",
    "FailureClass",
    "FailureVerdict",
    "ReleasesRetryPolicy",
    "classify_failure",
    "use_by_default",
]

#: The longest wait :class:`ReleasesRetryPolicy` asks for a rate limit by default.
DEFAULT_MAX_RETRY_DELAY = timedelta(hours=1)

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


class FailureClass(enum.Enum):
    """What trying again can do about a failure."""

    PERMANENT = "permanent"
    """Nothing: fail at once."""
    RATE_LIMITED = "rate limited"
    """Succeed once the vendor's rate limit resets."""
    TRANSIENT = "transient"
    """Maybe: the task's own retries apply."""


@dataclass(frozen=True)
class FailureVerdict:
    """
    What :func:`classify_failure` found.

    :param what: the kind of permanent failure, for example ``"credentials refused"``.
    :param fix: what to fix, for a permanent failure.
    :param service: the vendor that answered, when one did.
    :param retry_after: for a rate limit, the seconds the vendor asked to wait, when it said.
    """

    kind: FailureClass
    what: str = ""
    fix: str = ""
    service: str | None = None
    retry_after: float | None = None


def classify_failure(exc: BaseException) -> FailureVerdict:
    """
    Say whether trying again can mend ``exc`` (a ``ReleaseStepError`` is judged by its cause).

    Permanent: invalid parameters, an unusable or undefined connection, a state that forbids the
    request, and the vendor's 400, 401, 403, 404, 409 and 422.
    Rate limited: a 429 the hook's own retries could not wait out. Everything else is transient.
    """
    if isinstance(exc, ReleaseStepError):
        cause = exc.__cause__
        return classify_failure(cause) if cause is not None else FailureVerdict(FailureClass.TRANSIENT)
    service = getattr(exc, "service", None)
    if isinstance(exc, ReleasesApiRateLimitError):
        return FailureVerdict(FailureClass.RATE_LIMITED, service=service, retry_after=exc.retry_after)
    if isinstance(exc, InvalidParameterError):
        fix = f"fix {exc.param} in the task's arguments (or what renders it)"
        return FailureVerdict(FailureClass.PERMANENT, "invalid parameter", fix)
    for cls, what, fix in _PERMANENT:
        if isinstance(exc, cls):
            return FailureVerdict(FailureClass.PERMANENT, what, fix.format(service=service), service)
    return FailureVerdict(FailureClass.TRANSIENT, service=service)


class ReleasesRetryPolicy(RetryPolicy):
    """
    Retry only what can succeed, and a rate limit when the vendor's limit resets (Airflow 3.3+).

    Use it on any task, ``@task(retries=3, retry_policy=ReleasesRetryPolicy())``; the provider's
    operators and sensors use it unless given their own ``retry_policy``. By
    :func:`classify_failure`: a permanent failure fails the task at once, a rate limit retries
    after the wait the vendor asked for (at most ``max_retry_delay``; without one, after the
    task's ``retry_delay``), anything else falls through to the task's ``retries`` and
    ``retry_delay``. A retry still counts against the task's ``retries``.

    :param max_retry_delay: the longest wait for a rate limit (a ``timedelta`` or seconds).
    :raises AirflowOptionalProviderFeatureException: on Airflow 3.2, which has no retry policies.
    """

    def __init__(self, max_retry_delay: timedelta | float = DEFAULT_MAX_RETRY_DELAY) -> None:
        if not RETRY_POLICIES_AVAILABLE:
            from airflow import __version__ as airflow_version

            raise AirflowOptionalProviderFeatureException(
                f"ReleasesRetryPolicy needs Airflow 3.3 or later (retry policies, the retry_policy"
                f" argument of tasks); this is Airflow {airflow_version}. On Airflow 3.2 leave"
                " retry_policy out: the provider's operators fail a permanent failure at once"
                " without it, and a task's retries and retry_delay apply to everything else."
            )
        if not isinstance(max_retry_delay, timedelta):
            max_retry_delay = timedelta(seconds=max_retry_delay)
        if max_retry_delay < timedelta(0):
            raise ValueError(f"max_retry_delay={max_retry_delay!r} is negative: expected a wait of 0 or more")
        self.max_retry_delay = max_retry_delay

    def __repr__(self) -> str:
        return f"{type(self).__name__}(max_retry_delay={self.max_retry_delay!r})"

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.max_retry_delay == self.max_retry_delay

    def __hash__(self) -> int:
        return hash((type(self), self.max_retry_delay))

    def evaluate(
        self,
        exception: BaseException,
        try_number: int,
        max_tries: int,
        context: Context | None = None,
    ) -> RetryDecision:
        """Decide from :func:`classify_failure`; the reason names the failure and what to fix."""
        verdict = classify_failure(exception)
        if verdict.kind is FailureClass.PERMANENT:
            return RetryDecision.fail(
                f"Permanent failure ({verdict.what}), not retried: {type(exception).__name__}."
                f" To fix: {verdict.fix}; then clear the task."
            )
        if verdict.kind is FailureClass.RATE_LIMITED:
            who = verdict.service or "the vendor"
            if verdict.retry_after is None:
                return RetryDecision.retry(
                    reason=f"{who} rate limit: it said no reset time, so the task's retry_delay applies."
                )
            asked = timedelta(seconds=math.ceil(verdict.retry_after))
            delay = min(asked, self.max_retry_delay)
            capped = f", capped at max_retry_delay {self.max_retry_delay}" if delay < asked else ""
            return RetryDecision.retry(
                delay,
                f"{who} rate limit: retrying in {delay}, when {who} said it resets{capped}.",
            )
        return RetryDecision.default()

    def serialize(self) -> dict[str, Any]:
        """Return the policy as JSON: its class path and ``max_retry_delay`` in seconds."""
        return {
            "__type": f"{type(self).__module__}.{type(self).__qualname__}",
            "max_retry_delay": self.max_retry_delay.total_seconds(),
        }

    @classmethod
    def deserialize(cls, data: dict[str, Any]) -> ReleasesRetryPolicy:
        """Rebuild the policy :meth:`serialize` wrote."""
        return cls(max_retry_delay=timedelta(seconds=data["max_retry_delay"]))


def use_by_default(task: Any) -> None:
    """Give ``task`` (an operator) a :class:`ReleasesRetryPolicy` unless it has a ``retry_policy``; on
    Airflow 3.2 do nothing."""
    if RETRY_POLICIES_AVAILABLE and task.retry_policy is None:
        task.retry_policy = ReleasesRetryPolicy()
