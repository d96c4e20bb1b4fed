"""The HTTP core against a real server on loopback: keep-alive, real timeouts, dropped connections."""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from airflow_provider_releases.exceptions import ReleasesApiConnectionError
from airflow_provider_releases.hooks.cryptlex import CryptlexHook
from tests.conftest import set_connection


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _answer(self):
        server = self.server
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        server.seen.append((self.command, self.path, self.client_address[1], body))
        action = server.actions.pop(0) if server.actions else ("json", 200, {"ok": True})
        kind = action[0]
        if kind == "sleep":
            time.sleep(action[1])
            action = ("json", 200, {"late": True})
            kind = "json"
        if kind == "drop":
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        payload = json.dumps(action[2]).encode()
        self.send_response(action[1])
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _answer

    def log_message(self, *args):
        pass


@pytest.fixture
def server(monkeypatch):
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    httpd.seen, httpd.actions = [], []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    host, port = httpd.server_address
    set_connection(
        monkeypatch,
        "cryptlex_default",
        conn_type="cryptlex",
        password="tok-SECRET-e5d0c3",
        host=f"http://{host}:{port}",
    )
    yield httpd
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


def test_calls_of_one_hook_reuse_one_keep_alive_connection(server):
    with CryptlexHook() as hook:
        for _ in range(3):
            hook.get_release("rel-1")
    ports = {port for _, _, port, _ in server.seen}
    assert len(server.seen) == 3
    assert len(ports) == 1


def test_read_timeout_on_a_post_is_reported_and_not_sent_again(server):
    server.actions.append(("sleep", 1.0))
    hook = CryptlexHook(timeout=(2, 0.2))
    with pytest.raises(ReleasesApiConnectionError) as caught:
        hook.create_release("prod-1", "Spring", "1.0")
    assert "no response within the 0.2 s read timeout" in str(caught.value)
    assert caught.value.may_have_been_applied is True
    time.sleep(1.0)  # let the slow answer finish before counting
    assert [(method, path) for method, path, _, _ in server.seen] == [("POST", "/v3/releases")]


def test_read_timeout_on_a_get_is_retried_and_succeeds(server, sleeps):
    server.actions.append(("sleep", 0.6))
    assert CryptlexHook(timeout=(2, 0.2)).get_release("rel-1") == {"ok": True}
    assert len(sleeps) == 1


def test_dropped_connection_on_a_get_is_retried(server, sleeps):
    server.actions.append(("drop",))
    assert CryptlexHook().get_release("rel-1") == {"ok": True}
    assert len(server.seen) == 2


def test_dropped_connection_on_a_post_is_not_sent_again(server, sleeps):
    server.actions.append(("drop",))
    with pytest.raises(ReleasesApiConnectionError, match="dropped before a response arrived") as caught:
        CryptlexHook().create_release("prod-1", "Spring", "1.0")
    assert caught.value.may_have_been_applied is True
    assert len(server.seen) == 1
    assert json.loads(server.seen[0][3])["version"] == "1.0"
