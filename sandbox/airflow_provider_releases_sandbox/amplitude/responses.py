"""Amplitude's sandbox routes: parse the request, call the model, render."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import Any

from airflow_provider_releases_sandbox.amplitude.models import AmplitudeModel
from airflow_provider_releases_sandbox.core import Backend, Request, control, route


class AmplitudeBackend(Backend):
    """
    Amplitude's Releases API and Chart Annotations list: the routes the
    :mod:`airflow_provider_releases_sandbox.amplitude` docstring lists.
    """

    model_class = AmplitudeModel
    model: AmplitudeModel

    def check_auth(self, request: Request) -> None:
        """401 unless HTTP Basic auth with the API key and the secret key."""
        scheme, _, token = (request.header("authorization") or "").partition(" ")
        if scheme.lower() != "basic" or not token:
            raise self.error(401, "Missing Basic authorization: send the API key and secret key")
        try:
            user, _, password = base64.b64decode(token, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise self.error(401, "Malformed Basic authorization header") from None
        if (user, password) != (self.model.api_key, self.model.secret_key):
            raise self.error(401, "Invalid API key or secret key")

    def connection(self, url: Callable[[str], str]) -> dict[str, Any]:
        """An ``amplitude`` connection: extra ``api_key`` (masked) = API key, password = secret key."""
        return {
            "conn_type": "amplitude",
            "host": url("amplitude"),
            "password": self.model.secret_key,
            "extra": {"api_key": self.model.api_key},
        }

    @control("state")
    def state(self) -> dict[str, Any]:
        """The releases created so far."""
        return self.model.state()

    # Routes

    @route("POST", "/api/2/release")
    def create_release(self, request: Request) -> dict[str, Any]:
        """Create a release annotation from query parameters and/or a JSON body."""
        params: dict[str, Any] = dict(request.query)
        if request.body:
            params.update(request.json_object())
        return {"success": True, "release": self.model.create(params).to_json()}

    @route("GET", "/api/3/annotations")
    def list_annotations(self, request: Request) -> dict[str, Any]:
        """The seeded chart annotations."""
        return {"data": self.model.annotations}
