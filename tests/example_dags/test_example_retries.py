"""What the example DAGs do with failures, run by dag.test() against the sandbox: every task is
retried after a transient failure (an outage outlasting the hook's own retries), and a permanent
failure ends the task at its first try, naming the connection."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from airflow_provider_releases.workflows import DEFAULT_RETRIES, DEFAULT_RETRY_DELAY, RETRY_DELAY_ENV
from airflow_provider_releases_sandbox import Sandbox
from airflow_provider_releases_sandbox.dag_runs import run_dag
from tests.helpers.connections import set_connection

EXAMPLE_DAGS = Path(__file__).resolve().parents[2] / "example_dags"
EXAMPLE_AHA = EXAMPLE_DAGS / "example_aha.py"
LIST_RELEASES = "/api/v1/products/PRJ1/releases"
LOGICAL_DATE = datetime(2026, 11, 16, 9, tzinfo=timezone.utc)
PERMANENT = "airflow_provider_releases.operators.failures.ReleasePermanentError"


@pytest.fixture
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retry after 0.1 s instead of 30 (read when the DAG file is parsed)."""
    monkeypatch.setenv(RETRY_DELAY_ENV, "0.1")


def tries(run) -> dict[str, tuple[str, int]]:
    """Each task's final state and the number of its last try."""
    return {ti.task_id: (ti.state, ti.try_number) for ti in run.get_task_instances()}


def test_every_task_of_every_example_dag_is_retried_twice_30_seconds_apart(monkeypatch) -> None:
    from airflow.dag_processing.dagbag import DagBag

    monkeypatch.delenv(RETRY_DELAY_ENV, raising=False)
    bag = DagBag(dag_folder=str(EXAMPLE_DAGS))

    assert bag.import_errors == {}
    settings = {
        (dag_id, task.task_id): (task.retries, task.retry_delay)
        for dag_id, dag in bag.dags.items()
        for task in dag.tasks
    }
    assert {dag_id for dag_id, _ in settings} == {path.stem for path in EXAMPLE_DAGS.glob("*.py")}
    assert set(settings.values()) == {(2, timedelta(seconds=30))} == {(DEFAULT_RETRIES, DEFAULT_RETRY_DELAY)}


@pytest.mark.usefixtures("sleeps")  # the hook's own retries within each try
def test_an_example_task_meeting_an_outage_recovers_on_its_second_try(
    release_sandbox: Sandbox, quick_retries: None, task_logs
) -> None:
    # Aha! answers 503 to all 6 attempts of the first try (1 + the hook's 5 retries), then recovers
    release_sandbox.inject_fault("aha", "error", status=503, count=6, method="GET", path=LIST_RELEASES)

    run = run_dag(EXAMPLE_AHA, "example_aha", logical_date=LOGICAL_DATE)

    assert run.state == "success", tries(run)
    assert tries(run) == {
        "create_release": ("success", 2),
        "ship_release": ("success", 1),
        "wait_until_shipped": ("success", 1),
        "duplicate_release": ("success", 1),
        "delete_copy": ("success", 1),
    }
    lists = release_sandbox.requests_to("aha", "GET", LIST_RELEASES)
    assert [r.status for r in lists] == [503] * 6 + [200]
    assert [r["name"] for r in release_sandbox.state("aha")["releases"]].count("Release 1.4.0") == 1
    assert any("failed with HTTP 503" in (entry.get("exception") or "") for entry in task_logs.entries)


def test_a_permanent_failure_of_an_example_task_ends_at_its_first_try_naming_the_connection(
    release_sandbox: Sandbox, quick_retries: None, task_logs, monkeypatch: pytest.MonkeyPatch
) -> None:
    wrong_key = "wrong-aha-key-SECRET-2d9f4b"  # the secret-leak audit fails the test if it shows
    set_connection(
        monkeypatch, "aha_default", conn_type="aha", host=release_sandbox.url("aha"), password=wrong_key
    )

    run = run_dag(EXAMPLE_AHA, "example_aha", logical_date=LOGICAL_DATE)

    assert run.state == "failed"
    assert tries(run)["create_release"] == ("failed", 1)  # retries=2 notwithstanding
    assert {state for task, (state, _) in tries(run).items() if task != "create_release"} == {
        "upstream_failed"
    }
    assert [r.status for r in release_sandbox.requests_to("aha")] == [401]
    [raised] = [
        entry["exception"].strip().splitlines()[-1]
        for entry in task_logs.entries
        if entry["log_level"] == "error" and (entry.get("exception") or "").strip()
    ]
    assert raised.startswith(
        f"{PERMANENT}: Permanent failure (credentials refused; connection 'aha_default'), not retried: Aha!"
        f" list_releases (GET {LIST_RELEASES}) failed with HTTP 401"
    ), raised
