"""The sandbox over real HTTP on loopback: a threaded server, the in-process handle, a remote handle."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from airflow_provider_releases_sandbox.app import SERVICES, RecordedRequest, SandboxApp
from airflow_provider_releases_sandbox.controls import ControlArgumentError

DEFAULT_CONN_IDS = {service: f"{service}_default" for service in SERVICES}


class SandboxControls:
    """
    The control methods shared by :class:`Sandbox` (in-process) and :class:`RemoteSandbox`.

    Each method runs the control action of the same name with the same argument names, which
    is also the HTTP action ``POST /_sandbox/<name>`` (``requests_to`` is ``requests`` with its
    filters; the ``requests`` property, ``requests`` without them).
    """

    def control(self, action: str, **arguments: Any) -> Any:
        """
        Run a control action by name, e.g. ``"complete_phase"``.

        :raises ValueError: an unknown action, or a value the action refuses.
        :raises TypeError: an argument the action does not take, or a required one missing
            (the message lists the arguments it takes).
        """
        raise NotImplementedError

    def reset(self) -> None:
        """Put every service back to its seed; clear the journal and any pending faults."""
        self.control("reset")

    def inject_fault(
        self,
        service: str,
        kind: str,
        *,
        count: int = 1,
        method: str | None = None,
        path: str | None = None,
        status: int | None = None,
        retry_after: float | None = None,
        delay: float | None = None,
        plain_retry_after: bool = False,
        message: str | None = None,
        limit_headers: str = "vendor",
    ) -> None:
        """
        Make the next ``count`` requests to ``service`` fail in the way ``kind`` says.

        :param service: ``amplitude``, ``launchdarkly``, ``aha``, ``cryptlex`` or
            ``cryptlex-releases`` (the file upload host).
        :param kind: ``rate_limit`` (429 with the headers ``limit_headers`` names), ``error``
            (``status`` 500, 502, 503 or 504; default 503), ``delay`` (answer after ``delay``
            seconds), ``reject`` (a client error: ``status`` 400-499 except 429, default 400, in
            the service's own error shape, saying ``message``), ``drop`` (close the connection
            without answering), ``malformed`` (carried out, then a success answered as 200
            with a truncated JSON body) or ``html`` (a
            proxy's HTML error page, ``status`` 500, 502, 503 or 504; default 502).
        :param method: only requests with this HTTP method.
        :param path: only requests whose service path matches this regular expression.
        :param retry_after: the seconds a 429 asks the client to wait (default 1).
        :param plain_retry_after: the same as ``limit_headers="retry-after"``.
        :param limit_headers: how a 429 says when to retry: ``vendor`` (the service's own
            rate-limit headers: LaunchDarkly's ``X-Ratelimit-Reset`` in epoch milliseconds, Aha!'s
            and Cryptlex's reset in epoch seconds, plain ``Retry-After`` for Amplitude),
            ``retry-after`` (``Retry-After`` in seconds, as LaunchDarkly's IP-based limits send),
            ``retry-after-date`` (``Retry-After`` as an HTTP date) or ``reset`` (only the service's
            reset header; Amplitude has none).
        :raises ValueError: an argument is not one of the accepted values.
        """
        self.control(
            "inject_fault",
            service=service,
            kind=kind,
            count=count,
            method=method,
            path=path,
            status=status,
            retry_after=retry_after,
            delay=delay,
            plain_retry_after=plain_retry_after,
            message=message,
            limit_headers=limit_headers,
        )

    def clear_faults(self) -> None:
        """Drop every fault not yet met."""
        self.control("clear_faults")

    @property
    def requests(self) -> list[RecordedRequest]:
        """The journal: every request answered since the last reset, oldest first."""
        return [RecordedRequest(**entry) for entry in self.control("requests")]

    def requests_to(
        self, service: str, method: str | None = None, path: str | None = None
    ) -> list[RecordedRequest]:
        """
        The journal's requests to ``service``, optionally only ``method`` and exact ``path``.

        :raises ValueError: an unknown service.
        """
        found = self.control("requests", service=service, method=method, path=path)
        return [RecordedRequest(**entry) for entry in found]

    def clear_requests(self) -> None:
        """Empty the journal."""
        self.control("clear_requests")

    def wait_idle(self, timeout: float = 10.0) -> None:
        """
        Wait until the sandbox answers no request (a delayed one, say).

        :raises TimeoutError: requests are still being answered after ``timeout`` seconds.
        """
        busy = self.control("wait_idle", timeout=timeout)
        if busy:
            raise TimeoutError(f"{busy} request(s) still being answered after {timeout} s")

    # LaunchDarkly release progress

    def complete_phase(self, project_key: str, flag_key: str) -> dict[str, Any]:
        """Complete the flag release's active phase and start the next one; return the release."""
        return self.control("complete_phase", project_key=project_key, flag_key=flag_key)

    def cancel_release(self, project_key: str, flag_key: str) -> dict[str, Any]:
        """Cancel the flag's release (sets ``_canceledAt``); return the release."""
        return self.control("cancel_release", project_key=project_key, flag_key=flag_key)

    def auto_advance(self, seconds: float | None = None, reads: int | None = None) -> None:
        """
        Let active phases complete on their own: after ``seconds`` since they started, or after
        ``reads`` reads of the flag's release or of its pipeline's releases list showing it (the
        ``auto_advance`` control says how). ``auto_advance()`` with neither turns it off.
        """
        self.control("auto_advance", seconds=seconds, reads=reads)

    # LaunchDarkly environment releases: the clock, and what LaunchDarkly's app does

    def set_time_scale(self, scale: float) -> dict[str, Any]:
        """Run the environment releases' clock ``scale`` times real time (1: real time; 0: stopped)."""
        return self.control("set_time_scale", scale=scale)

    def advance_time(self, milliseconds: int) -> dict[str, Any]:
        """Move the environment releases' clock ``milliseconds`` ahead; steps that are due end."""
        return self.control("advance_time", milliseconds=milliseconds)

    def advance_environment_release(
        self, project_key: str, flag_key: str, environment_key: str, release_id: str | None = None
    ) -> dict[str, Any]:
        """Advance a release waiting between phases to its next phase (the app's "advance")."""
        return self.control(
            "advance_environment_release",
            project_key=project_key,
            flag_key=flag_key,
            environment_key=environment_key,
            release_id=release_id,
        )

    def inject_regression(
        self,
        project_key: str,
        flag_key: str,
        environment_key: str,
        metric_key: str,
        release_id: str | None = None,
    ) -> dict[str, Any]:
        """A regression on ``metric_key`` of a guarded release: it reverts (``autoRollback``) or pauses."""
        return self.control(
            "inject_regression",
            project_key=project_key,
            flag_key=flag_key,
            environment_key=environment_key,
            metric_key=metric_key,
            release_id=release_id,
        )

    def dismiss_regression(
        self,
        project_key: str,
        flag_key: str,
        environment_key: str,
        metric_key: str,
        release_id: str | None = None,
    ) -> dict[str, Any]:
        """Dismiss a regression of ``metric_key``: a paused guarded release runs on."""
        return self.control(
            "dismiss_regression",
            project_key=project_key,
            flag_key=flag_key,
            environment_key=environment_key,
            metric_key=metric_key,
            release_id=release_id,
        )

    def add_release_plan(
        self, project_key: str, environment_key: str, plan_key: str, plan: dict[str, Any]
    ) -> dict[str, Any]:
        """Register an environment release plan (``randomizationUnit``, ``phases``, ``metrics``...)."""
        return self.control(
            "add_release_plan",
            project_key=project_key,
            environment_key=environment_key,
            plan_key=plan_key,
            plan=plan,
        )

    def set_release_plans_available(self, available: bool) -> dict[str, Any]:
        """Make environment release plans available or not (a start from a plan then answers 422)."""
        return self.control("set_release_plans_available", available=available)

    def set_flag_on(self, project_key: str, flag_key: str, environment_key: str, on: bool) -> dict[str, Any]:
        """Turn the flag on or off in the environment (a start on a flag that is off answers 409)."""
        return self.control(
            "set_flag_on", project_key=project_key, flag_key=flag_key, environment_key=environment_key, on=on
        )

    def fail_health_checks(
        self, project_key: str, flag_key: str, environment_key: str, kinds: list[str]
    ) -> dict[str, Any]:
        """Make the flag fail these release health checks in the environment (``[]``: none)."""
        return self.control(
            "fail_health_checks",
            project_key=project_key,
            flag_key=flag_key,
            environment_key=environment_key,
            kinds=kinds,
        )

    def require_approvals(
        self, project_key: str, environment_key: str, required: bool = True
    ) -> dict[str, Any]:
        """Make the environment require approvals (starting or stopping a release there: 405)."""
        return self.control(
            "require_approvals", project_key=project_key, environment_key=environment_key, required=required
        )

    def add_release_policy(self, project_key: str, policy: dict[str, Any]) -> dict[str, Any]:
        """Add a release policy (``key``, ``name``, ``releaseMethod``; ``_id`` and ``rank`` filled in)."""
        return self.control("add_release_policy", project_key=project_key, policy=policy)

    def state(self, service: str) -> dict[str, Any]:
        """A JSON summary of what exists in ``service`` now (releases, phases, files...)."""
        return self.control("state", service=service)

    # Aha! and Cryptlex progress made outside the API (as in the vendors' web apps)

    def ship_release(self, release_id: str) -> dict[str, Any]:
        """Move the Aha! release to its shipped workflow status (``released: true``)."""
        return self.control("ship_release", release_id=release_id)

    def publish_cryptlex_release(self, release_id: str) -> dict[str, Any]:
        """Publish the Cryptlex release as if from the dashboard; return it."""
        return self.control("publish_cryptlex_release", release_id=release_id)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # TCP_NODELAY: no 40 ms stall per keep-alive response
    timeout = 30  # an idle keep-alive connection is closed after this many seconds
    server: _Server

    def _serve(self) -> None:
        body = self._read_body()
        headers = {name.lower(): value for name, value in self.headers.items()}
        outcome = self.server.app.handle(self.command, self.path, headers, body)
        if outcome.drop:
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        reason = self.responses.get(outcome.status, ("",))[0]
        head = [f"HTTP/1.1 {outcome.status} {reason}"]
        head += [f"{name}: {value}" for name, value in outcome.headers.items()]
        head.append(f"Content-Length: {len(outcome.body)}")
        if self.close_connection:
            head.append("Connection: close")
        self.wfile.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + outcome.body)
        self.wfile.flush()

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _serve

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the journal records every request


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # close_all() joins the connection threads itself
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], app: SandboxApp) -> None:
        self.app = app
        self._connections: set[socket.socket] = set()
        self._conn_threads: set[threading.Thread] = set()
        self._tracking = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        thread = threading.Thread(
            target=self._serve_connection, args=(request, client_address), name="releases-sandbox-conn"
        )
        thread.daemon = True
        with self._tracking:
            self._connections.add(request)
            self._conn_threads.add(thread)
        thread.start()

    def _serve_connection(self, request: Any, client_address: Any) -> None:
        try:
            self.finish_request(request, client_address)
        except Exception:  # a client that went away mid-request
            pass
        finally:
            self.shutdown_request(request)
            with self._tracking:
                self._connections.discard(request)
                self._conn_threads.discard(threading.current_thread())

    def close_all(self, timeout: float = 5.0) -> None:
        """Close every open connection and wait for its thread to end."""
        with self._tracking:
            connections, threads = list(self._connections), list(self._conn_threads)
        for connection in connections:
            with suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        for thread in threads:
            thread.join(timeout)


class Sandbox(SandboxControls):
    """
    The four sandboxed APIs served over HTTP from a background thread of this process.

    ``Sandbox().start()`` (or ``with sandbox() as sb:``) listens on ``host:port`` (port 0 picks a
    free one). :meth:`url` gives each service's base URL, :meth:`connections` the Airflow
    connections that point the hooks at it, :attr:`requests` the journal; the control methods
    drive LaunchDarkly phases and inject faults. :meth:`stop` closes the port and every thread.

    :param seed: initial state per service (``{"launchdarkly": {...}, "aha": {...}, ...}``), as
        in the ``--seed`` file; services not named keep their default seed.
    :param state_file: a file keeping the services' objects across restarts, as ``--state``:
        read when it exists, written after every change. Without it, state lives in memory only.
    :raises ValueError: a seed or a state file the services cannot take.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        seed: dict[str, Any] | None = None,
        state_file: str | None = None,
    ) -> None:
        self.host, self.port = host, port
        self.app = SandboxApp(seed, state_file)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> Sandbox:
        """Start serving; return ``self``."""
        if self._server is None:
            self._server = _Server((self.host, self.port), self.app)
            self.port = self._server.server_address[1]
            self._thread = threading.Thread(
                target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, name="releases-sandbox"
            )
            self._thread.daemon = True
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving: close the listening port and every connection, and join their threads."""
        if self._server is not None:
            self._server.shutdown()
            self._server.close_all()
            self._server.server_close()
            if self._thread is not None:
                self._thread.join(5)
            self._server = self._thread = None

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def control(self, action: str, **arguments: Any) -> Any:
        """Run a control action by name in this process; the answer as JSON would carry it."""
        return json.loads(json.dumps(self.app.control(action, arguments)))

    @property
    def base_url(self) -> str:
        """``http://host:port`` of the running server."""
        if self._server is None:
            raise RuntimeError("the sandbox is not running: call start() or use `with sandbox()`")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def url(self, service: str) -> str:
        """The base URL of ``service`` (``amplitude``, ``launchdarkly``, ``aha``, ``cryptlex``,
        ``cryptlex-releases``): what a connection's Host is set to."""
        if service not in self.app.mounts:
            raise ValueError(f"service={service!r} is unknown: expected one of {sorted(self.app.mounts)}")
        return f"{self.base_url}/{service}"

    def connection(self, service: str) -> dict[str, Any]:
        """The Airflow connection (a dict in Airflow's JSON form) for ``service``."""
        if service not in SERVICES:
            raise ValueError(f"service={service!r} is unknown: expected one of {list(SERVICES)}")
        return self.app.backends[service].connection(self.url)

    def connections(self) -> dict[str, str]:
        """Each default connection id mapped to its connection JSON, pointing at this sandbox."""
        return {DEFAULT_CONN_IDS[service]: json.dumps(self.connection(service)) for service in SERVICES}

    def environ(self) -> dict[str, str]:
        """``AIRFLOW_CONN_<ID>`` environment variables that define :meth:`connections`."""
        return {f"AIRFLOW_CONN_{conn_id.upper()}": value for conn_id, value in self.connections().items()}


class RemoteSandbox(SandboxControls):
    """Drive a sandbox running in another process (``python -m airflow_provider_releases_sandbox``)."""

    def __init__(self, base_url: str, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def control(self, action: str, **arguments: Any) -> Any:
        """Run a control action by name through the remote sandbox's control API."""
        from urllib.error import HTTPError
        from urllib.request import Request, urlopen

        request = Request(
            f"{self.base_url}/_sandbox/{action}",
            data=json.dumps(arguments).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urlopen(request, timeout=self.timeout) as response:
                return json.loads(response.read())["result"]
        except HTTPError as exc:
            answer = json.loads(exc.read())
            message = answer.get("error", str(exc))
            if "required" in answer:  # an argument the action does not take, or one missing
                raise ControlArgumentError(message) from None
            raise ValueError(message) from None


@contextmanager
def sandbox(host: str = "127.0.0.1", port: int = 0, seed: dict[str, Any] | None = None) -> Iterator[Sandbox]:
    """Run a :class:`Sandbox` for the duration of a ``with`` block."""
    server = Sandbox(host, port, seed).start()
    try:
        yield server
    finally:
        server.stop()
