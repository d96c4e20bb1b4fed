"""Aha!'s rules for release and release phase fields, as the sandbox checks them (400 when broken)."""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any

from airflow_provider_releases_sandbox.aha.records import Phase, Release, WorkflowStatus
from airflow_provider_releases_sandbox.aha.rules import (
    CAPACITY_TEXT,
    CAPACITY_UNITS,
    DATE_FIELDS,
    DURATION_SOURCES,
    EXTERNAL_DATE_RESOLUTIONS,
    MANUAL_PROGRESS,
    PHASE_TYPES,
    PROGRESS_SOURCES,
)
from airflow_provider_releases_sandbox.core import ApiError

if TYPE_CHECKING:
    from airflow_provider_releases_sandbox.aha.models import AhaModel

DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class FieldRules:
    """
    The checks of writable release and phase fields, against the users, goals, initiatives,
    releases and workflow statuses of the :class:`~.models.AhaModel` that holds them; they
    change nothing: the model stores what they return.
    """

    def __init__(self, model: AhaModel) -> None:
        self.model = model

    def error(self, status: int, message: str) -> ApiError:
        """The model's error (Aha!'s shape)."""
        return self.model.error(status, message)

    def release_changes(
        self, release: Release, body: dict[str, Any], *, creating: bool
    ) -> tuple[dict[str, Any], WorkflowStatus | None]:
        """
        The release's fields ``body`` changes (``theme``: the theme's new body) and the workflow
        status it moves to; 400 on the first bad field.
        """
        product = self.model.products[release.product_id]
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
                body["total_capacity_text"], changes.get("capacity_units", release.capacity_units)
            )
        if "progress" in body:
            progress = body["progress"]
            source = changes.get("progress_source", release.progress_source)
            if source != MANUAL_PROGRESS:
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
            status = self.model.find_status(product, status_value)
            if status is None:
                names = ", ".join(s.name for s in product.workflow_statuses)
                raise self.error(
                    400,
                    f"Workflow status '{status_value}' is not valid for product "
                    f"{product.reference_prefix}: expected one of {names}",
                )
        return changes, status

    def _date(self, key: str, value: Any) -> str | None:
        if value is None:
            return None
        if isinstance(value, str) and DATE.fullmatch(value):
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
        if not isinstance(value, str) or not CAPACITY_TEXT.fullmatch(value):
            raise self.error(
                400,
                f"total_capacity_text {value!r} is invalid: use time such as '2d 1h' (min, h, d, w, m) "
                "or story points such as '4p'",
            )
        points_form = value.strip().lower().endswith("p")  # time units: min, h, d, w, m
        if units == "time" and points_form:
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
        for user in self.model.users.values():
            if wanted in (user.id, user.email.lower()):
                return user.id
        raise self.error(400, f"{key}: user {value!r} not found in this account")

    def _goal_ref(self, value: str) -> str:
        wanted = value.lower()
        for goal in self.model.goals.values():
            if wanted in (goal.id, (goal.reference_num or "").lower(), goal.name.lower()):
                return goal.id
        raise self.error(400, f"goals: goal {value!r} not found")

    def _initiative_ref(self, value: str) -> str:
        wanted = value.lower()
        for initiative in self.model.initiatives.values():
            if wanted in (initiative.id, (initiative.reference_num or "").lower(), initiative.name.lower()):
                return initiative.id
        raise self.error(400, f"initiatives: initiative {value!r} not found")

    def _parent_ref(self, release: Release, value: Any) -> str | None:
        if value is None or value == "":
            return None
        if isinstance(value, bool) or not (
            isinstance(value, int) or (isinstance(value, str) and value.isdigit())
        ):
            raise self.error(
                400, f"parent_id {value!r} is invalid: must be the numeric id of a roll-up release"
            )
        parent = self.model.releases.get(str(value))
        if parent is None or not parent.master_release:
            raise self.error(400, f"parent_id {value}: no roll-up release with that id")
        if parent.id == release.id:
            raise self.error(400, "parent_id: a release cannot be its own roll-up release")
        return parent.id

    def phase_changes(self, phase: Phase, body: dict[str, Any], *, creating: bool) -> dict[str, Any]:
        """The phase's fields as ``body`` changes them (every field); 400 on a bad one."""
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
        merged = {**vars(phase), **changes}
        if not merged.get("start_on"):
            raise self.error(400, "Validation failed: Start on can't be blank")
        if merged["type"] == "milestone" or not merged.get("end_on"):
            merged["end_on"] = merged["start_on"] if merged["type"] == "milestone" else merged.get("end_on")
        if not merged.get("end_on"):
            raise self.error(400, "Validation failed: End on can't be blank")
        if merged["end_on"] < merged["start_on"]:
            raise self.error(400, "Validation failed: End on must be on or after start on")
        return merged
