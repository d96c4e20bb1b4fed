"""
Pagination memory: listing 10,000 Aha! releases over 50 pages with ``AhaHook.list_releases``.

The sandbox runs in its own process, seeded with one product of 10,000 releases (50 pages of
200). Time: a ``for`` loop over ``list_releases`` that keeps no item, against a bare
``requests.Session`` fetching the same 50 pages and reading their JSON, interleaved. Memory: the
peak of Python's allocations (``tracemalloc``) above where the loop started, after 10, 25 and
50 pages (the loop stops after that many pages' items, before the next page is fetched): a lazy
loop holds one page at a time, so the peak stays flat as the pages grow. ``list()`` of all 50
pages, which keeps every item, shows what that avoids.
"""

from __future__ import annotations

import gc
import json
import os
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

from benchmarks.common import (
    Row,
    benchmark_main,
    fmt_bytes,
    fmt_ratio,
    fmt_s,
    interleaved,
    median,
    ratio,
    sandbox_process,
)

PER_PAGE = 200
PAGES = (10, 25, 50)
REPETITIONS = 3
FLAT_GOAL = 1.2  # the 50-page peak may be at most this many times the 10-page peak


PRODUCT = "P50"


def seed() -> dict[str, Any]:
    """An Aha! seed: one product with ``max(PAGES) * PER_PAGE`` releases."""
    product_id = "1000050"
    releases = [
        {
            "id": str(int(product_id) * 100_000 + number),
            "product_id": product_id,
            "name": f"Release {number}",
            "reference_num": f"{PRODUCT}-R-{number}",
            "release_date": "2026-12-01",
        }
        for number in range(1, max(PAGES) * PER_PAGE + 1)
    ]
    return {
        "aha": {
            "products": [{"id": product_id, "reference_prefix": PRODUCT, "name": "Big"}],
            "releases": releases,
        }
    }


def lazy(hook: Any, pages: int) -> int:
    """Iterate the first ``pages`` pages of releases, keeping no item; return how many there were."""
    count, wanted = 0, pages * PER_PAGE
    for _release in hook.list_releases(product_id=PRODUCT):
        count += 1
        if count == wanted:
            break
    return count


def eager(hook: Any) -> int:
    """``list()`` every release (all kept until it returns); return how many there were."""
    return len(list(hook.list_releases(product_id=PRODUCT)))


def bare(session: Any, base_url: str) -> int:
    """Fetch every page with a bare ``requests.Session``, reading each page's JSON; return the count."""
    count, page = 0, 1
    while True:
        response = session.get(
            f"{base_url}/api/v1/products/{PRODUCT}/releases",
            params={"page": page, "per_page": PER_PAGE},
            timeout=(10, 60),
        )
        response.raise_for_status()
        body = response.json()
        for _release in body["releases"]:
            count += 1
        if page >= body["pagination"]["total_pages"]:
            return count
        page += 1


def timed(run: Callable[[], int], expected: int) -> float:
    """Seconds ``run()`` takes; it must count ``expected`` releases."""
    started = time.perf_counter()
    count = run()
    elapsed = time.perf_counter() - started
    if count != expected:
        raise RuntimeError(f"listed {count} releases, expected {expected}")
    return elapsed


def peak_growth(run: Callable[[], int]) -> int:
    """The peak of Python's traced allocations during ``run()``, above where it started, in bytes."""
    gc.collect()
    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        run()
        return tracemalloc.get_traced_memory()[1] - start
    finally:
        tracemalloc.stop()


def measure() -> list[Row]:
    """List the seeded releases lazily and eagerly; return the table's rows."""
    import requests

    from airflow_provider_releases.hooks.aha import AhaHook
    from airflow_provider_releases.rules.aha import MAX_PER_PAGE

    assert MAX_PER_PAGE == PER_PAGE, "the hook's page size changed: update PER_PAGE"
    most = max(PAGES)
    with sandbox_process(seed()) as sandbox:
        os.environ.update(sandbox.environ)
        connection = json.loads(sandbox.environ["AIRFLOW_CONN_AHA_DEFAULT"])
        with AhaHook() as hook, requests.Session() as session:
            session.headers.update(
                {"Accept": "application/json", "Authorization": f"Bearer {connection['password']}"}
            )
            lazy(hook, min(PAGES))  # warm-up: connection, first page
            bare(session, connection["host"])
            times = interleaved(
                {
                    "bare": lambda: timed(lambda: bare(session, connection["host"]), most * PER_PAGE),
                    "provider": lambda: timed(lambda: lazy(hook, most), most * PER_PAGE),
                },
                REPETITIONS,
                warmups=0,
            )
            lazy_peaks = {
                pages: median(
                    [peak_growth(lambda pages=pages: lazy(hook, pages)) for _ in range(REPETITIONS)]
                )
                for pages in PAGES
            }
            eager_peak = peak_growth(lambda: eager(hook))
    name = f"4. Pagination ({most * PER_PAGE:,} Aha! releases, {most} pages of {PER_PAGE})"
    flat = lazy_peaks[most] / lazy_peaks[min(PAGES)]
    return [
        Row(
            name,
            f"time to list {most * PER_PAGE:,} releases: bare `requests.Session` → `list_releases` loop",
            fmt_s(median(times["bare"])),
            fmt_s(median(times["provider"])),
            fmt_ratio(ratio(times["bare"], times["provider"])),
        ),
        Row(
            name,
            "peak memory growth of a lazy `for` loop (tracemalloc): "
            + " → ".join(f"{pages} pages" for pages in PAGES),
            fmt_bytes(lazy_peaks[min(PAGES)]),
            " → ".join(fmt_bytes(lazy_peaks[pages]) for pages in PAGES),
            f"{fmt_ratio(flat)} ({most} vs {min(PAGES)} pages)",
            goal=f"flat: ≤ {fmt_ratio(FLAT_GOAL)}",
            passed=flat <= FLAT_GOAL,
            note="" if flat <= FLAT_GOAL else MISS_NOTE,
        ),
        Row(
            name,
            f"peak memory growth at {most} pages: lazy `for` loop → `list()` (keeps every item)",
            fmt_bytes(lazy_peaks[most]),
            fmt_bytes(eager_peak),
            fmt_ratio(eager_peak / lazy_peaks[most]),
        ),
    ]


MISS_NOTE = "Something holds on to pages while iterating: look for references kept by `PagedItems`."


def main() -> None:
    """``python -m benchmarks.pagination``."""
    benchmark_main(measure)


if __name__ == "__main__":
    main()
