"""
``release_workflow`` on a distributed Airflow: the CeleryExecutor with two Celery workers over a
Redis broker, two triggerers, the metadata database on PostgreSQL holding the four connections
(created through the REST API), and five releases run at once while a triggerer crashes.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from airflow_provider_releases.workflows import SANDBOX_TARGETS
from airflow_provider_releases_sandbox.core import load_seed
from airflow_provider_releases_sandbox.server import DEFAULT_CONN_IDS, Sandbox, sandbox
from tests.engine.engine import AirflowEngine
from tests.engine.test_release_workflow import (
    DAG_ID,
    SENSOR,
    TASKS,
    TIMEOUT,
    assert_fired_in_triggerer,
    finished,
    flag_release,
    new_items,
    task_instance,
    task_states,
    wait_for_dag,
    wait_for_deferral,
)
from tests.engine.timings import ENGINE_STARTED, report_timings

pytestmark = pytest.mark.engine

PROJECT = SANDBOX_TARGETS["launchdarkly_project"]
#: The five releases: each flag (seeded into the sandbox) released with its own version.
RELEASES = {f"fleet-flag-{n}": f"5.{n}.0" for n in range(1, 6)}
TRIGGERERS = ("triggerer-1", "triggerer-2")  # the fixture starts the first


def releases_page(engine: AirflowEngine) -> dict[str, dict[str, Any]]:
    """The Releases page's versions (its JSON data route), by version."""
    answer = engine.api("GET", "/releases/api/versions?page_size=100")
    return {row["version"]: row for row in answer["versions"]}


def run_id(flag: str) -> str:
    """The id of the run that releases ``flag``."""
    return f"celery-{flag}"


@pytest.fixture
def fleet_sandbox() -> Iterator[Sandbox]:
    """A sandbox of its own whose LaunchDarkly project also has the flags of :data:`RELEASES`."""
    seed = load_seed("airflow_provider_releases_sandbox.launchdarkly")
    [project] = [project for project in seed["projects"] if project["key"] == PROJECT]
    project["flags"] += [{"key": flag, "name": f"Flag of {version}"} for flag, version in RELEASES.items()]
    with sandbox(seed={"launchdarkly": seed}) as sb:
        sb.auto_advance()  # a phase completes only when the test completes it
        yield sb


def test_five_releases_at_once_survive_a_triggerer_crash(
    request: pytest.FixtureRequest, celery_engine: AirflowEngine, fleet_sandbox: Sandbox
) -> None:
    """
    On the CeleryExecutor, five ``release_workflow`` runs triggered at once all succeed although
    the triggerer holding their phase waits is killed while they are deferred: the other one
    takes the same triggers over, and no sensor is retried. Each vendor object is created once
    per version and each flag's first phase started once.
    """
    engine, sb = celery_engine, fleet_sandbox
    began = time.monotonic()
    engine_up = began - request.node.stash[ENGINE_STARTED]
    before = {service: sb.state(service) for service in ("aha", "cryptlex")}
    create_connections(engine, sb)
    [first_job] = triggerer_jobs(engine)
    engine.start(TRIGGERERS[1])  # it starts up while the runs' first tasks run

    wait_for_dag(engine, DAG_ID)
    engine.api("PATCH", f"/api/v2/dags/{DAG_ID}", json={"is_paused": False})
    for flag, version in RELEASES.items():
        conf = {"version": version, "flag": flag}
        engine.api(
            "POST",
            f"/api/v2/dags/{DAG_ID}/dagRuns",
            json={"dag_run_id": run_id(flag), "logical_date": None, "conf": conf},
        )
    triggered = time.monotonic()
    sensors = {flag: wait_for_deferral(engine, DAG_ID, run_id(flag), SENSOR) for flag in RELEASES}
    deferred = time.monotonic()
    # The Releases page's data, read from PostgreSQL: each version waits at LaunchDarkly.
    waiting = releases_page(engine)
    for version in RELEASES.values():
        states = {service: cell["state"] for service, cell in waiting[version]["services"].items()}
        assert states == {
            "aha": "created",
            "cryptlex": "draft",
            "launchdarkly": "waiting",
            "amplitude": "not_started",
        }, (version, waiting[version])

    second_job = engine.wait_for(
        "a second triggerer job", lambda: next(iter(triggerer_jobs(engine) - {first_job}), None), TIMEOUT
    )
    jobs = {first_job: TRIGGERERS[0], second_job: TRIGGERERS[1]}
    holders = {
        flag: task_instance(engine, DAG_ID, run_id(flag), SENSOR)["trigger"] or {} for flag in RELEASES
    }
    held = Counter(trigger.get("triggerer_id") for trigger in holders.values())
    assert set(held) <= set(jobs), f"triggers held by {held}, triggerers {jobs}"
    victim_job = held.most_common(1)[0][0]
    [survivor_job] = set(jobs) - {victim_job}
    engine.kill(jobs[victim_job])
    killed = time.monotonic()
    for flag, sensor in sensors.items():
        now = task_instance(engine, DAG_ID, run_id(flag), SENSOR)
        assert now["state"] == "deferred", f"{flag}: {SENSOR} is {now['state']} after the kill"
        if holders[flag].get("triggerer_id") == victim_job:
            adopted = wait_for_deferral(engine, DAG_ID, run_id(flag), SENSOR, not_by=victim_job)
            assert adopted["trigger"]["id"] == sensor["trigger"]["id"], f"{flag}: deferred again"
    adopted_at = time.monotonic()

    for flag, sensor in sensors.items():
        waited = sensor["rendered_fields"]
        assert (waited["project_key"], waited["flag_key"]) == (PROJECT, flag)
        sb.complete_phase(PROJECT, flag)
    wait_for_runs(engine)
    succeeded = time.monotonic()

    for flag, sensor in sensors.items():
        assert task_instance(engine, DAG_ID, run_id(flag), SENSOR)["try_number"] == 1, (
            f"{flag}: the sensor should not be retried"
        )
        assert_fired_in_triggerer(
            engine, {**sensor, "trigger": {**sensor["trigger"], "triggerer_id": survivor_job}}
        )
    assert_each_release_made_once(sb, before)
    released = releases_page(engine)
    for version in RELEASES.values():
        states = {service: cell["state"] for service, cell in released[version]["services"].items()}
        assert states == {
            "aha": "shipped",
            "cryptlex": "published",
            "launchdarkly": "phase_completed",
            "amplitude": "annotated",
        }, (version, released[version])
    report_timings(
        request.config,
        f"CeleryExecutor, {len(TRIGGERERS)} triggerers, {len(RELEASES)} release_workflow runs at once",
        {
            "engine up": engine_up,
            "connections and triggering": triggered - began,
            "all deferred": deferred - triggered,
            f"triggerer kill ({held[victim_job]} of {len(RELEASES)} waits)": killed - deferred,
            "takeover": adopted_at - killed,
            "all succeeded": succeeded - adopted_at,
            "total": succeeded - request.node.stash[ENGINE_STARTED],
        },
    )


# Setting the engine up through the REST API


def create_connections(engine: AirflowEngine, sb: Sandbox) -> None:
    """
    Create the four default connections, pointing at ``sb``, through the REST API: Airflow stores
    them in the metadata database (no process has an ``AIRFLOW_CONN_*`` variable).
    """
    assert not [name for name in engine.env if name.startswith("AIRFLOW_CONN_")]
    for service, conn_id in DEFAULT_CONN_IDS.items():
        conn = sb.connection(service)  # Airflow's JSON form: the REST API's names, extra a dict
        body = {"connection_id": conn_id, **conn}
        if "extra" in conn:
            body["extra"] = json.dumps(conn["extra"])
        engine.api("POST", "/api/v2/connections", json=body, expect=(201,))
        stored = engine.api("GET", f"/api/v2/connections/{conn_id}")
        assert (stored["conn_type"], stored["host"]) == (conn["conn_type"], conn["host"]), stored


def triggerer_jobs(engine: AirflowEngine) -> set[int]:
    """The ids of the running triggerer jobs."""
    answer = engine.api("GET", "/api/v2/jobs?job_type=TriggererJob&job_state=running")
    return {job["id"] for job in answer["jobs"]}


def wait_for_runs(engine: AirflowEngine) -> None:
    """Wait until the runs of :data:`RELEASES` end; each, and each of its tasks, should have succeeded."""
    for flag in RELEASES:
        path = f"/api/v2/dags/{DAG_ID}/dagRuns/{run_id(flag)}"
        run = engine.wait_for(
            f"run {run_id(flag)} to end", lambda path=path: finished(engine.api("GET", path)), TIMEOUT
        )
        states = task_states(engine, DAG_ID, run_id(flag))
        assert run["state"] == "success" and states == dict.fromkeys(TASKS, "success"), (
            f"run {run_id(flag)} ended {run['state']}; task states {states}\n\n{engine.where()}"
        )


# What the vendors saw


def assert_each_release_made_once(sb: Sandbox, before: dict[str, dict[str, Any]]) -> None:
    """
    Each version of :data:`RELEASES` has one Aha! release (shipped), one Cryptlex release
    (published), one Amplitude annotation, and its flag one LaunchDarkly release whose first
    phase was started once; every change was made by exactly one successful request.

    :param before: the sandbox's Aha! and Cryptlex state before the runs.
    """
    versions = sorted(RELEASES.values())
    aha_product, cryptlex_product = SANDBOX_TARGETS["aha_product"], SANDBOX_TARGETS["cryptlex_product"]
    releases_path = f"/api/v1/products/{aha_product}/releases"
    expected: Counter[tuple[str, str, str]] = Counter()

    aha = new_items(sb.state("aha")["releases"], before["aha"]["releases"])
    assert sorted(release["name"] for release in aha) == [f"Release {version}" for version in versions]
    assert all((release["workflow_status"], release["released"]) == ("Shipped", True) for release in aha)
    aha_puts = [entry.path for entry in sb.requests_to("aha", "PUT")]
    for release in aha:
        [put] = [
            p
            for p in aha_puts
            if p in {f"{releases_path}/{release['id']}", f"{releases_path}/{release['reference_num']}"}
        ]
        expected.update([("aha", "POST", releases_path), ("aha", "PUT", put)])

    [product] = [p for p in sb.state("cryptlex")["products"] if p["id"] == cryptlex_product]
    [product_before] = [p for p in before["cryptlex"]["products"] if p["id"] == cryptlex_product]
    cryptlex = new_items(product["releases"], product_before["releases"])
    assert sorted(release["version"] for release in cryptlex) == versions
    assert all(release["published"] for release in cryptlex)
    for release in cryptlex:
        expected.update(
            [
                ("cryptlex", "POST", "/v3/releases"),
                ("cryptlex", "POST", f"/v3/releases/{release['id']}/publish"),
            ]
        )

    for flag in RELEASES:
        release = flag_release(sb, PROJECT, flag)
        assert release["pipeline"] == SANDBOX_TARGETS["pipeline"] and release["phases"][0]["complete"], (
            release
        )
        flag_path = f"/api/v2/projects/{PROJECT}/flags/{flag}/release"
        first_phase = f"{flag_path}/phases/{release['phases'][0]['id']}"
        expected.update([("launchdarkly", "PUT", flag_path), ("launchdarkly", "PUT", first_phase)])

    assert sorted(note["version"] for note in sb.state("amplitude")["releases"]) == versions
    expected.update([("amplitude", "POST", "/api/2/release")] * len(versions))

    changes = [entry for entry in sb.requests if entry.method != "GET"]
    assert Counter((entry.service, entry.method, entry.path) for entry in changes) == expected, (
        "each vendor call should have been made exactly once per release"
    )
    assert all(entry.status is not None and entry.status < 300 for entry in changes), [
        (entry.method, entry.path, entry.status)
        for entry in changes
        if not entry.status or entry.status >= 300
    ]
