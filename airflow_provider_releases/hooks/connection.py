"""Reading a release hook's Airflow connection: base URL, region, extras, timeouts, retries."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlsplit

from airflow_provider_releases.exceptions import ConnectionConfigError
from airflow_provider_releases.utils.retry import RetryPolicy

if TYPE_CHECKING:
    from airflow.sdk import Connection

_HOST_NAME = re.compile(
    r"[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?(\.[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?)*\.?"
)
_HOST_FORM = "a URL such as 'https://example.com' (http or https, a host name, an optional port and path)"


def min_secret_length() -> int:
    """
    The shortest secret Airflow masks (``[logging] min_length_masked_secret``, default 5): a
    shorter one would mask every occurrence of its letters in ordinary words.
    """
    try:
        from airflow.sdk.configuration import conf
    except ImportError:  # pragma: no cover - airflow.sdk.configuration ships with Airflow 3.2+
        from airflow.configuration import conf
    return conf.getint("logging", "min_length_masked_secret", fallback=5)


def valid_host_url(url: str) -> bool:
    """Whether ``url`` is an http(s) URL with a well-formed host name or IP address and port."""
    parts = urlsplit(url)
    try:
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        return False
    host = parts.hostname or ""
    if not port_ok or parts.scheme not in ("http", "https") or not host or any(c.isspace() for c in url):
        return False
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return _HOST_NAME.fullmatch(host) is not None
    return True


class ConnectionSettings:
    """
    The settings a release hook reads from its Airflow connection, once per hook.

    The base of :class:`~airflow_provider_releases.hooks.base.ReleasesBaseHook`, whose Airflow
    ``BaseHook`` provides ``get_connection`` and ``aget_connection``.

    :param timeout: ``(connect, read)`` seconds overriding the connection's extras.
    :param max_retries: overrides the extra ``max_retries``.
    :param max_retry_wait: overrides the extra ``max_retry_wait``.
    """

    conn_type: ClassVar[str]
    service: ClassVar[str]
    default_timeout: ClassVar[tuple[float, float]] = (10.0, 60.0)

    def __init__(
        self,
        conn_id: str,
        *,
        timeout: tuple[float, float] | None,
        max_retries: int | None,
        max_retry_wait: float | None,
    ) -> None:
        super().__init__()
        self.conn_id = conn_id
        self._timeout_arg = timeout
        self._max_retries_arg = max_retries
        self._max_retry_wait_arg = max_retry_wait
        self._connection: Connection | None = None
        self._base_url: str | None = None
        self._testing_connection = False

    @contextmanager
    def testing(self) -> Iterator[None]:
        """
        Name the connection by its fields only inside the block: Airflow tests a connection form
        under a throw-away id (the form is not saved yet).
        """
        self._testing_connection = True
        try:
            yield
        finally:
            self._testing_connection = False

    @property
    def connection_label(self) -> str:
        """How messages name the connection: ``Connection '<id>'``, or ``The connection`` under test."""
        return "The connection" if self._testing_connection else f"Connection {self.conn_id!r}"

    @property
    def connection(self) -> Connection:
        """The Airflow connection, read once per hook instance."""
        if self._connection is None:
            self._connection = self.get_connection(self.conn_id)
        return self._connection

    async def aload_connection(self) -> Connection:
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

    def extra(self, name: str, default: Any = None) -> Any:
        """Return the connection's extra field ``name`` (plain or ``extra__<type>__`` prefixed)."""
        extras = self.connection.extra_dejson or {}
        for key in (name, f"extra__{self.conn_type}__{name}"):
            value = extras.get(key)
            if value not in (None, ""):
                return value
        return default

    def _extra_number(self, name: str) -> float | None:
        value = self.extra(name)
        if value is None:
            return None
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = float("nan")
        valid, accepted = (
            (number >= 0, "a number >= 0") if name == "max_retries" else (number > 0, "a number > 0")
        )
        if not valid:
            raise ConnectionConfigError(
                f"{self.connection_label}: extra {name}={value!r} is invalid: expected {accepted}."
            )
        return number

    @cached_property
    def timeout(self) -> tuple[float, float]:
        """The ``(connect, read)`` timeout in seconds sent with every request."""
        if self._timeout_arg is not None:
            return self._timeout_arg
        both = self._extra_number("timeout")
        connect, read = (both, both) if both is not None else self.default_timeout
        connect = self._extra_number("connect_timeout") or connect
        read = self._extra_number("read_timeout") or read
        return (connect, read)

    @cached_property
    def retry_policy(self) -> RetryPolicy:
        """The retry policy for this hook's requests."""
        retries = self._max_retries_arg
        if retries is None:
            extra_retries = self._extra_number("max_retries")
            retries = int(extra_retries) if extra_retries is not None else RetryPolicy.max_retries
        wait = self._max_retry_wait_arg
        if wait is None:
            wait = self._extra_number("max_retry_wait") or RetryPolicy.max_total_wait
        return RetryPolicy(max_retries=retries, max_total_wait=wait)

    def _required(self, field: str, label: str) -> str:
        value = getattr(self.connection, field, None)
        if not value:
            raise ConnectionConfigError(
                f"{self.connection_label} ({self.service}) has no {field}: set the {label} there."
            )
        return value

    def host_url(self) -> str | None:
        """The connection's host as a base URL (``https://`` unless a scheme is given), or ``None``."""
        conn = self.connection
        host = (conn.host or "").strip()
        if not host:
            return None
        if "://" not in host:
            scheme = conn.schema if conn.schema in ("http", "https") else "https"
            host = f"{scheme}://{host}"
        host = host.rstrip("/") if urlsplit(host).netloc else host
        if not valid_host_url(host):
            raise ConnectionConfigError(
                f"{self.connection_label} ({self.service}): Host field {conn.host!r} is invalid: expected "
                f"{_HOST_FORM}, or a host name such as 'example.com'; correct the Host field or leave it "
                "empty for the default URL."
            )
        parts = urlsplit(host)
        if conn.port and parts.port is None:
            host = f"{parts.scheme}://{parts.netloc}:{conn.port}{parts.path}"
        return host

    def region_url(self, extra_name: str, urls: Mapping[str, str], default: str) -> str:
        """Return ``urls[extra]`` for the connection's region-like extra, checking its value."""
        value = str(self.extra(extra_name, default)).strip().lower()
        if value not in urls:
            raise ConnectionConfigError(
                f"{self.connection_label}: extra {extra_name}={value!r} is invalid: expected one of "
                + ", ".join(repr(key) for key in urls)
                + "."
            )
        return urls[value]

    @property
    def base_url(self) -> str:
        """The API base URL, from the host override or the connection's region."""
        if self._base_url is None:
            self._base_url = self._resolve_base_url().rstrip("/")
        return self._base_url

    def _resolve_base_url(self) -> str:
        raise NotImplementedError
