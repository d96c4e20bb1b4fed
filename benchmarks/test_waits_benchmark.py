"""
Checks of the wait benchmark's parts against a real (in-process) sandbox, no timing:
``python -m pytest benchmarks/test_waits_benchmark.py``.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from airflow_provider_releases_sandbox.app import SandboxApp
from airflow_provider_releases_sandbox.server import Sandbox, sandbox
from benchmarks.old_trigger import OldLaunchDarklyReleasePhaseTrigger
from benchmarks.sandbox_probe import Probe, install
from benchmarks.triggerer_scale import PHASE, PROJECT, flags, seed
from benchmarks.triggers import BareReleasePhaseTrigger, close_shared_clients


@pytest.fixture
def probed(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Sandbox, Probe]]:
    """A sandbox seeded with 3 flags on one pipeline, noting into a probe; the app class restored after."""
    for name in ("handle", "reset", "control"):
        monkeypatch.setattr(SandboxApp, name, getattr(SandboxApp, name))
    probe = Probe()
    install(probe)
    with sandbox(seed=seed(3)) as server:
        for name, value in server.environ().items():
            monkeypatch.setenv(name, value)
        yield server, probe


def _release(server: Sandbox, flag: str) -> dict[str, Any]:
    connection = server.connection("launchdarkly")
    response = httpx.get(
        f"{connection['host']}/api/v2/flags/{PROJECT}/{flag}/release",
        headers={"Authorization": connection["password"], "LD-API-Version": "beta"},
        timeout=10,
    )
    response.raise_for_status()
    return response.json()


def test_the_probe_counts_reads_and_completes_phases_in_bulk(probed: tuple[Sandbox, Probe]) -> None:
    server, probe = probed
    assert not _release(server, "flag-00000")["phases"][0]["complete"]
    assert server.control("bench.first_reads") == 1
    assert server.control("bench.complete", project_key=PROJECT, flags=flags(2)) == 2
    assert [_release(server, flag)["phases"][0]["complete"] for flag in flags(3)] == [True, True, False]
    assert [note[1:] for note in server.control("bench.log")] == [
        ["own", f] for f in ["flag-00000", *flags(3)]
    ]
    server.control("reset")
    assert probe.notes == [] and server.control("bench.first_reads") == 0
    assert not _release(server, "flag-00000")["phases"][0]["complete"]  # the seed again


async def _first_event(trigger: Any) -> dict[str, Any]:
    async for event in trigger.run():
        return event.payload
    raise AssertionError("the trigger ended without an event")


def test_the_old_trigger_polls_in_a_thread_until_the_phase_completes(probed: tuple[Sandbox, Probe]) -> None:
    server, _ = probed
    trigger = OldLaunchDarklyReleasePhaseTrigger(
        project_key=PROJECT, flag_key="flag-00001", phase=PHASE, end_time=time.time() + 30, poll_interval=0.2
    )

    async def run() -> dict[str, Any]:
        task = asyncio.create_task(_first_event(trigger))
        await asyncio.sleep(0.5)
        server.control("bench.complete", project_key=PROJECT, flags=["flag-00001"])
        return await asyncio.wait_for(task, 10)

    event = asyncio.run(run())
    assert event["status"] == "done" and event["value"]["_name"] == PHASE
    reads = [note for note in server.control("bench.log") if note[1] == "own"]
    assert len(reads) >= 2  # pending first, then done


def test_the_bare_baseline_reads_until_the_first_phase_is_complete(probed: tuple[Sandbox, Probe]) -> None:
    server, _ = probed
    connection = json.loads(server.connections()["launchdarkly_default"])
    url = f"{connection['host']}/api/v2/flags/{PROJECT}/flag-00002/release"
    headers = {"Authorization": connection["password"], "LD-API-Version": "beta"}
    server.control("bench.complete", project_key=PROJECT, flags=["flag-00002"])

    async def run() -> dict[str, Any]:
        try:
            return await _first_event(BareReleasePhaseTrigger(url, headers, 0.2))
        finally:
            await close_shared_clients()

    assert asyncio.run(run())["status"] == "done"
    assert server.control("bench.first_reads") == 1
