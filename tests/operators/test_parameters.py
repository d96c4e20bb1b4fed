"""
When the operators check their parameters: plain values in the constructor (a wrong one fails the
DAG's import), templated ones after rendering, before any request; and every id, key and name
refuses a template that rendered to nothing. (A required one given as nothing:
``tests/provider/test_every_task.py``.)
"""

from __future__ import annotations

import textwrap

import pytest

from airflow_provider_releases.exceptions import (
    InvalidParameterError,
    MissingValueError,
)
from airflow_provider_releases.operators.aha import (
    AhaCreateReleaseOperator,
    AhaDuplicateReleaseOperator,
    AhaUpdateReleaseOperator,
)
from airflow_provider_releases.operators.approval import ReleaseApprovalOperator
from airflow_provider_releases.operators.base import ReleasePermanentError
from airflow_provider_releases.operators.cryptlex import (
    CryptlexPublishReleaseOperator,
)
from airflow_provider_releases.operators.launchdarkly import (
    LaunchDarklyAttachFlagToPipelineOperator,
)
from tests.helpers.runs import run_task_with
from tests.helpers.tasks import VENDOR_OPERATORS

NAMED = [
    pytest.param(task.cls, task.kwargs, param, id=f"{task.name}.{param}")
    for task in VENDOR_OPERATORS
    for param in task.ids
]


@pytest.mark.parametrize(("operator", "kwargs", "param"), NAMED)
@pytest.mark.parametrize("rendered", ["None", "null", ""])
def test_an_id_key_or_name_rendered_to_nothing_fails_for_good_before_any_request(
    requests_mock, make_context, operator, kwargs, param, rendered
):
    op = operator(task_id="task", **{**kwargs, param: "{{ params.value }}"})

    with pytest.raises(ReleasePermanentError) as caught:
        run_task_with(op, make_context, params={"value": rendered})

    assert str(caught.value) == (
        f"Permanent failure (invalid parameter), not retried: {param} rendered to {rendered!r}: the template"
        " rendered to nothing; an upstream task's XCom may be missing (check that the task it pulls from ran"
        f" and pushed that value, and the task id and key in the template). To fix: fix {param} in the"
        " task's arguments (or what renders it); then clear the task."
    )
    assert isinstance(caught.value.__cause__, MissingValueError)
    assert requests_mock.request_history == []


def test_a_misspelt_field_fails_the_dag_import_even_when_its_value_is_a_template():
    with pytest.raises(InvalidParameterError) as caught:
        AhaCreateReleaseOperator(
            task_id="create", product_id="PRJ1", name="R", fields={"relase_date": "{{ ds }}"}
        )
    assert str(caught.value).startswith(
        "Task 'create' (AhaCreateReleaseOperator): Invalid fields=['relase_date']: expected field names"
        " among "
    )
    assert "release_date" in str(caught.value)


def test_a_date_that_does_not_exist_fails_the_dag_import_saying_so():
    with pytest.raises(InvalidParameterError) as caught:
        AhaUpdateReleaseOperator(
            task_id="ship", product_id="PRJ1", release_id="PRJ1-R-1", fields={"release_date": "2026-02-30"}
        )
    assert str(caught.value) == (
        "Task 'ship' (AhaUpdateReleaseOperator): Invalid release_date='2026-02-30': expected a date, a"
        " datetime, or a string 'YYYY-MM-DD' of a day that exists; the form is right but February 2026"
        " has 28 days, so there is no day 30."
    )


def test_a_wrong_literal_names_the_task_and_its_class_and_keeps_the_error_attributes():
    with pytest.raises(InvalidParameterError) as caught:
        LaunchDarklyAttachFlagToPipelineOperator(
            task_id="attach_flag_to_pipeline",
            project_key="default",
            flag_key="New Checkout!",
            release_pipeline_key="standard-release",
        )
    assert str(caught.value).startswith(
        "Task 'attach_flag_to_pipeline' (LaunchDarklyAttachFlagToPipelineOperator): Invalid"
        " flag_key='New Checkout!': expected "
    )
    assert (caught.value.param, caught.value.value) == ("flag_key", "New Checkout!")
    assert caught.value.accepted in str(caught.value)


@pytest.mark.parametrize(
    ("build", "prefix"),
    [
        (
            lambda: LaunchDarklyAttachFlagToPipelineOperator(
                task_id="attach",
                project_key="default",
                flag_key="new-checkout",
                release_pipeline_key="standard-release",
                replace_existing="yes",
            ),
            "Task 'attach' (LaunchDarklyAttachFlagToPipelineOperator): Invalid replace_existing='yes'",
        ),
        (
            lambda: CryptlexPublishReleaseOperator(task_id="publish", release_id="r-1", dry_run="no"),
            "Task 'publish' (CryptlexPublishReleaseOperator): Invalid dry_run='no'",
        ),
        (
            lambda: ReleaseApprovalOperator(task_id="approve_release", required="maybe"),
            "Task 'approve_release' (ReleaseApprovalOperator): Invalid required='maybe'",
        ),
    ],
)
def test_a_wrong_switch_names_the_task_too(build, prefix):
    with pytest.raises(InvalidParameterError) as caught:
        build()
    assert str(caught.value).startswith(prefix), str(caught.value)


def test_templated_values_are_checked_after_rendering_with_the_same_message(requests_mock, make_context):
    with pytest.raises(InvalidParameterError) as at_import:
        CryptlexPublishReleaseOperator(task_id="publish", release_id="a/b")
    op = CryptlexPublishReleaseOperator(task_id="publish", release_id="{{ params.release }}")

    with pytest.raises(ReleasePermanentError) as at_run:
        run_task_with(op, make_context, params={"release": "a/b"})

    # the same message, which at import names the task (at run time its log does)
    assert (
        str(at_import.value) == f"Task 'publish' (CryptlexPublishReleaseOperator): {at_run.value.__cause__}"
    )
    assert str(at_run.value.__cause__).startswith("Invalid release_id='a/b': expected ")
    assert requests_mock.request_history == []


def test_values_known_only_when_the_task_runs_are_not_checked_in_the_constructor():
    from airflow.sdk import DAG

    with DAG("deferred_values", schedule=None):
        build = AhaCreateReleaseOperator(task_id="create", product_id="PRJ1", name="R")
        copy = AhaDuplicateReleaseOperator(task_id="copy", release_id=build.output["id"])
        templated = AhaUpdateReleaseOperator(
            task_id="ship",
            product_id="{{ params.product }}",
            release_id="{{ ti.xcom_pull('create')['id'] }}",
            fields={"release_date": "{{ ds }}", "workflow_status": "Shipped"},
        )
    assert copy.upstream_task_ids == {"create"}
    assert templated.fields["release_date"] == "{{ ds }}"


def test_a_dag_file_with_a_wrong_literal_fails_to_import_with_the_message(tmp_path):
    from airflow.dag_processing.dagbag import DagBag

    dag_file = tmp_path / "wrong_literal.py"
    dag_file.write_text(
        textwrap.dedent(
            """
            from airflow.sdk import DAG
            from airflow_provider_releases.operators.aha import AhaCreateReleaseOperator

            with DAG("wrong_literal", schedule=None):
                AhaCreateReleaseOperator(
                    task_id="create", product_id="PRJ1", name="R", fields={"relase_date": "{{ ds }}"}
                )
            """
        )
    )

    bag = DagBag(dag_folder=str(dag_file))

    assert "wrong_literal" not in bag.dags
    [error] = bag.import_errors.values()
    assert (
        "InvalidParameterError: Task 'create' (AhaCreateReleaseOperator): Invalid fields=['relase_date']:"
        " expected field names among "
    ) in error
