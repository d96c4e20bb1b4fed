"""What the example DAGs' own docs (``doc_md``, shown in the Airflow UI) say matches what they do."""

from __future__ import annotations

import re
from itertools import groupby
from pathlib import Path

import pytest

EXAMPLE_DAGS = Path(__file__).resolve().parents[2] / "example_dags"
#: The bold label that starts the doc's item of each release_workflow task.
LABELS = {
    "create_aha_release": "Aha!",
    "create_cryptlex_release": "Cryptlex",
    "attach_flag_to_pipeline": "LaunchDarkly",
    "start_first_phase": "LaunchDarkly",
    "wait_for_phase": "Wait",
    "approve_release": "Approve",
    "annotate_amplitude": "Amplitude",
    "ship_aha_release": "Aha!",
    "publish_cryptlex_release": "Cryptlex",
}
#: The same for guarded_release, whose flag is released with an environment release.
GUARDED_LABELS = {
    **{
        task: label
        for task, label in LABELS.items()
        if task not in ("attach_flag_to_pipeline", "start_first_phase", "wait_for_phase", "approve_release")
    },
    "start_environment_release": "LaunchDarkly",
    "wait_for_environment_release": "Wait",
}


@pytest.mark.parametrize(
    ("dag_id", "labels"), [("release_workflow", LABELS), ("guarded_release", GUARDED_LABELS)]
)
def test_release_workflows_doc_lists_the_steps_in_the_order_they_run(dag_id: str, labels: dict) -> None:
    from airflow.dag_processing.dagbag import DagBag

    dag = DagBag(dag_folder=str(EXAMPLE_DAGS / f"{dag_id}.py")).dags[dag_id]
    order = [task.task_id for task in dag.topological_sort() if task.task_id in labels]
    assert set(order) == set(labels)
    expected = [label for label, _ in groupby(labels[task_id] for task_id in order)]  # one item each
    listed = re.findall(r"^\d+\. \*\*(.+?)\*\*", dag.doc_md, flags=re.MULTILINE)
    assert listed == expected
    assert "Details tab" in dag.doc_md  # where the extra links are in the UI
