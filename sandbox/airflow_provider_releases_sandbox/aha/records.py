"""Aha!'s objects in the sandbox: users, products, goals, initiatives, releases and release phases."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, ClassVar, TypeVar

from airflow_provider_releases_sandbox.core import Record

#: The time seeded objects were created at (seeds may set their own).
SEED_TIME = "2026-01-05T09:00:00.000Z"

AhaRecordT = TypeVar("AhaRecordT", bound="AhaRecord")


class AhaRecord(Record):
    """A record Aha! writes in snake_case, as it is kept (views add what Aha! derives)."""

    wire_name = staticmethod(str)

    @classmethod
    def from_seed(cls: type[AhaRecordT], raw: Any, **values: Any) -> AhaRecordT:
        """
        The record of a seed's object ``raw`` (its id as a string), with ``values`` set over it.

        :raises ValueError: ``raw`` has no id or a key the record does not have.
        """
        if not isinstance(raw, dict) or "id" not in raw:
            raise ValueError(f"aha seed: an object has no id: {raw!r}")
        unknown = sorted(set(raw) - {item.name for item in fields(cls)} - set(values))
        if unknown:
            raise ValueError(f"aha seed: {cls.__name__.lower()} {raw['id']} has unknown keys {unknown}")
        return cls(**{**raw, "id": str(raw["id"]), **values})


@dataclass(kw_only=True)
class User(AhaRecord):
    """A user of the account (the API key's user owns new releases)."""

    id: str
    name: str = ""
    email: str = ""
    created_at: str = SEED_TIME
    updated_at: str = SEED_TIME


@dataclass(kw_only=True)
class WorkflowStatus(AhaRecord):
    """A release workflow status; the one that ``ships`` marks a release shipped."""

    id: str
    name: str
    position: int = 1
    complete: bool = False
    color: str = "#dce7c6"
    ships: bool = False


@dataclass(kw_only=True)
class Product(AhaRecord):
    """A product (workspace) with its release workflow."""

    nested: ClassVar[dict[str, type[Record]]] = {"workflow_statuses": WorkflowStatus}

    id: str
    reference_prefix: str
    name: str
    workflow_statuses: list[WorkflowStatus]
    product_line: bool = False
    created_at: str = SEED_TIME


@dataclass(kw_only=True)
class Goal(AhaRecord):
    """A goal (strategic imperative) releases link to."""

    id: str
    name: str
    reference_num: str | None = None
    description: str = ""
    created_at: str = SEED_TIME


@dataclass(kw_only=True)
class Initiative(AhaRecord):
    """An initiative releases link to."""

    id: str
    name: str
    reference_num: str | None = None
    product_id: str | None = None
    description: str = ""
    created_at: str = SEED_TIME


@dataclass(kw_only=True)
class Theme(AhaRecord):
    """A release's theme: a rich-text body."""

    id: str
    body: str
    created_at: str


@dataclass(kw_only=True)
class StatusTime(AhaRecord):
    """A stay of a release in a workflow status (``ended_at`` ``None`` while it is there)."""

    status_id: str
    status_name: str
    started_at: str
    ended_at: str | None = None


@dataclass(kw_only=True)
class Release(AhaRecord):
    """A release (or a roll-up release: ``master_release``); users, goals and so on by id."""

    nested: ClassVar[dict[str, type[Record]]] = {"theme": Theme, "workflow_status_times": StatusTime}

    id: str
    product_id: str
    reference_num: str
    name: str
    start_date: str | None = None
    end_date: str | None = None
    development_started_on: str | None = None
    release_date: str | None = None
    external_release_date: str | None = None
    external_date_resolution: str | None = None
    released: bool = False
    parking_lot: bool = False
    master_release: bool = False
    released_on: str | None = None
    created_at: str
    updated_at: str
    position: int
    progress: int | float = 0
    progress_source: str = "progress_from_features_completed"
    duration_source: str = "duration_manual"
    status_changed_on: str
    capacity_units: str | None = None
    total_capacity_text: str | None = None
    theme: Theme
    workflow_status_id: str
    workflow_status_times: list[StatusTime]
    owner: str
    created_by: str
    goals: list[str] = field(default_factory=list)
    initiatives: list[str] = field(default_factory=list)
    watchers: list[str] = field(default_factory=list)
    parent_id: str | None = None
    integration_fields: list[Any] = field(default_factory=list)
    custom_fields: list[Any] = field(default_factory=list)
    comments_count: int = 0


@dataclass(kw_only=True)
class Phase(AhaRecord):
    """A release phase or milestone (a milestone ends the day it starts)."""

    id: str
    release_id: str
    name: str
    type: str = "phase"
    start_on: str | None = None
    end_on: str | None = None
    description: str = ""
    progress: int | float = 0
    created_at: str = SEED_TIME
    updated_at: str | None = None  # None: as created
