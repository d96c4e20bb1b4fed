"""
``python -m benchmarks.run``: run the four benchmarks and print their table (``bash benchmarks/run.sh``).

Each benchmark runs in its own child process (``python -m benchmarks.<module>``) in a temporary
``AIRFLOW_HOME``, so that none of them sees another's imports, threads or memory.
``--write-readme`` also puts the table, the machine and the command between the benchmark
markers of the project's README.
"""

from __future__ import annotations

import argparse
import sys
import time

from benchmarks.common import ROOT, Row, rows_from_json, run_child
from benchmarks.report import check_markers, machine, render, write_readme

BENCHMARKS = {
    "import": "benchmarks.import_cost",
    "request": "benchmarks.per_request",
    "triggerer": "benchmarks.triggerer_scale",
    "pagination": "benchmarks.pagination",
}
README = ROOT / "README.md"


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks asked for (all by default), print the report, maybe write it to the README."""
    parser = argparse.ArgumentParser(
        prog="bash benchmarks/run.sh", description=__doc__.strip().splitlines()[0]
    )
    parser.add_argument(
        "--write-readme",
        action="store_true",
        help=f"replace the text between the benchmark markers of {README.name} with the report",
    )
    parser.add_argument(
        "--only",
        action="append",
        choices=list(BENCHMARKS),
        help="run only this benchmark (repeatable); not with --write-readme",
    )
    args = parser.parse_args(argv)
    if args.write_readme:
        if args.only:
            parser.error("--write-readme needs every benchmark: leave out --only")
        check_markers(README)  # fail before minutes of measuring, not after
    machine_line = machine()
    rows: list[Row] = []
    for key in args.only or BENCHMARKS:
        started = time.perf_counter()
        print(f"running {BENCHMARKS[key]} ...", file=sys.stderr, flush=True)
        rows += rows_from_json(run_child(["-m", BENCHMARKS[key]]))
        print(f"  done in {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    text = render(rows, machine_line)
    print(text)
    if args.write_readme:
        write_readme(README, text)
        print(f"\nWrote the report into {README}.", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
