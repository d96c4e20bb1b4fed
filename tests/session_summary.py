"""
The session's closing lines: the fault matrix, the property-test tally and the engine timings.

Under pytest-xdist each worker gathers its part and sends it with its ``workeroutput`` when it
finishes; the controller adds the parts up and prints the lines, as a serial run prints them.
The fault matrix's module (it imports every operator) is loaded only where a cell ran.
"""

from __future__ import annotations

import sys
from typing import Any

import pytest

from tests.engine import timings
from tests.property.tally import TALLY

PLUGIN_NAME = "session_summary"
_KEY = "session_summary"
_FAULT_MATRIX = "tests.reliability.report"


def _fault_matrix_cells() -> list[tuple[str, str, str, bool]]:
    """The fault-matrix cells this process ran (none when no reliability test was collected)."""
    report = sys.modules.get(_FAULT_MATRIX)
    return report.export() if report is not None else []


def pytest_sessionfinish(session: pytest.Session) -> None:
    """On a pytest-xdist worker: send what this worker gathered to the controller."""
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput[_KEY] = {
            "fault_matrix": _fault_matrix_cells(),
            "properties": TALLY.export(),
            "engine_timings": session.config.stash.get(timings.TIMINGS, []),
        }


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """On the pytest-xdist controller: add up what a finished worker sent."""
    part = getattr(node, "workeroutput", {}).get(_KEY)
    if part is None:
        return
    if part["fault_matrix"]:
        from tests.reliability import report

        report.merge(part["fault_matrix"])
    TALLY.merge(part["properties"])
    node.config.stash.setdefault(timings.TIMINGS, []).extend(
        (title, dict(steps)) for title, steps in part["engine_timings"]
    )


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    """The fault matrix (also written to a file), the property tally and the engine timings."""
    if _fault_matrix_cells():
        from airflow import __version__ as airflow_version

        from tests.reliability import report

        path = report.write(airflow_version)
        passed, run = report.totals()
        terminalreporter.write_sep("=", "fault matrix")
        terminalreporter.write_line(report.markdown(f"Fault matrix on Airflow {airflow_version}"))
        terminalreporter.write_line(f"fault matrix: {passed} of {run} cells passed; written to {path}")
    if line := TALLY.line():
        terminalreporter.write_line(line)
    timings.write_summary(terminalreporter, config)
