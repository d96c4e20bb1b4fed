"""The results as markdown: the table, the machine it ran on, the command, and notes on missed goals."""

from __future__ import annotations

import os
import platform
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path

from benchmarks.common import Row

START_MARKER = "<!-- benchmarks:start -->"
END_MARKER = "<!-- benchmarks:end -->"
COMMAND = "bash benchmarks/run.sh"
COLUMNS = ("benchmark", "measure", "baseline", "candidate", "ratio / figure", "goal", "result")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def table(rows: Sequence[Row]) -> str:
    """The rows as a markdown table; a benchmark's name is written on its first row only."""
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + " --- |" * len(COLUMNS)]
    previous = None
    for row in rows:
        name = row.benchmark if row.benchmark != previous else ""
        previous = row.benchmark
        cells = (name, row.measure, row.baseline, row.candidate, row.figure, row.goal or "—", row.verdict)
        lines.append("| " + " | ".join(_cell(cell) for cell in cells) + " |")
    return "\n".join(lines)


def _first_line(path: str, prefix: str) -> str | None:
    try:
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                if line.startswith(prefix):
                    return line.split(":", 1)[1].strip()
    except OSError:
        return None
    return None


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine() -> str:
    """One line on the machine: CPU model, cores, memory, OS, Python, Airflow and load."""
    cpu = _first_line("/proc/cpuinfo", "model name") or platform.processor() or platform.machine()
    memory_kib = _first_line("/proc/meminfo", "MemTotal")
    memory = f"{int(memory_kib.split()[0]) / 1024 / 1024:.0f} GiB RAM" if memory_kib else "RAM unknown"
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"
    return (
        f"{cpu}, {os.cpu_count()} cores, {memory}; {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}; apache-airflow {_version('apache-airflow')}, "
        f"apache-airflow-providers-http {_version('apache-airflow-providers-http')}; "
        f"load average at the start {load}"
    )


def notes(rows: Sequence[Row]) -> str:
    """The closing note: each missed goal and what would close it, or that every goal was met."""
    missed = [row for row in rows if row.passed is False]
    if not missed:
        return "Every goal was met."
    lines = ["Goals missed, and what would close them:", ""]
    lines += [
        f"- {row.benchmark}, {row.measure}: {row.figure} against {row.goal}. {row.note}" for row in missed
    ]
    return "\n".join(lines)


def render(rows: Sequence[Row], machine_line: str, sections: Sequence[str] = ()) -> str:
    """The whole report: command, machine, table, closing note, then ``sections`` (markdown) as given."""
    return "\n\n".join(
        [
            f"Command: `{COMMAND}` (from a fresh clone; `{COMMAND} --write` also updates this "
            "page). Every figure is the median of several repetitions (benchmark 3: one run of each "
            "variant and size, as its measures say), its baseline measured side by side in the same run; "
            "ratio = candidate / baseline.",
            f"Machine: {machine_line}.",
            table(rows),
            notes(rows),
            *sections,
        ]
    )


def check_markers(page: Path) -> str:
    """
    Return the page's text once it is known to hold the benchmark markers, once each, in order.

    :raises SystemExit: the page or its markers are missing, repeated or out of order.
    """
    try:
        content = page.read_text(encoding="utf-8")
    except OSError as exc:
        raise SystemExit(f"cannot read {page}: {exc}") from None
    starts, ends = content.count(START_MARKER), content.count(END_MARKER)
    if starts != 1 or ends != 1 or content.index(START_MARKER) > content.index(END_MARKER):
        raise SystemExit(
            f"{page}: expected exactly one line {START_MARKER} followed by one line {END_MARKER} "
            f"(found {starts} start and {ends} end marker(s)). Add them where the benchmark table "
            "belongs, then run again; the page was not changed."
        )
    return content


def write_results(page: Path, text: str) -> None:
    """
    Replace what lies between the benchmark markers in ``page`` with ``text``.

    :raises SystemExit: the markers are missing, repeated or out of order; the page is unchanged.
    """
    content = check_markers(page)
    head, rest = content.split(START_MARKER)
    _, tail = rest.split(END_MARKER)
    page.write_text(f"{head}{START_MARKER}\n{text}\n{END_MARKER}{tail}", encoding="utf-8")
