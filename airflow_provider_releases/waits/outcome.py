"""
What one check of a wait finds, and how a trigger event carries it.

A trigger's event payload is :meth:`Outcome.to_event`, a plain JSON dict that older and newer
versions of the triggers both read:

- ``{"status": "done", "value": ...}``
- ``{"status": "error", "message": "..."}``, with ``"reason"`` when the vendor gave one
- ``{"status": "timeout", "message": "<the last check>"}``
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any, Protocol

from airflow_provider_releases.exceptions import (
    ConnectionConfigError,
    InvalidParameterError,
    ReleasesApiAuthError,
    ReleasesApiConnectionError,
    ReleasesApiError,
    ReleasesApiMalformedResponseError,
    ReleasesApiNotFoundError,
    ReleasesApiRateLimitError,
    ReleasesApiServerError,
    ReleasesError,
)
from airflow_provider_releases.hooks.answers import excerpt

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Mapping

    from airflow_provider_releases.hooks.base import ReleasesBaseHook


class WaitStatus(str, Enum):
    """Where a wait stands after a check (or, for a trigger event, how it ended)."""

    DONE = "done"  #: the awaited state was reached
    PENDING = "pending"  #: not yet; check again later
    ERROR = "error"  #: the awaited state can never be reached
    TIMEOUT = "timeout"  #: the sensor's timeout passed while pending (trigger events only)

    @property
    def is_final(self) -> bool:
        """Whether the wait is over (anything but :attr:`PENDING`)."""
        return self is not WaitStatus.PENDING


#: What each final status's event carries besides ``status``.
_EVENT_FIELD = {WaitStatus.DONE: "value", WaitStatus.ERROR: "message", WaitStatus.TIMEOUT: "message"}


class NotAnEvent(ReleasesError, ValueError):
    """A trigger event payload that no release trigger sends (or an outcome that is no event)."""


@dataclass(frozen=True)
class Outcome:
    """
    What one check of a wait found: build one with :meth:`done`, :meth:`pending`, :meth:`failed` or
    :meth:`timed_out`.
    """

    status: WaitStatus
    value: Any = None
    message: str | None = None
    transient: bool = False
    #: The vendor's own word for why a release waits or failed (LaunchDarkly's ``statusReason``),
    #: when it gave one: the Releases page shows a regression or a manual-advance wait as such.
    reason: str | None = None

    @classmethod
    def done(cls, value: Any) -> Outcome:
        """The wait is over; ``value`` (JSON-able) is what the sensor returns."""
        return cls(WaitStatus.DONE, value=value)

    @classmethod
    def pending(cls, message: str, *, transient: bool = False, reason: str | None = None) -> Outcome:
        """Not yet; ``message`` says what was seen. ``transient``: the vendor could not be read."""
        return cls(WaitStatus.PENDING, message=message, transient=transient, reason=reason)

    @classmethod
    def failed(cls, message: str, *, reason: str | None = None) -> Outcome:
        """The wait can never succeed; ``message`` says why, for a release manager."""
        return cls(WaitStatus.ERROR, message=message, reason=reason)

    @classmethod
    def timed_out(cls, last_check: str | None) -> Outcome:
        """The sensor's timeout passed first; ``last_check`` is the last pending check's message."""
        return cls(WaitStatus.TIMEOUT, message=last_check)

    def log_pending(self, log: Any) -> None:
        """Log a pending check's message: a warning when transient, else info."""
        (log.warning if self.transient else log.info)("%s", self.message)

    def to_event(self) -> dict[str, Any]:
        """
        Return the trigger event payload for this final outcome.

        :raises NotAnEvent: the outcome is pending.
        """
        field = _EVENT_FIELD.get(self.status)
        if field is None:
            raise NotAnEvent(f"A pending outcome is not a trigger event: {self!r}")
        event = {"status": self.status.value, field: getattr(self, field)}
        if self.reason is not None:
            event["reason"] = self.reason
        return event

    @classmethod
    def from_event(cls, event: Mapping[str, Any] | None) -> Outcome:
        """
        Read a trigger event payload, as this or any earlier version of the triggers sent it.

        :raises NotAnEvent: ``event`` is not an event a release trigger sends.
        """
        status = event.get("status") if isinstance(event, dict) else None
        if status == WaitStatus.DONE.value and "value" in event:
            return cls.done(event["value"])
        if status == WaitStatus.ERROR.value:
            reason = event.get("reason")
            return cls.failed(str(event.get("message")), reason=None if reason is None else str(reason))
        if status == WaitStatus.TIMEOUT.value:
            last = event.get("message")
            return cls.timed_out(None if last is None else str(last))
        raise NotAnEvent(f"Not a release trigger event: {event!r}")


# Failures worth asking again about at the next check: the vendor may answer normally then.
TRANSIENT_ERRORS = (
    ReleasesApiRateLimitError,
    ReleasesApiServerError,
    ReleasesApiConnectionError,
    ReleasesApiMalformedResponseError,
)
#: What a read through a hook raises for a failure that becomes an outcome; anything else (a
#: missing Airflow connection, a bug) propagates and fails the task in both modes alike.
READ_ERRORS = (ReleasesApiError, InvalidParameterError, ConnectionConfigError)


def read_failure(hook: ReleasesBaseHook, exc: Exception, subject: str, *, not_found: str) -> Outcome:
    """
    Turn a failed read (one of :data:`READ_ERRORS`) into an outcome: transient ones pending, the rest errors.

    :param subject: what was being read, for example ``"Aha! release 'PRJ1-R-1'"``.
    :param not_found: what a 404 means here, said to a release manager.
    """
    detail = hook.redact(str(exc))
    if isinstance(exc, TRANSIENT_ERRORS):
        return Outcome.pending(
            f"{subject}: {hook.service} could not be read this time; will check again. {detail}",
            transient=True,
        )
    if isinstance(exc, ReleasesApiAuthError):
        return Outcome.failed(
            f"{subject}: {hook.service} refused the credentials of connection {hook.conn_id!r} or they "
            f"lack permission. {detail}"
        )
    through = f" (read through connection {hook.conn_id!r})"
    if isinstance(exc, ReleasesApiNotFoundError):
        return Outcome.failed(f"{subject}: {not_found}{through}. {detail}")
    if isinstance(exc, ReleasesApiError):
        return Outcome.failed(f"{subject}{through}: {detail}")
    # a ConnectionConfigError names its connection; an InvalidParameterError is not about one
    return Outcome.failed(f"{subject}: {detail}")


class Judge(Protocol):
    """What :func:`check_read` needs of a wait (a :class:`~.base.ReleaseWait`)."""

    #: What is read, for messages, for example ``"Aha! release 'PRJ1-R-1'"``.
    subject: str
    #: What a 404 means for this wait, said to a release manager.
    not_found: str

    def judge(self, hook: ReleasesBaseHook, answer: Any) -> Outcome:
        """Return the outcome ``answer`` (the vendor's body) shows; ``hook`` only redacts."""


def check_read(hook: ReleasesBaseHook, judge: Judge, read: Callable[[], Any]) -> Outcome:
    """Read once (blocking) and judge the answer; a failed read becomes an outcome."""
    try:
        answer = read()
    except READ_ERRORS as exc:
        return read_failure(hook, exc, judge.subject, not_found=judge.not_found)
    return judge.judge(hook, answer)


async def acheck_read(hook: ReleasesBaseHook, judge: Judge, read: Callable[[], Awaitable[Any]]) -> Outcome:
    """:func:`check_read` on the event loop: await the read, then judge it the same way."""
    try:
        answer = await read()
    except READ_ERRORS as exc:
        return read_failure(hook, exc, judge.subject, not_found=judge.not_found)
    return judge.judge(hook, answer)


def unreadable(hook: ReleasesBaseHook, subject: str, why: str, answer: Any) -> Outcome:
    """Return the error outcome of an answer that cannot tell the state, quoting it redacted."""
    return Outcome.failed(f"{subject}: {why}: {excerpt(hook.redact(repr(answer)))}")


def timeout_message(waiting_for: str, timeout: float, last: str | None) -> str:
    """The message of a sensor that timed out, the same in both modes; ``last``: the last check."""
    text = f"Timed out waiting for {waiting_for} after the sensor's timeout of {timeout:g} s"
    return f"{text}. Last check: {last}" if last else f"{text}."
