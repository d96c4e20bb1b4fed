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
from typing import TYPE_CHECKING, Any

from airflow_provider_releases import __version__
from airflow_provider_releases.hooks.http_core import RequestAttempts
from airflow_provider_releases.hooks.transport import httpx_failure, httpx_timeout
from airflow_provider_releases.utils.pagination import AsyncGetPage, PagesByNumber, apages_by_offset, awalk

if TYPE_CHECKING:
    import ssl

    import httpx

ClientKey = tuple[str, type, str, asyncio.AbstractEventLoop]


class SharedClients:
    """
    The ``httpx.AsyncClient`` of each (connection id, hook class, base URL, event loop), counted.

    A client never serves two connections (their credentials never mix) nor two event loops.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._clients: dict[ClientKey, list[Any]] = {}

    def acquire(
        self, key: ClientKey, headers: Mapping[str, str], tls: ssl.SSLContext, max_concurrent: int
    ) -> tuple[httpx.AsyncClient, asyncio.Semaphore]:
        """
        Return the client for ``key`` and the semaphore that lets at most ``max_concurrent`` of
        its requests be in flight at once, created with ``headers`` and the TLS context ``tls``
        if there is none; count one more user.
        """
        with self._lock:
            entry = self._clients.get(key)
            if entry is None:
                import httpx

                client = httpx.AsyncClient(headers=dict(headers), verify=tls, follow_redirects=True)
                entry = self._clients[key] = [client, 0, asyncio.Semaphore(max_concurrent)]
            entry[1] += 1
            return entry[0], entry[2]

    async def release(self, key: ClientKey) -> None:
        """Count one user less; close the client when it was the last."""
        with self._lock:
            entry = self._clients.get(key)
            if entry is None:
                return
            entry[1] -= 1
            if entry[1] > 0:
                return
            del self._clients[key]
        if key[3] is asyncio.get_running_loop():
            await entry[0].aclose()

    def users(self, key: ClientKey) -> int:
        """How many hooks hold the client of ``key`` (0 when there is none)."""
        with self._lock:
            entry = self._clients.get(key)
            return entry[1] if entry else 0


#: The clients every async hook call of this process shares.
SHARED_CLIENTS = SharedClients()


@functools.cache
def tls_context() -> ssl.SSLContext:
    """The TLS context (verifying certificates) every async client of this process shares."""
    import httpx

    return httpx.create_ssl_context()


async def atls_context() -> ssl.SSLContext:
    """:func:`tls_context`, built off the event loop the first time: reading the CA bundle blocks."""
    if tls_context.cache_info().currsize:
        return tls_context()
    return await asyncio.to_thread(tls_context)


async def amask_secrets(secrets: list[str]) -> None:
    """Tell Airflow's secret masker (and, in the triggerer, its supervisor) about ``secrets``."""
    if not secrets:
        return
    from airflow.sdk import log

    amask = getattr(log, "amask_secret", None)
    for secret in secrets:
        if amask is not None:
            await amask(secret)
        else:  # Airflow 3.2: the blocking call, off the event loop
            await asyncio.to_thread(log.mask_secret, secret)


class AsyncTransport:
    """
    The async half of :class:`~airflow_provider_releases.hooks.base.ReleasesBaseHook`: the same
    requests, answers and errors as the blocking methods, on ``httpx.AsyncClient``.

    The first async call reads the connection off the event loop (``BaseHook.aget_connection``
    when Airflow has it, else ``get_connection`` in a worker thread); the base URL, headers,
    timeouts and retry policy are then computed from it without I/O.
    """

    #: How many requests of one shared client may be in flight at once; the others wait their
    #: turn, so 1,000 waits waking together neither flood the vendor nor block the event loop.
    max_concurrent_requests: int = 10
    _client_key: ClientKey | None = None
    _async_client: httpx.AsyncClient | None = None
    _request_slots: asyncio.Semaphore | None = None
    #: While set, secrets the hook registers are collected here instead of told to Airflow's
    #: masker at once: its blocking call would wait on the triggerer's own event loop.
    _deferred_masks: list[str] | None = None

    async def _aconnection(self) -> Any:
        """Read the Airflow connection once, without blocking the event loop."""
        if self._connection is None:
            aget = getattr(type(self), "aget_connection", None)
            if aget is not None:
                connection = await aget(self.conn_id)
            else:  # pragma: no cover - Airflow 3.2 and 3.3 have aget_connection
                from asgiref.sync import sync_to_async

                connection = await sync_to_async(self.get_connection)(self.conn_id)
            if self._connection is None:
                self._connection = connection
        return self._connection

    async def aget_client(self) -> httpx.AsyncClient:
        """
        Return the shared ``httpx.AsyncClient`` of this hook's connection and the running loop.

        :raises ConnectionConfigError: the connection lacks a setting or holds an invalid one.
        """
        await self._aconnection()
        loop = asyncio.get_running_loop()
        if self._client_key is not None and self._client_key[3] is not loop:
            await self.aclose()
        if self._client_key is None:
            key = (self.conn_id, type(self), self.base_url, loop)
            self._deferred_masks = []
            try:
                headers = {**self._default_headers(), **self._auth_headers()}
            finally:
                secrets, self._deferred_masks = self._deferred_masks, None
            await amask_secrets(secrets)
            tls = await atls_context()
            if self._client_key is None:  # not taken by a concurrent call of this hook meanwhile
                self._async_client, self._request_slots = SHARED_CLIENTS.acquire(
                    key, headers, tls, self.max_concurrent_requests
                )
                self._client_key = key
        return self._async_client

    async def aclose(self) -> None:
        """Release this hook's share of the async client; the last user closes it. Idempotent."""
        key, self._client_key, self._async_client = self._client_key, None, None
        self._request_slots = None
        if key is not None:
            await SHARED_CLIENTS.release(key)

    async def _asend(
        self,
        method: str,
        path: str,
        *,
        op: str,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        base_url: str | None = None,
        max_retries: int | None = None,
    ) -> httpx.Response:
        """
        Send one request with the retry policy, awaiting the answer and the waits; return the
        successful response. Same rules and errors as the blocking ``_send``.

        :raises ReleasesApiError: the request failed; the subclass says how.
        :raises DryRunRequest: the hook is in dry-run mode and ``method`` is not GET; nothing was sent.
        """
        import httpx

        client = await self.aget_client()
        request = self._http_request(
            method, path, params=params, json=json, headers=headers, base_url=base_url
        )
        if self.dry_run and method != "GET":
            raise self._dry_run_request(method, request.url, params=params, json=json, body=None)
        attempts = RequestAttempts(request, self._vendor(max_retries), op)
        timeout = httpx_timeout(attempts.vendor.timeout)
        while True:
            attempts.next_attempt()
            started = self.clock.monotonic()
            try:
                async with self._request_slots:
                    response = await client.request(
                        method, request.url, params=params, json=json, headers=headers, timeout=timeout
                    )
            except httpx.HTTPError as exc:
                decision = self._judge_failure(attempts, request, exc, httpx_failure(exc), started)
            else:
                decision = self._judge_answer(attempts, request, response, started)
                if decision.action == "return":
                    return response
            self._log_retry(decision, request, attempts)
            await self.clock.asleep(decision.delay)

    async def _acall(self, method: str, path: str, *, op: str, **kwargs: Any) -> Any:
        """Send a request (see :meth:`_asend`) and return its JSON body, or ``None`` when empty."""
        response = await self._asend(method, path, op=op, **kwargs)
        return self._decode(response, op, method, path)

    def _aget_page(self, op: str, path: str) -> AsyncGetPage:
        """An awaited function that GETs one page of ``path`` with the given query: ``(body, headers)``."""

        async def get(query: Mapping[str, Any]) -> tuple[Any, Mapping[str, str]]:
            response = await self._asend("GET", path, op=op, params=query)
            return self._decode(response, op, "GET", path), response.headers

        return get

    async def _apaginate_by_offset(
        self, op: str, path: str, params: Mapping[str, Any], *, page_size: int = 20
    ) -> list[Any]:
        """Read every page of a ``limit``/``offset`` list; return all its items."""
        get = self._aget_page(op, path)
        items: list[Any] = []
        pages = apages_by_offset(get, params, page_size=page_size, items_of=self._items_of(op, path))
        async for page in pages:
            items.extend(page)
        return items

    async def _apaginate_by_page(
        self, op: str, path: str, params: Mapping[str, Any], **paging: Any
    ) -> list[Any]:
        """
        Read every page of a ``page``/``<size_param>`` list; return all its items. ``paging``
        holds the keyword arguments of :class:`~airflow_provider_releases.utils.pagination.PagesByNumber`.
        """
        items: list[Any] = []
        async for page in awalk(PagesByNumber(params, **paging), self._aget_page(op, path)):
            items.extend(page)
        return items

    def _default_headers(self) -> dict[str, str]:
        """The headers every request of every transport carries, besides authentication."""
        return {"Accept": "application/json", "User-Agent": f"airflow-provider-releases/{__version__}"}

    # Provided by ReleasesBaseHook.
    conn_id: str
    _connection: Any
    base_url: str
