"""Amplitude's objects in the sandbox: release annotations, as ``POST /api/2/release`` answers them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from airflow_provider_releases_sandbox.core import Record


@dataclass(kw_only=True)
class Stamps(Record):
    """Who created and last changed a release, and when (epoch milliseconds): its ``params``."""

    wire_name = staticmethod(str)

    created: int
    created_by: str
    last_modified: int
    last_modified_by: str


@dataclass(kw_only=True)
class Release(Record):
    """A release annotation; Amplitude writes its fields in snake_case."""

    wire_name = staticmethod(str)
    nested: ClassVar[dict[str, type[Record]]] = {"params": Stamps}

    id: str
    app_id: int
    org_id: int
    version: str
    release_start: str
    release_end: str
    type: str
    title: str
    description: str
    platforms: list[str]
    chart_visibility: bool
    params: Stamps
