"""Aha!'s sandbox state: users, workflow statuses, products, goals, initiatives, releases, phases."""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable
from typing import Any

from airflow_provider_releases_sandbox.core import (
    ApiError,
    Model,
    iso_now,
    json_copy,
    load_seed,
)

DEFAULT_SEED: dict[str, Any] = load_seed(__package__)
API_KEY: str = DEFAULT_SEED["api_key"]
FIRST_NEW_ID = 6_776_757_454_400_000_000
PHASE_TYPES = ("phase", "milestone")
DATE_FIELDS = ("start_date", "end_date", "release_date", "development_started_on", "external_release_date")
SEED_TIME = "2026-01-05T09:00:00.000Z"


class AhaState(Model):
    """Aha!'s state and its bookkeeping; :class:`~.fields.AhaModel` adds the rules of writable fields."""

    name = "aha"
    default_seed: dict[str, Any] = DEFAULT_SEED
    # the counters number new releases (PRJ1-R-6): saved, so a restart never gives a number twice
    state_fields = (
        "products",
        "goals",
        "initiatives",
        "releases",
        "phases",
        "counters",
        "release_counts",
        "last_id",
    )
    wall_clock: Callable[[], float] = staticmethod(time.time)  # epoch s; tests may replace it on an instance

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
        release = self.new_release(product, str(raw["name"]), master=bool(raw.get("master_release")))
        release.update(
            {key: value for key, value in raw.items() if key not in ("workflow_status", "owner", "theme")}
        )
        release["id"] = str(raw["id"])
        release["product_id"] = product["id"]
        release["created_at"] = release["updated_at"] = raw.get("created_at", SEED_TIME)
        release["updated_at"] = raw.get("updated_at", release["created_at"])
        release["theme"] = {
            "id": stable_id(f"theme-{raw['id']}"),
            "body": raw.get("theme") or "",
            "created_at": SEED_TIME,
        }
        release["status_changed_on"] = raw.get("status_changed_on") or SEED_TIME[:10]
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
            release["released_on"] = raw.get("released_on") or release.get("release_date") or SEED_TIME[:10]
        release["workflow_status_times"] = [
            {
                "status_id": status["id"],
                "status_name": status["name"],
                "started_at": SEED_TIME,
                "ended_at": None,
            }
        ]
        self.store_release(release)

    def store_release(self, release: dict[str, Any]) -> None:
        """Add ``release`` to the releases and count it in its product."""
        self.releases[release["id"]] = release
        self.release_counts[release["product_id"]] += 1

    def new_release(self, product: dict[str, Any], name: str, *, master: bool = False) -> dict[str, Any]:
        """A new release of ``product`` named ``name``, in the product's first workflow status (no id yet)."""
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

    def error(self, status: int, message: str, code: str | None = None) -> ApiError:
        """Aha!'s error shape: ``{"errors": {"message": ...}}``."""
        return ApiError(status, {"errors": {"message": message}})

    def secrets(self) -> list[str]:
        """The API key."""
        return [self.api_key]

    # Lookups

    def product(self, key: str) -> dict[str, Any]:
        """The product of id or reference prefix ``key``, or 404."""
        product = self.products.get(key) or next(
            (p for p in self.products.values() if p["reference_prefix"].lower() == key.lower()), None
        )
        if product is None:
            raise self.error(404, f"Product '{key}' not found")
        return product

    def release(self, key: str) -> dict[str, Any]:
        """The release of id or reference number ``key``, or 404."""
        release = self.releases.get(key) or next(
            (r for r in self.releases.values() if r["reference_num"].lower() == key.lower()), None
        )
        if release is None:
            raise self.error(404, f"Release '{key}' not found")
        return release

    def product_release(self, product_key: str, release_key: str) -> dict[str, Any]:
        """The release ``release_key`` of the product ``product_key``, or 404."""
        product = self.product(product_key)
        release = self.release(release_key)
        if release["product_id"] != product["id"]:
            raise self.error(404, f"Release '{release_key}' not found in product '{product_key}'")
        return release

    def by_id_or_ref(self, table: dict[str, dict[str, Any]], key: str, kind: str) -> dict[str, Any]:
        """The item of ``table`` with id or reference number ``key``, or 404 naming ``kind``."""
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

    def status(self, release: dict[str, Any]) -> dict[str, Any]:
        """The release's workflow status."""
        product = self.products[release["product_id"]]
        found = next(s for s in product["workflow_statuses"] if s["id"] == release["workflow_status_id"])
        return found

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

    def duplicate(self, original: dict[str, Any]) -> dict[str, Any]:
        """Copy ``original`` (and its phases) as ``[Copy] <name>``; return the copy."""
        product = self.products[original["product_id"]]
        copy = self.new_release(product, f"[Copy] {original['name']}", master=original["master_release"])
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
        copy["id"] = self.fresh_id(self.releases)
        self.counters[product["id"]] += 1
        kind = "MR" if copy["master_release"] else "R"
        copy["reference_num"] = f"{product['reference_prefix']}-{kind}-{self.counters[product['id']]}"
        self.store_release(copy)
        for phase in [p for p in self.phases.values() if p["release_id"] == original["id"]]:
            duplicate = {**phase, "id": self.fresh_id(self.phases), "release_id": copy["id"]}
            duplicate["created_at"] = duplicate["updated_at"] = copy["created_at"]
            self.phases[duplicate["id"]] = duplicate
        return copy

    def shipping_release(self, release_id: str) -> dict[str, Any]:
        """Move the release to its product's shipping workflow status; return it."""
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
        return release

    def fresh_id(self, table: dict[str, Any]) -> str:
        """A new 19-digit id, larger than any before it (Aha!'s ids grow with time)."""
        self.last_id = max(self.last_id, *(int(key) for key in table if key.isdigit())) + random.randint(
            1, 99_999
        )
        return str(self.last_id)


# Helpers


def stable_id(text: str) -> str:
    """A numeric id derived from ``text``: the same at every reset (for seeded objects)."""
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
    defaults = json_copy(DEFAULT_SEED)
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
