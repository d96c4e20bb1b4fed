"""The fault matrix as a report: rows are calls, columns faults, cells the outcome seen."""

from __future__ import annotations

import os
from pathlib import Path

from tests.reliability.calls import CALLS
from tests.reliability.faults import FAULTS

# (call name, fault column) -> (outcome, passed)
RESULTS: dict[tuple[str, str], tuple[str, bool]] = {}

LEGEND = (
    "`retried` retried within the call's retry budget, then succeeded; "
    "`failed` failed with the expected error naming the service, the call and the cause; "
    "`+ task retry` an operator's second try (as Airflow's task retries run it) succeeded; "
    "`reported` a connection test (one read, no retries) returned `(False, <the error>)`; "
    "`no auto-retry` the operator failed without automatic retries, since its service cannot "
    "look up what the first try made; `pending, then done` a sensor's poke (or a trigger's check) "
    "waited and the next one succeeded; `n/a` the service has no such fault; `not run` the cell "
    "was not selected; `FAIL` the cell's assertions failed. Every passed cell also found at most "
    "one object, and at most one start of a phase, on the vendor's side."
)


NOT_RUN = "not run"


def applicable(call, column: str) -> bool:
    """Whether the fault exists for the call's service: Amplitude documents no rate-limit reset header."""
    return not (column == "429 reset header" and call.service == "amplitude")


def record(call: str, column: str, outcome: str, passed: bool) -> None:
    RESULTS[(call, column)] = (outcome, passed)


def export() -> list[tuple[str, str, str, bool]]:
    """The cells run, as plain tuples, to send from a pytest-xdist worker."""
    return [(call, column, outcome, passed) for (call, column), (outcome, passed) in RESULTS.items()]


def merge(cells: list[tuple[str, str, str, bool]]) -> None:
    """Add the cells a worker ran."""
    for call, column, outcome, passed in cells:
        record(call, column, outcome, passed)


def totals() -> tuple[int, int]:
    """``(cells passed, cells run)``."""
    return sum(passed for _, passed in RESULTS.values()), len(RESULTS)


def markdown(title: str) -> str:
    columns = [fault.column for fault in FAULTS]
    lines = [f"# {title}", "", LEGEND, "", "| call | " + " | ".join(columns) + " |"]
    lines.append("|---" * (len(columns) + 1) + "|")
    for call in CALLS:
        cells = []
        for column in columns:
            outcome, passed = RESULTS.get((call.name, column), (NOT_RUN, True))
            if outcome is NOT_RUN and not applicable(call, column):
                outcome = "n/a"
            cells.append(outcome if passed else f"**FAIL**: {outcome}")
        lines.append(f"| {call.name} | " + " | ".join(cells) + " |")
    passed, run = totals()
    lines += ["", f"{passed} of {run} cells passed ({len(CALLS)} calls x {len(columns)} faults)."]
    return "\n".join(lines) + "\n"


def write(version: str) -> Path:
    """Write the matrix to ``$RELEASES_REPORT_DIR`` (default ``build/reports``); return the file."""
    folder = Path(os.environ.get("RELEASES_REPORT_DIR") or Path(__file__).parents[2] / "build" / "reports")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"fault-matrix-airflow-{version}.md"
    path.write_text(markdown(f"Fault matrix on Airflow {version}"))
    return path
