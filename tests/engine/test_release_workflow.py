"""
``release_workflow`` run by Airflow itself: api-server, scheduler, dag-processor and triggerer
on SQLite, the four vendors played by the sandbox, everything driven through the REST API.
"""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_releases.get_provider_info import get_provider_info
from airflow_provider_releases.sandbox import Sandbox
from airflow_provider_releases.workflows import RELEASE_STEPS
from tests.engine.engine import TERMINAL_RUN_STATES, AirflowEngine

pytestmark = pytest.mark.engine

DAG_ID = "release_workflow"
RUN_ID = "engine-e2e"
SENSOR = "wait_for_phase"
TASKS = {"plan_release", *RELEASE_STEPS}
TRIGGER = "airflow_provider_releases.triggers.launchdarkly.LaunchDarklyReleasePhaseTrigger"
TIMEOUT = 180.0  # seconds for each wait on the engine: generous for a busy 2-CPU machine

# What the connection form shows for each type: hidden standard fields, relabeled ones, extras.
CONNECTION_FORMS = {
    "amplitude": (
        "Amplitude",
        {"url_schema", "port"},
        {"login": "API key", "password": "Secret key", "host": "Base URL override"},
        {"region"},
    ),
    "launchdarkly": (
        "LaunchDarkly",
        {"url_schema", "port", "login"},
        {"password": "Access token", "host": "Base URL override"},
        {"instance"},
    ),
    "aha": (
        "Aha!",
        {"url_schema", "port", "login"},
        {"password": "API key", "host": "Account URL"},
        {"subdomain"},
    ),
    "cryptlex": (
        "Cryptlex",
        {"url_schema", "port", "login"},
        {"password": "Access token", "host": "API base URL override"},
        {"region", "releases_host"},
    ),
}
TIMEOUT_FIELDS = {"connect_timeout", "read_timeout", "max_retries", "max_retry_wait"}
STANDARD_FIELDS = {"url_schema", "host", "port", "login", "password"}
# Airflow names the connection's "schema" field "url_schema" in the form metadata.
FORM_FIELD = {"schema": "url_schema"}


def test_release_workflow_runs_in_airflow(airflow_engine: AirflowEngine, release_sandbox: Sandbox) -> None:
    """
    Triggered through the REST API, the run succeeds; its phase sensor is deferred to the real
    triggerer, which fires once the phase completes; each vendor sees each step once; and the
    API server's connection form lists the four connection types.
    """
    engine, sb = airflow_engine, release_sandbox
    sb.auto_advance()  # the phase completes only when this test completes it
    before = {service: sb.state(service) for service in ("aha", "cryptlex")}

    assert_connection_forms(engine)

    wait_for_dag(engine, DAG_ID)
    engine.api("PATCH", f"/api/v2/dags/{DAG_ID}", json={"is_paused": False})
    engine.api("POST", f"/api/v2/dags/{DAG_ID}/dagRuns", json={"dag_run_id": RUN_ID, "logical_date": None})

    deferred = wait_for_deferral(engine, DAG_ID, RUN_ID, SENSOR)
    assert deferred["trigger"]["classpath"] == TRIGGER
    waited = deferred["rendered_fields"]
    [active] = [
        phase
        for phase in flag_release(sb, waited["project_key"], waited["flag_key"])["phases"]
        if phase["status"] == "active"
    ]
    assert active["name"] == waited["phase"], "the sensor should wait for the phase the DAG started"
    sb.complete_phase(waited["project_key"], waited["flag_key"])

    run = engine.wait_for(
        f"run {RUN_ID} to end",
        lambda: finished(engine.api("GET", f"/api/v2/dags/{DAG_ID}/dagRuns/{RUN_ID}")),
        TIMEOUT,
    )
    states = task_states(engine, DAG_ID, RUN_ID)
    assert run["state"] == "success" and states == dict.fromkeys(TASKS, "success"), (
        f"run {RUN_ID} ended {run['state']}; task states {states}\n\n{engine.where()}"
    )

    assert_fired_in_triggerer(engine, deferred)
    xcom = engine.api(
        "GET", f"/api/v2/dags/{DAG_ID}/dagRuns/{RUN_ID}/taskInstances/{SENSOR}/xcomEntries/return_value"
    )
    assert xcom["value"]["_name"] == waited["phase"]
    rendered = {
        step: task_instance(engine, DAG_ID, RUN_ID, step)["rendered_fields"] for step in RELEASE_STEPS
    }
    assert_vendors_saw_one_release(sb, rendered, before)


# The REST API


def wait_for_dag(engine: AirflowEngine, dag_id: str) -> dict[str, Any]:
    """Wait until the DAG processor has parsed ``dag_id``; fail at once on an import error."""

    def parsed() -> dict[str, Any] | None:
        errors = engine.api("GET", "/api/v2/importErrors")["import_errors"]
        assert not errors, f"DAG files failed to import: {errors}"
        return engine.find(f"/api/v2/dags/{dag_id}")

    return engine.wait_for(f"the DAG processor to parse {dag_id}", parsed, TIMEOUT)


def wait_for_deferral(engine: AirflowEngine, dag_id: str, run_id: str, task_id: str) -> dict[str, Any]:
    """
    Wait until the task instance is deferred and a triggerer has claimed its trigger; return it.

    :raises AssertionError: the task or the run ended first.
    """
    path = f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}"

    def deferred() -> dict[str, Any] | None:
        ti = engine.find(path)
        if ti is None:  # the scheduler has not created the task instances yet
            return None
        if ti["state"] == "deferred" and (ti["trigger"] or {}).get("triggerer_id") is not None:
            return ti
        run = engine.api("GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}")
        assert ti["state"] not in {"success", "failed", "skipped", "upstream_failed"} and not finished(run), (
            f"{task_id} ended {ti['state']} (run {run['state']}) without deferring: "
            f"{task_states(engine, dag_id, run_id)}\n\n{engine.where()}"
        )
        return None

    return engine.wait_for(f"{task_id} to be deferred to the triggerer", deferred, TIMEOUT)


def finished(run: dict[str, Any]) -> dict[str, Any] | None:
    """``run`` when it is in a terminal state, else ``None``."""
    return run if run["state"] in TERMINAL_RUN_STATES else None


def task_instance(engine: AirflowEngine, dag_id: str, run_id: str, task_id: str) -> dict[str, Any]:
    """One task instance, rendered fields included (Airflow 3.2's list endpoint may leave them out)."""
    return engine.api("GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}")


def task_states(engine: AirflowEngine, dag_id: str, run_id: str) -> dict[str, str | None]:
    """Each task's state in the run."""
    answer = engine.api("GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances")
    return {ti["task_id"]: ti["state"] for ti in answer["task_instances"]}


# What the engine shows


def assert_connection_forms(engine: AirflowEngine) -> None:
    """The API server's connection-form metadata lists the four types as the provider declares them."""
    forms = {meta["connection_type"]: meta for meta in engine.api("GET", "/ui/connections/hook_meta")}
    declared = {info["connection-type"]: info for info in get_provider_info()["connection-types"]}
    for conn_type, (hook_name, hidden, titles, extras) in CONNECTION_FORMS.items():
        assert conn_type in forms, f"{conn_type} is not in hook_meta: {sorted(forms, key=str)}"
        form, behaviour = forms[conn_type], declared[conn_type]["ui-field-behaviour"]
        assert (form["hook_name"], form["hook_class_name"]) == (
            hook_name,
            declared[conn_type]["hook-class-name"],
        )
        standard = form["standard_fields"]
        assert {name for name in STANDARD_FIELDS if standard[name]["hidden"]} == hidden, conn_type
        assert {
            name: standard[name]["title"] for name in STANDARD_FIELDS if standard[name]["title"]
        } == titles
        placeholders = {FORM_FIELD.get(name, name): text for name, text in behaviour["placeholders"].items()}
        assert {name: standard[name]["placeholder"] for name in placeholders} == placeholders, conn_type
        assert set(form["extra_fields"]) == extras | TIMEOUT_FIELDS, conn_type
        labels = {name: field["label"] for name, field in declared[conn_type]["conn-fields"].items()}
        assert {name: spec["schema"]["title"] for name, spec in form["extra_fields"].items()} == labels


def assert_fired_in_triggerer(engine: AirflowEngine, sensor: dict[str, Any]) -> None:
    """
    The triggerer that claimed the deferred ``sensor``'s trigger logged the trigger firing its
    "done" event, in the trigger log it keeps beside the task's log.
    """
    triggerer_id = sensor["trigger"]["triggerer_id"]
    triggerers = engine.api("GET", "/api/v2/jobs?job_type=TriggererJob")["jobs"]
    assert triggerer_id in {job["id"] for job in triggerers}, triggerers
    task_logs = engine.home / "logs" / f"dag_id={sensor['dag_id']}" / f"run_id={sensor['dag_run_id']}"
    [trigger_log] = (task_logs / f"task_id={sensor['task_id']}").glob(
        f"attempt=*.log.trigger.{triggerer_id}.log"
    )
    text = trigger_log.read_text()
    assert "Trigger fired event" in text and "'status': 'done'" in text, text


# What the vendors saw


def flag_release(sb: Sandbox, project_key: str, flag_key: str) -> dict[str, Any]:
    """The sandbox's summary of the flag's LaunchDarkly release."""
    return sb.state("launchdarkly")["projects"][project_key]["releases"][flag_key]


def new_items(after: list[dict[str, Any]], before: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The items of ``after`` whose id is not in ``before``."""
    known = {item["id"] for item in before}
    return [item for item in after if item["id"] not in known]


def assert_vendors_saw_one_release(
    sb: Sandbox, rendered: dict[str, dict[str, Any]], before: dict[str, dict[str, Any]]
) -> None:
    """
    One release at each vendor, made as the tasks' ``rendered`` arguments say, each step once.

    :param before: the sandbox's Aha! and Cryptlex state before the run.
    """
    aha_args = rendered["create_aha_release"]
    cryptlex_args = rendered["create_cryptlex_release"]
    attach_args = rendered["attach_flag_to_pipeline"]
    project, flag = attach_args["project_key"], attach_args["flag_key"]

    [aha] = new_items(sb.state("aha")["releases"], before["aha"]["releases"])
    assert (aha["name"], aha["workflow_status"], aha["released"]) == (aha_args["name"], "Shipped", True)
    [product] = [p for p in sb.state("cryptlex")["products"] if p["id"] == cryptlex_args["product_id"]]
    [product_before] = [p for p in before["cryptlex"]["products"] if p["id"] == cryptlex_args["product_id"]]
    [cryptlex] = new_items(product["releases"], product_before["releases"])
    assert (cryptlex["version"], cryptlex["published"]) == (cryptlex_args["version"], True)
    release = flag_release(sb, project, flag)
    assert release["pipeline"] == attach_args["release_pipeline_key"]
    assert release["phases"][0]["complete"], release
    [annotation] = sb.state("amplitude")["releases"]
    assert annotation["version"] == rendered["annotate_amplitude"]["version"]

    flag_path = f"/api/v2/projects/{project}/flags/{flag}/release"
    releases_path = f"/api/v1/products/{aha_args['product_id']}/releases"
    [aha_put] = [r.path for r in sb.requests_to("aha", "PUT")]
    assert aha_put in {f"{releases_path}/{aha['id']}", f"{releases_path}/{aha['reference_num']}"}
    mutations = sorted((r.service, r.method, r.path) for r in sb.requests if r.method != "GET")
    assert mutations == sorted(
        [
            ("aha", "POST", releases_path),
            ("aha", "PUT", aha_put),
            ("cryptlex", "POST", "/v3/releases"),
            ("cryptlex", "POST", f"/v3/releases/{cryptlex['id']}/publish"),
            ("launchdarkly", "PUT", flag_path),
            ("launchdarkly", "PUT", f"{flag_path}/phases/{release['phases'][0]['id']}"),
            ("amplitude", "POST", "/api/2/release"),
        ]
    ), "each vendor call should have been made exactly once"
    assert all(r.status is not None and r.status < 300 for r in sb.requests if r.method != "GET")
