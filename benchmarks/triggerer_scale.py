"""
Phase waits at scale: 1,000 and 5,000 concurrent LaunchDarkly phase waits in one triggerer loop.

All the flags are released on ONE pipeline of a sandbox served by its own process
(:mod:`benchmarks.sandbox_probe`, which notes when each request arrived and what it read). Every
run happens in a fresh child process, so that its RSS holds the waits and nothing else, as a
triggerer's would. Three variants run side by side, interleaved, against the same sandbox:

- ``old``: the package's trigger before issue 27 (:mod:`benchmarks.today_trigger`: a hook and a
  first own read per wait, shared list reads, every wait woken every poll); the thread-based
  trigger before it (:mod:`benchmarks.old_trigger`) is kept for its own check only;
- ``new``: the package's ``LaunchDarklyReleasePhaseTrigger`` (on the event loop, shared polls);
- ``bare``: the floor of polling each flag (:mod:`benchmarks.triggers`: one shared
  ``httpx.AsyncClient``, no checks).

The waits are created as Airflow's triggerer creates them (one per loop iteration, in the loop),
beside a heartbeat task that sleeps ``HEARTBEAT`` seconds at a time and records how late it wakes
(the loop's worst stall). The parent drives the phases: once every wait has read its own release
(the first reads), it completes the first phase of ``CHANGE_SHARE`` of the flags at the start of
each of ``CHANGE_INTERVALS`` poll intervals, waits ``QUIET_INTERVALS`` more, then completes the
rest; every wait ends with a ``done`` event, or is stopped at the run's cap (:func:`run_cap`; a
watchdog thread reports the run if the loop is too blocked to stop them). The sandbox's notes give
the requests of the first reads and of each steady-state poll interval (:mod:`benchmarks.poll_costs`).
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import gc
import json
import os
import resource
import threading
import time
from collections.abc import Callable
from typing import Any

from benchmarks.common import (
    Row,
    airflow_home,
    interleaved,
    median,
    report,
    rows_to_json,
    run_child,
    sandbox_process,
)
from benchmarks.poll_costs import PollCosts, poll_costs

SIZES = (1000, 5000)
VARIANTS = ("old", "new", "bare")
HEARTBEAT = 0.01
NOTED_STALL = 0.005  # a heartbeat this late or later is noted with when it happened
WATCHDOG_GRACE = 30.0  # seconds past the cap before the child reports what it has and exits
PROGRESS: dict[str, Any] = {}  # the child's run so far, for the watchdog
STALL_GOALS = {1000: 0.050, 5000: 0.100}
CHANGE_SHARE = 0.01  # of the flags, changed at the start of each change interval
CHANGE_INTERVALS = 3
QUIET_INTERVALS = 1  # after the last change, so that its own reads land in a measured interval
REPETITIONS = 1
PROJECT = "bench"
PIPELINE = "bench-pipeline"
PHASE = "Testing"


def poll_interval(size: int) -> float:
    """
    The waits' poll interval at ``size`` waits: 2 s at 1,000, 5 s at 5,000. Long enough for one read
    of the pipeline's list (all its pages) against the sandbox on a small machine, so that
    "requests per poll interval" measures the waits, not the sandbox's speed.
    """
    return max(2.0, size / 1000)


def run_cap(size: int) -> float:
    """
    Seconds after which a run stops the waits still waiting (they count as not fired): 60 s at
    1,000 waits, 180 s at 5,000, so that a variant that falls behind cannot stretch the run.
    """
    return 30.0 + 0.03 * size


def flags(size: int) -> list[str]:
    """The seeded flags' keys."""
    return [f"flag-{index:05d}" for index in range(size)]


def seed(size: int) -> dict[str, Any]:
    """A LaunchDarkly seed: ``size`` flags released on one 3-phase pipeline, each with its phase 1 active."""
    phases = [
        {"name": name, "audiences": [{"environmentKey": env, "name": audience}]}
        for name, env, audience in (
            (PHASE, "test", "QA team"),
            ("Beta", "production", "Beta users"),
            ("General availability", "production", "Everyone"),
        )
    ]
    keys = flags(size)
    project = {
        "key": PROJECT,
        "name": "Benchmark",
        "environments": [{"key": "test", "name": "Test"}, {"key": "production", "name": "Prod"}],
        "pipelines": [{"key": PIPELINE, "name": "Benchmark pipeline", "phases": phases}],
        "flags": [{"key": flag} for flag in keys],
        "releases": [
            {
                "flagKey": flag,
                "releasePipelineKey": PIPELINE,
                "phases": ["active", "not-started", "not-started"],
            }
            for flag in keys
        ],
    }
    return {"launchdarkly": {"projects": [project]}}


# The child process: one run of ``size`` waits of one variant


def _rss_bytes() -> int:
    """This process's resident set size now (Linux ``/proc/self/statm``)."""
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _peak_rss_bytes() -> int:
    """This process's peak resident set size so far (``ru_maxrss`` is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def make_trigger(variant: str, flag: str, interval: float) -> Any:
    """One wait of ``variant`` on ``flag``'s first phase, polling every ``interval`` seconds."""
    if variant == "bare":
        from benchmarks.triggers import BareReleasePhaseTrigger

        connection = json.loads(os.environ["AIRFLOW_CONN_LAUNCHDARKLY_DEFAULT"])
        headers = {
            "Authorization": connection["password"],
            "LD-API-Version": "beta",
            "Accept": "application/json",
        }
        url = f"{connection['host']}/api/v2/flags/{PROJECT}/{flag}/release"
        return BareReleasePhaseTrigger(url, headers, interval)
    if variant == "old":
        from benchmarks.today_trigger import TodayLaunchDarklyReleasePhaseTrigger as cls
    else:
        from airflow_provider_releases.triggers.launchdarkly import LaunchDarklyReleasePhaseTrigger as cls
    end_time = time.time() + 600
    return cls(project_key=PROJECT, flag_key=flag, phase=PHASE, end_time=end_time, poll_interval=interval)


async def _heartbeat(stop: asyncio.Event) -> list[list[float]]:
    """
    Sleep ``HEARTBEAT`` seconds at a time until ``stop``; return each wake-up later than
    ``NOTED_STALL`` as ``[epoch seconds the sleep began, lateness, CPU time of the loop's thread
    during the sleep]``. The CPU time is close to the lateness when the loop itself was busy (the
    waits' code or a garbage collection), far below it when its thread waited for the interpreter
    lock or for a CPU.
    """
    stalls = PROGRESS["stalls"] = []
    PROGRESS["threads"] = threading.active_count()
    while not stop.is_set():
        PROGRESS["threads"] = max(PROGRESS["threads"], threading.active_count())
        began, started, cpu = time.time(), time.perf_counter(), time.thread_time()
        PROGRESS["beat"] = (began, started, cpu)
        await asyncio.sleep(HEARTBEAT)
        late = time.perf_counter() - started - HEARTBEAT
        if late > NOTED_STALL:
            stalls.append([began, late, time.thread_time() - cpu])
    return stalls


async def _run_trigger(trigger: Any) -> dict[str, Any] | None:
    """Iterate the trigger as the triggerer does; return its first event's payload."""
    async for event in trigger.run():
        return event.payload
    return None


def _event(task: asyncio.Task, finished: bool) -> dict[str, Any] | None:
    """A wait's event payload, or why it has none (stopped at the cap, or an exception)."""
    if not finished:
        return {"status": "unfinished", "message": "stopped at the run's time cap"}
    if task.exception() is not None:
        return {"status": "exception", "message": repr(task.exception())[:300]}
    return task.result()


async def run_triggers(variant: str, size: int) -> dict[str, Any]:
    """
    Create ``size`` waits of ``variant`` as Airflow's triggerer does (one per loop iteration) and
    run them to their events; their events, the wall time and the worst stall with when it began.
    """
    from benchmarks.triggers import close_shared_clients

    stop = asyncio.Event()
    threads_before = threading.active_count()
    heartbeat = asyncio.create_task(_heartbeat(stop))
    await asyncio.sleep(0)  # the heartbeat's clock starts before the waits do
    started, started_at = time.perf_counter(), time.time()
    tasks = PROGRESS["tasks"] = []
    PROGRESS["started"] = (started, started_at)
    for flag in flags(size):
        await asyncio.sleep(0)
        tasks.append(asyncio.create_task(_run_trigger(make_trigger(variant, flag, poll_interval(size)))))
    finished, unfinished = await asyncio.wait(tasks, timeout=run_cap(size))
    wall = time.perf_counter() - started
    for task in unfinished:
        task.cancel()
    await asyncio.gather(*unfinished, return_exceptions=True)
    events = [_event(task, task in finished) for task in tasks]
    await close_shared_clients()  # the bare variant's client, once every wait is done
    stop.set()
    stalls = await heartbeat
    worst = max(stalls, key=lambda stall: stall[1], default=[started_at, 0.0, 0.0])
    return {
        "events": events,
        "wall": wall,
        "started_at": started_at,
        "stall": worst[1],
        "stall_at": worst[0] - started_at,
        "stall_cpu": worst[2],
        "stalls": stalls,
        "threads_added": PROGRESS["threads"] - threads_before,
    }


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


def child(variant: str, size: int) -> dict[str, Any]:
    """One run in this (fresh) process: the figures of ``size`` waits of ``variant``."""
    import airflow_provider_releases.triggers.launchdarkly  # noqa: F401  (every class loaded before the run)
    import benchmarks.today_trigger
    import benchmarks.triggers  # noqa: F401

    _silence_logs()
    gc.collect()
    pauses = GcPauses()
    gc.callbacks.append(pauses)
    rss_before, peak_before = _rss_bytes(), _peak_rss_bytes()

    def figures(run: dict[str, Any]) -> dict[str, Any]:
        events = run.pop("events")
        fired = [bool(event) and event.get("status") == "done" for event in events]
        return {
            **run,
            "variant": variant,
            "ended_at": time.time(),
            "fired": sum(fired),
            "rss_growth": max(_peak_rss_bytes(), peak_before) - rss_before,
            "gc_pause": max(pauses.pauses, default=0.0),
            "others": [event for event, ok in zip(events, fired, strict=True) if not ok][:3],
        }

    watchdog = threading.Timer(run_cap(size) + WATCHDOG_GRACE, _give_up, args=(figures,))
    watchdog.daemon = True
    watchdog.start()
    run = asyncio.run(run_triggers(variant, size))
    watchdog.cancel()
    gc.callbacks.remove(pauses)
    return figures(run)


def _give_up(figures: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
    """
    The watchdog: the loop did not stop the waits at the cap (it was blocked, or the waits did not
    end when canceled); report what is known now, the stall still going on included, and exit.
    """
    now, (started, started_at) = time.perf_counter(), PROGRESS["started"]
    stalls = list(PROGRESS["stalls"])
    began, beat, cpu = PROGRESS["beat"]
    loop_cpu = time.clock_gettime(time.pthread_getcpuclockid(threading.main_thread().ident))
    stalls.append([began, now - beat - HEARTBEAT, loop_cpu - cpu])
    events = [_event(task, task.done() and not task.cancelled()) for task in list(PROGRESS["tasks"])]
    worst = max(stalls, key=lambda stall: stall[1])
    run = {"events": events, "wall": now - started, "started_at": started_at, "stall": worst[1],
           "stall_at": worst[0] - started_at, "stall_cpu": worst[2], "stalls": stalls}  # fmt: skip
    report({**figures(run), "gave_up": True})
    os._exit(0)


# The parent: the phase driver, interleaved runs, each in a fresh process, one sandbox per size


def control(sandbox: Any, action: str, **arguments: Any) -> Any:
    """A control call, tried again (up to 10 times) when the busy sandbox drops the connection."""
    for attempt in range(10):
        try:
            return sandbox.control(action, **arguments)
        except OSError:  # ConnectionResetError, URLError...
            if attempt == 9:
                raise
            time.sleep(0.2)
    return None


def drive(sandbox: Any, size: int, done: threading.Event, schedule: dict[str, Any]) -> None:
    """
    Wait for every wait's first read, then change phases as the module says; note in ``schedule``
    when the steady state began (``ready``) and each change (``changes``: ``[time, flags]``).
    Gives up, leaving ``ready`` unset, if the run ends first.
    """
    while not _first_reads_done(sandbox, size):
        if done.is_set():
            return
        time.sleep(0.1)
    ready = schedule["ready"] = time.time()
    keys, per_batch, interval = flags(size), max(1, round(size * CHANGE_SHARE)), poll_interval(size)
    stride = size // per_batch
    changed: set[str] = set()
    for index in range(CHANGE_INTERVALS + QUIET_INTERVALS + 1):
        time.sleep(max(0.0, ready + index * interval - time.time()))
        if index < CHANGE_INTERVALS:
            batch = keys[index::stride][:per_batch]
        elif index == CHANGE_INTERVALS + QUIET_INTERVALS:
            batch = [flag for flag in keys if flag not in changed]
        else:
            continue
        control(sandbox, "bench.complete", project_key=PROJECT, flags=batch)  # completing twice is harmless
        schedule["changes"].append([time.time(), len(batch)])
        changed.update(batch)


def _first_reads_done(sandbox: Any, size: int) -> bool:
    """
    Whether every wait has judged its flag once: each read its own release (waits polling one by
    one), or the pipeline's list was read a second time (a wait started before that read was
    handed the first one, or the second).
    """
    if control(sandbox, "bench.first_reads") >= size:
        return True
    first_pages = [
        note for note in control(sandbox, "bench.log") if note[1] == "list" and "offset=0" in note[2]
    ]
    return len(first_pages) >= 2


def one_run(sandbox: Any, variant: str, size: int, env: dict[str, str]) -> dict[str, Any]:
    """Reset the sandbox, run ``size`` waits of ``variant`` in a fresh process; the child's figures."""
    sandbox.control("reset")
    schedule: dict[str, Any] = {"ready": None, "changes": []}
    done = threading.Event()
    driver = threading.Thread(target=drive, args=(sandbox, size, done, schedule), daemon=True)
    driver.start()
    try:
        result = run_child(
            ["-m", "benchmarks.triggerer_scale", "--child", variant, "--size", str(size)], env=env
        )
    finally:
        done.set()
        driver.join()
    intervals = CHANGE_INTERVALS + QUIET_INTERVALS
    if schedule["ready"] is None:  # stopped at the cap before every wait had read once: no steady state
        schedule["ready"], schedule["changes"], intervals = result["ended_at"], [[result["ended_at"], 0]], 0
    log = sandbox.control("bench.log")
    costs = poll_costs(
        log,
        started=result["started_at"],
        ready=schedule["ready"],
        changes=schedule["changes"],
        intervals=intervals,
        poll_interval=poll_interval(size),
    )
    return {
        **result,
        "costs": costs.as_dict(),
        "requests": sum(1 for note in log if note[0] >= result["started_at"]),
        "stall_during": stall_during(result, schedule),
        "stall_parts": worst_by_part(result.pop("stalls"), schedule),
    }


def stall_during(result: dict[str, Any], schedule: dict[str, Any]) -> str:
    """In which part of the run the worst stall began: the first reads, the steady state, or the end."""
    moment = result["started_at"] + result["stall_at"]
    part = _part(moment, schedule)
    if part != "end":
        return {"first": "the first reads", "steady": "the steady state"}[part]
    last_change, last_count = schedule["changes"][-1]
    return f"the end, {moment - last_change:.1f} s after the last {last_count:,} phases completed at once"


def _part(moment: float, schedule: dict[str, Any]) -> str:
    """``first``, ``steady`` or ``end`` (once the last batch of phases completed)."""
    if moment < schedule["ready"]:
        return "first"
    return "steady" if moment < schedule["changes"][-1][0] else "end"


def worst_by_part(stalls: list[list[float]], schedule: dict[str, Any]) -> dict[str, float]:
    """The worst stall of each part of the run (``first``, ``steady``, ``end``), 0 where none was noted."""
    worst = {"first": 0.0, "steady": 0.0, "end": 0.0}
    for began, late, _cpu in stalls:
        part = _part(began, schedule)
        worst[part] = max(worst[part], late)
    return worst


def measure(sizes: tuple[int, ...], repetitions: int) -> dict[int, dict[str, list[dict[str, Any]]]]:
    """Each size's runs: every variant ``repetitions`` times, side by side, against one sandbox."""
    samples = {}
    for size in sizes:
        with sandbox_process(seed(size), module="benchmarks.sandbox_probe") as sandbox:
            env = {**os.environ, **sandbox.environ}
            runs = {variant: functools.partial(one_run, sandbox, variant, size, env) for variant in VARIANTS}
            samples[size] = interleaved(runs, repetitions, warmups=0)
    return samples


def _pages_per_read(size: int, run: dict[str, Any]) -> int:
    """The pages one read of the list of ``size`` releases takes at the page size ``run`` asked for."""
    page_size = PollCosts.from_dict(run["costs"]).page_size
    return -(-size // page_size) if page_size else 0


def result(sizes: tuple[int, ...], repetitions: int) -> dict[str, Any]:
    """The report of a whole run: the rows of each size (old → new) and the rate-limit table."""
    from benchmarks.rate_limits import table
    from benchmarks.waits_report import scale_rows

    samples = measure(sizes, repetitions)
    rows: list[Row] = [row for size in sizes for row in scale_rows(size, samples[size])]
    measured = {
        size: [p for run in samples[size]["new"] if (p := _pages_per_read(size, run))] for size in sizes
    }
    pages = {size: median(values) for size, values in measured.items() if values}
    return {"rows": rows_to_json(rows), "markdown": table(pages)}


def main() -> None:
    """``python -m benchmarks.triggerer_scale [--sizes 1000,5000] [--quick] [--child VARIANT --size N]``."""
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--child", choices=VARIANTS, help="run one variant in this process")
    parser.add_argument("--size", type=int, help="with --child: how many waits")
    parser.add_argument(
        "--sizes",
        default=",".join(map(str, SIZES)),
        help="comma-separated numbers of waits (default 1000,5000)",
    )
    parser.add_argument("--repetitions", type=int, default=REPETITIONS, help="runs of each variant and size")
    parser.add_argument("--quick", action="store_true", help="one run of each variant, 1,000 waits only")
    args = parser.parse_args()
    if args.child:
        report(child(args.child, args.size))
        return
    try:
        sizes = tuple(int(part) for part in args.sizes.split(","))
    except ValueError:
        parser.error(f"--sizes {args.sizes!r}: expected comma-separated whole numbers, such as 1000,5000")
    if any(size < 100 for size in sizes) or args.repetitions < 1:
        parser.error("--sizes: each at least 100 waits; --repetitions: at least 1")
    if args.quick:
        sizes, args.repetitions = (SIZES[0],), 1
    with airflow_home():
        report(result(sizes, args.repetitions))


if __name__ == "__main__":
    main()
