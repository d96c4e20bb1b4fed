"""LaunchDarklyPhaseCompletedEventTrigger against the sandbox: one event per phase completed for a flag."""

from __future__ import annotations

import asyncio

import pytest

from airflow_provider_releases.hooks.launchdarkly import LaunchDarklyHook
from airflow_provider_releases.triggers.events import LaunchDarklyPhaseCompletedEventTrigger, WatcherFailed
from tests.triggers.test_events_base import (
    LD_PIPELINE,
    LD_PROJECT,
    FakeStateStore,
    Watch,
    install_clock,
    run_a_triggerer_once,
)
from tests.triggers.ticks import TickClock

SEEDED = "beta-banner"  # on standard-release: Testing complete, Beta active, General availability not started


@pytest.fixture
def clock(monkeypatch) -> TickClock:
    return install_clock(monkeypatch)


@pytest.fixture
def ld(release_sandbox) -> LaunchDarklyHook:
    """A blocking hook on the sandbox, to change releases as a release manager would."""
    with LaunchDarklyHook() as hook:
        yield hook


def watcher(phase: str | int, **kwargs) -> LaunchDarklyPhaseCompletedEventTrigger:
    return LaunchDarklyPhaseCompletedEventTrigger(LD_PROJECT, LD_PIPELINE, phase, poll_interval=30, **kwargs)


def event(release_sandbox, ld: LaunchDarklyHook, flag: str, position: int) -> dict:
    phase = ld.get_release_pipeline(LD_PROJECT, LD_PIPELINE)["phases"][position]
    return {
        "service": "launchdarkly",
        "action": "phase_completed",
        "project_key": LD_PROJECT,
        "flag_key": flag,
        "release_pipeline_key": LD_PIPELINE,
        "phase_id": phase["id"],
        "phase_name": phase["name"],
        "url": f"{release_sandbox.url('launchdarkly')}/projects/{LD_PROJECT}/flags/{flag}",
    }


def test_each_phase_completed_fires_once_per_flag_and_the_starting_state_never(release_sandbox, clock, ld):
    def start_testing(flag: str) -> None:
        ld.create_flag_release(LD_PROJECT, flag, LD_PIPELINE)
        ld.update_phase_status(LD_PROJECT, flag, ld.get_flag_release(LD_PROJECT, flag)["phases"][0]["_id"])

    async def main():
        # by name, by id and by position
        beta_id = ld.get_release_pipeline(LD_PROJECT, LD_PIPELINE)["phases"][1]["id"]
        watch = Watch(clock, watcher("Testing"), watcher(beta_id), watcher(2))
        start = await watch.start()
        beta = await watch.poll(lambda: release_sandbox.complete_phase(LD_PROJECT, SEEDED))
        quiet = [await watch.poll() for _ in range(3)]
        started = await watch.poll(lambda: start_testing("dark-mode"))
        testing = await watch.poll(lambda: release_sandbox.complete_phase(LD_PROJECT, "dark-mode"))
        ga = await watch.poll(lambda: release_sandbox.complete_phase(LD_PROJECT, SEEDED))
        await watch.stop()
        return start, beta, quiet, started, testing, ga

    start, beta, quiet, started, testing, ga = asyncio.run(main())
    assert start == [[], [], []]  # beta-banner's Testing had completed before
    assert beta == [[], [event(release_sandbox, ld, SEEDED, 1)], []]
    assert quiet == [[[], [], []]] * 3
    assert started == [[], [], []]  # started is not complete
    assert testing == [[event(release_sandbox, ld, "dark-mode", 0)], [], []]
    assert ga == [[], [], [event(release_sandbox, ld, SEEDED, 2)]]  # the release completed


def test_a_flag_released_again_is_a_new_release_and_fires_again(release_sandbox, clock, ld):
    async def main():
        watch = Watch(clock, watcher("Testing"))
        await watch.start()
        released_again = await watch.poll(
            lambda: (
                ld.delete_flag_release(LD_PROJECT, SEEDED),
                ld.create_flag_release(LD_PROJECT, SEEDED, LD_PIPELINE),
            )
        )
        first_phase = ld.get_flag_release(LD_PROJECT, SEEDED)["phases"][0]["_id"]
        started = await watch.poll(lambda: ld.update_phase_status(LD_PROJECT, SEEDED, first_phase))
        done = await watch.poll(lambda: release_sandbox.complete_phase(LD_PROJECT, SEEDED))
        await watch.stop()
        return released_again, started, done

    released_again, started, done = asyncio.run(main())
    assert released_again == [[]] and started == [[]]
    assert done == [[event(release_sandbox, ld, SEEDED, 0)]]


def test_a_stored_watermark_fires_a_phase_completed_while_down_once(release_sandbox, clock, ld):
    store = FakeStateStore()

    async def run_once() -> list:
        return await run_a_triggerer_once(clock, watcher("Beta"), store)

    async def main():
        baseline = await run_once()
        release_sandbox.complete_phase(LD_PROJECT, SEEDED)
        return baseline, await run_once(), await run_once()

    baseline, restarted, again = asyncio.run(main())
    assert baseline == [] and again == []
    assert restarted == [event(release_sandbox, ld, SEEDED, 1)]
    [(key, ids)] = store.values.items()
    assert key == f"launchdarkly-phase-completed/launchdarkly_default/{LD_PROJECT}/{LD_PIPELINE}/Beta"
    assert len(ids) == 1 and ids[0].startswith(f"{SEEDED}@")


@pytest.mark.usefixtures("sleeps")  # the hook's backoff between its retries
def test_a_server_error_keeps_polling_and_fires_after_it(release_sandbox, clock, task_logs):
    async def main():
        watch = Watch(clock, watcher("Beta"))
        await watch.start()

        def complete_during_outage() -> None:
            release_sandbox.complete_phase(LD_PROJECT, SEEDED)
            release_sandbox.inject_fault("launchdarkly", "error", status=502, path=".*/releases", count=3)

        during = await watch.poll(complete_during_outage)
        after = await watch.poll()
        await watch.stop()
        return during, after

    [during], [after] = asyncio.run(main())
    assert during == []
    assert [e["flag_key"] for e in after] == [SEEDED]
    assert any("could not be read this time" in w and "502" in w for w in task_logs.at("warning"))


def test_a_phase_the_pipeline_does_not_have_fails_the_watcher_listing_its_phases(release_sandbox, clock):
    async def main():
        watch = Watch(clock, watcher("Canary"))
        await watch.start()
        await watch.stop()

    with pytest.raises(WatcherFailed) as raised:
        asyncio.run(main())
    message = str(raised.value)
    assert message.startswith(
        f"LaunchDarkly release pipeline {LD_PIPELINE!r} in project {LD_PROJECT!r}: no phase matches 'Canary'"
    )
    assert "0 'Testing'" in message and "2 'General availability'" in message


def test_an_unknown_pipeline_fails_the_watcher(release_sandbox, clock):
    async def main():
        watch = Watch(
            clock, LaunchDarklyPhaseCompletedEventTrigger(LD_PROJECT, "no-such-pipeline", 0, poll_interval=30)
        )
        await watch.start()
        await watch.stop()

    with pytest.raises(WatcherFailed) as raised:
        asyncio.run(main())
    assert "no such release pipeline (or project) in LaunchDarkly" in str(raised.value)
    assert "404" in str(raised.value)
