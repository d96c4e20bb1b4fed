"""
The fault matrix's columns, and what a user expects of each kind of call under each fault.

The expectations are written from the documented retry policy, not read off the code:

- a 429 asks the client to wait: every call waits as asked (``Retry-After`` in seconds or as
  an HTTP date, or the vendor's reset header) and succeeds, writes included, because a 429
  means the vendor did nothing;
- a read (GET) or a DELETE may be sent again: 502, 503, 504, a proxy's HTML page, a read
  timeout and a dropped connection are retried and succeed; a 500 (a fault of the vendor's
  that asking again rarely cures) and a malformed success body fail with a clear error;
- a write (POST, PUT, PATCH) that may have reached the vendor is never sent again: it fails,
  saying that it may have taken effect.

Which faults the sandbox lets reach the vendor's state: a slow answer (carried out, answered
late) and a malformed body (carried out, answer cut short). The others leave it untouched.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from airflow_provider_releases.exceptions import (
    ReleasesApiConnectionError,
    ReleasesApiError,
    ReleasesApiMalformedResponseError,
    ReleasesApiServerError,
)

# Seconds: the hooks' read timeout in the matrix, with room for a busy machine (every request of
# a cell reads with it, the set-up's too); and how long a slow answer takes, past it.
READ_TIMEOUT = 0.5
SLOW = 1.0
RETRY_AFTER = WAIT = 2  # seconds a 429 asks to wait


@dataclass(frozen=True)
class Fault:
    """A column: a fault the sandbox injects into the call's key request."""

    column: str
    kind: str
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def rate_limit(self) -> bool:
        return self.kind == "rate_limit"

    @property
    def reaches_vendor(self) -> bool:
        """The vendor carries the request out although the client sees a failure."""
        return self.kind in ("delay", "malformed")


FAULTS = (
    Fault("429 Retry-After s", "rate_limit", {"limit_headers": "retry-after", "retry_after": RETRY_AFTER}),
    Fault("429 Retry-After date", "rate_limit", {"limit_headers": "retry-after-date", "retry_after": WAIT}),
    Fault("429 reset header", "rate_limit", {"limit_headers": "reset", "retry_after": RETRY_AFTER}),
    Fault("500", "error", {"status": 500}),
    Fault("502", "error", {"status": 502}),
    Fault("503", "error", {"status": 503}),
    Fault("504", "error", {"status": 504}),
    Fault("slow", "delay", {"delay": SLOW}),
    Fault("drop", "drop"),
    Fault("malformed JSON", "malformed"),
    Fault("proxy HTML 502", "html", {"status": 502}),
)

# What the HTTP core does with each fault, by whether the request may be sent again.
RETRIED_FOR_IDEMPOTENT = {"502", "503", "504", "slow", "drop", "proxy HTML 502"}


@dataclass(frozen=True)
class Expected:
    """What the hook call meets: success, or an error of ``error`` class."""

    error: type[ReleasesApiError] | None = None
    may_have_been_applied: bool = False
    cause: str | None = None  # words the error's message must hold

    @property
    def ok(self) -> bool:
        return self.error is None


def connection_test_cause(fault: Fault) -> str:
    """What a connection test, one read without retries, reports for ``fault``."""
    if fault.rate_limit:
        return "HTTP 429"
    return expected_for("POST", fault).cause


def expected_for(method: str, fault: Fault) -> Expected:
    """What a user expects of a request with HTTP ``method`` that meets ``fault``."""
    if fault.rate_limit:
        return Expected()
    if method in ("GET", "DELETE") and fault.column in RETRIED_FOR_IDEMPOTENT:
        return Expected()
    unsafe = method in ("POST", "PUT", "PATCH")
    if fault.kind == "malformed":
        # A success status: the vendor carried out whatever the request asked.
        return Expected(ReleasesApiMalformedResponseError, method != "GET", "the response body is not valid")
    if fault.kind == "delay":
        return Expected(ReleasesApiConnectionError, unsafe, f"no response within the {READ_TIMEOUT:g} s read")
    if fault.kind == "drop":
        return Expected(ReleasesApiConnectionError, unsafe, "the connection was dropped")
    if fault.kind == "html":
        return Expected(ReleasesApiServerError, unsafe, 'an HTML page "502 Bad Gateway"')
    return Expected(ReleasesApiServerError, unsafe, f"HTTP {fault.options['status']}")
