"""Cryptlex: software release records of licensed products (Web API v3)."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from airflow_provider_releases.exceptions import InvalidParameterError
from airflow_provider_releases.hooks.base import ReleasesBaseHook
from airflow_provider_releases.utils import validation as check
from airflow_provider_releases.utils.pagination import PagedItems

CRYPTLEX_URLS = {"default": "https://api.cryptlex.com", "eu": "https://api.eu.cryptlex.com"}
CRYPTLEX_RELEASE_FILE_URLS = {
    "default": "https://releases.cryptlex.com",
    "eu": "https://releases.eu.cryptlex.com",
}
CRYPTLEX_APP_URLS = {"default": "https://app.cryptlex.com", "eu": "https://app.eu.cryptlex.com"}
PAGE_SIZE = 100

_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,255}")
_VERSION = re.compile(r"[0-9]+\.[0-9]+(?:\.[0-9]+){0,2}")  # ASCII digits: \d takes any script's
_FILE_NAME = re.compile(r"[A-Za-z0-9._-]+")


def _id(param: str, value: Any) -> str:
    return check.path_segment(param, value, pattern=_ID)


def _product_id(value: Any) -> str:
    if not isinstance(value, str) or not _ID.fullmatch(value):
        raise InvalidParameterError(
            "product_id", value, "a product id of 1 to 256 letters, digits, '_' or '-'"
        )
    return value


def release_version(param: str, value: Any) -> str:
    """Return ``value`` if it is a Cryptlex version: ``x.x``, ``x.x.x`` or ``x.x.x.x`` in digits."""
    if not isinstance(value, str) or not _VERSION.fullmatch(value):
        raise InvalidParameterError(
            param, value, "a version 'x.x', 'x.x.x' or 'x.x.x.x' of digits, such as '1.4.2'"
        )
    return value


def _name(param: str, value: Any) -> str:
    return check.text(param, value, max_len=256)


_UPDATE_CHECKS = {
    "name": _name,
    "version": release_version,
    "channel": _name,
    "platforms": lambda param, value: check.string_list(param, value),
    "private": check.boolean,
    "notes": lambda param, value: check.text(param, value, min_len=0, max_len=4096),
}
UPDATABLE_FIELDS = tuple(_UPDATE_CHECKS)


class CryptlexHook(ReleasesBaseHook):
    """
    Talk to Cryptlex's release endpoints (``/v3/releases``) and its release file host.

    Connection: password = personal access token, sent as ``Authorization: Bearer``; extra
    ``region`` = ``default`` or ``eu``; a host overrides the API base URL, and extra
    ``releases_host`` the file upload host (which defaults to the host override, if any).

    :param cryptlex_conn_id: the Airflow connection id.
    """

    conn_name_attr = "cryptlex_conn_id"
    default_conn_name = "cryptlex_default"
    conn_type = "cryptlex"
    hook_name = "Cryptlex"
    service = "Cryptlex"
    rate_limit_reset_headers = ("X-Rate-Limit-Reset",)

    def __init__(self, cryptlex_conn_id: str = default_conn_name, **kwargs: Any) -> None:
        super().__init__(cryptlex_conn_id, **kwargs)
        self.cryptlex_conn_id = cryptlex_conn_id

    def _resolve_base_url(self) -> str:
        return self.host_url() or self.region_url("region", CRYPTLEX_URLS, "default")

    @property
    def release_files_url(self) -> str:
        """The base URL release files are uploaded to."""
        override = self.extra("releases_host")
        if override:
            return override.rstrip("/") if "://" in override else f"https://{override.rstrip('/')}"
        if self.host_url():
            return self.base_url
        return self.region_url("region", CRYPTLEX_RELEASE_FILE_URLS, "default")

    def release_url(self, product_id: str, release_id: str) -> str:
        """
        Return the release's page in the Cryptlex dashboard.

        ``https://app.cryptlex.com/products/{productId}/releases/{releaseId}`` (EU:
        ``https://app.eu.cryptlex.com``). With a host override, the dashboard host is derived from
        it: a leading ``api.`` becomes ``app.``, any other host (and path) is used as it is.

        :raises InvalidParameterError: an id has the wrong form.
        """
        override = self.host_url()
        if override:
            parts = urlsplit(override)
            host = parts.netloc
            if host.startswith("api."):
                host = "app." + host.removeprefix("api.")
            app = f"{parts.scheme}://{host}{parts.path}"
        else:
            app = self.region_url("region", CRYPTLEX_APP_URLS, "default")
        return f"{app}/products/{_id('product_id', product_id)}/releases/{_id('release_id', release_id)}"

    def _auth_headers(self) -> dict[str, str]:
        token = self._required("password", "Cryptlex access token (Password field)")
        self._register_secret(token)
        return {"Authorization": f"Bearer {token}"}

    def create_release(
        self,
        product_id: str,
        name: str,
        version: str,
        channel: str = "stable",
        platforms: list[str] | None = None,
        private: bool | None = None,
        notes: str | None = None,
        created_at: Any = None,
    ) -> dict[str, Any]:
        """
        Create a release of a product (``POST /v3/releases``, answered 201) and return it.

        :param product_id: the product's id (1 to 256 characters).
        :param name: a friendly name, 1 to 256 characters.
        :param version: ``x.x``, ``x.x.x`` or ``x.x.x.x`` in digits.
        :param channel: 1 to 256 characters, ``"stable"`` by default.
        :param platforms: platform names, such as ``["windows", "macos"]``.
        :param private: private releases do not show in the customer portal.
        :param notes: release notes (markdown), at most 4096 characters.
        :param created_at: only to back-fill an old release: a datetime, date or ISO 8601 string.
        :raises InvalidParameterError: an argument has the wrong form; nothing was sent.
        :raises ReleasesApiError: Cryptlex refused the request or could not be reached.
        """
        body: dict[str, Any] = {
            "name": _name("name", name),
            "version": release_version("version", version),
            "channel": _name("channel", channel),
            "productId": _product_id(product_id),
        }
        if platforms is not None:
            body["platforms"] = check.string_list("platforms", platforms)
        if private is not None:
            body["private"] = check.boolean("private", private)
        if notes is not None:
            body["notes"] = check.text("notes", notes, min_len=0, max_len=4096)
        if created_at is not None:
            body["createdAt"] = check.iso8601_utc("created_at", created_at)
        return self._call("POST", "/v3/releases", op="create_release", json=body)

    def list_releases(
        self,
        product_id: str,
        *,
        version: str | None = None,
        channel: str | None = None,
        name: str | None = None,
        platform: str | None = None,
    ) -> PagedItems:
        """
        Return every release of a product matching the filters, fetched lazily page by page.

        :raises InvalidParameterError: an argument has the wrong form; nothing was sent.
        :raises ReleasesApiError: a page could not be fetched (while iterating).
        """
        params: dict[str, Any] = {"productId": _product_id(product_id)}
        if version is not None:
            params["version"] = release_version("version", version)
        if channel is not None:
            params["channel"] = _name("channel", channel)
        if name is not None:
            params["name"] = _name("name", name)
        if platform is not None:
            params["platform"] = _name("platform", platform)
        return self._paginate_by_page(
            "list_releases",
            "/v3/releases",
            params,
            size_param="limit",
            page_size=PAGE_SIZE,
            items_of=lambda body: _list_items(self, body),
            total_items_of=_total_count,
        )

    def _release_path(self, release_id: str) -> str:
        return f"/v3/releases/{_id('release_id', release_id)}"

    def get_release(self, release_id: str) -> dict[str, Any]:
        """
        Return one release (``GET /v3/releases/{id}``).

        :raises ReleasesApiNotFoundError: no such release.
        :raises ReleasesApiError: any other failure.
        """
        return self._call("GET", self._release_path(release_id), op="get_release")

    def update_release(self, release_id: str, **fields: Any) -> dict[str, Any]:
        """
        Change a release (``PATCH /v3/releases/{id}``) and return it.

        :param fields: any of name, version, channel, platforms, private, notes, checked as in
            :meth:`create_release`. A published release is read-only.
        :raises InvalidParameterError: an argument has the wrong form; nothing was sent.
        :raises ReleasesApiError: Cryptlex refused the request or could not be reached.
        """
        path = self._release_path(release_id)
        check.reject_unknown("fields", fields, UPDATABLE_FIELDS)
        body = {key: _UPDATE_CHECKS[key](key, value) for key, value in fields.items() if value is not None}
        if not body:
            raise InvalidParameterError("fields", fields, "at least one of " + ", ".join(UPDATABLE_FIELDS))
        return self._call("PATCH", path, op="update_release", json=body)

    def delete_release(self, release_id: str) -> None:
        """
        Delete a release (``DELETE /v3/releases/{id}``).

        :raises ReleasesApiNotFoundError: no such release.
        :raises ReleasesApiError: any other failure.
        """
        self._call("DELETE", self._release_path(release_id), op="delete_release")

    def publish_release(self, release_id: str) -> dict[str, Any] | None:
        """
        Publish a release (``POST /v3/releases/{id}/publish``); it is read-only afterwards.

        :raises ReleasesApiError: Cryptlex refused the request or could not be reached.
        """
        return self._call("POST", f"{self._release_path(release_id)}/publish", op="publish_release")

    def upload_release_file(
        self, release_id: str, path: str | os.PathLike[str], file_name: str | None = None
    ) -> Any:
        """
        Upload a file to a release, streamed from disk.

        ``PUT https://releases.cryptlex.com/v3/{releaseId}/{fileName}`` (EU:
        ``releases.eu.cryptlex.com``).

        :param path: the local file to upload.
        :param file_name: the name to store it under (letters, digits, ``.``, ``-``, ``_``);
            defaults to the local file's name.
        :raises InvalidParameterError: a bad file name, or ``path`` is not a readable file.
        :raises ReleasesApiError: Cryptlex refused the upload or could not be reached.
        """
        url_path = f"/v3/{_id('release_id', release_id)}/"
        local = os.fspath(path) if isinstance(path, (str, os.PathLike)) else None
        if not local or not os.path.isfile(local) or not os.access(local, os.R_OK):
            raise InvalidParameterError("path", path, "the path of a readable file")
        name = os.path.basename(local) if file_name is None else file_name
        if not isinstance(name, str) or not _FILE_NAME.fullmatch(name) or name in (".", ".."):
            raise InvalidParameterError("file_name", name, "a file name of letters, digits, '.', '-' and '_'")
        return self._call(
            "PUT",
            url_path + name,
            op="upload_release_file",
            body=lambda: open(local, "rb"),
            headers={"Content-Type": "application/octet-stream"},
            base_url=self.release_files_url,
        )

    def _probe(self) -> None:
        self._call("GET", "/v3/products", op="test_connection", params={"limit": 1}, max_retries=0)


def _total_count(headers: Mapping[str, str]) -> int | None:
    """The total number of items, from the ``Pagination-Count`` (or ``X-Total-Count``) header."""
    for name in ("Pagination-Count", "X-Total-Count"):
        try:
            return int(headers[name])
        except (KeyError, ValueError):
            continue
    return None


def _list_items(hook: CryptlexHook, body: Any) -> list[Any]:
    """Cryptlex answers a list with a JSON array; accept an ``items``/``data`` envelope too."""
    if isinstance(body, list):
        return body
    for key in ("items", "data", "releases"):
        if isinstance(body, dict) and isinstance(body.get(key), list):
            return body[key]
    return hook._unwrap(body, "items", "list_releases", "GET", "/v3/releases")
