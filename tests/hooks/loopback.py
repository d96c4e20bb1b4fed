"""A real HTTP server on loopback that answers a script, for the transport tests of the hooks."""

from __future__ import annotations

import json
import socket
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from airflow_provider_releases.utils.clock import Clock

NOW = 1_700_000_000.0
TOKEN = "api-transport-SECRET-6d1f0b"
OTHER_TOKEN = "api-other-SECRET-93ac51"
FLAG_PATH = "/api/v2/flags/proj/flag-a/release"
RELEASE = {"name": "Standard", "phases": [], "_version": 1}


class FakeClock(Clock):
    """Fixed wall time; records the waits of both transports instead of waiting."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def time(self) -> float:
        return NOW

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)

    async def asleep(self, seconds: float) -> None:
        self.waits.append(seconds)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _answer(self) -> None:
        server = self.server
        with server.lock:
            server.in_flight += 1
            server.max_in_flight = max(server.max_in_flight, server.in_flight)
        try:
            self._answer_step()
        finally:
            with server.lock:
                server.in_flight -= 1

    def _answer_step(self) -> None:
        server = self.server
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length)) if length else None  # each library encodes JSON its way
        server.seen.append((self.command, self.path, body))
        server.auth.append(self.headers.get("Authorization"))
        step = server.script.pop(0) if server.script else ("answer", 200, {}, json.dumps(RELEASE))
        if step[0] == "sleep":
            time.sleep(step[1])
            step = ("answer", 200, {}, json.dumps({"late": True}))
        if step[0] == "drop":
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        _, status, headers, text = step
        payload = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _answer

    def log_message(self, *args: Any) -> None:
        pass


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that timed out closed its socket before the late answer


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def answer(status: int, body: Any, **headers: str) -> tuple:
    return ("answer", status, headers, body if isinstance(body, str) else json.dumps(body))
