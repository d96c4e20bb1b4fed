"""
A local HTTP/1.1 server that answers every request at once with the same small JSON body.

It parses no more than it must (the end of the head and ``Content-Length``), keeps connections
alive, sets ``TCP_NODELAY`` and writes each response in one ``sendall``, so that a client's
own per-request work dominates what a benchmark against it measures. ``python -m
benchmarks.instant_server`` prints its port and serves until terminated; :func:`instant_server`
runs it in a child process for a ``with`` block.
"""

from __future__ import annotations

import json
import re
import socket
import socketserver
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from benchmarks.common import ROOT

BODY = json.dumps(
    {
        "release": {
            "id": "6776757454400000001",
            "reference_num": "PRJ1-R-9",
            "name": "Release 1.4.0",
            "release_date": "2026-12-01",
            "theme": "Checkout",
            "released": False,
            "url": "https://company.aha.io/releases/PRJ1-R-9",
        }
    }
).encode()
RESPONSE = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(BODY) + BODY
)
_CONTENT_LENGTH = re.compile(rb"(?im)^content-length:[ \t]*(\d+)")


class _Handler(socketserver.BaseRequestHandler):
    """Answer each request on the connection with ``RESPONSE`` until the client closes it."""

    def handle(self) -> None:
        sock: socket.socket = self.request
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        buffer = b""
        while True:
            head_end = buffer.find(b"\r\n\r\n")
            while head_end < 0:
                chunk = sock.recv(65536)
                if not chunk:
                    return
                buffer += chunk
                head_end = buffer.find(b"\r\n\r\n")
            length = _CONTENT_LENGTH.search(buffer, 0, head_end)
            end = head_end + 4 + (int(length.group(1)) if length else 0)
            while len(buffer) < end:
                chunk = sock.recv(65536)
                if not chunk:
                    return
                buffer += chunk
            buffer = buffer[end:]
            sock.sendall(RESPONSE)


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


@contextmanager
def instant_server() -> Iterator[str]:
    """Serve from a child process (its CPU stays out of the measured process); yield its base URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.instant_server"], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        port = int(process.stdout.readline())
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


def main() -> None:
    """Print the port, then serve until terminated."""
    with _Server(("127.0.0.1", 0), _Handler) as server:
        print(server.server_address[1], flush=True)
        server.serve_forever()


if __name__ == "__main__":
    main()
