"""How Aha!'s sandbox renders releases, phases, users, goals and initiatives (and Aha!'s ``fields``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from airflow_provider_releases_sandbox.aha.models import AhaModel, stable_id
from airflow_provider_releases_sandbox.aha.records import Goal, Initiative, Phase, Product, Release, User
from airflow_provider_releases_sandbox.core import ApiError, Backend, Request
from airflow_provider_releases_sandbox.web import Page, Table, not_found

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


class AhaViews(Backend):
    """Rendering of the :class:`AhaModel`'s state as Aha!'s API answers it: the HTTP side's base."""

    model: AhaModel

    def _base(self, request: Request | None) -> str:
        """The web address releases' ``url`` and ``resource`` start with (see the package docstring)."""
        if self.model.web_url:
            return self.model.web_url
        host = request.header("host") if request is not None else None
        if host:
            self.model.last_base = f"http://{host}/{self.name}"
        return self.model.last_base

    def _user_view(self, user_id: str) -> dict[str, Any]:
        return (self.model.users.get(user_id) or User(id=user_id)).to_json()

    def _project_view(self, product: Product, base: str) -> dict[str, Any]:
        return {
            "id": product.id,
            "reference_prefix": product.reference_prefix,
            "name": product.name,
            "product_line": product.product_line,
            "created_at": product.created_at,
            "workspace_type": "product_workspace",
            "url": f"{base}/projects/{product.reference_prefix}",
        }

    def _urls(self, release: Release, base: str) -> dict[str, str]:
        kind = "master_releases" if release.master_release else "releases"
        ref = release.reference_num
        return {"url": f"{base}/{kind}/{ref}", "resource": f"{base}/api/v1/releases/{ref}"}

    def _description(self, owner: str, text: Any, stamp: str) -> dict[str, Any]:
        return {
            "id": stable_id(f"description-{owner}"),
            "body": text or "",
            "created_at": stamp,
            "updated_at": stamp,
            "attachments": [],
        }

    def _goal_view(self, goal: Goal, base: str) -> dict[str, Any]:
        ref = goal.reference_num or goal.id
        stamp = goal.created_at
        return {
            "id": goal.id,
            "name": goal.name,
            "url": f"{base}/strategic_imperatives/{ref}",
            "resource": f"{base}/api/v1/goals/{ref}",
            "created_at": stamp,
            "description": self._description(goal.id, goal.description, stamp),
        }

    def _initiative_view(self, initiative: Initiative, base: str) -> dict[str, Any]:
        ref = initiative.reference_num or initiative.id
        stamp = initiative.created_at
        return {
            "id": initiative.id,
            "reference_num": initiative.reference_num,
            "name": initiative.name,
            "url": f"{base}/initiatives/{ref}",
            "resource": f"{base}/api/v1/initiatives/{ref}",
            "created_at": stamp,
            "description": self._description(initiative.id, initiative.description, stamp),
            "integration_fields": [],
        }

    def _parent_view(self, release: Release, base: str) -> dict[str, Any] | None:
        parent = self.model.releases.get(release.parent_id or "")
        if parent is None:
            return None
        return {
            "id": parent.id,
            "reference_num": parent.reference_num,
            "name": parent.name,
            "start_date": parent.start_date,
            "release_date": parent.release_date,
            "created_at": parent.created_at,
            **self._urls(parent, base),
        }

    def _full_view(self, release: Release, base: str) -> dict[str, Any]:
        status = self.model.status(release)
        product = self.model.products[release.product_id]
        theme = release.theme
        view: dict[str, Any] = {
            key: getattr(release, key)
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
            release.external_release_date, release.external_date_resolution
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
            view[key] = getattr(release, key)
        view["theme"] = theme.to_json() | {"updated_at": release.updated_at, "attachments": []}
        view.update(self._urls(release, base))
        view["integration_fields"] = list(release.integration_fields)
        view["custom_fields"] = list(release.custom_fields)
        view["comments_count"] = release.comments_count
        view["workflow_status"] = {
            key: getattr(status, key) for key in ("id", "name", "position", "complete", "color")
        }
        view["owner"] = self._user_view(release.owner)
        view["goals"] = [
            self._goal_view(self.model.goals[g], base) for g in release.goals if g in self.model.goals
        ]
        view["key_results"] = []
        view["initiatives"] = [
            self._initiative_view(self.model.initiatives[i], base)
            for i in release.initiatives
            if i in self.model.initiatives
        ]
        view["project"] = self._project_view(product, base)
        parent = self._parent_view(release, base)
        if parent is not None:
            view["parent"] = parent
        view["workflow_status_times"] = [entry.to_json() for entry in release.workflow_status_times]
        view["created_by_user"] = self._user_view(release.created_by)
        view["watchers"] = [self._user_view(user_id) for user_id in release.watchers]
        view["capacity_units"] = release.capacity_units
        view["total_capacity_text"] = release.total_capacity_text
        return view

    def _list_item(self, full: dict[str, Any]) -> dict[str, Any]:
        item = {key: full[key] for key in LIST_ITEM_KEYS if key in full}
        for key in ("start_date", "release_date"):  # the docs' parking-lot item leaves them out
            if item.get(key) is None:
                item.pop(key, None)
        return item

    def _render(self, release: Release, request: Request, fields: Any, *, listed: bool) -> dict[str, Any]:
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

    def release_page(self, release_key: str) -> Page:
        """The release's page in Aha!'s web app (what its ``url`` opens): status and phases."""
        try:
            release = self.model.release(release_key)
        except ApiError:
            return not_found("Aha!", f"Release {release_key!r}")
        product = self.model.products[release.product_id]
        kind = "Master release" if release.master_release else "Release"
        phases = self.model.phases_of(release)
        return Page(
            "Aha!",
            f"{kind} {release.reference_num}: {release.name}",
            [
                ("Name", release.name),
                ("Reference", release.reference_num),
                ("Product", f"{product.name} ({product.reference_prefix})"),
                ("Workflow status", self.model.status(release).name),
                ("Shipped", release.released),
                ("Released on", release.released_on),
                ("Start date", release.start_date),
                ("Release date", release.release_date),
                ("Theme", release.theme.body),
                ("Updated", release.updated_at),
            ],
            [
                Table(
                    "Release phases",
                    ("Name", "Type", "Start", "End"),
                    [(p.name, p.type, p.start_on, p.end_on) for p in phases],
                )
            ]
            if phases
            else [],
        )

    def _phase_view(self, phase: Phase, fields: Any = None) -> dict[str, Any]:
        release = self.model.releases.get(phase.release_id)
        stamp = phase.created_at
        view = {
            "id": phase.id,
            "name": phase.name,
            "start_on": phase.start_on,
            "end_on": phase.end_on,
            "type": phase.type,
            "release_id": phase.release_id,
            "release_reference_num": release.reference_num if release is not None else None,
            "progress": phase.progress,
            "duration": _duration_days(phase.start_on, phase.end_on),
            "description": self._description(phase.id, phase.description, stamp),
            "created_at": stamp,
            "updated_at": phase.updated_at or stamp,
        }
        return _select(view, view, self._fields(fields))


def _select(full: dict[str, Any], default: dict[str, Any], names: list[str] | None) -> dict[str, Any]:
    """Apply Aha!'s ``fields``: ``*`` is the default keys; other names pick keys of the full view."""
    if names is None:
        return default
    chosen = dict(default) if "*" in names else {}
    for name in names:
        if name != "*" and name in full:
            chosen[name] = full[name]
    return chosen


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
