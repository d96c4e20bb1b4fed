"""The triggers never block the event loop: run under asyncio's debug mode, no callback takes 20 ms."""

from __future__ import annotations

import asyncio

import pytest

from airflow_provider_releases.triggers.launchdarkly import LaunchDarklyReleasePhaseTrigger
from airflow_provider_releases.triggers.shared import shared_reads
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
        return await first_payload(subject), shared_reads().keys()

    (event, keys), warnings = run_in_debug_mode(main)
    assert warnings == [], "\n".join(warnings)
    assert event["status"] == "done" and scenario.check_done(event["value"]), event
    assert subject.clock.waits == [0.01] * 3
    assert keys == []


def test_many_waits_on_one_pipeline_never_block_the_loop(release_sandbox):
    """Fifty waits on one flag's phase, polling together: one shared read each interval, no stall."""
    triggers = [
        LaunchDarklyReleasePhaseTrigger(
            project_key="default", flag_key="beta-banner", phase="Beta", end_time=FAR, poll_interval=1.0
        )  # the clock only records waits; 1 s is how old a shared read may be, however busy the machine
        for _ in range(50)
    ]
    clock = ActingClock({100: lambda: release_sandbox.complete_phase("default", "beta-banner")})
    for trigger in triggers:
        trigger.clock = clock

    async def main():
        tasks = []
        for trigger in triggers:  # as a triggerer starts them: one by one
            tasks.append(asyncio.ensure_future(first_payload(trigger)))
            await asyncio.sleep(0)
        return await asyncio.gather(*tasks)

    events, warnings = run_in_debug_mode(main)
    assert warnings == [], "\n".join(warnings)
    assert all(event["status"] == "done" for event in events)
    # one own read, then the list until the change, then one own read seen by all 50
    own = release_sandbox.requests_to("launchdarkly", "GET", "/api/v2/flags/default/beta-banner/release")
    assert len(own) == 2, len(own)
