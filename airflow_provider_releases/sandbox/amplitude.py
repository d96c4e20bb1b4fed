"""Amplitude in the sandbox: release annotations (``POST /api/2/release``), HTTP Basic auth."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from typing import Any

from airflow_provider_releases.sandbox.core import ApiError, Backend, Request, control, new_id, now_ms, route

API_KEY = "sandbox-amplitude-api-key"
SECRET_KEY = "sandbox-amplitude-secret-key"
_TIME = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")
_FIELDS = (
    "version",
    "release_start",
    "release_end",
    "title",
    "description",
    "platforms",
    "created_by",
    "chart_visibility",
)


class AmplitudeBackend(Backend):
    """
    Amplitude's Releases API: ``POST /api/2/release`` with the parameters as a JSON body or as
    query parameters, answering ``{"success": true, "release": {...}}``; and the Chart
    Annotations list ``GET /api/3/annotations`` (``{"data": [...]}``) that connection tests read.

    Seed: ``{"app_id": int, "org_id": int, "api_key": str, "secret_key": str, "annotations": [...]}``.
    """

    name = "amplitude"
    default_seed = {"app_id": 50000, "org_id": 10001, "api_key": API_KEY, "secret_key": SECRET_KEY}

    def load(self, seed: dict[str, Any]) -> None:
        self.app_id = seed.get("app_id", 50000)
        self.org_id = seed.get("org_id", 10001)
        self.api_key = seed.get("api_key", API_KEY)
        self.secret_key = seed.get("secret_key", SECRET_KEY)
        self.annotations: list[dict[str, Any]] = list(seed.get("annotations", []))
        self.releases: list[dict[str, Any]] = []

    def check_auth(self, request: Request) -> None:
        scheme, _, token = (request.header("authorization") or "").partition(" ")
        if scheme.lower() != "basic" or not token:
            raise self.error(401, "Missing Basic authorization: send the API key and secret key")
        try:
            user, _, password = base64.b64decode(token, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise self.error(401, "Malformed Basic authorization header") from None
        if (user, password) != (self.api_key, self.secret_key):
            raise self.error(401, "Invalid API key or secret key")

    def error(self, status: int, message: str, code: str | None = None) -> ApiError:
        return ApiError(status, {"success": False, "error": message})

    def secrets(self) -> list[str]:
        return [self.api_key, self.secret_key]

    def connection(self, url: Callable[[str], str]) -> dict[str, Any]:
        return {
            "conn_type": "amplitude",
            "host": url("amplitude"),
            "login": self.api_key,
            "password": self.secret_key,
        }

    @route("POST", "/api/2/release")
    def create_release(self, request: Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.body:
            params.update(request.json_object())
        unknown = sorted(set(params) - set(_FIELDS))
        if unknown:
            raise self.error(400, f"Unknown parameters: {', '.join(unknown)}")
        for required in ("version", "release_start", "title"):
            if params.get(required) in (None, ""):
                raise self.error(400, f"Missing required parameter: {required}")
        for name in ("release_start", "release_end"):
            value = params.get(name)
            if value is not None and not (isinstance(value, str) and _TIME.fullmatch(value)):
                raise self.error(400, f"Invalid {name} {value!r}: expected yyyy-MM-dd HH:mm:ss in UTC")
        if params.get("release_end") and params["release_end"] < params["release_start"]:
            raise self.error(400, "release_end is before release_start")
        visibility = params.get("chart_visibility", True)
        if isinstance(visibility, str) and visibility.lower() in ("true", "false"):
            visibility = visibility.lower() == "true"
        if not isinstance(visibility, bool):
            raise self.error(400, f"Invalid chart_visibility {visibility!r}: expected true or false")
        platforms = params.get("platforms")
        if isinstance(platforms, str):
            platforms = [platforms]
        if platforms is not None and not (
            isinstance(platforms, list) and all(isinstance(item, str) for item in platforms)
        ):
            raise self.error(400, f"Invalid platforms {platforms!r}: expected a list of strings")
        stamp = now_ms()
        created_by = params.get("created_by") or "API"
        release = {
            "id": new_id()[:7],
            "app_id": self.app_id,
            "org_id": self.org_id,
            "version": str(params["version"]),
            "release_start": params["release_start"],
            "release_end": params.get("release_end") or params["release_start"],
            "type": "integration",
            "title": str(params["title"]),
            "description": params.get("description") or "",
            "platforms": platforms or [],
            "chart_visibility": visibility,
            "params": {
                "created": stamp,
                "created_by": created_by,
                "last_modified": stamp,
                "last_modified_by": created_by,
            },
        }
        self.releases.append(release)
        return {"success": True, "release": release}

    @route("GET", "/api/3/annotations")
    def list_annotations(self, request: Request) -> dict[str, Any]:
        return {"data": self.annotations}

    @control("state")
    def state(self) -> dict[str, Any]:
        """The releases created so far."""
        return {"releases": self.releases}
