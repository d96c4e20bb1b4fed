"""LaunchDarklyReleasePhaseSensor: poke paths, phase resolution and the messages a release manager reads."""

from __future__ import annotations

import pytest
from airflow.sdk.exceptions import AirflowSensorTimeout

from airflow_provider_releases.exceptions import InvalidParameterError
from airflow_provider_releases.sensors.base import ReleaseSensorFailed
from airflow_provider_releases.sensors.launchdarkly import LaunchDarklyReleasePhaseSensor
from tests.helpers.connections import SECRETS, set_connection

URL = "https://app.launchdarkly.com/api/v2/flags/proj/new-checkout/release"
ALPHA = {
    "_id": "ph-a",
    "_name": "Alpha",
    "complete": True,
    "_creationDate": "1684262711507",
    "_audiences": [],
}
BETA = {"_id": "ph-b", "_name": "Beta", "complete": False, "status": "active", "_audiences": []}
SUBJECT = "LaunchDarkly release of flag 'new-checkout' in project 'proj'"


def release(*phases: dict, **fields: object) -> dict:
    return {
        "name": "Standard",
        "releasePipelineKey": "standard",
        "phases": list(phases),
        "_version": 3,
        **fields,
    }


def sensor(phase: str | int = "Beta", **kwargs: object) -> LaunchDarklyReleasePhaseSensor:
    return LaunchDarklyReleasePhaseSensor(
        task_id="wait_phase", project_key="proj", flag_key="new-checkout", phase=phase, **kwargs
    )


def test_pending_phase_is_not_done_and_says_why(requests_mock, task_logs):
    requests_mock.get(URL, json=release(ALPHA, BETA))
    result = sensor().poke({})
    assert result.is_done is False
    assert task_logs.at("info") == [
        f"{SUBJECT}: phase 'Beta' (position 1, id ph-b) is not complete yet (status 'active')."
    ]
    assert requests_mock.last_request.headers["LD-API-Version"] == "beta"


def test_complete_phase_returns_the_phase(requests_mock):
    requests_mock.get(URL, json=release(ALPHA, {**BETA, "complete": True, "status": "completed"}))
    result = sensor().poke({})
    assert result.is_done is True
    assert result.xcom_value == {**BETA, "complete": True, "status": "completed"}


def test_only_complete_true_counts_not_a_status_that_says_completed(requests_mock):
    requests_mock.get(URL, json=release(ALPHA, {**BETA, "complete": False, "status": "completed"}))
    assert sensor().poke({}).is_done is False


@pytest.mark.parametrize("phase", ["Alpha", "ph-a", 0, "0"])
def test_phase_by_name_id_index_or_digit_string(requests_mock, phase):
    requests_mock.get(URL, json=release(ALPHA, BETA))
    assert sensor(phase).poke({}).xcom_value == ALPHA


def test_a_digit_string_that_is_a_phase_name_names_that_phase(requests_mock):
    named_one = {"_id": "ph-x", "_name": "1", "complete": True}
    requests_mock.get(URL, json=release(named_one, BETA))
    assert sensor("1").poke({}).xcom_value == named_one


def test_execute_polls_until_complete_and_returns_the_phase(requests_mock):
    done_beta = {**BETA, "complete": True}
    requests_mock.get(URL, [{"json": release(ALPHA, BETA)}, {"json": release(ALPHA, done_beta)}])
    assert sensor(poke_interval=0).execute({}) == done_beta
    assert requests_mock.call_count == 2


def test_canceled_release_fails_at_once(requests_mock):
    requests_mock.get(URL, json=release(ALPHA, BETA, _canceledAt=1767225600000))
    with pytest.raises(ReleaseSensorFailed) as caught:
        sensor().poke({})
    assert str(caught.value) == (
        f"{SUBJECT} was canceled at 2026-01-01 00:00:00 UTC; phase 'Beta' (position 1, id ph-b) "
        "will never complete."
    )


def test_canceled_release_fails_even_when_the_phase_had_completed(requests_mock):
    requests_mock.get(URL, json=release(ALPHA, BETA, _canceledAt="1767225600000"))
    with pytest.raises(ReleaseSensorFailed) as caught:
        sensor("Alpha").poke({})
    assert str(caught.value) == (
        f"{SUBJECT} was canceled at 2026-01-01 00:00:00 UTC, after phase 'Alpha' (position 0, id ph-a) "
        "had completed; a canceled release is not treated as done."
    )


def test_canceled_release_and_unknown_phase_reports_the_cancellation(requests_mock):
    requests_mock.get(URL, json=release(ALPHA, BETA, _canceledAt="2026-01-01T00:00:00Z"))
    with pytest.raises(ReleaseSensorFailed) as caught:
        sensor("Gamma").poke({})
    assert (
        str(caught.value)
        == f"{SUBJECT} was canceled at 2026-01-01T00:00:00Z; phase 'Gamma' will never complete."
    )


@pytest.mark.parametrize("phase", [-1, "", None, "None"])
def test_a_phase_that_can_name_none_fails_the_dag_import(requests_mock, phase):
    prefix = r"^Task 'wait_phase' \(LaunchDarklyReleasePhaseSensor\): "
    with pytest.raises(InvalidParameterError, match=rf"{prefix}Invalid phase=|{prefix}phase=") as caught:
        sensor(phase)
    assert repr(phase) in str(caught.value)
    assert requests_mock.call_count == 0


@pytest.mark.parametrize("phase", ["Gamma", 2, "2"])
def test_no_matching_phase_lists_the_phases(requests_mock, phase):
    requests_mock.get(URL, json=release(ALPHA, BETA))
    with pytest.raises(ReleaseSensorFailed) as caught:
        sensor(phase).poke({})
    assert str(caught.value) == (
        f"{SUBJECT}: no phase matches {phase!r}; the phases are: 0 'Alpha' (id ph-a), 1 'Beta' (id ph-b)."
    )


def test_release_without_phases(requests_mock):
    requests_mock.get(URL, json=release())
    with pytest.raises(ReleaseSensorFailed) as caught:
        sensor().poke({})
    assert str(caught.value) == f"{SUBJECT}: no phase matches 'Beta'; the release has no phases."


def test_flag_without_release_fails_with_the_vendor_message(requests_mock):
    requests_mock.get(URL, status_code=404, json={"code": "not_found", "message": "Unknown release"})
    with pytest.raises(ReleaseSensorFailed) as caught:
        sensor().poke({})
    assert str(caught.value) == (
        f"{SUBJECT}: the flag has no release (or the flag or project does not exist), so phase 'Beta' can "
        "never complete; attach the flag to a release pipeline first (read through connection"
        " 'launchdarkly_default'). LaunchDarkly get_flag_release "
        "(GET /api/v2/flags/proj/new-checkout/release) failed with HTTP 404 [not_found]: "
        'LaunchDarkly said "Unknown release".'
    )


def test_refused_token_fails_with_the_vendor_message_and_no_secret(requests_mock):
    token = SECRETS["launchdarkly_token"]
    requests_mock.get(
        URL, status_code=401, json={"code": "unauthorized", "message": f"Invalid token {token}"}
    )
    with pytest.raises(ReleaseSensorFailed) as caught:
        sensor().poke({})
    message = str(caught.value)
    assert message.startswith(
        f"{SUBJECT}: LaunchDarkly refused the credentials of connection 'launchdarkly_default' or they lack "
        "permission. LaunchDarkly get_flag_release (GET /api/v2/flags/proj/new-checkout/release) failed "
        "with HTTP 401 [unauthorized]"
    )
    assert 'LaunchDarkly said "Invalid token ***"' in message
    assert token not in message


@pytest.mark.parametrize(
    "response",
    [
        {"status_code": 429, "json": {"code": "rate_limited", "message": "Slow down"}},
        {"status_code": 503, "text": "upstream unavailable"},
        {"status_code": 500, "json": {"message": "oops"}},
    ],
)
def test_transient_error_is_pending_with_a_warning_then_the_next_poke_succeeds(
    requests_mock, monkeypatch, task_logs, response
):
    extra = {"max_retries": 0}
    set_connection(
        monkeypatch,
        "launchdarkly_default",
        conn_type="launchdarkly",
        password=SECRETS["launchdarkly_token"],
        extra=extra,
    )
    done_beta = {**BETA, "complete": True}
    requests_mock.get(URL, [response, {"json": release(ALPHA, done_beta)}])
    assert sensor(poke_interval=0).execute({}) == done_beta
    [warning] = [w for w in task_logs.at("warning") if w.startswith(SUBJECT)]
    assert warning.startswith(
        f"{SUBJECT}: LaunchDarkly could not be read this time; will check again. "
        f"LaunchDarkly get_flag_release (GET /api/v2/flags/proj/new-checkout/release) failed with "
        f"HTTP {response['status_code']}"
    )


def test_a_read_timeout_is_pending_too(requests_mock, monkeypatch):
    import requests

    set_connection(
        monkeypatch,
        "launchdarkly_default",
        conn_type="launchdarkly",
        password=SECRETS["launchdarkly_token"],
        extra={"max_retries": 0},
    )
    requests_mock.get(URL, exc=requests.exceptions.ReadTimeout("slow"))
    result = sensor().poke({})
    assert result.is_done is False


def test_a_timeout_names_the_phase_and_the_last_check(requests_mock):
    requests_mock.get(URL, json=release(ALPHA, BETA))
    with pytest.raises(AirflowSensorTimeout) as caught:
        sensor(poke_interval=0, timeout=0).execute({})
    assert str(caught.value) == (
        "Timed out waiting for phase 'Beta' of the LaunchDarkly release of flag 'new-checkout' in project "
        "'proj' to complete after the sensor's timeout of 0 s. Last check: "
        f"{SUBJECT}: phase 'Beta' (position 1, id ph-b) is not complete yet (status 'active')."
    )


def test_fields_are_templated():
    task = LaunchDarklyReleasePhaseSensor(
        task_id="t",
        project_key="{{ params.project }}",
        flag_key="{{ params.flag }}",
        phase="{{ params.phase }}",
        launchdarkly_conn_id="{{ params.conn }}",
    )
    assert task.template_fields == ("project_key", "flag_key", "phase", "launchdarkly_conn_id")
    task.render_template_fields({"params": {"project": "p", "flag": "f", "phase": "Beta", "conn": "ld_eu"}})
    assert (task.project_key, task.flag_key, task.phase, task.launchdarkly_conn_id) == (
        "p",
        "f",
        "Beta",
        "ld_eu",
    )
    assert task.get_hook().conn_id == "ld_eu"


def test_a_name_two_phases_share_fails_asking_for_the_id(requests_mock):
    requests_mock.get(URL, json=release(ALPHA, BETA, {**BETA, "_id": "ph-c"}))
    with pytest.raises(ReleaseSensorFailed) as caught:
        sensor("Beta").poke({})
    assert str(caught.value) == (
        f"{SUBJECT}: Invalid phase='Beta': expected a name that only one phase has (0 'Alpha' (id ph-a), "
        "1 'Beta' (id ph-b), 2 'Beta' (id ph-c)); use its id."
    )
    requests_mock.get(URL, json=release(ALPHA, BETA, {**BETA, "_id": "ph-c", "complete": True}))
    assert sensor("ph-c").poke({}).xcom_value["_id"] == "ph-c"


def test_flag_read_every_goes_to_the_trigger_and_is_checked_when_the_dag_is_parsed():
    sensor = LaunchDarklyReleasePhaseSensor(
        task_id="wait", project_key="default", flag_key="beta-banner", phase="Beta", flag_read_every=5
    )
    _, kwargs = sensor.get_trigger(end_time=1.0).serialize()
    assert kwargs["flag_read_every"] == 5
    with pytest.raises(InvalidParameterError) as caught:
        LaunchDarklyReleasePhaseSensor(
            task_id="wait", project_key="default", flag_key="beta-banner", phase="Beta", flag_read_every=0
        )
    assert "flag_read_every" in str(caught.value) and "an integer >= 1" in str(caught.value)
