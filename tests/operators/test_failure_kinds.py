"""
Each kind of failure an operator meets, in a real DAG run (``dag.test()``) with ``retries=2``:
a failure trying again cannot mend ends the task at its first try, as ``ReleasePermanentError``
saying which kind it is and what to fix; a transient one is retried by Airflow.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from airflow_provider_releases_sandbox import Sandbox
from airflow_provider_releases_sandbox.dag_runs import run_dag
from tests.helpers.connections import set_connection

DAG_FILE = Path(__file__).parent / "dags" / "failure_kinds.py"
PERMANENT = "airflow_provider_releases.operators.failures.ReleasePermanentError"
SERVER_ERROR = "airflow_provider_releases.exceptions.ReleasesApiServerError"
LIST_RELEASES = "/api/v1/products/PRJ1/releases"


def run(kind: str):
    """Run the DAG ``meets_<kind>``; return its one task instance."""
    dag_run = run_dag(DAG_FILE, f"meets_{kind}")
    return dag_run.get_task_instance("act")


def raised(task_logs) -> list[str]:
    """The last line of each traceback the task logged: ``<exception class>: <message>``, per try."""
    lines = []
    for entry in task_logs.entries:
        trace = entry.get("exception")
        if entry["log_level"] == "error" and isinstance(trace, str) and trace.strip():
            lines.append(trace.strip().splitlines()[-1])
    return lines


def assert_failed_once(ti, task_logs, message: str) -> None:
    """The task failed at its first try, without retries, raising ReleasePermanentError(message)."""
    assert (ti.state, ti.try_number) == ("failed", 1)
    assert raised(task_logs) == [f"{PERMANENT}: {message}"]


@pytest.fixture
def sb(release_sandbox: Sandbox) -> Sandbox:
    return release_sandbox


def test_invalid_parameter_fails_at_once_without_a_request(sb: Sandbox, task_logs) -> None:
    ti = run("invalid_parameter")

    assert_failed_once(
        ti,
        task_logs,
        "Permanent failure (invalid parameter), not retried: Invalid version='2.0.0.0.0': expected a version"
        " 'x.x', 'x.x.x' or 'x.x.x.x' of digits, such as '1.4.2'. To fix: fix version in the task's"
        " arguments (or what renders it); then clear the task.",
    )
    assert sb.requests_to("cryptlex") == []


def test_refused_credentials_fail_at_once(sb: Sandbox, task_logs, monkeypatch: pytest.MonkeyPatch) -> None:
    wrong_key = "wrong-aha-key-SECRET-5e0c11"
    set_connection(monkeypatch, "aha_wrong_key", conn_type="aha", host=sb.url("aha"), password=wrong_key)

    ti = run("refused_credentials")

    assert (ti.state, ti.try_number) == ("failed", 1)
    [line] = raised(task_logs)
    assert line.startswith(
        f"{PERMANENT}: Permanent failure (credentials refused; connection 'aha_wrong_key'), not retried:"
        " Aha! list_releases"
        " (GET /api/v1/products/PRJ1/releases) failed with HTTP 401"
    ), line
    assert line.endswith(
        "To fix: check the Airflow connection's credentials and rights; then clear the task."
    )
    assert [r.status for r in sb.requests_to("aha")] == [401]


def test_unknown_aha_product_fails_at_once(sb: Sandbox, task_logs) -> None:
    ti = run("unknown_product")

    assert_failed_once(
        ti,
        task_logs,
        "Permanent failure (not found; connection 'aha_default'), not retried: Aha! list_releases"
        " (GET /api/v1/products/NOPE/releases)"
        " failed with HTTP 404: Aha! said \"Product 'NOPE' not found\". To fix: check the ids and keys"
        " given: Aha! has no such object; then clear the task.",
    )
    assert [(r.method, r.status) for r in sb.requests_to("aha")] == [("GET", 404)]


def test_unknown_launchdarkly_pipeline_fails_at_once(sb: Sandbox, task_logs) -> None:
    ti = run("unknown_pipeline")

    assert_failed_once(
        ti,
        task_logs,
        "Permanent failure (not found; connection 'launchdarkly_default'), not retried: LaunchDarkly"
        " create_flag_release"
        " (PUT /api/v2/projects/default/flags/new-checkout/release) failed with HTTP 404 [not_found]:"
        " LaunchDarkly said \"Unknown release pipeline 'no-such-pipeline' in project 'default'\". To fix:"
        " check the ids and keys given: LaunchDarkly has no such object; then clear the task.",
    )
    assert [r.status for r in sb.requests_to("launchdarkly", "PUT")] == [404]


def test_a_request_the_vendor_refuses_fails_at_once(sb: Sandbox, task_logs) -> None:
    ti = run("refused_request")

    assert (ti.state, ti.try_number) == ("failed", 1)
    [line] = raised(task_logs)
    assert line.startswith(
        f"{PERMANENT}: Permanent failure (request refused; connection 'aha_default'), not retried: Aha!"
        " update_release"
        ' (PUT /api/v1/products/PRJ1/releases/PRJ1-R-2) failed with HTTP 400: Aha! said "Workflow status'
        " 'Done' is not valid for product PRJ1"
    ), line
    assert line.endswith("To fix: correct the parameters Aha! names; then clear the task.")
    assert [r.status for r in sb.requests_to("aha", "PUT")] == [400]


def test_a_missing_connection_fails_at_once(sb: Sandbox, task_logs) -> None:
    ti = run("missing_connection")

    assert_failed_once(
        ti,
        task_logs,
        "Permanent failure (missing connection; connection 'no_such_connection'), not retried: The conn_id"
        " `no_such_connection` isn't"
        " defined. To fix: define that connection (Admin > Connections, or an AIRFLOW_CONN_<ID> variable)"
        " or name an existing one; then clear the task.",
    )
    assert sb.requests_to("aha") == []


def test_a_misconfigured_connection_fails_at_once(
    sb: Sandbox, task_logs, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_connection(monkeypatch, "aha_without_host", conn_type="aha", password="aha-key-SECRET-nohost1")

    ti = run("misconfigured_connection")

    assert_failed_once(
        ti,
        task_logs,
        "Permanent failure (connection misconfigured; connection 'aha_without_host'), not retried:"
        " Connection 'aha_without_host'"
        " (Aha!) has no host: set it to https://<subdomain>.aha.io or set the extra 'subdomain'. To fix:"
        " fix the Airflow connection as the message says; then clear the task.",
    )
    assert sb.requests_to("aha") == []


def test_an_id_rendered_to_nothing_fails_at_once_without_a_request(sb: Sandbox, task_logs) -> None:
    ti = run("empty_render")

    [line] = raised(task_logs)
    assert_failed_once(ti, task_logs, line.removeprefix(f"{PERMANENT}: "))
    assert line == (
        f"{PERMANENT}: Permanent failure (invalid parameter), not retried: release_id rendered to 'None': the"
        " template rendered to nothing; an upstream task's XCom may be missing (check that the task it pulls"
        " from ran and pushed that value, and the task id and key in the template). To fix: fix release_id"
        " in the task's arguments (or what renders it); then clear the task."
    )
    assert sb.requests_to("cryptlex") == []


@pytest.mark.usefixtures("sleeps")
def test_a_transient_failure_is_retried_and_the_retry_succeeds(sb: Sandbox, task_logs) -> None:
    # the first try meets 503 at each of its 6 attempts (1 + max_retries 5); the second try succeeds
    sb.inject_fault("aha", "error", status=503, count=6, method="GET", path=LIST_RELEASES)

    ti = run("transient")

    assert (ti.state, ti.try_number) == ("success", 2)
    [line] = raised(task_logs)
    assert line.startswith(
        f"{SERVER_ERROR}: Aha! list_releases (GET /api/v1/products/PRJ1/releases) failed with HTTP 503"
    ), line
    assert line.endswith("after 6 attempts.")
    assert ti.xcom_pull(task_ids="act")["name"] == "Release 3.0"
    assert [release["name"] for release in sb.state("aha")["releases"]].count("Release 3.0") == 1


@pytest.mark.usefixtures("sleeps")
def test_a_transient_failure_that_persists_uses_every_try(sb: Sandbox, task_logs) -> None:
    sb.inject_fault("aha", "error", status=503, count=99, method="GET", path=LIST_RELEASES)

    ti = run("transient")

    assert (ti.state, ti.try_number) == ("failed", 3)
    lines = raised(task_logs)
    assert len(lines) == 3
    assert all(
        line.startswith(
            f"{SERVER_ERROR}: Aha! list_releases (GET /api/v1/products/PRJ1/releases) failed with HTTP 503"
        )
        and line.endswith("after 6 attempts.")
        for line in lines
    ), lines
    assert len(sb.requests_to("aha", "GET")) == 18


@pytest.mark.usefixtures("sleeps")
def test_a_copy_whose_read_back_fails_is_not_copied_again(sb: Sandbox, task_logs) -> None:
    # Aha! made the copy; reading it back for its page meets 503 at every attempt. A retry would
    # make a second copy, so the task fails at its first try naming the copy.
    sb.inject_fault("aha", "error", status=503, count=99, method="GET", path=r"^/api/v1/releases/[^/]+$")

    ti = run("read_after_copy")

    assert (ti.state, ti.try_number) == ("failed", 1)
    [line] = raised(task_logs)
    assert line.startswith(
        "airflow_provider_releases.operators.failures.ReleaseNotRetried:"
        " Copied Aha! release PRJ1-R-2 to release "
    ), line
    assert "Not retried automatically: a retry would do again what is already done (created release " in line
    copies = [release for release in sb.state("aha")["releases"] if release["name"] == "[Copy] Release 1.1"]
    assert len(copies) == 1
    assert len(sb.requests_to("aha", "POST")) == 1
