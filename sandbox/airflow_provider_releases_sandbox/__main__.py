"""
``python -m airflow_provider_releases_sandbox``: serve the four sandboxed APIs until interrupted.

Prints the base URL of each service and ``export AIRFLOW_CONN_<ID>='...'`` lines that point the
four default connections at the sandbox.
"""

from __future__ import annotations

import argparse
import copy
import json
import shlex
import signal
import sys
import threading
from typing import Any

from airflow_provider_releases_sandbox.app import SERVICES
from airflow_provider_releases_sandbox.launchdarkly import LaunchDarklyBackend
from airflow_provider_releases_sandbox.server import Sandbox


def _seed(path: str | None) -> dict[str, Any] | None:
    if path is None:
        return None
    try:
        with open(path, encoding="utf-8") as handle:
            seed = json.load(handle)
    except (OSError, ValueError) as exc:
        raise SystemExit(f"--seed {path}: cannot read a JSON seed file: {exc}") from None
    if not isinstance(seed, dict):
        raise SystemExit(f"--seed {path}: expected a JSON object keyed by service ({', '.join(SERVICES)})")
    return seed


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, serve the sandbox until SIGINT or SIGTERM; the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m airflow_provider_releases_sandbox",
        description="Serve sandboxes of the Amplitude, LaunchDarkly, Aha! and Cryptlex release APIs.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port to listen on; 0 picks a free one (default)")
    parser.add_argument("--seed", metavar="FILE", help="JSON file with each service's initial state")
    parser.add_argument(
        "--state",
        metavar="FILE",
        help="keep what the services hold in FILE: read at start when it exists, written after every"
        " change, so a restart keeps every object and never reuses a reference such as PRJ1-R-6"
        " (the reset action goes back to the seed); without it, state lives in memory and every"
        " start begins again from the seed",
    )
    parser.add_argument(
        "--advance-after-seconds",
        type=float,
        metavar="N",
        help="complete each active LaunchDarkly phase N seconds after it started",
    )
    parser.add_argument(
        "--advance-after-reads",
        type=int,
        metavar="N",
        help="complete each active LaunchDarkly phase after N reads of its flag's release (or N of its"
        " pipeline's releases list showing it)",
    )
    parser.add_argument(
        "--release-time-scale",
        type=float,
        metavar="N",
        help="run the clock of LaunchDarkly environment releases N times real time (60: a one-hour"
        " step lasts a minute)",
    )
    args = parser.parse_args(argv)
    seed = _seed(args.seed) or {}
    # Part of the seed, so that a reset through the control API keeps them.
    launchdarkly = seed.get("launchdarkly") or copy.deepcopy(LaunchDarklyBackend.model_class.default_seed)
    if args.advance_after_seconds is not None or args.advance_after_reads is not None:
        launchdarkly["auto_advance"] = {
            "seconds": args.advance_after_seconds,
            "reads": args.advance_after_reads,
        }
        seed["launchdarkly"] = launchdarkly
    if args.release_time_scale is not None:
        launchdarkly["time_scale"] = args.release_time_scale
        seed["launchdarkly"] = launchdarkly
    try:
        server = Sandbox(args.host, args.port, seed, state_file=args.state)
    except ValueError as exc:
        raise SystemExit(f"cannot start the sandbox: {exc}") from None
    server.start()
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    print(f"Release API sandbox listening on {server.base_url}")
    if args.state:
        print(f"  {'state':<18} {args.state} (kept across restarts)")
    for service in (*SERVICES, "cryptlex-releases"):
        print(f"  {service:<18} {server.url(service)}")
    print(f"  {'control API':<18} POST {server.base_url}/_sandbox/<action> with a JSON body")
    print(f"  {'':<18} GET {server.base_url}/_sandbox/ lists the actions")
    print("\nPoint Airflow's default connections at it:")
    for name, value in server.environ().items():
        print(f"export {name}={shlex.quote(value)}")
    print("\nPress Ctrl+C to stop.", flush=True)
    try:
        stop.wait()
    finally:
        server.stop()
    print("Sandbox stopped.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
