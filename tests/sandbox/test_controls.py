"""The control API: one name per action in Python and over HTTP, its arguments checked and documented."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest
import requests

from airflow_provider_releases_sandbox import RemoteSandbox, Sandbox
from airflow_provider_releases_sandbox.controls import ControlArgumentError
from airflow_provider_releases_sandbox.cryptlex import DRAFT_RELEASE_ID
from airflow_provider_releases_sandbox.server import SandboxControls

TESTING_PAGE = Path(__file__).resolve().parents[2] / "docs" / "testing.md"


def described(sb: Sandbox) -> dict[str, dict]:
    answer = requests.get(f"{sb.base_url}/_sandbox/", timeout=5)
    assert answer.status_code == 200
    return {entry["action"]: entry for entry in answer.json()["actions"]}


def test_each_http_action_is_a_python_method_of_the_same_name_and_arguments(release_sandbox: Sandbox) -> None:
    actions = described(release_sandbox)

    assert set(actions) == {
        "reset",
        "inject_fault",
        "clear_faults",
        "requests",
        "clear_requests",
        "wait_idle",
        "state",
        "complete_phase",
        "cancel_release",
        "auto_advance",
        "ship_release",
        "publish_cryptlex_release",
        "set_time_scale",
        "advance_time",
        "advance_environment_release",
        "inject_regression",
        "dismiss_regression",
        "add_release_plan",
        "set_release_plans_available",
        "set_flag_on",
        "fail_health_checks",
        "require_approvals",
        "add_release_policy",
    }
    for name, entry in actions.items():
        # the requests property takes no arguments: requests_to is the same action with filters
        method = getattr(SandboxControls, "requests_to" if name == "requests" else name)
        parameters = list(inspect.signature(method).parameters)[1:]
        assert parameters == entry["required"] + entry["optional"], name
        assert entry["does"], name


def test_the_python_and_http_forms_do_the_same(release_sandbox: Sandbox) -> None:
    remote = RemoteSandbox(release_sandbox.base_url)
    answer = requests.post(
        f"{release_sandbox.base_url}/_sandbox/publish_cryptlex_release",
        json={"release_id": DRAFT_RELEASE_ID},
        timeout=5,
    )
    assert answer.status_code == 200 and answer.json()["result"]["published"] is True
    assert remote.publish_cryptlex_release(DRAFT_RELEASE_ID) == answer.json()["result"]
    assert remote.state("aha") == release_sandbox.state("aha")
    assert remote.complete_phase("default", "beta-banner")["phases"][1]["complete"] is True


@pytest.mark.parametrize(
    "old", ["cryptlex.publish", "aha.state", "launchdarkly.complete_phase", "aha.ship_release", "requests_to"]
)
def test_each_action_has_one_name(release_sandbox: Sandbox, old: str) -> None:
    answer = requests.post(f"{release_sandbox.base_url}/_sandbox/{old}", json={}, timeout=5)
    assert answer.status_code == 400 and f"control action {old!r} is unknown" in answer.text
    with pytest.raises(ValueError, match=re.escape(f"control action {old!r} is unknown")):
        release_sandbox.control(old)
    assert all("aliases" not in entry for entry in described(release_sandbox).values())


def test_an_unknown_argument_is_answered_with_the_accepted_ones(release_sandbox: Sandbox) -> None:
    answer = requests.post(
        f"{release_sandbox.base_url}/_sandbox/complete_phase",
        json={"project": "default", "flag_key": "beta-banner"},
        timeout=5,
    )

    assert answer.status_code == 400
    assert answer.json() == {
        "error": "control action 'complete_phase' takes no argument 'project': "
        "its arguments are project_key (required), flag_key (required)",
        "required": ["project_key", "flag_key"],
        "optional": [],
    }
    assert (
        release_sandbox.state("launchdarkly")["projects"]["default"]["releases"]["beta-banner"]["phases"][1][
            "complete"
        ]
        is False
    )  # nothing ran


def test_a_missing_argument_names_what_is_needed(release_sandbox: Sandbox) -> None:
    answer = requests.post(f"{release_sandbox.base_url}/_sandbox/state", json={}, timeout=5)
    assert answer.status_code == 400
    assert (
        answer.json()["error"]
        == "control action 'state' needs 'service': its arguments are service (required)"
    )


def test_argument_errors_are_type_errors_and_value_errors_in_python(release_sandbox: Sandbox) -> None:
    for sb in (release_sandbox, RemoteSandbox(release_sandbox.base_url)):
        with pytest.raises(
            TypeError, match=r"takes no argument 'id': its arguments are release_id \(required\)"
        ):
            sb.control("ship_release", id="PRJ1-R-2")
        with pytest.raises(ValueError, match=r"takes no argument 'id'"):
            sb.control("ship_release", id="PRJ1-R-2")
        colour = r"'inject_fault' takes no argument 'colour': its arguments are service \(required\), kind"
        with pytest.raises(ControlArgumentError, match=colour):
            sb.control("inject_fault", service="aha", kind="error", colour="red")
        with pytest.raises(
            ValueError, match=r"control action 'ship' is unknown: expected one of \[.*'ship_release'"
        ):
            sb.control("ship", release_id="PRJ1-R-2")


def test_requests_filters_by_service_method_and_path(release_sandbox: Sandbox) -> None:
    release_sandbox.state("aha")  # a control call is not a request
    requests.get(f"{release_sandbox.url('aha')}/api/v1/me", timeout=5)
    requests.post(f"{release_sandbox.url('cryptlex')}/v3/releases", json={}, timeout=5)
    requests.get(f"{release_sandbox.url('cryptlex')}/v3/products", timeout=5)
    control = f"{release_sandbox.base_url}/_sandbox/requests"

    def paths(**filters: str) -> list[str]:
        return [entry["path"] for entry in requests.post(control, json=filters, timeout=5).json()["result"]]

    assert paths() == ["/api/v1/me", "/v3/releases", "/v3/products"]
    assert paths(service="cryptlex") == ["/v3/releases", "/v3/products"]
    assert paths(service="cryptlex", method="post") == ["/v3/releases"]
    assert paths(service="cryptlex", path="/v3/products") == ["/v3/products"]
    assert [r.path for r in release_sandbox.requests_to("cryptlex", "GET")] == ["/v3/products"]
    wrong = requests.post(control, json={"service": "jira"}, timeout=5)
    assert wrong.status_code == 400 and "service='jira' is unknown" in wrong.json()["error"]


def test_the_testing_page_lists_each_action_with_its_arguments(release_sandbox: Sandbox) -> None:
    text = TESTING_PAGE.read_text(encoding="utf-8")
    table = text.split("<!-- control-actions:start -->")[1].split("<!-- control-actions:end -->")[0]
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    documented = {}
    for row in rows:
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        name = cells[0].strip("`")
        required = re.findall(r"\*\*`(\w+)`\*\*", cells[1])
        every = re.findall(r"`(\w+)`", cells[1])
        documented[name] = (required, [arg for arg in every if arg not in required])
    assert documented == {
        name: (entry["required"], entry["optional"]) for name, entry in described(release_sandbox).items()
    }
