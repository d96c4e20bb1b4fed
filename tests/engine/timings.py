"""Timings the engine tests report: printed at once, and again in the session's terminal summary."""

from __future__ import annotations

import pytest

TIMINGS = pytest.StashKey[list[tuple[str, dict[str, float]]]]()
#: When an engine fixture began setting up (``time.monotonic()``), stashed on the test's node.
ENGINE_STARTED = pytest.StashKey[float]()


def format_timings(title: str, timings: dict[str, float]) -> str:
    """One line: ``title: step 1.0 s, step 2.5 s``."""
    return f"{title}: " + ", ".join(f"{step} {seconds:.1f} s" for step, seconds in timings.items())


def report_timings(config: pytest.Config, title: str, timings: dict[str, float]) -> None:
    """
    Print ``timings`` (seconds by step) now, and keep them for the terminal summary, so a passing
    run shows them too (pytest shows a passing test's output only with ``-s`` or ``-rP``).
    """
    print(format_timings(title, timings))
    config.stash.setdefault(TIMINGS, []).append((title, timings))


def write_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    """Write the reported timings, one line per test, under an "engine timings" header."""
    reported = config.stash.get(TIMINGS, [])
    if reported:
        terminalreporter.write_sep("=", "engine timings")
        for title, timings in reported:
            terminalreporter.write_line(format_timings(title, timings))
