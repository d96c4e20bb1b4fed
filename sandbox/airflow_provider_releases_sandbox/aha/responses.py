"""Aha!'s sandbox routes and control actions: parse the request, call the model, render."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from typing import Any

from airflow_provider_releases_sandbox.aha.models import AhaModel
from airflow_provider_releases_sandbox.aha.records import Phase, Release
from airflow_provider_releases_sandbox.aha.rules import MAX_PER_PAGE
from airflow_provider_releases_sandbox.aha.views import AhaViews
from airflow_provider_releases_sandbox.core import (
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
from airflow_provider_releases_sandbox.web import Page

DEFAULT_PER_PAGE = 30


class AhaBackend(AhaViews):
    """
    Aha!'s release endpoints under ``/api/v1``: the routes and controls the
    :mod:`airflow_provider_releases_sandbox.aha` docstring lists.
    """

    model_class = AhaModel
    model: AhaModel

    # Auth, connection

    def check_auth(self, request: Request) -> None:
        """401 unless ``Authorization: Bearer <the API key>``."""
        token = bearer_token(request)
        if token is None:
            raise self.error(401, "Authentication required: send Authorization: Bearer <API key>")
        if token != self.model.api_key:
            raise self.error(401, "Invalid API key")

    def rate_limit_headers(self, seconds: float) -> dict[str, str]:
        """Aha!'s rate-limit headers; the reset is in epoch seconds."""
        return {
            "X-Ratelimit-Limit": "300",
            "X-Ratelimit-Remaining": "0",
            "X-Ratelimit-Reset": reset_epoch_seconds(seconds, self.model.wall_clock),
        }

    def connection(self, url: Callable[[str], str]) -> dict[str, Any]:
        """``aha`` connection: host = the sandbox mount, password = the API key."""
        return {"conn_type": "aha", "host": url("aha"), "password": self.model.api_key}

    # Lists

    def _page(self, request: Request, items: list[Any], key: str) -> dict[str, Any]:
        number = int_param(request, "page", 1, minimum=1, maximum=None, error=self.error)
        per_page = int_param(
            request, "per_page", DEFAULT_PER_PAGE, minimum=1, maximum=MAX_PER_PAGE, error=self.error
        )
        return {
            key: page_slice(items, number, per_page),
            "pagination": {
                "total_records": len(items),
                "total_pages": math.ceil(len(items) / per_page),
                "current_page": number,
            },
        }

    def _list_releases(self, request: Request, releases: list[Release]) -> dict[str, Any]:
        query = request.query
        q = query.get("q")
        if q:
            releases = [r for r in releases if q.lower() in r.name.lower()]
        since = query.get("updated_since")
        if since:
            moment = _parse_moment(since)
            if moment is None:
                raise self.error(400, f"updated_since {since!r} is invalid: use an ISO 8601 UTC timestamp")
            releases = [r for r in releases if _parse_moment(r.updated_at) > moment]
        if query.get("parking_lot") not in (None, "") and self._query_bool(request, "parking_lot"):
            releases = [r for r in releases if r.parking_lot]
        if query.get("exclude_shipped") not in (None, "") and self._query_bool(request, "exclude_shipped"):
            releases = [r for r in releases if not r.released]
        releases = sorted(releases, key=lambda r: int(r.id) if r.id.isdigit() else 0)
        fields = query.get("fields")
        body = self._page(request, releases, "releases")
        body["releases"] = [self._render(r, request, fields, listed=True) for r in body["releases"]]
        return body

    def _query_bool(self, request: Request, name: str) -> bool:
        value = request.query[name].lower()
        if value not in ("true", "false", "1", "0"):
            raise self.error(400, f"query parameter {name}={request.query[name]!r} must be true or false")
        return value in ("true", "1")

    # Routes: releases

    @route("GET", "/api/v1/me")
    def me(self, request: Request) -> dict[str, Any]:
        """The API key's user."""
        user = self._user_view(self.model.user_id)
        user["product_roles"] = [
            {"role": 20, "role_description": "Owner", "product_id": p.id, "product_name": p.name}
            for p in self.model.products.values()
        ]
        return {"user": user}

    @route("POST", "/api/v1/products/{product_id}/releases")
    def create_release(self, request: Request, product_id: str) -> dict[str, Any]:
        """Create a release in the product; ``name`` is required."""
        product = self.model.product(product_id)
        body, fields = self._release_body(request)
        release = self.model.new_release(product, "")
        release.id = self.model.fresh_id(self.model.releases)
        self.model.apply_fields(release, body, creating=True)
        self.model.counters[product.id] += 1
        release.reference_num = f"{product.reference_prefix}-R-{self.model.counters[product.id]}"
        release.created_at = release.updated_at
        self.model.store_release(release)
        return {"release": self._render(release, request, fields, listed=False)}

    @route("GET", "/api/v1/products/{product_id}/releases")
    def list_product_releases(self, request: Request, product_id: str) -> dict[str, Any]:
        """The product's releases."""
        product = self.model.product(product_id)
        return self._list_releases(
            request, [r for r in self.model.releases.values() if r.product_id == product.id]
        )

    @route("GET", "/api/v1/goals/{goal_id}/releases")
    def list_goal_releases(self, request: Request, goal_id: str) -> dict[str, Any]:
        """The releases linked to the goal."""
        goal = self.model.by_id_or_ref(self.model.goals, goal_id, "Goal")
        return self._list_releases(request, [r for r in self.model.releases.values() if goal.id in r.goals])

    @route("GET", "/api/v1/initiatives/{initiative_id}/releases")
    def list_initiative_releases(self, request: Request, initiative_id: str) -> dict[str, Any]:
        """The releases linked to the initiative."""
        initiative = self.model.by_id_or_ref(self.model.initiatives, initiative_id, "Initiative")
        releases = [r for r in self.model.releases.values() if initiative.id in r.initiatives]
        return self._list_releases(request, releases)

    @route("GET", "/api/v1/releases/{release_id}/releases")
    @route("GET", "/api/v1/roll_up_releases/{release_id}/releases")
    def list_child_releases(self, request: Request, release_id: str) -> dict[str, Any]:
        """The releases under a roll-up release (none under an ordinary release)."""
        parent = self.model.release(release_id)
        return self._list_releases(
            request, [r for r in self.model.releases.values() if r.parent_id == parent.id]
        )

    @route("GET", "/api/v1/releases/{release_id}")
    def get_release(self, request: Request, release_id: str) -> dict[str, Any]:
        """One release, with ``released``, ``released_on`` and ``workflow_status``."""
        release = self.model.release(release_id)
        return {"release": self._render(release, request, request.query.get("fields"), listed=False)}

    @route("POST", "/api/v1/releases/{release_id}/duplicate")
    def duplicate_release(self, request: Request, release_id: str) -> dict[str, Any]:
        """Copy the release (and its phases) as ``[Copy] <name>``; answer ``{"id", "name"}`` as the docs."""
        copy = self.model.duplicate(self.model.release(release_id))
        return {"release": {"id": copy.id, "name": copy.name}}

    @route("PUT", "/api/v1/products/{product_id}/releases/{release_id}")
    def update_release(self, request: Request, product_id: str, release_id: str) -> dict[str, Any]:
        """Change the release's fields; ``workflow_status`` (name or id) can ship it."""
        release = self.model.product_release(product_id, release_id)
        body, fields = self._release_body(request)
        self.model.apply_fields(release, body, creating=False)
        return {"release": self._render(release, request, fields, listed=False)}

    @route("DELETE", "/api/v1/products/{product_id}/releases/{release_id}")
    def delete_release(self, request: Request, product_id: str, release_id: str) -> Reply:
        """Delete the release and its phases; releases under it leave the roll-up. Answers 204."""
        self.model.delete_release(self.model.product_release(product_id, release_id))
        return Reply(204, None)

    def _release_body(self, request: Request) -> tuple[dict[str, Any], Any]:
        body = request.json_object()
        release = body.get("release")
        if not isinstance(release, dict) or not release:
            raise self.error(400, "param is missing or the value is empty: release")
        return release, body.get("fields", request.query.get("fields"))

    # Routes: release phases

    @route("GET", "/api/v1/releases/{release_id}/release_phases")
    def list_release_phases(self, request: Request, release_id: str) -> dict[str, Any]:
        """The release's phases, by start date."""
        return self._list_phases(request, self.model.phases_of(self.model.release(release_id)))

    @route("GET", "/api/v1/release_phases")
    def list_all_release_phases(self, request: Request) -> dict[str, Any]:
        """Every release phase of the account."""
        return self._list_phases(request, list(self.model.phases.values()))

    def _list_phases(self, request: Request, phases: list[Phase]) -> dict[str, Any]:
        phases = sorted(phases, key=lambda p: (p.release_id, p.start_on or "", p.id))
        body = self._page(request, phases, "release_phases")
        body["release_phases"] = [
            self._phase_view(p, request.query.get("fields")) for p in body["release_phases"]
        ]
        return body

    @route("POST", "/api/v1/release_phases")
    def create_release_phase(self, request: Request) -> dict[str, Any]:
        """Create a phase or milestone: ``name``, ``release_id`` and ``start_on`` are required."""
        body = self._phase_body(request)
        release_ref = body.get("release_id")
        if release_ref in (None, ""):
            raise self.error(400, "Validation failed: Release must exist (release_id is required)")
        release = next(
            (r for r in self.model.releases.values() if str(release_ref) in (r.id, r.reference_num)),
            None,
        )
        if release is None:
            raise self.error(400, f"Validation failed: Release {release_ref!r} not found")
        stamp = iso_now()
        phase = Phase(
            id=self.model.fresh_id(self.model.phases),
            release_id=release.id,
            name="",
            created_at=stamp,
            updated_at=stamp,
        )
        self.model.apply_phase(phase, body, creating=True)
        self.model.phases[phase.id] = phase
        return {"release_phase": self._phase_view(phase)}

    @route("GET", "/api/v1/release_phases/{phase_id}")
    def get_release_phase(self, request: Request, phase_id: str) -> dict[str, Any]:
        """One release phase."""
        return {"release_phase": self._phase_view(self._phase(phase_id), request.query.get("fields"))}

    @route("PUT", "/api/v1/release_phases/{phase_id}")
    def update_release_phase(self, request: Request, phase_id: str) -> dict[str, Any]:
        """Change a phase's name, dates, type or description."""
        phase = self._phase(phase_id)
        body = self._phase_body(request)
        if "release_id" in body:
            raise self.error(400, "release_id cannot be changed: create the phase in the other release")
        self.model.apply_phase(phase, body, creating=False)
        phase.updated_at = iso_now()
        return {"release_phase": self._phase_view(phase)}

    @route("DELETE", "/api/v1/release_phases/{phase_id}")
    def delete_release_phase(self, request: Request, phase_id: str) -> Reply:
        """Delete a phase; answers 204."""
        del self.model.phases[self._phase(phase_id).id]
        return Reply(204, None)

    def _phase(self, phase_id: str) -> Phase:
        phase = self.model.phases.get(phase_id)
        if phase is None:
            raise self.error(404, f"Release phase '{phase_id}' not found")
        return phase

    def _phase_body(self, request: Request) -> dict[str, Any]:
        body = request.json_object().get("release_phase")
        if not isinstance(body, dict) or not body:
            raise self.error(400, "param is missing or the value is empty: release_phase")
        return body

    # Web pages (what a release's ``url`` opens; no credentials)

    @page("/releases/{release_id}")
    @page("/master_releases/{release_id}")
    def release_web_page(self, request: Request, release_id: str) -> Page:
        """The release's page in Aha!'s web app."""
        return self.release_page(release_id)

    # Controls

    @control("ship_release")
    def ship_release(self, release_id: str) -> dict[str, Any]:
        """Move the release to its product's shipping workflow status; return the release."""
        return self._full_view(self.model.shipping_release(release_id), self._base(None))

    @control("state")
    def state(self) -> dict[str, Any]:
        """A summary of products, releases (with their status) and release phases."""
        return {
            "products": [
                {
                    "id": p.id,
                    "reference_prefix": p.reference_prefix,
                    "name": p.name,
                    "workflow_statuses": [s.name for s in p.workflow_statuses],
                }
                for p in self.model.products.values()
            ],
            "releases": [
                {
                    "id": r.id,
                    "reference_num": r.reference_num,
                    "name": r.name,
                    "product": self.model.products[r.product_id].reference_prefix,
                    "master_release": r.master_release,
                    "parent_id": r.parent_id,
                    "workflow_status": self.model.status(r).name,
                    "released": r.released,
                    "released_on": r.released_on,
                }
                for r in sorted(
                    self.model.releases.values(), key=lambda r: (r.product_id, r.created_at, r.id)
                )
            ],
            "release_phases": [
                {"id": p.id, "release_id": p.release_id, "name": p.name, "type": p.type}
                for p in self.model.phases.values()
            ],
        }


def _parse_moment(text: str) -> dt.datetime | None:
    raw = text.strip()
    if raw[-1:] in ("Z", "z"):
        raw = raw[:-1] + "+00:00"
    try:
        moment = (
            dt.datetime.fromisoformat(raw) if len(raw) > 10 else dt.datetime.fromisoformat(raw + "T00:00:00")
        )
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment
