"""A wait's identity crosses to the triggerer and back: the trigger rebuilds the sensor's wait, in
this release's form and in the forms earlier releases wrote to Airflow's trigger table."""

from __future__ import annotations

import dataclasses
import inspect
import json
import time

import pytest
from airflow.sdk.module_loading import import_string

from airflow_provider_releases.exceptions import InvalidParameterError
from airflow_provider_releases.hooks.launchdarkly import LaunchDarklyHook
from airflow_provider_releases.sensors.aha import AhaReleaseShippedSensor
from airflow_provider_releases.sensors.cryptlex import CryptlexReleasePublishedSensor
from airflow_provider_releases.sensors.launchdarkly import LaunchDarklyReleasePhaseSensor
from airflow_provider_releases.triggers.aha import AhaReleaseShippedTrigger
from airflow_provider_releases.triggers.base import ReleaseWaitTrigger
from airflow_provider_releases.triggers.cryptlex import CryptlexReleasePublishedTrigger
from airflow_provider_releases.waits.aha import AhaReleaseShipped
from airflow_provider_releases.waits.cryptlex import CryptlexReleasePublished
from airflow_provider_releases.waits.launchdarkly import LaunchDarklyReleasePhase
from tests.sensors.specs import SPEC_IDS, SPECS, Spec, first_event
from tests.triggers.scenarios import FAR, SCENARIO_IDS, SCENARIOS, Scenario

each_trigger = pytest.mark.parametrize("spec", SPECS, ids=SPEC_IDS)

# (class path, kwargs) as releases 0.1.0 and 0.2.0 serialised a deferred wait, and the wait each means
OLD_ROWS = [
    (
        "airflow_provider_releases.triggers.launchdarkly.LaunchDarklyReleasePhaseTrigger",
        {
            "project_key": "default",
            "flag_key": "beta-banner",
            "phase": "Beta",
            "launchdarkly_conn_id": "launchdarkly_default",
            "end_time": 1_790_000_000.0,
            "poll_interval": 60.0,
        },
        LaunchDarklyReleasePhase("default", "beta-banner", "Beta", "launchdarkly_default"),
    ),
    (
        "airflow_provider_releases.triggers.launchdarkly.LaunchDarklyReleasePhaseTrigger",
        {
            "project_key": "default",
            "flag_key": "beta-banner",
            "phase": 1,
            "launchdarkly_conn_id": "launchdarkly_default",
            "flag_read_every": 5,
            "end_time": 1_790_000_000.0,
            "poll_interval": 60.0,
        },
        LaunchDarklyReleasePhase("default", "beta-banner", 1, "launchdarkly_default"),
    ),
    (
        "airflow_provider_releases.triggers.aha.AhaReleaseShippedTrigger",
        {
            "release_id": "PRJ1-R-2",
            "aha_conn_id": "aha_default",
            "end_time": 1_790_000_000.0,
            "poll_interval": 60.0,
        },
        AhaReleaseShipped("PRJ1-R-2", "aha_default"),
    ),
    (
        "airflow_provider_releases.triggers.cryptlex.CryptlexReleasePublishedTrigger",
        {
            "release_id": "a41c7d09-5e3f-4b82-9c6a-0f8e2d4b6a13",
            "cryptlex_conn_id": "cryptlex_default",
            "end_time": 1_790_000_000.0,
            "poll_interval": 60.0,
        },
        CryptlexReleasePublished("a41c7d09-5e3f-4b82-9c6a-0f8e2d4b6a13", "cryptlex_default"),
    ),
]


@each_trigger
def test_the_trigger_a_sensor_defers_to_round_trips_with_the_sensors_wait(spec: Spec):
    sensor = spec.sensor(poke_interval=45)
    trigger = sensor.get_trigger(end_time=1_790_000_000.5)
    classpath, kwargs = trigger.serialize()
    revived = import_string(classpath)(**json.loads(json.dumps(kwargs)))
    assert type(revived) is spec.trigger_class
    assert revived.wait == trigger.wait == sensor.wait() == spec.wait
    assert type(revived.wait) is sensor.wait_class
    assert revived.hook_class is sensor.hook_class
    assert revived.serialize() == (classpath, kwargs)
    assert (revived.end_time, revived.poll_interval) == (1_790_000_000.5, 45.0)


@pytest.mark.parametrize(
    ("sensor", "wait_path", "wait_fields"),
    [
        (
            AhaReleaseShippedSensor(task_id="wait", release_id="PRJ1-R-2", aha_conn_id="aha_eu"),
            "airflow_provider_releases.waits.aha.AhaReleaseShipped",
            {"release_id": "PRJ1-R-2", "aha_conn_id": "aha_eu"},
        ),
        (
            CryptlexReleasePublishedSensor(task_id="wait", release_id="rel-42"),
            "airflow_provider_releases.waits.cryptlex.CryptlexReleasePublished",
            {"release_id": "rel-42", "cryptlex_conn_id": "cryptlex_default"},
        ),
    ],
    ids=["aha", "cryptlex"],
)
def test_the_aha_and_cryptlex_sensors_defer_to_the_generic_trigger_with_the_waits_path_and_fields(
    sensor, wait_path, wait_fields
):
    assert sensor.get_trigger(end_time=1_790_000_000.0).serialize() == (
        "airflow_provider_releases.triggers.base.ReleaseWaitTrigger",
        {"wait": wait_path, "wait_fields": wait_fields, "end_time": 1_790_000_000.0, "poll_interval": 60.0},
    )


def test_the_generic_trigger_carries_any_wait():
    wait = LaunchDarklyReleasePhase("default", "beta-banner", 1, "ld_eu")
    classpath, kwargs = ReleaseWaitTrigger.for_wait(wait, end_time=FAR, poll_interval=5).serialize()
    assert kwargs["wait_fields"] == {
        "project_key": "default",
        "flag_key": "beta-banner",
        "phase": 1,
        "launchdarkly_conn_id": "ld_eu",
    }
    revived = import_string(classpath)(**json.loads(json.dumps(kwargs)))
    assert revived.wait == wait and revived.hook_class is LaunchDarklyHook


@pytest.mark.parametrize(
    "path",
    [
        "airflow_provider_releases.waits.aha.NoSuchWait",
        "no_such_package.waits.Wait",
        "AhaReleaseShipped",
        "airflow_provider_releases.hooks.aha.AhaHook",  # a class, but no wait
        "airflow_provider_releases.waits.base.ReleaseWait",  # the base: no dataclass, no fields
        "airflow_provider_releases.waits.aha.AHA_RELEASE_FIELDS",  # no class
    ],
)
def test_the_generic_trigger_refuses_a_wait_path_that_names_no_wait(path):
    with pytest.raises(InvalidParameterError) as caught:
        ReleaseWaitTrigger(wait=path, wait_fields={"release_id": "PRJ1-R-2"}, end_time=FAR, poll_interval=5)
    assert str(caught.value) == (
        f"Invalid wait={path!r}: expected the class path of a ReleaseWait dataclass, such as "
        "'airflow_provider_releases.waits.aha.AhaReleaseShipped'."
    )


def test_the_generic_trigger_refuses_fields_its_wait_does_not_have():
    with pytest.raises(TypeError, match="surprise"):
        ReleaseWaitTrigger(
            wait="airflow_provider_releases.waits.aha.AhaReleaseShipped",
            wait_fields={"release_id": "PRJ1-R-2", "surprise": 1},
            end_time=FAR,
            poll_interval=5,
        )


def test_the_generic_trigger_refuses_a_poll_setting_it_does_not_have():
    with pytest.raises(TypeError, match="flag_read_every"):
        ReleaseWaitTrigger.for_wait(SPECS[1].wait, end_time=FAR, poll_interval=5, flag_read_every=3)


@pytest.mark.parametrize(
    ("declared", "wait"),
    [
        (AhaReleaseShippedTrigger, AhaReleaseShipped("PRJ1-R-2", "aha_eu")),
        (CryptlexReleasePublishedTrigger, CryptlexReleasePublished("rel-42", "cryptlex_default")),
    ],
    ids=["aha", "cryptlex"],
)
def test_the_old_vendor_triggers_are_the_generic_trigger_declared_for_their_wait(declared, wait):
    old = declared(**wait.fields(), end_time=FAR, poll_interval=5)
    generic = ReleaseWaitTrigger.for_wait(wait, end_time=FAR, poll_interval=5)
    assert isinstance(old, ReleaseWaitTrigger) and declared.wait_class is type(wait)
    assert (old.wait, old.hook_class, old.end_time, old.poll_interval) == (
        generic.wait,
        generic.hook_class,
        generic.end_time,
        generic.poll_interval,
    )
    assert old.serialize() == (
        f"{declared.__module__}.{declared.__name__}",
        {**wait.fields(), "end_time": FAR, "poll_interval": 5.0},
    )


@pytest.mark.parametrize(("classpath", "kwargs", "wait"), OLD_ROWS, ids=lambda v: str(v)[-24:])
def test_a_trigger_serialised_by_an_earlier_release_still_deserialises(classpath, kwargs, wait):
    revived = import_string(classpath)(**kwargs)
    assert revived.wait == wait
    assert revived.serialize()[1] == {**kwargs, **revived.poll_settings()}
    for name, value in wait.fields().items():  # its old attributes still read
        assert getattr(revived, name) == value


@pytest.mark.parametrize("scenario", SCENARIOS, ids=SCENARIO_IDS)
def test_a_trigger_in_its_old_form_runs(release_sandbox, scenario: Scenario):
    classpath, kwargs, _ = next(
        row for row in OLD_ROWS if isinstance(row[2], scenario.sensor_class.wait_class)
    )
    subject = import_string(classpath)(**{**kwargs, "end_time": time.time() - 1})
    assert first_event(subject) == {"status": "timeout", "message": scenario.pending_message}


@pytest.mark.parametrize(
    ("sensor_class", "template_fields"),
    [
        (LaunchDarklyReleasePhaseSensor, ("project_key", "flag_key", "phase", "launchdarkly_conn_id")),
        (AhaReleaseShippedSensor, ("release_id", "aha_conn_id")),
        (CryptlexReleasePublishedSensor, ("release_id", "cryptlex_conn_id")),
    ],
)
def test_the_waits_fields_are_the_sensors_templated_parameters(sensor_class, template_fields):
    assert tuple(sensor_class.template_fields) == template_fields
    assert sensor_class.wait_class.field_names() == template_fields
    assert sensor_class.hook_class is sensor_class.wait_class.hook_class
    assert template_fields[-1] == sensor_class.hook_class.conn_name_attr


@pytest.mark.parametrize(
    "sensor_class", [LaunchDarklyReleasePhaseSensor, AhaReleaseShippedSensor, CryptlexReleasePublishedSensor]
)
def test_the_sensors_parameters_restate_the_waits_fields_exactly(sensor_class):
    """The one place the identity is written again (a signature DAG authors' tools can read)."""
    parameters = inspect.signature(sensor_class.__init__).parameters
    for field in dataclasses.fields(sensor_class.wait_class):
        parameter = parameters[field.name]
        assert parameter.kind is inspect.Parameter.KEYWORD_ONLY
        assert parameter.annotation == field.type
        no_default = field.default is dataclasses.MISSING
        assert parameter.default == (inspect.Parameter.empty if no_default else field.default)


def test_an_unknown_keyword_argument_of_an_old_vendor_trigger_is_refused():
    with pytest.raises(TypeError, match="surprise"):
        AhaReleaseShippedTrigger(release_id="PRJ1-R-2", surprise=1, end_time=FAR, poll_interval=5)
