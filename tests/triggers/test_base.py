"""The three triggers: serialisation, and their run on the event loop against the sandbox."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from airflow.sdk.module_loading import import_string

from airflow_provider_releases.exceptions import InvalidParameterError
from airflow_provider_releases.triggers.base import (
    TRIGGER_MAX_RETRIES,
    TRIGGER_MAX_RETRY_WAIT,
    ReleaseWaitTrigger,
)
from airflow_provider_releases.triggers.launchdarkly import LaunchDarklyReleasePhaseTrigger
from airflow_provider_releases.triggers.shared import shared_hooks, shared_polls, shared_reads
from airflow_provider_releases.utils.clock import SYSTEM_CLOCK
from tests.sensors.specs import SPEC_IDS, SPECS, Spec, TriggerClock, first_event
from tests.triggers.scenarios import FAR, SCENARIO_IDS, SCENARIOS, ActingClock, AdvancingClock, Scenario

each_trigger = pytest.mark.parametrize("spec", SPECS, ids=SPEC_IDS)
each_wait = pytest.mark.parametrize("scenario", SCENARIOS, ids=SCENARIO_IDS)


def trigger(spec: Spec, *, end_time: float = FAR, poll_interval: float = 30.0):
    return spec.trigger(end_time=end_time, poll_interval=poll_interval)


@pytest.fixture
def trigger_sleeps(monkeypatch) -> list[float]:
    """Record the triggers' waits between checks instead of waiting."""
    clock = TriggerClock()
    monkeypatch.setattr(ReleaseWaitTrigger, "clock", clock)
    return clock.waits


def reads(sandbox, scenario: Scenario, path: str | None = None) -> list:
    path = path or scenario.path
    return [entry for entry in sandbox.requests_to(scenario.service, "GET") if entry.path == path]


# Serialisation


@each_trigger
def test_serialize_round_trips_through_json(spec: Spec):
    original = trigger(spec, end_time=1_790_000_000.5, poll_interval=45)
    classpath, kwargs = original.serialize()
    assert classpath == f"{spec.trigger_class.__module__}.{spec.trigger_class.__name__}"
    assert kwargs == {**spec.trigger_kwargs, "end_time": 1_790_000_000.5, "poll_interval": 45.0}
    revived = import_string(classpath)(**json.loads(json.dumps(kwargs)))
    assert type(revived) is spec.trigger_class
    assert revived.serialize() == (classpath, kwargs)


def test_an_integer_phase_stays_an_integer_through_serialisation():
    _, kwargs = LaunchDarklyReleasePhaseTrigger(
        project_key="p", flag_key="f", phase=1, end_time=FAR, poll_interval=5
    ).serialize()
    assert json.loads(json.dumps(kwargs))["phase"] == 1


def test_flag_read_every_is_serialised_and_checked():
    subject = LaunchDarklyReleasePhaseTrigger(
        project_key="p", flag_key="f", phase=1, end_time=FAR, poll_interval=5, flag_read_every=4
    )
    assert subject.serialize()[1]["flag_read_every"] == 4
    for bad in (0, -3, 2.5, "10", True, None):
        with pytest.raises(InvalidParameterError) as caught:
            LaunchDarklyReleasePhaseTrigger(
                project_key="p", flag_key="f", phase=1, end_time=FAR, poll_interval=5, flag_read_every=bad
            )
        assert "flag_read_every" in str(caught.value) and repr(bad) in str(caught.value)


def test_the_clock_is_the_system_clock_and_never_serialised():
    subject = trigger(SPECS[0], end_time=1_790_000_000.0, poll_interval=60)
    assert ReleaseWaitTrigger.clock is SYSTEM_CLOCK and subject.clock is SYSTEM_CLOCK
    before = subject.serialize()
    subject.clock = TriggerClock()
    assert subject.serialize() == before
    assert "clock" not in before[1]


@each_trigger
def test_the_trigger_hook_has_a_small_retry_budget(spec: Spec):
    hook = trigger(spec).get_hook()
    assert hook.conn_id == spec.wait.conn_id
    assert hook.retry_policy.max_retries == TRIGGER_MAX_RETRIES
    assert hook.retry_policy.max_total_wait == TRIGGER_MAX_RETRY_WAIT


@each_trigger
@pytest.mark.filterwarnings("ignore:The ``noload`` loader strategy is deprecated")  # Airflow 3.2's model
def test_kwargs_survive_airflows_trigger_row(spec: Spec):
    from airflow.models.trigger import Trigger

    original = trigger(spec, end_time=1_790_000_000.0, poll_interval=60)
    row = Trigger.from_object(original)
    assert row.classpath == original.serialize()[0]
    assert import_string(row.classpath)(**row.kwargs).serialize() == original.serialize()


# Running on the event loop, against the sandbox


@each_wait
def test_run_polls_until_done_and_yields_one_json_event(release_sandbox, task_logs, scenario: Scenario):
    subject = scenario.trigger(poll_interval=30)
    subject.clock = ActingClock({1: lambda: scenario.finish(release_sandbox)})
    event = first_event(subject)
    assert event["status"] == "done" and scenario.check_done(event["value"]), event
    assert json.loads(json.dumps(event)) == event
    assert subject.clock.waits == [30.0, 30.0]
    assert task_logs.at("info") == [scenario.pending_message]  # woken again only by the change
    # a poll every interval; a phase wait judges from its pipeline's list and never reads its own release
    assert len(reads(release_sandbox, scenario, scenario.polled)) == 3
    assert len(reads(release_sandbox, scenario)) == (0 if scenario.name == "launchdarkly" else 3)


@each_wait
def test_run_yields_an_error_event_at_once_for_a_hopeless_wait(
    release_sandbox, trigger_sleeps, scenario: Scenario
):
    event = first_event(scenario.trigger(**scenario.missing))
    assert event["status"] == "error" and event["message"].startswith(scenario.missing_message), event
    # a phase wait reads the project's pipelines and their lists first: the flag is in none of them
    assert release_sandbox.requests[-1].path == scenario.missing_path
    assert len(release_sandbox.requests) == (5 if scenario.name == "launchdarkly" else 1)
    assert trigger_sleeps == []


@each_wait
def test_run_yields_a_timeout_event_with_the_last_check_once_end_time_passed(
    release_sandbox, trigger_sleeps, scenario: Scenario
):
    event = first_event(scenario.trigger(end_time=time.time() - 1))
    assert event == {"status": "timeout", "message": scenario.pending_message}
    assert [entry.path for entry in release_sandbox.requests][-1] == scenario.polled
    assert len(release_sandbox.requests) == (2 if scenario.name == "launchdarkly" else 1)  # + the pipelines
    assert trigger_sleeps == []


@each_wait
def test_the_last_wait_stops_at_end_time(release_sandbox, trigger_sleeps, scenario: Scenario):
    clock = AdvancingClock()
    subject = scenario.trigger(end_time=clock.time() + 600, poll_interval=3600)
    subject.clock = clock  # the poll sleeps until the deadline, not a whole interval, and the wait ends there
    event = first_event(subject)
    assert event == {"status": "timeout", "message": scenario.pending_message}
    assert subject.clock.waits == [600.0]
    assert trigger_sleeps == []  # the instance's clock, not the class's


@each_wait
def test_transient_errors_are_retried_within_the_wait(
    release_sandbox, trigger_sleeps, sleeps, task_logs, scenario: Scenario
):
    scenario.finish(release_sandbox)
    release_sandbox.inject_fault(
        scenario.service, "error", status=503, path=scenario.polled, count=TRIGGER_MAX_RETRIES + 1
    )
    event = first_event(scenario.trigger(poll_interval=20))
    assert event["status"] == "done" and scenario.check_done(event["value"])
    assert len(reads(release_sandbox, scenario, scenario.polled)) == TRIGGER_MAX_RETRIES + 2
    assert len(sleeps) == TRIGGER_MAX_RETRIES  # the hook's own backoff, awaited on the loop
    assert trigger_sleeps == [20.0]  # then the trigger's next check
    [warning] = [w for w in task_logs.at("warning") if "could not be read this time" in w]
    assert "failed with HTTP 503" in warning and warning.endswith(
        f"after {TRIGGER_MAX_RETRIES + 1} attempts."
    )


@each_wait
@pytest.mark.parametrize("answer", ["done", "fatal"])
def test_both_modes_reach_the_same_result_or_error(release_sandbox, scenario: Scenario, answer):
    """A poking sensor and a deferred one (its trigger's event, resumed) return the same value, or raise
    the same error."""
    from airflow.sdk.exceptions import TaskDeferred

    from airflow_provider_releases.sensors.base import ReleaseSensorFailed

    deferring = scenario.sensor(deferrable=True, poke_interval=0)
    with pytest.raises(TaskDeferred) as caught:
        deferring.execute({})
    trigger = caught.value.trigger
    if answer == "done":
        trigger.clock = ActingClock({0: lambda: scenario.finish(release_sandbox)})
    else:  # the trigger's reads (a phase wait: the pipelines, then its release) and the poke's are refused
        reads = 3 if scenario.name == "launchdarkly" else 2
        release_sandbox.inject_fault(scenario.service, "reject", status=403, message="No access", count=reads)
    event = first_event(trigger)
    json.dumps(event)  # a JSON-able dict, nothing pickled
    poking = scenario.sensor(poke_interval=0)
    if answer == "done":
        resumed = deferring.execute_complete({}, event)
        assert poking.execute({}) == resumed and scenario.check_done(resumed)
    else:
        with pytest.raises(ReleaseSensorFailed) as poked:
            poking.execute({})
        with pytest.raises(ReleaseSensorFailed) as resumed:
            deferring.execute_complete({}, event)
        assert str(poked.value) == str(resumed.value)
        assert "refused the credentials of connection" in str(poked.value)


@each_wait
def test_a_missing_connection_fails_the_trigger_as_it_fails_a_poke(release_sandbox, scenario: Scenario):
    with pytest.raises(Exception) as in_trigger:
        first_event(scenario.trigger(**{scenario.conn_param: "nowhere"}))
    with pytest.raises(Exception) as in_poke:
        scenario.trigger(**{scenario.conn_param: "nowhere"}).get_hook().get_connection("nowhere")
    assert str(in_trigger.value) == str(in_poke.value) == "The conn_id `nowhere` isn't defined"
    assert type(in_trigger.value) is type(in_poke.value)
    assert release_sandbox.requests == []


@each_wait
def test_the_shared_client_is_closed_when_the_last_trigger_ends(release_sandbox, scenario: Scenario):
    """Two triggers reading two things through one connection share one hook and client: it stays open
    when the first ends and is closed when the second does; the loop's shared state keeps nothing."""
    first = scenario.trigger(**scenario.missing)  # one check, then an error event
    second = scenario.trigger(poll_interval=0.01)

    async def main():
        waiting = asyncio.ensure_future(_event(second))
        await asyncio.sleep(0)
        ended = await _event(first)
        hooks = shared_hooks()
        [key] = hooks.keys()
        client = hooks.hook(key).async_transport.client
        open_while_the_second_runs = not client.is_closed
        await asyncio.to_thread(scenario.finish, release_sandbox)
        done = await waiting
        left = hooks.keys(), shared_polls().keys(), shared_reads().keys()
        return [ended, done], client, open_while_the_second_runs, left

    events, client, still_open, left = asyncio.run(main())
    assert [event["status"] for event in events] == ["error", "done"]
    assert still_open
    assert client.is_closed  # closed once the last trigger ended
    assert left == ([], [], [])


async def _event(subject: ReleaseWaitTrigger):
    events = subject.run()
    try:
        return (await events.__anext__()).payload
    finally:
        await events.aclose()
