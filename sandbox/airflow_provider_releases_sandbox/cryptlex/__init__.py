"""
Cryptlex in the sandbox: products, releases, publishing, and release file uploads.

``models.py`` holds the state and the rules, ``responses.py`` the routes; ``seed.json`` is the
default seed.

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

Controls: ``state`` (with ``service="cryptlex"``: each product with its releases: version,
channel, published flag, file names) and ``publish_cryptlex_release`` (``release_id``: publish a
release as a person would in the dashboard, e.g. to let a sensor finish; an already published one
is returned).

Web page (no credentials): ``GET /products/{productId}/releases/{releaseId}``, the dashboard
address the extra link opens: name, version, channel, Published or Draft, files.

Seed (every key optional; the default is ``seed.json`` beside this file)::

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

from airflow_provider_releases_sandbox.cryptlex.models import (
    ACCESS_TOKEN,
    CLI_TOOLS_ID,
    DEFAULT_SEED,
    DESKTOP_APP_ID,
    DRAFT_RELEASE_ID,
    PUBLISHED_RELEASE_ID,
    TENANT_ID,
)
from airflow_provider_releases_sandbox.cryptlex.responses import (
    COUNT_HEADER,
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    CryptlexBackend,
)

__all__ = [
    "ACCESS_TOKEN",
    "CLI_TOOLS_ID",
    "COUNT_HEADER",
    "DEFAULT_PAGE_SIZE",
    "DEFAULT_SEED",
    "DESKTOP_APP_ID",
    "DRAFT_RELEASE_ID",
    "MAX_PAGE_SIZE",
    "PUBLISHED_RELEASE_ID",
    "TENANT_ID",
    "CryptlexBackend",
]
