"""What the release chain does about failures: the retries its steps get, and the progress a failed
step logs (which objects exist, which steps did not run)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from airflow_provider_releases.exceptions import InvalidParameterError
from airflow_provider_releases.workflows import (
    APPROVAL_STEP,
    RELEASE_STEPS,
    RETRY_DELAY_ENV,
    log_release_progress,
    release_chain,
)
from tests.test_workflows import PLAN


def build_dag(default_args: dict[str, Any] | None = None, **options: Any):
    """A DAG with ``default_args`` holding a plan task and the release chain built with ``options``."""
    import pendulum
    from airflow.sdk import DAG, task

    start = pendulum.datetime(2026, 1, 1, tz="UTC")
    with DAG("chain", schedule=None, start_date=start, default_args=default_args or {}) as dag:

        @task(multiple_outputs=True)
        def plan_release() -> dict:
            return dict(PLAN)

        release_chain(plan_release(), **options)
    return dag


def retry_settings(dag) -> dict[str, tuple[int, timedelta]]:
    return {task.task_id: (task.retries, task.retry_delay) for task in dag.tasks}


def test_each_step_is_retried_twice_30_seconds_apart_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(RETRY_DELAY_ENV, raising=False)

    settings = retry_settings(build_dag())

    assert {step: settings[step] for step in RELEASE_STEPS} == dict.fromkeys(
        RELEASE_STEPS, (2, timedelta(seconds=30))
    )
    assert settings["plan_release"] == (0, timedelta(seconds=300))  # not the chain's: Airflow's default


def test_the_dags_default_args_win_over_the_chains_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(RETRY_DELAY_ENV, raising=False)

    no_retries = retry_settings(build_dag({"retries": 0}))
    slower = retry_settings(build_dag({"retry_delay": timedelta(minutes=5)}))
    both = retry_settings(build_dag({"retries": 4, "retry_delay": 10}, require_approval=True))

    assert {no_retries[step] for step in RELEASE_STEPS} == {(0, timedelta(seconds=30))}
    assert {slower[step] for step in RELEASE_STEPS} == {(2, timedelta(minutes=5))}
    assert set(both.values()) == {(4, timedelta(seconds=10))}  # the approval gate too


def test_the_approval_gate_is_left_as_the_dag_says(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(RETRY_DELAY_ENV, raising=False)

    settings = retry_settings(build_dag(require_approval=True))

    assert settings[APPROVAL_STEP] == (0, timedelta(seconds=300))  # a person answers it: no retry asks twice
    assert settings["annotate_amplitude"] == (2, timedelta(seconds=30))


def test_the_retry_delay_can_be_shortened_by_an_environment_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(RETRY_DELAY_ENV, "0.5")

    assert set(retry_settings(build_dag()).values()) >= {(2, timedelta(seconds=0.5))}

    monkeypatch.setenv(RETRY_DELAY_ENV, "soon")
    with pytest.raises(InvalidParameterError) as raised:
        build_dag()
    assert (raised.value.param, raised.value.value) == (RETRY_DELAY_ENV, "soon")
    assert "a number of seconds from 0 to 86400" in str(raised.value)


class FakeTaskInstance:
    """The part of a task instance the progress log reads: its id and the steps' XComs."""

    def __init__(self, task_id: str, xcoms: dict[tuple[str, str], Any]) -> None:
        self.task_id = task_id
        self.xcoms = xcoms

    def xcom_pull(self, task_ids: str, key: str = "return_value") -> Any:
        return self.xcoms.get((task_ids, key))


AHA_URL = "https://company.aha.io/releases/PRJ1-R-5"
CRYPTLEX_URL = "https://app.cryptlex.com/releases/cx-1"
DONE = {
    ("create_aha_release", "return_value"): {
        "id": "677",
        "reference_num": "PRJ1-R-5",
        "name": "Release 2.0.0",
        "url": AHA_URL,
    },
    ("create_aha_release", "release_url"): AHA_URL,
    ("create_cryptlex_release", "return_value"): {"id": "cx-1", "version": "2.0.0"},
    ("create_cryptlex_release", "release_url"): CRYPTLEX_URL,
}


def progress_logged(task_logs, *, require_approval: bool, failed: str = "attach_flag_to_pipeline") -> str:
    """Run the failure callback of step ``failed`` in a run with ``require_approval``; return its log."""
    dag = build_dag(require_approval="{{ params.require_approval }}")
    context = {
        "ti": FakeTaskInstance(failed, DONE),
        "task": dag.get_task(failed),
        "params": {"require_approval": require_approval},
        "exception": RuntimeError("LaunchDarkly said no."),
    }
    log_release_progress(context)
    [logged] = task_logs.at("error")
    return logged


def test_a_failed_step_in_a_run_without_approval_lists_no_approval_step(task_logs) -> None:
    logged = progress_logged(task_logs, require_approval=False)

    assert logged == (
        "Release step attach_flag_to_pipeline failed: LaunchDarkly said no.\n"
        "Already done:\n"
        f"- create_aha_release: Aha! release PRJ1-R-5 'Release 2.0.0' (id 677, not shipped) {AHA_URL}\n"
        f"- create_cryptlex_release: Cryptlex release cx-1 version 2.0.0 (draft) {CRYPTLEX_URL}\n"
        "Not done: start_first_phase, wait_for_phase, annotate_amplitude, ship_aha_release,"
        " publish_cryptlex_release"
    )


def test_a_failed_step_in_a_run_that_asks_for_approval_lists_the_approval_step(task_logs) -> None:
    logged = progress_logged(task_logs, require_approval=True)

    assert logged.endswith(
        "\nNot done: start_first_phase, wait_for_phase, approve_release, annotate_amplitude,"
        " ship_aha_release, publish_cryptlex_release"
    )


def test_the_progress_log_is_plain_text_with_each_link_ending_its_line(task_logs) -> None:
    logged = progress_logged(task_logs, require_approval=False)

    assert "`" not in logged and "](" not in logged and "**" not in logged
    for url in (AHA_URL, CRYPTLEX_URL):
        assert f"{url}\n" in logged  # nothing after a link that a log view's auto-linking could take
