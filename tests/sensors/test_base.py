"""The three sensors deferred: when they defer, what the trigger gets, and how they resume."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from airflow.sdk.exceptions import (
    AirflowException,
    AirflowSensorTimeout,
    AirflowSkipException,
    AirflowTaskTimeout,
    TaskDeferred,
)

from airflow_provider_releases.sensors.base import DEFERRAL_GRACE_SECONDS, ReleaseSensorFailed
from tests.sensors.specs import SPEC_IDS, SPECS, Spec

REPO = Path(__file__).resolve().parents[2]
each_sensor = pytest.mark.parametrize("spec", SPECS, ids=SPEC_IDS)


@each_sensor
def test_not_done_at_the_first_poke_defers_to_the_service_trigger(requests_mock, spec: Spec):
    requests_mock.get(spec.url, **spec.pending)
    sensor = spec.sensor(deferrable=True, poke_interval=45, timeout=3600)
    before = time.time()
    with pytest.raises(TaskDeferred) as caught:
        sensor.execute({})
    after = time.time()
    deferred = caught.value
    assert requests_mock.call_count == 1  # poked once before deferring
    assert deferred.method_name == "execute_complete"
    assert type(deferred.trigger) is spec.trigger_class
    classpath, kwargs = deferred.trigger.serialize()
    assert classpath == f"{spec.trigger_class.__module__}.{spec.trigger_class.__name__}"
    end_time = kwargs.pop("end_time")
    assert before + 3600 <= end_time <= after + 3600
    assert kwargs == {**spec.trigger_kwargs, "poll_interval": 45.0}
    assert deferred.trigger.wait == spec.wait
    # Airflow's own deferral timeout is only a backstop behind the trigger's end_time.
    assert isinstance(deferred.timeout, timedelta)
    assert end_time - after <= deferred.timeout.total_seconds() - DEFERRAL_GRACE_SECONDS <= end_time - before


@each_sensor
def test_done_at_the_first_poke_returns_without_deferring(requests_mock, spec: Spec):
    requests_mock.get(spec.url, **spec.done)
    assert spec.sensor(deferrable=True).execute({}) == spec.value


@each_sensor
def test_a_hopeless_first_poke_fails_without_deferring(requests_mock, spec: Spec):
    requests_mock.get(spec.url, **spec.fatal)
    with pytest.raises(ReleaseSensorFailed) as caught:
        spec.sensor(deferrable=True).execute({})
    assert str(caught.value) == spec.fatal_message


@each_sensor
def test_a_missing_connection_fails_at_once_without_retries_naming_it(requests_mock, spec: Spec):
    from airflow.sdk.exceptions import AirflowFailException

    conn_param = spec.wait.hook_class.conn_name_attr
    with pytest.raises(ReleaseSensorFailed) as caught:
        spec.sensor(deferrable=True, **{conn_param: "no_such_connection"}).execute({})
    assert isinstance(caught.value, AirflowFailException)  # Airflow does not retry it
    assert str(caught.value) == (
        "The conn_id `no_such_connection` isn't defined. To fix: define that connection (Admin >"
        " Connections, or an AIRFLOW_CONN_<ID> variable) or name an existing one."
    )
    assert requests_mock.call_count == 0


@each_sensor
def test_a_hopeless_first_poke_with_soft_fail_skips(requests_mock, spec: Spec):
    requests_mock.get(spec.url, **spec.fatal)
    with pytest.raises(AirflowSkipException):
        spec.sensor(deferrable=True, soft_fail=True).execute({})


@each_sensor
def test_execute_complete_done_returns_the_value(requests_mock, spec: Spec):
    # a LaunchDarkly phase found complete in its pipeline's list is read once on resume, as a poke reads it
    requests_mock.get(spec.url, **spec.done)
    assert spec.sensor().execute_complete({}, {"status": "done", "value": spec.value}) == spec.value
    assert requests_mock.call_count == (1 if spec.name == "launchdarkly" else 0)


@each_sensor
def test_execute_complete_error_raises_what_poke_raises(spec: Spec):
    with pytest.raises(ReleaseSensorFailed) as caught:
        spec.sensor().execute_complete({}, {"status": "error", "message": spec.fatal_message})
    assert str(caught.value) == spec.fatal_message


@each_sensor
def test_execute_complete_timeout_raises_the_same_timeout_as_poking(requests_mock, spec: Spec):
    requests_mock.get(spec.url, **spec.pending)
    with pytest.raises(AirflowSensorTimeout) as poked:
        spec.sensor(timeout=0, poke_interval=0).execute({})
    with pytest.raises(AirflowSensorTimeout) as resumed:
        spec.sensor(timeout=0).execute_complete({}, {"status": "timeout", "message": spec.pending_message})
    expected = (
        f"Timed out waiting for {spec.waiting_for} after the sensor's timeout of 0 s. "
        f"Last check: {spec.pending_message}"
    )
    assert str(poked.value) == expected
    assert str(resumed.value) == expected


@each_sensor
@pytest.mark.parametrize("event", [None, {}, {"status": "done"}, {"status": "pending", "message": "x"}])
def test_execute_complete_refuses_an_unknown_event(spec: Spec, event):
    with pytest.raises(AirflowException) as caught:
        spec.sensor().execute_complete({}, event)
    assert type(caught.value) is AirflowException
    assert str(caught.value) == f"Unexpected trigger event while waiting for {spec.waiting_for}: {event!r}"


@each_sensor
def test_soft_fail_turns_an_error_event_into_a_skip(spec: Spec):
    sensor = spec.sensor(soft_fail=True)
    with pytest.raises(AirflowSkipException):
        sensor.resume_execution("execute_complete", {"event": {"status": "error", "message": "gone"}}, {})


# Both modes reaching the same result or error, through the trigger's async transport, is tested
# against the sandbox in tests/triggers/test_base.py.


def test_deferrable_defaults_to_the_operators_default_deferrable_setting(tmp_path):
    script = "; ".join(
        [
            "from tests.sensors.specs import SPECS",
            "print(*[spec.sensor().deferrable for spec in SPECS])",
        ]
    )
    seen = {}
    for setting in ("true", "false"):
        env = {**os.environ, "AIRFLOW_HOME": str(tmp_path), "AIRFLOW__OPERATORS__DEFAULT_DEFERRABLE": setting}
        out = subprocess.run(
            [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
        )
        seen[setting] = out.stdout.split()[-3:]
    assert seen == {"true": ["True"] * 3, "false": ["False"] * 3}


# The first poke of a deferrable sensor runs inside Airflow's own BaseSensorOperator.execute


def failing_then(sensor, error: BaseException):
    """Make ``sensor``'s first check raise ``error``; later checks read the vendor as usual."""
    real_check = sensor.check
    calls = []

    def check(hook):
        calls.append(hook)
        if len(calls) == 1:
            raise error
        return real_check(hook)

    sensor.check = check
    return calls


@each_sensor
@pytest.mark.parametrize(("flag", "word"), [("soft_fail", "soft_fail"), ("never_fail", "never_fail")])
def test_a_task_timeout_in_the_first_poke_skips_as_airflow_has_it(requests_mock, spec: Spec, flag, word):
    requests_mock.get(spec.url, **spec.pending)
    sensor = spec.sensor(deferrable=True, **{flag: True})
    failing_then(sensor, AirflowTaskTimeout("the task's execution_timeout passed"))
    with pytest.raises(AirflowSkipException) as caught:
        sensor.execute({})
    assert str(caught.value) == f"Skipping due to {word} is set to True."
    assert isinstance(caught.value.__cause__, AirflowTaskTimeout)


@each_sensor
def test_a_task_timeout_in_the_first_poke_fails_without_soft_fail(requests_mock, spec: Spec):
    requests_mock.get(spec.url, **spec.pending)
    sensor = spec.sensor(deferrable=True)
    failing_then(sensor, AirflowTaskTimeout("the task's execution_timeout passed"))
    with pytest.raises(AirflowTaskTimeout):
        sensor.execute({})
    assert requests_mock.call_count == 0


@each_sensor
def test_never_fail_skips_a_first_poke_that_raises(requests_mock, spec: Spec):
    requests_mock.get(spec.url, **spec.pending)
    sensor = spec.sensor(deferrable=True, never_fail=True)
    failing_then(sensor, RuntimeError("a bug"))
    with pytest.raises(AirflowSkipException):
        sensor.execute({})


@each_sensor
def test_silent_fail_counts_a_failed_first_poke_as_not_done_then_defers(requests_mock, spec: Spec):
    """As Airflow has it: the failed poke is logged, the sensor pokes again, and defers then."""
    requests_mock.get(spec.url, **spec.pending)
    sensor = spec.sensor(deferrable=True, silent_fail=True, poke_interval=0, timeout=3600)
    calls = failing_then(sensor, RuntimeError("a bug"))
    before = time.time()
    with pytest.raises(TaskDeferred) as caught:
        sensor.execute({})
    assert len(calls) == 2 and requests_mock.call_count == 1
    end_time = caught.value.trigger.serialize()[1]["end_time"]
    assert before <= end_time - 3600 <= time.time()  # the same wait: from the sensor's start


@each_sensor
def test_silent_fail_does_not_hide_a_hopeless_wait(requests_mock, spec: Spec):
    requests_mock.get(spec.url, **spec.fatal)
    with pytest.raises(ReleaseSensorFailed):
        spec.sensor(deferrable=True, silent_fail=True).execute({})


@each_sensor
@pytest.mark.parametrize("deferrable", [False, True])
def test_a_timeout_after_silenced_failures_says_the_same_in_both_modes(spec: Spec, deferrable):
    sensor = spec.sensor(deferrable=deferrable, silent_fail=True, poke_interval=0, timeout=0)
    failing_then(sensor, RuntimeError("a bug"))
    with pytest.raises(AirflowSensorTimeout) as caught:
        sensor.execute({})
    assert str(caught.value) == f"Timed out waiting for {spec.waiting_for} after the sensor's timeout of 0 s."


@each_sensor
def test_poke_outside_execute_never_defers(requests_mock, spec: Spec):
    requests_mock.get(spec.url, **spec.pending)
    assert spec.sensor(deferrable=True).poke({}).is_done is False


@each_sensor
def test_the_hook_is_closed_before_deferring(requests_mock, spec: Spec):
    requests_mock.get(spec.url, **spec.pending)
    sensor = spec.sensor(deferrable=True)
    hooks = []
    real_check = sensor.check
    sensor.check = lambda hook: hooks.append(hook) or real_check(hook)
    with pytest.raises(TaskDeferred):
        sensor.execute({})
    assert hooks[0].sync_transport.session is None and "hook" not in sensor.__dict__
