"""
The connection pages' plugin (``connection_forms.py``): the extra fields the UI's Edit form gets,
and the port the UI's Test button sends, through the middleware in front of a stand-in API.
"""

from __future__ import annotations

import asyncio
import gzip
import json
from importlib.metadata import entry_points
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from airflow_provider_releases.connection_forms import (
    ConnectionFormsMiddleware,
    ConnectionFormsPlugin,
    drop_port_zero,
    fill_connections,
    fill_extra,
    form_defaults,
)
from airflow_provider_releases.get_provider_info import get_provider_info

UI = {"Referer": "http://airflow.example.com/connections"}
TIMEOUTS = {"connect_timeout": None, "read_timeout": None, "max_retries": None, "max_retry_wait": None}
AMPLITUDE_DEFAULTS = {"api_key": None, "region": "default", **TIMEOUTS}
STORED = {
    "amp": {"connection_id": "amp", "conn_type": "amplitude", "port": None, "extra": '{"api_key": "***"}'},
    "cx": {
        "connection_id": "cx",
        "conn_type": "cryptlex",
        "port": None,
        "extra": '{"releases_host": "https://files.example.com"}',
    },
    "web": {"connection_id": "web", "conn_type": "http", "port": None, "extra": '{"timeout": 3}'},
}


def test_every_declared_field_has_a_default_the_form_shows():
    declared = {
        info["connection-type"]: info["conn-fields"] for info in get_provider_info()["connection-types"]
    }
    assert {conn_type: set(fields) for conn_type, fields in form_defaults().items()} == {
        conn_type: set(fields) for conn_type, fields in declared.items()
    }
    assert form_defaults()["amplitude"] == AMPLITUDE_DEFAULTS
    assert form_defaults()["launchdarkly"] == {"instance": "commercial", **TIMEOUTS}
    assert form_defaults()["aha"] == {"subdomain": None, **TIMEOUTS}
    assert form_defaults()["cryptlex"] == {"region": "default", "releases_host": None, **TIMEOUTS}


@pytest.mark.parametrize(
    ("extra", "filled"),
    [
        ('{"api_key": "***"}', {**AMPLITUDE_DEFAULTS, "api_key": "***"}),
        (None, AMPLITUDE_DEFAULTS),
        ("", AMPLITUDE_DEFAULTS),
        ('{"region": "eu", "read_timeout": 30}', {**AMPLITUDE_DEFAULTS, "region": "eu", "read_timeout": 30}),
        # A field under its old prefixed key is present; keys the form does not declare stay.
        (
            '{"extra__amplitude__region": "eu", "proxy": "x"}',
            {"extra__amplitude__region": "eu", "proxy": "x", "api_key": None, **TIMEOUTS},
        ),
    ],
)
def test_missing_fields_are_added_at_their_default_and_stored_ones_kept(extra, filled):
    assert json.loads(fill_extra("amplitude", extra)) == filled


@pytest.mark.parametrize(
    ("conn_type", "extra"),
    [
        ("http", '{"timeout": 3}'),  # not this provider's
        ("amplitude", "not json"),
        ("amplitude", '["a list"]'),
        ("amplitude", json.dumps(AMPLITUDE_DEFAULTS)),  # nothing missing
    ],
)
def test_other_types_unreadable_and_complete_extras_are_left_as_they_are(conn_type, extra):
    assert fill_extra(conn_type, extra) is extra


def test_fill_connections_fills_a_list_and_a_single_connection_and_leaves_other_answers():
    listed = json.loads(
        fill_connections(json.dumps({"connections": list(STORED.values()), "total_entries": 3}).encode())
    )
    extras = {c["connection_id"]: json.loads(c["extra"]) for c in listed["connections"]}
    assert extras["amp"] == {**AMPLITUDE_DEFAULTS, "api_key": "***"}
    assert extras["cx"] == {"region": "default", "releases_host": "https://files.example.com", **TIMEOUTS}
    assert extras["web"] == {"timeout": 3}
    assert listed["total_entries"] == 3
    one = json.loads(fill_connections(json.dumps(STORED["cx"]).encode()))
    assert json.loads(one["extra"])["region"] == "default"
    for body in (b"not json", b"[1]", json.dumps(STORED["web"]).encode(), b'{"detail": "Not Found"}'):
        assert fill_connections(body) is body


@pytest.mark.parametrize(
    ("request_body", "expected"),
    [
        (
            {"connection_id": "amp", "conn_type": "amplitude", "port": 0},
            {"connection_id": "amp", "conn_type": "amplitude"},
        ),
        ({"connection_id": "amp", "conn_type": "amplitude", "port": 8443}, None),
        ({"connection_id": "amp", "conn_type": "amplitude", "port": False}, None),
        ({"connection_id": "amp", "conn_type": "amplitude"}, None),
        ({"connection_id": "web", "conn_type": "http", "port": 0}, None),  # not this provider's
    ],
)  # fmt: skip
def test_only_port_zero_of_this_providers_types_is_dropped(request_body, expected):
    body = json.dumps(request_body).encode()
    result = drop_port_zero(body)
    if expected is None:
        assert result is body
    else:
        assert json.loads(result) == expected


# The middleware in front of a stand-in for Airflow's connections API.


async def _list(request: Request) -> Response:
    return JSONResponse({"connections": list(STORED.values()), "total_entries": len(STORED)})


async def _get(request: Request) -> Response:
    conn_id = request.path_params["conn_id"]
    if conn_id not in STORED:
        return JSONResponse({"detail": "Not Found"}, status_code=404)
    if conn_id == "web":  # a compressed answer is passed on as it is
        body = gzip.compress(json.dumps(STORED["web"]).encode())
        return Response(body, media_type="application/json", headers={"Content-Encoding": "gzip"})
    return JSONResponse(STORED[conn_id])


async def _test(request: Request) -> Response:
    body = await request.body()
    return JSONResponse(
        {"received": json.loads(body), "length": int(request.headers["content-length"]), "read": len(body)}
    )


class Client:
    """Requests to an ASGI app, each in an event loop of its own."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        async def send() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://airflow.example.com") as http:
                return await http.request(method, path, **kwargs)

        return asyncio.run(send())

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, **kwargs)


@pytest.fixture
def client() -> Client:
    app = Starlette(
        routes=[
            Route("/api/v2/connections", _list),
            Route("/api/v2/connections/test", _test, methods=["POST"]),
            Route("/api/v2/connections/{conn_id}", _get),
        ]
    )
    return Client(ConnectionFormsMiddleware(app))


def _extras(answer: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["connection_id"]: json.loads(c["extra"]) for c in answer["connections"]}


def test_the_ui_gets_every_field_and_other_clients_the_extra_as_stored(client):
    from_ui = client.get("/api/v2/connections", headers=UI)
    assert from_ui.status_code == 200
    assert int(from_ui.headers["content-length"]) == len(from_ui.content)
    assert _extras(from_ui.json())["amp"] == {**AMPLITUDE_DEFAULTS, "api_key": "***"}
    assert _extras(from_ui.json())["web"] == {"timeout": 3}
    assert client.get("/api/v2/connections/cx", headers=UI).json()["extra"] == json.dumps(
        {"releases_host": "https://files.example.com", "region": "default", **TIMEOUTS}
    )
    from_script = client.get("/api/v2/connections")
    assert _extras(from_script.json()) == {c: json.loads(STORED[c]["extra"]) for c in STORED}


def test_errors_and_compressed_answers_pass_through(client):
    missing = client.get("/api/v2/connections/nope", headers=UI)
    assert (missing.status_code, missing.json()) == (404, {"detail": "Not Found"})
    compressed = client.get("/api/v2/connections/web", headers=UI)
    assert compressed.json() == STORED["web"]


def test_a_connection_test_loses_port_zero_with_a_matching_content_length(client):
    body = {"connection_id": "amp", "conn_type": "amplitude", "port": 0, "password": "***"}
    answer = client.post("/api/v2/connections/test", json=body).json()
    assert answer["received"] == {"connection_id": "amp", "conn_type": "amplitude", "password": "***"}
    assert answer["length"] == answer["read"]
    kept = {"connection_id": "web", "conn_type": "http", "port": 0}
    assert client.post("/api/v2/connections/test", json=kept).json()["received"] == kept


def test_the_plugin_registers_the_middleware_through_its_entry_point():
    (entry,) = [e for e in entry_points(group="airflow.plugins") if e.name == "releases_connection_forms"]
    assert entry.load() is ConnectionFormsPlugin
    (middleware,) = ConnectionFormsPlugin.fastapi_root_middlewares
    assert middleware["middleware"] is ConnectionFormsMiddleware


def test_airflow_loads_the_plugin_and_its_middleware():
    from airflow import plugins_manager

    _, middlewares = plugins_manager.get_fastapi_plugins()
    assert ConnectionFormsMiddleware in [m["middleware"] for m in middlewares]
    assert "releases_connection_forms" in [p.name for p in plugins_manager._get_plugins()[0]]
