"""Cryptlex's sandbox routes: parse the request, call the model, render."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from airflow_provider_releases_sandbox.core import (
    Backend,
    Record,
    Reply,
    Request,
    bearer_token,
    control,
    int_param,
    iso_now,
    page,
    page_slice,
    reset_epoch_seconds,
    route,
)
from airflow_provider_releases_sandbox.cryptlex.models import CREATE_FIELDS, CryptlexModel, utc_stamp
from airflow_provider_releases_sandbox.cryptlex.rules import DEFAULT_CHANNEL, MAX_NAME, UPDATABLE_FIELDS
from airflow_provider_releases_sandbox.cryptlex.views import release_page
from airflow_provider_releases_sandbox.web import Page

DEFAULT_PAGE_SIZE = 10
MAX_PAGE_SIZE = 100
#: The total number of items of a list, sent with every page (the hook reads it to stop paging).
COUNT_HEADER = "Pagination-Count"


class CryptlexBackend(Backend):
    """
    Cryptlex's Web API v3 releases and products, and the release file host: the routes the
    :mod:`airflow_provider_releases_sandbox.cryptlex` docstring lists.
    """

    model_class = CryptlexModel
    model: CryptlexModel

    # Auth, connection

    def check_auth(self, request: Request) -> None:
        """Require ``Authorization: Bearer <access token>`` (401 otherwise)."""
        token = bearer_token(request)
        if token is None:
            raise self.error(401, "Missing access token: send Authorization: Bearer <token>", "unauthorized")
        if token != self.model.access_token:
            raise self.error(401, "Invalid access token", "unauthorized")

    def rate_limit_headers(self, seconds: float) -> dict[str, str]:
        """``Retry-After`` plus Cryptlex's ``X-Rate-Limit-*`` headers (reset in epoch seconds)."""
        return {
            "Retry-After": str(max(0, round(seconds))),
            "X-Rate-Limit-Limit": "50",
            "X-Rate-Limit-Remaining": "0",
            "X-Rate-Limit-Reset": reset_epoch_seconds(seconds),
        }

    def connection(self, url: Callable[[str], str]) -> dict[str, Any]:
        """A ``cryptlex`` connection: host = the API mount, extra ``releases_host`` = the file host."""
        return {
            "conn_type": "cryptlex",
            "host": url("cryptlex"),
            "password": self.model.access_token,
            "extra": {"releases_host": url("cryptlex-releases")},
        }

    # Controls

    @control("state")
    def state(self) -> dict[str, Any]:
        """Each product with its releases (version, channel, published flag, file names)."""
        return self.model.state()

    @control("publish_cryptlex_release")
    def publish_control(self, release_id: str) -> dict[str, Any]:
        """Publish a release as a person would in the dashboard (for sensors); return it."""
        return self.model.publish_control(release_id).to_json()

    # Products

    @route("GET", "/v3/products")
    def list_products(self, request: Request) -> Reply:
        """The products, oldest first, paged by ``page`` and ``limit``."""
        return self._page(request, sorted(self.model.products.values(), key=lambda item: item.created_at))

    @route("GET", "/v3/products/{product_id}")
    def get_product(self, request: Request, product_id: str) -> dict[str, Any]:
        """One product, or 404."""
        product = self.model.products.get(product_id)
        if product is None:
            raise self.error(404, f"Product {product_id!r} not found.")
        return product.to_json()

    # Releases

    @route("POST", "/v3/releases")
    def create_release(self, request: Request) -> Reply:
        """Create a release of a known product: 201 with the release."""
        body = request.json_object()
        self.model.reject_unknown(body, CREATE_FIELDS)
        for required in ("name", "version", "productId"):
            if body.get(required) is None:
                raise self.error(400, f"The {required} field is required.")
        fields = self.model.checked_fields(body)
        product_id = self.model.text_field(body, "productId", 1, MAX_NAME)
        if product_id not in self.model.products:
            raise self.error(404, f"Product {product_id!r} not found.")
        created_at = body.get("createdAt")
        if created_at is not None:
            created_at = utc_stamp(created_at)
            if created_at is None:
                raise self.error(
                    400,
                    f"The createdAt field must be a date-time such as 2019-08-24T14:15:22Z, "
                    f"not {body['createdAt']!r}.",
                )
        release = self.model.new_release(
            str(uuid.uuid4()),
            created_at or iso_now(),
            name=fields["name"],
            version=fields["version"],
            channel=fields.get("channel", DEFAULT_CHANNEL),
            platforms=fields.get("platforms", []),
            private=fields.get("private", False),
            notes=fields.get("notes", ""),
            product_id=product_id,
        )
        self.model.releases[release.id] = release
        return Reply(201, release.to_json())

    @route("GET", "/v3/releases")
    def list_releases(self, request: Request) -> Reply:
        """A product's releases matching the filters, newest first, paged."""
        product_id = request.query.get("productId")
        if not product_id:
            raise self.error(400, "The productId query parameter is required.")
        wanted = {key: request.query.get(key) or None for key in ("version", "channel", "name")}
        platform = request.query.get("platform") or None
        found = [
            (release.created_at, order, release)
            for order, release in enumerate(self.model.releases.values())
            if release.product_id == product_id
            and all(value is None or getattr(release, key) == value for key, value in wanted.items())
            and (platform is None or platform in release.platforms)
        ]
        found.sort(key=lambda entry: entry[:2], reverse=True)
        return self._page(request, [release for _, _, release in found])

    @route("GET", "/v3/releases/{release_id}")
    def get_release(self, request: Request, release_id: str) -> dict[str, Any]:
        """One release, or 404."""
        return self.model.release(release_id).to_json()

    @route("PATCH", "/v3/releases/{release_id}")
    def update_release(self, request: Request, release_id: str) -> dict[str, Any]:
        """Change an unpublished release's fields; return it."""
        release = self.model.release(release_id)
        body = request.json_object()
        self.model.reject_unknown(body, UPDATABLE_FIELDS)
        fields = self.model.checked_fields(body)
        self.model.writable(release, "updated")
        for key, value in fields.items():
            setattr(release, key, value)
        release.updated_at = iso_now()
        return release.to_json()

    @route("DELETE", "/v3/releases/{release_id}")
    def delete_release(self, request: Request, release_id: str) -> Reply:
        """Delete an unpublished release: 204."""
        self.model.writable(self.model.release(release_id), "deleted")
        del self.model.releases[release_id]
        return Reply(204)

    @route("POST", "/v3/releases/{release_id}/publish")
    def publish_release(self, request: Request, release_id: str) -> dict[str, Any]:
        """Publish a release (it is read-only afterwards); return it."""
        release = self.model.release(release_id)
        if release.published:
            raise self.error(400, "The release is already published.", "release_published")
        return self.model.publish(release).to_json()

    # The release file host

    @route("PUT", "/files/v3/{release_id}/{file_name}")
    def upload_file(self, request: Request, release_id: str, file_name: str) -> dict[str, Any]:
        """Store a file (the raw body) in an unpublished release; return the file record."""
        return self.model.store_file(release_id, file_name, request.body).to_json()

    # The dashboard's release page (what the extra link opens; no credentials)

    @page("/products/{product_id}/releases/{release_id}")
    def release_web_page(self, request: Request, product_id: str, release_id: str) -> Page:
        """The release's page in the Cryptlex dashboard."""
        return release_page(
            self.model.products.get(product_id),
            self.model.releases.get(release_id),
            f"Release {release_id!r} of product {product_id!r}",
        )

    # Lists

    def _page(self, request: Request, items: list[Record]) -> Reply:
        number = int_param(request, "page", 1, minimum=1, maximum=None, error=self.error)
        limit = int_param(
            request, "limit", DEFAULT_PAGE_SIZE, minimum=1, maximum=MAX_PAGE_SIZE, error=self.error
        )
        answered = [item.to_json() for item in page_slice(items, number, limit)]
        return Reply(200, answered, {COUNT_HEADER: str(len(items))})
