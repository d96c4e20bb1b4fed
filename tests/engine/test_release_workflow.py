"""
``release_workflow`` run by Airflow itself: api-server, scheduler, dag-processor and triggerer
on SQLite, the four vendors played by the sandbox, everything driven through the REST API.
"""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_releases.get_provider_info import get_provider_info
from airflow_provider_releases.workflows import APPROVAL_STEP, RELEASE_STEPS
from airflow_provider_releases_sandbox import Sandbox
from tests.engine.engine import FAST_TAKEOVER, TERMINAL_RUN_STATES, AirflowEngine

pytestmark = pytest.mark.engine

DAG_ID = "release_workflow"
RUN_ID = "engine-e2e"
SENSOR = "wait_for_phase"
TASKS = {"plan_release", *RELEASE_STEPS, APPROVAL_STEP}  # the gate succeeds at once: not required
TRIGGER = "airflow_provider_releases.triggers.launchdarkly.LaunchDarklyReleasePhaseTrigger"
TIMEOUT = 180.0  # seconds for each wait on the engine: generous for a busy 2-CPU machine

# What the connection form shows for each type: hidden standard fields, relabeled ones, extras.
CONNECTION_FORMS = {
    "amplitude": (
        "Amplitude",
        {"url_schema", "port"},
        {
            "login": "API key, old place (shown as typed)",
            "password": "Secret key",
            "host": "Base URL override",
        },
        {"api_key", "region"},
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
    before = vendor_state(sb)

    assert_connection_forms(engine)

    deferred = start_run(engine)
    assert deferred["trigger"]["classpath"] == TRIGGER
    waited = deferred["rendered_fields"]
    [active] = [
        phase
        for phase in flag_release(sb, waited["project_key"], waited["flag_key"])["phases"]
        if phase["status"] == "active"
    ]
    assert active["name"] == waited["phase"], "the sensor should wait for the phase the DAG started"
    sb.complete_phase(waited["project_key"], waited["flag_key"])

    wait_for_success(engine)
    assert_fired_in_triggerer(engine, deferred)
    xcom = engine.api(
        "GET", f"/api/v2/dags/{DAG_ID}/dagRuns/{RUN_ID}/taskInstances/{SENSOR}/xcomEntries/return_value"
    )
    assert xcom["value"]["_name"] == waited["phase"]
    assert_vendors_saw_one_release(sb, step_arguments(engine), before)


def test_phase_wait_survives_a_triggerer_crash(
    airflow_engine: AirflowEngine, release_sandbox: Sandbox
) -> None:
    """
    The triggerer crashes (killed with everything it started) while the phase sensor is deferred:
    the task stays deferred, a new triggerer takes the same trigger over and fires it once the
    phase completes, and the sensor resumes from its deferral rather than being retried. The run
    succeeds and each vendor sees each step once: one flag release, its first phase started once.
    """
    engine, sb = airflow_engine, release_sandbox
    sb.auto_advance()  # the phase completes only when this test completes it
    before = vendor_state(sb)
    crashed = start_run(engine)

    engine.kill("triggerer")
    state = task_instance(engine, DAG_ID, RUN_ID, SENSOR)["state"]
    run = engine.api("GET", f"/api/v2/dags/{DAG_ID}/dagRuns/{RUN_ID}")
    assert (state, run["state"]) == ("deferred", "running"), f"{SENSOR} is {state}; {run}"

    engine.start("triggerer", environ=FAST_TAKEOVER)
    sensor = wait_for_deferral(engine, DAG_ID, RUN_ID, SENSOR, not_by=crashed["trigger"]["triggerer_id"])
    assert sensor["trigger"]["id"] == crashed["trigger"]["id"], "the sensor should not have deferred again"
    waited = sensor["rendered_fields"]
    sb.complete_phase(waited["project_key"], waited["flag_key"])

    wait_for_success(engine)
    assert task_instance(engine, DAG_ID, RUN_ID, SENSOR)["try_number"] == 1, (
        "the sensor should not be retried"
    )
    assert_fired_in_triggerer(engine, sensor)
    assert_vendors_saw_one_release(sb, step_arguments(engine), before)


# The REST API


def wait_for_dag(engine: AirflowEngine, dag_id: str) -> dict[str, Any]:
    """Wait until the DAG processor has parsed ``dag_id``; fail at once on an import error."""

    def parsed() -> dict[str, Any] | None:
        errors = engine.api("GET", "/api/v2/importErrors")["import_errors"]
        assert not errors, f"DAG files failed to import: {errors}"
        return engine.find(f"/api/v2/dags/{dag_id}")

    return engine.wait_for(f"the DAG processor to parse {dag_id}", parsed, TIMEOUT)


def start_run(engine: AirflowEngine) -> dict[str, Any]:
    """
    Unpause ``release_workflow`` once parsed, trigger run ``RUN_ID`` and wait until its phase
    sensor is deferred to a running trigger; return the sensor's task instance.
    """
    wait_for_dag(engine, DAG_ID)
    engine.api("PATCH", f"/api/v2/dags/{DAG_ID}", json={"is_paused": False})
    engine.api("POST", f"/api/v2/dags/{DAG_ID}/dagRuns", json={"dag_run_id": RUN_ID, "logical_date": None})
    return wait_for_deferral(engine, DAG_ID, RUN_ID, SENSOR)


def wait_for_deferral(
    engine: AirflowEngine, dag_id: str, run_id: str, task_id: str, *, not_by: int | None = None
) -> dict[str, Any]:
    """
    Wait until the task instance is deferred and a triggerer (other than the one whose job id is
    ``not_by``) has claimed its trigger and started running it; return the task instance.

    :raises AssertionError: the task or the run ended first.
    """
    path = f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}"

    def deferred() -> dict[str, Any] | None:
        ti = engine.find(path)
        if ti is None:  # the scheduler has not created the task instances yet
            return None
        trigger = ti["trigger"] or {}
        claimed = ti["state"] == "deferred" and trigger.get("triggerer_id") not in {None, not_by}
        if claimed and f"(ID {trigger['id']}) starting" in trigger_log(engine, ti):
            return ti
        run = engine.api("GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}")
        assert ti["state"] not in {"success", "failed", "skipped", "upstream_failed"} and not finished(run), (
            f"{task_id} ended {ti['state']} (run {run['state']}) without deferring: "
            f"{task_states(engine, dag_id, run_id)}\n\n{engine.where()}"
        )
        return None

    return engine.wait_for(f"{task_id} to be deferred to a running trigger", deferred, TIMEOUT)


def wait_for_success(engine: AirflowEngine) -> None:
    """Wait until run ``RUN_ID`` ends; it and each of its tasks should have succeeded."""
    run = engine.wait_for(
        f"run {RUN_ID} to end",
        lambda: finished(engine.api("GET", f"/api/v2/dags/{DAG_ID}/dagRuns/{RUN_ID}")),
        TIMEOUT,
    )
    states = task_states(engine, DAG_ID, RUN_ID)
    assert run["state"] == "success" and states == dict.fromkeys(TASKS, "success"), (
        f"run {RUN_ID} ended {run['state']}; task states {states}\n\n{engine.where()}"
    )


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


def step_arguments(engine: AirflowEngine) -> dict[str, dict[str, Any]]:
    """The rendered arguments of each release step of run ``RUN_ID``."""
    return {step: task_instance(engine, DAG_ID, RUN_ID, step)["rendered_fields"] for step in RELEASE_STEPS}


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


def trigger_log(engine: AirflowEngine, sensor: dict[str, Any]) -> str:
    """
    What the triggerer that claimed the deferred ``sensor``'s trigger logged for it so far, in the
    trigger log it keeps beside the task's log ("" before it wrote any).
    """
    task_logs = (
        engine.home
        / "logs"
        / f"dag_id={sensor['dag_id']}"
        / f"run_id={sensor['dag_run_id']}"
        / f"task_id={sensor['task_id']}"
    )
    path = task_logs / f"attempt={sensor['try_number']}.log.trigger.{sensor['trigger']['triggerer_id']}.log"
    return path.read_text() if path.exists() else ""


def assert_fired_in_triggerer(engine: AirflowEngine, sensor: dict[str, Any]) -> None:
    """The triggerer that claimed the deferred ``sensor``'s trigger logged it firing its "done" event."""
    triggerers = engine.api("GET", "/api/v2/jobs?job_type=TriggererJob")["jobs"]
    assert sensor["trigger"]["triggerer_id"] in {job["id"] for job in triggerers}, triggerers
    text = trigger_log(engine, sensor)
    assert "Trigger fired event" in text and "'status': 'done'" in text, text


# What the vendors saw


def flag_release(sb: Sandbox, project_key: str, flag_key: str) -> dict[str, Any]:
    """The sandbox's summary of the flag's LaunchDarkly release."""
    return sb.state("launchdarkly")["projects"][project_key]["releases"][flag_key]


def vendor_state(sb: Sandbox) -> dict[str, dict[str, Any]]:
    """The sandbox's Aha! and Cryptlex state, to tell a run's releases from the seeded ones."""
    return {service: sb.state(service) for service in ("aha", "cryptlex")}


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
