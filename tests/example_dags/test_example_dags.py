"""Every example DAG parses with no import errors, no warnings from this package and no I/O, and
runs green against the sandbox."""

from __future__ import annotations

import socket
import warnings
from datetime import datetime, timezone
from pathlib import Path

import pytest

from airflow_provider_releases.workflows import (
    APPROVAL_STEP,
    ENVIRONMENT_RELEASE_STEPS,
    POLL_SECONDS_ENV,
    RELEASE_STEPS,
    SANDBOX_ENVIRONMENT_TARGETS,
    SANDBOX_TARGETS,
)
from airflow_provider_releases_sandbox import Sandbox
from airflow_provider_releases_sandbox.dag_runs import run_dag

EXAMPLE_DAGS = Path(__file__).resolve().parents[2] / "example_dags"
DAG_FILES = sorted(EXAMPLE_DAGS.glob("*.py"))
#: The examples that react to a release (scheduled on its assets): they call no vendor.
REACTING = {"release_announcement", "shipped_anywhere"}
#: The examples of the how-to pages, and the services each one writes to (the examples that
#: write a release write to all four).
WRITES_TO = {
    "example_aha": {"aha"},
    "example_amplitude": {"amplitude"},
    "example_cryptlex": {"cryptlex", "cryptlex-releases"},  # the API and the file host
    "example_launchdarkly": {"launchdarkly"},
    "example_launchdarkly_environment_release": {"launchdarkly"},
    "example_release_approval": {"launchdarkly", "amplitude"},
}
ALL_SERVICES = {"aha", "cryptlex", "launchdarkly", "amplitude"}
#: The dry-run task of a how-to example: (task id, the request it shows, its path).
DRY_RUNS = {
    "example_amplitude": ("preview_annotation", "POST", "/api/2/release"),
    "example_launchdarkly": ("preview_attach", "PUT", "/api/v2/projects/default/flags/new-checkout/release"),
    "example_launchdarkly_environment_release": (
        "preview_start",
        "POST",
        "/api/v2/projects/default/flags/new-checkout/environments/production/releases",
    ),
}


@pytest.fixture(scope="module")
def dagbag():
    """Parse the example DAGs with the network and the connections out of reach."""
    from airflow.dag_processing.dagbag import DagBag
    from airflow.sdk import BaseHook

    def refuse(*args, **kwargs):
        raise AssertionError(f"an example DAG touched the network or a connection at parse time: {args}")

    with pytest.MonkeyPatch.context() as patch, warnings.catch_warnings(record=True) as caught:
        patch.setattr(socket.socket, "connect", refuse)
        patch.setattr(socket, "create_connection", refuse)
        patch.setattr(BaseHook, "get_connection", refuse)
        warnings.simplefilter("always")
        bag = DagBag(dag_folder=str(EXAMPLE_DAGS))
    bag.caught_warnings = [w for w in caught if "airflow_provider_releases" in str(w.filename)]
    return bag


def test_example_dags_load_without_errors_or_warnings(dagbag):
    assert dagbag.import_errors == {}
    assert dagbag.caught_warnings == []
    assert set(dagbag.dag_ids) == {
        "example_release_hooks",
        "guarded_release",
        "release_workflow",
        "scheduled_release_train",
        *REACTING,
        *WRITES_TO,
    }


def test_example_release_hooks_shape(dagbag):
    dag = dagbag.dags["example_release_hooks"]
    assert dag.get_task("amplitude_annotation").upstream_task_ids == {
        "aha_release",
        "cryptlex_release",
        "flag_release",
    }


@pytest.mark.parametrize("dag_id", ["release_workflow", "scheduled_release_train"])
def test_release_dags_run_the_chain_in_order_and_wait_in_the_triggerer(dagbag, dag_id):
    dag = dagbag.dags[dag_id]
    steps = list(RELEASE_STEPS)
    if dag_id == "release_workflow":  # the approval gate, switched by the require_approval param
        steps.insert(steps.index("wait_for_phase") + 1, APPROVAL_STEP)
    order = ["plan_release", *steps]
    assert [task.task_id for task in dag.topological_sort()] == order
    for position, step in enumerate(steps):
        assert order[position] in dag.get_task(step).upstream_task_ids  # the step before it
        assert dag.get_task(step).upstream_task_ids <= {order[position], "plan_release"}
    wait = dag.get_task("wait_for_phase")
    assert (wait.deferrable, wait.start_from_trigger) == (True, False)
    assert dag.get_task("ship_aha_release").trigger_rule == "none_failed"
    assert {
        key: param.value for key, param in dag.params.items() if key in SANDBOX_TARGETS
    } == SANDBOX_TARGETS
    assert dag.doc_md


def test_guarded_release_runs_the_chain_with_an_environment_release_in_the_triggerer(dagbag):
    dag = dagbag.dags["guarded_release"]
    assert [task.task_id for task in dag.topological_sort()] == ["plan_release", *ENVIRONMENT_RELEASE_STEPS]
    wait = dag.get_task("wait_for_environment_release")
    assert (wait.deferrable, wait.fail_on_regression) == (True, True)
    assert {
        key: param.value for key, param in dag.params.items() if key in SANDBOX_ENVIRONMENT_TARGETS
    } == SANDBOX_ENVIRONMENT_TARGETS
    assert "pipeline" not in dag.params and dag.doc_md


def test_release_workflow_is_triggered_by_hand_with_a_version(dagbag):
    dag = dagbag.dags["release_workflow"]
    assert dag.schedule is None
    assert (dag.params["version"], dag.params["title"]) == ("2.0.0", None)  # no title: "Release 2.0.0"
    # Cryptlex's version rule, ASCII digits only (a \d would take any script's digits)
    assert dag.params.get_param("version").schema["pattern"] == r"^[0-9]+\.[0-9]+(?:\.[0-9]+){0,2}$"


def test_scheduled_release_train_runs_weekly_one_at_a_time(dagbag):
    from airflow.sdk import CronDataIntervalTimetable

    dag = dagbag.dags["scheduled_release_train"]
    assert isinstance(dag.timetable, CronDataIntervalTimetable)
    assert (dag.timetable.expression, str(dag.timetable.timezone)) == ("0 9 * * MON", "UTC")
    assert (dag.catchup, dag.max_active_runs) == (False, 1)
    assert "version" not in dag.params


def test_each_example_dag_file_holds_the_dag_named_after_it(dagbag):
    assert {Path(dag.fileloc).name: dag_id for dag_id, dag in dagbag.dags.items()} == {
        path.name: path.stem for path in DAG_FILES
    }


def test_example_release_hooks_defaults_are_the_sandbox_targets(dagbag):
    params = dagbag.dags["example_release_hooks"].params
    assert {
        "aha_product": params["aha_product"],
        "cryptlex_product": params["cryptlex_product"],
        "launchdarkly_project": params["ld_project"],
        "flag": params["ld_flag"],
        "pipeline": params["ld_pipeline"],
    } == {
        key: SANDBOX_TARGETS[key]
        for key in ("aha_product", "cryptlex_product", "launchdarkly_project", "flag", "pipeline")
    }


@pytest.mark.parametrize("dag_file", DAG_FILES, ids=lambda path: path.stem)
def test_every_example_dag_runs_green_against_the_sandbox_with_its_defaults(
    dag_file: Path, release_sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(POLL_SECONDS_ENV, "0.2")  # read when the DAG file is parsed
    release_sandbox.auto_advance(reads=2)  # LaunchDarkly phases complete on their own
    release_sandbox.set_time_scale(1_000_000)  # an environment release's hour-long step lasts 3.6 ms

    run = run_dag(dag_file, dag_file.stem, logical_date=datetime(2026, 11, 16, 9, tzinfo=timezone.utc))

    tasks = {ti.task_id: ti.state for ti in run.get_task_instances()}
    assert run.state == "success", tasks
    writes = [(r.service, r.method, r.path, r.status) for r in release_sandbox.requests if r.method != "GET"]
    if dag_file.stem in REACTING:  # nothing triggered it: it says so and calls no vendor
        assert set(tasks.values()) == {"success"} and writes == [], (tasks, writes)
        return
    assert (len(tasks) >= 4 or dag_file.stem in WRITES_TO) and set(tasks.values()) == {"success"}, tasks
    assert all(status is not None and status < 300 for *_, status in writes), writes
    # each service of the example got the release (created, attached or annotated), and no other
    expected = WRITES_TO.get(dag_file.stem, ALL_SERVICES)
    assert {service for service, *_ in writes} == expected, writes
    if dag_file.stem in DRY_RUNS:  # the dry run returned its request and sent nothing itself
        task_id, method, path = DRY_RUNS[dag_file.stem]
        preview = run.get_task_instance(task_id).xcom_pull(task_ids=task_id)
        assert preview["dry_run"] is True, preview
        assert (preview["request"]["method"], preview["request"]["url"].endswith(path)) == (method, True)
        assert [(verb, where) for _, verb, where, _ in writes].count((method, path)) == 1, writes
