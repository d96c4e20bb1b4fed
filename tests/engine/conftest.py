"""
The ``airflow_engine`` and ``celery_engine`` fixtures: Airflow's own processes against the
release sandbox, and the timings the engine tests report at the end of the session.
"""

from __future__ import annotations

import time
from collections.abc import Generator, Iterator
from pathlib import Path

import pytest

from airflow_provider_releases.workflows import POLL_SECONDS_ENV
from airflow_provider_releases_sandbox import Sandbox
from tests import secret_audit
from tests.engine import timings
from tests.engine.engine import ENGINE, EXAMPLE_DAGS, FAST_TAKEOVER, AirflowEngine
from tests.engine.services import postgres_server, redis_server

CELERY_WORKERS = ("celery-worker-1", "celery-worker-2")


@pytest.fixture
def engine_dags_folder() -> Path:
    """The folder the engine's DAG processor parses (override it to run other DAG files)."""
    return EXAMPLE_DAGS


@pytest.fixture
def engine_environ(release_sandbox: Sandbox) -> dict[str, str]:
    """
    More environment for the engine's processes: the four default connections pointing at
    ``release_sandbox``, and the release workflows checking their phase every second.
    """
    return {**release_sandbox.environ(), POLL_SECONDS_ENV: "1"}


@pytest.fixture
def airflow_engine(
    request: pytest.FixtureRequest, tmp_path: Path, engine_dags_folder: Path, engine_environ: dict[str, str]
) -> Iterator[AirflowEngine]:
    """
    A migrated SQLite database and a running api-server, scheduler, dag-processor and
    triggerer, parsing ``engine_dags_folder``, with ``engine_environ``.

    Every process is stopped at teardown, pass or fail; the files stay in ``tmp_path/engine``
    (pytest keeps the last three runs' temporary folders), and a failed test's report gets a
    section naming that folder with the tail of each process's log.
    """
    engine = AirflowEngine(tmp_path / "engine", engine_dags_folder, engine_environ)
    request.node.stash[ENGINE] = engine
    try:
        engine.migrate()
        engine.start_all()
        yield engine
    finally:
        engine.stop_all()
        secret_audit.scan_tree(engine.root)  # the metadata database, task and process logs


@pytest.fixture
def celery_engine(
    request: pytest.FixtureRequest, tmp_path: Path, engine_dags_folder: Path
) -> Iterator[AirflowEngine]:
    """
    A distributed Airflow: the CeleryExecutor with a Redis broker, the metadata database and the
    Celery result backend on PostgreSQL, a running api-server, scheduler and dag-processor, and
    the two Celery workers of :data:`CELERY_WORKERS` and a first triggerer (``triggerer-1``: a
    test starts more under numbered names), parsing ``engine_dags_folder``. The test creates its
    connections.

    Redis and PostgreSQL run on free loopback ports for this test only and are stopped at
    teardown with every Airflow process; the metadata database is dumped into ``tmp_path/engine``
    and searched for secrets with the logs.
    """
    request.node.stash[timings.ENGINE_STARTED] = time.monotonic()
    with redis_server() as broker, postgres_server() as database:
        environ = {
            "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
            "AIRFLOW__CORE__PARALLELISM": "8",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": database.url(),
            "AIRFLOW__CELERY__BROKER_URL": f"{broker}/0",
            "AIRFLOW__CELERY__RESULT_BACKEND": database.url("db+postgresql+psycopg2"),
            "AIRFLOW__CELERY__WORKER_CONCURRENCY": "2",
            POLL_SECONDS_ENV: "1",
            **FAST_TAKEOVER,
        }
        engine = AirflowEngine(tmp_path / "engine", engine_dags_folder, environ)
        request.node.stash[ENGINE] = engine
        try:
            engine.migrate()
            for name in ("api-server", "scheduler", "dag-processor", *CELERY_WORKERS, "triggerer-1"):
                engine.start(name)
            engine.wait_healthy(("api-server", "scheduler", "dag-processor", "triggerer-1"))
            for name in CELERY_WORKERS:
                engine.wait_logged(name, " ready.")  # Celery's "<node name> ready."
            yield engine
        finally:
            engine.stop_all()
            # The whole metadata DB is searched: Airflow encrypts a connection's password and extra
            # (where Amplitude's API key lives) and masks them in its audit log.
            database.dump(engine.root / "metadata.sql")
            secret_audit.scan_tree(engine.root)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Add the engine's log tails to a failed test's report, unless the failure shows them already."""
    report = yield
    engine = item.stash.get(ENGINE, None)
    if engine is not None and report.failed and str(engine.root) not in report.longreprtext:
        report.sections.append(("Airflow engine", engine.where()))
    return report
