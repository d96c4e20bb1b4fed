"""Cryptlex's objects in the sandbox: products, releases and release files, as the API answers them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from airflow_provider_releases_sandbox.core import Record


@dataclass(kw_only=True)
class Product(Record):
    """A product (``GET /v3/products/{id}``)."""

    id: str
    created_at: str
    updated_at: str
    name: str
    display_name: str
    description: str
    tenant_id: str


@dataclass(kw_only=True)
class ReleaseFile(Record):
    """A file of a release, as the file host answers its upload."""

    id: str
    created_at: str
    updated_at: str
    name: str
    url: str
    size: int
    downloads: int
    extension: str
    checksum: str
    secured: bool
    published: bool
    release_id: str
    release_name: str


@dataclass(kw_only=True)
class Release(Record):
    """A release (``GET /v3/releases/{id}``); ``published`` makes it read-only."""

    nested: ClassVar[dict[str, type[Record]]] = {"files": ReleaseFile}

    id: str
    created_at: str
    updated_at: str
    name: str
    channel: str
    version: str
    platforms: list[str]
    notes: str
    total_files: int = 0
    published_at: str | None = None
    files: list[ReleaseFile] = field(default_factory=list)
    published: bool = False
    private: bool = False
    archived: bool = False
    product_id: str
    tenant_id: str
