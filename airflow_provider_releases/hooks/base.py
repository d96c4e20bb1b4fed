"""The base of every release hook: connection settings, secrets, and the transports that run its calls."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, ClassVar

from airflow.sdk import BaseHook

from airflow_provider_releases import __version__
from airflow_provider_releases.exceptions import (
    ReleasesApiConnectionError,
    ReleasesApiError,
    ReleasesApiResponseError,
)
from airflow_provider_releases.hooks.async_http import AsyncTransport
from airflow_provider_releases.hooks.blocking_http import BlockingTransport
from airflow_provider_releases.hooks.calls import ApiCall
from airflow_provider_releases.hooks.connection import ConnectionSettings
from airflow_provider_releases.hooks.secrets import Secrets
from airflow_provider_releases.hooks.transport import check_timeout
from airflow_provider_releases.utils import validation as check
from airflow_provider_releases.utils.clock import SYSTEM_CLOCK, Clock

if TYPE_CHECKING:
    import httpx
    import requests
    from typing_extensions import Self

Timeout = float | tuple[float, float]


class ReleasesBaseHook(ConnectionSettings, BaseHook):
    """
    The base of the release hooks.

    Each vendor method states its call once (:class:`~airflow_provider_releases.hooks.calls.endpoint`);
    the hook runs it on its ``requests.Session`` (:attr:`sync_transport`) and the ``a``-prefixed
    twin on a shared ``httpx.AsyncClient`` (:attr:`async_transport`), both by the rules of
    :mod:`~airflow_provider_releases.hooks.http_core` (timeouts, retries, errors).

    :param conn_id: the Airflow connection to read credentials and settings from.
    :param timeout: seconds, or ``(connect, read)`` seconds; defaults to the connection's extra
        ``timeout``/``connect_timeout``/``read_timeout``, else 10 s connect and 60 s read.
    :param max_retries: retries after the first attempt (extra ``max_retries``; default 5).
    :param max_retry_wait: the most seconds to wait between attempts of one request, in total
        (extra ``max_retry_wait``; default 120).
    :param dry_run: send GET requests as usual but, instead of any other request, log what would
        be sent (no credentials) and raise
        :class:`~airflow_provider_releases.exceptions.DryRunRequest` carrying it.
    :param clock: what the hook reads time from and waits with between retries; default
        :attr:`default_clock`, the system clock.
    """

    conn_name_attr: ClassVar[str]
    default_conn_name: ClassVar[str]
    conn_type: ClassVar[str]
    hook_name: ClassVar[str]
    service: ClassVar[str]
    rate_limit_reset_headers: ClassVar[tuple[str, ...]] = ()
    request_id_headers: ClassVar[tuple[str, ...]] = ("X-Request-Id", "Request-Id", "X-Amzn-RequestId")
    #: How many requests of one shared async client may be in flight at once; the others wait
    #: their turn, so 1,000 waits waking together neither flood the vendor nor block the loop.
    max_concurrent_requests: ClassVar[int] = 10
    #: The cheap authenticated read :meth:`test_connection` makes, never retried.
    connection_probe: ClassVar[ApiCall[Any]]
    #: The clock used when none is given: its ``sleep`` waits between retries.
    default_clock: ClassVar[Clock] = SYSTEM_CLOCK

    def __init__(
        self,
        conn_id: str,
        *,
        timeout: Timeout | None = None,
        max_retries: int | None = None,
        max_retry_wait: float | None = None,
        dry_run: bool = False,
        clock: Clock | None = None,
    ) -> None:
        super().__init__(
            conn_id,
            timeout=check_timeout(timeout),
            max_retries=None if max_retries is None else check.integer("max_retries", max_retries, minimum=0),
            max_retry_wait=(
                None
                if max_retry_wait is None
                else check.number("max_retry_wait", max_retry_wait, minimum=0, maximum=86_400)
            ),
        )
        self.clock = clock if clock is not None else self.default_clock
        self.dry_run = check.boolean("dry_run", dry_run)
        self.secrets = Secrets()
        self.sync_transport = BlockingTransport(self)
        self.async_transport = AsyncTransport(self)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(conn_id={self.conn_id!r})"

    @classmethod
    def for_task(cls, task: object, **kwargs: Any) -> Self:
        """
        Return a hook for the connection a task (operator, sensor or trigger) names.

        The task holds the connection id in the attribute :attr:`conn_name_attr` names (such
        as ``aha_conn_id``), the parameter users set; every layer finds it this one way.
        """
        return cls(getattr(task, cls.conn_name_attr), **kwargs)

    @property
    def log(self) -> logging.Logger:
        """A standard-library logger under ``airflow.task.hooks``, so task logs and masking see it."""
        return logging.getLogger(f"airflow.task.hooks.{type(self).__module__}.{type(self).__name__}")

    def _auth_headers(self) -> dict[str, str]:
        """Return the headers that authenticate every request; register their secrets."""
        raise NotImplementedError

    def request_headers(self) -> dict[str, str]:
        """The headers every request of both transports carries, authentication included."""
        return {
            "Accept": "application/json",
            "User-Agent": f"airflow-provider-releases/{__version__}",
            **self._auth_headers(),
        }

    def redact(self, text: str) -> str:
        """Return ``text`` with every secret of this hook replaced by ``***``."""
        return self.secrets.redact(text)

    # HTTP

    def get_conn(self) -> requests.Session:
        """Return this hook's ``requests.Session``, created on first use with the auth headers."""
        return self.sync_transport.get_session()

    def close(self) -> None:
        """Close the session and its pooled connections."""
        self.sync_transport.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    async def aget_client(self) -> httpx.AsyncClient:
        """
        Return the shared ``httpx.AsyncClient`` of this hook's connection and the running loop.

        :raises ConnectionConfigError: the connection lacks a setting or holds an invalid one.
        """
        return await self.async_transport.get_client()

    async def aclose(self) -> None:
        """Release this hook's share of the async client; the last user closes it. Idempotent."""
        await self.async_transport.close()

    def response_error(
        self,
        op: str,
        method: str,
        path: str,
        cause: str,
        body: str,
        status: int | None = None,
        *,
        malformed: bool = False,
    ) -> ReleasesApiResponseError:
        """
        Build the error for a successful answer whose body is not what the API documents; a
        request other than GET may have taken effect.

        :param malformed: the body is not JSON at all, as opposed to JSON of another shape.
        """
        call = ApiCall(method, path, op)
        return self.sync_transport.reader.error(call, cause, body, status, malformed=malformed)

    # Connection test

    def _probe(self) -> None:
        """Make one cheap authenticated read (:attr:`connection_probe`); raise on failure."""
        self.sync_transport.run(self.connection_probe)

    def test_connection(self) -> tuple[bool, str]:
        """
        Make one cheap authenticated read and return ``(ok, message)``; never raises.

        Airflow tests a connection of the form under a throw-away id, so the messages name the
        connection's fields, never its id.
        """
        with self.testing():
            try:
                self._probe()
            except ReleasesApiConnectionError as exc:
                return False, self.redact(f"{exc} {self._unreachable_hint()}")
            except (ReleasesApiError, ValueError) as exc:
                return False, self.redact(str(exc))
            except Exception as exc:
                return False, self.redact(f"{type(exc).__name__}: {exc}")
        return True, f"Connected to {self.service} at {self.base_url}."

    def _unreachable_hint(self) -> str:
        """What to check when the probe got no answer: the URL tried and the field it came from."""
        host = (self.connection.host or "").strip()
        source = (
            f"the Host field {host!r}"
            if host
            else "the default for this connection (the Host field is empty)"
        )
        return (
            f"{self.base_url}, from {source}, must be reachable from the Airflow component that ran "
            "the test: correct the Host field, or check the network, proxy and firewall."
        )
