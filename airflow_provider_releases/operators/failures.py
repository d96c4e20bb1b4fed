"""Which failures a retry cannot mend, and the errors that end an operator's task without retries."""

from __future__ import annotations

from typing import Any

from airflow.sdk.exceptions import AirflowFailException

from airflow_provider_releases.exceptions import ReleasesError
from airflow_provider_releases.retries import FailureClass, classify_failure


def permanent_failure(exc: BaseException) -> tuple[str, str] | None:
    """
    Return ``(kind, what to fix)`` when ``exc`` is a failure trying again cannot mend, else ``None``.

    The rule is :func:`~airflow_provider_releases.retries.classify_failure`'s.
    """
    verdict = classify_failure(exc)
    return (verdict.what, verdict.fix) if verdict.kind is FailureClass.PERMANENT else None


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
