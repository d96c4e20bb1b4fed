"""
``python -m benchmarks.sandbox_probe [sandbox options]``: the sandbox, plus what the wait benchmark counts.

Serves exactly what ``python -m airflow_provider_releases_sandbox`` serves, and also notes, for each
LaunchDarkly request, when it arrived and what it read: a flag's own release (``own``), a page of a
pipeline's releases list (``list``) or anything else (``other``). Three more control actions
(``POST /_sandbox/bench.<name>``) serve the benchmark:

- ``bench.log``: every note since the last reset, oldest first, as ``[epoch seconds, kind, flag]``
  (for a list page, its query string instead of a flag);
- ``bench.first_reads``: how many distinct flags have had their own release read;
- ``bench.complete``: complete the active phase of each flag of ``flags`` (``project_key`` given),
  all under the sandbox's lock in one call, and return how many changed.

``reset`` clears the notes too. Nothing here changes how the sandbox answers; its listen backlog
is a real server's (1,024 connections waiting to be accepted, not 5).
"""

from __future__ import annotations

import re
import sys
import threading
import time
from typing import Any

LAUNCHDARKLY_MOUNT = "/launchdarkly/"
LISTEN_BACKLOG = 1024
_OWN = re.compile(r"/api/v2/flags/[^/]+/(?P<flag>[^/?]+)/release")
_LIST = re.compile(r"/api/v2/projects/[^/]+/release-pipelines/[^/]+/releases")


class Probe:
    """The notes of one sandbox process (appends are atomic under the interpreter lock)."""

    def __init__(self) -> None:
        self.notes: list[tuple[float, str, str]] = []
        self.flags_read: set[str] = set()
        self.lock = threading.Lock()

    def note(self, method: str, target: str) -> None:
        """Note one request to the sandbox (control requests and other services are not noted)."""
        if not target.startswith(LAUNCHDARKLY_MOUNT):
            return
        path, _, query = target[len(LAUNCHDARKLY_MOUNT) - 1 :].partition("?")
        own = _OWN.fullmatch(path) if method == "GET" else None
        if own:
            kind, flag = "own", own["flag"]
            self.flags_read.add(flag)
        elif method == "GET" and _LIST.fullmatch(path):
            kind, flag = "list", query  # its offset tells a list's first page from the next ones
        else:
            kind, flag = "other", ""
        self.notes.append((time.time(), kind, flag))

    def clear(self) -> None:
        """Forget every note (on the sandbox's reset)."""
        with self.lock:
            self.notes = []
            self.flags_read = set()


def install(probe: Probe) -> None:
    """Make every sandbox app (``SandboxApp``) of this process note into ``probe``."""
    from airflow_provider_releases_sandbox.app import SandboxApp

    handle, control, reset = SandboxApp.handle, SandboxApp.control, SandboxApp.reset

    def noting_handle(self: SandboxApp, method: str, target: str, headers: Any, body: bytes) -> Any:
        probe.note(method, target)
        return handle(self, method, target, headers, body)

    def noting_reset(self: SandboxApp) -> None:
        reset(self)
        probe.clear()

    def complete(self: SandboxApp, project_key: str, flags: list[str]) -> int:
        backend = self.backends["launchdarkly"]
        with self.lock:
            for flag in flags:
                backend.complete_phase(project_key, flag)  # type: ignore[attr-defined]
        return len(flags)

    bench = {
        "log": lambda self: [list(note) for note in probe.notes],
        "first_reads": lambda self: len(probe.flags_read),
        "complete": complete,
    }

    def bench_control(self: SandboxApp, action: str, arguments: dict[str, Any]) -> Any:
        prefix, _, name = action.partition(".")
        if prefix == "bench" and name in bench:
            return bench[name](self, **arguments)
        return control(self, action, arguments)

    SandboxApp.handle = noting_handle  # type: ignore[method-assign]
    SandboxApp.reset = noting_reset  # type: ignore[method-assign]
    SandboxApp.control = bench_control  # type: ignore[method-assign]


def main() -> int:
    """Serve the sandbox (same options as ``python -m airflow_provider_releases_sandbox``), noting."""
    from airflow_provider_releases_sandbox import server
    from airflow_provider_releases_sandbox.__main__ import main as sandbox_main

    # A listen backlog of a real server's size, not socketserver's 5: thousands of waits opening
    # their clients' connections at once would otherwise see resets no vendor would send.
    server._Server.request_queue_size = LISTEN_BACKLOG
    install(Probe())
    return sandbox_main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
