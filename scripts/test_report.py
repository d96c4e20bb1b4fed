"""
Summarise pytest JUnit XML reports (the sessions of one suite run, added up): tests collected,
passed, failed, errors and skipped; the time by test directory; the slowest tests.
``scripts/test.sh`` prints it for each Airflow version. Exits 1 when a report is missing.

Usage: python scripts/test_report.py REPORT.xml... [--slowest N]
"""

from __future__ import annotations

import argparse
import collections
import os
import xml.etree.ElementTree as ET


def directory_of(classname: str) -> str:
    """``tests.hooks.test_aha`` -> ``tests/hooks``; a module at the top -> ``tests/test_assets.py``."""
    parts = classname.split(".")
    if len(parts) > 2:
        return "/".join(parts[:2])
    return "/".join(parts) + ".py"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("reports", nargs="+")
    parser.add_argument("--slowest", type=int, default=20)
    args = parser.parse_args()

    missing = [report for report in args.reports if not os.path.isfile(report)]
    if missing:
        print(f"no report {', '.join(missing)} (pytest did not finish)")
        return 1
    cases = [case for report in args.reports for case in ET.parse(report).iter("testcase")]
    outcome = collections.Counter()
    by_dir: dict[str, list[float]] = collections.defaultdict(list)
    timed = []
    for case in cases:
        kinds = {child.tag for child in case}
        kind = next((k for k in ("failure", "error", "skipped") if k in kinds), "passed")
        outcome[kind] += 1
        seconds = float(case.get("time", 0))
        by_dir[directory_of(case.get("classname", ""))].append(seconds)
        timed.append((seconds, f"{case.get('classname', '').replace('.', '/')}.py::{case.get('name')}"))

    print(
        f"tests: {len(cases)} collected, {outcome['passed']} passed, {outcome['failure']} failed, "
        f"{outcome['error']} errors, {outcome['skipped']} skipped"
    )
    print(f"{'directory':32} {'tests':>6} {'seconds':>8}")
    for directory, times in sorted(by_dir.items(), key=lambda item: -sum(item[1])):
        print(f"{directory:32} {len(times):6d} {sum(times):8.1f}")
    print(f"{'all':32} {len(cases):6d} {sum(t for t, _ in timed):8.1f}")
    print(f"the {args.slowest} slowest tests (setup, call and teardown):")
    for seconds, name in sorted(timed, reverse=True)[: args.slowest]:
        print(f"{seconds:8.1f}  {name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
