"""Aha! in the sandbox: products, releases, goals, initiatives, release phases (API v1)."""

from __future__ import annotations

import datetime as dt
import json
import math
import random
import re
import time
from collections.abc import Callable
from typing import Any

from airflow_provider_releases.rules.aha import (
    CAPACITY_UNITS,
    DURATION_SOURCES,
    EXTERNAL_DATE_RESOLUTIONS,
    PROGRESS_SOURCES,
)
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

API_KEY = "sandbox-aha-api-key"
MAX_PER_PAGE = 200
FIRST_NEW_ID = 6_776_757_454_400_000_000
DEFAULT_PER_PAGE = 30

PHASE_TYPES = ("phase", "milestone")
DATE_FIELDS = ("start_date", "end_date", "release_date", "development_started_on", "external_release_date")

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TIME_CAPACITY = re.compile(r"\s*(?:\d+(?:\.\d+)?\s*(?:min|h|d|w|m)\s*)+", re.IGNORECASE)
_POINTS_CAPACITY = re.compile(r"\s*\d+(?:\.\d+)?\s*p\s*", re.IGNORECASE)
_SEED_TIME = "2026-01-05T09:00:00.000Z"
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

# The keys of a release in a list (the docs' list examples: no ``released``, no ``workflow_status``).
LIST_ITEM_KEYS = (
    "id",
    "reference_num",
    "name",
    "start_date",
    "release_date",
    "parking_lot",
    "created_at",
    "product_id",
    "integration_fields",
    "url",
    "resource",
    "owner",
    "project",
    "parent",
)
# Keys only sent when ``fields`` asks for them (the docs' ``"fields": "*,watchers"`` examples).
EXTRA_KEYS = ("watchers", "capacity_units", "total_capacity_text")

_DEFAULT_SEED: dict[str, Any] = {
    "api_key": API_KEY,
    "web_url": None,
    "user_id": "1020675218",
    "users": [
        {"id": "1020675218", "name": "Mary Humpty", "email": "mary@example.com"},
        {"id": "16338845", "name": "John Smith", "email": "john@example.com"},
        {"id": "689956296", "name": "Henry Humpty", "email": "henry@example.com"},
    ],
    "workflow_statuses": [
        {"id": "738862546", "name": "Not started", "position": 1, "complete": False, "color": "#dce7c6"},
        {"id": "738862547", "name": "In progress", "position": 2, "complete": False, "color": "#fff1b3"},
        {
            "id": "738862548",
            "name": "Shipped",
            "position": 3,
            "complete": True,
            "color": "#a7e0a3",
            "ships": True,
        },
        {"id": "738862549", "name": "Will not ship", "position": 4, "complete": True, "color": "#e3e3e3"},
    ],
    "products": [
        {"id": "131414752", "reference_prefix": "PRJ1", "name": "Web app"},
        {"id": "517761884", "reference_prefix": "PRJ2", "name": "Mobile app"},
    ],
    "goals": [
        {"id": "602095703", "reference_num": "PRJ1-G-1", "name": "Grow self-serve revenue"},
        {"id": "988418543", "reference_num": "PRJ1-G-2", "name": "Reduce churn"},
    ],
    "initiatives": [
        {
            "id": "423077122",
            "reference_num": "PRJ1-S-1",
            "name": "Faster checkout",
            "product_id": "131414752",
        },
        {"id": "4125886", "reference_num": "PRJ1-S-2", "name": "Accessibility", "product_id": "131414752"},
    ],
    "releases": [
        {
            "id": "141021264",
            "product_id": "131414752",
            "reference_num": "PRJ1-MR-1",
            "name": "2026 H1 roll-up",
            "master_release": True,
            "workflow_status": "In progress",
            "start_date": "2026-01-05",
            "release_date": "2026-06-30",
            "duration_source": "duration_from_sub_releases",
            "goals": ["602095703"],
        },
        {
            "id": "278327321",
            "product_id": "131414752",
            "reference_num": "PRJ1-R-1",
            "name": "Release 1.0",
            "parent_id": "141021264",
            "workflow_status": "Shipped",
            "released_on": "2026-01-20",
            "start_date": "2026-01-05",
            "release_date": "2026-01-20",
            "theme": "Checkout, rebuilt",
            "progress_source": "progress_manual",
            "progress": 100,
            "goals": ["602095703"],
            "initiatives": ["423077122"],
            "owner": "16338845",
        },
        {
            "id": "161456549",
            "product_id": "131414752",
            "reference_num": "PRJ1-R-2",
            "name": "Release 1.1",
            "parent_id": "141021264",
            "workflow_status": "In progress",
            "start_date": "2026-01-21",
            "release_date": "2026-03-31",
            "progress_source": "progress_from_features",
            "goals": ["602095703", "988418543"],
            "initiatives": ["423077122", "4125886"],
        },
        {
            "id": "325518644",
            "product_id": "131414752",
            "reference_num": "PRJ1-R-3",
            "name": "Release 1.2",
            "workflow_status": "Not started",
            "start_date": "2026-04-01",
            "release_date": "2026-06-30",
            "initiatives": ["4125886"],
        },
        {
            "id": "85510963",
            "product_id": "131414752",
            "reference_num": "PRJ1-R-4",
            "name": "Parking lot",
            "parking_lot": True,
            "workflow_status": "Not started",
        },
        {
            "id": "637342960",
            "product_id": "517761884",
            "reference_num": "PRJ2-R-1",
            "name": "Mobile 3.0",
            "workflow_status": "Not started",
            "release_date": "2026-05-15",
        },
    ],
    "release_phases": [
        {
            "id": "5524001",
            "release_id": "278327321",
            "name": "Development",
            "start_on": "2026-01-05",
            "end_on": "2026-01-16",
        },
        {
            "id": "5524002",
            "release_id": "278327321",
            "name": "Launch",
            "type": "milestone",
            "start_on": "2026-01-20",
        },
        {
            "id": "5524003",
            "release_id": "161456549",
            "name": "Development",
            "start_on": "2026-01-21",
            "end_on": "2026-03-13",
        },
        {
            "id": "5524004",
            "release_id": "161456549",
            "name": "Beta",
            "start_on": "2026-03-16",
            "end_on": "2026-03-27",
        },
        {
            "id": "5524005",
            "release_id": "161456549",
            "name": "Launch",
            "type": "milestone",
            "start_on": "2026-03-31",
        },
    ],
}


class AhaBackend(Backend):
    """
    Aha!'s release endpoints under ``/api/v1``, with ``Authorization: Bearer <API key>``.

    Routes (``{id}`` of a release or product takes the numeric id or the key, ``PRJ1-R-1`` or
    ``PRJ1``; goals and initiatives take the id or the reference number):

    - ``POST /api/v1/products/{product_id}/releases`` (``{"release": {...}}``; ``name`` required)
    - ``GET /api/v1/products/{product_id}/releases``, ``/goals/{id}/releases``,
      ``/initiatives/{id}/releases``, ``/releases/{id}/releases`` and
      ``/roll_up_releases/{id}/releases``: ``{"releases": [...], "pagination": {...}}``, paged by
      ``page`` and ``per_page`` (1 to 200, default 30), filtered by ``q``, ``updated_since``,
      ``parking_lot`` and ``exclude_shipped``. List items carry neither ``released`` nor
      ``workflow_status``.
    - ``GET /api/v1/releases/{id}``: the release with ``released``, ``released_on`` and
      ``workflow_status``; ``POST /api/v1/releases/{id}/duplicate`` answers the copy as the docs
      show it, ``{"release": {"id", "name": "[Copy] <name>"}}``.
    - ``PUT`` and ``DELETE /api/v1/products/{product_id}/releases/{id}`` (delete answers 204).
    - ``GET /api/v1/releases/{id}/release_phases``, ``GET``/``POST /api/v1/release_phases``,
      ``GET``/``PUT``/``DELETE /api/v1/release_phases/{id}`` (``{"release_phase": {...}}``).
    - ``GET /api/v1/me``: the API key's user (what ``test_connection`` reads).

    Every list and read takes ``fields`` (``"*"`` for the usual keys, plus names such as
    ``watchers``; without ``*`` only the named keys). Moving a release to the workflow status
    marked ``ships`` (``Shipped`` by default) sets ``released: true`` and ``released_on`` to
    today (UTC); moving it elsewhere clears both. Errors answer ``{"errors": {"message": ...}}``:
    400 for a missing or malformed field, 404 for an unknown id. Rate-limited answers carry
    ``X-Ratelimit-Reset`` in epoch seconds (no ``Retry-After``: unconfirmed for Aha!).

    Release ``url``/``resource``: ``<web_url>/releases/<reference_num>`` (roll-ups under
    ``/master_releases/``) and ``<web_url>/api/v1/releases/<reference_num>``, where ``web_url`` is
    the seed's (such as ``"https://company.aha.io"``) or, by default, the sandbox's own mount as
    the request reached it (``http://127.0.0.1:<port>/aha``), so ``resource`` can be read back.

    Seed (the default is :data:`_DEFAULT_SEED`). Every key is optional: a setting left out
    (``api_key``, ``web_url``, ``user_id``, ``users``, ``workflow_statuses``) takes its default;
    the data (``products``, ``goals``, ``initiatives``, ``releases``, ``release_phases``) is the
    default data when the seed names none of these keys, else exactly what it names. Products use
    the top-level ``workflow_statuses`` unless they list their own; the status with ``ships: true``
    is the one that ships a release::

        {"api_key": str, "web_url": str | null, "user_id": id of the API key's user,
         "users": [{"id", "name", "email"}],
         "workflow_statuses": [{"id", "name", "position", "complete", "color", "ships"?: bool}],
         "products": [{"id", "reference_prefix", "name", "workflow_statuses"?: [...]}],
         "goals": [{"id", "reference_num", "name", "description"?}],
         "initiatives": [{"id", "reference_num", "name", "product_id"?, "description"?}],
         "releases": [{"id", "product_id", "name", "reference_num"?, "master_release"?,
                       "parent_id"?, "workflow_status"?: name or id, "released_on"?,
                       "goals"?: [ids], "initiatives"?: [ids], "owner"?: user id,
                       any writable release field (dates YYYY-MM-DD)}],
         "release_phases": [{"id", "release_id", "name", "type"?: "phase" | "milestone",
                             "start_on", "end_on"?, "description"?}]}
    """

    name = "aha"
    default_seed: dict[str, Any] = _DEFAULT_SEED

    # State

    def load(self, seed: dict[str, Any]) -> None:
        """Build users, statuses, products, goals, initiatives, releases and phases from ``seed``."""
        seed = _with_defaults(seed)
        try:
            self._load(seed)
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError(
                f"aha seed: an object lacks a required key or has the wrong type ({exc!r})"
            ) from None

    def _load(self, seed: dict[str, Any]) -> None:
        self.api_key = seed["api_key"]
        self.web_url: str | None = (seed.get("web_url") or "").rstrip("/") or None
        # The sandbox's address as requests reach it: kept across resets (it is not state).
        self.last_base = getattr(self, "last_base", "http://127.0.0.1/aha")
        self.last_id = FIRST_NEW_ID
        self.users = _table(seed["users"])
        self.user_id = str(seed.get("user_id") or next(iter(self.users), ""))
        if self.user_id not in self.users:
            self.users[self.user_id or "1"] = _seeded({"id": self.user_id or "1", "name": "API user"})
            self.user_id = self.user_id or "1"
        default_statuses = [self._status_from_seed(status) for status in seed["workflow_statuses"]]
        self.products: dict[str, dict[str, Any]] = {}
        for raw in seed["products"]:
            product = _seeded(raw, product_line=False)
            product["reference_prefix"], product["name"] = str(raw["reference_prefix"]), str(raw["name"])
            statuses = raw.get("workflow_statuses")
            product["workflow_statuses"] = (
                [self._status_from_seed(status) for status in statuses]
                if statuses is not None
                else [dict(status) for status in default_statuses]
            )
            if not product["workflow_statuses"]:
                raise ValueError(f"aha seed: product {product['id']} has no workflow statuses")
            self.products[product["id"]] = product
        self.goals = _table(seed["goals"])
        self.initiatives = _table(seed["initiatives"])
        self.releases: dict[str, dict[str, Any]] = {}
        self.counters: dict[str, int] = {product_id: 0 for product_id in self.products}
        self.release_counts: dict[str, int] = dict.fromkeys(self.products, 0)  # a new one's position
        for raw in seed["releases"]:
            self._load_release(raw)
        for release in self.releases.values():
            parent = self.releases.get(release["parent_id"] or "")
            if release["parent_id"] is not None and (parent is None or not parent["master_release"]):
                raise ValueError(f"aha seed: release {release['id']}'s parent_id is not a roll-up release")
            for key, table in (("goals", self.goals), ("initiatives", self.initiatives)):
                unknown = [item for item in release[key] if item not in table]
                if unknown:
                    raise ValueError(f"aha seed: release {release['id']} names unknown {key} {unknown}")
        self.phases: dict[str, dict[str, Any]] = {}
        for raw in seed["release_phases"]:
            phase = _seeded(raw, type="phase", description="", progress=0)
            phase["release_id"] = str(phase["release_id"])
            if phase["release_id"] not in self.releases:
                raise ValueError(
                    f"aha seed: release phase {phase['id']} names unknown release {phase['release_id']}"
                )
            if phase["type"] == "milestone" or not phase.get("end_on"):
                phase["end_on"] = phase.get("end_on") or phase.get("start_on")
            self.phases[phase["id"]] = phase

    def _status_from_seed(self, raw: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": str(raw["id"]),
            "name": raw["name"],
            "position": raw.get("position", 1),
            "complete": bool(raw.get("complete", False)),
            "color": raw.get("color", "#dce7c6"),
            "ships": bool(raw.get("ships", False)),
        }

    def _load_release(self, raw: dict[str, Any]) -> None:
        product = self.products.get(str(raw.get("product_id")))
        if product is None:
            raise ValueError(
                f"aha seed: release {raw.get('id')} names unknown product {raw.get('product_id')}"
            )
        release = self._new_release(product, str(raw["name"]), master=bool(raw.get("master_release")))
        release.update(
            {key: value for key, value in raw.items() if key not in ("workflow_status", "owner", "theme")}
        )
        release["id"] = str(raw["id"])
        release["product_id"] = product["id"]
        release["created_at"] = release["updated_at"] = raw.get("created_at", _SEED_TIME)
        release["updated_at"] = raw.get("updated_at", release["created_at"])
        release["theme"] = {
            "id": _stable_id(f"theme-{raw['id']}"),
            "body": raw.get("theme") or "",
            "created_at": _SEED_TIME,
        }
        release["status_changed_on"] = raw.get("status_changed_on") or _SEED_TIME[:10]
        release["goals"] = [str(item) for item in raw.get("goals", [])]
        release["initiatives"] = [str(item) for item in raw.get("initiatives", [])]
        release["watchers"] = [str(item) for item in raw.get("watchers", [])]
        release["owner"] = str(raw.get("owner") or self.user_id)
        release["created_by"] = release["owner"]
        if raw.get("parent_id") is not None:
            release["parent_id"] = str(raw["parent_id"])
        number = _reference_number(release.get("reference_num"))
        if number is None:
            self.counters[product["id"]] += 1
            number = self.counters[product["id"]]
            release["reference_num"] = f"{product['reference_prefix']}-R-{number}"
        self.counters[product["id"]] = max(self.counters[product["id"]], number)
        status = product["workflow_statuses"][0]
        if raw.get("workflow_status") is not None:
            status = self._find_status(product, raw["workflow_status"])
            if status is None:
                raise ValueError(
                    f"aha seed: release {release['id']} has workflow status {raw['workflow_status']!r}, "
                    f"not one of product {product['reference_prefix']}'s"
                )
        release["workflow_status_id"] = status["id"]
        release["released"] = status["ships"]
        if status["ships"]:
            release["released_on"] = raw.get("released_on") or release.get("release_date") or _SEED_TIME[:10]
        release["workflow_status_times"] = [
            {
                "status_id": status["id"],
                "status_name": status["name"],
                "started_at": _SEED_TIME,
                "ended_at": None,
            }
        ]
        self._store_release(release)

    def _store_release(self, release: dict[str, Any]) -> None:
        self.releases[release["id"]] = release
        self.release_counts[release["product_id"]] += 1

    def _new_release(self, product: dict[str, Any], name: str, *, master: bool = False) -> dict[str, Any]:
        stamp = iso_now()
        first = product["workflow_statuses"][0]
        return {
            "id": "",
            "product_id": product["id"],
            "reference_num": "",
            "name": name,
            "start_date": None,
            "end_date": None,
            "development_started_on": None,
            "release_date": None,
            "external_release_date": None,
            "external_date_resolution": None,
            "released": False,
            "parking_lot": False,
            "master_release": master,
            "released_on": None,
            "created_at": stamp,
            "updated_at": stamp,
            "position": self.release_counts[product["id"]] + 1,
            "progress": 0,
            "progress_source": "progress_from_features_completed",
            "duration_source": "duration_manual",
            "status_changed_on": stamp[:10],
            "capacity_units": None,
            "total_capacity_text": None,
            "theme": {"id": str(random.randrange(10**18, 10**19)), "body": "", "created_at": stamp},
            "workflow_status_id": first["id"],
            "workflow_status_times": [
                {
                    "status_id": first["id"],
                    "status_name": first["name"],
                    "started_at": stamp,
                    "ended_at": None,
                }
            ],
            "owner": self.user_id,
            "created_by": self.user_id,
            "goals": [],
            "initiatives": [],
            "watchers": [],
            "parent_id": None,
        }

    # Auth, errors, connection

    def check_auth(self, request: Request) -> None:
        """401 unless ``Authorization: Bearer <the API key>``."""
        scheme, _, token = (request.header("authorization") or "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise self.error(401, "Authentication required: send Authorization: Bearer <API key>")
        if token != self.api_key:
            raise self.error(401, "Invalid API key")

    def error(self, status: int, message: str, code: str | None = None) -> ApiError:
        """Aha!'s error shape: ``{"errors": {"message": ...}}``."""
        return ApiError(status, {"errors": {"message": message}})

    def rate_limit_headers(self, seconds: float) -> dict[str, str]:
        """Aha!'s rate-limit headers; the reset is in epoch seconds."""
        return {
            "X-Ratelimit-Limit": "300",
            "X-Ratelimit-Remaining": "0",
            "X-Ratelimit-Reset": str(math.ceil(time.time() + seconds)),
        }

    def secrets(self) -> list[str]:
        """The API key."""
        return [self.api_key]

    def connection(self, url: Callable[[str], str]) -> dict[str, Any]:
        """``aha`` connection: host = the sandbox mount, password = the API key."""
        return {"conn_type": "aha", "host": url("aha"), "password": self.api_key}

    # Lookups

    def _base(self, request: Request | None) -> str:
        if self.web_url:
            return self.web_url
        host = request.header("host") if request is not None else None
        if host:
            self.last_base = f"http://{host}/{self.name}"
        return self.last_base

    def _product(self, key: str) -> dict[str, Any]:
        product = self.products.get(key) or next(
            (p for p in self.products.values() if p["reference_prefix"].lower() == key.lower()), None
        )
        if product is None:
            raise self.error(404, f"Product '{key}' not found")
        return product

    def _release(self, key: str) -> dict[str, Any]:
        release = self.releases.get(key) or next(
            (r for r in self.releases.values() if r["reference_num"].lower() == key.lower()), None
        )
        if release is None:
            raise self.error(404, f"Release '{key}' not found")
        return release

    def _product_release(self, product_key: str, release_key: str) -> dict[str, Any]:
        product = self._product(product_key)
        release = self._release(release_key)
        if release["product_id"] != product["id"]:
            raise self.error(404, f"Release '{release_key}' not found in product '{product_key}'")
        return release

    def _by_id_or_ref(self, table: dict[str, dict[str, Any]], key: str, kind: str) -> dict[str, Any]:
        found = table.get(key) or next(
            (item for item in table.values() if str(item.get("reference_num", "")).lower() == key.lower()),
            None,
        )
        if found is None:
            raise self.error(404, f"{kind} '{key}' not found")
        return found

    def _find_status(self, product: dict[str, Any], value: Any) -> dict[str, Any] | None:
        wanted = str(value).strip().lower()
        for status in product["workflow_statuses"]:
            if status["id"] == wanted or status["name"].lower() == wanted:
                return status
        return None

    def _status(self, release: dict[str, Any]) -> dict[str, Any]:
        product = self.products[release["product_id"]]
        found = next(s for s in product["workflow_statuses"] if s["id"] == release["workflow_status_id"])
        return found

    # Rendering

    def _user_view(self, user_id: str) -> dict[str, Any]:
        user = self.users.get(user_id) or {"id": user_id, "name": "", "email": ""}
        return {
            "id": user["id"],
            "name": user.get("name", ""),
            "email": user.get("email", ""),
            "created_at": user.get("created_at", _SEED_TIME),
            "updated_at": user.get("updated_at", _SEED_TIME),
        }

    def _project_view(self, product: dict[str, Any], base: str) -> dict[str, Any]:
        return {
            "id": product["id"],
            "reference_prefix": product["reference_prefix"],
            "name": product["name"],
            "product_line": bool(product.get("product_line", False)),
            "created_at": product.get("created_at", _SEED_TIME),
            "workspace_type": "product_workspace",
            "url": f"{base}/projects/{product['reference_prefix']}",
        }

    def _urls(self, release: dict[str, Any], base: str) -> dict[str, str]:
        kind = "master_releases" if release["master_release"] else "releases"
        ref = release["reference_num"]
        return {"url": f"{base}/{kind}/{ref}", "resource": f"{base}/api/v1/releases/{ref}"}

    def _description(self, owner: str, text: Any, stamp: str) -> dict[str, Any]:
        return {
            "id": _stable_id(f"description-{owner}"),
            "body": text or "",
            "created_at": stamp,
            "updated_at": stamp,
            "attachments": [],
        }

    def _goal_view(self, goal: dict[str, Any], base: str) -> dict[str, Any]:
        ref = goal.get("reference_num") or goal["id"]
        stamp = goal.get("created_at", _SEED_TIME)
        return {
            "id": goal["id"],
            "name": goal["name"],
            "url": f"{base}/strategic_imperatives/{ref}",
            "resource": f"{base}/api/v1/goals/{ref}",
            "created_at": stamp,
            "description": self._description(goal["id"], goal.get("description", ""), stamp),
        }

    def _initiative_view(self, initiative: dict[str, Any], base: str) -> dict[str, Any]:
        ref = initiative.get("reference_num") or initiative["id"]
        stamp = initiative.get("created_at", _SEED_TIME)
        return {
            "id": initiative["id"],
            "reference_num": initiative.get("reference_num"),
            "name": initiative["name"],
            "url": f"{base}/initiatives/{ref}",
            "resource": f"{base}/api/v1/initiatives/{ref}",
            "created_at": stamp,
            "description": self._description(initiative["id"], initiative.get("description", ""), stamp),
            "integration_fields": [],
        }

    def _parent_view(self, release: dict[str, Any], base: str) -> dict[str, Any] | None:
        parent = self.releases.get(release.get("parent_id") or "")
        if parent is None:
            return None
        return {
            "id": parent["id"],
            "reference_num": parent["reference_num"],
            "name": parent["name"],
            "start_date": parent["start_date"],
            "release_date": parent["release_date"],
            "created_at": parent["created_at"],
            **self._urls(parent, base),
        }

    def _full_view(self, release: dict[str, Any], base: str) -> dict[str, Any]:
        status = self._status(release)
        product = self.products[release["product_id"]]
        theme = release["theme"]
        view: dict[str, Any] = {
            key: release[key]
            for key in (
                "id",
                "product_id",
                "reference_num",
                "name",
                "start_date",
                "end_date",
                "development_started_on",
                "release_date",
                "external_release_date",
            )
        }
        view["external_release_date_description"] = _external_description(
            release["external_release_date"], release["external_date_resolution"]
        )
        for key in (
            "external_date_resolution",
            "released",
            "parking_lot",
            "master_release",
            "released_on",
            "created_at",
            "updated_at",
            "position",
            "progress",
            "progress_source",
            "duration_source",
            "status_changed_on",
        ):
            view[key] = release[key]
        view["theme"] = {
            "id": theme["id"],
            "body": theme["body"],
            "created_at": theme["created_at"],
            "updated_at": release["updated_at"],
            "attachments": [],
        }
        view.update(self._urls(release, base))
        view["integration_fields"] = list(release.get("integration_fields", []))
        view["custom_fields"] = list(release.get("custom_fields", []))
        view["comments_count"] = release.get("comments_count", 0)
        view["workflow_status"] = {
            key: status[key] for key in ("id", "name", "position", "complete", "color")
        }
        view["owner"] = self._user_view(release["owner"])
        view["goals"] = [self._goal_view(self.goals[g], base) for g in release["goals"] if g in self.goals]
        view["key_results"] = []
        view["initiatives"] = [
            self._initiative_view(self.initiatives[i], base)
            for i in release["initiatives"]
            if i in self.initiatives
        ]
        view["project"] = self._project_view(product, base)
        parent = self._parent_view(release, base)
        if parent is not None:
            view["parent"] = parent
        view["workflow_status_times"] = [dict(entry) for entry in release["workflow_status_times"]]
        view["created_by_user"] = self._user_view(release["created_by"])
        view["watchers"] = [self._user_view(user_id) for user_id in release["watchers"]]
        view["capacity_units"] = release["capacity_units"]
        view["total_capacity_text"] = release["total_capacity_text"]
        return view

    def _list_item(self, full: dict[str, Any]) -> dict[str, Any]:
        item = {key: full[key] for key in LIST_ITEM_KEYS if key in full}
        for key in ("start_date", "release_date"):  # the docs' parking-lot item leaves them out
            if item.get(key) is None:
                item.pop(key, None)
        return item

    def _render(
        self, release: dict[str, Any], request: Request, fields: Any, *, listed: bool
    ) -> dict[str, Any]:
        full = self._full_view(release, self._base(request))
        default = self._list_item(full) if listed else {k: v for k, v in full.items() if k not in EXTRA_KEYS}
        return _select(full, default, self._fields(fields))

    def _fields(self, raw: Any) -> list[str] | None:
        if raw is None or raw == "":
            return None
        if not isinstance(raw, str):
            raise self.error(400, f"fields must be a comma-separated string of field names, not {raw!r}")
        names = [name.strip() for name in raw.split(",") if name.strip()]
        if not names:
            raise self.error(400, f"fields={raw!r} names no field")
        return names

    def _phase_view(self, phase: dict[str, Any], fields: Any = None) -> dict[str, Any]:
        release = self.releases.get(phase["release_id"], {})
        stamp = phase.get("created_at", _SEED_TIME)
        view = {
            "id": phase["id"],
            "name": phase["name"],
            "start_on": phase.get("start_on"),
            "end_on": phase.get("end_on"),
            "type": phase["type"],
            "release_id": phase["release_id"],
            "release_reference_num": release.get("reference_num"),
            "progress": phase.get("progress", 0),
            "duration": _duration_days(phase.get("start_on"), phase.get("end_on")),
            "description": self._description(phase["id"], phase.get("description", ""), stamp),
            "created_at": stamp,
            "updated_at": phase.get("updated_at", stamp),
        }
        return _select(view, view, self._fields(fields))

    # Validation of release fields

    def _apply_fields(self, release: dict[str, Any], body: dict[str, Any], *, creating: bool) -> None:
        """Check the writable fields in ``body`` and store them in ``release`` (400 on the first bad one)."""
        product = self.products[release["product_id"]]
        changes: dict[str, Any] = {}
        if "name" in body or creating:
            name = body.get("name")
            if not isinstance(name, str) or not name.strip():
                raise self.error(400, "Validation failed: Name can't be blank")
            changes["name"] = name
        for key in DATE_FIELDS:
            if key in body:
                changes[key] = self._date(key, body[key])
        if "theme" in body:
            theme = body["theme"]
            if theme is not None and not isinstance(theme, str):
                raise self.error(400, f"theme must be a string (HTML allowed), not {theme!r}")
            changes["theme"] = theme or ""
        if "parking_lot" in body:
            changes["parking_lot"] = self._bool("parking_lot", body["parking_lot"])
        for key, choices in (
            ("external_date_resolution", EXTERNAL_DATE_RESOLUTIONS),
            ("capacity_units", CAPACITY_UNITS),
            ("progress_source", PROGRESS_SOURCES),
            ("duration_source", DURATION_SOURCES),
        ):
            if key in body:
                value = body[key]
                if value not in choices:
                    raise self.error(400, f"{key} {value!r} is invalid: must be one of {', '.join(choices)}")
                changes[key] = value
        if "total_capacity_text" in body:
            changes["total_capacity_text"] = self._capacity(
                body["total_capacity_text"], changes.get("capacity_units", release["capacity_units"])
            )
        if "progress" in body:
            progress = body["progress"]
            source = changes.get("progress_source", release["progress_source"])
            if source != "progress_manual":
                raise self.error(
                    400, f"Progress may only be set when the progress source is manual (it is {source})"
                )
            if (
                isinstance(progress, bool)
                or not isinstance(progress, (int, float))
                or not 0 <= progress <= 100
            ):
                raise self.error(400, f"progress {progress!r} is invalid: must be a number from 0 to 100")
            changes["progress"] = progress
        if "owner" in body:
            changes["owner"] = self._user_ref("owner", body["owner"])
        if "watchers" in body:
            changes["watchers"] = [
                self._user_ref("watchers", item) for item in self._list("watchers", body["watchers"])
            ]
        if "goals" in body:
            changes["goals"] = [self._goal_ref(item) for item in self._list("goals", body["goals"])]
        if "initiatives" in body:
            changes["initiatives"] = [
                self._initiative_ref(item) for item in self._list("initiatives", body["initiatives"])
            ]
        if "parent_id" in body:
            changes["parent_id"] = self._parent_ref(release, body["parent_id"])
        status_value = body.get("workflow_status", body.get("status"))
        status = None
        if status_value is not None:
            if isinstance(status_value, bool) or not isinstance(status_value, (str, int)):
                raise self.error(400, f"workflow_status must be a status name or id, not {status_value!r}")
            status = self._find_status(product, status_value)
            if status is None:
                names = ", ".join(s["name"] for s in product["workflow_statuses"])
                raise self.error(
                    400,
                    f"Workflow status '{status_value}' is not valid for product "
                    f"{product['reference_prefix']}: expected one of {names}",
                )
        theme = changes.pop("theme", None)
        release.update(changes)
        if theme is not None:
            release["theme"]["body"] = theme
        if status is not None:
            self._move(release, status)
        release["updated_at"] = iso_now()

    def _move(self, release: dict[str, Any], status: dict[str, Any]) -> None:
        """Put ``release`` in ``status``; the shipping status sets ``released`` and ``released_on``."""
        if release["workflow_status_id"] == status["id"]:
            return
        stamp = iso_now()
        for entry in release["workflow_status_times"]:
            if entry["ended_at"] is None:
                entry["ended_at"] = stamp
        release["workflow_status_times"].append(
            {"status_id": status["id"], "status_name": status["name"], "started_at": stamp, "ended_at": None}
        )
        release["workflow_status_id"] = status["id"]
        release["status_changed_on"] = stamp[:10]
        release["released"] = status["ships"]
        release["released_on"] = stamp[:10] if status["ships"] else None
        release["updated_at"] = stamp

    def _date(self, key: str, value: Any) -> str | None:
        if value is None:
            return None
        if isinstance(value, str) and _DATE.fullmatch(value):
            try:
                return dt.date.fromisoformat(value).isoformat()
            except ValueError:
                pass
        raise self.error(400, f"{key} {value!r} is invalid: use the format YYYY-MM-DD")

    def _bool(self, key: str, value: Any) -> bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise self.error(400, f"{key} {value!r} is invalid: must be true or false")

    def _capacity(self, value: Any, units: str | None) -> str | None:
        if value is None:
            return None
        time_form = isinstance(value, str) and bool(_TIME_CAPACITY.fullmatch(value))
        points_form = isinstance(value, str) and bool(_POINTS_CAPACITY.fullmatch(value))
        if not (time_form or points_form):
            raise self.error(
                400,
                f"total_capacity_text {value!r} is invalid: use time such as '2d 1h' (min, h, d, w, m) "
                "or story points such as '4p'",
            )
        if units == "time" and not time_form:
            raise self.error(
                400,
                f"total_capacity_text {value!r} must be a time (min, h, d, w, m): capacity units are time",
            )
        if units == "story_points" and not points_form:
            raise self.error(
                400,
                f"total_capacity_text {value!r} must be story points such as '4p': "
                "capacity units are story_points",
            )
        return value

    def _list(self, key: str, value: Any) -> list[str]:
        if value is None:
            return []
        if isinstance(value, str):  # the docs' examples send "602095703,988418543"
            return [item.strip() for item in value.split(",") if item.strip()]
        if isinstance(value, list) and all(
            isinstance(item, (str, int)) and not isinstance(item, bool) for item in value
        ):
            return [str(item).strip() for item in value]
        raise self.error(400, f"{key} must be an array of names or ids, not {value!r}")

    def _user_ref(self, key: str, value: Any) -> str:
        wanted = (
            str(value).strip().lower()
            if isinstance(value, (str, int)) and not isinstance(value, bool)
            else None
        )
        for user in self.users.values():
            if wanted in (user["id"], str(user.get("email", "")).lower()):
                return user["id"]
        raise self.error(400, f"{key}: user {value!r} not found in this account")

    def _goal_ref(self, value: str) -> str:
        wanted = value.lower()
        for goal in self.goals.values():
            if wanted in (goal["id"], str(goal.get("reference_num", "")).lower(), goal["name"].lower()):
                return goal["id"]
        raise self.error(400, f"goals: goal {value!r} not found")

    def _initiative_ref(self, value: str) -> str:
        wanted = value.lower()
        for initiative in self.initiatives.values():
            keys = (
                initiative["id"],
                str(initiative.get("reference_num", "")).lower(),
                initiative["name"].lower(),
            )
            if wanted in keys:
                return initiative["id"]
        raise self.error(400, f"initiatives: initiative {value!r} not found")

    def _parent_ref(self, release: dict[str, Any], value: Any) -> str | None:
        if value is None or value == "":
            return None
        if isinstance(value, bool) or not (
            isinstance(value, int) or (isinstance(value, str) and value.isdigit())
        ):
            raise self.error(
                400, f"parent_id {value!r} is invalid: must be the numeric id of a roll-up release"
            )
        parent = self.releases.get(str(value))
        if parent is None or not parent["master_release"]:
            raise self.error(400, f"parent_id {value}: no roll-up release with that id")
        if parent["id"] == release["id"]:
            raise self.error(400, "parent_id: a release cannot be its own roll-up release")
        return parent["id"]

    # Lists

    def _page(self, request: Request, items: list[Any], key: str) -> dict[str, Any]:
        page = int_param(request, "page", 1, minimum=1, maximum=None, error=self.error)
        per_page = int_param(
            request, "per_page", DEFAULT_PER_PAGE, minimum=1, maximum=MAX_PER_PAGE, error=self.error
        )
        return {
            key: page_slice(items, page, per_page),
            "pagination": {
                "total_records": len(items),
                "total_pages": math.ceil(len(items) / per_page),
                "current_page": page,
            },
        }

    def _list_releases(self, request: Request, releases: list[dict[str, Any]]) -> dict[str, Any]:
        query = request.query
        q = query.get("q")
        if q:
            releases = [r for r in releases if q.lower() in r["name"].lower()]
        since = query.get("updated_since")
        if since:
            moment = _parse_moment(since)
            if moment is None:
                raise self.error(400, f"updated_since {since!r} is invalid: use an ISO 8601 UTC timestamp")
            releases = [r for r in releases if _parse_moment(r["updated_at"]) > moment]
        if query.get("parking_lot") not in (None, "") and self._query_bool(request, "parking_lot"):
            releases = [r for r in releases if r["parking_lot"]]
        if query.get("exclude_shipped") not in (None, "") and self._query_bool(request, "exclude_shipped"):
            releases = [r for r in releases if not r["released"]]
        releases = sorted(releases, key=lambda r: int(r["id"]) if r["id"].isdigit() else 0)
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
        user = self._user_view(self.user_id)
        user["product_roles"] = [
            {"role": 20, "role_description": "Owner", "product_id": p["id"], "product_name": p["name"]}
            for p in self.products.values()
        ]
        return {"user": user}

    @route("POST", "/api/v1/products/{product_id}/releases")
    def create_release(self, request: Request, product_id: str) -> dict[str, Any]:
        """Create a release in the product; ``name`` is required."""
        product = self._product(product_id)
        body, fields = self._release_body(request)
        release = self._new_release(product, "")
        release["id"] = self._fresh_id(self.releases)
        self._apply_fields(release, body, creating=True)
        self.counters[product["id"]] += 1
        release["reference_num"] = f"{product['reference_prefix']}-R-{self.counters[product['id']]}"
        release["created_at"] = release["updated_at"]
        self._store_release(release)
        return {"release": self._render(release, request, fields, listed=False)}

    @route("GET", "/api/v1/products/{product_id}/releases")
    def list_product_releases(self, request: Request, product_id: str) -> dict[str, Any]:
        """The product's releases."""
        product = self._product(product_id)
        return self._list_releases(
            request, [r for r in self.releases.values() if r["product_id"] == product["id"]]
        )

    @route("GET", "/api/v1/goals/{goal_id}/releases")
    def list_goal_releases(self, request: Request, goal_id: str) -> dict[str, Any]:
        """The releases linked to the goal."""
        goal = self._by_id_or_ref(self.goals, goal_id, "Goal")
        return self._list_releases(request, [r for r in self.releases.values() if goal["id"] in r["goals"]])

    @route("GET", "/api/v1/initiatives/{initiative_id}/releases")
    def list_initiative_releases(self, request: Request, initiative_id: str) -> dict[str, Any]:
        """The releases linked to the initiative."""
        initiative = self._by_id_or_ref(self.initiatives, initiative_id, "Initiative")
        releases = [r for r in self.releases.values() if initiative["id"] in r["initiatives"]]
        return self._list_releases(request, releases)

    @route("GET", "/api/v1/releases/{release_id}/releases")
    @route("GET", "/api/v1/roll_up_releases/{release_id}/releases")
    def list_child_releases(self, request: Request, release_id: str) -> dict[str, Any]:
        """The releases under a roll-up release (none under an ordinary release)."""
        parent = self._release(release_id)
        return self._list_releases(
            request, [r for r in self.releases.values() if r.get("parent_id") == parent["id"]]
        )

    @route("GET", "/api/v1/releases/{release_id}")
    def get_release(self, request: Request, release_id: str) -> dict[str, Any]:
        """One release, with ``released``, ``released_on`` and ``workflow_status``."""
        release = self._release(release_id)
        return {"release": self._render(release, request, request.query.get("fields"), listed=False)}

    @route("POST", "/api/v1/releases/{release_id}/duplicate")
    def duplicate_release(self, request: Request, release_id: str) -> dict[str, Any]:
        """Copy the release (and its phases) as ``[Copy] <name>``; answer ``{"id", "name"}`` as the docs."""
        original = self._release(release_id)
        product = self.products[original["product_id"]]
        copy = self._new_release(product, f"[Copy] {original['name']}", master=original["master_release"])
        for key in (
            *DATE_FIELDS,
            "external_date_resolution",
            "parking_lot",
            "progress_source",
            "duration_source",
        ):
            copy[key] = original[key]
        for key in ("goals", "initiatives", "watchers"):
            copy[key] = list(original[key])
        copy["capacity_units"], copy["total_capacity_text"] = (
            original["capacity_units"],
            original["total_capacity_text"],
        )
        copy["parent_id"], copy["owner"] = original["parent_id"], original["owner"]
        copy["theme"]["body"] = original["theme"]["body"]
        copy["id"] = self._fresh_id(self.releases)
        self.counters[product["id"]] += 1
        kind = "MR" if copy["master_release"] else "R"
        copy["reference_num"] = f"{product['reference_prefix']}-{kind}-{self.counters[product['id']]}"
        self._store_release(copy)
        for phase in [p for p in self.phases.values() if p["release_id"] == original["id"]]:
            duplicate = {**phase, "id": self._fresh_id(self.phases), "release_id": copy["id"]}
            duplicate["created_at"] = duplicate["updated_at"] = copy["created_at"]
            self.phases[duplicate["id"]] = duplicate
        return {"release": {"id": copy["id"], "name": copy["name"]}}

    @route("PUT", "/api/v1/products/{product_id}/releases/{release_id}")
    def update_release(self, request: Request, product_id: str, release_id: str) -> dict[str, Any]:
        """Change the release's fields; ``workflow_status`` (name or id) can ship it."""
        release = self._product_release(product_id, release_id)
        body, fields = self._release_body(request)
        self._apply_fields(release, body, creating=False)
        return {"release": self._render(release, request, fields, listed=False)}

    @route("DELETE", "/api/v1/products/{product_id}/releases/{release_id}")
    def delete_release(self, request: Request, product_id: str, release_id: str) -> Reply:
        """Delete the release and its phases; releases under it leave the roll-up. Answers 204."""
        release = self._product_release(product_id, release_id)
        del self.releases[release["id"]]
        self.release_counts[release["product_id"]] -= 1
        for child in self.releases.values():
            if child.get("parent_id") == release["id"]:
                child["parent_id"] = None
        self.phases = {key: p for key, p in self.phases.items() if p["release_id"] != release["id"]}
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
        release = self._release(release_id)
        return self._list_phases(
            request, [p for p in self.phases.values() if p["release_id"] == release["id"]]
        )

    @route("GET", "/api/v1/release_phases")
    def list_all_release_phases(self, request: Request) -> dict[str, Any]:
        """Every release phase of the account."""
        return self._list_phases(request, list(self.phases.values()))

    def _list_phases(self, request: Request, phases: list[dict[str, Any]]) -> dict[str, Any]:
        phases = sorted(phases, key=lambda p: (p["release_id"], p.get("start_on") or "", p["id"]))
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
            (r for r in self.releases.values() if str(release_ref) in (r["id"], r["reference_num"])), None
        )
        if release is None:
            raise self.error(400, f"Validation failed: Release {release_ref!r} not found")
        stamp = iso_now()
        phase = {
            "id": self._fresh_id(self.phases),
            "release_id": release["id"],
            "type": "phase",
            "progress": 0,
        }
        phase["created_at"] = phase["updated_at"] = stamp
        self._apply_phase(phase, body, creating=True)
        self.phases[phase["id"]] = phase
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
        self._apply_phase(phase, body, creating=False)
        phase["updated_at"] = iso_now()
        return {"release_phase": self._phase_view(phase)}

    @route("DELETE", "/api/v1/release_phases/{phase_id}")
    def delete_release_phase(self, request: Request, phase_id: str) -> Reply:
        """Delete a phase; answers 204."""
        del self.phases[self._phase(phase_id)["id"]]
        return Reply(204, None)

    def _phase(self, phase_id: str) -> dict[str, Any]:
        phase = self.phases.get(phase_id)
        if phase is None:
            raise self.error(404, f"Release phase '{phase_id}' not found")
        return phase

    def _phase_body(self, request: Request) -> dict[str, Any]:
        body = request.json_object().get("release_phase")
        if not isinstance(body, dict) or not body:
            raise self.error(400, "param is missing or the value is empty: release_phase")
        return body

    def _apply_phase(self, phase: dict[str, Any], body: dict[str, Any], *, creating: bool) -> None:
        changes: dict[str, Any] = {}
        if "name" in body or creating:
            if not isinstance(body.get("name"), str) or not body["name"].strip():
                raise self.error(400, "Validation failed: Name can't be blank")
            changes["name"] = body["name"]
        if "type" in body:
            if body["type"] not in PHASE_TYPES:
                raise self.error(400, f"type {body['type']!r} is invalid: must be one of phase, milestone")
            changes["type"] = body["type"]
        for key in ("start_on", "end_on"):
            if key in body:
                changes[key] = self._date(key, body[key])
        if "description" in body:
            if body["description"] is not None and not isinstance(body["description"], str):
                raise self.error(400, "description must be a string (HTML allowed)")
            changes["description"] = body["description"] or ""
        merged = {**phase, **changes}
        if not merged.get("start_on"):
            raise self.error(400, "Validation failed: Start on can't be blank")
        if merged["type"] == "milestone" or not merged.get("end_on"):
            merged["end_on"] = merged["start_on"] if merged["type"] == "milestone" else merged.get("end_on")
        if not merged.get("end_on"):
            raise self.error(400, "Validation failed: End on can't be blank")
        if merged["end_on"] < merged["start_on"]:
            raise self.error(400, "Validation failed: End on must be on or after start on")
        phase.update(merged)

    # Controls

    @control("ship_release")
    def ship_release(self, release_id: str) -> dict[str, Any]:
        """Move the release to its product's shipping workflow status; return the release."""
        release = next(
            (r for r in self.releases.values() if str(release_id) in (r["id"], r["reference_num"])), None
        )
        if release is None:
            raise ValueError(f"Aha! release {release_id!r} is unknown")
        product = self.products[release["product_id"]]
        status = next((s for s in product["workflow_statuses"] if s["ships"]), None)
        if status is None:
            raise ValueError(f"product {product['reference_prefix']} has no workflow status marked ships")
        self._move(release, status)
        return self._full_view(release, self._base(None))

    @control("state")
    def state(self) -> dict[str, Any]:
        """A summary of products, releases (with their status) and release phases."""
        return {
            "products": [
                {
                    "id": p["id"],
                    "reference_prefix": p["reference_prefix"],
                    "name": p["name"],
                    "workflow_statuses": [s["name"] for s in p["workflow_statuses"]],
                }
                for p in self.products.values()
            ],
            "releases": [
                {
                    "id": r["id"],
                    "reference_num": r["reference_num"],
                    "name": r["name"],
                    "product": self.products[r["product_id"]]["reference_prefix"],
                    "master_release": r["master_release"],
                    "parent_id": r["parent_id"],
                    "workflow_status": self._status(r)["name"],
                    "released": r["released"],
                    "released_on": r["released_on"],
                }
                for r in sorted(
                    self.releases.values(), key=lambda r: (r["product_id"], r["created_at"], r["id"])
                )
            ],
            "release_phases": [
                {"id": p["id"], "release_id": p["release_id"], "name": p["name"], "type": p["type"]}
                for p in self.phases.values()
            ],
        }

    def _fresh_id(self, table: dict[str, Any]) -> str:
        """A new 19-digit id, larger than any before it (Aha!'s ids grow with time)."""
        self.last_id = max(self.last_id, *(int(key) for key in table if key.isdigit())) + random.randint(
            1, 99_999
        )
        return str(self.last_id)


# Helpers


def _stable_id(text: str) -> str:
    return str(100_000_000 + sum(ord(char) * (index + 1) for index, char in enumerate(text)) % 900_000_000)


def _seeded(raw: dict[str, Any], **defaults: Any) -> dict[str, Any]:
    item = {**defaults, **raw}
    if "id" not in item:
        raise ValueError(f"aha seed: an object has no id: {raw!r}")
    item["id"] = str(item["id"])
    return item


_SETTINGS = ("api_key", "web_url", "user_id", "users", "workflow_statuses")
_DATA = ("products", "goals", "initiatives", "releases", "release_phases")


def _with_defaults(seed: dict[str, Any]) -> dict[str, Any]:
    """
    ``seed`` completed from the default seed: each setting left out takes its default; the data
    (products, goals, initiatives, releases, phases) is the default's only when the seed names none.
    """
    if not isinstance(seed, dict):
        raise ValueError(f"aha seed: expected a JSON object, not {type(seed).__name__}")
    defaults = json.loads(json.dumps(_DEFAULT_SEED))
    merged = {key: seed.get(key, defaults[key]) for key in _SETTINGS}
    if "users" in seed and "user_id" not in seed:
        merged["user_id"] = None  # the first of the seed's users
    own_data = any(key in seed for key in _DATA)
    merged.update({key: seed.get(key, []) if own_data else defaults[key] for key in _DATA})
    unknown = sorted(set(seed) - set(_SETTINGS) - set(_DATA))
    if unknown:
        raise ValueError(f"aha seed: unknown keys {unknown}: expected some of {[*_SETTINGS, *_DATA]}")
    return merged


def _table(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    seeded = [_seeded(item) for item in items]
    return {item["id"]: item for item in seeded}


def _reference_number(ref: Any) -> int | None:
    found = re.fullmatch(r".+-(?:M?R)-(\d+)", str(ref or ""))
    return int(found.group(1)) if found else None


def _select(full: dict[str, Any], default: dict[str, Any], names: list[str] | None) -> dict[str, Any]:
    """Apply Aha!'s ``fields``: ``*`` is the default keys; other names pick keys of the full view."""
    if names is None:
        return default
    chosen = dict(default) if "*" in names else {}
    for name in names:
        if name != "*" and name in full:
            chosen[name] = full[name]
    return chosen


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


def _duration_days(start: str | None, end: str | None) -> int | None:
    if not start or not end:
        return None
    return (dt.date.fromisoformat(end) - dt.date.fromisoformat(start)).days + 1


def _external_description(date: str | None, resolution: str | None) -> str | None:
    """The docs' ``external_release_date_description``: the external date at its resolution."""
    if not date:
        return None
    day = dt.date.fromisoformat(date)
    short = f"{_MONTHS[day.month - 1][:3]} {day.day}, {day.year}"
    if resolution == "week":
        monday = day - dt.timedelta(days=day.weekday())
        return f"Week of {_MONTHS[monday.month - 1][:3]} {monday.day}, {monday.year}"
    if resolution == "month":
        return f"{_MONTHS[day.month - 1]} {day.year}"
    if resolution == "quarter":
        return f"Q{(day.month - 1) // 3 + 1} {day.year}"
    if resolution == "half":
        return f"H{1 if day.month <= 6 else 2} {day.year}"
    if resolution == "year":
        return str(day.year)
    return short
