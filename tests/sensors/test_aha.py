"""AhaReleaseShippedSensor: poke paths and messages."""

from __future__ import annotations

import pytest

from airflow_provider_releases.exceptions import MissingValueError
from airflow_provider_releases.sensors.aha import AhaReleaseShippedSensor
from airflow_provider_releases.sensors.base import ReleaseSensorFailed
from tests.helpers.connections import SECRETS, set_connection

URL = "https://company.aha.io/api/v1/releases/PRJ1-R-5"
RELEASE = {
    "id": "6776757454440696808",
    "reference_num": "PRJ1-R-5",
    "name": "Release 3",
    "released": False,
    "released_on": None,
    "url": "https://company.aha.io/releases/PRJ1-R-5",
    "workflow_status": {"id": "738862546", "name": "In development", "position": 2, "complete": False},
    "theme": "Checkout",
}
SHIPPED = {
    **RELEASE,
    "released": True,
    "released_on": "2026-03-02",
    "workflow_status": {"id": "738862549", "name": "Shipped", "position": 4, "complete": True},
}


def sensor(**kwargs: object) -> AhaReleaseShippedSensor:
    return AhaReleaseShippedSensor(task_id="wait_shipped", release_id="PRJ1-R-5", **kwargs)


def test_unshipped_release_is_pending(requests_mock, task_logs):
    requests_mock.get(URL, json={"release": RELEASE})
    assert sensor().poke({}).is_done is False
    assert task_logs.at("info") == [
        "Aha! release 'PRJ1-R-5' ('Release 3') is not shipped yet (workflow status 'In development')."
    ]
    assert requests_mock.last_request.headers["Authorization"] == f"Bearer {SECRETS['aha_api_key']}"


def test_shipped_release_returns_its_essential_fields(requests_mock):
    requests_mock.get(URL, json={"release": SHIPPED})
    result = sensor().poke({})
    assert result.is_done is True
    assert result.xcom_value == {
        "id": "6776757454440696808",
        "reference_num": "PRJ1-R-5",
        "name": "Release 3",
        "released_on": "2026-03-02",
        "url": "https://company.aha.io/releases/PRJ1-R-5",
    }


def test_a_complete_workflow_status_without_released_is_not_shipped(requests_mock):
    workflow = {"id": "1", "name": "Done", "position": 4, "complete": True}
    requests_mock.get(URL, json={"release": {**RELEASE, "workflow_status": workflow}})
    assert sensor().poke({}).is_done is False


def test_execute_polls_until_shipped(requests_mock):
    requests_mock.get(URL, [{"json": {"release": RELEASE}}, {"json": {"release": SHIPPED}}])
    assert sensor(poke_interval=0).execute({})["released_on"] == "2026-03-02"
    assert requests_mock.call_count == 2


def test_missing_release_fails_with_the_vendor_text(requests_mock):
    requests_mock.get(URL, status_code=404, text="Record not found")
    with pytest.raises(ReleaseSensorFailed) as caught:
        sensor().poke({})
    assert str(caught.value) == (
        "Aha! release 'PRJ1-R-5': no such release in Aha!, so it can never ship (read through connection"
        " 'aha_default'). Aha! get_release "
        "(GET /api/v1/releases/PRJ1-R-5) failed with HTTP 404: response body: Record not found."
    )


def test_forbidden_fails_at_once(requests_mock):
    requests_mock.get(URL, status_code=403, json={"error": "Forbidden"})
    with pytest.raises(ReleaseSensorFailed) as caught:
        sensor().poke({})
    assert str(caught.value) == (
        "Aha! release 'PRJ1-R-5': Aha! refused the credentials of connection 'aha_default' or they lack "
        "permission. Aha! get_release (GET /api/v1/releases/PRJ1-R-5) failed with HTTP 403: "
        'Aha! said "Forbidden".'
    )


def test_an_answer_without_released_fails_rather_than_waiting_forever(requests_mock):
    requests_mock.get(URL, json={"release": {"id": "1", "name": "Release 3"}})
    with pytest.raises(ReleaseSensorFailed) as caught:
        sensor().poke({})
    assert str(caught.value) == (
        "Aha! release 'PRJ1-R-5': Aha! answered without a 'released' field, so whether it shipped cannot "
        "be told: {'id': '1', 'name': 'Release 3'}"
    )


def test_transient_error_is_pending_with_a_warning(requests_mock, monkeypatch, task_logs):
    set_connection(
        monkeypatch,
        "aha_default",
        conn_type="aha",
        host="https://company.aha.io",
        password=SECRETS["aha_api_key"],
        extra={"max_retries": 0},
    )
    requests_mock.get(URL, [{"status_code": 502, "text": "Bad gateway"}, {"json": {"release": SHIPPED}}])
    assert sensor().poke({}).is_done is False
    assert task_logs.at("warning") == [
        "Aha! release 'PRJ1-R-5': Aha! could not be read this time; will check again. "
        "Aha! get_release (GET /api/v1/releases/PRJ1-R-5) failed with HTTP 502: response body: Bad gateway."
    ]
    assert sensor().poke({}).is_done is True


def test_fields_are_templated():
    task = AhaReleaseShippedSensor(
        task_id="t", release_id="{{ params.rid }}", aha_conn_id="{{ params.conn }}"
    )
    assert task.template_fields == ("release_id", "aha_conn_id")
    task.render_template_fields({"params": {"rid": "PRJ1-R-9", "conn": "aha_other"}})
    assert (task.release_id, task.aha_conn_id) == ("PRJ1-R-9", "aha_other")


@pytest.mark.parametrize(
    ("param", "given"), [("release_id", None), ("release_id", "None"), ("aha_conn_id", "")]
)
def test_an_id_given_as_nothing_fails_the_dag_import(param, given):
    with pytest.raises(MissingValueError) as caught:
        AhaReleaseShippedSensor(task_id="t", **{"release_id": "PRJ1-R-5", param: given})
    assert str(caught.value) == (  # the task is named: the traceback shows only the provider's code
        f"Task 't' (AhaReleaseShippedSensor): {param}={given!r} gives no value: {param} is required;"
        f" pass the {param}."
    )


def test_a_release_id_rendered_to_nothing_fails_at_the_first_check_without_a_request(requests_mock):
    waiting = AhaReleaseShippedSensor(task_id="t", release_id="{{ ti.xcom_pull('create')['id'] }}")
    waiting.release_id = "None"  # as rendered when the XCom is missing
    with pytest.raises(ReleaseSensorFailed) as caught:
        waiting.poke({})
    assert str(caught.value).startswith(
        "release_id rendered to 'None': the template rendered to nothing; an upstream task's XCom"
        " may be missing"
    )
    assert requests_mock.call_count == 0
