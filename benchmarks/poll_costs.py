"""
What one run of the wait benchmark cost the vendor, from the sandbox's notes of its requests.

A run has two parts. Until ``ready`` (every wait has read its own flag release once), the
**first reads**. From ``ready`` on, the **steady state**: poll intervals of ``poll_interval``
seconds, at the start of some of which the benchmark completes the first phase of a batch of
flags (the **changed** flags). The issue's goal: in the steady state, waits on flags of one
pipeline cost at most ``1 + changed`` requests per poll interval, where one request per wait
and interval is what polling each flag costs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

KINDS = ("own", "list", "other")  # a flag's own release, a page of the pipeline's list, anything else


@dataclass
class Window:
    """The requests of one stretch of time, by kind, and the flags changed at its start."""

    own: int = 0
    list: int = 0  # pages of the pipeline's releases list
    other: int = 0
    changed: int = 0
    list_reads: int = 0  # reads of the list (its first pages)

    @property
    def total(self) -> int:
        """Every request of the window."""
        return self.own + self.list + self.other

    @property
    def reads(self) -> int:
        """Every read of the window, a read of the list counting once whatever its pages."""
        return self.own + self.list_reads + self.other

    @property
    def budget(self) -> int:
        """The goal for a poll interval: one request, plus one per flag changed."""
        return 1 + self.changed


@dataclass
class PollCosts:
    """A run's requests: the first reads, then each steady-state poll interval."""

    first: Window
    first_flags: int  # distinct flags whose own release was read before ``ready``
    first_seconds: float  # from the first trigger's start to ``ready``
    steady: list[Window]
    page_size: int = 0  # the largest ``limit`` the list pages asked for (0: no list read)

    def mean(self, field: str) -> float:
        """The mean of ``field`` (``total``, ``own``, ``list``, ``changed``...) over the steady intervals."""
        if not self.steady:
            return 0.0
        return sum(getattr(window, field) for window in self.steady) / len(self.steady)

    def within_goal(self, field: str = "total") -> bool:
        """
        Whether the steady state cost at most ``1 + changed`` per interval, on average, counting
        ``field``: ``total`` (every request, every page) or ``reads`` (a list read counts once).
        """
        spent = sum(getattr(window, field) for window in self.steady)
        return bool(self.steady) and spent <= sum(window.budget for window in self.steady)

    def worst(self, field: str = "total") -> Window:
        """The steady interval whose ``field`` went furthest over (or least under) its budget."""
        return max(self.steady, key=lambda window: getattr(window, field) - window.budget)

    def as_dict(self) -> dict[str, Any]:
        """JSON-able, for the child-to-parent report."""
        return {
            "first": asdict(self.first),
            "first_flags": self.first_flags,
            "first_seconds": self.first_seconds,
            "steady": [asdict(window) for window in self.steady],
            "page_size": self.page_size,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PollCosts:
        """Back from :meth:`as_dict`."""
        return cls(
            Window(**data["first"]),
            data["first_flags"],
            data["first_seconds"],
            [Window(**window) for window in data["steady"]],
            data.get("page_size", 0),
        )


def _limit(query: str) -> int:
    """The ``limit`` a list page's query string asks for (LaunchDarkly's default, 20, if none)."""
    from urllib.parse import parse_qs

    value = parse_qs(query).get("limit", ["20"])[-1]
    return int(value) if value.isdigit() else 0


def _first_page(query: str) -> bool:
    """Whether a list page's query string asks for its first page (no offset, or offset 0)."""
    from urllib.parse import parse_qs

    return parse_qs(query).get("offset", ["0"])[-1] in ("", "0")


def poll_costs(
    notes: Sequence[Sequence[Any]],
    *,
    started: float,
    ready: float,
    changes: Sequence[Sequence[float]],
    intervals: int,
    poll_interval: float,
) -> PollCosts:
    """
    Split a run's ``notes`` (``[epoch seconds, kind, flag or query]``, see :mod:`benchmarks.sandbox_probe`)
    into the first reads (``started`` ≤ t < ``ready``) and ``intervals`` steady poll intervals from
    ``ready`` on; ``changes`` are ``[epoch seconds, flags changed]`` pairs, each counted in the
    interval it falls in.

    :raises ValueError: a note of an unknown kind, or ``ready`` before ``started``.
    """
    if ready < started:
        raise ValueError(f"ready={ready} is before started={started}: the run's clock is inconsistent")
    first, flags, page_size = Window(), set(), 0
    steady = [Window() for _ in range(intervals)]
    for moment, kind, flag in notes:
        if kind not in KINDS:
            raise ValueError(f"a note of kind {kind!r}: expected one of {KINDS}")
        if moment < started:
            continue
        if moment < ready:
            window = first
            if kind == "own":
                flags.add(flag)
        else:
            index = int((moment - ready) // poll_interval)
            if index >= intervals:
                continue
            window = steady[index]
        setattr(window, kind, getattr(window, kind) + 1)
        if kind == "list":
            window.list_reads += _first_page(flag)
            page_size = max(page_size, _limit(flag))
    for moment, count in changes:
        index = int((moment - ready) // poll_interval)
        if 0 <= index < intervals:
            steady[index].changed += int(count)
    return PollCosts(first, len(flags), ready - started, steady, page_size)
