"""
Every operator and sensor of the provider, each with minimal valid arguments: the table the checks
that apply to all of them run over (``tests/provider/test_every_task.py``). It is checked complete
against ``get_provider_info()``, so a new operator or sensor cannot be left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from airflow_provider_releases.operators.aha import (
    AhaCreateReleaseOperator,
    AhaDeleteReleaseOperator,
    AhaDuplicateReleaseOperator,
    AhaUpdateReleaseOperator,
)
from airflow_provider_releases.operators.amplitude import AmplitudeCreateReleaseOperator
from airflow_provider_releases.operators.approval import ReleaseApprovalOperator
from airflow_provider_releases.operators.cryptlex import (
    CryptlexCreateReleaseOperator,
    CryptlexPublishReleaseOperator,
    CryptlexUploadReleaseFileOperator,
)
from airflow_provider_releases.operators.launchdarkly import (
    LaunchDarklyAttachFlagToPipelineOperator,
    LaunchDarklyStartPhaseOperator,
)
from airflow_provider_releases.operators.launchdarkly_environment import (
    LaunchDarklyStartEnvironmentReleaseOperator,
    LaunchDarklyStopEnvironmentReleaseOperator,
)
from airflow_provider_releases.sensors.aha import AhaReleaseShippedSensor
from airflow_provider_releases.sensors.cryptlex import CryptlexReleasePublishedSensor
from airflow_provider_releases.sensors.launchdarkly import (
    LaunchDarklyEnvironmentReleaseSensor,
    LaunchDarklyReleasePhaseSensor,
)

FLAG = {"project_key": "my-project", "flag_key": "new-checkout"}
ENVIRONMENT = {**FLAG, "environment_key": "production"}
KIND_CLAUSE = {"contextKind": "user", "attribute": "kind", "op": "in", "values": ["user"]}


@dataclass(frozen=True)
class Task:
    """An operator or sensor class with valid arguments, and what every check needs to know of it."""

    cls: type
    kwargs: dict[str, Any]
    #: Its id, key and name parameters (connection id included): none may render to nothing.
    ids: tuple[str, ...] = ()
    #: Those of ``ids`` that may be left out.
    optional_ids: tuple[str, ...] = ()
    #: The name of its extra link, if it has one.
    link: str | None = None
    sensor: bool = False
    #: Whether it calls a vendor (through a hook, on a connection whose id it takes).
    calls_vendor: bool = True

    @property
    def name(self) -> str:
        return self.cls.__name__

    def build(self, task_id: str = "task", **overrides: Any) -> Any:
        return self.cls(task_id=task_id, **{**self.kwargs, **overrides})

    @property
    def required_ids(self) -> tuple[str, ...]:
        return tuple(param for param in self.ids if param not in self.optional_ids)


TASKS = [
    Task(
        AmplitudeCreateReleaseOperator,
        {"version": "1.0", "title": "t"},
        ids=("version", "title", "amplitude_conn_id"),
    ),
    Task(
        LaunchDarklyAttachFlagToPipelineOperator,
        {**FLAG, "release_pipeline_key": "standard", "release_variation_id": "v-1"},
        ids=(*FLAG, "release_pipeline_key", "release_variation_id", "launchdarkly_conn_id"),
        optional_ids=("release_variation_id",),
        link="LaunchDarkly flag",
    ),
    Task(
        LaunchDarklyStartPhaseOperator,
        {**FLAG, "phase": "Testing", "audiences": [{"audienceId": "a"}]},
        ids=(*FLAG, "phase", "launchdarkly_conn_id"),
        link="LaunchDarkly flag",
    ),
    Task(
        LaunchDarklyStartEnvironmentReleaseOperator,
        {
            **ENVIRONMENT,
            "target_variation": True,
            "original_variation": False,
            "randomization_unit": "user",
            "phases": [
                {"clauses": [KIND_CLAUSE], "steps": [{"allocation": 10_000, "durationMillis": 60_000}]}
            ],
        },
        ids=(*ENVIRONMENT, "release_plan_key", "launchdarkly_conn_id"),
        optional_ids=("release_plan_key",),
        link="LaunchDarkly release",
    ),
    Task(
        LaunchDarklyStopEnvironmentReleaseOperator,
        {**ENVIRONMENT, "resolution": "roll_back_all_phases_and_remove_pending_phases", "release_id": "r-1"},
        ids=(*ENVIRONMENT, "release_id", "launchdarkly_conn_id"),
        optional_ids=("release_id",),
        link="LaunchDarkly release",
    ),
    Task(
        AhaCreateReleaseOperator,
        {"product_id": "PRJ1", "name": "R", "fields": {"theme": "x"}},
        ids=("product_id", "name", "aha_conn_id"),
        link="Aha! release",
    ),
    Task(
        AhaUpdateReleaseOperator,
        {"product_id": "PRJ1", "release_id": "PRJ1-R-1", "fields": {"theme": "x"}},
        ids=("product_id", "release_id", "aha_conn_id"),
        link="Aha! release",
    ),
    Task(
        AhaDuplicateReleaseOperator,
        {"release_id": "PRJ1-R-1"},
        ids=("release_id", "aha_conn_id"),
        link="Aha! release",
    ),
    Task(
        AhaDeleteReleaseOperator,
        {"product_id": "PRJ1", "release_id": "PRJ1-R-1"},
        ids=("product_id", "release_id", "aha_conn_id"),
    ),
    Task(
        CryptlexCreateReleaseOperator,
        {"product_id": "prod-1", "name": "R", "version": "1.0", "channel": "stable", "notes": "n"},
        ids=("product_id", "name", "version", "channel", "cryptlex_conn_id"),
        link="Cryptlex release",
    ),
    Task(
        CryptlexPublishReleaseOperator,
        {"release_id": "rel-1"},
        ids=("release_id", "cryptlex_conn_id"),
        link="Cryptlex release",
    ),
    Task(
        CryptlexUploadReleaseFileOperator,
        {"release_id": "rel-1", "path": "/tmp/app.zip", "file_name": "app.zip"},
        ids=("release_id", "path", "file_name", "cryptlex_conn_id"),
        optional_ids=("file_name",),
        link="Cryptlex release",
    ),
    Task(ReleaseApprovalOperator, {}, calls_vendor=False),
    Task(
        LaunchDarklyReleasePhaseSensor,
        {**FLAG, "phase": "Beta"},
        ids=(*FLAG, "phase", "launchdarkly_conn_id"),
        sensor=True,
    ),
    Task(
        LaunchDarklyEnvironmentReleaseSensor,
        {**ENVIRONMENT, "release_id": "r-1", "phase_index": 0},
        ids=(*ENVIRONMENT, "release_id", "launchdarkly_conn_id"),
        optional_ids=("release_id",),
        sensor=True,
    ),
    Task(AhaReleaseShippedSensor, {"release_id": "PRJ1-R-1"}, ids=("release_id", "aha_conn_id"), sensor=True),
    Task(
        CryptlexReleasePublishedSensor,
        {"release_id": "rel-1"},
        ids=("release_id", "cryptlex_conn_id"),
        sensor=True,
    ),
]
OPERATORS = [task for task in TASKS if not task.sensor]
SENSORS = [task for task in TASKS if task.sensor]
VENDOR_OPERATORS = [task for task in OPERATORS if task.calls_vendor]


def each(tasks: list[Task]) -> pytest.MarkDecorator:
    """Parametrize a test over ``tasks`` as ``task``, with the class names as ids."""
    return pytest.mark.parametrize("task", tasks, ids=[task.name for task in tasks])
