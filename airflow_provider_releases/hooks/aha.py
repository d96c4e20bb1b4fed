"""Aha!: roadmap releases (Releases API v1): create, list, get, duplicate, update, delete."""

from __future__ import annotations

from typing import Any

from airflow_provider_releases.exceptions import ConnectionConfigError, InvalidParameterError
from airflow_provider_releases.hooks.base import ReleasesBaseHook
from airflow_provider_releases.hooks.calls import ApiCall, endpoint
from airflow_provider_releases.rules import aha as rules
from airflow_provider_releases.utils import validation as check
from airflow_provider_releases.utils.pagination import NumberedPaging, PagedItems


def _total_pages(body: dict[str, Any]) -> int | None:
    try:
        return int(body["pagination"]["total_pages"])
    except (KeyError, TypeError, ValueError):
        return None


#: How Aha! pages a list: ``page`` and ``per_page``, the last page named in the body.
PAGING = NumberedPaging(size_param="per_page", page_size=rules.MAX_PER_PAGE, total_pages_of=_total_pages)


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
    connection_probe = ApiCall("GET", "/api/v1/me", "test_connection", max_retries=0)

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
        self.secrets.register(api_key)
        return {"Authorization": f"Bearer {api_key}"}

    @endpoint
    def create_release(self, product_id: str | int, name: str, **fields: Any) -> ApiCall[dict[str, Any]]:
        """
        Create a release in a product and return it.

        ``POST /api/v1/products/{product_id}/releases`` with ``{"release": {"name": ..., ...}}``.

        :param product_id: numeric id or key (``"PRJ1"``) of the product.
        :param name: the release's name.
        :param fields: any of ``rules.aha.RELEASE_FIELDS`` (owner, initiatives, workflow_status, parent_id,
            theme, start_date, end_date, release_date, development_started_on, parking_lot,
            external_release_date, external_date_resolution, capacity_units,
            total_capacity_text, progress_source, progress, duration_source, watchers, goals).
        :raises InvalidParameterError: an argument has the wrong form; nothing was sent.
        :raises ReleasesApiError: Aha! refused the request or could not be reached.
        """
        path = f"/api/v1/products/{rules.path_id('product_id', product_id)}/releases"
        release = {"name": check.text("name", name), **rules.release_fields(fields, creating=True)}
        return ApiCall("POST", path, "create_release", json={"release": release}, key="release")

    @endpoint(asynchronous=True)
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
    ) -> ApiCall[PagedItems]:
        """
        Return every release of one scope (200 a page).

        Give exactly one scope: a product, a goal, an initiative, or a roll-up release. List items
        do not carry ``released``; use :meth:`get_release` for that.

        :param q: search text matched against release names.
        :param updated_since: only releases updated after this moment (sent as ISO 8601 UTC).
        :param parking_lot: only parking-lot releases when true.
        :param exclude_shipped: leave out shipped releases when true.
        :param fields: the fields to return, as a list or a comma-separated string.
        :raises InvalidParameterError: an argument has the wrong form; nothing was sent.
        :raises ReleasesApiError: a page could not be fetched.
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
        return ApiCall("GET", path, "list_releases", params=params, key="releases", paging=PAGING)

    @endpoint(asynchronous=True)
    def get_release(
        self, release_id: str | int, fields: str | list[str] | None = None
    ) -> ApiCall[dict[str, Any]]:
        """
        Return one release, with ``released``, ``released_on`` and ``workflow_status``.

        :param release_id: numeric id or key (``"PRJ1-R-1"``).
        :param fields: the fields to return, as a list or a comma-separated string.
        :raises InvalidParameterError: an argument has the wrong form; nothing was sent.
        :raises ReleasesApiNotFoundError: no such release.
        :raises ReleasesApiError: any other failure.
        """
        path = f"/api/v1/releases/{rules.path_id('release_id', release_id)}"
        params = {"fields": rules.fields_param(fields)} if fields is not None else None
        return ApiCall("GET", path, "get_release", params=params, key="release")

    @endpoint
    def duplicate_release(self, release_id: str | int) -> ApiCall[dict[str, Any]]:
        """
        Copy a release (``POST /api/v1/releases/{id}/duplicate``) and return the copy.

        :raises ReleasesApiError: Aha! refused the request or could not be reached.
        """
        path = f"/api/v1/releases/{rules.path_id('release_id', release_id)}/duplicate"
        return ApiCall("POST", path, "duplicate_release", key="release")

    @endpoint
    def update_release(
        self, product_id: str | int, release_id: str | int, **fields: Any
    ) -> ApiCall[dict[str, Any]]:
        """
        Change a release's fields and return it; ``workflow_status`` can ship it.

        ``PUT /api/v1/products/{product_id}/releases/{id}`` with ``{"release": {...}}``.

        :param fields: at least one of those fields, checked as in :meth:`create_release`.
        :raises InvalidParameterError: an argument has the wrong form; nothing was sent.
        :raises ReleasesApiError: Aha! refused the request or could not be reached.
        """
        path = self._product_release_path(product_id, release_id)
        release = rules.update_fields(fields)
        return ApiCall("PUT", path, "update_release", json={"release": release}, key="release")

    @endpoint
    def delete_release(self, product_id: str | int, release_id: str | int) -> ApiCall[None]:
        """
        Delete a release (``DELETE /api/v1/products/{product_id}/releases/{id}``).

        :raises ReleasesApiNotFoundError: no such release.
        :raises ReleasesApiError: any other failure.
        """
        path = self._product_release_path(product_id, release_id)
        return ApiCall("DELETE", path, "delete_release")

    @endpoint(asynchronous=True)
    def list_release_phases(self, release_id: str | int) -> ApiCall[PagedItems]:
        """
        Return every phase of a release (``GET /api/v1/releases/{id}/release_phases``).

        :raises InvalidParameterError: an argument has the wrong form; nothing was sent.
        :raises ReleasesApiError: a page could not be fetched.
        """
        path = f"/api/v1/releases/{rules.path_id('release_id', release_id)}/release_phases"
        return ApiCall("GET", path, "list_release_phases", key="release_phases", paging=PAGING)

    def _product_release_path(self, product_id: str | int, release_id: str | int) -> str:
        product, release = rules.path_id("product_id", product_id), rules.path_id("release_id", release_id)
        return f"/api/v1/products/{product}/releases/{release}"


#: The name the product-scoped async list had before every read got its twin.
AhaHook.alist_product_releases = AhaHook.alist_releases  # type: ignore[attr-defined]
