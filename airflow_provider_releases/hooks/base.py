"""The HTTP core every release hook uses: session, auth, timeouts, retries, errors, pagination."""

from __future__ import annotations

import json as _json
import logging
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any, ClassVar

from airflow.sdk import BaseHook

from airflow_provider_releases.exceptions import (
    DryRunRequest,
    ReleasesApiConnectionError,
    ReleasesApiError,
    ReleasesApiMalformedResponseError,
    ReleasesApiResponseError,
)
from airflow_provider_releases.hooks.answers import describe_body
from airflow_provider_releases.hooks.async_http import AsyncTransport
from airflow_provider_releases.hooks.connection import ConnectionSettings, min_secret_length
from airflow_provider_releases.hooks.http_core import (
    Decision,
    HttpRequest,
    RequestAttempts,
    TransportFailure,
    Vendor,
)
from airflow_provider_releases.hooks.transport import (
    check_timeout,
    describe_request,
    redact_strings,
    requests_failure,
)
from airflow_provider_releases.utils import validation as check
from airflow_provider_releases.utils.clock import SYSTEM_CLOCK, Clock
from airflow_provider_releases.utils.pagination import PagedItems, pages_by_number, pages_by_offset

if TYPE_CHECKING:
    import requests
    from airflow.sdk import Connection
    from typing_extensions import Self

Timeout = float | tuple[float, float]


class ReleasesBaseHook(ConnectionSettings, AsyncTransport, BaseHook):
    """
    Shared HTTP core of the release hooks.

    One ``requests.Session`` per hook instance carries the credentials and is reused for every
    call (keep-alive). Every request has a timeout; connection errors, 429, 502, 503 and 504 are
    retried with exponential backoff and jitter, honouring ``Retry-After`` and the vendor's rate
    limit reset header, within a bounded total wait. A POST, PUT or PATCH that may have reached
    the vendor (read timeout, dropped connection, 5xx) is not sent again. Failures raise
    :class:`~airflow_provider_releases.exceptions.ReleasesApiError` subclasses.

    The rules live in :mod:`~airflow_provider_releases.hooks.http_core`, with no I/O; this class
    sends with ``requests``, and its ``a``-prefixed methods (for triggers) with a shared
    ``httpx.AsyncClient`` (:class:`~airflow_provider_releases.hooks.async_http.AsyncTransport`),
    so both raise the same errors for the same answers. ``await hook.aclose()`` releases the
    async client.

    :param conn_id: the Airflow connection to read credentials and settings from.
    :param timeout: seconds, or ``(connect, read)`` seconds; defaults to the connection's extra
        ``timeout``/``connect_timeout``/``read_timeout``, else 10 s connect and 60 s read.
    :param max_retries: retries after the first attempt (extra ``max_retries``; default 5).
    :param max_retry_wait: the most seconds to wait between attempts of one request, in total
        (extra ``max_retry_wait``; default 120).
    :param dry_run: send GET requests as usual but, instead of any other request, log what would
        be sent (no credentials) and raise
        :class:`~airflow_provider_releases.exceptions.DryRunRequest` carrying it.
    :param clock: what the hook reads time from and waits with between retries (``sleep``, and
        ``asleep`` in the async methods); default :attr:`default_clock`, the system clock.
    """

    conn_name_attr: ClassVar[str]
    default_conn_name: ClassVar[str]
    conn_type: ClassVar[str]
    hook_name: ClassVar[str]
    service: ClassVar[str]
    rate_limit_reset_headers: ClassVar[tuple[str, ...]] = ()
    request_id_headers: ClassVar[tuple[str, ...]] = ("X-Request-Id", "Request-Id", "X-Amzn-RequestId")
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
        super().__init__()
        self.conn_id = conn_id
        self.clock = clock if clock is not None else self.default_clock
        self.dry_run = check.boolean("dry_run", dry_run)
        self._timeout_arg = check_timeout(timeout)
        self._max_retries_arg = (
            None if max_retries is None else check.integer("max_retries", max_retries, minimum=0)
        )
        self._max_retry_wait_arg = (
            None
            if max_retry_wait is None
            else check.number("max_retry_wait", max_retry_wait, minimum=0, maximum=86_400)
        )
        self._connection: Connection | None = None
        self._session: requests.Session | None = None
        self._base_url: str | None = None
        self._secrets: list[str] = []

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

    def _register_secret(self, value: str) -> None:
        """
        Keep ``value`` out of this hook's errors and out of Airflow's logs, unless it is shorter
        than Airflow masks (``[logging] min_length_masked_secret``): replacing every ``m`` of a
        message would garble it and hide nothing.
        """
        if value and len(value) >= min_secret_length() and value not in self._secrets:
            self._secrets.append(value)
            if self._deferred_masks is not None:
                self._deferred_masks.append(value)  # told to Airflow's masker without blocking the loop
                return
            try:
                from airflow.sdk.log import mask_secret

                mask_secret(value)
            except ImportError:  # pragma: no cover - airflow.sdk always ships it on 3.2+
                pass

    def redact(self, text: str) -> str:
        """Return ``text`` with every secret of this hook replaced by ``***``."""
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    # HTTP

    def get_conn(self) -> requests.Session:
        """Return this hook's ``requests.Session``, created on first use with the auth headers."""
        if self._session is None:
            import requests

            session = requests.Session()
            session.headers.update(self._default_headers())
            session.headers.update(self._auth_headers())
            self._session = session
        return self._session

    def close(self) -> None:
        """Close the session and its pooled connections."""
        if self._session is not None:
            self._session.close()
            self._session = None

    def __enter__(self):
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _http_request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        body: Callable[[], Any] | None = None,
        headers: Mapping[str, str] | None = None,
        base_url: str | None = None,
    ) -> HttpRequest:
        """Describe a request to ``path`` of the API (or of ``base_url``) as both transports send it."""
        url = (base_url or self.base_url) + path
        return HttpRequest(method, url, path, params=params, json=json, body=body, headers=headers)

    def _vendor(self, max_retries: int | None = None) -> Vendor:
        """The vendor's rules and this hook's settings, with ``max_retries`` overriding the policy's."""
        policy = self.retry_policy
        if max_retries is not None:
            policy = replace(policy, max_retries=max_retries)
        return Vendor(
            service=self.service,
            policy=policy,
            timeout=self.timeout,
            reset_headers=self.rate_limit_reset_headers,
            request_id_headers=self.request_id_headers,
            redact=self.redact,
        )

    def _send(
        self,
        method: str,
        path: str,
        *,
        op: str,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        body: Callable[[], Any] | None = None,
        headers: Mapping[str, str] | None = None,
        base_url: str | None = None,
        max_retries: int | None = None,
    ) -> requests.Response:
        """
        Send one request with the retry policy and return its successful response.

        :param body: a callable returning a fresh request body (bytes or a file) for each attempt.
        :param max_retries: overrides the policy's retries for this request.
        :raises ReleasesApiError: the request failed; the subclass says how.
        :raises DryRunRequest: the hook is in dry-run mode and ``method`` is not GET; nothing was sent.
        """
        import requests

        session = self.get_conn()
        request = self._http_request(
            method, path, params=params, json=json, body=body, headers=headers, base_url=base_url
        )
        if self.dry_run and method != "GET":
            raise self._dry_run_request(method, request.url, params=params, json=json, body=body)
        attempts = RequestAttempts(request, self._vendor(max_retries), op)
        while True:
            attempts.next_attempt()
            started = self.clock.monotonic()
            data = body() if body is not None else None
            try:
                response = session.request(
                    method, request.url, params=params, json=json, data=data, headers=headers,
                    timeout=attempts.vendor.timeout,
                )  # fmt: skip
            except requests.exceptions.RequestException as exc:
                decision = self._judge_failure(attempts, request, exc, requests_failure(exc), started)
            else:
                decision = self._judge_answer(attempts, request, response, started)
                if decision.action == "return":
                    return response
            finally:
                if data is not None and hasattr(data, "close"):
                    data.close()
            self._log_retry(decision, request, attempts)
            self.clock.sleep(decision.delay)

    def _judge_failure(
        self,
        attempts: RequestAttempts,
        request: HttpRequest,
        exc: Exception,
        failure: TransportFailure,
        started: float,
    ) -> Decision:
        """Log an attempt that got no answer and return the core's decision; raise its error."""
        self._log_attempt(request, type(exc).__name__, started, attempts.attempt)
        decision = attempts.on_failure(failure)
        if decision.error is not None:
            raise decision.error from exc
        return decision

    def _judge_answer(
        self, attempts: RequestAttempts, request: HttpRequest, response: Any, started: float
    ) -> Decision:
        """Log an answered attempt (either transport's response) and return the core's decision;
        raise its error."""
        self._log_attempt(request, str(response.status_code), started, attempts.attempt)
        decision = attempts.on_answer(
            response.status_code, response.headers, lambda: response.text, self.clock.time()
        )
        if decision.error is not None:
            raise decision.error
        return decision

    def _log_attempt(self, request: HttpRequest, outcome: str, started: float, attempt: int) -> None:
        elapsed_ms = (self.clock.monotonic() - started) * 1000
        self.log.debug(
            "%s %s %s -> %s in %.0f ms (attempt %d)",
            self.service, request.method, request.path, outcome, elapsed_ms, attempt,
        )  # fmt: skip

    def _log_retry(self, decision: Decision, request: HttpRequest, attempts: RequestAttempts) -> None:
        self.log.warning(
            "%s %s %s: %s; retrying in %.1f s (attempt %d of %d).",
            self.service, request.method, request.path, decision.cause, decision.delay,
            attempts.attempt + 1, attempts.vendor.policy.max_retries + 1,
        )  # fmt: skip

    def _dry_run_request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None,
        json: Any,
        body: Callable[[], Any] | None,
    ) -> DryRunRequest:
        """Describe (without credentials or file content) and log the request a dry run skips."""
        request = redact_strings(
            describe_request(method, url, params=params, json=json, body=body), self.redact
        )
        self.log.info("Dry run: would send %s", _json.dumps(request, default=str))
        return DryRunRequest(request)

    def _call(self, method: str, path: str, *, op: str, **kwargs: Any) -> Any:
        """Send a request (see :meth:`_send`) and return its JSON body, or ``None`` when empty."""
        response = self._send(method, path, op=op, **kwargs)
        return self._decode(response, op, method, path)

    def _decode(self, response: requests.Response, op: str, method: str, path: str) -> Any:
        if response.status_code == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            pass  # raised below, outside this block: the decode error holds the raw, unredacted body
        raise self.response_error(
            op,
            method,
            path,
            "the response body is not valid JSON",
            response.text,
            response.status_code,
            malformed=True,
        )

    def _unwrap(self, body: Any, key: str, op: str, method: str, path: str) -> Any:
        """Return ``body[key]``, or raise a clear error when the vendor sent another shape."""
        if isinstance(body, dict) and key in body:
            return body[key]
        raise self.response_error(op, method, path, f"expected a JSON object with {key!r}", repr(body))

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
        Build the error for a successful answer whose body is not what the API documents.

        The vendor answered with success, so a request other than GET may have taken effect.

        :param malformed: the body is not valid JSON at all (cut short, or another format), as
            opposed to JSON of another shape.
        """
        cls = ReleasesApiMalformedResponseError if malformed else ReleasesApiResponseError
        return cls(
            service=self.service,
            operation=op,
            method=method,
            path=path,
            status=status,
            cause=cause,
            body_excerpt=describe_body(self.redact(body)),
            may_have_been_applied=method != "GET",
        )

    # Pagination

    def _get_page(self, op: str, path: str) -> Callable[[Mapping[str, Any]], tuple[Any, Mapping[str, str]]]:
        """A function that GETs one page of ``path`` with the given query: ``(body, headers)``."""

        def get(query: Mapping[str, Any]) -> tuple[Any, Mapping[str, str]]:
            response = self._send("GET", path, op=op, params=query)
            return self._decode(response, op, "GET", path), response.headers

        return get

    def _paginate_by_page(self, op: str, path: str, params: Mapping[str, Any], **paging: Any) -> PagedItems:
        """
        Page through a ``page``/``<size_param>`` list, lazily; ``paging`` holds the keyword
        arguments of :func:`~airflow_provider_releases.utils.pagination.pages_by_number`.
        """
        get = self._get_page(op, path)
        return PagedItems(lambda: pages_by_number(get, params, **paging), f"{self.service} {op}")

    def _paginate_by_offset(
        self, op: str, path: str, params: Mapping[str, Any], *, page_size: int = 20
    ) -> PagedItems:
        """Page through a ``limit``/``offset`` list answering ``{"items": [...], "totalCount": N}``."""
        get = self._get_page(op, path)
        items_of = self._items_of(op, path)
        return PagedItems(
            lambda: pages_by_offset(get, params, page_size=page_size, items_of=items_of),
            f"{self.service} {op}",
        )

    def _items_of(self, op: str, path: str) -> Callable[[Any], list[Any]]:
        """Read the ``items`` of a ``limit``/``offset`` list page, or raise a clear error."""
        return lambda body: self._unwrap(body, "items", op, "GET", path)

    # Connection test

    def _probe(self) -> None:
        """Make one cheap authenticated read; raise on failure."""
        raise NotImplementedError

    def test_connection(self) -> tuple[bool, str]:
        """
        Make one cheap authenticated read and return ``(ok, message)``; never raises.

        Airflow tests a connection of the form under a throw-away id, so the messages name the
        connection's fields, never its id.
        """
        self._testing_connection = True
        try:
            self._probe()
        except ReleasesApiConnectionError as exc:
            return False, self.redact(f"{exc} {self._unreachable_hint()}")
        except (ReleasesApiError, ValueError) as exc:
            return False, self.redact(str(exc))
        except Exception as exc:
            return False, self.redact(f"{type(exc).__name__}: {exc}")
        finally:
            self._testing_connection = False
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
