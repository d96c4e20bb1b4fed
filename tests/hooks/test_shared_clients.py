"""The shared ``httpx.AsyncClient`` of the hooks: one per connection, hook class and event loop,
closed after its last user; at most ``max_concurrent_requests`` of its requests in flight."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from airflow.sdk import BaseHook

from airflow_provider_releases.exceptions import ReleasesApiError
from airflow_provider_releases.hooks.async_http import SHARED_CLIENTS
from airflow_provider_releases.hooks.launchdarkly import LaunchDarklyHook
from tests.helpers.connections import set_connection
from tests.hooks.loopback import OTHER_TOKEN, RELEASE, TOKEN, answer


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


def test_requests_beyond_the_concurrency_bound_wait_their_turn_without_failing(server):
    class TwoAtATime(LaunchDarklyHook):
        max_concurrent_requests = 2

    server.script[:] = [("sleep", 0.75)] * 6  # each answered after 0.75 s

    async def main() -> list[Any]:
        # A connect timeout a loaded 2-core machine still meets (0.2 s was missed once under load).
        hook = TwoAtATime("ld_faults", timeout=(0.5, 5), max_retries=0)
        try:
            return await asyncio.gather(*(hook.aget_flag_release("proj", "flag-a") for _ in range(6)))
        finally:
            await hook.aclose()

    # the last pair waits 1.5 s for a connection, beyond the 0.5 s connect timeout: its turn, not an error
    assert asyncio.run(main()) == [{"late": True}] * 6
    assert server.max_in_flight == 2
    assert len(server.seen) == 6
