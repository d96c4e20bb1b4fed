"""
The ``httpx.AsyncClient`` transport of the release hooks, for triggers.

It follows the same rules as the ``requests`` transport (:mod:`~airflow_provider_releases.hooks.http_core`
decides every answer); only sending and waiting are awaited. Clients are shared per connection,
hook class, base URL and event loop, and closed when the last hook using one releases it.
"""

from __future__ import annotations

import asyncio
import functools
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from airflow_provider_releases.hooks.calls import ApiCall
from airflow_provider_releases.hooks.http_core import Action
from airflow_provider_releases.hooks.secrets import amask_secrets
from airflow_provider_releases.hooks.transport import Transport, httpx_failure, httpx_timeout
from airflow_provider_releases.utils.pagination import awalk

if TYPE_CHECKING:
    import ssl

    import httpx

    from airflow_provider_releases.hooks.base import ReleasesBaseHook

ClientKey = tuple[str, type, str, asyncio.AbstractEventLoop]


@dataclass
class SharedClient:
    """One shared ``httpx.AsyncClient`` and how many hooks hold it."""

    client: httpx.AsyncClient
    users: int = 0


class SharedClients:
    """
    The ``httpx.AsyncClient`` of each (connection id, hook class, base URL, event loop), counted.

    A client never serves two connections (their credentials never mix) nor two event loops.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._clients: dict[ClientKey, SharedClient] = {}

    def acquire(
        self, key: ClientKey, headers: Mapping[str, str], tls: ssl.SSLContext, max_concurrent: int
    ) -> httpx.AsyncClient:
        """
        Return the client for ``key``, created with ``headers`` and the TLS context ``tls`` if there
        is none; count one more user. At most ``max_concurrent`` of the client's requests are in
        flight at once (one per connection); the others wait for a free connection.
        """
        with self._lock:
            entry = self._clients.get(key)
            if entry is None:
                import httpx

                limits = httpx.Limits(
                    max_connections=max_concurrent, max_keepalive_connections=max_concurrent
                )
                client = httpx.AsyncClient(
                    headers=dict(headers), verify=tls, follow_redirects=True, limits=limits
                )
                entry = self._clients[key] = SharedClient(client)
            entry.users += 1
            return entry.client

    async def release(self, key: ClientKey) -> None:
        """Count one user less; close the client when it was the last."""
        with self._lock:
            entry = self._clients.get(key)
            if entry is None:
                return
            entry.users -= 1
            if entry.users > 0:
                return
            del self._clients[key]
        if key[3] is asyncio.get_running_loop():
            await entry.client.aclose()

    def users(self, key: ClientKey) -> int:
        """How many hooks hold the client of ``key`` (0 when there is none)."""
        with self._lock:
            entry = self._clients.get(key)
            return entry.users if entry else 0


#: The clients every async hook call of this process shares.
SHARED_CLIENTS = SharedClients()


@functools.cache
def tls_context() -> ssl.SSLContext:
    """The TLS context (verifying certificates) every async client of this process shares."""
    import httpx

    return httpx.create_ssl_context()


_TLS_BUILDS: dict[asyncio.AbstractEventLoop, asyncio.Future] = {}


async def atls_context() -> ssl.SSLContext:
    """
    :func:`tls_context`, built off the event loop the first time (reading the CA bundle blocks);
    every caller that comes while it is being built awaits that one build.
    """
    if tls_context.cache_info().currsize:
        return tls_context()
    loop = asyncio.get_running_loop()
    build = _TLS_BUILDS.get(loop)
    if build is None:
        build = _TLS_BUILDS[loop] = asyncio.ensure_future(asyncio.to_thread(tls_context))
        build.add_done_callback(lambda _: _TLS_BUILDS.pop(loop, None))
    return await asyncio.shield(build)


class AsyncTransport(Transport):
    """
    Runs a hook's calls on the shared ``httpx.AsyncClient`` of its connection and event loop.

    The first call reads the connection off the event loop; the base URL, headers, timeouts and
    retry policy are then computed from it without I/O.
    """

    def __init__(self, hook: ReleasesBaseHook) -> None:
        super().__init__(hook)
        self.client_key: ClientKey | None = None
        self.client: httpx.AsyncClient | None = None

    async def get_client(self) -> httpx.AsyncClient:
        """
        Return the shared client of the hook's connection and the running loop.

        :raises ConnectionConfigError: the connection lacks a setting or holds an invalid one.
        """
        hook = self.hook
        await hook.aload_connection()
        loop = asyncio.get_running_loop()
        if self.client_key is not None and self.client_key[3] is not loop:
            await self.close()
        if self.client_key is None:
            key = (hook.conn_id, type(hook), hook.base_url, loop)
            with hook.secrets.deferring() as secrets:
                headers = hook.request_headers()
            await amask_secrets(secrets)
            tls = await atls_context()
            if self.client_key is None:  # not taken by a concurrent call of this hook meanwhile
                self.client = SHARED_CLIENTS.acquire(key, headers, tls, hook.max_concurrent_requests)
                self.client_key = key
        assert self.client is not None
        return self.client

    async def close(self) -> None:
        """Release the hook's share of the client; the last user closes it. Idempotent."""
        key, self.client_key, self.client = self.client_key, None, None
        if key is not None:
            await SHARED_CLIENTS.release(key)

    async def run(self, call: ApiCall[Any]) -> Any:
        """Send ``call`` and return its answer; a paged list whole, every page read."""
        paging = call.paging
        if paging is None:
            return self.reader.answer(call, self.decode(call, await self.send(call)))

        async def get(query: Mapping[str, Any]) -> tuple[Any, Mapping[str, str]]:
            page = self.page_call(call, query)
            response = await self.send(page)
            return self.decode(page, response), response.headers

        items: list[Any] = []
        async for page_items in awalk(paging.walk(call.params or {}, self.items_of(call)), get):
            items.extend(page_items)
        return items

    async def send(self, call: ApiCall[Any]) -> httpx.Response:
        """
        Send ``call``'s request with the retry policy, awaiting the answer and the waits; return
        the successful response.

        :raises ReleasesApiError: the request failed; the subclass says how.
        :raises DryRunRequest: the hook is in dry-run mode and the call is not a GET; nothing was sent.
        """
        import httpx

        client = await self.get_client()
        attempts = self.prepare(call)
        request, clock = attempts.request, self.hook.clock
        timeout = httpx_timeout(attempts.vendor.timeout)
        while True:
            attempts.next_attempt()
            started = clock.monotonic()
            try:
                response = await client.request(
                    request.method, request.url, params=request.params, json=request.json,
                    headers=request.headers, timeout=timeout,
                )  # fmt: skip
            except httpx.HTTPError as exc:
                decision = self.judge_failure(attempts, exc, httpx_failure(exc), started)
            else:
                decision = self.judge_answer(attempts, response, started)
                if decision.action is Action.RETURN:
                    return response
            self.log_retry(decision, attempts)
            await clock.asleep(decision.delay)
