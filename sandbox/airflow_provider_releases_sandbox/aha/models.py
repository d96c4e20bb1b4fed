"""Aha!'s sandbox state: users, workflow statuses, products, goals, initiatives, releases, phases."""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from airflow_provider_releases_sandbox.aha.fields import FieldRules
from airflow_provider_releases_sandbox.aha.records import (
    SEED_TIME,
    Goal,
    Initiative,
    Phase,
    Product,
    Release,
    StatusTime,
    Theme,
    User,
    WorkflowStatus,
)
from airflow_provider_releases_sandbox.aha.rules import DATE_FIELDS
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
#: The records of the state fields that are tables (id -> record).
TABLES: dict[str, type[Any]] = {
    "products": Product,
    "goals": Goal,
    "initiatives": Initiative,
    "releases": Release,
    "phases": Phase,
}


class AhaModel(Model):
    """
    Aha!'s state and its bookkeeping; the checks of writable fields are its :attr:`rules`.
    :class:`~.responses.AhaBackend` holds one and answers HTTP with it.
    """

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

    def __init__(self, seed: dict[str, Any] | None = None) -> None:
        self.rules = FieldRules(self)
        super().__init__(seed)

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
        self.users = _table(User, seed["users"])
        self.user_id = str(seed.get("user_id") or next(iter(self.users), ""))
        if self.user_id not in self.users:
            self.user_id = self.user_id or "1"
            self.users[self.user_id] = User(id=self.user_id, name="API user")
        default_statuses = [_status(status) for status in seed["workflow_statuses"]]
        self.products: dict[str, Product] = {}
        for raw in seed["products"]:
            statuses = raw.get("workflow_statuses") if isinstance(raw, dict) else None
            product = Product.from_seed(
                raw,
                reference_prefix=str(raw["reference_prefix"]),
                name=str(raw["name"]),
                workflow_statuses=(
                    [_status(status) for status in statuses]
                    if statuses is not None
                    else [replace(status) for status in default_statuses]
                ),
            )
            if not product.workflow_statuses:
                raise ValueError(f"aha seed: product {product.id} has no workflow statuses")
            self.products[product.id] = product
        self.goals = _table(Goal, seed["goals"])
        self.initiatives = _table(Initiative, seed["initiatives"])
        self.releases: dict[str, Release] = {}
        self.counters: dict[str, int] = dict.fromkeys(self.products, 0)
        self.release_counts: dict[str, int] = dict.fromkeys(self.products, 0)  # a new one's position
        for raw in seed["releases"]:
            self._load_release(raw)
        for release in self.releases.values():
            parent = self.releases.get(release.parent_id or "")
            if release.parent_id is not None and (parent is None or not parent.master_release):
                raise ValueError(f"aha seed: release {release.id}'s parent_id is not a roll-up release")
            for key, table in (("goals", self.goals), ("initiatives", self.initiatives)):
                unknown = [item for item in getattr(release, key) if item not in table]
                if unknown:
                    raise ValueError(f"aha seed: release {release.id} names unknown {key} {unknown}")
        self.phases: dict[str, Phase] = {}
        for raw in seed["release_phases"]:
            phase = Phase.from_seed(raw, release_id=str(raw.get("release_id")))
            if phase.release_id not in self.releases:
                raise ValueError(
                    f"aha seed: release phase {phase.id} names unknown release {phase.release_id}"
                )
            if phase.type == "milestone" or not phase.end_on:
                phase.end_on = phase.end_on or phase.start_on
            self.phases[phase.id] = phase

    def _load_release(self, raw: dict[str, Any]) -> None:
        product = self.products.get(str(raw.get("product_id")))
        if product is None:
            raise ValueError(
                f"aha seed: release {raw.get('id')} names unknown product {raw.get('product_id')}"
            )
        fresh = self.new_release(product, str(raw["name"]), master=bool(raw.get("master_release")))
        given = {key: value for key, value in raw.items() if key not in ("workflow_status", "owner", "theme")}
        created = raw.get("created_at", SEED_TIME)
        owner = str(raw.get("owner") or self.user_id)
        theme = Theme(id=stable_id(f"theme-{raw['id']}"), body=raw.get("theme") or "", created_at=SEED_TIME)
        release = Release.from_seed(
            {**vars(fresh), **given},
            product_id=product.id,
            created_at=created,
            updated_at=raw.get("updated_at", created),
            theme=theme,
            status_changed_on=raw.get("status_changed_on") or SEED_TIME[:10],
            goals=[str(item) for item in raw.get("goals", [])],
            initiatives=[str(item) for item in raw.get("initiatives", [])],
            watchers=[str(item) for item in raw.get("watchers", [])],
            owner=owner,
            created_by=owner,
            parent_id=str(raw["parent_id"]) if raw.get("parent_id") is not None else None,
        )
        number = _reference_number(release.reference_num)
        if number is None:
            self.counters[product.id] += 1
            number = self.counters[product.id]
            release.reference_num = f"{product.reference_prefix}-R-{number}"
        self.counters[product.id] = max(self.counters[product.id], number)
        status = product.workflow_statuses[0]
        if raw.get("workflow_status") is not None:
            status = self.find_status(product, raw["workflow_status"])
            if status is None:
                raise ValueError(
                    f"aha seed: release {release.id} has workflow status {raw['workflow_status']!r}, "
                    f"not one of product {product.reference_prefix}'s"
                )
        release.workflow_status_id = status.id
        release.released = status.ships
        if status.ships:
            release.released_on = raw.get("released_on") or release.release_date or SEED_TIME[:10]
        release.workflow_status_times = [
            StatusTime(status_id=status.id, status_name=status.name, started_at=SEED_TIME)
        ]
        self.store_release(release)

    def from_snapshot(self, name: str, value: Any) -> Any:
        """The tables' records rebuilt; the counters as they are."""
        record = TABLES.get(name)
        if record is None:
            return value
        return {key: record.from_json(item) for key, item in value.items()}

    def store_release(self, release: Release) -> None:
        """Add ``release`` to the releases and count it in its product."""
        self.releases[release.id] = release
        self.release_counts[release.product_id] += 1

    def new_release(self, product: Product, name: str, *, master: bool = False) -> Release:
        """A new release of ``product`` named ``name``, in the product's first workflow status (no id yet)."""
        stamp = iso_now()
        first = product.workflow_statuses[0]
        return Release(
            id="",
            product_id=product.id,
            reference_num="",
            name=name,
            master_release=master,
            created_at=stamp,
            updated_at=stamp,
            position=self.release_counts[product.id] + 1,
            status_changed_on=stamp[:10],
            theme=Theme(id=str(random.randrange(10**18, 10**19)), body="", created_at=stamp),
            workflow_status_id=first.id,
            workflow_status_times=[StatusTime(status_id=first.id, status_name=first.name, started_at=stamp)],
            owner=self.user_id,
            created_by=self.user_id,
        )

    # Errors

    def error(self, status: int, message: str, code: str | None = None) -> ApiError:
        """Aha!'s error shape: ``{"errors": {"message": ...}}``."""
        return ApiError(status, {"errors": {"message": message}})

    def secrets(self) -> list[str]:
        """The API key."""
        return [self.api_key]

    # Lookups

    def product(self, key: str) -> Product:
        """The product of id or reference prefix ``key``, or 404."""
        product = self.products.get(key) or next(
            (p for p in self.products.values() if p.reference_prefix.lower() == key.lower()), None
        )
        if product is None:
            raise self.error(404, f"Product '{key}' not found")
        return product

    def release(self, key: str) -> Release:
        """The release of id or reference number ``key``, or 404."""
        release = self.releases.get(key) or next(
            (r for r in self.releases.values() if r.reference_num.lower() == key.lower()), None
        )
        if release is None:
            raise self.error(404, f"Release '{key}' not found")
        return release

    def product_release(self, product_key: str, release_key: str) -> Release:
        """The release ``release_key`` of the product ``product_key``, or 404."""
        product = self.product(product_key)
        release = self.release(release_key)
        if release.product_id != product.id:
            raise self.error(404, f"Release '{release_key}' not found in product '{product_key}'")
        return release

    def by_id_or_ref(self, table: dict[str, Goal] | dict[str, Initiative], key: str, kind: str) -> Any:
        """The goal or initiative of ``table`` with id or reference number ``key``, or 404 naming ``kind``."""
        found = table.get(key) or next(
            (item for item in table.values() if (item.reference_num or "").lower() == key.lower()), None
        )
        if found is None:
            raise self.error(404, f"{kind} '{key}' not found")
        return found

    def phases_of(self, release: Release) -> list[Phase]:
        """The release's phases."""
        return [phase for phase in self.phases.values() if phase.release_id == release.id]

    def find_status(self, product: Product, value: Any) -> WorkflowStatus | None:
        """The product's workflow status of id or name (any case) ``value``, if any."""
        wanted = str(value).strip().lower()
        for status in product.workflow_statuses:
            if status.id == wanted or status.name.lower() == wanted:
                return status
        return None

    def status(self, release: Release) -> WorkflowStatus:
        """The release's workflow status."""
        product = self.products[release.product_id]
        return next(s for s in product.workflow_statuses if s.id == release.workflow_status_id)

    # Changes

    def apply_fields(self, release: Release, body: dict[str, Any], *, creating: bool) -> None:
        """Check the writable fields in ``body`` and store them in ``release`` (400 on the first bad one)."""
        changes, status = self.rules.release_changes(release, body, creating=creating)
        theme = changes.pop("theme", None)
        for key, value in changes.items():
            setattr(release, key, value)
        if theme is not None:
            release.theme.body = theme
        if status is not None:
            self._move(release, status)
        release.updated_at = iso_now()

    def apply_phase(self, phase: Phase, body: dict[str, Any], *, creating: bool) -> None:
        """Check the writable phase fields in ``body`` and store them in ``phase`` (400 on a bad one)."""
        for key, value in self.rules.phase_changes(phase, body, creating=creating).items():
            setattr(phase, key, value)

    def _move(self, release: Release, status: WorkflowStatus) -> None:
        """Put ``release`` in ``status``; the shipping status sets ``released`` and ``released_on``."""
        if release.workflow_status_id == status.id:
            return
        stamp = iso_now()
        for entry in release.workflow_status_times:
            if entry.ended_at is None:
                entry.ended_at = stamp
        release.workflow_status_times.append(
            StatusTime(status_id=status.id, status_name=status.name, started_at=stamp)
        )
        release.workflow_status_id = status.id
        release.status_changed_on = stamp[:10]
        release.released = status.ships
        release.released_on = stamp[:10] if status.ships else None
        release.updated_at = stamp

    def duplicate(self, original: Release) -> Release:
        """Copy ``original`` (and its phases) as ``[Copy] <name>``; return the copy."""
        product = self.products[original.product_id]
        copy = self.new_release(product, f"[Copy] {original.name}", master=original.master_release)
        for key in (
            *DATE_FIELDS,
            "external_date_resolution",
            "parking_lot",
            "progress_source",
            "duration_source",
            "capacity_units",
            "total_capacity_text",
            "parent_id",
            "owner",
        ):
            setattr(copy, key, getattr(original, key))
        copy.goals, copy.initiatives = list(original.goals), list(original.initiatives)
        copy.watchers = list(original.watchers)
        copy.theme.body = original.theme.body
        copy.id = self.fresh_id(self.releases)
        self.counters[product.id] += 1
        kind = "MR" if copy.master_release else "R"
        copy.reference_num = f"{product.reference_prefix}-{kind}-{self.counters[product.id]}"
        self.store_release(copy)
        for phase in self.phases_of(original):
            duplicate = replace(
                phase,
                id=self.fresh_id(self.phases),
                release_id=copy.id,
                created_at=copy.created_at,
                updated_at=copy.created_at,
            )
            self.phases[duplicate.id] = duplicate
        return copy

    def delete_release(self, release: Release) -> None:
        """Delete ``release`` and its phases; releases under it leave the roll-up."""
        del self.releases[release.id]
        self.release_counts[release.product_id] -= 1
        for child in self.releases.values():
            if child.parent_id == release.id:
                child.parent_id = None
        self.phases = {key: p for key, p in self.phases.items() if p.release_id != release.id}

    def shipping_release(self, release_id: str) -> Release:
        """Move the release to its product's shipping workflow status; return it."""
        release = next(
            (r for r in self.releases.values() if str(release_id) in (r.id, r.reference_num)), None
        )
        if release is None:
            raise ValueError(f"Aha! release {release_id!r} is unknown")
        product = self.products[release.product_id]
        status = next((s for s in product.workflow_statuses if s.ships), None)
        if status is None:
            raise ValueError(f"product {product.reference_prefix} has no workflow status marked ships")
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


def _status(raw: dict[str, Any]) -> WorkflowStatus:
    return WorkflowStatus(
        id=str(raw["id"]),
        name=raw["name"],
        position=raw.get("position", 1),
        complete=bool(raw.get("complete", False)),
        color=raw.get("color", "#dce7c6"),
        ships=bool(raw.get("ships", False)),
    )


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


def _table(kind: type[Any], items: list[dict[str, Any]]) -> dict[str, Any]:
    records = [kind.from_seed(item) for item in items]
    return {item.id: item for item in records}


def _reference_number(ref: Any) -> int | None:
    found = re.fullmatch(r".+-(?:M?R)-(\d+)", str(ref or ""))
    return int(found.group(1)) if found else None
