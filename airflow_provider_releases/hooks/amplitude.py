"""Amplitude: release annotations on analytics charts (Releases API, ``POST /api/2/release``)."""

from __future__ import annotations

import base64
import json
from typing import Any

from airflow_provider_releases.exceptions import ConnectionConfigError
from airflow_provider_releases.hooks.base import ReleasesBaseHook
from airflow_provider_releases.hooks.calls import ApiCall, UnexpectedAnswer, endpoint, value_of
from airflow_provider_releases.rules import amplitude as rules
from airflow_provider_releases.utils import validation as check


def _created_release(answer: Any) -> Any:
    """The ``release`` of Amplitude's answer to a create, which may say ``success: false``."""
    if isinstance(answer, dict) and answer.get("success") is False:
        return UnexpectedAnswer("Amplitude answered success: false", json.dumps(answer))
    return value_of(answer, "release")


class AmplitudeHook(ReleasesBaseHook):
    """
    Talk to Amplitude's Releases API.

    Connection: the API key in the masked extra ``api_key`` (or, its old place, Login), password =
    secret key (HTTP Basic); extra ``region`` = ``default`` or ``eu``; a host overrides the base URL.

    :param amplitude_conn_id: the Airflow connection id.
    """

    conn_name_attr = "amplitude_conn_id"
    default_conn_name = "amplitude_default"
    conn_type = "amplitude"
    hook_name = "Amplitude"
    service = "Amplitude"
    #: Amplitude's REST APIs allow about 5 concurrent requests (429 beyond).
    max_concurrent_requests = 5
    connection_probe = ApiCall("GET", "/api/3/annotations", "test_connection", max_retries=0)

    def __init__(self, amplitude_conn_id: str = default_conn_name, **kwargs: Any) -> None:
        super().__init__(amplitude_conn_id, **kwargs)
        self.amplitude_conn_id = amplitude_conn_id

    def _resolve_base_url(self) -> str:
        return self.host_url() or self.region_url("region", rules.API_URLS, rules.DEFAULT_REGION)

    def _auth_headers(self) -> dict[str, str]:
        api_key = self.extra("api_key") or self.connection.login
        if not api_key:
            raise ConnectionConfigError(
                f"{self.connection_label} ({self.service}) has no API key: set the masked API key "
                "field (extra api_key), or Login, its old place."
            )
        secret_key = self._required("password", "Amplitude secret key (Password field)")
        token = base64.b64encode(f"{api_key}:{secret_key}".encode()).decode("ascii")
        for secret in (api_key, secret_key, token):
            self.secrets.register(secret)
        return {"Authorization": f"Basic {token}"}

    @endpoint
    def create_release(
        self,
        version: str,
        release_start: Any,
        title: str,
        release_end: Any = None,
        description: str | None = None,
        platforms: list[str] | str | None = None,
        created_by: str | None = None,
        chart_visibility: bool = True,
    ) -> ApiCall[dict[str, Any]]:
        """
        Create a release annotation and return Amplitude's ``release`` object.

        :param version: the product version of this release.
        :param release_start: when the release starts: ``datetime`` (naive read as UTC), pendulum
            ``DateTime``, ``date`` or ISO 8601 string; sent in UTC as ``yyyy-MM-dd HH:mm:ss``.
        :param title: the release's name on charts.
        :param release_end: when the release ends, in the same forms; not before ``release_start``.
        :param description: free text.
        :param platforms: a platform name or a list of them.
        :param created_by: the name of the person creating the release.
        :param chart_visibility: whether the release shows on charts.
        :raises InvalidParameterError: an argument has the wrong form; nothing was sent.
        :raises ReleasesApiError: Amplitude refused the request or could not be reached.
        """
        version = check.text("version", version)
        start, end = rules.release_window(release_start, release_end)
        body: dict[str, Any] = {
            "version": version,
            "release_start": start,
            "title": check.text("title", title),
            "chart_visibility": check.boolean("chart_visibility", chart_visibility),
        }
        if end is not None:
            body["release_end"] = end
        if description is not None:
            body["description"] = check.text("description", description, min_len=0)
        if platforms is not None:
            body["platforms"] = rules.platforms(platforms)
        if created_by is not None:
            body["created_by"] = check.text("created_by", created_by)
        return ApiCall("POST", "/api/2/release", "create_release", json=body, read=_created_release)
