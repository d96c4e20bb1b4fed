"""CryptlexReleasePublishedSensor: poke paths, both readings of "published", messages."""

from __future__ import annotations

import pytest

from airflow_provider_releases.exceptions import InvalidParameterError
from airflow_provider_releases.sensors.base import ReleaseSensorFailed
from airflow_provider_releases.sensors.cryptlex import CryptlexReleasePublishedSensor
from tests.helpers.connections import SECRETS, set_connection

URL = "https://api.cryptlex.com/v3/releases/rel-42"
DRAFT = {
    "id": "rel-42",
    "name": "Spring release",
    "version": "1.4.0",
    "channel": "stable",
    "platforms": ["windows"],
    "productId": "prod-1",
    "totalFiles": 1,
    "published": False,
    "publishedAt": None,
    "private": False,
    "archived": False,
}
PUBLISHED = {**DRAFT, "published": True, "publishedAt": "2026-03-02T10:00:00Z"}
RESULT = {
    "id": "rel-42",
    "name": "Spring release",
    "version": "1.4.0",
    "channel": "stable",
    "productId": "prod-1",
    "published": True,
    "publishedAt": "2026-03-02T10:00:00Z",
}


def sensor(**kwargs: object) -> CryptlexReleasePublishedSensor:
    return CryptlexReleasePublishedSensor(task_id="wait_published", release_id="rel-42", **kwargs)


def test_draft_release_is_pending(requests_mock, task_logs):
    requests_mock.get(URL, json=DRAFT)
    assert sensor().poke({}).is_done is False
    assert task_logs.at("info") == [
        "Cryptlex release 'rel-42' ('Spring release', version 1.4.0) is not published yet."
    ]
    assert requests_mock.last_request.headers["Authorization"] == f"Bearer {SECRETS['cryptlex_token']}"


def test_published_release_returns_its_essential_fields(requests_mock):
    requests_mock.get(URL, json=PUBLISHED)
    result = sensor().poke({})
    assert result.is_done is True
    assert result.xcom_value == RESULT


def test_published_at_alone_counts_as_published(requests_mock):
    record = {k: v for k, v in PUBLISHED.items() if k != "published"}
    requests_mock.get(URL, json=record)
    assert sensor().poke({}).xcom_value == {**RESULT, "published": None}


@pytest.mark.parametrize(
    "record",
    [
        {k: v for k, v in DRAFT.items() if k != "published"},  # publishedAt null, no flag
        {**DRAFT, "published": None, "publishedAt": ""},
        {**DRAFT, "published": False, "publishedAt": "2026-03-02T10:00:00Z"},  # the flag decides
    ],
)
def test_not_published_readings(requests_mock, record):
    requests_mock.get(URL, json=record)
    assert sensor().poke({}).is_done is False


def test_a_record_with_neither_field_fails_rather_than_waiting_forever(requests_mock):
    requests_mock.get(URL, json={"id": "rel-42", "name": "Spring release"})
    with pytest.raises(ReleaseSensorFailed) as caught:
        sensor().poke({})
    assert str(caught.value) == (
        "Cryptlex release 'rel-42': Cryptlex answered without 'published' or 'publishedAt', so whether it "
        "is published cannot be told: {'id': 'rel-42', 'name': 'Spring release'}"
    )


def test_execute_polls_until_published(requests_mock):
    requests_mock.get(URL, [{"json": DRAFT}, {"json": DRAFT}, {"json": PUBLISHED}])
    assert sensor(poke_interval=0).execute({}) == RESULT
    assert requests_mock.call_count == 3


def test_missing_release_fails_with_the_vendor_message(requests_mock):
    requests_mock.get(URL, status_code=404, json={"message": "Release not found.", "code": "not_found"})
    with pytest.raises(ReleaseSensorFailed) as caught:
        sensor().poke({})
    assert str(caught.value) == (
        "Cryptlex release 'rel-42': no such release in Cryptlex, so it can never publish (read through"
        " connection 'cryptlex_default'). Cryptlex "
        "get_release (GET /v3/releases/rel-42) failed with HTTP 404 [not_found]: "
        'Cryptlex said "Release not found.".'
    )


def test_unauthorized_fails_at_once_without_the_token(requests_mock):
    token = SECRETS["cryptlex_token"]
    requests_mock.get(URL, status_code=401, json={"message": f"Bad token Bearer {token}"})
    with pytest.raises(ReleaseSensorFailed) as caught:
        sensor().poke({})
    assert str(caught.value) == (
        "Cryptlex release 'rel-42': Cryptlex refused the credentials of connection 'cryptlex_default' or "
        "they lack permission. Cryptlex get_release (GET /v3/releases/rel-42) failed with HTTP 401: "
        'Cryptlex said "Bad token Bearer ***".'
    )


def test_an_invalid_release_id_fails_with_the_parameter_error(requests_mock):
    with pytest.raises(InvalidParameterError) as caught:  # the DAG fails to import
        CryptlexReleasePublishedSensor(task_id="t", release_id="../x")
    assert str(caught.value).startswith(
        "Task 't' (CryptlexReleasePublishedSensor): Invalid release_id='../x': expected "
    )
    sensor = CryptlexReleasePublishedSensor(task_id="t", release_id="{{ params.release }}")
    sensor.release_id = "../x"  # as rendered
    with pytest.raises(ReleaseSensorFailed) as failed:
        sensor.poke({})
    assert str(failed.value).startswith("Invalid release_id='../x': expected ")
    assert requests_mock.call_count == 0


@pytest.mark.parametrize("rendered", ["None", "null", ""])
def test_a_release_id_rendered_to_nothing_fails_before_any_request(requests_mock, rendered):
    sensor = CryptlexReleasePublishedSensor(task_id="t", release_id="{{ ti.xcom_pull('build') }}")
    sensor.release_id = rendered
    with pytest.raises(ReleaseSensorFailed) as failed:
        sensor.poke({})
    assert str(failed.value).startswith(
        f"release_id rendered to {rendered!r}: the template rendered to nothing; an upstream task's XCom"
        " may be missing"
    )
    assert requests_mock.call_count == 0


def test_rate_limit_is_pending_with_a_warning(requests_mock, monkeypatch, task_logs):
    set_connection(
        monkeypatch,
        "cryptlex_default",
        conn_type="cryptlex",
        password=SECRETS["cryptlex_token"],
        extra={"max_retries": 0},
    )
    requests_mock.get(URL, status_code=429, json={"message": "Too many requests"})
    assert sensor().poke({}).is_done is False
    assert task_logs.at("warning") == [
        "Cryptlex release 'rel-42': Cryptlex could not be read this time; will check again. "
        "Cryptlex get_release (GET /v3/releases/rel-42) failed with HTTP 429: "
        'Cryptlex said "Too many requests".'
    ]


def test_fields_are_templated():
    task = CryptlexReleasePublishedSensor(
        task_id="t", release_id="{{ params.rid }}", cryptlex_conn_id="{{ params.conn }}"
    )
    assert task.template_fields == ("release_id", "cryptlex_conn_id")
    task.render_template_fields({"params": {"rid": "rel-7", "conn": "cx_eu"}})
    assert (task.release_id, task.cryptlex_conn_id) == ("rel-7", "cx_eu")
