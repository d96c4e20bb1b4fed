"""Aha!: roadmap releases (Releases API v1): create, list, get, duplicate, update, delete."""

from __future__ import annotations

from typing import Any

from airflow_provider_releases.exceptions import ConnectionConfigError, InvalidParameterError
from airflow_provider_releases.hooks.base import ReleasesBaseHook
from airflow_provider_releases.rules import aha as rules
from airflow_provider_releases.rules.aha import (  # noqa: F401 - imported from here before the rule book
    MAX_PER_PAGE,
    RELEASE_FIELDS,
    release_fields,
)
from airflow_provider_releases.utils import validation as check
from airflow_provider_releases.utils.pagination import PagedItems


class AhaHook(ReleasesBaseHook):
    """
    Talk to the Aha! Releases API (``https://<subdomain>.aha.io/api/v1``).

    Connection: host = ``https://<subdomain>.aha.io`` (or extra ``subdomain``); password = API
    key or OAuth2 token, sent as ``Authorization: Bearer``.

    :param aha_conn_id: the Airflow connection id.
    """

    conn_name_attr = "aha_conn_id"
    default_conn_name = "aha_default"
    conn_type = "aha"
    hook_name = "Aha!"
    service = "Aha!"
    rate_limit_reset_headers = ("X-Ratelimit-Reset",)

    def __init__(self, aha_conn_id: str = default_conn_name, **kwargs: Any) -> None:
        super().__init__(aha_conn_id, **kwargs)
        self.aha_conn_id = aha_conn_id

    def _resolve_base_url(self) -> str:
        subdomain, field = self.extra("subdomain"), "extra subdomain"
        host = (self.connection.host or "").strip()
        if not subdomain and host and "." not in host and ":" not in host and "/" not in host:
            subdomain, field = host, "Host field"  # a bare account name in the host field
        if subdomain:
            if not isinstance(subdomain, str) or not rules.SUBDOMAIN.fullmatch(subdomain):
                raise ConnectionConfigError(
                    f"{self.connection_label} (Aha!): {field} {subdomain!r} is invalid: expected the "
                    "account name of https://<subdomain>.aha.io (letters, digits, '-'), or the URL "
                    "https://<subdomain>.aha.io in the Host field."
                )
            return f"https://{subdomain.lower()}.aha.io"
        url = self.host_url()
        if not url:
            raise ConnectionConfigError(
                f"{self.connection_label} (Aha!) has no host: set it to https://<subdomain>.aha.io "
                "or set the extra 'subdomain'."
            )
        return url.removesuffix("/api/v1")

    def _auth_headers(self) -> dict[str, str]:
        api_key = self._required("password", "Aha! API key (Password field)")
        self._register_secret(api_key)
        return {"Authorization": f"Bearer {api_key}"}

    def _release(self, method: str, path: str, op: str, **kwargs: Any) -> dict[str, Any]:
        return self._unwrap(self._call(method, path, op=op, **kwargs), "release", op, method, path)

    def create_release(self, product_id: str | int, name: str, **fields: Any) -> dict[str, Any]:
        """
        Create a release in a product and return it.

        ``POST /api/v1/products/{product_id}/releases`` with ``{"release": {"name": ..., ...}}``.

        :param product_id: numeric id or key (``"PRJ1"``) of the product.
        :param name: the release's name.
        :param fields: any of ``RELEASE_FIELDS`` (owner, initiatives, workflow_status, parent_id,
            theme, start_date, end_date, release_date, development_started_on, parking_lot,
            external_release_date, external_date_resolution, capacity_units,
            total_capacity_text, progress_source, progress, duration_source, watchers, goals).
        :raises InvalidParameterError: an argument has the wrong form; nothing was sent.
        :raises ReleasesApiError: Aha! refused the request or could not be reached.
        """
        path = f"/api/v1/products/{rules.path_id('product_id', product_id)}/releases"
        release = {"name": check.text("name", name), **rules.release_fields(fields, creating=True)}
        return self._release("POST", path, "create_release", json={"release": release})

    def list_releases(
        self,
        product_id: str | int | None = None,
        *,
        goal_id: str | int | None = None,
        initiative_id: str | int | None = None,
        parent_release_id: str | int | None = None,
        q: str | None = None,
        updated_since: Any = None,
        parking_lot: bool | None = None,
        exclude_shipped: bool | None = None,
        fields: str | list[str] | None = None,
    ) -> PagedItems:
        """
        Return every release of one scope, fetched lazily page by page (200 a page).

        Give exactly one scope: a product, a goal, an initiative, or a roll-up release. List items
        do not carry ``released``; use :meth:`get_release` for that.

        :param q: search text matched against release names.
        :param updated_since: only releases updated after this moment (sent as ISO 8601 UTC).
        :param parking_lot: only parking-lot releases when true.
        :param exclude_shipped: leave out shipped releases when true.
        :param fields: the fields to return, as a list or a comma-separated string.
        :raises InvalidParameterError: an argument has the wrong form; nothing was sent.
        :raises ReleasesApiError: a page could not be fetched (while iterating).
        """
        scopes = {
            "product_id": ("products", product_id),
            "goal_id": ("goals", goal_id),
            "initiative_id": ("initiatives", initiative_id),
            "parent_release_id": ("releases", parent_release_id),
        }
        given = {param: scope for param, scope in scopes.items() if scope[1] is not None}
        if len(given) != 1:
            raise InvalidParameterError(
                "product_id/goal_id/initiative_id/parent_release_id",
                {param: scope[1] for param, scope in given.items()},
                "exactly one of product_id, goal_id, initiative_id or parent_release_id",
            )
        ((param, (collection, scope_id)),) = given.items()
        path = f"/api/v1/{collection}/{rules.path_id(param, scope_id)}/releases"
        params: dict[str, Any] = {}
        if q is not None:
            params["q"] = check.text("q", q)
        if updated_since is not None:
            params["updated_since"] = check.iso8601_utc("updated_since", updated_since)
        if parking_lot is not None:
            params["parking_lot"] = rules.flag_param(check.boolean("parking_lot", parking_lot))
        if exclude_shipped is not None:
            params["exclude_shipped"] = rules.flag_param(check.boolean("exclude_shipped", exclude_shipped))
        if fields is not None:
            params["fields"] = rules.fields_param(fields)
        return self._paginate_aha("list_releases", path, params, "releases")

    async def alist_product_releases(
        self, product_id: str | int, *, exclude_shipped: bool | None = None
    ) -> list[dict[str, Any]]:
        """
        Return every release of a product, every page read (200 a page), on the shared
        ``httpx.AsyncClient``: the requests :meth:`list_releases` sends for ``product_id`` and
        ``exclude_shipped``. List items do not carry ``released``; use :meth:`aget_release` for that.

        :param exclude_shipped: leave out shipped releases when true.
        :raises InvalidParameterError: an argument has the wrong form; nothing was sent.
        :raises ReleasesApiNotFoundError: no such product.
        :raises ReleasesApiError: a page could not be fetched.
        """
        path = f"/api/v1/products/{rules.path_id('product_id', product_id)}/releases"
        params: dict[str, Any] = {}
        if exclude_shipped is not None:
            params["exclude_shipped"] = rules.flag_param(check.boolean("exclude_shipped", exclude_shipped))
        op = "list_releases"
        return await self._apaginate_by_page(
            op,
            path,
            params,
            size_param="per_page",
            page_size=MAX_PER_PAGE,
            items_of=lambda body: self._unwrap(body, "releases", op, "GET", path),
            total_pages_of=_total_pages,
        )

    def _release_query(
        self, release_id: str | int, fields: str | list[str] | None
    ) -> tuple[str, dict[str, str] | None]:
        """The path and query of one release, checking the arguments."""
        path = f"/api/v1/releases/{rules.path_id('release_id', release_id)}"
        params = {"fields": rules.fields_param(fields)} if fields is not None else None
        return path, params

    def get_release(self, release_id: str | int, fields: str | list[str] | None = None) -> dict[str, Any]:
        """
        Return one release, with ``released``, ``released_on`` and ``workflow_status``.

        :param release_id: numeric id or key (``"PRJ1-R-1"``).
        :param fields: the fields to return, as a list or a comma-separated string.
        :raises InvalidParameterError: an argument has the wrong form; nothing was sent.
        :raises ReleasesApiNotFoundError: no such release.
        :raises ReleasesApiError: any other failure.
        """
        path, params = self._release_query(release_id, fields)
        return self._release("GET", path, "get_release", params=params)

    async def aget_release(
        self, release_id: str | int, fields: str | list[str] | None = None
    ) -> dict[str, Any]:
        """
        :meth:`get_release` on the shared ``httpx.AsyncClient``: same request, answer and errors.

        :raises InvalidParameterError: an argument has the wrong form; nothing was sent.
        :raises ReleasesApiNotFoundError: no such release.
        :raises ReleasesApiError: any other failure.
        """
        path, params = self._release_query(release_id, fields)
        body = await self._acall("GET", path, op="get_release", params=params)
        return self._unwrap(body, "release", "get_release", "GET", path)

    def duplicate_release(self, release_id: str | int) -> dict[str, Any]:
        """
        Copy a release (``POST /api/v1/releases/{id}/duplicate``) and return the copy.

        :raises ReleasesApiError: Aha! refused the request or could not be reached.
        """
        path = f"/api/v1/releases/{rules.path_id('release_id', release_id)}/duplicate"
        return self._release("POST", path, "duplicate_release")

    def update_release(self, product_id: str | int, release_id: str | int, **fields: Any) -> dict[str, Any]:
        """
        Change a release's fields and return it; ``workflow_status`` can ship it.

        ``PUT /api/v1/products/{product_id}/releases/{id}`` with ``{"release": {...}}``.

        :param fields: at least one of ``RELEASE_FIELDS``, checked as in :meth:`create_release`.
        :raises InvalidParameterError: an argument has the wrong form; nothing was sent.
        :raises ReleasesApiError: Aha! refused the request or could not be reached.
        """
        path = self._product_release_path(product_id, release_id)
        release = rules.update_fields(fields)
        return self._release("PUT", path, "update_release", json={"release": release})

    def delete_release(self, product_id: str | int, release_id: str | int) -> None:
        """
        Delete a release (``DELETE /api/v1/products/{product_id}/releases/{id}``).

        :raises ReleasesApiNotFoundError: no such release.
        :raises ReleasesApiError: any other failure.
        """
        path = self._product_release_path(product_id, release_id)
        self._call("DELETE", path, op="delete_release")

    def list_release_phases(self, release_id: str | int) -> PagedItems:
        """
        Return every phase of a release (``GET /api/v1/releases/{id}/release_phases``), lazily.

        :raises InvalidParameterError: an argument has the wrong form; nothing was sent.
        :raises ReleasesApiError: a page could not be fetched (while iterating).
        """
        path = f"/api/v1/releases/{rules.path_id('release_id', release_id)}/release_phases"
        return self._paginate_aha("list_release_phases", path, {}, "release_phases")

    def _paginate_aha(self, op: str, path: str, params: dict[str, Any], key: str) -> PagedItems:
        return self._paginate_by_page(
            op,
            path,
            params,
            size_param="per_page",
            page_size=MAX_PER_PAGE,
            items_of=lambda body: self._unwrap(body, key, op, "GET", path),
            total_pages_of=_total_pages,
        )

    def _product_release_path(self, product_id: str | int, release_id: str | int) -> str:
        product, release = rules.path_id("product_id", product_id), rules.path_id("release_id", release_id)
        return f"/api/v1/products/{product}/releases/{release}"

    def _probe(self) -> None:
        self._call("GET", "/api/v1/me", op="test_connection", max_retries=0)


def _total_pages(body: dict[str, Any]) -> int | None:
    try:
        return int(body["pagination"]["total_pages"])
    except (KeyError, TypeError, ValueError):
        return None
