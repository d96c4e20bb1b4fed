"""
Every example DAG's trigger form can be submitted with its defaults, as Airflow 3.3's UI judges it.

The form gets each param as the REST API sends it (``GET /api/v2/dags/{dag_id}/details``: the
serialized DAG's ``SerializedParam.dump()``, whose ``value`` is the default when it is valid,
else null). Airflow 3.3's ``FlexibleForm`` (``isParamRequired.tsx``, ``FlexibleForm.tsx``) counts a
field as required when its schema has a ``type`` that does not include ``"null"``, and as missing
when its value is null, undefined or ``""``: then it says "This field is required" and keeps the
Trigger button disabled. When the form is sent, the API server validates each value against the
param's JSON schema (jsonschema, as ``Param.resolve`` does).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from jsonschema import FormatChecker, ValidationError, validate

from airflow_provider_releases.workflows import SANDBOX_TARGETS, TARGET_KEYS, target_params

EXAMPLE_DAGS = Path(__file__).resolve().parents[2] / "example_dags"
REQUIRED = "This field is required"


def form_requires(schema: dict[str, Any]) -> bool:
    """The 3.3 form's ``isRequired``: a typed field is required unless ``"null"`` is one of its types."""
    kind = schema.get("type")
    return bool(kind) and not (isinstance(kind, list) and "null" in kind)


def schema_error(value: Any, schema: dict[str, Any]) -> str | None:
    """What the API server says of ``value`` when the form is sent, or None when it is valid."""
    try:
        validate(value, schema, format_checker=FormatChecker())
    except ValidationError as error:
        return error.message
    return None


def form_errors(fields: dict[str, dict[str, Any]], entered: dict[str, Any] | None = None) -> dict[str, str]:
    """
    Each field the form refuses, with why: ``fields`` as the API sends them (``value`` and
    ``schema``), ``entered`` what the user typed over them (a cleared field sends null).
    """
    errors = {}
    for name, field in fields.items():
        value = (entered or {}).get(name, field["value"])
        if form_requires(field["schema"]) and value in (None, ""):
            errors[name] = REQUIRED
        elif (problem := schema_error(value, field["schema"])) is not None:
            errors[name] = problem
    return errors


def form_fields(dag) -> dict[str, dict[str, Any]]:
    """The params of ``dag`` as the REST API gives them to the trigger form (through serialization)."""
    from airflow.serialization.serialized_objects import DagSerialization

    served = DagSerialization.from_dict(DagSerialization.to_dict(dag))
    return {name: param.dump() for name, param in served.params.items()}


@pytest.fixture(scope="module")
def example_dags() -> dict[str, Any]:
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(EXAMPLE_DAGS))
    assert bag.import_errors == {}
    return bag.dags


def manual_dag(params: dict[str, Any]):
    """A DAG triggered by hand with ``params``."""
    import pendulum
    from airflow.sdk import DAG

    return DAG("form", schedule=None, start_date=pendulum.datetime(2026, 1, 1, tz="UTC"), params=params)


def test_every_example_dags_trigger_form_can_be_sent_with_its_defaults(example_dags) -> None:
    refused = {dag_id: form_errors(form_fields(dag)) for dag_id, dag in example_dags.items()}
    assert {dag_id: errors for dag_id, errors in refused.items() if errors} == {}
    assert "title" in form_fields(example_dags["release_workflow"])  # the params were read


def test_release_workflows_title_is_optional_and_empty_by_default(example_dags) -> None:
    title = form_fields(example_dags["release_workflow"])["title"]
    assert title["value"] is None and not form_requires(title["schema"])
    assert form_errors({"title": title}, {"title": "Spring release"}) == {}


def test_an_empty_string_default_of_a_plain_string_param_is_refused_as_missing() -> None:
    from airflow.sdk import Param

    fields = form_fields(manual_dag({"title": Param("", type="string"), "note": Param(None, type="string")}))
    assert form_errors(fields) == {"title": REQUIRED, "note": REQUIRED}


def test_target_params_without_defaults_are_required_until_filled() -> None:
    fields = form_fields(manual_dag(target_params()))
    assert form_errors(fields) == dict.fromkeys(TARGET_KEYS, REQUIRED)
    assert form_errors(fields, SANDBOX_TARGETS) == {}
    cleared = {**SANDBOX_TARGETS, "flag": None}  # a field the user emptied
    assert form_errors(fields, cleared) == {"flag": REQUIRED}


def test_target_params_with_defaults_can_be_sent_as_they_are() -> None:
    assert form_errors(form_fields(manual_dag(target_params(SANDBOX_TARGETS)))) == {}
