"""The three triggers: serialisation, and their async run against mocked vendor answers."""

from __future__ import annotations

import json
import threading
import time

import pytest
from airflow.sdk.module_loading import import_string

from airflow_provider_releases.triggers.base import (
    TRIGGER_MAX_RETRIES,
    TRIGGER_MAX_RETRY_WAIT,
    ReleasesBaseTrigger,
)
from airflow_provider_releases.triggers.launchdarkly import LaunchDarklyReleasePhaseTrigger
from airflow_provider_releases.utils.clock import SYSTEM_CLOCK
from tests.sensors.specs import SPEC_IDS, SPECS, Spec, TriggerClock, first_event

each_trigger = pytest.mark.parametrize("spec", SPECS, ids=SPEC_IDS)
FAR = 4_000_000_000.0  # an end_time far in the future (year 2096)


def trigger(spec: Spec, *, end_time: float = FAR, poll_interval: float = 30.0, **overrides):
    return spec.trigger_class(
        **{**spec.service_kwargs, **overrides}, end_time=end_time, poll_interval=poll_interval
    )


@pytest.fixture
def trigger_sleeps(monkeypatch) -> list[float]:
    """Record the triggers' waits between checks instead of waiting."""
    clock = TriggerClock()
    monkeypatch.setattr(ReleasesBaseTrigger, "clock", clock)
    return clock.waits


@each_trigger
def test_serialize_round_trips_through_json(spec: Spec):
    original = trigger(spec, end_time=1_790_000_000.5, poll_interval=45)
    classpath, kwargs = original.serialize()
    assert classpath == f"{spec.trigger_class.__module__}.{spec.trigger_class.__name__}"
    assert kwargs == {**spec.service_kwargs, "end_time": 1_790_000_000.5, "poll_interval": 45.0}
    revived = import_string(classpath)(**json.loads(json.dumps(kwargs)))
    assert type(revived) is spec.trigger_class
    assert revived.serialize() == (classpath, kwargs)


def test_an_integer_phase_stays_an_integer_through_serialisation():
    _, kwargs = LaunchDarklyReleasePhaseTrigger(
        project_key="p", flag_key="f", phase=1, end_time=FAR, poll_interval=5
    ).serialize()
    assert json.loads(json.dumps(kwargs))["phase"] == 1


def test_the_clock_is_the_system_clock_and_never_serialised():
    subject = trigger(SPECS[0], end_time=1_790_000_000.0, poll_interval=60)
    assert ReleasesBaseTrigger.clock is SYSTEM_CLOCK and subject.clock is SYSTEM_CLOCK
    before = subject.serialize()
    subject.clock = TriggerClock()
    assert subject.serialize() == before
    assert "clock" not in before[1]


@each_trigger
def test_the_trigger_hook_has_a_small_retry_budget(spec: Spec):
    hook = trigger(spec).get_hook()
    assert hook.conn_id == next(v for k, v in spec.service_kwargs.items() if k.endswith("_conn_id"))
    assert hook.retry_policy.max_retries == TRIGGER_MAX_RETRIES
    assert hook.retry_policy.max_total_wait == TRIGGER_MAX_RETRY_WAIT


@each_trigger
def test_run_polls_until_done_and_yields_one_json_event(requests_mock, trigger_sleeps, task_logs, spec: Spec):
    requests_mock.get(spec.url, [spec.pending, spec.pending, spec.done])
    event = first_event(trigger(spec, poll_interval=30))
    assert event == {"status": "done", "value": spec.value}
    assert json.loads(json.dumps(event)) == event
    assert requests_mock.call_count == 3
    assert trigger_sleeps == [30.0, 30.0]
    assert task_logs.at("info") == [spec.pending_message, spec.pending_message]


@each_trigger
def test_run_yields_an_error_event_at_once_for_a_hopeless_wait(requests_mock, trigger_sleeps, spec: Spec):
    requests_mock.get(spec.url, **spec.fatal)
    assert first_event(trigger(spec)) == {"status": "error", "message": spec.fatal_message}
    assert requests_mock.call_count == 1
    assert trigger_sleeps == []


@each_trigger
def test_run_yields_a_timeout_event_with_the_last_check_once_end_time_passed(
    requests_mock, trigger_sleeps, spec: Spec
):
    requests_mock.get(spec.url, **spec.pending)
    event = first_event(trigger(spec, end_time=time.time() - 1))
    assert event == {"status": "timeout", "message": spec.pending_message}
    assert requests_mock.call_count == 1
    assert trigger_sleeps == []


@each_trigger
def test_the_last_wait_stops_at_end_time(requests_mock, trigger_sleeps, spec: Spec):
    requests_mock.get(spec.url, **spec.pending)
    end_time = time.time() + 600
    subject = trigger(spec, end_time=end_time, poll_interval=3600)
    # The second check happens "after" end_time, so the trigger times out there.
    subject.clock = TriggerClock([end_time - 100, end_time + 1])
    event = first_event(subject)
    assert event["status"] == "timeout"
    assert subject.clock.waits == [100.0]
    assert trigger_sleeps == []  # the instance's clock, not the class's


@each_trigger
def test_transient_errors_are_retried_within_the_wait(
    requests_mock, trigger_sleeps, sleeps, task_logs, spec: Spec
):
    unavailable = {"status_code": 503, "text": "maintenance"}
    requests_mock.get(spec.url, [unavailable] * (TRIGGER_MAX_RETRIES + 1) + [spec.done])
    assert first_event(trigger(spec, poll_interval=20)) == {"status": "done", "value": spec.value}
    assert requests_mock.call_count == TRIGGER_MAX_RETRIES + 2
    assert len(sleeps) == TRIGGER_MAX_RETRIES  # the hook's own backoff, in the worker thread
    assert trigger_sleeps == [20.0]  # then the trigger's next check
    [warning] = [w for w in task_logs.at("warning") if "could not be read this time" in w]
    assert warning.endswith("failed with HTTP 503: response body: maintenance after 3 attempts.")


@each_trigger
def test_checks_run_off_the_event_loop_thread_and_the_hook_is_closed(requests_mock, monkeypatch, spec: Spec):
    requests_mock.get(spec.url, **spec.done)
    subject = trigger(spec)
    threads, hooks = [], []
    original_check, original_hook = subject.check, subject.get_hook

    def check(hook):
        threads.append(threading.get_ident())
        return original_check(hook)

    def get_hook():
        hooks.append(original_hook())
        return hooks[-1]

    monkeypatch.setattr(subject, "check", check)
    monkeypatch.setattr(subject, "get_hook", get_hook)
    assert first_event(subject)["status"] == "done"
    assert len(threads) == 1
    assert threads[0] != threading.get_ident()  # asyncio.run drives the loop in this thread
    assert hooks[0]._session is None  # closed once the trigger finished


@each_trigger
@pytest.mark.filterwarnings("ignore:The ``noload`` loader strategy is deprecated")  # Airflow 3.2's model
def test_kwargs_survive_airflows_trigger_row(spec: Spec):
    from airflow.models.trigger import Trigger

    original = trigger(spec, end_time=1_790_000_000.0, poll_interval=60)
    row = Trigger.from_object(original)
    assert row.classpath == original.serialize()[0]
    assert import_string(row.classpath)(**row.kwargs).serialize() == original.serialize()


@each_trigger
def test_a_missing_connection_fails_the_trigger_as_it_fails_a_poke(requests_mock, spec: Spec):
    conn_param = next(k for k in spec.service_kwargs if k.endswith("_conn_id"))
    with pytest.raises(Exception) as in_trigger:
        first_event(trigger(spec, **{conn_param: "nowhere"}))
    with pytest.raises(Exception) as in_poke:
        spec.sensor(**{conn_param: "nowhere"}).poke({})
    assert str(in_trigger.value) == str(in_poke.value) == "The conn_id `nowhere` isn't defined"
    assert type(in_trigger.value) is type(in_poke.value)
    assert requests_mock.call_count == 0
