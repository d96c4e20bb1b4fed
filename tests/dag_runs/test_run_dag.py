"""``run_dag``, the helper a user's DAG tests call: it runs a DAG file once with ``dag.test()``."""

from __future__ import annotations

from pathlib import Path

import pytest

from airflow_provider_releases_sandbox.dag_runs import run_dag

TINY_DAG = """
from airflow.sdk import dag, task


@dag(dag_id="tiny", schedule=None)
def tiny():
    @task
    def answer():
        return 42

    answer()


tiny()
"""


@pytest.fixture
def tiny_dag(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.py"
    path.write_text(TINY_DAG)
    return path


def test_runs_build_the_in_process_execution_api_once(tiny_dag: Path) -> None:
    """
    Every run of a process uses one in-process Execution API, on Airflow 3.2 as on 3.3: 3.2 built
    one (about 2 s) for every task instance, which made each DAG test ten times slower.
    """
    from airflow.sdk.execution_time import supervisor

    first = run_dag(tiny_dag, "tiny")
    api = supervisor.in_process_api_server()
    second = run_dag(tiny_dag, "tiny")

    assert [first.state, second.state] == ["success", "success"]
    assert supervisor.in_process_api_server() is api


def test_a_dag_id_the_file_does_not_hold_is_refused(tiny_dag: Path) -> None:
    with pytest.raises(ValueError, match=r"dag_id='other' is not in .*tiny\.py.*: it holds \['tiny'\]"):
        run_dag(tiny_dag, "other")
