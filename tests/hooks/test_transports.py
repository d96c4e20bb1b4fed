"""
One HTTP core, two transports: the same recorded answers and faults, sent by a real server on
loopback, through the blocking ``requests`` transport and the ``httpx.AsyncClient`` transport of
the hooks, must end the same way (value or error class and message, status, attempts, whether the
request may have taken effect, the requests the server saw, the waits). Then every generated
async twin against its blocking method.
"""

from __future__ import annotations

import ast
import asyncio
import inspect
import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_releases.exceptions import InvalidParameterError, ReleasesApiError
from airflow_provider_releases.hooks import aha, amplitude, cryptlex, launchdarkly
from airflow_provider_releases.hooks.aha import AhaHook
from airflow_provider_releases.hooks.calls import ApiCall
from airflow_provider_releases.hooks.cryptlex import CryptlexHook
from airflow_provider_releases.hooks.launchdarkly import LaunchDarklyHook
from airflow_provider_releases.utils import retry as retry_module
from airflow_provider_releases.utils.pagination import PagedItems
from tests.helpers.connections import set_connection
from tests.hooks.loopback import (
    FLAG_PATH,
    NOW,
    OTHER_TOKEN,
    RELEASE,
    TOKEN,
    FakeClock,
    answer,
    closed_port,
)


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


# Generated async twins

VENDOR_MODULES = [aha, amplitude, cryptlex, launchdarkly]
PIPELINE = {"key": "standard", "phases": []}
LD_PAGES = [
    answer(200, {"items": [{"n": 1}, {"n": 2}], "totalCount": 3}),
    answer(200, {"items": [{"n": 3}], "totalCount": 3}),
]
AHA_PAGE = answer(200, {"releases": [{"id": "1"}], "pagination": {"total_pages": 1}})
PIPELINES = "/api/v2/projects/proj/release-pipelines"

# async name: (hook class, sync name, args, kwargs, answers, the paths the server must see)
TWINS = {
    "aget_flag_release": (
        LaunchDarklyHook, "get_flag_release", ("proj", "flag-a"), {}, [answer(200, RELEASE)], [FLAG_PATH],
    ),
    "aget_release_pipeline": (
        LaunchDarklyHook, "get_release_pipeline", ("proj", "standard"), {}, [answer(200, PIPELINE)],
        [f"{PIPELINES}/standard"],
    ),
    "alist_pipeline_releases": (
        LaunchDarklyHook, "list_pipeline_releases", ("proj", "standard"),
        {"status": "active", "page_size": 2}, LD_PAGES, [
            f"{PIPELINES}/standard/releases?filter=status%3Aactive&limit=2&offset=0",
            f"{PIPELINES}/standard/releases?filter=status%3Aactive&limit=2&offset=2",
        ],
    ),
    "alist_release_pipelines": (
        LaunchDarklyHook, "list_release_pipelines", ("proj",), {"filter": {"query": "std"}},
        [answer(200, {"items": [PIPELINE], "totalCount": 1})],
        [f"{PIPELINES}?filter=query%3Astd&limit=20&offset=0"],
    ),
    "aget_release": (
        AhaHook, "get_release", ("PRJ1-R-1",), {"fields": ["released"]},
        [answer(200, {"release": {"id": "1", "released": True}})],
        ["/api/v1/releases/PRJ1-R-1?fields=released"],
    ),
    "alist_releases": (
        AhaHook, "list_releases", (), {"product_id": "PRJ1", "q": "winter"}, [AHA_PAGE],
        ["/api/v1/products/PRJ1/releases?q=winter&page=1&per_page=200"],
    ),
    "alist_product_releases": (
        AhaHook, "list_releases", ("PRJ1",), {"exclude_shipped": True}, [AHA_PAGE],
        ["/api/v1/products/PRJ1/releases?exclude_shipped=true&page=1&per_page=200"],
    ),
    "alist_release_phases": (
        AhaHook, "list_release_phases", ("PRJ1-R-1",), {},
        [answer(200, {"release_phases": [{"id": "p"}], "pagination": {"total_pages": 1}})],
        ["/api/v1/releases/PRJ1-R-1/release_phases?page=1&per_page=200"],
    ),
    "aget_release ": (
        CryptlexHook, "get_release", ("r1",), {}, [answer(200, {"id": "r1"})], ["/v3/releases/r1"],
    ),
    "alist_releases ": (
        CryptlexHook, "list_releases", ("p1",), {"channel": "beta"},
        [answer(200, [{"id": "r1"}], **{"Pagination-Count": "1"})],
        ["/v3/releases?productId=p1&channel=beta&page=1&limit=100"],
    ),
}  # fmt: skip


def test_no_vendor_hook_writes_an_async_method_by_hand():
    for module in VENDOR_MODULES:
        tree = ast.parse(Path(module.__file__).read_text())
        assert not [node.name for node in ast.walk(tree) if isinstance(node, ast.AsyncFunctionDef)], module


@pytest.mark.parametrize("async_name", TWINS, ids=[name.strip() for name in TWINS])
def test_each_async_twin_sends_the_request_and_returns_the_answer_of_its_blocking_method(
    server, monkeypatch, async_name
):
    hook_class, sync_name, args, kwargs, answers, paths = TWINS[async_name]
    set_connection(monkeypatch, "twin", conn_type=hook_class.conn_type, password=TOKEN, host=server.url)
    hook = hook_class("twin")
    server.script[:] = list(answers)
    blocking = getattr(hook, sync_name)(*args, **kwargs)
    if isinstance(blocking, PagedItems):
        blocking = list(blocking)
    blocking_seen = list(server.seen)

    async def main() -> Any:
        try:
            return await getattr(hook, async_name.strip())(*args, **kwargs)
        finally:
            await hook.aclose()

    server.seen.clear()
    server.script[:] = list(answers)
    assert asyncio.run(main()) == blocking
    assert server.seen == blocking_seen
    assert [seen[1] for seen in blocking_seen] == paths


def test_a_twin_shows_the_parameters_and_docstring_of_its_blocking_method():
    for hook_class, sync_name in {(twin[0], twin[1]) for twin in TWINS.values()}:
        sync, twin = getattr(hook_class, sync_name), getattr(hook_class, f"a{sync_name}")
        assert inspect.iscoroutinefunction(twin) and not inspect.iscoroutinefunction(sync)
        assert list(inspect.signature(twin).parameters) == list(inspect.signature(sync).parameters)
        assert "self" in inspect.signature(sync).parameters and len(inspect.signature(sync).parameters) > 1
        assert twin.__doc__ == sync.__doc__ and sync.__doc__
    assert inspect.signature(LaunchDarklyHook.get_flag_release).return_annotation == "dict[str, Any]"
    assert inspect.signature(AhaHook.list_releases).return_annotation == "PagedItems"
    assert inspect.signature(AhaHook.alist_releases).return_annotation == "list[Any]"


def test_writes_have_no_async_twin():
    assert not hasattr(CryptlexHook, "acreate_release")
    assert not hasattr(LaunchDarklyHook, "aupdate_phase_status")
