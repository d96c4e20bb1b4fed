"""Cryptlex's sandbox state: products, releases and release files, with the rules of their fields."""

from __future__ import annotations

import hashlib
import re
import uuid
from datetime import datetime, timezone
from typing import Any

from airflow_provider_releases_sandbox.core import (
    ApiError,
    Model,
    iso_now,
    json_copy,
    load_seed,
)
from airflow_provider_releases_sandbox.cryptlex.records import Product, Release, ReleaseFile
from airflow_provider_releases_sandbox.cryptlex.rules import (
    DEFAULT_CHANNEL,
    FILE_NAME,
    MAX_NAME,
    MAX_NOTES,
    UPDATABLE_FIELDS,
    VERSION,
)

DEFAULT_SEED: dict[str, Any] = load_seed(__package__)
ACCESS_TOKEN: str = DEFAULT_SEED["access_token"]
TENANT_ID: str = DEFAULT_SEED["tenant_id"]
DESKTOP_APP_ID: str = DEFAULT_SEED["products"][0]["id"]
CLI_TOOLS_ID: str = DEFAULT_SEED["products"][1]["id"]
#: The default seed's published release ("Desktop app" 1.0.0, stable, one file): read-only.
PUBLISHED_RELEASE_ID: str = DEFAULT_SEED["releases"][0]["id"]
#: The default seed's unpublished release ("Desktop app" 1.1.0, beta, no files).
DRAFT_RELEASE_ID: str = DEFAULT_SEED["releases"][1]["id"]
#: The longest release file name the file host takes (the page's FILE_NAME sets no length).
MAX_FILE_NAME = 256
DATE_TIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,7})?(?:Z|[+-][0-9]{2}:[0-9]{2})", re.I
)
CREATE_FIELDS = (*UPDATABLE_FIELDS, "productId", "createdAt")
CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 409: "conflict",
         429: "too_many_requests"}  # fmt: skip


class CryptlexModel(Model):
    """Cryptlex's state and rules; :class:`CryptlexBackend` holds one and answers HTTP with it."""

    name = "cryptlex"
    default_seed: dict[str, Any] = DEFAULT_SEED
    state_fields = ("products", "releases")

    def load(self, seed: dict[str, Any]) -> None:
        """Build the products and releases from ``seed`` (see the class docstring)."""
        self.access_token = seed.get("access_token", ACCESS_TOKEN)
        self.tenant_id = seed.get("tenant_id", TENANT_ID)
        default_products = "products" not in seed
        products = self.default_seed["products"] if default_products else seed["products"]
        self.products: dict[str, Product] = {}
        for given in products:
            product = self._seed_product(given)
            self.products[product.id] = product
        releases = seed.get("releases", self.default_seed["releases"] if default_products else [])
        self.releases: dict[str, Release] = {}
        for given in json_copy(releases):
            release = self._seed_release(given)
            self.releases[release.id] = release

    def _seed_product(self, given: dict[str, Any]) -> Product:
        if not isinstance(given, dict) or not isinstance(given.get("id"), str) or not given.get("name"):
            raise ValueError(f"cryptlex seed: a product needs a string 'id' and a 'name': {given!r}")
        stamp = seed_stamp(given, "createdAt")
        return Product(
            id=given["id"],
            created_at=stamp,
            updated_at=given.get("updatedAt") or stamp,
            name=given["name"],
            display_name=given.get("displayName") or given["name"],
            description=given.get("description") or "",
            tenant_id=self.tenant_id,
        )

    def _seed_release(self, given: dict[str, Any]) -> Release:
        if not isinstance(given, dict) or given.get("productId") not in self.products:
            raise ValueError(f"cryptlex seed: a release needs the 'productId' of a seeded product: {given!r}")
        for key in ("name", "version"):
            if not isinstance(given.get(key), str) or not given[key]:
                raise ValueError(f"cryptlex seed: a release needs a string {key!r}: {given!r}")
        stamp = seed_stamp(given, "createdAt")
        published = bool(given.get("published", False))
        release = self.new_release(
            given.get("id") or str(uuid.uuid4()),
            stamp,
            name=given["name"],
            version=given["version"],
            channel=given.get("channel") or DEFAULT_CHANNEL,
            platforms=list(given.get("platforms") or []),
            private=bool(given.get("private", False)),
            notes=given.get("notes") or "",
            product_id=given["productId"],
        )
        release.published = published
        if published:
            release.published_at = seed_stamp(given, "publishedAt") if given.get("publishedAt") else stamp
        for file in given.get("files") or []:
            if not isinstance(file, dict) or not is_file_name(str(file.get("name", ""))):
                raise ValueError(f"cryptlex seed: a release file needs a valid 'name': {file!r}")
            record = self._file_record(
                release, file["name"], int(file.get("size", 0)), file.get("checksum") or "", stamp
            )
            release.files.append(record)
        release.total_files = len(release.files)
        return release

    # Errors, secrets

    def from_snapshot(self, name: str, value: Any) -> Any:
        """Products and releases as records."""
        record = {"products": Product, "releases": Release}[name]
        return {key: record.from_json(item) for key, item in value.items()}

    def error(self, status: int, message: str, code: str | None = None) -> ApiError:
        """Cryptlex's error body: ``{"message": ..., "code": ...}``."""
        return ApiError(
            status,
            {
                "message": message,
                "code": code
                or CODES.get(status, "internal_server_error" if status >= 500 else "bad_request"),
            },
        )

    def secrets(self) -> list[str]:
        """The access token."""
        return [self.access_token]

    # Changes

    def store_file(self, release_id: str, file_name: str, content: bytes) -> ReleaseFile:
        """Store a file in an unpublished release (a name it has already is replaced); return its record."""
        if not is_file_name(file_name) or file_name in (".", ".."):
            raise self.error(
                400,
                f"Invalid file name {file_name!r}: use only letters, digits, '.', '-' and '_' (at most 256).",
            )
        release = self.release(release_id)
        if release.published:
            raise self.error(
                400,
                "A published release cannot be modified: no files can be uploaded to it.",
                "release_published",
            )
        stamp = iso_now()
        record = self._file_record(
            release, file_name, len(content), hashlib.sha256(content).hexdigest(), stamp
        )
        for index, existing in enumerate(release.files):
            if existing.name == file_name:
                record.id, record.created_at = existing.id, existing.created_at
                release.files[index] = record
                break
        else:
            release.files.append(record)
        release.total_files = len(release.files)
        release.updated_at = stamp
        return record

    def state(self) -> dict[str, Any]:
        """Each product with its releases (version, channel, published flag, file names)."""
        return {
            "tenantId": self.tenant_id,
            "products": [
                {
                    "id": product.id,
                    "name": product.name,
                    "releases": [
                        {
                            "id": release.id,
                            "name": release.name,
                            "version": release.version,
                            "channel": release.channel,
                            "published": release.published,
                            "files": [file.name for file in release.files],
                        }
                        for release in self.releases.values()
                        if release.product_id == product.id
                    ],
                }
                for product in self.products.values()
            ],
        }

    def publish_control(self, release_id: str) -> Release:
        """Publish a release as a person would in the dashboard (for sensors); return it."""
        release = self.releases.get(release_id)
        if release is None:
            raise ValueError(f"release_id={release_id!r} is unknown: expected one of {sorted(self.releases)}")
        return release if release.published else self.publish(release)

    # Helpers

    def new_release(self, release_id: str, created_at: str, **fields: Any) -> Release:
        """A new unpublished release with no files."""
        return Release(
            id=release_id,
            created_at=created_at,
            updated_at=created_at,
            name=fields["name"],
            channel=fields["channel"],
            version=fields["version"],
            platforms=fields["platforms"],
            notes=fields["notes"],
            private=fields["private"],
            product_id=fields["product_id"],
            tenant_id=self.tenant_id,
        )

    def _file_record(self, release: Release, name: str, size: int, checksum: str, stamp: str) -> ReleaseFile:
        return ReleaseFile(
            id=str(uuid.uuid4()),
            created_at=stamp,
            updated_at=stamp,
            name=name,
            url=f"https://releases.cryptlex.com/v3/{release.id}/{name}",
            size=size,
            downloads=0,
            extension=name.rpartition(".")[2] if "." in name.strip(".") else "",
            checksum=checksum,
            secured=False,
            published=release.published,
            release_id=release.id,
            release_name=release.name,
        )

    def publish(self, release: Release) -> Release:
        """Publish ``release`` and its files; return it."""
        stamp = iso_now()
        release.published, release.published_at, release.updated_at = True, stamp, stamp
        for file in release.files:
            file.published = True
        return release

    def release(self, release_id: str) -> Release:
        """The release ``release_id``, or 404."""
        release = self.releases.get(release_id)
        if release is None:
            raise self.error(404, f"Release {release_id!r} not found.")
        return release

    def writable(self, release: Release, verb: str) -> None:
        """400 if ``release`` is published (it cannot be ``verb``)."""
        if release.published:
            raise self.error(400, f"A published release cannot be {verb}.", "release_published")

    def reject_unknown(self, body: dict[str, Any], known: tuple[str, ...]) -> None:
        """400 if ``body`` has a field outside ``known``."""
        unknown = sorted(set(body) - set(known))
        if unknown:
            raise self.error(
                400, f"Unknown field(s) {', '.join(unknown)}: the accepted fields are {', '.join(known)}."
            )

    def text_field(self, body: dict[str, Any], key: str, minimum: int, maximum: int) -> str:
        """``body[key]``: a string of ``minimum`` to ``maximum`` characters, or 400."""
        value = body[key]
        if not isinstance(value, str) or not minimum <= len(value) <= maximum:
            raise self.error(
                400, f"The {key} field must be a string of {minimum} to {maximum} characters, not {value!r}."
            )
        return value

    def checked_fields(self, body: dict[str, Any]) -> dict[str, Any]:
        """The release fields of ``body`` checked as documented (``null`` = not given)."""
        fields: dict[str, Any] = {}
        for key in ("name", "channel"):
            if body.get(key) is not None:
                fields[key] = self.text_field(body, key, 1, MAX_NAME)
        if body.get("notes") is not None:
            fields["notes"] = self.text_field(body, "notes", 0, MAX_NOTES)
        version = body.get("version")
        if version is not None:
            if not isinstance(version, str) or not VERSION.fullmatch(version):
                raise self.error(
                    400, f"The version field must be x.x, x.x.x or x.x.x.x in digits, not {version!r}."
                )
            fields["version"] = version
        platforms = body.get("platforms")
        if platforms is not None:
            if not isinstance(platforms, list) or not all(isinstance(item, str) for item in platforms):
                raise self.error(400, f"The platforms field must be an array of strings, not {platforms!r}.")
            fields["platforms"] = platforms
        private = body.get("private")
        if private is not None:
            if not isinstance(private, bool):
                raise self.error(400, f"The private field must be true or false, not {private!r}.")
            fields["private"] = private
        return fields


def is_file_name(name: str) -> bool:
    """Whether ``name`` can name a release file: ``rules.FILE_NAME``, at most 256 characters."""
    return bool(FILE_NAME.fullmatch(name)) and len(name) <= MAX_FILE_NAME


def seed_stamp(given: dict[str, Any], key: str) -> str:
    """The seed's date-time ``key`` in the API's form (now when absent); ``ValueError`` when malformed."""
    if not given.get(key):
        return iso_now()
    stamp = utc_stamp(given[key])
    if stamp is None:
        raise ValueError(f"cryptlex seed: {key}={given[key]!r} is not an RFC 3339 date-time")
    return stamp


def utc_stamp(value: Any) -> str | None:
    """An RFC 3339 date-time as the API writes it (UTC, milliseconds, ``Z``), or ``None``."""
    if not isinstance(value, str) or not DATE_TIME.fullmatch(value):
        return None
    try:
        text = re.sub(r"\.(\d{1,6})\d*", r".\1", value.upper()).replace("Z", "+00:00")
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
