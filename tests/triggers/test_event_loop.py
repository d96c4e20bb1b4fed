"""The triggers never block the event loop: run under asyncio's debug mode, no callback takes 20 ms."""

from __future__ import annotations

import asyncio

import pytest

from airflow_provider_releases.triggers.launchdarkly import LaunchDarklyReleasePhaseTrigger
from airflow_provider_releases.triggers.shared import shared_hooks, shared_polls, shared_reads
from tests.triggers.scenarios import FAR, SCENARIO_IDS, SCENARIOS, ActingClock, Scenario
from tests.triggers.ticks import run_in_debug_mode


@pytest.fixture(autouse=True)
def secrets_backends_loaded() -> None:
    """Airflow loads its secrets backends once per process (a blocking step of Airflow's own, the
    first time any connection is looked up); a triggerer has done so before it runs triggers."""
    from airflow.sdk.execution_time.supervisor import ensure_secrets_backend_loaded

    ensure_secrets_backend_loaded()


async def first_payload(trigger) -> dict:
    events = trigger.run()
    try:
        return (await events.__anext__()).payload
    finally:
        await events.aclose()


@pytest.mark.parametrize("scenario", SCENARIOS, ids=SCENARIO_IDS)
def test_a_trigger_never_blocks_the_loop(release_sandbox, scenario: Scenario):
    """From the connection lookup to the done event, through pending checks and (for LaunchDarkly) the
    pipeline's shared list, nothing runs on the loop for 20 ms or more."""
    subject = scenario.trigger(poll_interval=0.01)
    subject.clock = ActingClock({2: lambda: scenario.finish(release_sandbox)})

    async def main():
        return await first_payload(subject), shared_reads().keys() + shared_polls().keys()

    (event, keys), warnings = run_in_debug_mode(main)
    assert warnings == [], "\n".join(warnings)
    assert event["status"] == "done" and scenario.check_done(event["value"]), event
    # a phase wait reads its own release once the list shows no active phase (the next phase awaits
    # approval); its poll sleeps once more meanwhile
    assert subject.clock.waits == [0.01] * (4 if scenario.name == "launchdarkly" else 3)
    assert keys == []


WAITS = 1000
PIPELINE = "scale-pipeline"


def _seed(flags: list[str]) -> dict:
    """A LaunchDarkly project whose flags are all released on one 3-phase pipeline, phase 1 active."""
    phases = [
        {"name": name, "audiences": [{"environmentKey": "test", "name": name}]}
        for name in ("Testing", "Beta", "General availability")
    ]
    project = {
        "key": "scale",
        "name": "Scale",
        "environments": [{"key": "test", "name": "Test"}],
        "pipelines": [{"key": PIPELINE, "name": "Scale pipeline", "phases": phases}],
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
    return {"launchdarkly": {"projects": [project]}}


@pytest.fixture(scope="module")
def scale_sandbox():
    """A sandbox in a process of its own (its threads never hold this loop's interpreter lock) with
    1,000 flags released on one pipeline; their phases are completed by the test, all at once."""
    from airflow_provider_releases_sandbox.server import RemoteSandbox
    from benchmarks.common import sandbox_process

    flags = [f"flag-{index:04d}" for index in range(WAITS)]
    with sandbox_process(_seed(flags), module="benchmarks.sandbox_probe") as process:
        yield process, RemoteSandbox(process.base_url, timeout=60), flags


def test_a_thousand_waits_on_one_pipeline_never_block_the_loop(scale_sandbox, monkeypatch):
    """1,000 phase waits started as a triggerer starts them (one per loop iteration): no callback takes
    20 ms, from the start through the shared polls to the completion that wakes them all; each fires
    once, and the whole run costs the list's pages: no own read at start or at completion."""
    process, server, flags = scale_sandbox
    server.reset()
    for name, value in process.environ.items():
        monkeypatch.setenv(name, value)

    def complete_all() -> None:
        process.control("bench.complete", project_key="scale", flags=flags)

    clock = ActingClock({2: complete_all})
    triggers = []
    for flag in flags:
        trigger = LaunchDarklyReleasePhaseTrigger(
            project_key="scale",
            flag_key=flag,
            phase="Testing",
            end_time=FAR,
            poll_interval=1.0,
            # No periodic own read within the run (every request is counted below): the first one of
            # each flag falls at a poll spread by its key over the period, here 784 polls at the earliest
            # for these flags (with 1,000 it was 1 poll for flag-0824, so a slow run read it).
            flag_read_every=10_000_000,
        )
        trigger.clock = clock
        triggers.append(trigger)

    async def main():
        tasks = []
        for trigger in triggers:  # as a triggerer starts them: one by one
            tasks.append(asyncio.ensure_future(first_payload(trigger)))
            await asyncio.sleep(0)
        events = [await task for task in tasks]
        return events, shared_polls().keys(), shared_hooks().keys()

    server.clear_requests()
    (events, polls, hooks), warnings = run_in_debug_mode(main)
    assert warnings == [], "\n".join(warnings[:5])
    assert [event["status"] for event in events] == ["done"] * WAITS
    assert {event["value"]["_name"] for event in events} == {"Testing"}
    assert polls == [] and hooks == []
    paths = [entry.path for entry in server.requests]
    lists = [path for path in paths if path.endswith(f"/release-pipelines/{PIPELINE}/releases")]
    others = [path for path in paths if path not in lists]
    assert set(others) == {"/api/v2/projects/scale/release-pipelines"}  # no flag's own release
    assert len(others) <= 5  # the project's pipelines: one page, shared by the waits starting together
    assert len(lists) % 10 == 0  # whole reads of the list (ten pages), a few polls; nothing per wait
    assert len(paths) / WAITS <= 0.5
