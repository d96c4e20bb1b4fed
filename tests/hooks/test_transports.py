"""
One HTTP core, two transports: the same recorded answers and faults, sent by a real server on
loopback, through the blocking ``requests`` methods and the ``httpx.AsyncClient`` methods of the
hooks, must end the same way (value or error class and message, status, attempts, whether the
request may have taken effect, the requests the server saw, the waits). Then the async clients:
shared per connection and event loop, closed after the last user.
"""

from __future__ import annotations

import asyncio
import json
import random
import socket
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from airflow.sdk import BaseHook

from airflow_provider_releases.exceptions import InvalidParameterError, ReleasesApiError
from airflow_provider_releases.hooks.aha import AhaHook
from airflow_provider_releases.hooks.async_http import SHARED_CLIENTS
from airflow_provider_releases.hooks.calls import ApiCall
from airflow_provider_releases.hooks.cryptlex import CryptlexHook
from airflow_provider_releases.hooks.launchdarkly import LaunchDarklyHook
from airflow_provider_releases.utils import retry as retry_module
from airflow_provider_releases.utils.clock import Clock
from tests.helpers.connections import set_connection

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


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _answer(self) -> None:
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


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that timed out closed its socket before the late answer


@pytest.fixture
def server(monkeypatch):
    httpd = _Server(("127.0.0.1", 0), _Handler)
    httpd.seen, httpd.auth, httpd.script = [], [], []
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    host, port = httpd.server_address
    httpd.url = f"http://{host}:{port}"
    set_connection(monkeypatch, "ld_faults", conn_type="launchdarkly", password=TOKEN, host=httpd.url)
    yield httpd
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def answer(status: int, body: Any, **headers: str) -> tuple:
    return ("answer", status, headers, body if isinstance(body, str) else json.dumps(body))


@dataclass
class Outcome:
    value: Any
    error: str | None
    message: str | None
    status: int | None
    attempts: int | None
    may_have_been_applied: bool | None
    seen: list[tuple[str, str, Any]]
    waits: list[float]


def run_both(server, monkeypatch, script, call, acall, conn_id="ld_faults", **hook_args) -> list[Outcome]:
    """Run ``script`` through the blocking ``call(hook)`` then the awaited ``acall(hook)``."""
    outcomes = []
    for transport in ("requests", "httpx"):
        server.seen.clear()
        server.script[:] = list(script)
        monkeypatch.setattr(retry_module, "random", random.Random(7))  # the same jitter for both
        clock = FakeClock()
        hook = LaunchDarklyHook(conn_id, clock=clock, **hook_args)
        value = error = None
        try:
            if transport == "requests":
                value = call(hook)
            else:

                async def main(hook: LaunchDarklyHook = hook) -> Any:
                    try:
                        return await acall(hook)
                    finally:
                        await hook.aclose()

                value = asyncio.run(main())
        except ReleasesApiError as exc:
            error = exc
        time.sleep(0.05)  # a dropped or late answer's handler has recorded its request
        outcomes.append(
            Outcome(
                value=value,
                error=type(error).__name__ if error else None,
                message=str(error) if error else None,
                status=getattr(error, "status", None),
                attempts=getattr(error, "attempts", None),
                may_have_been_applied=getattr(error, "may_have_been_applied", None),
                seen=list(server.seen),
                waits=clock.waits,
            )
        )
    return outcomes


def get_release(hook: LaunchDarklyHook) -> Any:
    return hook.get_flag_release("proj", "flag-a")


async def aget_release(hook: LaunchDarklyHook) -> Any:
    return await hook.aget_flag_release("proj", "flag-a")


CREATE_THING = ApiCall("POST", "/api/v2/things", "create_thing", json={"name": "x"})


def post(hook: LaunchDarklyHook) -> Any:
    return hook.sync_transport.run(CREATE_THING)


async def apost(hook: LaunchDarklyHook) -> Any:
    return await hook.async_transport.run(CREATE_THING)


GET_ONCE = [("GET", FLAG_PATH, None)]
POST_ONCE = [("POST", "/api/v2/things", {"name": "x"})]
RESET_MS = str(int((NOW + 3) * 1000))

# name: (script, call, awaited call, hook arguments, expected outcome fields)
CASES = {
    "200": ([answer(200, RELEASE)], get_release, aget_release, {}, dict(value=RELEASE, seen=GET_ONCE)),
    "404 with the vendor's message": (
        [answer(404, {"code": "not_found", "message": "Unknown flag"}, **{"X-Request-Id": "req-9"})],
        get_release, aget_release, {},
        dict(error="ReleasesApiNotFoundError", status=404, attempts=1, seen=GET_ONCE, message=(
            f'LaunchDarkly get_flag_release (GET {FLAG_PATH}) failed with HTTP 404 [not_found]: '
            'LaunchDarkly said "Unknown flag" (request id req-9).'
        )),
    ),
    "401": (
        [answer(401, {"code": "unauthorized", "message": "Invalid access token"})],
        get_release, aget_release, {}, dict(error="ReleasesApiAuthError", status=401, attempts=1),
    ),
    "400": (
        [answer(400, {"code": "invalid_request", "message": "bad key"})],
        get_release, aget_release, {}, dict(error="ReleasesApiValidationError", status=400, attempts=1),
    ),
    "422": (
        [answer(422, {"errors": {"name": ["is required"]}})],
        post, apost, {}, dict(error="ReleasesApiValidationError", status=422, seen=POST_ONCE),
    ),
    "429 with Retry-After, then 200": (
        [answer(429, {"message": "slow down"}, **{"Retry-After": "2"}), answer(200, RELEASE)],
        get_release, aget_release, {}, dict(value=RELEASE, waits=[2.0], seen=GET_ONCE * 2),
    ),
    "429 with a reset header, then 200": (
        [answer(429, {}, **{"X-Ratelimit-Reset": RESET_MS}), answer(200, RELEASE)],
        get_release, aget_release, {}, dict(value=RELEASE, waits=[3.0]),
    ),
    "503, then 200": (
        [answer(503, "<html><title>Unavailable</title></html>"), answer(200, RELEASE)],
        get_release, aget_release, {}, dict(value=RELEASE, seen=GET_ONCE * 2),
    ),
    "429 beyond the retry budget": (
        [answer(429, {"message": "slow down"}, **{"Retry-After": "500"})],
        get_release, aget_release, {"max_retry_wait": 120},
        dict(error="ReleasesApiRateLimitError", status=429, attempts=1, waits=[], message=(
            f"LaunchDarkly get_flag_release (GET {FLAG_PATH}) failed with HTTP 429: LaunchDarkly asked "
            "to wait 500.0 s, beyond the retry budget of 120 s (0.0 s already waited); "
            'LaunchDarkly said "slow down".'
        )),
    ),
    "read timeout, then 200": (
        [("sleep", 0.6), answer(200, RELEASE)],
        get_release, aget_release, {"timeout": (2, 0.3)}, dict(value=RELEASE, seen=GET_ONCE * 2),
    ),
    "read timeout on every attempt": (
        [("sleep", 0.6), ("sleep", 0.6)],
        get_release, aget_release, {"timeout": (2, 0.3), "max_retries": 1},
        dict(error="ReleasesApiConnectionError", attempts=2, message=(
            f"LaunchDarkly get_flag_release (GET {FLAG_PATH}) failed: no response within the 0.3 s read "
            "timeout after 2 attempts."
        )),
    ),
    "dropped connection, then 200": (
        [("drop",), answer(200, RELEASE)], get_release, aget_release, {},
        dict(value=RELEASE, seen=GET_ONCE * 2),
    ),
    "invalid JSON body": (
        [answer(200, '{"name": "Standa')], get_release, aget_release, {},
        dict(error="ReleasesApiMalformedResponseError", status=200, seen=GET_ONCE),
    ),
    "POST answered 503 is not sent again": (
        [answer(503, {"message": "down"})], post, apost, {},
        dict(
            error="ReleasesApiServerError", status=503, attempts=1, may_have_been_applied=True,
            seen=POST_ONCE,
        ),
    ),
    "POST whose connection dropped is not sent again": (
        [("drop",)], post, apost, {},
        dict(error="ReleasesApiConnectionError", may_have_been_applied=True, seen=POST_ONCE),
    ),
    "POST answered 429 is sent again": (
        [answer(429, {}, **{"Retry-After": "1"}), answer(201, {"id": "t1"})], post, apost, {},
        dict(value={"id": "t1"}, waits=[1.0], seen=POST_ONCE * 2),
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_both_transports_end_the_same_way(server, monkeypatch, case):
    script, call, acall, hook_args, expected = CASES[case]
    blocking, awaited = run_both(server, monkeypatch, script, call, acall, **hook_args)
    assert awaited == blocking
    for field, value in expected.items():
        assert getattr(blocking, field) == value, field
    assert server.auth and set(server.auth) == {TOKEN}


def test_a_backoff_without_a_server_delay_is_the_same_jittered_wait(server, monkeypatch):
    blocking, awaited = run_both(
        server, monkeypatch, [answer(503, {}), answer(200, RELEASE)], get_release, aget_release
    )
    assert awaited.waits == blocking.waits
    assert len(blocking.waits) == 1 and 0.5 <= blocking.waits[0] <= 1.0


def test_an_unreachable_server_is_retried_then_named(server, monkeypatch):
    url = f"http://127.0.0.1:{closed_port()}"
    set_connection(monkeypatch, "ld_nowhere", conn_type="launchdarkly", password=TOKEN, host=url)
    blocking, awaited = run_both(
        server, monkeypatch, [], get_release, aget_release, "ld_nowhere", max_retries=2
    )
    assert awaited == blocking
    assert blocking.error == "ReleasesApiConnectionError"
    assert blocking.message == (
        f"LaunchDarkly get_flag_release (GET {FLAG_PATH}) failed: the connection to {url} could not be "
        "opened after 3 attempts."
    )
    assert blocking.may_have_been_applied is False
    assert len(blocking.waits) == 2


def test_pages_are_read_with_the_same_queries(server, monkeypatch):
    pages = [
        answer(200, {"items": [{"n": 1}, {"n": 2}], "totalCount": 3}),
        answer(200, {"items": [{"n": 3}]}),
    ]
    blocking, awaited = run_both(
        server, monkeypatch, pages,
        lambda hook: list(hook.list_pipeline_releases("proj", "standard", status="active")),
        lambda hook: hook.alist_pipeline_releases("proj", "standard", status="active"),
    )  # fmt: skip
    assert awaited == blocking
    assert blocking.value == [{"n": 1}, {"n": 2}, {"n": 3}]
    path = "/api/v2/projects/proj/release-pipelines/standard/releases"
    assert [seen[1] for seen in blocking.seen] == [
        f"{path}?filter=status%3Aactive&limit=20&offset=0",
        f"{path}?filter=status%3Aactive&limit=20&offset=2",
    ]


def test_aha_and_cryptlex_async_reads_match_the_blocking_ones(server, monkeypatch):
    set_connection(monkeypatch, "aha_faults", conn_type="aha", password=TOKEN, host=server.url)
    set_connection(monkeypatch, "cx_faults", conn_type="cryptlex", password=OTHER_TOKEN, host=server.url)
    server.script[:] = [
        answer(200, {"release": {"id": "1", "released": True}}),
        answer(200, {"id": "r1"}),
    ] * 2
    aha, cryptlex = AhaHook("aha_faults"), CryptlexHook("cx_faults")
    blocking = [aha.get_release("PRJ1-R-1", fields=["released"]), cryptlex.get_release("r1")]

    async def main() -> list[Any]:
        try:
            return [
                await aha.aget_release("PRJ1-R-1", fields=["released"]),
                await cryptlex.aget_release("r1"),
            ]
        finally:
            await aha.aclose()
            await cryptlex.aclose()

    assert asyncio.run(main()) == blocking == [{"id": "1", "released": True}, {"id": "r1"}]
    assert [seen[1] for seen in server.seen] == [
        "/api/v1/releases/PRJ1-R-1?fields=released",
        "/v3/releases/r1",
    ] * 2
    assert server.auth == [f"Bearer {TOKEN}", f"Bearer {OTHER_TOKEN}"] * 2


@pytest.mark.parametrize(
    ("call", "param"),
    [
        (lambda: LaunchDarklyHook("ld_faults").aget_flag_release("proj", "bad key"), "flag_key"),
        (
            lambda: LaunchDarklyHook("ld_faults").alist_pipeline_releases("proj", "std", status="done"),
            "status",
        ),
        (lambda: AhaHook().aget_release("not/an/id"), "release_id"),
        (lambda: CryptlexHook().aget_release(""), "release_id"),
    ],
)
def test_async_bad_arguments_fail_before_any_request(server, call, param):
    with pytest.raises(InvalidParameterError) as caught:
        asyncio.run(call())
    assert caught.value.param == param
    assert server.seen == []


# Shared async clients


def test_hooks_of_one_connection_share_one_client_until_the_last_closes(server):
    async def main() -> None:
        first, second = LaunchDarklyHook("ld_faults"), LaunchDarklyHook("ld_faults")
        assert await first.aget_flag_release("proj", "flag-a") == RELEASE
        assert await second.aget_flag_release("proj", "flag-a") == RELEASE
        client = await first.aget_client()
        assert await second.aget_client() is client
        await first.aclose()
        await first.aclose()  # idempotent: releases once
        assert not client.is_closed
        assert await second.aget_flag_release("proj", "flag-a") == RELEASE
        await second.aclose()
        assert client.is_closed
        third = LaunchDarklyHook("ld_faults")
        assert await third.aget_client() is not client
        await third.aclose()
        assert (
            first.sync_transport.session is None and second.sync_transport.session is None
        )  # no requests.Session

    asyncio.run(main())
    assert len(server.seen) == 3


def test_two_connections_never_share_a_client_or_credentials(server, monkeypatch):
    set_connection(monkeypatch, "ld_other", conn_type="launchdarkly", password=OTHER_TOKEN, host=server.url)

    async def main() -> None:
        one, other = LaunchDarklyHook("ld_faults"), LaunchDarklyHook("ld_other")
        try:
            assert await one.aget_client() is not await other.aget_client()
            await one.aget_flag_release("proj", "flag-a")
            await other.aget_flag_release("proj", "flag-a")
        finally:
            await one.aclose()
            await other.aclose()

    asyncio.run(main())
    assert server.auth == [TOKEN, OTHER_TOKEN]


def test_each_event_loop_gets_its_own_client(server):
    clients = []

    async def use() -> None:
        hook = LaunchDarklyHook("ld_faults")
        await hook.aget_flag_release("proj", "flag-a")
        clients.append(await hook.aget_client())
        await hook.aclose()

    asyncio.run(use())
    asyncio.run(use())
    assert clients[0] is not clients[1]
    assert all(client.is_closed for client in clients)


def test_a_hook_moved_to_another_loop_gets_a_client_of_that_loop(server):
    hook = LaunchDarklyHook("ld_faults")
    clients, keys = [], []

    async def use() -> None:
        await hook.aget_flag_release("proj", "flag-a")
        clients.append(await hook.aget_client())
        keys.append(hook.async_transport.client_key)

    asyncio.run(use())
    asyncio.run(use())
    asyncio.run(hook.aclose())
    assert clients[0] is not clients[1]
    assert [SHARED_CLIENTS.users(key) for key in keys] == [0, 0]
    assert len(server.seen) == 2


def test_the_connection_is_read_without_blocking_the_event_loop(server, monkeypatch):
    def blocking_lookup(conn_id: str) -> Any:
        raise AssertionError("get_connection was called on the event loop")

    monkeypatch.setattr(
        BaseHook, "get_connection", classmethod(lambda cls, conn_id: blocking_lookup(conn_id))
    )
    hook = LaunchDarklyHook("ld_faults")

    async def main() -> Any:
        try:
            return await hook.aget_flag_release("proj", "flag-a")
        finally:
            await hook.aclose()

    assert asyncio.run(main()) == RELEASE
    assert hook.base_url == server.url


def test_the_async_methods_register_the_secrets_with_airflows_masker(server, monkeypatch):
    from airflow.sdk._shared.secrets_masker import redact

    secret = "api-async-mask-SECRET-58d1e7"
    set_connection(monkeypatch, "ld_masked", conn_type="launchdarkly", password=secret, host=server.url)
    hook = LaunchDarklyHook("ld_masked")
    server.script[:] = [answer(401, {"message": f"bad token {secret}"})]

    async def main() -> None:
        try:
            await hook.aget_flag_release("proj", "flag-a")
        finally:
            await hook.aclose()

    with pytest.raises(ReleasesApiError) as caught:
        asyncio.run(main())
    assert 'LaunchDarkly said "bad token ***"' in str(caught.value)
    assert redact(f"token {secret}") == "token ***"


def test_concurrent_calls_share_one_client_and_one_aclose_closes_it(server):
    async def main() -> None:
        hook = LaunchDarklyHook("ld_faults")
        results = await asyncio.gather(*(hook.aget_flag_release("proj", "flag-a") for _ in range(5)))
        assert results == [RELEASE] * 5
        client, key = await hook.aget_client(), hook.async_transport.client_key
        assert SHARED_CLIENTS.users(key) == 1
        await hook.aclose()
        assert client.is_closed
        assert SHARED_CLIENTS.users(key) == 0

    asyncio.run(main())
    assert len(server.seen) == 5
