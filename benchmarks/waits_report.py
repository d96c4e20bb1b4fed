"""The rows of the phase-waits benchmark (:mod:`benchmarks.triggerer_scale`), from its runs' figures."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from benchmarks.common import Row, fmt_bytes, fmt_ms, fmt_ratio, fmt_s, median, ratio
from benchmarks.poll_costs import PollCosts

Runs = dict[str, list[dict[str, Any]]]  # variant -> one figure dict per run


def _stall_goal(size: int) -> float:
    from benchmarks.triggerer_scale import STALL_GOALS

    return STALL_GOALS.get(size, max(STALL_GOALS.values()))


def _pick(runs: Runs, variant: str, key: str, scale: float = 1.0) -> list[float]:
    return [run[key] * scale for run in runs[variant]]


def _costs(runs: Runs, variant: str) -> list[PollCosts]:
    return [PollCosts.from_dict(run["costs"]) for run in runs[variant]]


def _steady(costs: list[PollCosts], field: str) -> float:
    return median([cost.mean(field) for cost in costs])


def scale_rows(size: int, runs: Runs) -> list[Row]:
    """One size's rows: old → new (the package's trigger), the bare httpx baseline in each measure."""
    from benchmarks.triggerer_scale import CHANGE_INTERVALS, HEARTBEAT, QUIET_INTERVALS, poll_interval

    name = f"3. Phase waits at scale ({size:,} waits on one pipeline, one event loop)"
    repetitions = len(runs["new"])

    def compared(measure: str, key: str, fmt: Callable[[float], str]) -> Row:
        scale = 1 / size if key == "rss_growth" else 1.0
        old, new, bare = (_pick(runs, variant, key, scale) for variant in ("old", "new", "bare"))
        text = f"{measure}: old → new (bare httpx baseline {fmt(median(bare))})"
        return Row(name, text, fmt(median(old)), fmt(median(new)), fmt_ratio(ratio(old, new)))

    goal = _stall_goal(size)
    stall = median(_pick(runs, "new", "stall"))
    stall_row = compared(
        f"event loop's worst stall (heartbeat every {HEARTBEAT * 1000:.0f} ms; "
        f"{'one run' if repetitions == 1 else f'median of {repetitions} runs'} of each variant)",
        "stall",
        fmt_ms,
    )
    parts = {
        part: median([run["stall_parts"][part] for run in runs["new"]]) for part in ("first", "steady", "end")
    }
    stall_row.figure = (
        f"{fmt_ms(stall)} (worst run {fmt_ms(max(_pick(runs, 'new', 'stall')))}; by part: first reads "
        f"{fmt_ms(parts['first'])}, steady state {fmt_ms(parts['steady'])}, the last phases completing "
        f"{fmt_ms(parts['end'])})"
    )
    stall_row.goal, stall_row.passed = f"< {goal * 1000:.0f} ms", stall < goal
    stall_row.note = "" if stall_row.passed else stall_note(size, runs)

    old_costs, new_costs, bare_costs = (_costs(runs, variant) for variant in ("old", "new", "bare"))
    first = median([cost.first.total for cost in new_costs])
    first_row = Row(
        name,
        f"requests of the first reads (until every wait had read its own release; bare "
        f"{median([c.first.total for c in bare_costs]):,.0f}): old → new",
        f"{median([c.first.total for c in old_costs]):,.0f}",
        f"{first:,.0f}",
        f"new: {_first_parts(new_costs)} in {median([c.first_seconds for c in new_costs]):.1f} s",
    )
    changed = _steady(new_costs, "changed")
    interval = (
        f"per poll interval ({poll_interval(size):g} s) after the first reads, {changed:,.0f} flags changed "
        f"per interval on average ({CHANGE_INTERVALS} intervals with changes, {QUIET_INTERVALS} without)"
    )

    def steady_row(field: str, what: str) -> Row:
        within = all(cost.within_goal(field) and _kept_up(cost) for cost in new_costs)
        return Row(
            name,
            f"{what} {interval}; bare {_steady(bare_costs, field):,.0f}: old → new",
            f"{_steady(old_costs, field):,.0f}",
            f"{_steady(new_costs, field):,.1f}",
            f"new: {_steady(new_costs, 'list_reads'):,.1f} list reads ({_steady(new_costs, 'list'):,.1f} "
            f"pages) + {_steady(new_costs, 'own'):,.1f} own reads "
            f"(worst interval {_worst(new_costs, field)})",
            goal=f"≤ 1 + changed ({1 + changed:,.0f})",
            passed=within,
            note="" if within else steady_note(new_costs),
        )

    fired = min(_pick(runs, "new", "fired"))
    fired_row = Row(
        name,
        f"waits that fired a `done` event (fewest of all runs; bare "
        f"{min(_pick(runs, 'bare', 'fired')):,.0f}): old → new",
        f"{min(_pick(runs, 'old', 'fired')):,.0f}/{size:,}",
        f"{fired:,.0f}/{size:,}",
        f"{fired:,.0f}",
        goal=f"all {size:,}",
        passed=fired == size,
        note="" if fired == size else fired_note(size, runs),
    )
    return [
        stall_row,
        compared(
            f"wall time (the first reads, then {CHANGE_INTERVALS + QUIET_INTERVALS} intervals of "
            f"{poll_interval(size):g} s, then the last phases complete)",
            "wall",
            fmt_s,
        ),
        compared("peak RSS growth per wait", "rss_growth", fmt_bytes),
        threads_row(name, runs),
        requests_per_wait_row(name, size, runs),
        first_row,
        steady_row("reads", "reads (a read of the pipeline's list counts once, whatever its pages)"),
        steady_row("total", "requests (every page of the list counted)"),
        fired_row,
    ]


def threads_row(name: str, runs: Runs) -> Row:
    """The most threads the process had beyond those before the waits started (goal: at most 3)."""
    old, new, bare = (max(run.get("threads_added", 0) for run in runs[v]) for v in ("old", "new", "bare"))
    return Row(
        name,
        f"threads added while the waits ran (most of all runs; bare {bare}): old → new",
        f"{old}",
        f"{new}",
        f"{new}",
        goal="≤ 3",
        passed=new <= 3,
        note="" if new <= 3 else f"{new} threads were added: more than the 3 allowed.",
    )


def requests_per_wait_row(name: str, size: int, runs: Runs) -> Row:
    """Every request of the run (first reads, steady state, completion) divided by the waits."""

    def per_wait(variant: str) -> float:
        return median([run["requests"] / size for run in runs[variant]])

    new = per_wait("new")
    return Row(
        name,
        f"requests over the whole run per wait (bare {per_wait('bare'):.2f}): old → new",
        f"{per_wait('old'):.2f}",
        f"{new:.2f}",
        f"{new:.2f}",
        goal="≤ 0.5" if size <= 1000 else "—",
        passed=new <= 0.5 if size <= 1000 else None,
        note="" if size > 1000 or new <= 0.5 else f"{new:.2f} requests per wait, {new - 0.5:.2f} over.",
    )


def _kept_up(cost: PollCosts) -> bool:
    """Whether the list was read at (about) every interval: at most one interval without a read."""
    return sum(window.list_reads for window in cost.steady) >= len(cost.steady) - 1


def _first_parts(costs: list[PollCosts]) -> str:
    parts = [
        f"{median([c.first_flags for c in costs]):,.0f} flags' own first reads",
        f"{median([c.first.own - c.first_flags for c in costs]):,.0f} more own reads",
        f"{median([c.first.list for c in costs]):,.0f} list pages",
    ]
    other = median([c.first.other for c in costs])
    return ", ".join(parts + ([f"{other:,.0f} other"] if other else []))


def _worst(costs: list[PollCosts], field: str) -> str:
    measured = [cost for cost in costs if cost.steady]
    if not measured:
        return "none measured"
    worst = max((cost.worst(field) for cost in measured), key=lambda w: getattr(w, field) - w.budget)
    return f"{getattr(worst, field):,}, {worst.changed:,} changed"


def steady_note(costs: list[PollCosts]) -> str:
    """Why the steady state cost more than ``1 + changed`` per interval, from the runs' requests."""
    if not all(cost.steady for cost in costs):
        return (
            "The waits' first reads had not all arrived when the run reached its time cap, so there was "
            "no steady state to measure (see the waits that fired)."
        )
    pages, reads = _steady(costs, "list"), _steady(costs, "list_reads")
    own, changed = _steady(costs, "own"), _steady(costs, "changed")
    causes = []
    if not all(_kept_up(cost) for cost in costs):
        causes.append(
            f"the pipeline's list was read only {reads:,.2f} times per interval: one read of all its pages "
            f"({costs[0].page_size or 20} releases a page) took longer than the poll interval, so the waits "
            "saw changes late and the few requests per interval do not count as meeting the goal"
        )
    if reads > 1:
        causes.append(
            f"the pipeline's releases list is read {reads:,.1f} times per interval, not once: what would "
            "close it is one list read per pipeline and interval, whichever wait asks first"
        )
    if pages > reads:
        causes.append(
            f"the list is paginated: {pages:,.1f} pages per interval at {costs[0].page_size or 20} "
            "releases a page (the hook asks for this many; the sandbox serves up to 100 a page, and "
            "LaunchDarkly documents no maximum): what would close it is the largest page the API takes "
            "(`limit`), and a filter leaving only the releases still in the awaited phase "
            "(`filter=activePhaseId:<id>`)"
        )
    if own > changed:
        causes.append(
            f"{own:,.1f} own reads per interval for {changed:,.1f} changed flags: flags read their own "
            "release without a change in the list (the every-N-polls read, or list entries that look changed)"
        )
    if not causes:
        return "Over the budget in some intervals only (the timing of the list reads)."
    text = "; ".join(causes) + "."
    return text[0].upper() + text[1:]


def stall_note(size: int, runs: Runs) -> str:
    """Why the loop stalled and what would close it, from the figures of the runs."""
    stall, gc_pause = median(_pick(runs, "new", "stall")), median(_pick(runs, "new", "gc_pause"))
    worst = max(runs["new"], key=lambda run: run["stall"])
    busy = worst["stall_cpu"] / worst["stall"] if worst["stall"] else 0.0
    cause = (
        "the loop's thread was busy running Python for most of it (the waits' own work in one loop "
        "iteration, or a full garbage collection)"
        if busy >= 0.5
        else "the loop's thread was mostly waiting, not running: for a CPU (the machine's load) or for "
        "the interpreter lock held by another thread"
    )
    return (
        f"{size:,} waits of the new trigger stall the loop {fmt_ms(stall)} (the old trigger "
        f"{fmt_ms(median(_pick(runs, 'old', 'stall')))}, the bare httpx baseline "
        f"{fmt_ms(median(_pick(runs, 'bare', 'stall')))}, in the same runs). The worst stall began "
        f"{worst['stall_at']:.1f} s into its run, during {worst['stall_during']}; the loop's thread "
        f"ran {fmt_ms(worst['stall_cpu'])} of CPU in it, so {cause}. The longest full garbage "
        f"collection of the process took {fmt_ms(gc_pause)}. What closes it: for the CPU part, each "
        "wait doing less per wake-up when one shared read wakes them all (and the triggerer freezing its "
        "start-up heap, `gc.freeze()`, so that full collections stop walking Airflow's own objects; an "
        "Airflow change); for the waiting part, a machine whose cores are not all taken by other work."
    )


def fired_note(size: int, runs: Runs) -> str:
    """Why some waits of the new trigger did not fire, from the runs' events."""
    from benchmarks.triggerer_scale import run_cap

    run = min(runs["new"], key=lambda run: run["fired"])
    blocked = (
        " The loop did not even stop them at the cap: the watchdog reported the run "
        f"{run['wall']:.0f} s in, while the loop was stalled {fmt_ms(run['stall'])}."
        if run.get("gave_up")
        else ""
    )
    return (
        f"{size - run['fired']:,} of {size:,} waits had not fired when the run reached its cap of "
        f"{run_cap(size):.0f} s (the old trigger: {size - min(_pick(runs, 'old', 'fired')):,.0f} not fired, "
        f"the bare baseline {size - min(_pick(runs, 'bare', 'fired')):,.0f}); their events: "
        f"{run['others']}.{blocked}"
    )
