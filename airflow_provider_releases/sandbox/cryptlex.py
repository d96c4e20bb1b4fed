"""Cryptlex in the sandbox: products, releases, publishing, and release file uploads."""

from __future__ import annotations

import hashlib
import json
import math
import re
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from airflow_provider_releases.sandbox.core import (
    ApiError,
    Backend,
    Reply,
    Request,
    control,
    int_param,
    iso_now,
    page_slice,
    route,
)

ACCESS_TOKEN = "sandbox-cryptlex-token"
TENANT_ID = "5d3b9c1e-8f2a-4b7c-9e61-0a4d2f8b7c35"
DESKTOP_APP_ID = "0b7e4f2c-91a6-4d38-b5c2-6e1f9a3d8c47"
CLI_TOOLS_ID = "7c2d9e51-3a8b-4f06-a1d4-5b9e0c6f2a18"
#: The default seed's published release ("Desktop app" 1.0.0, stable, one file): read-only.
PUBLISHED_RELEASE_ID = "3e8f1a6c-2b4d-4c9e-8a7f-1d5b6c0e9f24"
#: The default seed's unpublished release ("Desktop app" 1.1.0, beta, no files).
DRAFT_RELEASE_ID = "a41c7d09-5e3f-4b82-9c6a-0f8e2d4b6a13"
DEFAULT_PAGE_SIZE = 10
MAX_PAGE_SIZE = 100
#: The total number of items of a list, sent with every page (the hook reads it to stop paging).
COUNT_HEADER = "Pagination-Count"

_VERSION = re.compile(r"\d+\.\d+(?:\.\d+){0,2}")
_FILE_NAME = re.compile(r"[A-Za-z0-9._-]{1,256}")
_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,7})?(?:Z|[+-]\d{2}:\d{2})", re.I)
_CREATE_FIELDS = ("name", "version", "channel", "platforms", "private", "notes", "productId", "createdAt")
_UPDATE_FIELDS = ("name", "version", "channel", "platforms", "private", "notes")


class CryptlexBackend(Backend):
    """
    Cryptlex's Web API v3 releases (``/v3/releases``, ``/v3/products``) and the release file host.

    Routes (API host, mounted at ``/cryptlex``):

    - ``POST /v3/releases``: 201 with the release. Body checked as documented: ``name`` 1..256,
      ``version`` ``x.x``/``x.x.x``/``x.x.x.x`` in digits, ``channel`` 1..256 (default
      ``"stable"``), ``platforms`` an array of strings, ``private`` a boolean, ``notes`` at most
      4096, ``productId`` 1..256, ``createdAt`` an RFC 3339 date-time with a zone (becomes the
      release's ``createdAt``, to back-fill old releases); an unknown field is a 400. A
      ``productId`` that names no product is a **404** ("Product ... not found"), as for any
      other unknown object.
    - ``GET /v3/releases?productId=&version=&channel=&name=&platform=&page=&limit=``: a JSON array,
      newest ``createdAt`` first; ``productId`` is required (400 without). The filters match
      exactly (``platform``: one of the release's platforms). Paged by ``page`` (from 1) and
      ``limit`` (1..100, default 10); the ``Pagination-Count`` header holds the total count.
    - ``GET /v3/releases/{id}``; ``PATCH /v3/releases/{id}`` (any of ``name``, ``version``,
      ``channel``, ``platforms``, ``private``, ``notes``, checked as on create); ``DELETE
      /v3/releases/{id}`` (204, no body).
    - ``POST /v3/releases/{id}/publish``: 200 with the release, now ``published: true`` with
      ``publishedAt`` set (and its files ``published``).
    - A published release is read-only: PATCH, DELETE, publishing it again and uploading a file
      to it answer **400** (code ``release_published``) with a message that says so.
    - ``GET /v3/products`` (paged as the releases; what ``test_connection`` reads) and
      ``GET /v3/products/{id}``.
    - Release file host (mounted at ``/cryptlex-releases``, seen here under ``/files``):
      ``PUT /v3/{releaseId}/{fileName}`` with the raw file bytes as the body. The name may hold
      only letters, digits, ``.``, ``-`` and ``_`` (1..256; else 400); an unknown release is a
      404. Answers 200 with the file record (``id``, ``name``, ``url``, ``size``, ``extension``
      without the dot, ``checksum`` = SHA-256 hex of the bytes, ``releaseId``, ...), which is
      added to the release's ``files`` (``totalFiles`` counts them). Uploading a name the release
      already has replaces that file (same id). The bytes themselves are not kept, and ``url``
      names the vendor's download address, which the sandbox does not serve.

    Date-times are answered in UTC with milliseconds (``2019-08-24T14:15:22.000Z``); a given
    ``createdAt`` is converted to that form. ``publishedAt`` is ``null`` until published.

    Errors: ``{"message": ..., "code": ...}``; 401 for a missing, non-Bearer or wrong token.

    Controls: ``cryptlex.state`` (each product with its releases: version, channel, published
    flag, file names) and ``cryptlex.publish`` (``release_id``: publish a release as a person
    would in the dashboard, e.g. to let a sensor finish; an already published one is returned).

    Seed (every key optional)::

        {
          "access_token": str,
          "tenant_id": str,
          "products": [{"id": str, "name": str, "displayName"?: str, "description"?: str,
                        "createdAt"?: str}],
          "releases": [{"id"?: str, "productId": str, "name": str, "version": str,
                        "channel"?: str, "platforms"?: [str], "notes"?: str, "private"?: bool,
                        "published"?: bool, "publishedAt"?: str, "createdAt"?: str,
                        "files"?: [{"name": str, "size"?: int, "checksum"?: str}]}]
        }

    Without ``products`` the default products ("Desktop app", "Command-line tools") are used;
    without ``releases`` the default releases (a published "Desktop app" 1.0.0 on ``stable``
    with one file, and an unpublished 1.1.0 on ``beta``) when the default products are used,
    else none.
    """

    name = "cryptlex"
    default_seed: dict[str, Any] = {
        "access_token": ACCESS_TOKEN,
        "tenant_id": TENANT_ID,
        "products": [
            {
                "id": DESKTOP_APP_ID,
                "name": "Desktop app",
                "displayName": "Desktop App",
                "description": "The desktop application for Windows, macOS and Linux.",
                "createdAt": "2024-01-15T09:30:00.000Z",
            },
            {
                "id": CLI_TOOLS_ID,
                "name": "Command-line tools",
                "displayName": "CLI Tools",
                "description": "Command-line tools for automation.",
                "createdAt": "2024-03-02T14:00:00.000Z",
            },
        ],
        "releases": [
            {
                "id": PUBLISHED_RELEASE_ID,
                "productId": DESKTOP_APP_ID,
                "name": "Desktop app 1.0.0",
                "version": "1.0.0",
                "channel": "stable",
                "platforms": ["windows", "macos", "linux"],
                "notes": "## First release",
                "private": False,
                "published": True,
                "createdAt": "2024-06-03T10:00:00.000Z",
                "publishedAt": "2024-06-04T08:15:00.000Z",
                "files": [
                    {
                        "name": "DesktopApp-1.0.0-win64.exe",
                        "size": 48_213_504,
                        "checksum": "9f2c4e6a8b0d1f3e5a7c9b1d3f5e7a9c0b2d4f6e8a1c3e5b7d9f0a2c4e6b8d0f",
                    }
                ],
            },
            {
                "id": DRAFT_RELEASE_ID,
                "productId": DESKTOP_APP_ID,
                "name": "Desktop app 1.1.0 beta",
                "version": "1.1.0",
                "channel": "beta",
                "platforms": ["windows", "macos"],
                "notes": "",
                "private": True,
                "published": False,
                "createdAt": "2024-09-10T16:20:00.000Z",
            },
        ],
    }

    def load(self, seed: dict[str, Any]) -> None:
        """Build the products and releases from ``seed`` (see the class docstring)."""
        self.access_token = seed.get("access_token", ACCESS_TOKEN)
        self.tenant_id = seed.get("tenant_id", TENANT_ID)
        default_products = "products" not in seed
        products = self.default_seed["products"] if default_products else seed["products"]
        self.products: dict[str, dict[str, Any]] = {}
        for given in products:
            product = self._seed_product(given)
            self.products[product["id"]] = product
        releases = seed.get("releases", self.default_seed["releases"] if default_products else [])
        self.releases: dict[str, dict[str, Any]] = {}
        for given in json_copy(releases):
            release = self._seed_release(given)
            self.releases[release["id"]] = release

    def _seed_product(self, given: dict[str, Any]) -> dict[str, Any]:
        if not isinstance(given, dict) or not isinstance(given.get("id"), str) or not given.get("name"):
            raise ValueError(f"cryptlex seed: a product needs a string 'id' and a 'name': {given!r}")
        stamp = _seed_stamp(given, "createdAt")
        return {
            "id": given["id"],
            "createdAt": stamp,
            "updatedAt": given.get("updatedAt") or stamp,
            "name": given["name"],
            "displayName": given.get("displayName") or given["name"],
            "description": given.get("description") or "",
            "tenantId": self.tenant_id,
        }

    def _seed_release(self, given: dict[str, Any]) -> dict[str, Any]:
        if not isinstance(given, dict) or given.get("productId") not in self.products:
            raise ValueError(f"cryptlex seed: a release needs the 'productId' of a seeded product: {given!r}")
        for key in ("name", "version"):
            if not isinstance(given.get(key), str) or not given[key]:
                raise ValueError(f"cryptlex seed: a release needs a string {key!r}: {given!r}")
        stamp = _seed_stamp(given, "createdAt")
        published = bool(given.get("published", False))
        release = self._new_release(
            given.get("id") or str(uuid.uuid4()),
            stamp,
            name=given["name"],
            version=given["version"],
            channel=given.get("channel") or "stable",
            platforms=list(given.get("platforms") or []),
            private=bool(given.get("private", False)),
            notes=given.get("notes") or "",
            product_id=given["productId"],
        )
        release["published"] = published
        if published:
            release["publishedAt"] = _seed_stamp(given, "publishedAt") if given.get("publishedAt") else stamp
        for file in given.get("files") or []:
            if not isinstance(file, dict) or not _FILE_NAME.fullmatch(str(file.get("name", ""))):
                raise ValueError(f"cryptlex seed: a release file needs a valid 'name': {file!r}")
            record = self._file_record(
                release, file["name"], int(file.get("size", 0)), file.get("checksum") or "", stamp
            )
            release["files"].append(record)
        release["totalFiles"] = len(release["files"])
        return release

    # Auth, errors, connection

    def check_auth(self, request: Request) -> None:
        """Require ``Authorization: Bearer <access token>`` (401 otherwise)."""
        scheme, _, token = (request.header("authorization") or "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise self.error(401, "Missing access token: send Authorization: Bearer <token>", "unauthorized")
        if token != self.access_token:
            raise self.error(401, "Invalid access token", "unauthorized")

    def error(self, status: int, message: str, code: str | None = None) -> ApiError:
        """Cryptlex's error body: ``{"message": ..., "code": ...}``."""
        return ApiError(status, {"message": message, "code": code or _code(status)})

    def rate_limit_headers(self, seconds: float) -> dict[str, str]:
        """``Retry-After`` plus Cryptlex's ``X-Rate-Limit-*`` headers (reset in epoch seconds)."""
        return {
            "Retry-After": str(max(0, round(seconds))),
            "X-Rate-Limit-Limit": "50",
            "X-Rate-Limit-Remaining": "0",
            "X-Rate-Limit-Reset": str(math.ceil(time.time() + seconds)),
        }

    def secrets(self) -> list[str]:
        """The access token."""
        return [self.access_token]

    def connection(self, url: Callable[[str], str]) -> dict[str, Any]:
        """A ``cryptlex`` connection: host = the API mount, extra ``releases_host`` = the file host."""
        return {
            "conn_type": "cryptlex",
            "host": url("cryptlex"),
            "password": self.access_token,
            "extra": {"releases_host": url("cryptlex-releases")},
        }

    # Products

    @route("GET", "/v3/products")
    def list_products(self, request: Request) -> Reply:
        """The products, oldest first, paged by ``page`` and ``limit``."""
        return self._page(request, sorted(self.products.values(), key=lambda item: item["createdAt"]))

    @route("GET", "/v3/products/{product_id}")
    def get_product(self, request: Request, product_id: str) -> dict[str, Any]:
        """One product, or 404."""
        product = self.products.get(product_id)
        if product is None:
            raise self.error(404, f"Product {product_id!r} not found.")
        return product

    # Releases

    @route("POST", "/v3/releases")
    def create_release(self, request: Request) -> Reply:
        """Create a release of a known product: 201 with the release."""
        body = request.json_object()
        self._reject_unknown(body, _CREATE_FIELDS)
        for required in ("name", "version", "productId"):
            if body.get(required) is None:
                raise self.error(400, f"The {required} field is required.")
        fields = self._checked(body)
        product_id = self._text(body, "productId", 1, 256)
        if product_id not in self.products:
            raise self.error(404, f"Product {product_id!r} not found.")
        created_at = body.get("createdAt")
        if created_at is not None:
            created_at = _utc_stamp(created_at)
            if created_at is None:
                raise self.error(
                    400,
                    f"The createdAt field must be a date-time such as 2019-08-24T14:15:22Z, "
                    f"not {body['createdAt']!r}.",
                )
        release = self._new_release(
            str(uuid.uuid4()),
            created_at or iso_now(),
            name=fields["name"],
            version=fields["version"],
            channel=fields.get("channel", "stable"),
            platforms=fields.get("platforms", []),
            private=fields.get("private", False),
            notes=fields.get("notes", ""),
            product_id=product_id,
        )
        self.releases[release["id"]] = release
        return Reply(201, release)

    @route("GET", "/v3/releases")
    def list_releases(self, request: Request) -> Reply:
        """A product's releases matching the filters, newest first, paged."""
        product_id = request.query.get("productId")
        if not product_id:
            raise self.error(400, "The productId query parameter is required.")
        wanted = {key: request.query.get(key) or None for key in ("version", "channel", "name")}
        platform = request.query.get("platform") or None
        found = [
            (release["createdAt"], order, release)
            for order, release in enumerate(self.releases.values())
            if release["productId"] == product_id
            and all(value is None or release[key] == value for key, value in wanted.items())
            and (platform is None or platform in release["platforms"])
        ]
        found.sort(key=lambda entry: entry[:2], reverse=True)
        return self._page(request, [release for _, _, release in found])

    @route("GET", "/v3/releases/{release_id}")
    def get_release(self, request: Request, release_id: str) -> dict[str, Any]:
        """One release, or 404."""
        return self._release(release_id)

    @route("PATCH", "/v3/releases/{release_id}")
    def update_release(self, request: Request, release_id: str) -> dict[str, Any]:
        """Change an unpublished release's fields; return it."""
        release = self._release(release_id)
        body = request.json_object()
        self._reject_unknown(body, _UPDATE_FIELDS)
        fields = self._checked(body)
        self._writable(release, "updated")
        release.update(fields)
        release["updatedAt"] = iso_now()
        return release

    @route("DELETE", "/v3/releases/{release_id}")
    def delete_release(self, request: Request, release_id: str) -> Reply:
        """Delete an unpublished release: 204."""
        self._writable(self._release(release_id), "deleted")
        del self.releases[release_id]
        return Reply(204)

    @route("POST", "/v3/releases/{release_id}/publish")
    def publish_release(self, request: Request, release_id: str) -> dict[str, Any]:
        """Publish a release (it is read-only afterwards); return it."""
        release = self._release(release_id)
        if release["published"]:
            raise self.error(400, "The release is already published.", "release_published")
        return self._publish(release)

    # The release file host

    @route("PUT", "/files/v3/{release_id}/{file_name}")
    def upload_file(self, request: Request, release_id: str, file_name: str) -> dict[str, Any]:
        """Store a file (the raw body) in an unpublished release; return the file record."""
        if not _FILE_NAME.fullmatch(file_name) or file_name in (".", ".."):
            raise self.error(
                400,
                f"Invalid file name {file_name!r}: use only letters, digits, '.', '-' and '_' (at most 256).",
            )
        release = self._release(release_id)
        if release["published"]:
            raise self.error(
                400,
                "A published release cannot be modified: no files can be uploaded to it.",
                "release_published",
            )
        stamp = iso_now()
        record = self._file_record(
            release, file_name, len(request.body), hashlib.sha256(request.body).hexdigest(), stamp
        )
        for index, existing in enumerate(release["files"]):
            if existing["name"] == file_name:
                record["id"], record["createdAt"] = existing["id"], existing["createdAt"]
                release["files"][index] = record
                break
        else:
            release["files"].append(record)
        release["totalFiles"] = len(release["files"])
        release["updatedAt"] = stamp
        return record

    # Controls

    @control("state")
    def state(self) -> dict[str, Any]:
        """Each product with its releases (version, channel, published flag, file names)."""
        return {
            "tenantId": self.tenant_id,
            "products": [
                {
                    "id": product["id"],
                    "name": product["name"],
                    "releases": [
                        {
                            "id": release["id"],
                            "name": release["name"],
                            "version": release["version"],
                            "channel": release["channel"],
                            "published": release["published"],
                            "files": [file["name"] for file in release["files"]],
                        }
                        for release in self.releases.values()
                        if release["productId"] == product["id"]
                    ],
                }
                for product in self.products.values()
            ],
        }

    @control("publish")
    def publish_control(self, release_id: str) -> dict[str, Any]:
        """Publish a release as a person would in the dashboard (for sensors); return it."""
        release = self.releases.get(release_id)
        if release is None:
            raise ValueError(f"release_id={release_id!r} is unknown: expected one of {sorted(self.releases)}")
        return release if release["published"] else self._publish(release)

    # Helpers

    def _new_release(self, release_id: str, created_at: str, **fields: Any) -> dict[str, Any]:
        return {
            "id": release_id,
            "createdAt": created_at,
            "updatedAt": created_at,
            "name": fields["name"],
            "channel": fields["channel"],
            "version": fields["version"],
            "platforms": fields["platforms"],
            "notes": fields["notes"],
            "totalFiles": 0,
            "publishedAt": None,
            "files": [],
            "published": False,
            "private": fields["private"],
            "archived": False,
            "productId": fields["product_id"],
            "tenantId": self.tenant_id,
        }

    def _file_record(
        self, release: dict[str, Any], name: str, size: int, checksum: str, stamp: str
    ) -> dict[str, Any]:
        return {
            "id": str(uuid.uuid4()),
            "createdAt": stamp,
            "updatedAt": stamp,
            "name": name,
            "url": f"https://releases.cryptlex.com/v3/{release['id']}/{name}",
            "size": size,
            "downloads": 0,
            "extension": name.rpartition(".")[2] if "." in name.strip(".") else "",
            "checksum": checksum,
            "secured": False,
            "published": release["published"],
            "releaseId": release["id"],
            "releaseName": release["name"],
        }

    def _publish(self, release: dict[str, Any]) -> dict[str, Any]:
        stamp = iso_now()
        release.update(published=True, publishedAt=stamp, updatedAt=stamp)
        for file in release["files"]:
            file["published"] = True
        return release

    def _release(self, release_id: str) -> dict[str, Any]:
        release = self.releases.get(release_id)
        if release is None:
            raise self.error(404, f"Release {release_id!r} not found.")
        return release

    def _writable(self, release: dict[str, Any], verb: str) -> None:
        if release["published"]:
            raise self.error(400, f"A published release cannot be {verb}.", "release_published")

    def _reject_unknown(self, body: dict[str, Any], known: tuple[str, ...]) -> None:
        unknown = sorted(set(body) - set(known))
        if unknown:
            raise self.error(
                400, f"Unknown field(s) {', '.join(unknown)}: the accepted fields are {', '.join(known)}."
            )

    def _text(self, body: dict[str, Any], key: str, minimum: int, maximum: int) -> str:
        value = body[key]
        if not isinstance(value, str) or not minimum <= len(value) <= maximum:
            raise self.error(
                400, f"The {key} field must be a string of {minimum} to {maximum} characters, not {value!r}."
            )
        return value

    def _checked(self, body: dict[str, Any]) -> dict[str, Any]:
        """The release fields of ``body`` checked as documented (``null`` = not given)."""
        fields: dict[str, Any] = {}
        for key in ("name", "channel"):
            if body.get(key) is not None:
                fields[key] = self._text(body, key, 1, 256)
        if body.get("notes") is not None:
            fields["notes"] = self._text(body, "notes", 0, 4096)
        version = body.get("version")
        if version is not None:
            if not isinstance(version, str) or not _VERSION.fullmatch(version):
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

    def _page(self, request: Request, items: list[dict[str, Any]]) -> Reply:
        page = int_param(request, "page", 1, minimum=1, maximum=None, error=self.error)
        limit = int_param(
            request, "limit", DEFAULT_PAGE_SIZE, minimum=1, maximum=MAX_PAGE_SIZE, error=self.error
        )
        return Reply(200, page_slice(items, page, limit), {COUNT_HEADER: str(len(items))})


def _seed_stamp(given: dict[str, Any], key: str) -> str:
    """The seed's date-time ``key`` in the API's form (now when absent); ``ValueError`` when malformed."""
    if not given.get(key):
        return iso_now()
    stamp = _utc_stamp(given[key])
    if stamp is None:
        raise ValueError(f"cryptlex seed: {key}={given[key]!r} is not an RFC 3339 date-time")
    return stamp


def json_copy(value: Any) -> Any:
    """A deep copy of a JSON-able value."""
    return json.loads(json.dumps(value))


def _utc_stamp(value: Any) -> str | None:
    """An RFC 3339 date-time as the API writes it (UTC, milliseconds, ``Z``), or ``None``."""
    if not isinstance(value, str) or not _DATE_TIME.fullmatch(value):
        return None
    try:
        text = re.sub(r"\.(\d{1,6})\d*", r".\1", value.upper()).replace("Z", "+00:00")
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _code(status: int) -> str:
    codes = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 409: "conflict"}
    codes[429] = "too_many_requests"
    return codes.get(status, "internal_server_error" if status >= 500 else "bad_request")
