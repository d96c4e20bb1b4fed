"""Checks of the report builder (no timing): ``python -m pytest benchmarks/test_report.py``."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks import run
from benchmarks.common import Row
from benchmarks.report import END_MARKER, START_MARKER, check_markers, notes, render, table, write_results

ROWS = [
    Row("1. Import", "a | b", "1.0 ms", "1.1 ms", "1.10x", goal="≤ 1.10x", passed=True),
    Row("1. Import", "second", "1", "2", "2.00x"),
    Row("2. Requests", "per call", "1 µs", "2 µs", "2.00x", goal="≤ 1.20x", passed=False, note="Fix it."),
]


def test_table_names_each_benchmark_once_and_escapes_pipes() -> None:
    lines = table(ROWS).splitlines()
    assert lines[0].startswith("| benchmark | measure |")
    assert lines[2] == "| 1. Import | a \\| b | 1.0 ms | 1.1 ms | 1.10x | ≤ 1.10x | pass |"
    assert lines[3] == "|  | second | 1 | 2 | 2.00x | — | — |"
    assert lines[4].endswith("| ≤ 1.20x | **miss** |")


def test_notes_say_what_would_close_each_miss() -> None:
    assert notes(ROWS[:2]) == "Every goal was met."
    assert "2. Requests, per call: 2.00x against ≤ 1.20x. Fix it." in notes(ROWS)


def test_write_results_replaces_only_the_marked_section(tmp_path: Path) -> None:
    page = tmp_path / "benchmarks.md"
    page.write_text(f"intro\n{START_MARKER}\nold\n{END_MARKER}\noutro\n", encoding="utf-8")
    write_results(page, "new table")
    assert page.read_text(encoding="utf-8") == f"intro\n{START_MARKER}\nnew table\n{END_MARKER}\noutro\n"


@pytest.mark.parametrize(
    "content", ["no markers", f"{END_MARKER}\n{START_MARKER}", f"{START_MARKER}{START_MARKER}{END_MARKER}"]
)
def test_write_results_refuses_without_well_placed_markers(tmp_path: Path, content: str) -> None:
    page = tmp_path / "benchmarks.md"
    page.write_text(content, encoding="utf-8")
    with pytest.raises(SystemExit, match="benchmarks:start"):
        write_results(page, "new table")
    assert page.read_text(encoding="utf-8") == content


def test_write_targets_the_docs_benchmarks_page_which_holds_the_markers() -> None:
    assert Path(__file__).parents[1] / "docs" / "benchmarks.md" == run.RESULTS_PAGE
    content = check_markers(run.RESULTS_PAGE)
    assert content.startswith("# Benchmarks\n")


def test_the_report_says_how_to_update_the_page() -> None:
    text = render(ROWS, "a machine")
    assert text.startswith(
        "Command: `bash benchmarks/run.sh` (from a fresh clone; `bash benchmarks/run.sh --write`"
    )
    assert "also updates this page" in text


def test_write_without_markers_fails_before_any_benchmark_runs(tmp_path: Path, monkeypatch) -> None:
    page = tmp_path / "benchmarks.md"
    page.write_text("# Benchmarks\n", encoding="utf-8")
    ran: list[list[str]] = []
    monkeypatch.setattr(run, "RESULTS_PAGE", page)
    monkeypatch.setattr(run, "run_child", ran.append)
    with pytest.raises(SystemExit, match=f"{page}: expected exactly one line {START_MARKER}"):
        run.main(["--write"])
    assert ran == []
    assert page.read_text(encoding="utf-8") == "# Benchmarks\n"


def test_write_refuses_a_partial_run(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        run.main(["--write", "--quick"])
    assert "--write needs every benchmark in full" in capsys.readouterr().err
