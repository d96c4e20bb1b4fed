"""
The provider's Airflow plugin: what Airflow 3.2 and 3.3's connection pages need for its connections.

For this provider's connection types only, :class:`ConnectionFormsMiddleware` adds the missing
extra fields at their defaults to a browser's ``GET /api/v2/connections[/<id>]`` (the Edit form
shows only stored keys), and drops ``"port": 0`` from ``POST /api/v2/connections/test`` (the
Test button's ``Number(null)``, refused by Airflow 3.3: apache/airflow#73298).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from functools import cache
from typing import TYPE_CHECKING, Any

from airflow.plugins_manager import AirflowPlugin

from airflow_provider_releases.get_provider_info import get_provider_info

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

_CONNECTIONS_PATH = re.compile(r"/api/v2/connections(?:/[^/]+)?$")
_TEST_PATH = "/api/v2/connections/test"


@cache
def form_defaults() -> Mapping[str, Mapping[str, Any]]:
    """Each connection type of the provider mapped to its form's extra fields and their defaults."""
    return {
        declared["connection-type"]: {
            name: field["schema"].get("default") for name, field in declared["conn-fields"].items()
        }
        for declared in get_provider_info()["connection-types"]
    }


def fill_extra(conn_type: str, extra: str | None) -> str | None:
    """Return ``extra`` (JSON text) with the form fields of ``conn_type`` it lacks added at their defaults."""
    defaults = form_defaults().get(conn_type)
    if defaults is None:
        return extra
    try:
        stored = json.loads(extra) if extra else {}
    except ValueError:
        return extra
    if not isinstance(stored, dict):
        return extra
    missing = {
        name: default
        for name, default in defaults.items()
        if name not in stored and f"extra__{conn_type}__{name}" not in stored
    }
    return json.dumps({**stored, **missing}) if missing else extra


def fill_connections(body: bytes) -> bytes:
    """Return a connections answer of the REST API with :func:`fill_extra` applied to each connection."""
    try:
        answer = json.loads(body)
    except ValueError:
        return body
    if not isinstance(answer, dict):
        return body
    connections = answer.get("connections") if "connections" in answer else [answer]
    changed = False
    for connection in connections if isinstance(connections, list) else []:
        if isinstance(connection, dict) and isinstance(connection.get("conn_type"), str):
            extra = fill_extra(connection["conn_type"], connection.get("extra"))
            if extra != connection.get("extra"):
                connection["extra"], changed = extra, True
    return json.dumps(answer, separators=(",", ":")).encode() if changed else body


def drop_port_zero(body: bytes) -> bytes:
    """Return a connection-test request body without ``"port": 0`` for this provider's types."""
    try:
        request = json.loads(body)
    except ValueError:
        return body
    if (
        not isinstance(request, dict)
        or request.get("conn_type") not in form_defaults()
        or request.get("port") != 0
        or isinstance(request.get("port"), bool)
    ):
        return body
    del request["port"]
    return json.dumps(request, separators=(",", ":")).encode()


def _header(headers: list[tuple[bytes, bytes]], name: bytes) -> bytes | None:
    return next((value for key, value in headers if key.lower() == name), None)


def _with_length(headers: list[tuple[bytes, bytes]], length: int) -> list[tuple[bytes, bytes]]:
    return [(key, value) for key, value in headers if key.lower() != b"content-length"] + [
        (b"content-length", str(length).encode())
    ]


class ConnectionFormsMiddleware:
    """ASGI middleware of the api-server making the module's two changes; nothing is stored or logged."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI exchange; never raises on its own account."""
        if scope["type"] == "http":
            path, method = scope["path"], scope["method"]
            if method == "POST" and path.endswith(_TEST_PATH):
                scope, receive = await _rewritten_request(scope, receive, drop_port_zero)
            elif (
                method == "GET"
                and _CONNECTIONS_PATH.search(path)
                and _header(scope["headers"], b"referer") is not None
            ):
                send = _rewriting_sender(send, fill_connections)
        await self.app(scope, receive, send)


async def _rewritten_request(
    scope: Scope, receive: Receive, rewrite: Callable[[bytes], bytes]
) -> tuple[Scope, Receive]:
    """Read the whole request body, rewrite it; the scope and ``receive`` that carry the new body."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":  # the client went away: let the app see it
            return scope, _replay([message], receive)
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    body = rewrite(b"".join(chunks))
    scope = {**scope, "headers": _with_length(scope["headers"], len(body))}
    return scope, _replay([{"type": "http.request", "body": body, "more_body": False}], receive)


def _replay(messages: list[Message], receive: Receive) -> Receive:
    """A ``receive`` that answers ``messages`` first, then asks ``receive``."""
    pending = list(messages)

    async def replay() -> Message:
        return pending.pop(0) if pending else await receive()

    return replay


def _rewriting_sender(send: Send, rewrite: Callable[[bytes], bytes]) -> Send:
    """Return a ``send`` that rewrites a successful, uncompressed JSON answer and fixes its length."""
    start: Message | None = None
    chunks: list[bytes] = []

    async def rewriting(message: Message) -> None:
        nonlocal start
        if message["type"] == "http.response.start" and _rewritable(message):
            start = message
            return
        if start is None:
            await send(message)
            return
        if message["type"] != "http.response.body":  # not a plain body after all: send what was held
            held, start = start, None
            await send(held)
            await send({"type": "http.response.body", "body": b"".join(chunks), "more_body": True})
            await send(message)
            return
        chunks.append(message.get("body", b""))
        if message.get("more_body", False):
            return
        body = rewrite(b"".join(chunks))
        await send({**start, "headers": _with_length(list(start["headers"]), len(body))})
        await send({"type": "http.response.body", "body": body, "more_body": False})

    return rewriting


def _rewritable(start: Message) -> bool:
    """Whether an answer that starts with ``start`` is a 200 of plain (not compressed) JSON."""
    headers = list(start.get("headers", []))
    content_type = _header(headers, b"content-type") or b""
    return (
        start.get("status") == 200
        and content_type.startswith(b"application/json")
        and _header(headers, b"content-encoding") in (None, b"identity")
    )


class ConnectionFormsPlugin(AirflowPlugin):
    """Registers :class:`ConnectionFormsMiddleware` with Airflow's api-server."""

    name = "releases_connection_forms"
    fastapi_root_middlewares = [
        {
            "middleware": ConnectionFormsMiddleware,
            "args": [],
            "kwargs": {},
            "name": "Releases connection forms",
        }
    ]
