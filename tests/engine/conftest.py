"""The ``airflow_engine`` fixture: Airflow's own processes against the release sandbox."""

from __future__ import annotations

from collections.abc import Generator, Iterator
from pathlib import Path

import pytest

from airflow_provider_releases.sandbox import Sandbox
from airflow_provider_releases.workflows import POLL_SECONDS_ENV
from tests import secret_audit
from tests.engine.engine import AirflowEngine

EXAMPLE_DAGS = Path(__file__).resolve().parents[2] / "example_dags"
ENGINE = pytest.StashKey[AirflowEngine]()


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
