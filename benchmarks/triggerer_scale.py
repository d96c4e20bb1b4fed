"""
Triggerer scale: 1,000 ``LaunchDarklyReleasePhaseTrigger`` s in one event loop against the sandbox.

The sandbox runs in its own process (``python -m airflow_provider_releases.sandbox``), seeded with
1,000 flags whose releases have their first phase active, and completes a phase at the
``READS_TO_COMPLETE``-th read of its release: each trigger sees ``pending`` that many times and
fires at the next poll. Every run happens in a fresh child process, so that its RSS holds the
triggers and nothing else, as a triggerer's would; the server's threads and memory stay in the
sandbox's process.

Baseline: the floor of any trigger polling this endpoint the same way
(:class:`benchmarks.triggers.BareReleasePhaseTrigger`: a bare ``requests.Session`` in a worker
thread, same interval, no checks). All run as Airflow's triggerer runs them: created in the
event loop, one task per trigger iterating ``trigger.run()``, beside a heartbeat task that sleeps
``HEARTBEAT`` seconds at a time and records how late it wakes (the loop's worst stall).

A third variant explains the stalls: ``provider-frozen`` runs the provider's triggers in a
process that froze its start-up heap (``gc.freeze()``), so that full garbage collections no
longer walk Airflow's own objects.

Two informative variants (no goal) show what an event-loop-native trigger would achieve:
``async`` runs :class:`benchmarks.triggers.AsyncLaunchDarklyReleasePhaseTrigger`, the provider's
trigger reading the release in the event loop through one shared ``httpx.AsyncClient`` (no worker
thread at all) and evaluating it with the provider's own check; ``async-frozen`` runs it with the
start-up heap frozen too. With the provider's two variants they split the stall between worker
threads holding the interpreter lock and full garbage collections.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import resource
import time
from collections.abc import Callable
from typing import Any

from benchmarks.common import (
    Row,
    benchmark_main,
    fmt_bytes,
    fmt_ms,
    fmt_ratio,
    fmt_s,
    interleaved,
    median,
    ratio,
    report,
    run_child,
    sandbox_process,
)

TRIGGERS = 1000
READS_TO_COMPLETE = 3
POLL_INTERVAL = 1.0
HEARTBEAT = 0.01
STALL_GOAL = 0.100
REPETITIONS = 3
PROJECT = "bench"
PIPELINE = "bench-pipeline"
PHASE = "Testing"
VARIANTS = ("bare", "provider", "provider-frozen", "async", "async-frozen")


def seed(triggers: int = TRIGGERS) -> dict[str, Any]:
    """A LaunchDarkly seed: ``triggers`` flags, each released on a 3-phase pipeline, its phase 1 active."""
    phases = [
        {"name": name, "audiences": [{"environmentKey": env, "name": audience}]}
        for name, env, audience in (
            (PHASE, "test", "QA team"),
            ("Beta", "production", "Beta users"),
            ("General availability", "production", "Everyone"),
        )
    ]
    flags = [f"flag-{index:04d}" for index in range(triggers)]
    return {
        "launchdarkly": {
            "projects": [
                {
                    "key": PROJECT,
                    "name": "Benchmark",
                    "environments": [{"key": "test", "name": "Test"}, {"key": "production", "name": "Prod"}],
                    "pipelines": [{"key": PIPELINE, "name": "Benchmark pipeline", "phases": phases}],
                    "flags": [{"key": flag} for flag in flags],
                    "releases": [
                        {
                            "flagKey": flag,
                            "releasePipelineKey": PIPELINE,
                            "phases": ["active", "not-started", "not-started"],
                        }
                        for flag in flags
                    ],
                }
            ]
        }
    }


# The child process: one run of 1,000 triggers of one variant


def _rss_bytes() -> int:
    """This process's resident set size now (Linux ``/proc/self/statm``)."""
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _peak_rss_bytes() -> int:
    """This process's peak resident set size so far (``ru_maxrss`` is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def make_triggers(variant: str, count: int = TRIGGERS) -> list[Any]:
    """``count`` triggers of ``variant``, one per seeded flag."""
    from airflow_provider_releases.triggers.launchdarkly import LaunchDarklyReleasePhaseTrigger
    from benchmarks.triggers import AsyncLaunchDarklyReleasePhaseTrigger, BareReleasePhaseTrigger

    flags = [f"flag-{index:04d}" for index in range(count)]
    if variant == "bare":
        connection = json.loads(os.environ["AIRFLOW_CONN_LAUNCHDARKLY_DEFAULT"])
        headers = {
            "Authorization": connection["password"],
            "LD-API-Version": "beta",
            "Accept": "application/json",
        }
        return [
            BareReleasePhaseTrigger(
                f"{connection['host']}/api/v2/flags/{PROJECT}/{flag}/release", headers, POLL_INTERVAL
            )
            for flag in flags
        ]
    end_time = time.time() + 600
    cls = (
        AsyncLaunchDarklyReleasePhaseTrigger
        if variant.startswith("async")
        else LaunchDarklyReleasePhaseTrigger
    )
    return [
        cls(project_key=PROJECT, flag_key=flag, phase=PHASE, end_time=end_time, poll_interval=POLL_INTERVAL)
        for flag in flags
    ]


async def _heartbeat(stop: asyncio.Event) -> tuple[float, float]:
    """
    Sleep ``HEARTBEAT`` seconds at a time until ``stop``; return the worst lateness of a wake-up
    and when, in seconds since the heartbeat started, the sleep that woke that late began.
    """
    worst, worst_at = 0.0, 0.0
    first = time.perf_counter()
    while not stop.is_set():
        started = time.perf_counter()
        await asyncio.sleep(HEARTBEAT)
        late = time.perf_counter() - started - HEARTBEAT
        if late > worst:
            worst, worst_at = late, started - first
    return worst, worst_at


async def _run_trigger(trigger: Any) -> dict[str, Any] | None:
    """Iterate the trigger as the triggerer does; return its first event's payload."""
    async for event in trigger.run():
        return event.payload
    return None


async def run_triggers(variant: str) -> tuple[list[dict[str, Any] | None], float, tuple[float, float]]:
    """
    Create and run ``TRIGGERS`` triggers of ``variant`` concurrently in this loop, as the triggerer
    does (it creates them in its loop too); return their events, the wall time and the worst stall
    with when it began (see :func:`_heartbeat`).
    """
    from benchmarks.triggers import close_shared_clients  # loaded before the run, by child()

    stop = asyncio.Event()
    heartbeat = asyncio.create_task(_heartbeat(stop))
    await asyncio.sleep(0)  # the heartbeat's clock starts before the triggers do
    started = time.perf_counter()
    events = await asyncio.gather(*(_run_trigger(trigger) for trigger in make_triggers(variant)))
    wall = time.perf_counter() - started
    await close_shared_clients()  # the async variants' shared client, once every trigger is done
    stop.set()
    return events, wall, await heartbeat


class GcPauses:
    """Record how long each garbage collection of generation 2 (a full one) takes."""

    def __init__(self) -> None:
        self.pauses: list[float] = []
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.pauses.append(time.perf_counter() - self._started)


def _silence_logs() -> None:
    """Render the triggers' log lines as the triggerer does, but into ``os.devnull`` instead of stdout."""
    import structlog

    devnull = open(os.devnull, "w")  # noqa: SIM115  (kept open for the life of the process)
    factory = structlog.get_config()["logger_factory"]
    if hasattr(factory, "io"):  # Airflow's own factory: keep its logger class and processors
        factory.io = devnull
    else:
        structlog.configure(logger_factory=structlog.WriteLoggerFactory(devnull))


def child(variant: str) -> dict[str, Any]:
    """One run in this (fresh) process: the figures of ``TRIGGERS`` triggers of ``variant``."""
    import benchmarks.triggers  # noqa: F401  (Airflow and every trigger class, loaded before the run)

    _silence_logs()
    gc.collect()
    if variant.endswith("-frozen"):
        gc.freeze()
    pauses = GcPauses()
    gc.callbacks.append(pauses)
    rss_before, peak_before = _rss_bytes(), _peak_rss_bytes()
    events, wall, (stall, stall_at) = asyncio.run(run_triggers(variant))
    gc.callbacks.remove(pauses)
    fired = [bool(event) and event.get("status") == "done" for event in events]
    return {
        "variant": variant,
        "wall": wall,
        "stall": stall,
        "stall_at": stall_at,
        "fired": sum(fired),
        "rss_growth": max(_peak_rss_bytes(), peak_before) - rss_before,
        "gc_pause": max(pauses.pauses, default=0.0),
        "others": [event for event, ok in zip(events, fired, strict=True) if not ok][:3],
    }


# The parent: interleaved runs, each in a fresh process, against one sandbox


def measure() -> list[Row]:
    """Run every variant ``REPETITIONS`` times, side by side, and return the table's rows."""
    with sandbox_process(seed(), ["--advance-after-reads", str(READS_TO_COMPLETE)]) as sandbox:
        env = {**os.environ, **sandbox.environ}

        def one_run(variant: str) -> Any:
            def run() -> dict[str, Any]:
                sandbox.control("reset")
                return run_child(["-m", "benchmarks.triggerer_scale", "--child", variant], env=env)

            return run

        samples = interleaved({variant: one_run(variant) for variant in VARIANTS}, REPETITIONS, warmups=0)
    return rows(samples)


def rows(samples: dict[str, list[dict[str, Any]]]) -> list[Row]:
    """The table's rows from each variant's runs (one result per repetition)."""
    name = f"3. Triggerer scale ({TRIGGERS:,} triggers, one event loop)"

    def pick(variant: str, key: str, scale: float = 1.0) -> list[float]:
        return [run[key] * scale for run in samples[variant]]

    def compared(
        measure: str, key: str, fmt: Callable[[float], str], pair: tuple[str, str] = ("bare", "provider")
    ) -> Row:
        scale = 1 / TRIGGERS if key == "rss_growth" else 1.0
        base, cand = pick(pair[0], key, scale), pick(pair[1], key, scale)
        return Row(name, measure, fmt(median(base)), fmt(median(cand)), fmt_ratio(ratio(base, cand)))

    stall = median(pick("provider", "stall"))
    fired = min(pick("provider", "fired"))
    polls = f"each phase completes at poll {READS_TO_COMPLETE + 1}, {POLL_INTERVAL:g} s apart"
    return [
        compared(f"wall time ({polls})", "wall", fmt_s),
        compared("peak RSS growth per trigger", "rss_growth", fmt_bytes),
        Row(
            name,
            f"event loop's worst stall (heartbeat every {HEARTBEAT * 1000:.0f} ms; median of "
            f"{len(samples['provider'])} runs)",
            fmt_ms(median(pick("bare", "stall"))),
            fmt_ms(stall),
            f"{fmt_ms(stall)} (worst run {fmt_ms(max(pick('provider', 'stall')))})",
            goal=f"< {STALL_GOAL * 1000:.0f} ms",
            passed=stall < STALL_GOAL,
            note="" if stall < STALL_GOAL else stall_note(samples),
        ),
        compared("longest full garbage collection in the triggers' process", "gc_pause", fmt_ms),
        compared(
            "worst stall: provider → provider in a process with its start-up heap frozen (`gc.freeze()`)",
            "stall",
            fmt_ms,
            ("provider", "provider-frozen"),
        ),
        Row(
            name,
            "triggers that fired a `done` event (fewest of all runs)",
            f"{min(pick('bare', 'fired')):,.0f}/{TRIGGERS:,}",
            f"{fired:,.0f}/{TRIGGERS:,}",
            f"{fired:,.0f}",
            goal=f"all {TRIGGERS:,}",
            passed=fired == TRIGGERS,
            note="" if fired == TRIGGERS else f"other events: {samples['provider'][0]['others']}",
        ),
        *async_rows(samples, compared),
    ]


def _all_fired(samples: dict[str, list[dict[str, Any]]], variant: str) -> str:
    """``""`` when every run of ``variant`` fired every trigger, else a warning for the row."""
    fewest = min(run["fired"] for run in samples[variant])
    return (
        ""
        if fewest == TRIGGERS
        else f" (only {fewest:,}/{TRIGGERS:,} fired: {samples[variant][0]['others']})"
    )


def async_rows(samples: dict[str, list[dict[str, Any]]], compared: Callable[..., Row]) -> list[Row]:
    """The informative rows (no goal) of the event-loop-native trigger, beside the provider's."""
    native = "event-loop-native trigger (one shared `httpx.AsyncClient`, no worker threads)"
    frozen = "the same in a process with its start-up heap frozen"
    return [
        compared(
            f"informative — worst stall: provider → {native}{_all_fired(samples, 'async')}",
            "stall",
            fmt_ms,
            ("provider", "async"),
        ),
        compared(
            f"informative — worst stall: {native} → {frozen}{_all_fired(samples, 'async-frozen')}",
            "stall",
            fmt_ms,
            ("async", "async-frozen"),
        ),
        compared(
            f"informative — longest full garbage collection: {native} → {frozen}",
            "gc_pause",
            fmt_ms,
            ("async", "async-frozen"),
        ),
        compared(f"informative — wall time: provider → {native}", "wall", fmt_s, ("provider", "async")),
    ]


def stall_note(samples: dict[str, list[dict[str, Any]]]) -> str:
    """Why the loop stalled and what would close it, from the figures of the runs."""

    def typical(variant: str, key: str) -> float:
        return median([run[key] for run in samples[variant]])

    frozen = typical("provider-frozen", "stall")
    rest = (
        "under the goal"
        if frozen < STALL_GOAL
        else "still over the goal: what remains is the loop thread waiting for a CPU and for the lock "
        "while the executor's worker threads run the checks' Python code, which moves with the "
        "machine's other load (see the load average)"
    )
    native, native_frozen = typical("async", "stall"), typical("async-frozen", "stall")
    starts = ", ".join(f"{run['stall_at']:.1f}" for run in samples["async-frozen"])
    remains = (
        f"under the goal: what remains is start-up, creating {TRIGGERS:,} triggers and the client in one "
        f"loop iteration (worst stalls began {starts} s into the runs)"
        if native_frozen < STALL_GOAL
        else f"still over the goal (worst stalls began {starts} s into the runs)"
    )
    native_note = (
        f" An event-loop-native trigger (the provider's own check on one shared `httpx.AsyncClient`, no "
        f"worker threads; informative rows) stalls {fmt_ms(native)} here, its longest full collection "
        f"{fmt_ms(typical('async', 'gc_pause'))}; with a frozen heap {fmt_ms(native_frozen)}, {remains}. "
        f"Of the provider's {fmt_ms(typical('provider', 'stall'))}: freezing the heap alone leaves "
        f"{fmt_ms(frozen)}, dropping the worker threads alone {fmt_ms(native)}, both {fmt_ms(native_frozen)}."
    )
    return (
        f"The loop waits on the interpreter, not on the triggers' own code: the bare baseline stalls "
        f"{fmt_ms(typical('bare', 'stall'))} in the same runs. The loop thread waits for the interpreter "
        f"lock while another thread holds it: a full garbage collection, which walks Airflow's start-up "
        f"objects too ({fmt_ms(typical('provider', 'gc_pause'))} here), or worker threads running Python. "
        f"What closes it: the triggerer freezing its start-up heap (`gc.freeze()` once started, as "
        f"Airflow's DAG processor manager already does; an Airflow change, not this provider's), which "
        f"brings the stall to {fmt_ms(frozen)} here, {rest}." + native_note
    )


def main() -> None:
    """``python -m benchmarks.triggerer_scale [--child VARIANT]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--child", choices=VARIANTS, help="run one variant in this process")
    args = parser.parse_args()
    if args.child:
        report(child(args.child))
    else:
        benchmark_main(measure)


if __name__ == "__main__":
    main()
