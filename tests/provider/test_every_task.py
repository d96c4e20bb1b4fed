"""The checks that apply to every operator and sensor, driven by the table in ``tests/helpers/tasks.py``."""

from __future__ import annotations

import copy
import importlib
import inspect

import pytest
from airflow.sdk import BaseOperator

from airflow_provider_releases.exceptions import MissingValueError
from airflow_provider_releases.get_provider_info import get_provider_info
from tests.helpers.tasks import OPERATORS, TASKS, VENDOR_OPERATORS, Task, each


def _declared_classes() -> set[type]:
    """The operator and sensor classes the modules in ``get_provider_info()`` define, bases left out."""
    info = get_provider_info()
    found = set()
    for layer in ("operators", "sensors"):
        for entry in info[layer]:
            for module_name in entry["python-modules"]:
                module = importlib.import_module(module_name)
                for _, cls in inspect.getmembers(module, inspect.isclass):
                    if (
                        cls.__module__ == module_name
                        and issubclass(cls, BaseOperator)
                        and "Base" not in cls.__name__
                    ):
                        found.add(cls)
    return found


def test_the_table_lists_every_operator_and_sensor_the_provider_declares() -> None:
    listed = [task.cls for task in TASKS]
    assert len(listed) == len(set(listed))
    assert {cls.__name__ for cls in listed} == {cls.__name__ for cls in _declared_classes()}


@each(TASKS)
def test_the_class_says_what_it_does_and_documents_each_parameter(task: Task) -> None:
    doc = inspect.getdoc(task.cls)
    assert doc and doc.splitlines()[0].strip()
    ours = [cls for cls in task.cls.__mro__ if cls.__module__.startswith("airflow_provider_releases.")]
    documented = "".join(inspect.getdoc(cls) or "" for cls in ours)
    params = {
        param.name
        for cls in ours
        if "__init__" in vars(cls)
        for param in inspect.signature(cls.__init__).parameters.values()
        if param.kind is param.KEYWORD_ONLY
    }
    assert sorted(name for name in params if f":param {name}:" not in documented) == []


@each(TASKS)
def test_template_fields_name_attributes_and_the_connection_id_is_templated(task: Task) -> None:
    built = task.build()
    assert all(hasattr(built, name) for name in task.cls.template_fields)
    if task.calls_vendor:
        assert task.cls.hook_class.conn_name_attr in task.cls.template_fields
    assert set(task.ids) <= set(task.cls.template_fields)


@each([task for task in TASKS if task.required_ids])
def test_a_required_id_given_as_nothing_fails_the_dag_import_naming_the_task(task: Task) -> None:
    for param in task.required_ids:
        for given in (None, "", "None"):
            with pytest.raises(MissingValueError) as caught:
                task.build(**{param: given})
            assert str(caught.value) == (  # the task and its class: the traceback shows only ours
                f"Task 'task' ({task.name}): {param}={given!r} gives no value: {param} is required; pass"
                f" the {param}."
            )


@each(VENDOR_OPERATORS)
def test_an_operator_takes_dry_run(task: Task) -> None:
    assert task.build(dry_run=True).dry_run is True


@each(TASKS)
def test_a_copy_keeps_the_arguments(task: Task) -> None:
    """Airflow copies tasks (``dag.partial_subset``, mapping): a copy must hold the same values."""
    built = task.build()
    again = copy.deepcopy(built)
    assert {name: getattr(again, name) for name in task.cls.template_fields} == {
        name: getattr(built, name) for name in task.cls.template_fields
    }


def test_every_task_serialises_with_its_template_fields_and_extra_link(monkeypatch) -> None:
    """What the scheduler and the UI see: the serialised DAG keeps the links (read from XCom)."""
    from airflow.sdk import DAG
    from airflow.serialization.serialized_objects import DagSerialization

    # As the UI reads a DAG: Airflow keeps this switch on the class, and reading a DAG for a run
    # (an earlier test's dag.test()) leaves it off.
    monkeypatch.setattr(DagSerialization, "_load_operator_extra_links", True)

    with DAG("release_tasks", schedule=None) as dag:
        for task in TASKS:
            task.build(task_id=task.name)
    restored = DagSerialization.deserialize_dag(DagSerialization.serialize_dag(dag))
    for task in TASKS:
        serialised = restored.get_task(task.name)
        assert tuple(serialised.template_fields) == tuple(task.cls.template_fields), task.name
        assert [link.name for link in serialised.operator_extra_links] == ([task.link] if task.link else [])
        for link in serialised.operator_extra_links:
            # the task runner pushes get_link()'s answer under this key when the task finishes
            own = type(dag.get_task(task.name).operator_extra_links[0]).__name__
            assert link.xcom_key == f"_link_{own}"


@each([task for task in OPERATORS if task.link])
def test_every_extra_link_is_registered(task: Task) -> None:
    declared = set(get_provider_info()["extra-links"])
    for link in task.cls.operator_extra_links:
        assert f"{type(link).__module__}.{type(link).__name__}" in declared
