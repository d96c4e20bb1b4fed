"""
Per-request overhead: 2,000 sequential calls through ``AhaHook`` against a local server that answers
at once, against a bare ``requests.Session`` sending the same requests.

The calls alternate ``AhaHook.create_release`` (``POST /api/v1/products/PRJ1/releases`` with a
JSON body) and ``AhaHook.get_release`` (``GET /api/v1/releases/PRJ1-R-1``). The baseline sends the
same method, URL, headers and body with one ``requests.Session`` and reads the JSON answer; the
generic alternative, ``HttpHook.run`` of apache-airflow-providers-http, sends them too. Each
variant builds its client once per 2,000 calls (as one task would) and the three run
interleaved, in a rotating order, against a server in its own process
(:mod:`benchmarks.instant_server`).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from typing import Any

from benchmarks.common import Row, benchmark_main, fmt_ratio, fmt_us, interleaved, median, ratio
from benchmarks.instant_server import instant_server

CALLS = 2000
WARMUP_CALLS = 200
REPETITIONS = 5
GOAL = 1.2
PRODUCT, RELEASE_ID = "PRJ1", "PRJ1-R-1"
NAME, FIELDS = "Release 1.4.0", {"release_date": "2026-12-01", "theme": "Checkout"}
API_KEY = "bench-aha-api-key"
CREATE_PATH = f"/api/v1/products/{PRODUCT}/releases"
GET_PATH = f"/api/v1/releases/{RELEASE_ID}"
CREATE_BODY = {"release": {"name": NAME, **FIELDS}}


def _headers() -> dict[str, str]:
    """The headers ``AhaHook`` sends, so that every variant sends the same bytes."""
    from airflow_provider_releases import __version__

    return {
        "Accept": "application/json",
        "User-Agent": f"airflow-provider-releases/{__version__}",
        "Authorization": f"Bearer {API_KEY}",
    }


def _timed(call: Callable[[int], Any], calls: int) -> float:
    """Run ``call(i)`` for i in 0..calls-1 and return the seconds per call."""
    started = time.perf_counter()
    for index in range(calls):
        call(index)
    return (time.perf_counter() - started) / calls


def provider(base_url: str, calls: int) -> float:
    """``AhaHook.create_release`` and ``get_release``, alternately."""
    from airflow_provider_releases.hooks.aha import AhaHook

    with AhaHook("bench_aha") as hook:

        def call(index: int) -> Any:
            if index % 2:
                return hook.get_release(RELEASE_ID)
            return hook.create_release(PRODUCT, NAME, **FIELDS)

        return _timed(call, calls)


def bare(base_url: str, calls: int) -> float:
    """A bare ``requests.Session`` sending the same requests and reading their JSON."""
    import requests

    with requests.Session() as session:
        session.headers.update(_headers())
        create_url, get_url = base_url + CREATE_PATH, base_url + GET_PATH

        def call(index: int) -> Any:
            if index % 2:
                response = session.get(get_url, timeout=(10, 60))
            else:
                response = session.post(create_url, json=CREATE_BODY, timeout=(10, 60))
            response.raise_for_status()
            return response.json()["release"]

        return _timed(call, calls)


def http_hook(base_url: str, calls: int) -> float:
    """``HttpHook.run`` of apache-airflow-providers-http sending the same requests."""
    from airflow.providers.http.hooks.http import HttpHook

    post, get = (
        HttpHook(method="POST", http_conn_id="bench_http"),
        HttpHook(method="GET", http_conn_id="bench_http"),
    )
    headers = _headers()

    def call(index: int) -> Any:
        if index % 2:
            response = get.run(GET_PATH, headers=headers, extra_options={"timeout": (10, 60)})
        else:
            response = post.run(
                CREATE_PATH, json=CREATE_BODY, headers=headers, extra_options={"timeout": (10, 60)}
            )
        return response.json()["release"]

    return _timed(call, calls)


def _connections(base_url: str) -> None:
    """Define the hooks' connections through ``AIRFLOW_CONN_*`` variables pointing at ``base_url``."""
    host, port = base_url.removeprefix("http://").split(":")
    os.environ["AIRFLOW_CONN_BENCH_AHA"] = json.dumps(
        {"conn_type": "aha", "host": base_url, "password": API_KEY}
    )
    os.environ["AIRFLOW_CONN_BENCH_HTTP"] = json.dumps(
        {"conn_type": "http", "host": host, "port": int(port), "schema": "http"}
    )


def measure() -> list[Row]:
    """Time the three clients side by side and return the table's rows."""
    import airflow.sdk  # noqa: F401  (loaded in every task anyway; not part of a request)

    with instant_server() as base_url:
        _connections(base_url)
        variants = {"bare": bare, "provider": provider, "http": http_hook}
        for run in variants.values():
            run(base_url, WARMUP_CALLS)
        samples = interleaved(
            {name: (lambda run=run: run(base_url, CALLS)) for name, run in variants.items()},
            REPETITIONS,
            warmups=0,
        )
    name = f"2. Per-request overhead ({CALLS:,} sequential calls, instant local server)"
    base = samples["bare"]
    value = ratio(base, samples["provider"])
    return [
        Row(
            name,
            "per call: bare `requests.Session` → `AhaHook.create_release` / `get_release`",
            fmt_us(median(base)),
            fmt_us(median(samples["provider"])),
            fmt_ratio(value),
            goal=f"≤ {fmt_ratio(GOAL)}",
            passed=value <= GOAL,
            note="" if value <= GOAL else MISS_NOTE,
        ),
        Row(
            name,
            "per call: bare `requests.Session` → `HttpHook.run` (http provider), same requests",
            fmt_us(median(base)),
            fmt_us(median(samples["http"])),
            fmt_ratio(ratio(base, samples["http"])),
        ),
    ]


MISS_NOTE = "Profile `BlockingTransport.send` against the bare session to find the added work per call."


def main() -> None:
    """``python -m benchmarks.per_request``."""
    benchmark_main(measure)


if __name__ == "__main__":
    main()
