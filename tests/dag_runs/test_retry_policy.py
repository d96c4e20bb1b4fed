"""A TaskFlow task calling a hook with ReleasesRetryPolicy, run by dag.test() against the sandbox: a
401 ends the task at its first try, a 429 retries when the vendor's limit resets (Airflow 3.3); on
Airflow 3.2 the DAG file is refused with the reason."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from airflow_provider_releases.retries import RETRY_POLICIES_AVAILABLE
from airflow_provider_releases_sandbox import Sandbox
from airflow_provider_releases_sandbox.dag_runs import run_dag

DAG_FILE = Path(__file__).parents[1] / "dags" / "release_notes.py"
PRJ1_RELEASES, PRJ2_RELEASES = "/api/v1/products/PRJ1/releases", "/api/v1/products/PRJ2/releases"
RESET_SECONDS = 600  # beyond the hook's own retry budget (120 s): the task's try ends with a 429


class _RunStopped(Exception):
    """dag.test() began to wait for a retry; the test reads the run as it is then."""


@pytest.fixture
def stop_at_first_wait(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """End dag.test() when its loop waits for a task not yet due (a retry), instead of sleeping; then
    end the run left running (failed), so that no later test meets it."""
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session
    from airflow.utils.state import DagRunState

    real_sleep = time.sleep

    def sleep(seconds: float) -> None:
        caller = sys._getframe(1).f_code
        if caller.co_name == "test" and caller.co_filename.endswith("definitions/dag.py"):
            raise _RunStopped
        real_sleep(seconds)

    monkeypatch.setattr(time, "sleep", sleep)
    yield
    with create_session() as session:
        for run in DagRun.find(dag_id="release_notes", state=DagRunState.RUNNING, session=session):
            run.set_state(DagRunState.FAILED)


def task_instances(dag_id: str) -> dict[str, object]:
    """The task instances of ``dag_id``'s latest run, by task id, as the metadata database holds them."""
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session

    with create_session() as session:
        [run] = DagRun.find(dag_id=dag_id, session=session)[-1:]
        return {
            ti.task_id: SimpleNamespace(
                state=ti.state,
                try_number=ti.try_number,
                end_date=ti.end_date,
                retry_reason=ti.retry_reason,
                retry_delay_override=ti.retry_delay_override,
                next_retry=ti.next_retry_datetime() if ti.retry_delay_override is not None else None,
            )
            for ti in run.get_task_instances(session=session)
        }


@pytest.mark.skipif(not RETRY_POLICIES_AVAILABLE, reason="retry policies came with Airflow 3.3")
def test_a_401_fails_at_once_and_a_429_retries_when_the_limit_resets(
    release_sandbox: Sandbox, stop_at_first_wait: None, task_logs
) -> None:
    release_sandbox.inject_fault("aha", "reject", status=401, path="/api/v1/products/PRJ1/releases")
    release_sandbox.inject_fault(
        "aha",
        "rate_limit",
        retry_after=RESET_SECONDS,
        limit_headers="reset",
        path="/api/v1/products/PRJ2/releases",
    )

    with pytest.raises(_RunStopped):
        run_dag(DAG_FILE, "release_notes")

    tis = task_instances("release_notes")
    refused, limited = tis["release_names"], tis["mobile_release_names"]
    # The 401: failed at its first try though retries=3, the reason in the task's log
    assert (refused.state, refused.try_number) == ("failed", 1)
    assert [r.status for r in release_sandbox.requests_to("aha", path=PRJ1_RELEASES)] == [401]
    decisions = [
        (entry["action"], entry["reason"])
        for entry in task_logs.entries
        if entry["event"] == "Retry policy decision"
    ]
    assert (
        "fail",
        "Permanent failure (credentials refused), not retried: ReleasesApiAuthError. To fix: check the"
        " Airflow connection's credentials and rights; then clear the task.",
    ) in decisions, decisions
    # The 429: up for retry when Aha! said its limit resets, not after the task's retry_delay (1 min)
    assert (limited.state, limited.try_number) == ("up_for_retry", 1)
    assert RESET_SECONDS - 5 <= limited.retry_delay_override <= RESET_SECONDS + 1  # a reset in whole seconds
    assert limited.next_retry - limited.end_date == timedelta(seconds=limited.retry_delay_override)
    assert limited.retry_reason == (
        f"Aha! rate limit: retrying in {timedelta(seconds=limited.retry_delay_override)}, when Aha! said it"
        " resets."
    )


@pytest.mark.skipif(RETRY_POLICIES_AVAILABLE, reason="Airflow 3.3 has retry policies")
def test_on_airflow_3_2_a_dag_using_the_policy_is_refused_with_the_reason() -> None:
    with pytest.raises(ValueError, match=r"ReleasesRetryPolicy needs Airflow 3\.3 or later") as raised:
        run_dag(DAG_FILE, "release_notes")
    assert "On Airflow 3.2 leave retry_policy out" in str(raised.value)
