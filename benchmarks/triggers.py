"""
The triggerer benchmark's own triggers: its baseline and an informative event-loop-native variant.

:class:`BareReleasePhaseTrigger` is the floor of any trigger that polls a flag's release over HTTP:
it reads the release from a worker thread with a bare ``requests.Session``, as the provider's
trigger does through its hook, and checks nothing but whether the first phase is complete.

:class:`AsyncLaunchDarklyReleasePhaseTrigger` is the provider's trigger with its read moved into
the event loop (one shared ``httpx.AsyncClient``, no worker thread), evaluated by the provider's
own check: what an event-loop-native trigger would achieve.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, cast

import httpx
import requests
from airflow.triggers.base import BaseTrigger, TriggerEvent

from airflow_provider_releases import __version__
from airflow_provider_releases.exceptions import (
    ReleasesApiConnectionError,
    error_class_for_status,
    excerpt,
    parse_error_body,
)
from airflow_provider_releases.hooks.launchdarkly import LaunchDarklyHook
from airflow_provider_releases.triggers.launchdarkly import LaunchDarklyReleasePhaseTrigger
from airflow_provider_releases.waits.launchdarkly import check_launchdarkly_release_phase
from airflow_provider_releases.waits.outcome import Outcome


class BareReleasePhaseTrigger(BaseTrigger):
    """Poll the flag's release with a bare ``requests.Session`` until its first phase is complete."""

    def __init__(self, url: str, headers: dict[str, str], poll_interval: float) -> None:
        super().__init__()
        self.url, self.headers, self.poll_interval = url, headers, poll_interval

    def serialize(self) -> tuple[str, dict[str, Any]]:
        """Return the class path and the keyword arguments."""
        kwargs = {"url": self.url, "headers": self.headers, "poll_interval": self.poll_interval}
        return f"{__name__}.{type(self).__qualname__}", kwargs

    async def run(self) -> AsyncIterator[TriggerEvent]:
        """Read the release in a worker thread every ``poll_interval`` until phase 1 is complete."""
        session = requests.Session()
        session.headers.update(self.headers)
        try:
            while True:
                release = await asyncio.to_thread(self._read, session)
                phase = release["phases"][0]
                if phase["complete"]:
                    yield TriggerEvent({"status": "done", "value": phase})
                    return
                await asyncio.sleep(self.poll_interval)
        finally:
            session.close()

    def _read(self, session: requests.Session) -> dict[str, Any]:
        response = session.get(self.url, timeout=(10, 60))
        response.raise_for_status()
        return response.json()


# The informative variant: what an event-loop-native trigger would achieve

# One ``httpx.AsyncClient`` per event loop, shared by every trigger of the process, as a triggerer
# would share it, with at most this many connections to the vendor at once (the provider's default
# executor runs 6 checks at once on this 2-CPU machine). An ``asyncio.Semaphore`` of the same size
# queues the triggers in front of the client: httpcore's pool rescans its whole queue of waiting
# requests on every request and every response, which with 1,000 triggers queued in it costs
# O(n²) in the event loop (a stall of seconds), while the semaphore's waiters cost O(1).
# Not one client per trigger: creating one builds an SSL context, ~18 ms of the loop each here.
# Not a larger pool: against the sandbox (a thread per connection, a listen backlog of 5), 32
# connections made the runs ~2x slower and 100 ~15x slower, for no gain in stall.
ASYNC_MAX_CONNECTIONS = 10


@dataclass
class _Resolved:
    """An Airflow connection read once: the hook that read it, its headers and its timeout."""

    hook: LaunchDarklyHook
    headers: dict[str, str]
    timeout: httpx.Timeout

    def close(self) -> None:
        """Nothing to close per trigger: the loop's shared client closes once every trigger is done."""


@dataclass
class _Shared:
    """What the triggers of one event loop share: the client, its slots, the connections read."""

    client: httpx.AsyncClient
    slots: asyncio.Semaphore
    connections: dict[str, _Resolved] = field(default_factory=dict)

    def resolve(self, trigger: LaunchDarklyReleasePhaseTrigger) -> _Resolved:
        """
        The trigger's connection, read at its first use in this loop (by the hook the provider's
        trigger would build) and then reused: 1,000 triggers reading it in the same loop iteration
        would stall the loop for ~0.1 ms each.
        """
        resolved = self.connections.get(trigger.launchdarkly_conn_id)
        if resolved is None:
            hook = cast("LaunchDarklyHook", LaunchDarklyReleasePhaseTrigger.get_hook(trigger))
            connect, read = hook.timeout
            headers = {  # the headers of the hook's session (get_conn)
                "Accept": "application/json",
                "User-Agent": f"airflow-provider-releases/{__version__}",
                **hook._auth_headers(),  # raw token in Authorization, LD-API-Version: beta
            }
            hook.base_url  # noqa: B018  (read now, once, rather than at the first check)
            resolved = _Resolved(hook, headers, httpx.Timeout(read, connect=connect))
            self.connections[trigger.launchdarkly_conn_id] = resolved
        return resolved


_shared_by_loop: dict[asyncio.AbstractEventLoop, _Shared] = {}


def shared() -> _Shared:
    """This event loop's shared client, created on first use."""
    loop = asyncio.get_running_loop()
    found = _shared_by_loop.get(loop)
    if found is None:
        limits = httpx.Limits(
            max_connections=ASYNC_MAX_CONNECTIONS, max_keepalive_connections=ASYNC_MAX_CONNECTIONS
        )
        found = _Shared(httpx.AsyncClient(limits=limits), asyncio.Semaphore(ASYNC_MAX_CONNECTIONS))
        _shared_by_loop[loop] = found
    return found


async def close_shared_clients() -> None:
    """Close this event loop's shared client, if any (once every trigger of the loop is done)."""
    found = _shared_by_loop.pop(asyncio.get_running_loop(), None)
    if found is not None:
        await found.client.aclose()


class _FetchedRelease:
    """
    The part of a :class:`LaunchDarklyHook` that ``check_launchdarkly_release_phase`` uses, answering
    from a release already read (or with the error its read raised), so that the provider's very own
    check evaluates what the event loop fetched, without a second request or a worker thread.
    """

    def __init__(self, hook: LaunchDarklyHook, release: Any, error: Exception | None) -> None:
        self.service, self.conn_id, self.redact = hook.service, hook.conn_id, hook.redact
        self._release, self._error = release, error

    def get_flag_release(self, project_key: str, flag_key: str) -> Any:
        if self._error is not None:
            raise self._error
        return self._release


class AsyncLaunchDarklyReleasePhaseTrigger(LaunchDarklyReleasePhaseTrigger):
    """
    The provider's trigger with its read done in the event loop: no worker thread at all.

    Each check sends the hook's own request (``GET /api/v2/flags/{project}/{flag}/release`` with
    the headers of the hook's session, the raw token in ``Authorization`` and ``LD-API-Version:
    beta``, and the hook's ``(connect, read)`` timeout) through the loop's shared
    ``httpx.AsyncClient``, then evaluates the answer with the provider's
    ``check_launchdarkly_release_phase``. A failed read becomes the provider's own exception, so
    the check's outcome is the same; it is not retried within the check (the trigger asks again at
    the next poll anyway). The loop around it is the base trigger's: same events, log lines, sleeps.
    """

    def get_hook(self) -> Any:
        """This loop's shared resolution of the trigger's connection (closed with the shared client)."""
        return shared().resolve(self)

    async def check_once(self, hook: Any) -> Outcome:
        """Read the release in the event loop, at most ``ASYNC_MAX_CONNECTIONS`` reads at a time."""
        loop_shared = shared()
        path = hook.hook._flag_release_path(self.project_key, self.flag_key)
        async with loop_shared.slots:
            return await self._check_async(loop_shared.client, hook, path)

    async def _check_async(self, client: httpx.AsyncClient, resolved: _Resolved, path: str) -> Outcome:
        """Read the release once in the event loop; evaluate it with the provider's check."""
        hook = resolved.hook
        context = {"service": hook.service, "operation": "get_flag_release", "method": "GET", "path": path}
        release: Any = None
        error: Exception | None = None
        try:
            response = await client.get(
                hook.base_url + path, headers=resolved.headers, timeout=resolved.timeout
            )
        except httpx.TransportError as exc:
            error = ReleasesApiConnectionError(**context, cause=f"no response ({type(exc).__name__})")
        else:
            if response.status_code >= 400:
                text = hook.redact(response.text)
                code, message, request_id = parse_error_body(text)
                error = error_class_for_status(response.status_code)(
                    **context,
                    status=response.status_code,
                    code=code,
                    vendor_message=message,
                    request_id=request_id,
                    body_excerpt=None if message else (excerpt(text) or "(empty)"),
                )
            elif response.status_code != 204 and response.content:
                try:
                    release = response.json()
                except ValueError:
                    error = hook.response_error(
                        "get_flag_release", "GET", path, "the response body is not valid JSON", response.text
                    )
        fetched = _FetchedRelease(hook, release, error)
        return check_launchdarkly_release_phase(fetched, self.project_key, self.flag_key, self.phase)  # type: ignore[arg-type]
