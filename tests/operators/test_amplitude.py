from __future__ import annotations

import json

import pendulum
import pytest

from airflow_provider_releases.exceptions import (
    InvalidParameterError,
    ReleasesApiValidationError,
)
from airflow_provider_releases.operators.amplitude import AmplitudeCreateReleaseOperator
from airflow_provider_releases.operators.base import ReleasePermanentError
from tests.helpers import amplitude_basic_auth
from tests.helpers.connections import assert_no_secrets, set_connection
from tests.helpers.runs import RUN_START, run_task, run_task_with

URL = "https://amplitude.com/api/2/release"
RELEASE = {
    "id": "xbcehyc",
    "app_id": 50000,
    "version": "1.4.0",
    "release_start": "2026-05-01 12:30:00",
    "title": "Release 1.4.0",
    "chart_visibility": True,
}


def test_creates_the_release_and_returns_it(requests_mock, make_context):
    requests_mock.post(URL, json={"success": True, "release": RELEASE})
    op = AmplitudeCreateReleaseOperator(
        task_id="annotate",
        version="1.4.0",
        title="Release 1.4.0",
        release_start="2026-05-01T14:30:00+02:00",
        release_end=pendulum.datetime(2026, 5, 3, tz="UTC"),
        description="New checkout",
        platforms=["iOS", "Android"],
        created_by="release-bot",
        chart_visibility=False,
    )
    context = make_context("annotate")
    result = op.execute(context)
    assert result == RELEASE
    json.dumps(result)
    (sent,) = requests_mock.request_history
    assert sent.method == "POST"
    assert sent.url == URL
    assert sent.headers["Authorization"] == amplitude_basic_auth()
    assert sent.json() == {
        "version": "1.4.0",
        "release_start": "2026-05-01 12:30:00",
        "release_end": "2026-05-03 00:00:00",
        "title": "Release 1.4.0",
        "description": "New checkout",
        "platforms": ["iOS", "Android"],
        "created_by": "release-bot",
        "chart_visibility": False,
    }
    assert context["ti"].pushed == {}  # Amplitude has no page per release: no URL, no link
    assert AmplitudeCreateReleaseOperator.operator_extra_links == ()


def test_release_start_defaults_to_the_logical_date(requests_mock, make_context):
    requests_mock.post(URL, json={"success": True, "release": RELEASE})
    AmplitudeCreateReleaseOperator(task_id="a", version="1.4.0", title="t").execute(make_context("a"))
    assert requests_mock.last_request.json()["release_start"] == "2026-05-01 12:30:00"


def test_release_start_defaults_to_the_run_start_when_the_run_has_no_logical_date(
    requests_mock, make_context
):
    requests_mock.post(URL, json={"success": True, "release": RELEASE})
    context = make_context("a", logical_date=None)
    assert "logical_date" not in context
    AmplitudeCreateReleaseOperator(task_id="a", version="1.4.0", title="t").execute(context)
    assert requests_mock.last_request.json()["release_start"] == RUN_START.strftime("%Y-%m-%d %H:%M:%S")


def test_templated_fields_render(requests_mock, make_context):
    requests_mock.post(URL, json={"success": True, "release": RELEASE})
    op = AmplitudeCreateReleaseOperator(
        task_id="a",
        version="{{ params.version }}",
        title="Release {{ params.version }}",
        release_start="{{ ds }}",
        release_end="{{ params.end }}",
        description="Run {{ run_id }}",
        platforms=["{{ params.platform }}"],
        created_by="{{ params.who }}",
        amplitude_conn_id="{{ params.conn }}",
    )
    assert set(op.template_fields) >= {
        "version",
        "title",
        "release_start",
        "release_end",
        "description",
        "platforms",
        "created_by",
        "amplitude_conn_id",
    }
    context = make_context(
        "a",
        params={
            "version": "2.0",
            "end": "2026-05-09",
            "platform": "web",
            "who": "me",
            "conn": "amplitude_default",
        },
    )
    op.render_template_fields(context)
    op.execute(context)
    assert requests_mock.last_request.json() == {
        "version": "2.0",
        "title": "Release 2.0",
        "release_start": "2026-05-01 00:00:00",
        "release_end": "2026-05-09 00:00:00",
        "description": "Run manual__2026-05-01",
        "platforms": ["web"],
        "created_by": "me",
        "chart_visibility": True,
    }


def test_dry_run_sends_nothing_and_returns_the_request_without_secrets(requests_mock, make_context, output):
    op = AmplitudeCreateReleaseOperator(task_id="a", version="1.4.0", title="Release 1.4.0", dry_run=True)
    result = op.execute(make_context("a"))
    assert requests_mock.request_history == []
    assert result == {
        "dry_run": True,
        "request": {
            "method": "POST",
            "url": URL,
            "json": {
                "version": "1.4.0",
                "release_start": "2026-05-01 12:30:00",
                "title": "Release 1.4.0",
                "chart_visibility": True,
            },
        },
    }
    json.dumps(result)
    assert "Dry run: would send" in output()
    assert '"url": "https://amplitude.com/api/2/release"' in output()
    assert_no_secrets(output(), result)


def test_dry_run_still_validates(requests_mock, make_context):
    with pytest.raises(InvalidParameterError, match="release_start"):
        AmplitudeCreateReleaseOperator(
            task_id="a", version="1.4.0", title="t", release_start="not a date", dry_run=True
        )
    op = AmplitudeCreateReleaseOperator(
        task_id="a", version="1.4.0", title="t", release_start="{{ params.start }}", dry_run=True
    )
    with pytest.raises(ReleasePermanentError, match="release_start") as raised:
        run_task_with(op, make_context, params={"start": "not a date"})
    assert isinstance(raised.value.__cause__, InvalidParameterError)
    assert requests_mock.request_history == []


def test_vendor_error_propagates_without_secrets(requests_mock, make_context):
    requests_mock.post(URL, status_code=400, text="invalid version")
    with pytest.raises(ReleasePermanentError) as error:
        AmplitudeCreateReleaseOperator(task_id="a", version="1.4.0", title="t").execute(make_context("a"))
    assert isinstance(error.value.__cause__, ReleasesApiValidationError)
    assert error.value.status == 400
    assert str(error.value).startswith(
        "Permanent failure (request refused; connection 'amplitude_default'), not retried: Amplitude"
        " create_release"
    )
    assert "invalid version" in str(error.value)
    assert_no_secrets(str(error.value))


def test_connection_id_is_used(requests_mock, make_context, monkeypatch):
    set_connection(
        monkeypatch,
        "amp_eu",
        conn_type="amplitude",
        login="eu-key-SECRET-83d1f0",
        password="eu-sec-SECRET-4b6a27",
        extra={"region": "eu"},
    )
    requests_mock.post(
        "https://analytics.eu.amplitude.com/api/2/release", json={"success": True, "release": RELEASE}
    )
    op = AmplitudeCreateReleaseOperator(task_id="a", version="1.4.0", title="t", amplitude_conn_id="amp_eu")
    assert op.execute(make_context("a")) == RELEASE
    assert op.hook.conn_id == "amp_eu"


# Against the sandbox, over real HTTP: run twice, one object on the vendor's side


def test_amplitude_annotates_the_run_with_its_logical_date(release_sandbox, make_context) -> None:
    release, pushed = run_task(
        AmplitudeCreateReleaseOperator(task_id="annotate", version="2.0.0", title="Release 2.0.0"),
        make_context,
    )
    [post] = release_sandbox.requests_to("amplitude", "POST", "/api/2/release")
    assert post.body["release_start"] == "2026-05-01 12:30:00"
    assert release["version"] == "2.0.0"
    assert pushed == {}
