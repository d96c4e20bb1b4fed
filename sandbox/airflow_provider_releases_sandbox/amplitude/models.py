"""Amplitude's sandbox state and rules: the release annotations created, and what a new one needs."""

from __future__ import annotations

from typing import Any

from airflow_provider_releases_sandbox.amplitude.records import Release, Stamps
from airflow_provider_releases_sandbox.amplitude.rules import RELEASE_FIELDS, REQUIRED_FIELDS, TIME, TIME_FORM
from airflow_provider_releases_sandbox.core import (
    ApiError,
    Model,
    load_seed,
    new_id,
    now_ms,
)

DEFAULT_SEED: dict[str, Any] = load_seed(__package__)
API_KEY: str = DEFAULT_SEED["api_key"]
SECRET_KEY: str = DEFAULT_SEED["secret_key"]


class AmplitudeModel(Model):
    """Amplitude's state and rules; :class:`AmplitudeBackend` holds one and answers HTTP with it."""

    name = "amplitude"
    default_seed: dict[str, Any] = DEFAULT_SEED
    state_fields = ("annotations", "releases")

    def load(self, seed: dict[str, Any]) -> None:
        """The app's ids and credentials, the seeded annotations, and no release yet."""
        self.app_id = seed.get("app_id", DEFAULT_SEED["app_id"])
        self.org_id = seed.get("org_id", DEFAULT_SEED["org_id"])
        self.api_key = seed.get("api_key", API_KEY)
        self.secret_key = seed.get("secret_key", SECRET_KEY)
        self.annotations: list[dict[str, Any]] = list(seed.get("annotations", []))
        self.releases: list[Release] = []

    def error(self, status: int, message: str, code: str | None = None) -> ApiError:
        """Amplitude's error body: ``{"success": false, "error": ...}``."""
        return ApiError(status, {"success": False, "error": message})

    def secrets(self) -> list[str]:
        """The API key and the secret key."""
        return [self.api_key, self.secret_key]

    def create(self, params: dict[str, Any]) -> Release:
        """Check the parameters of ``POST /api/2/release`` (400 on the first bad one); store the release."""
        unknown = sorted(set(params) - set(RELEASE_FIELDS))
        if unknown:
            raise self.error(400, f"Unknown parameters: {', '.join(unknown)}")
        for required in REQUIRED_FIELDS:
            if params.get(required) in (None, ""):
                raise self.error(400, f"Missing required parameter: {required}")
        for name in ("release_start", "release_end"):
            value = params.get(name)
            if value is not None and not (isinstance(value, str) and TIME.fullmatch(value)):
                raise self.error(400, f"Invalid {name} {value!r}: expected {TIME_FORM}")
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
        release = Release(
            id=new_id()[:7],
            app_id=self.app_id,
            org_id=self.org_id,
            version=str(params["version"]),
            release_start=params["release_start"],
            release_end=params.get("release_end") or params["release_start"],
            type="integration",
            title=str(params["title"]),
            description=params.get("description") or "",
            platforms=platforms or [],
            chart_visibility=visibility,
            params=Stamps(
                created=stamp, created_by=created_by, last_modified=stamp, last_modified_by=created_by
            ),
        )
        self.releases.append(release)
        return release

    def state(self) -> dict[str, Any]:
        """The releases created so far."""
        return {"releases": [release.to_json() for release in self.releases]}

    def from_snapshot(self, name: str, value: Any) -> Any:
        """The releases as records; the annotations as saved."""
        return [Release.from_json(item) for item in value] if name == "releases" else value
