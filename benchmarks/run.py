"""
``python -m benchmarks.run``: run the five benchmarks and print their table (``bash benchmarks/run.sh``).

Each benchmark runs in its own child process (``python -m benchmarks.<module>``) in a temporary
``AIRFLOW_HOME``, so that none of them sees another's imports, threads or memory.
``--write`` also puts the table, the machine and the command between the benchmark markers of
the documentation's benchmarks page (``docs/benchmarks.md``).
"""

from __future__ import annotations

import argparse
import sys
import time

from benchmarks.common import ROOT, Row, rows_from_json, run_child
from benchmarks.report import check_markers, machine, render, write_results

BENCHMARKS = {
    "import": "benchmarks.import_cost",
    "request": "benchmarks.per_request",
    "triggerer": "benchmarks.triggerer_scale",
    "pagination": "benchmarks.pagination",
    "page": "benchmarks.releases_page",
}
#: Where ``--write`` puts the report, relative to the repository.
RESULTS_PAGE_NAME = "docs/benchmarks.md"
RESULTS_PAGE = ROOT / RESULTS_PAGE_NAME


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks asked for (all by default), print the report, maybe write it to the docs."""
    parser = argparse.ArgumentParser(
        prog="bash benchmarks/run.sh", description=__doc__.strip().splitlines()[0]
    )
    parser.add_argument(
        "--write",
        action="store_true",
        help=f"replace the text between the benchmark markers of {RESULTS_PAGE_NAME} with the report",
    )
    parser.add_argument(
        "--only",
        action="append",
        choices=list(BENCHMARKS),
        help="run only this benchmark (repeatable); not with --write",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="the triggerer benchmark with 1,000 waits and one run of each variant only",
    )
    args = parser.parse_args(argv)
    if args.write:
        if args.only or args.quick:
            parser.error("--write needs every benchmark in full: leave out --only and --quick")
        check_markers(RESULTS_PAGE)  # fail before minutes of measuring, not after
    machine_line = machine()
    rows: list[Row] = []
    sections: list[str] = []
    for key in args.only or BENCHMARKS:
        started = time.perf_counter()
        print(f"running {BENCHMARKS[key]} ...", file=sys.stderr, flush=True)
        result = run_child(
            ["-m", BENCHMARKS[key], *(["--quick"] if args.quick and key == "triggerer" else [])]
        )
        if isinstance(result, dict):  # rows, and a markdown section of its own
            rows += rows_from_json(result["rows"])
            sections.append(result["markdown"])
        else:
            rows += rows_from_json(result)
        print(f"  done in {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    text = render(rows, machine_line, sections)
    print(text)
    if args.write:
        write_results(RESULTS_PAGE, text)
        print(f"\nWrote the report into {RESULTS_PAGE}.", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
