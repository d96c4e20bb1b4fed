"""
How many concurrent waits stay under each vendor's documented rate limit, at which poll interval.

The limits are the ones ``/work/shared/api-docs/README.md`` documents (nothing else): Aha!'s 300
requests a minute and 20 a second, Cryptlex's 50 per 5 seconds per IP; LaunchDarkly counts in
10-second windows but documents no number; Amplitude documents about 5 concurrent requests (a
cap on concurrency, not a rate) and no wait of this provider polls it. The table is computed from
those numbers and from what a wait costs per poll interval as the benchmark measured it: one
request per wait, or, for LaunchDarkly phase waits on flags of one pipeline read through shared
polls, the pipeline list's pages plus one own read per flag that changed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

POLL_INTERVALS = (10.0, 60.0, 300.0)  # seconds; 60 is Airflow's default poke_interval
LAUNCHDARKLY_WINDOW = 10.0  # seconds: LaunchDarkly's documented window (its size is all it documents)


@dataclass(frozen=True)
class Limit:
    """At most ``requests`` in any ``seconds``."""

    requests: int
    seconds: float


@dataclass(frozen=True)
class Vendor:
    """A vendor's documented limit, in words and (where documented) in numbers."""

    name: str
    documented: str
    limits: tuple[Limit, ...] = ()
    polled: bool = True  # whether any wait of the provider polls this vendor


VENDORS = (
    Vendor("LaunchDarkly", "10-second windows, 429 beyond; the number of requests is not documented"),
    Vendor("Amplitude", "about 5 concurrent requests, 429 beyond; no rate documented", polled=False),
    Vendor("Aha!", "300 requests per minute and 20 per second", (Limit(300, 60), Limit(20, 1))),
    Vendor("Cryptlex", "50 requests per 5 seconds per IP", (Limit(50, 5),)),
)


def max_waits(limits: Sequence[Limit], poll_interval: float, *, in_step: bool = False) -> int:
    """
    The most waits, each costing one request per ``poll_interval``, that keep under every limit.

    Spread evenly over the interval, ``n`` waits send ``n * seconds / poll_interval`` requests in
    any window of ``seconds``. In step (all polling at the same moment, as waits deferred together
    do), they send ``n`` at once, and ``n * ceil(seconds / poll_interval)`` within the window.

    :raises ValueError: ``poll_interval`` is not positive, or no limit is given.
    """
    if poll_interval <= 0:
        raise ValueError(f"poll_interval={poll_interval!r} must be a positive number of seconds")
    if not limits:
        raise ValueError("max_waits needs at least one documented limit")
    if in_step:
        return min(limit.requests // math.ceil(limit.seconds / poll_interval) for limit in limits)
    return min(math.floor(limit.requests * poll_interval / limit.seconds) for limit in limits)


def per_window(requests_per_poll: float, poll_interval: float, window: float = LAUNCHDARKLY_WINDOW) -> float:
    """Requests in ``window`` seconds, for ``requests_per_poll`` spread over each poll interval."""
    return requests_per_poll * window / poll_interval


def _launchdarkly_cell(list_pages: Mapping[int, float], poll_interval: float) -> str:
    """Requests per 10-second window, polled one by one and (where measured) through shared polls."""
    one = f"{per_window(1, poll_interval):.2g} per wait polled one by one"
    shared = [
        f"{size:,} waits on one pipeline {per_window(pages, poll_interval):,.1f} shared "
        f"(+ {per_window(1, poll_interval):.2g} per changed flag), "
        f"{per_window(size, poll_interval):,.0f} one by one"
        for size, pages in sorted(list_pages.items())
    ]
    return "; ".join([f"not documented: requests per 10 s window: {one}", *shared])


def _seconds(value: float) -> str:
    return f"{value:g} s"


def table(list_pages: Mapping[int, float], poll_intervals: Sequence[float] = POLL_INTERVALS) -> str:
    """
    The markdown table: per vendor, its documented limit and, per poll interval, the waits that
    stay under it (or, for LaunchDarkly, whose limit has no number, the requests per 10-second
    window of ``n`` waits, polled one by one and through shared polls whose read of the pipeline's
    list took ``list_pages[n]`` pages, as measured).
    """
    intro = (
        "Concurrent waits within each vendor's documented rate limit (limits as documented in the "
        "vendor reference this project was built from; computed by `benchmarks/rate_limits.py` from "
        "those numbers and the requests per poll interval measured above):"
    )
    head = ["vendor", "documented limit", "what a wait costs"] + [
        f"poll every {_seconds(p)}" for p in poll_intervals
    ]
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for vendor in VENDORS:
        if not vendor.polled:
            cells = ["no wait polls it (operators only)"] + ["—"] * len(poll_intervals)
        elif vendor.limits:
            cost = "1 request per wait and poll (waits on the same release share one)"
            cells = [cost] + [
                f"{max_waits(vendor.limits, p):,} waits spread over the interval; "
                f"{max_waits(vendor.limits, p, in_step=True):,} polling in step"
                for p in poll_intervals
            ]
        else:
            cost = (
                "polled one by one: 1 request per wait and poll; shared polls (waits on one pipeline): "
                "the pipeline list's pages, plus 1 per flag that changed"
            )
            cells = [cost] + [_launchdarkly_cell(list_pages, p) for p in poll_intervals]
        lines.append("| " + " | ".join([vendor.name, vendor.documented, *cells]) + " |")
    return intro + "\n\n" + "\n".join(lines)
