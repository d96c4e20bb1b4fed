"""The loopback server of the transport tests, with a LaunchDarkly connection ``ld_faults`` to it."""

from __future__ import annotations

import threading

import pytest

from tests.helpers.connections import set_connection
from tests.hooks.loopback import TOKEN, Handler, Server


@pytest.fixture
def server(monkeypatch):
    httpd = Server(("127.0.0.1", 0), Handler)
    httpd.seen, httpd.auth, httpd.script = [], [], []
    httpd.lock, httpd.in_flight, httpd.max_in_flight = threading.Lock(), 0, 0
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    host, port = httpd.server_address
    httpd.url = f"http://{host}:{port}"
    set_connection(monkeypatch, "ld_faults", conn_type="launchdarkly", password=TOKEN, host=httpd.url)
    yield httpd
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)
