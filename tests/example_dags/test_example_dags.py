"""Every example DAG parses with no import errors and no warnings from this package."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

EXAMPLE_DAGS = Path(__file__).resolve().parents[2] / "example_dags"


@pytest.fixture(scope="module")
def dagbag():
    from airflow.dag_processing.dagbag import DagBag

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        bag = DagBag(dag_folder=str(EXAMPLE_DAGS))
    bag.caught_warnings = [w for w in caught if "airflow_provider_releases" in str(w.filename)]
    return bag


def test_example_dags_load_without_errors_or_warnings(dagbag):
    assert dagbag.import_errors == {}
    assert dagbag.caught_warnings == []
    assert "example_release_hooks" in dagbag.dag_ids


def test_example_release_hooks_shape(dagbag):
    dag = dagbag.dags["example_release_hooks"]
    assert dag.get_task("amplitude_annotation").upstream_task_ids == {
        "aha_release",
        "cryptlex_release",
        "flag_release",
    }
