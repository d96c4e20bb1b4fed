"""Aha!'s rule book (``rules/aha.py``): release fields and their progress rule, whether a release shipped."""

from __future__ import annotations

import datetime as dt

import pytest

from airflow_provider_releases.exceptions import InvalidParameterError
from airflow_provider_releases.rules import aha as rules
from airflow_provider_releases.rules.aha import is_shipped, release_fields, workflow_status_name

# Shipment


@pytest.mark.parametrize(
    ("release", "shipped"),
    [
        ({"released": True}, True),
        ({"released": False}, False),
        ({"released": "true"}, False),  # only the boolean true says it shipped
        ({"released": None}, False),
    ],
)
def test_is_shipped_reads_released(release, shipped):
    assert is_shipped(release) is shipped


def test_is_shipped_is_none_when_the_view_does_not_say():
    # List items lack ``released``; a workflow status named "Shipped" does not decide either.
    assert is_shipped({"id": "1", "workflow_status": {"name": "Shipped"}}) is None


def test_workflow_status_name():
    assert workflow_status_name({"workflow_status": {"id": "1", "name": "Shipped"}}) == "Shipped"
    assert workflow_status_name({"workflow_status": "Shipped"}) is None
    assert workflow_status_name({}) is None


# Release fields


def test_release_fields_return_the_wire_form():
    assert release_fields(
        {"name": "R", "start_date": dt.date(2026, 5, 1), "release_date": "2026-06-30", "theme": None},
        creating=True,
    ) == {"name": "R", "start_date": "2026-05-01", "release_date": "2026-06-30"}


def test_progress_is_taken_with_the_manual_progress_source():
    assert release_fields({"progress": 25, "progress_source": "progress_manual"}, creating=True) == {
        "progress": 25,
        "progress_source": "progress_manual",
    }


def test_an_update_may_set_progress_alone():
    # The release's progress source is already manual, or Aha! says it is not.
    assert release_fields({"progress": 25}, creating=False) == {"progress": 25}


@pytest.mark.parametrize(
    ("fields", "creating"),
    [
        ({"progress": 25}, True),  # a new release has no progress source yet
        ({"progress": 25, "progress_source": "progress_from_features"}, True),
        ({"progress": 25, "progress_source": "progress_from_todos"}, False),
    ],
)
def test_progress_with_another_progress_source_is_refused(fields, creating):
    with pytest.raises(InvalidParameterError) as caught:
        release_fields(fields, creating=creating)
    assert (caught.value.param, caught.value.value) == ("progress", 25)
    assert str(caught.value) == (
        "Invalid progress=25: expected a value only together with progress_source='progress_manual'."
    )


@pytest.mark.parametrize(
    ("fields", "param"),
    [
        ({"progress": 101, "progress_source": "progress_manual"}, "progress"),
        ({"progress_source": "manual"}, "progress_source"),
        ({"colour": "red"}, "fields"),
    ],
)
def test_release_fields_name_the_field_in_error(fields, param):
    with pytest.raises(InvalidParameterError) as caught:
        release_fields(fields, creating=True)
    assert caught.value.param == param


def test_pending_fields_have_their_names_checked_not_their_values():
    assert rules.release_fields(
        {"release_date": "{{ ds }}", "theme": "x"}, creating=True, pending={"release_date"}
    ) == {"theme": "x"}
    # progress with a templated progress_source: the pairing is checked once rendered
    assert rules.release_fields(
        {"progress": 40, "progress_source": "{{ params.source }}"}, creating=True, pending={"progress_source"}
    ) == {"progress": 40}
    with pytest.raises(InvalidParameterError, match=r"^Invalid fields=\['relase_date'\]"):
        rules.release_fields({"relase_date": "{{ ds }}"}, creating=True, pending={"relase_date"})


def test_an_update_changes_at_least_one_field():
    assert rules.update_fields({"workflow_status": "Shipped"}) == {"workflow_status": "Shipped"}
    assert rules.update_fields({"release_date": "{{ ds }}"}, pending={"release_date"}) == {}
    with pytest.raises(InvalidParameterError) as caught:
        rules.update_fields({})
    assert str(caught.value) == "Invalid fields={}: expected at least one release field to change."
