"""Cryptlex: software release records of licensed products (Web API v3)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from airflow_provider_releases.exceptions import InvalidParameterError
from airflow_provider_releases.hooks.base import ReleasesBaseHook
from airflow_provider_releases.hooks.calls import ApiCall, UnexpectedAnswer, endpoint, value_of
from airflow_provider_releases.rules import cryptlex as rules
from airflow_provider_releases.utils import validation as check
from airflow_provider_releases.utils.pagination import NumberedPaging, PagedItems


def _total_count(headers: Mapping[str, str]) -> int | None:
    """The total number of items, from the ``Pagination-Count`` (or ``X-Total-Count``) header."""
    for name in ("Pagination-Count", "X-Total-Count"):
        try:
            return int(headers[name])
        except (KeyError, ValueError):
            continue
    return None


def _list_items(body: Any) -> list[Any] | UnexpectedAnswer:
    """Cryptlex answers a list with a JSON array; accept an ``items``/``data`` envelope too."""
    if isinstance(body, list):
        return body
    for key in ("items", "data", "releases"):
        if isinstance(body, dict) and isinstance(body.get(key), list):
            return body[key]
    return value_of(body, "items")


#: How Cryptlex pages a list of releases: ``limit`` per page, the total in a header.
PAGING = NumberedPaging(size_param="limit", page_size=100, total_items_of=_total_count)


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
    connection_probe = ApiCall("GET", "/v3/products", "test_connection", params={"limit": 1}, max_retries=0)

    def __init__(self, cryptlex_conn_id: str = default_conn_name, **kwargs: Any) -> None:
        super().__init__(cryptlex_conn_id, **kwargs)
        self.cryptlex_conn_id = cryptlex_conn_id

    def _resolve_base_url(self) -> str:
        return self.host_url() or self.region_url("region", rules.API_URLS, rules.DEFAULT_REGION)

    @property
    def release_files_url(self) -> str:
        """The base URL release files are uploaded to."""
        override = self.extra("releases_host")
        if override:
            return override.rstrip("/") if "://" in override else f"https://{override.rstrip('/')}"
        if self.host_url():
            return self.base_url
        return self.region_url("region", rules.RELEASE_FILE_URLS, rules.DEFAULT_REGION)

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
            app = self.region_url("region", rules.APP_URLS, rules.DEFAULT_REGION)
        product, release = rules.path_id("product_id", product_id), rules.path_id("release_id", release_id)
        return f"{app}/products/{product}/releases/{release}"

    def _auth_headers(self) -> dict[str, str]:
        token = self._required("password", "Cryptlex access token (Password field)")
        self.secrets.register(token)
        return {"Authorization": f"Bearer {token}"}

    @endpoint
    def create_release(
        self,
        product_id: str,
        name: str,
        version: str,
        channel: str = rules.DEFAULT_CHANNEL,
        platforms: list[str] | None = None,
        private: bool | None = None,
        notes: str | None = None,
        created_at: Any = None,
    ) -> ApiCall[dict[str, Any]]:
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
            "name": rules.name("name", name),
            "version": rules.release_version("version", version),
            "channel": rules.name("channel", channel),
            "productId": rules.product_id(product_id),
            **rules.release_fields({"platforms": platforms, "private": private, "notes": notes}),
        }
        if created_at is not None:
            body["createdAt"] = check.iso8601_utc("created_at", created_at)
        return ApiCall("POST", "/v3/releases", "create_release", json=body)

    @endpoint(asynchronous=True)
    def list_releases(
        self,
        product_id: str,
        *,
        version: str | None = None,
        channel: str | None = None,
        name: str | None = None,
        platform: str | None = None,
    ) -> ApiCall[PagedItems]:
        """
        Return every release of a product matching the filters.

        :raises InvalidParameterError: an argument has the wrong form; nothing was sent.
        :raises ReleasesApiError: a page could not be fetched.
        """
        params: dict[str, Any] = {"productId": rules.product_id(product_id)}
        filters = {"version": version, "channel": channel, "name": name, "platform": platform}
        for param, value in filters.items():
            if value is not None:
                check_value = rules.release_version if param == "version" else rules.name
                params[param] = check_value(param, value)
        return ApiCall("GET", "/v3/releases", "list_releases", params=params, read=_list_items, paging=PAGING)

    def _release_path(self, release_id: str) -> str:
        return f"/v3/releases/{rules.path_id('release_id', release_id)}"

    @endpoint(asynchronous=True)
    def get_release(self, release_id: str) -> ApiCall[dict[str, Any]]:
        """
        Return one release (``GET /v3/releases/{id}``).

        :raises InvalidParameterError: the id has the wrong form; nothing was sent.
        :raises ReleasesApiNotFoundError: no such release.
        :raises ReleasesApiError: any other failure.
        """
        return ApiCall("GET", self._release_path(release_id), "get_release")

    @endpoint
    def update_release(self, release_id: str, **fields: Any) -> ApiCall[dict[str, Any]]:
        """
        Change a release (``PATCH /v3/releases/{id}``) and return it.

        :param fields: any of name, version, channel, platforms, private, notes, checked as in
            :meth:`create_release`. A published release is read-only.
        :raises InvalidParameterError: an argument has the wrong form; nothing was sent.
        :raises ReleasesApiError: Cryptlex refused the request or could not be reached.
        """
        path = self._release_path(release_id)
        body = rules.release_fields(fields)
        if not body:
            raise InvalidParameterError(
                "fields", fields, "at least one of " + ", ".join(rules.UPDATABLE_FIELDS)
            )
        return ApiCall("PATCH", path, "update_release", json=body)

    @endpoint
    def delete_release(self, release_id: str) -> ApiCall[None]:
        """
        Delete a release (``DELETE /v3/releases/{id}``).

        :raises ReleasesApiNotFoundError: no such release.
        :raises ReleasesApiError: any other failure.
        """
        return ApiCall("DELETE", self._release_path(release_id), "delete_release")

    @endpoint
    def publish_release(self, release_id: str) -> ApiCall[dict[str, Any] | None]:
        """
        Publish a release (``POST /v3/releases/{id}/publish``); it is read-only afterwards.

        :raises ReleasesApiError: Cryptlex refused the request or could not be reached.
        """
        return ApiCall("POST", f"{self._release_path(release_id)}/publish", "publish_release")

    @endpoint
    def upload_release_file(
        self, release_id: str, path: str | os.PathLike[str], file_name: str | None = None
    ) -> ApiCall[Any]:
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
        url_path = f"/v3/{rules.path_id('release_id', release_id)}/"
        local, name = rules.upload_source(path, file_name)
        return ApiCall(
            "PUT",
            url_path + name,
            "upload_release_file",
            body=lambda: open(local, "rb"),
            headers={"Content-Type": "application/octet-stream"},
            base_url=self.release_files_url,
        )
