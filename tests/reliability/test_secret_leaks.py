"""
Every hook, operator, sensor and trigger the provider registers, built on the audit's canary
connections, keeps the secrets out of what it shows: reprs, rendered and serialized template
fields, trigger arguments and events, connection-test messages and errors quoting the vendor;
and, after every other test, nothing in the session's AIRFLOW_HOME holds a secret.

Each check goes through :mod:`tests.secret_audit`, so it searches every form of every canary
(as is, URL-encoded, HTTP Basic token) and reports with the secrets masked.
"""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import pendulum
import pytest
import requests_mock as requests_mock_module

from airflow_provider_releases.exceptions import (
    ReleasesApiAuthError,
    ReleasesApiConnectionError,
    ReleasesApiError,
    ReleasesApiResponseError,
)
from airflow_provider_releases.hooks.answers import error_class_for_status
from airflow_provider_releases.hooks.base import ReleasesBaseHook
from airflow_provider_releases.hooks.launchdarkly import LaunchDarklyHook
from airflow_provider_releases.operators.aha import (
    AhaCreateReleaseOperator,
    AhaDeleteReleaseOperator,
    AhaDuplicateReleaseOperator,
    AhaUpdateReleaseOperator,
)
from airflow_provider_releases.operators.amplitude import AmplitudeCreateReleaseOperator
from airflow_provider_releases.operators.approval import ReleaseApprovalOperator
from airflow_provider_releases.operators.cryptlex import (
    CryptlexCreateReleaseOperator,
    CryptlexPublishReleaseOperator,
    CryptlexUploadReleaseFileOperator,
)
from airflow_provider_releases.operators.launchdarkly import (
    LaunchDarklyAttachFlagToPipelineOperator,
    LaunchDarklyStartPhaseOperator,
)
from airflow_provider_releases.operators.launchdarkly_environment import (
    LaunchDarklyStartEnvironmentReleaseOperator,
    LaunchDarklyStopEnvironmentReleaseOperator,
)
from airflow_provider_releases.sensors.aha import AhaReleaseShippedSensor
from airflow_provider_releases.sensors.base import ReleasesBaseSensor
from airflow_provider_releases.sensors.cryptlex import CryptlexReleasePublishedSensor
from airflow_provider_releases.sensors.launchdarkly import (
    LaunchDarklyEnvironmentReleaseSensor,
    LaunchDarklyReleasePhaseSensor,
)
from airflow_provider_releases_sandbox import Sandbox
from airflow_provider_releases_sandbox.cryptlex import DESKTOP_APP_ID, DRAFT_RELEASE_ID, PUBLISHED_RELEASE_ID
from tests import secret_audit
from tests.helpers.connections import CONNECTIONS, set_connection
from tests.secret_audit import assert_no_leak, provider_classes, provider_task_classes
from tests.sensors.specs import first_event

FLAG = {"project_key": "default", "flag_key": "new-checkout"}
ENVIRONMENT = {**FLAG, "environment_key": "production"}
ONE_STEP = [
    {
        "clauses": [{"contextKind": "user", "attribute": "kind", "op": "in", "values": ["user"]}],
        "steps": [{"allocation": 10_000, "durationMillis": 60_000}],
    }
]

# Every operator and sensor with arguments that work against the sandbox's default seed; the
# operators in dry-run mode (they read, then stop before the first change). Strings are templated.
TASK_ARGUMENTS: dict[type, dict[str, Any]] = {
    AmplitudeCreateReleaseOperator: {
        "version": "{{ params.version }}",
        "title": "Release {{ params.version }}",
        "description": "Built on {{ ds }}",
        "dry_run": True,
    },
    LaunchDarklyAttachFlagToPipelineOperator: {
        **FLAG,
        "release_pipeline_key": "standard-release",
        "dry_run": True,
    },
    LaunchDarklyStartPhaseOperator: {**FLAG, "phase": "{{ params.phase }}", "dry_run": True},
    LaunchDarklyStartEnvironmentReleaseOperator: {
        **ENVIRONMENT,
        "target_variation": True,
        "original_variation": False,
        "randomization_unit": "user",
        "phases": ONE_STEP,
        "comment": "Release {{ params.version }}",
        "dry_run": True,
    },
    LaunchDarklyStopEnvironmentReleaseOperator: {
        **ENVIRONMENT,
        "resolution": "roll_back_all_phases_and_remove_pending_phases",
        "comment": "Stopped on {{ ds }}",
        "dry_run": True,
    },
    AhaCreateReleaseOperator: {
        "product_id": "PRJ1",
        "name": "Release {{ params.version }}",
        "fields": {"release_date": "{{ ds }}"},
        "dry_run": True,
    },
    AhaUpdateReleaseOperator: {
        "product_id": "PRJ1",
        "release_id": "PRJ1-R-2",
        "fields": {"theme": "Shipped on {{ ds }}"},
        "dry_run": True,
    },
    AhaDuplicateReleaseOperator: {"release_id": "PRJ1-R-2", "dry_run": True},
    AhaDeleteReleaseOperator: {"product_id": "PRJ1", "release_id": "PRJ1-R-2", "dry_run": True},
    CryptlexCreateReleaseOperator: {
        "product_id": DESKTOP_APP_ID,
        "name": "Release {{ params.version }}",
        "version": "{{ params.version }}",
        "notes": "Built on {{ ds }}",
        "dry_run": True,
    },
    CryptlexPublishReleaseOperator: {"release_id": DRAFT_RELEASE_ID, "dry_run": True},
    CryptlexUploadReleaseFileOperator: {
        "release_id": DRAFT_RELEASE_ID,
        "path": "{{ params.artifact }}",
        "dry_run": True,
    },
    LaunchDarklyReleasePhaseSensor: {**FLAG, "phase": "{{ params.phase }}"},
    LaunchDarklyEnvironmentReleaseSensor: ENVIRONMENT,
    AhaReleaseShippedSensor: {"release_id": "PRJ1-R-2"},
    CryptlexReleasePublishedSensor: {"release_id": PUBLISHED_RELEASE_ID},
    # switched off by the param, it answers at once without asking (a request needs a person)
    ReleaseApprovalOperator: {"required": "{{ params.require_approval }}"},
}
# The tasks that act on the flag's release, which the sandbox's default seed does not have yet.
NEEDS_A_FLAG_RELEASE = {LaunchDarklyStartPhaseOperator, LaunchDarklyReleasePhaseSensor}
# The tasks that act on the flag's environment release, which the default seed does not have yet.
NEEDS_AN_ENVIRONMENT_RELEASE = {
    LaunchDarklyStopEnvironmentReleaseOperator,
    LaunchDarklyEnvironmentReleaseSensor,
}
HOOK_CLASSES = provider_classes(("hooks",), ReleasesBaseHook, leaves_only=True)
TASK_CLASSES = provider_task_classes(leaves_only=True)
SENSOR_CLASSES = [cls for cls in TASK_CLASSES if issubclass(cls, ReleasesBaseSensor)]

# A wrong, distinctive secret per service: what a refused connection carries.
WRONG_SECRETS = {
    "amplitude": "amp-wrong-SECRET-3e61d0",
    "launchdarkly": "api-wrong-SECRET-8c2f47",
    "aha": "aha-wrong-SECRET-d95a13",
    "cryptlex": "cx-wrong-SECRET-07be6c",
}
# The hook attributes that hold the credentials by design (never shown by repr).
CREDENTIAL_HOLDERS = {"secrets", "_connection", "sync_transport", "async_transport"}

each_hook = pytest.mark.parametrize("hook_class", HOOK_CLASSES, ids=lambda cls: cls.__name__)
each_task = pytest.mark.parametrize("task_class", TASK_CLASSES, ids=lambda cls: cls.__name__)
each_sensor = pytest.mark.parametrize("sensor_class", SENSOR_CLASSES, ids=lambda cls: cls.__name__)


def shown(value: Any) -> str:
    """``repr`` and ``str`` of ``value``, as a log line or a traceback would show it."""
    return f"{value!r}\n{value}"


def connection_secrets(conn_id: str) -> list[str]:
    """The secrets of one of the audit's default connections, with Amplitude's Basic token."""
    conn = CONNECTIONS[conn_id]
    secrets = [conn["password"]]
    if "login" in conn:
        secrets += [conn["login"], base64.b64encode(f"{conn['login']}:{conn['password']}".encode()).decode()]
    return secrets


def point_at_sandbox_with_a_wrong_secret(
    monkeypatch: pytest.MonkeyPatch, sandbox: Sandbox, hook_class: type[ReleasesBaseHook]
) -> str:
    """Point the hook's default connection at the sandbox with a wrong password; return that secret."""
    wrong = WRONG_SECRETS[hook_class.conn_type]
    conn = {**sandbox.connection(hook_class.conn_type), "password": wrong}
    set_connection(monkeypatch, hook_class.default_conn_name, **conn)
    return wrong


def build_task(task_class: type) -> Any:
    """The task with its ``TASK_ARGUMENTS``, and the sandbox state it acts on (a flag release)."""
    if task_class in NEEDS_A_FLAG_RELEASE:
        LaunchDarklyHook().create_flag_release(FLAG["project_key"], FLAG["flag_key"], "standard-release")
    if task_class in NEEDS_AN_ENVIRONMENT_RELEASE:
        hook = LaunchDarklyHook()
        ids = {item["value"]: item["_id"] for item in hook.get_flag(**FLAG)["variations"]}
        hook.start_environment_release(
            **ENVIRONMENT,
            target_variation_id=ids[True],
            original_variation_id=ids[False],
            randomization_unit="user",
            phases=ONE_STEP,
        )
    return task_class(task_id="task", **TASK_ARGUMENTS[task_class])


def context(tmp_path) -> dict[str, Any]:
    """A task's run context, enough to render the templated arguments of ``TASK_ARGUMENTS``."""
    artifact = tmp_path / "app-3.1.0.zip"
    artifact.write_bytes(b"release build")
    logical_date = pendulum.datetime(2026, 5, 1, tz="UTC")
    return {
        "ds": logical_date.strftime("%Y-%m-%d"),
        "logical_date": logical_date,
        "run_id": "manual__2026-05-01",
        "params": {
            "version": "3.1.0",
            "phase": "Testing",
            "artifact": str(artifact),
            "require_approval": False,
        },
    }


def test_every_registered_class_is_covered():
    """The tables name every hook, operator and sensor the provider registers, so none is skipped."""
    assert set(TASK_ARGUMENTS) == set(TASK_CLASSES)
    assert {cls.conn_type for cls in HOOK_CLASSES} == set(WRONG_SECRETS)
    assert SENSOR_CLASSES


@each_hook
def test_a_hook_shows_no_secret_before_and_after_a_call(release_sandbox: Sandbox, hook_class):
    """repr/str of the hook, its attributes and its session's (but the headers) hold no secret."""
    hook = hook_class()
    assert_no_leak(shown(hook), "hook reprs")

    ok, message = hook.test_connection()

    assert ok, message
    assert_no_leak(message, "connection test messages")
    assert_no_leak(shown(hook), "hook reprs")
    attributes = {name: value for name, value in vars(hook).items() if name not in CREDENTIAL_HOLDERS}
    assert_no_leak(repr(attributes), "hook attributes")
    session = {name: value for name, value in vars(hook.get_conn()).items() if name != "headers"}
    assert_no_leak(repr(session), "hook attributes")


@each_hook
def test_wrong_credentials_are_refused_without_showing_them(release_sandbox, monkeypatch, hook_class):
    """The connection test's message and the error of a refused call do not quote the secret."""
    wrong = point_at_sandbox_with_a_wrong_secret(monkeypatch, release_sandbox, hook_class)
    assert secret_audit.AUDIT.canaries.label_of(wrong)
    hook = hook_class()

    ok, message = hook.test_connection()
    with pytest.raises(ReleasesApiAuthError) as refused:
        hook._probe()

    assert not ok and "401" in message
    assert_no_leak(message, "connection test messages")
    assert_no_leak(refused.value, "exception texts")
    assert_no_leak(shown(hook), "hook reprs")


# HTTP statuses and answer bodies in which a vendor (or a proxy in front of it) quotes the
# credentials it was sent.
ECHOING_BODIES = {
    "json message": lambda secrets: {
        "json": {"message": f"token {' '.join(secrets)} refused", "code": "bad"}
    },
    "json errors": lambda secrets: {
        "json": {"errors": [{"message": f"bad credential {s}"} for s in secrets]}
    },
    "text": lambda secrets: {"text": f"<html><body>Rejected: {' / '.join(secrets)}</body></html>"},
}
ECHOING_STATUSES = [400, 401, 403, 404, 409, 418, 422, 429, 500, 502, 503]


def test_every_api_error_class_is_exercised_with_an_echoing_vendor():
    """Each ReleasesApiError class for an HTTP error has a status below; the response errors (an
    unreadable success) have their own tests; a connection error carries no vendor text."""
    classes, pending = set(), [ReleasesApiError]
    while pending:
        cls = pending.pop()
        classes.add(cls)
        pending += cls.__subclasses__()
    response_errors = {cls for cls in classes if issubclass(cls, ReleasesApiResponseError)}
    by_status = {error_class_for_status(status) for status in ECHOING_STATUSES}
    assert classes - response_errors - {ReleasesApiConnectionError} == by_status


@each_hook
@pytest.mark.parametrize("status", ECHOING_STATUSES)
@pytest.mark.parametrize("body", sorted(ECHOING_BODIES))
def test_a_vendor_error_quoting_the_secret_is_redacted(requests_mock, hook_class, status, body):
    """Every ReleasesApiError subclass for an HTTP error shows the vendor's text with the secrets masked."""
    echoed = connection_secrets(hook_class.default_conn_name)
    requests_mock.register_uri(
        requests_mock_module.ANY, requests_mock_module.ANY, status_code=status, **ECHOING_BODIES[body](echoed)
    )
    hook = hook_class()

    with pytest.raises(ReleasesApiError) as caught:
        hook._probe()
    ok, message = hook.test_connection()

    assert type(caught.value) is error_class_for_status(status)
    assert "***" in str(caught.value)  # the vendor's text is kept, its secrets masked
    assert_no_leak(caught.value, "exception texts")
    assert not ok
    assert_no_leak(message, "connection test messages")


@each_hook
def test_an_unreadable_answer_quoting_the_secret_is_redacted(requests_mock, hook_class):
    """A success whose body is not JSON becomes a ReleasesApiResponseError with the secrets masked."""
    echoed = connection_secrets(hook_class.default_conn_name)
    requests_mock.register_uri(
        requests_mock_module.ANY, requests_mock_module.ANY, status_code=200, text=f"<html>{echoed}</html>"
    )

    with pytest.raises(ReleasesApiResponseError) as caught:
        hook_class()._probe()

    assert_no_leak(caught.value, "exception texts")


@each_hook
def test_an_answer_of_another_shape_quoting_the_secret_is_redacted(hook_class):
    """The ReleasesApiResponseError for a JSON answer of an undocumented shape masks the secrets
    the body quotes."""
    hook = hook_class()
    hook.get_conn()  # reads the credentials: the hook knows its secrets from now on
    body = {"unexpected": connection_secrets(hook_class.default_conn_name)}

    error = hook.response_error("get_release", "GET", "/releases/1", "expected 'release'", repr(body))

    assert isinstance(error, ReleasesApiResponseError) and "***" in str(error)
    assert_no_leak(error, "exception texts")


@each_hook
@pytest.mark.parametrize("header", ["X-Request-Id", "Request-Id"])
def test_a_request_id_header_quoting_the_secret_is_redacted(requests_mock, hook_class, header):
    """A request id the vendor sends back is shown in the error, so it must be masked too."""
    [secret, *_] = connection_secrets(hook_class.default_conn_name)
    requests_mock.register_uri(
        requests_mock_module.ANY,
        requests_mock_module.ANY,
        status_code=401,
        json={"message": "unauthorized"},
        headers={header: f"req-{secret}"},
    )

    with pytest.raises(ReleasesApiAuthError) as caught:
        hook_class()._probe()

    assert_no_leak(caught.value, "exception texts")


@each_task
def test_an_operator_or_sensor_shows_no_secret(release_sandbox, tmp_path, task_class):
    """repr/str, rendered template fields and the serialized task hold no secret, nor what a run
    (a dry run for the operators, a poke for the sensors) returns or leaves on the task."""
    from airflow.serialization.serialized_objects import OperatorSerialization

    task = build_task(task_class)
    assert_no_leak(shown(task), "operator reprs")

    task.render_template_fields(context(tmp_path))

    for field in task.template_fields:
        assert "{{" not in json.dumps(getattr(task, field), default=str), field
        assert_no_leak(getattr(task, field), "rendered template fields")
    assert_no_leak(OperatorSerialization.serialize_operator(task), "serialized operators")

    if isinstance(task, ReleasesBaseSensor):
        result = task.poke(context(tmp_path))
        result = result.xcom_value if result.is_done else None
    elif isinstance(task, ReleaseApprovalOperator):
        result = task.execute(context(tmp_path))
        assert (result["chosen_options"], result["approval_required"]) == (["Approve"], False)
    else:
        result = task.execute(context(tmp_path))
        assert result["dry_run"] is True
    assert_no_leak(result, "XCom values")
    assert_no_leak(shown(task), "operator reprs")
    assert_no_leak(repr(vars(task)), "operator attributes")


@each_sensor
def test_a_trigger_carries_and_yields_no_secret(release_sandbox, monkeypatch, tmp_path, sensor_class):
    """The trigger's serialized arguments hold the connection id only; its events (after a check
    with the right secret, and with a refused one) hold no secret."""
    sensor = build_task(sensor_class)
    sensor.render_template_fields(context(tmp_path))
    trigger = sensor.get_trigger(end_time=time.time() - 1)  # one check, then an event at once

    _, kwargs = trigger.serialize()
    hook_class = sensor.hook_class
    assert f'"{hook_class.conn_name_attr}": "{hook_class.default_conn_name}"' in json.dumps(kwargs)
    assert_no_leak(kwargs, "trigger arguments")
    assert_no_leak(shown(trigger), "trigger reprs")
    assert_no_leak(first_event(trigger), "trigger events")

    point_at_sandbox_with_a_wrong_secret(monkeypatch, release_sandbox, sensor.hook_class)
    refused = first_event(trigger)

    assert refused["status"] == "error" and "refused the credentials" in refused["message"]
    assert_no_leak(refused, "trigger events")


TRIGGER_FAULTS = {
    "echoing 400": ("reject", {"status": 400}, "error"),
    "echoing 401": ("reject", {"status": 401}, "error"),
    "503": ("error", {"status": 503}, "timeout"),
    "proxy page": ("html", {"status": 502}, "timeout"),
    "malformed": ("malformed", {}, "timeout"),
    "dropped": ("drop", {}, "timeout"),
}


@each_sensor
@pytest.mark.parametrize("fault", TRIGGER_FAULTS, ids=list(TRIGGER_FAULTS))
def test_a_trigger_on_a_failing_async_transport_shows_no_secret(
    release_sandbox, monkeypatch, tmp_path, sensor_class, fault
):
    """The trigger reads through the async transport: under each fault, the vendor quoting the secret
    back, its event, its logs and every error the transport raised (the audit searches them as
    raised) hold no secret."""
    sensor = build_task(sensor_class)
    sensor.render_template_fields(context(tmp_path))
    trigger = sensor.get_trigger(end_time=time.time() - 1)  # one check, then an event at once
    service = sensor.hook_class.conn_type
    kind, options, status = TRIGGER_FAULTS[fault]
    if kind == "reject":
        options = {**options, "message": f"bad token {release_sandbox.connection(service)['password']}"}
    release_sandbox.inject_fault(service, kind, count=10, **options)

    event = first_event(trigger)

    assert event["status"] == status, event
    assert release_sandbox.requests_to(service), "the fault was never met"
    if kind == "reject":
        assert "bad token ***" in event["message"], event  # quoted back, redacted
    assert_no_leak(event, "trigger events")


@secret_audit.runs_last
def test_the_sessions_airflow_home_holds_no_secret():
    """
    After every other test: no file under the session's AIRFLOW_HOME (the metadata database with
    XCom, rendered template fields and serialized DAGs; task logs) holds a secret. The audit
    fails this test with each finding.
    """
    home = secret_audit.session_airflow_home()
    if home is None or not any(path.is_file() for path in home.rglob("*")):
        pytest.skip("no file was written to AIRFLOW_HOME in this session")
    secret_audit.scan_tree(home)
