"""
The Releases page's data: ``GET /releases/api/versions`` over 1,000 versions on a SQLite metadata DB.

A temporary ``AIRFLOW_HOME`` gets a migrated SQLite metadata database holding what 1,000 finished
releases leave behind: three DAGs built with ``release_chain`` (approval gate included), synced
to the database as the DAG processor does; 1,000 runs of them, one version each, made with the
serialized DAG's ``create_dagrun`` (so each run has its task instances), their tasks' states and
the create steps' ``return_value`` XComs; 4,000 milestone asset events (Aha! shipped, Cryptlex
published, LaunchDarkly phase completed, Amplitude annotated per version), their extras made by
the :mod:`airflow_provider_releases.milestones` builders, each naming its run and task; and each
run's approval (human-in-the-loop details), given. On top, 10 newer versions in progress: half
wait on their phase (the sensor's last check in XCom ``wait_status``), half on an approval.

Timed side by side, interleaved, after a warm-up round (every module imported and its bytecode
compiled before anything is timed): the list's first page through FastAPI's test client, with a
real JWT of Airflow's simple auth manager's admin (who may read every DAG); its two parts alone,
``read_records`` and ``build_versions``; and the baseline, one bare ``SELECT`` of every asset
event's ``extra``, the least such a page reads.
"""

from __future__ import annotations

import argparse
import gc
import sys
import textwrap
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from benchmarks.common import Row, airflow_home, fmt_ms, fmt_ratio, interleaved, median, report, rows_to_json

VERSIONS = 1000
IN_PROGRESS = 10  # newer versions still going: half wait on their phase, half on an approval
DAG_IDS = ("release_train_web", "release_train_desktop", "release_train_mobile")
REPETITIONS = 9
GOAL_SECONDS = 1.0
STARTED = datetime(2024, 1, 1, tzinfo=timezone.utc)
#: The four milestone steps of ``release_chain``, in the order a run reaches them.
MILESTONE_STEPS = ("wait_for_phase", "annotate_amplitude", "ship_aha_release", "publish_cryptlex_release")
CRYPTLEX_PRODUCT = "0b7e4f2c-91a6-4d38-b5c2-6e1f9a3d8c47"
#: The assets the milestone steps' events go on (the sandbox's targets, as in ``release_workflow``).
ASSET_URIS = {
    "wait_for_phase": "launchdarkly://default/new-checkout",
    "annotate_amplitude": "amplitude://sandbox",
    "ship_aha_release": "aha://PRJ1",
    "publish_cryptlex_release": f"cryptlex://{CRYPTLEX_PRODUCT}",
}

DAG_FILE = textwrap.dedent(
    '''
    """Three release trains, each ``release_chain`` with its approval gate (the benchmark's DAGs)."""

    import pendulum
    from airflow.sdk import dag, task

    from airflow_provider_releases.assets import release_assets
    from airflow_provider_releases.workflows import (
        SANDBOX_AMPLITUDE_PROJECT, SANDBOX_TARGETS, check_plan, release_chain, target_params,
    )

    ASSETS = release_assets(SANDBOX_TARGETS, amplitude_project=SANDBOX_AMPLITUDE_PROJECT)

    for dag_id in {dag_ids!r}:

        @dag(dag_id=dag_id, schedule=None, start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
             params={{"version": "1.0.0", "title": None, **target_params(SANDBOX_TARGETS)}})
        def release_train():
            @task(multiple_outputs=True)
            def plan_release(params: dict) -> dict:
                return check_plan({{**params, "title": params["title"] or "Release", "release_date": None,
                                   "release_start": None}})

            release_chain(plan_release(), require_approval=True, assets=ASSETS)

        release_train()
    '''
)


def version_of(number: int) -> str:
    """The ``number``-th version (0-based): ``1.0.0``, ``1.0.1``... ``10.9.9``."""
    return f"{number // 100 + 1}.{number // 10 % 10}.{number % 10}"


def milestone_extras(number: int, version: str) -> dict[str, dict[str, Any]]:
    """The extras of a version's four milestones, by the step that writes them, as the builders make them."""
    from airflow_provider_releases.milestones import (
        MilestoneAction,
        aha_release,
        amplitude_release,
        cryptlex_release,
        launchdarkly_release,
    )

    title = f"Release {version}"
    release_id = str(7_000_000 + number)
    return {
        "wait_for_phase": launchdarkly_release(
            MilestoneAction.PHASE_COMPLETED,
            project_key="default",
            flag_key="new-checkout",
            release_pipeline_key="standard-release",
            phase={"_id": "phase-1", "_name": "Testing"},
            url="https://app.launchdarkly.com/projects/default/flags/new-checkout/targeting",
        ),
        "annotate_amplitude": amplitude_release(
            MilestoneAction.ANNOTATED,
            {"id": 900_000 + number, "version": version, "title": title, "release_start": None},
        ),
        "ship_aha_release": aha_release(
            MilestoneAction.SHIPPED,
            {
                "id": release_id,
                "reference_num": f"PRJ1-R-{number + 1}",
                "product_id": "1000001",
                "name": title,
                "url": f"https://sandbox.aha.io/releases/PRJ1-R-{number + 1}",
            },
        ),
        "publish_cryptlex_release": cryptlex_release(
            MilestoneAction.PUBLISHED,
            {
                "id": f"rel-{number:05d}",
                "productId": CRYPTLEX_PRODUCT,
                "version": version,
                "channel": "stable",
                "name": title,
            },
            url=f"https://app.cryptlex.com/products/{CRYPTLEX_PRODUCT}/releases/rel-{number:05d}",
        ),
    }


def seed(folder: Path, versions: int, in_progress: int) -> dict[str, int]:
    """
    Fill the metadata database (created here) with ``versions`` finished releases and
    ``in_progress`` newer ones; return how many runs, task instances, milestone events, XComs and
    pending approvals it holds.
    """
    from airflow.dag_processing.bundles.manager import DagBundlesManager
    from airflow.dag_processing.dagbag import DagBag, sync_bag_to_db
    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.models.dagbag import DBDagBag
    from airflow.models.dagrun import DagRun
    from airflow.models.hitl import HITLDetail
    from airflow.models.taskinstance import TaskInstance
    from airflow.models.xcom import XComModel
    from airflow.utils import db
    from airflow.utils.session import create_session
    from airflow.utils.state import DagRunState
    from airflow.utils.types import DagRunTriggeredByType, DagRunType
    from sqlalchemy import func, select

    db.initdb()
    DagBundlesManager().sync_bundles_to_db()
    dag_file = folder / "release_trains.py"
    dag_file.write_text(DAG_FILE.format(dag_ids=DAG_IDS), encoding="utf-8")
    bag = DagBag(dag_folder=str(dag_file))
    if bag.import_errors or sorted(bag.dags) != sorted(DAG_IDS):
        raise RuntimeError(f"the benchmark's DAG file did not parse: {bag.import_errors}")
    sync_bag_to_db(bag, "dags-folder", None)

    with create_session() as session:
        assets = {}
        for step, uri in ASSET_URIS.items():
            asset = session.scalar(select(AssetModel).where(AssetModel.uri == uri))
            if asset is None:
                asset = AssetModel(name=uri, uri=uri)
                session.add(asset)
                session.flush()
            assets[step] = asset.id
        serialized = {
            dag_id: DBDagBag().get_latest_version_of_dag(dag_id, session=session) for dag_id in DAG_IDS
        }
        for number in range(versions + in_progress):
            version = version_of(number)
            dag_id = DAG_IDS[number % len(DAG_IDS)]
            started = STARTED + timedelta(hours=6 * number)
            finished = number < versions
            run = serialized[dag_id].create_dagrun(
                run_id=f"manual__{started.isoformat()}",
                logical_date=None,
                run_after=started,
                conf={"version": version, "title": f"Release {version}"},
                run_type=DagRunType.MANUAL,
                triggered_by=DagRunTriggeredByType.UI,
                state=DagRunState.SUCCESS if finished else DagRunState.RUNNING,
                start_date=started,
                session=session,
            )
            if finished:
                run.end_date = started + timedelta(hours=2)
            _finish_tasks(session, run, number, version, finished, assets, started)
        session.flush()
        counts = {
            "runs": session.scalar(select(func.count()).select_from(DagRun)),
            "task instances": session.scalar(select(func.count()).select_from(TaskInstance)),
            "milestone events": session.scalar(select(func.count()).select_from(AssetEvent)),
            "XComs": session.scalar(select(func.count()).select_from(XComModel)),
            "approvals": session.scalar(select(func.count()).select_from(HITLDetail)),
            "pending approvals": session.scalar(
                select(func.count()).select_from(HITLDetail).where(HITLDetail.responded_at.is_(None))
            ),
        }
    return counts


def _finish_tasks(
    session: Any,
    run: Any,
    number: int,
    version: str,
    finished: bool,
    assets: dict[str, int],
    started: datetime,
) -> None:
    """
    Give a run's task instances the states, XComs, asset events and approval a real run leaves.

    A finished run: every task succeeded, each milestone step wrote its event. A run in progress
    (``number`` even: waits on its phase; odd: the phase completed, the approval waits).
    """
    from airflow.models.asset import AssetEvent
    from airflow.models.hitl import HITLDetail
    from airflow.models.xcom import XComModel
    from airflow.utils.state import TaskInstanceState

    from airflow_provider_releases.milestones import wait_status

    extras = milestone_extras(number, version)
    at_approval = not finished and number % 2 == 1
    done_until = None if finished else ("approve_release" if at_approval else "wait_for_phase")
    order = [
        "plan_release", "create_aha_release", "create_cryptlex_release", "attach_flag_to_pipeline",
        "start_first_phase", "wait_for_phase", "approve_release", *MILESTONE_STEPS[1:],
    ]  # fmt: skip
    tis = {ti.task_id: ti for ti in run.get_task_instances(session=session)}
    if sorted(tis) != sorted(order):
        raise RuntimeError(f"unexpected tasks in {run.dag_id}: {sorted(tis)}")
    reached = order if done_until is None else order[: order.index(done_until)]
    for index, task_id in enumerate(order):
        ti = tis[task_id]
        at = started + timedelta(minutes=5 * index)
        if task_id in reached:
            ti.state, ti.start_date, ti.end_date = TaskInstanceState.SUCCESS, at, at + timedelta(minutes=1)
        elif task_id == done_until:
            ti.state, ti.start_date = TaskInstanceState.DEFERRED, at
        else:
            continue
        if task_id in extras and task_id in reached:
            session.add(
                AssetEvent(
                    asset_id=assets[task_id],
                    extra=extras[task_id],
                    source_dag_id=run.dag_id,
                    source_run_id=run.run_id,
                    source_task_id=task_id,
                    source_map_index=-1,
                    timestamp=ti.end_date + timedelta(milliseconds=20),  # the server registers it after
                )
            )
    xcoms = {
        "create_aha_release": {"id": str(7_000_000 + number), "reference_num": f"PRJ1-R-{number + 1}",
                               "product_id": "1000001", "name": f"Release {version}"},
        "create_cryptlex_release": {"id": f"rel-{number:05d}", "productId": CRYPTLEX_PRODUCT,
                                    "version": version, "channel": "stable"},
    }  # fmt: skip
    links = {"create_aha_release": extras["ship_aha_release"]["url"],
             "create_cryptlex_release": extras["publish_cryptlex_release"]["url"]}  # fmt: skip
    for task_id, value in xcoms.items():
        session.add(_xcom(XComModel, run, task_id, "return_value", value))
        session.add(_xcom(XComModel, run, task_id, "release_url", links[task_id]))
    for task_id in MILESTONE_STEPS:  # what put_on_outlets keeps in XCom too (the page reads the event)
        if task_id in reached:
            session.add(_xcom(XComModel, run, task_id, "milestone", extras[task_id]))
    if done_until == "wait_for_phase":
        reason = "waiting_regression_detected" if number % 4 == 0 else "waiting_phase_ended"
        status = wait_status(
            "waiting", f"Phase Testing of new-checkout: {reason}", reason, started.isoformat()
        )
        session.add(_xcom(XComModel, run, "wait_for_phase", "wait_status", status))
    if done_until in (None, "approve_release"):  # the gate asked; a finished run's was approved
        gate = tis["approve_release"]
        session.flush()  # the task instance's id
        session.add(
            HITLDetail(
                ti_id=gate.id,
                options=["Approve", "Reject"],
                subject=f"Ship version {version}?",
                body=None,
                defaults=None,
                multiple=False,
                params={},
                created_at=gate.start_date,
                responded_at=gate.end_date,
                responded_by={"id": "1", "name": "release-manager"} if gate.end_date else None,
                chosen_options=["Approve"] if gate.end_date else None,
            )
        )


def _xcom(model: Any, run: Any, task_id: str, key: str, value: Any) -> Any:
    return model(
        dag_run_id=run.id, task_id=task_id, map_index=-1, key=key, dag_id=run.dag_id, run_id=run.run_id,
        value=value, timestamp=run.start_date,
    )  # fmt: skip


def admin_client() -> Any:
    """The page's app in FastAPI's test client, with a real JWT of the simple auth manager's admin."""
    from airflow.api_fastapi.app import init_auth_manager
    from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser
    from fastapi.testclient import TestClient

    from airflow_provider_releases.plugins.releases_app import create_app

    manager = init_auth_manager()
    token = manager.generate_jwt(SimpleAuthManagerUser(username="admin", role="admin"))
    client = TestClient(create_app(), root_path="/releases")
    client.headers["Authorization"] = f"Bearer {token}"
    return client


def list_first_page(client: Any, expected: int) -> Any:
    """``GET /releases/api/versions``'s first page (default size) as JSON, checked to hold ``expected``."""
    response = client.get("/api/versions")
    response.raise_for_status()
    answer = response.json()
    if answer["total_entries"] != expected:
        raise RuntimeError(f"the list holds {answer['total_entries']} versions, expected {expected}")
    return answer


def timer(run: Callable[[], Any]) -> Callable[[], tuple[float, float, float]]:
    """A timer of ``run()``: wall seconds; CPU seconds of the process (all threads) and of GC meanwhile."""
    collecting: list[float] = [0.0, 0.0]  # when the running collection started, the total

    def on_gc(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collecting[0] = time.perf_counter()
        else:
            collecting[1] += time.perf_counter() - collecting[0]

    def timed() -> tuple[float, float, float]:
        started, cpu, collecting[1] = time.perf_counter(), time.process_time(), 0.0
        gc.callbacks.append(on_gc)
        try:
            run()
        finally:
            gc.callbacks.remove(on_gc)
        return time.perf_counter() - started, time.process_time() - cpu, collecting[1]

    return timed


def measure(
    versions: int = VERSIONS, in_progress: int = IN_PROGRESS, repetitions: int = REPETITIONS
) -> dict[str, Any]:
    """Seed the database, time the list's data and its parts side by side; return rows and what was seeded."""
    import tempfile

    from airflow.models.asset import AssetEvent
    from airflow.utils.session import create_session
    from sqlalchemy import select

    from airflow_provider_releases.plugins.releases_data import read_records
    from airflow_provider_releases.plugins.releases_view import build_versions

    with tempfile.TemporaryDirectory(prefix="benchmarks-dags-") as folder:
        counts = seed(Path(folder), versions, in_progress)
    client = admin_client()
    total = versions + in_progress
    with create_session() as session:
        records = read_records(session, set(DAG_IDS), with_loose_events=True)

    def read() -> Any:
        with create_session() as session:
            return read_records(session, set(DAG_IDS), with_loose_events=True)

    def bare() -> int:
        with create_session() as session:
            return len(session.execute(select(AssetEvent.extra)).all())

    samples = interleaved(
        {
            "endpoint": timer(lambda: list_first_page(client, total)),
            "read_records": timer(read),
            "build_versions": timer(lambda: build_versions(*records)),
            "bare": timer(bare),
        },
        repetitions,
    )
    rows = build_versions(*records)
    first_page = list_first_page(client, total)["versions"]
    checks = {
        "versions": len(rows),
        "pending approvals": sum(len(row.pending_approvals) for row in rows),
        "approvals given": sum(len(row.given_approvals) for row in rows),
        "first page": {
            row["version"]: {
                "services": {service: cell["state"] for service, cell in row["services"].items()},
                "pending approvals": len(row["pending_approvals"]),
            }
            for row in first_page
        },
    }  # fmt: skip
    return {
        "rows": rows_to_json(table(samples, counts, versions, in_progress)),
        "markdown": seeded(counts),
        "counts": counts,
        "checks": checks,
    }


def table(
    samples: dict[str, list[tuple[float, float, float]]],
    counts: dict[str, int],
    versions: int,
    in_progress: int,
) -> list[Row]:
    """The table's rows from the timings (wall, CPU and garbage collection seconds) and what was seeded."""
    from airflow_provider_releases.plugins.releases_app import DEFAULT_PAGE_SIZE

    name = (
        f"5. Releases page ({versions:,} released versions + {in_progress} in progress, "
        f"{counts['milestone events']:,} milestone events, {counts['runs']:,} runs, "
        f"{counts['task instances']:,} task instances, SQLite)"
    )
    wall = {key: [sample[0] for sample in values] for key, values in samples.items()}
    cpu = {key: median([sample[1] for sample in values]) for key, values in samples.items()}
    collected = {key: median([sample[2] for sample in values]) for key, values in samples.items()}
    bare = median(wall["bare"])
    baseline = "bare `SELECT` of every asset event's `extra`"

    def figure(key: str) -> str:
        value = median(wall[key])
        worst = fmt_ms(max(wall[key]))
        spent = f"CPU {fmt_ms(cpu[key])} (garbage collection {fmt_ms(collected[key])})"
        return f"{fmt_ms(value)}, worst {worst}; {spent}; {fmt_ratio(value / bare)}"

    def part(key: str, what: str) -> Row:
        return Row(name, what, fmt_ms(bare), fmt_ms(median(wall[key])), figure(key))

    endpoint = median(wall["endpoint"])
    passed = endpoint < GOAL_SECONDS
    return [
        Row(
            name,
            f"`GET /releases/api/versions`, the first page ({DEFAULT_PAGE_SIZE} versions; admin JWT, FastAPI "
            f"test client): median, worst, CPU (and GC) time per request, ratio to the {baseline}",
            fmt_ms(bare),
            fmt_ms(endpoint),
            figure("endpoint"),
            goal=f"< {GOAL_SECONDS:.0f} s",
            passed=passed,
            note="" if passed else MISS_NOTE,
        ),
        part("read_records", "`read_records` (its five queries), as above"),
        part("build_versions", "`build_versions` (one row per version, newest first), as above"),
    ]


def seeded(counts: dict[str, int]) -> str:
    """A sentence on what the database held (for the report)."""
    return (
        "Benchmark 5's metadata database held "
        + ", ".join(f"{n:,} {what}" for what, n in counts.items())
        + "."
    )


MISS_NOTE = (
    "The page reads every version of the readable DAGs to sort and filter them, then serves one page: "
    "a cache of the built rows keyed by the newest asset event, task instance and HITL detail would "
    "serve a repeated request without the five queries."
)


def main(argv: list[str] | None = None) -> None:
    """``python -m benchmarks.releases_page [--versions N --in-progress N --repetitions N]``."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.releases_page", description=__doc__.splitlines()[1]
    )
    parser.add_argument("--versions", type=int, default=VERSIONS)
    parser.add_argument("--in-progress", type=int, default=IN_PROGRESS)
    parser.add_argument("--repetitions", type=int, default=REPETITIONS)
    args = parser.parse_args(argv)
    sys.dont_write_bytecode = (
        False  # cache bytecode as a deployed api-server does (the machine may say not to)
    )
    with airflow_home():
        report(measure(args.versions, args.in_progress, args.repetitions))


if __name__ == "__main__":
    main()
