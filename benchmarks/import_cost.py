"""
Parse-time import cost: what a DAG file pays to import this provider's operators and sensors.

Each sample is a fresh interpreter (``python -c``) that measures the CPU time of its own imports
(``time.process_time``: user and system time, which, unlike wall time, other processes on a busy
machine barely disturb; interpreter start-up and exit are left out, being the same for all):
``import airflow.sdk`` alone (the baseline: every DAG file pays it), then ``airflow.sdk``
plus every operator and sensor module that ``get_provider_info()`` lists, then ``airflow.sdk``
plus ``HttpOperator`` and ``HttpSensor`` of apache-airflow-providers-http, the generic
alternative. The three run interleaved, in a rotating order, in one temporary
``AIRFLOW_HOME``.
"""

from __future__ import annotations

import subprocess
import sys

from benchmarks.common import (
    ROOT,
    Row,
    benchmark_main,
    fmt_ms,
    fmt_ratio,
    interleaved,
    median,
    ratio,
)

REPETITIONS = 5
GOAL = 1.10
BASELINE = ("airflow.sdk",)
HTTP_PROVIDER = ("airflow.providers.http.operators.http", "airflow.providers.http.sensors.http")
_PROBE = """\
import sys, time
started = time.process_time()
{imports}
print(time.process_time() - started, len(sys.modules))
"""


def provider_modules() -> tuple[str, ...]:
    """Every operator and sensor module this provider declares in ``get_provider_info()``."""
    from airflow_provider_releases.get_provider_info import get_provider_info

    info = get_provider_info()
    return tuple(
        module
        for kind in ("operators", "sensors")
        for entry in info.get(kind, [])
        for module in entry["python-modules"]
    )


def time_imports(modules: tuple[str, ...]) -> tuple[float, int]:
    """Import ``modules`` in a fresh interpreter; return the CPU seconds it took and the modules loaded."""
    code = _PROBE.format(imports="\n".join(f"import {module}" for module in modules))
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"importing {', '.join(modules)} failed:\n{done.stderr[-3000:]}")
    seconds, loaded = done.stdout.split()[-2:]
    return float(seconds), int(loaded)


def measure() -> list[Row]:
    """Time the three import sets side by side and return the table's rows."""
    sets = {
        "baseline": BASELINE,
        "provider": (*BASELINE, *provider_modules()),
        "http": (*BASELINE, *HTTP_PROVIDER),
    }
    samples = interleaved(
        {name: (lambda modules=modules: time_imports(modules)) for name, modules in sets.items()},
        REPETITIONS,
    )
    seconds = {name: [sample[0] for sample in runs] for name, runs in samples.items()}
    loaded = {name: runs[0][1] for name, runs in samples.items()}
    base = seconds["baseline"]
    name = "1. Parse-time import cost (fresh interpreter, CPU time)"

    def row(key: str, what: str, goal: float | None) -> Row:
        value = ratio(base, seconds[key])
        added = median(seconds[key]) - median(base)
        more = loaded[key] - loaded["baseline"]
        return Row(
            name,
            f"`import airflow.sdk` → + {what} (+{more} modules)",
            fmt_ms(median(base)),
            fmt_ms(median(seconds[key])),
            f"{fmt_ratio(value)} ({added * 1000:+.1f} ms)",
            goal="" if goal is None else f"≤ {fmt_ratio(goal)}",
            passed=None if goal is None else value <= goal,
            note="" if goal is None or value <= goal else MISS_NOTE,
        )

    return [
        row("provider", f"this provider's {len(sets['provider']) - 1} operator and sensor modules", GOAL),
        row("http", "`HttpOperator` and `HttpSensor` (apache-airflow-providers-http)", None),
    ]


MISS_NOTE = (
    "`python -X importtime` shows where it goes: the operator and sensor class definitions (Airflow's "
    "operator machinery runs for each class) and `airflow.triggers.base`, which the sensor modules "
    "import for deferring; importing the trigger classes only when a sensor defers takes the latter "
    "out of DAG parsing."
)


def main() -> None:
    """``python -m benchmarks.import_cost``."""
    benchmark_main(measure)


if __name__ == "__main__":
    main()
