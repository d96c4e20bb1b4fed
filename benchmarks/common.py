"""What the benchmarks share: result rows, statistics, the Airflow home, child processes, the sandbox."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parent.parent
RESULT_MARKER = "BENCHMARK-RESULT "  # prefixes the one JSON line a child process reports
T = TypeVar("T")


@dataclass
class Row:
    """One line of the results table."""

    benchmark: str
    measure: str
    baseline: str
    candidate: str
    figure: str
    goal: str = ""
    passed: bool | None = None  # None: reported, no goal attached
    note: str = ""  # for a missed goal: what would close it

    @property
    def verdict(self) -> str:
        """``pass``, ``miss``, or an em dash for a figure without a goal."""
        if self.passed is None:
            return "—"
        return "pass" if self.passed else "**miss**"


# Statistics over interleaved repetitions


def median(values: Sequence[float]) -> float:
    """The median of ``values``."""
    return statistics.median(values)


def ratio(baseline: Sequence[float], candidate: Sequence[float]) -> float:
    """The candidate's median over the baseline's median (both measured side by side)."""
    return median(candidate) / median(baseline)


def interleaved(
    variants: dict[str, Callable[[], T]], repetitions: int, warmups: int = 1
) -> dict[str, list[T]]:
    """
    Measure every variant ``repetitions`` times, side by side, and return each one's samples.

    Each repetition runs every variant once, in an order rotated from one repetition to the next,
    so that drift in the machine's load falls on all variants alike. ``warmups`` rounds run first
    and are discarded.
    """
    names = list(variants)
    samples: dict[str, list[T]] = {name: [] for name in names}
    for round_index in range(warmups + repetitions):
        shift = round_index % len(names)
        for name in names[shift:] + names[:shift]:
            value = variants[name]()
            if round_index >= warmups:
                samples[name].append(value)
    return samples


# Formatting


def fmt_ms(seconds: float) -> str:
    """Seconds as milliseconds, e.g. ``"12.3 ms"``."""
    return f"{seconds * 1000:.1f} ms"


def fmt_us(seconds: float) -> str:
    """Seconds as microseconds, e.g. ``"240 µs"``."""
    return f"{seconds * 1e6:.0f} µs"


def fmt_s(seconds: float) -> str:
    """Seconds, e.g. ``"4.21 s"``."""
    return f"{seconds:.2f} s"


def fmt_bytes(size: float) -> str:
    """A byte count in KiB or MiB, e.g. ``"812 KiB"``."""
    if abs(size) >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MiB"
    return f"{size / 1024:.0f} KiB"


def fmt_ratio(value: float) -> str:
    """A ratio, e.g. ``"1.07x"``."""
    return f"{value:.2f}x"


# Environment and child processes


@contextmanager
def airflow_home() -> Iterator[Path]:
    """Point ``AIRFLOW_HOME`` at a new temporary directory for this process and its children."""
    home = Path(tempfile.mkdtemp(prefix="benchmarks-airflow-home-"))
    saved = {name: os.environ.get(name) for name in ("AIRFLOW_HOME", "AIRFLOW__CORE__LOAD_EXAMPLES")}
    os.environ["AIRFLOW_HOME"] = str(home)
    os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
    try:
        yield home
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        shutil.rmtree(home, ignore_errors=True)


def report(result: Any) -> None:
    """Print ``result`` (JSON-able) as this child process's one result line."""
    print(RESULT_MARKER + json.dumps(result), flush=True)


def run_child(args: Sequence[str], env: dict[str, str] | None = None, timeout: float = 600) -> Any:
    """
    Run ``python ARGS`` from the project's root and return what it :func:`report`-ed.

    :raises RuntimeError: the child failed or reported nothing; its output is in the message.
    """
    command = [sys.executable, *args]
    done = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    for line in reversed(done.stdout.splitlines()):
        if line.startswith(RESULT_MARKER):
            if done.returncode == 0:
                return json.loads(line[len(RESULT_MARKER) :])
            break
    raise RuntimeError(
        f"{shlex.join(command)} exited with {done.returncode} without a result:\n"
        f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    )


def rows_to_json(rows: Sequence[Row]) -> list[dict[str, Any]]:
    """Rows as JSON-able dicts."""
    return [asdict(row) for row in rows]


def rows_from_json(items: Sequence[dict[str, Any]]) -> list[Row]:
    """Rows back from :func:`rows_to_json`."""
    return [Row(**item) for item in items]


def benchmark_main(measure: Callable[[], list[Row]]) -> None:
    """Entry point of a benchmark module: run ``measure`` in a fresh Airflow home, report its rows."""
    with airflow_home():
        report(rows_to_json(measure()))


# The sandbox in its own process


@dataclass
class SandboxProcess:
    """A sandbox served by ``python -m airflow_provider_releases_sandbox`` in a child process."""

    base_url: str
    environ: dict[str, str]  # the AIRFLOW_CONN_* variables pointing the default connections at it
    process: subprocess.Popen[str]

    def control(self, action: str, **arguments: Any) -> Any:
        """Run a control action (``reset``, ``state``...) through its HTTP control API."""
        from airflow_provider_releases_sandbox.server import RemoteSandbox

        return RemoteSandbox(self.base_url, timeout=60).control(action, **arguments)


@contextmanager
def sandbox_process(
    seed: dict[str, Any], extra_args: Sequence[str] = (), module: str = "airflow_provider_releases_sandbox"
) -> Iterator[SandboxProcess]:
    """
    Serve the sandbox, seeded with ``seed``, from a child process for the ``with`` block.

    ``module`` is what the child runs (``python -m MODULE``): the sandbox's own entry point, or
    one that serves the same with more to count (:mod:`benchmarks.sandbox_probe`).

    A child process keeps the server's threads, memory and CPU out of the measured process, which
    on a small machine would otherwise share its interpreter lock and its RSS with the server.
    """
    with tempfile.TemporaryDirectory(prefix="benchmarks-seed-") as folder:
        seed_file = Path(folder) / "seed.json"
        seed_file.write_text(json.dumps(seed), encoding="utf-8")
        command = [
            sys.executable, "-m", module,
            "--port", "0", "--seed", str(seed_file), *extra_args,
        ]  # fmt: skip
        process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
        try:
            yield _read_banner(process)
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            if process.stdout is not None:
                process.stdout.close()


def _read_banner(process: subprocess.Popen[str]) -> SandboxProcess:
    """Read the sandbox's start-up banner: its base URL and the ``export AIRFLOW_CONN_...`` lines."""
    base_url, environ, seen = None, {}, []
    assert process.stdout is not None
    for line in process.stdout:
        seen.append(line)
        if line.startswith("Release API sandbox listening on "):
            base_url = line.split()[-1]
        elif line.startswith("export AIRFLOW_CONN_"):
            name, _, value = line.removeprefix("export ").strip().partition("=")
            environ[name] = shlex.split(value)[0]
        elif line.startswith("Press Ctrl+C"):
            break
    if base_url is None or not environ:
        process.kill()
        raise RuntimeError("the sandbox did not start:\n" + "".join(seen))
    return SandboxProcess(base_url, environ, process)
