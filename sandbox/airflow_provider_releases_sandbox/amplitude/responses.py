"""Amplitude's sandbox routes: parse the request, call the model, render."""

from __future__ import annotations

from typing import Any

from airflow_provider_releases_sandbox.amplitude.models import AmplitudeModel
from airflow_provider_releases_sandbox.core import Request, route


class AmplitudeBackend(AmplitudeModel):
    """
    Amplitude's Releases API and Chart Annotations list: the routes the
    :mod:`airflow_provider_releases_sandbox.amplitude` docstring lists.
    """

    @route("POST", "/api/2/release")
    def create_release(self, request: Request) -> dict[str, Any]:
        """Create a release annotation from query parameters and/or a JSON body."""
        params: dict[str, Any] = dict(request.query)
        if request.body:
            params.update(request.json_object())
        return {"success": True, "release": self.create(params)}

    @route("GET", "/api/3/annotations")
    def list_annotations(self, request: Request) -> dict[str, Any]:
        """The seeded chart annotations."""
        return {"data": self.annotations}
