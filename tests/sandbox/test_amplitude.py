"""The Amplitude sandbox's contract: Basic auth, the release body's rules, the answer's shape."""

from __future__ import annotations

import pytest
import requests

from airflow_provider_releases_sandbox import Sandbox
from airflow_provider_releases_sandbox.amplitude import API_KEY, SECRET_KEY

RELEASE = {"version": "3.5", "release_start": "2022-01-01 00:00:00", "title": "Big new feature"}


def post(sb: Sandbox, body=None, *, auth=(API_KEY, SECRET_KEY), params=None, headers=None):
    return requests.post(
        f"{sb.url('amplitude')}/api/2/release",
        json=body,
        params=params,
        auth=auth,
        headers=headers,
        timeout=5,
    )


def test_create_release_answers_like_the_docs_example(release_sandbox: Sandbox) -> None:
    body = {
        **RELEASE,
        "release_end": "2022-01-02 00:00:00",
        "description": "Releasing the new paid feature. ",
        "platforms": "iOS",
        "created_by": "A User",
        "chart_visibility": "true",
    }
    response = post(release_sandbox, body)
    assert response.status_code == 200
    answer = response.json()
    assert answer["success"] is True
    release = answer["release"]
    assert isinstance(release["id"], str) and release["id"]
    expected = {key: value for key, value in body.items() if key != "created_by"}
    assert {key: release[key] for key in expected} == {
        **expected,
        "platforms": ["iOS"],
        "chart_visibility": True,
    }
    assert (release["type"], release["app_id"], release["org_id"]) == ("integration", 50000, 10001)
    assert release["params"]["created_by"] == "A User"
    assert isinstance(release["params"]["created"], int)
    assert release_sandbox.control("state", service="amplitude")["releases"] == [release]


def test_parameters_may_come_as_a_query_string(release_sandbox: Sandbox) -> None:
    response = post(release_sandbox, None, params={**RELEASE, "chart_visibility": "false"})
    assert response.status_code == 200
    assert response.json()["release"]["chart_visibility"] is False


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"version": None}, "Missing required parameter: version"),
        ({"title": ""}, "Missing required parameter: title"),
        ({"release_start": "2022-01-01T00:00:00Z"}, "Invalid release_start '2022-01-01T00:00:00Z'"),
        ({"release_end": "2021-12-31 00:00:00"}, "release_end is before release_start"),
        ({"chart_visibility": "yes"}, "Invalid chart_visibility 'yes'"),
        ({"platforms": [1]}, "Invalid platforms [1]"),
        ({"colour": "red"}, "Unknown parameters: colour"),
    ],
)
def test_bad_release_answers_400_with_the_reason(
    release_sandbox: Sandbox, change: dict, message: str
) -> None:
    body = {key: value for key, value in {**RELEASE, **change}.items() if value is not None}
    response = post(release_sandbox, body)
    assert response.status_code == 400
    assert response.json()["success"] is False
    assert message in response.json()["error"]


def test_body_that_is_not_json_answers_400(release_sandbox: Sandbox) -> None:
    response = requests.post(
        f"{release_sandbox.url('amplitude')}/api/2/release",
        data="version=1",
        headers={"Content-Type": "application/json"},
        auth=(API_KEY, SECRET_KEY),
        timeout=5,
    )
    assert response.status_code == 400
    assert "not valid JSON" in response.json()["error"]


@pytest.mark.parametrize(
    ("auth", "headers", "message"),
    [
        (None, None, "Missing Basic authorization: send the API key and secret key"),
        ((API_KEY, "wrong"), None, "Invalid API key or secret key"),
        (
            None,
            {"Authorization": f"Bearer {API_KEY}"},
            "Missing Basic authorization: send the API key and secret key",
        ),
        (None, {"Authorization": "Basic !!!"}, "Malformed Basic authorization header"),
    ],
)
def test_auth_failures_answer_401(release_sandbox: Sandbox, auth, headers, message: str) -> None:
    response = post(release_sandbox, RELEASE, auth=auth, headers=headers)
    assert response.status_code == 401
    assert response.json() == {"success": False, "error": message}
    assert release_sandbox.control("state", service="amplitude") == {"releases": []}


def test_unknown_path_and_wrong_method(release_sandbox: Sandbox) -> None:
    url = release_sandbox.url("amplitude")
    assert requests.get(f"{url}/api/2/releases", auth=(API_KEY, SECRET_KEY), timeout=5).status_code == 404
    assert requests.get(f"{url}/api/2/release", auth=(API_KEY, SECRET_KEY), timeout=5).status_code == 405
