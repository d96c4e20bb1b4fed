"""The sandbox application: mounts the four services, keeps the journal, injects faults."""

from __future__ import annotations

import json
import math
import re
import threading
import time
from dataclasses import asdict, dataclass, field, fields
from email.utils import formatdate
from http import HTTPStatus
from typing import Any

from airflow_provider_releases_sandbox.controls import Action, ActionTable, ControlArgumentError
from airflow_provider_releases_sandbox.core import ApiError, Backend, BadRequestBody, Reply, Request
from airflow_provider_releases_sandbox.state_file import StateFile
from airflow_provider_releases_sandbox.web import HTML, render

SERVICES = ("amplitude", "launchdarkly", "aha", "cryptlex")
CONTROL_PREFIX = "/_sandbox"
FAULT_KINDS = ("rate_limit", "error", "reject", "delay", "drop", "malformed", "html")
LIMIT_HEADERS = ("vendor", "retry-after", "retry-after-date", "reset")
# What nginx answers when the upstream fails: the page a proxy in front of an API shows.
PROXY_PAGE = (
    "<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n"
    "<center><h1>{status} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)
_SECRET_HEADERS = ("authorization", "cookie", "x-api-key")
_JOURNAL_BODY_LIMIT = 64 * 1024


@dataclass
class RecordedRequest:
    """One request the sandbox answered, as the journal keeps it (secrets redacted)."""

    service: str
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any  # parsed JSON, text, or {"bytes": n} for binary bodies
    status: int | None  # None while unanswered, or when the connection was dropped

    def as_dict(self) -> dict[str, Any]:
        """The entry as a JSON-able dict."""
        return asdict(self)

    def __getitem__(self, field_name: str) -> Any:
        """``entry["path"]`` reads as ``entry.path``: journal entries read like the JSON they travel as."""
        if field_name not in self.__dataclass_fields__:
            raise KeyError(field_name)
        return getattr(self, field_name)


@dataclass
class Fault:
    """A fault the next ``count`` matching requests meet."""

    service: str
    kind: str
    count: int = 1
    method: str | None = None
    path: str | None = None  # a regular expression matched against the whole service path
    status: int | None = None
    retry_after: float | None = None
    delay: float | None = None
    plain_retry_after: bool = False
    message: str | None = None
    limit_headers: str = "vendor"
    pattern: re.Pattern[str] | None = field(default=None, repr=False, init=False)

    def check(self, *, resets: bool) -> None:
        """
        Check the fault's values and put them in the form :meth:`matches` reads.

        :param resets: whether the service sends a rate-limit reset header.
        :raises ValueError: a value the fault's kind does not take, naming it and what is accepted.
        """
        kind, status = self.kind, self.status
        if kind not in FAULT_KINDS:
            raise ValueError(f"kind={kind!r} is unknown: expected one of {FAULT_KINDS}")
        if kind in ("error", "html") and status not in (None, 500, 502, 503, 504):
            raise ValueError(f"status={status!r} is not a server error: expected 500, 502, 503 or 504")
        if kind == "reject" and not (status is None or (isinstance(status, int) and 400 <= status < 500)):
            raise ValueError(f"status={status!r} is not a client error: expected 400-499 (not 429)")
        if kind == "reject" and status == 429:
            raise ValueError("status=429 is a rate limit: inject kind='rate_limit' instead")
        if not isinstance(self.count, int) or self.count < 1:
            raise ValueError(f"count={self.count!r} must be a positive integer")
        if self.plain_retry_after:
            self.limit_headers = "retry-after"
        if self.limit_headers not in LIMIT_HEADERS:
            raise ValueError(
                f"limit_headers={self.limit_headers!r} is unknown: expected one of {LIMIT_HEADERS}"
            )
        if kind == "rate_limit" and self.limit_headers == "reset" and not resets:
            raise ValueError(f"{self.service} sends no rate-limit reset header: use another limit_headers")
        self.method = self.method.upper() if self.method else None
        self.plain_retry_after = bool(self.plain_retry_after)
        if self.path:
            try:
                self.pattern = re.compile(self.path)
            except re.error as exc:
                raise ValueError(f"path={self.path!r} is not a regular expression: {exc}") from None

    def matches(self, service: str, method: str, path: str) -> bool:
        """Whether the fault still applies and ``method path`` of ``service`` meets it."""
        if self.count <= 0 or service != self.service:
            return False
        if self.method and self.method != method:
            return False
        return self.pattern is None or bool(self.pattern.fullmatch(path))


FAULT_OPTIONS = tuple(f.name for f in fields(Fault) if f.init and f.name not in ("service", "kind"))
"""The options ``inject_fault`` takes besides ``service`` and ``kind``."""


@dataclass
class Outcome:
    """What the HTTP layer writes: a response, or nothing (drop the connection)."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False


class SandboxApp:
    """
    Route each request to its service, record it, and apply the faults injected for it.

    A request to ``/<mount>/<service path>`` goes to the mounted backend (a ``GET`` of one of
    its web pages is answered with HTML, without credentials, journal or faults);
    ``/_sandbox/<action>`` is the control API. All state changes happen under one lock, so the
    services behave as if requests arrived one at a time. With ``state_file``, the services'
    objects are read from it when it exists and written to it after every change
    (:class:`~airflow_provider_releases_sandbox.state_file.StateFile`).

    :raises ValueError: a seed or a state file the services cannot take.
    """

    def __init__(self, seed: dict[str, Any] | None = None, state_file: str | None = None) -> None:
        self.backends: dict[str, Backend] = build_backends(seed or {})
        self.store = StateFile(state_file) if state_file else None
        if self.store is not None:
            self.store.load_or_create(self.backends)
        self.mounts: dict[str, tuple[Backend, str]] = {name: (self.backends[name], "") for name in SERVICES}
        # Cryptlex uploads release files to a host of their own.
        self.mounts["cryptlex-releases"] = (self.backends["cryptlex"], "/files")
        self.lock = threading.RLock()
        self.journal: list[RecordedRequest] = []
        self.faults: list[Fault] = []
        self.generation = 0  # bumped by reset(): answers begun before it are dropped
        self.in_flight = 0
        self.actions = ActionTable(self._actions())

    def _actions(self) -> list[Action]:
        """The control actions: the app's own, then each service's."""
        actions = [
            Action("reset", self.reset),
            Action("inject_fault", self.inject_fault, options=FAULT_OPTIONS),
            Action("clear_faults", self.clear_faults),
            Action("requests", self.recorded),
            Action("clear_requests", self.clear_requests),
            Action("wait_idle", self.wait_idle),
            Action("state", self.state),
        ]
        for backend in self.backends.values():
            for name, attr in backend.controls.items():
                if name == "state":
                    continue
                if any(action.name == name for action in actions):
                    raise ValueError(f"two services have a control action named {name!r}")
                actions.append(Action(name, getattr(backend, attr), locked=True))
        return actions

    # Control actions, shared by the in-process object and the HTTP control API

    def reset(self) -> None:
        """Put every service back to its seed and clear the journal and the faults."""
        with self.lock:
            for backend in self.backends.values():
                backend.reset()
            self.generation += 1
            self.journal.clear()
            self.faults.clear()

    def inject_fault(self, service: str, kind: str, **options: Any) -> dict[str, Any]:
        """
        Make the next requests to ``service`` fail as ``kind`` says (``rate_limit``, ``error``,
        ``reject``, ``delay``, ``drop``, ``malformed``, ``html``). The options and what each kind
        does are documented once, on
        :meth:`~airflow_provider_releases_sandbox.server.SandboxControls.inject_fault`.

        :raises ValueError: an unknown service or kind, or a value a kind does not take (an
            unknown option is refused by the control action, which lists :data:`FAULT_OPTIONS`).
        """
        if service not in self.mounts:
            raise ValueError(f"service={service!r} is unknown: expected one of {sorted(self.mounts)}")
        fault = Fault(service, kind, **options)
        fault.check(resets=bool(_reset_headers(self.mounts[service][0].rate_limit_headers(1))))
        with self.lock:
            self.faults.append(fault)
        return {"service": service, "kind": kind, "count": fault.count}

    def clear_faults(self) -> None:
        """Drop every fault not yet met."""
        with self.lock:
            self.faults.clear()

    def recorded(
        self, service: str | None = None, method: str | None = None, path: str | None = None
    ) -> list[dict[str, Any]]:
        """
        The journal, oldest first, as JSON-able dicts: every request, or only those to
        ``service``, with HTTP ``method`` (any case) and with exactly this service ``path``.

        :raises ValueError: an unknown service.
        """
        if service is not None and service not in self.mounts:
            raise ValueError(f"service={service!r} is unknown: expected one of {sorted(self.mounts)}")
        method = method.upper() if method else None
        with self.lock:
            return [
                entry.as_dict()
                for entry in self.journal
                if (service is None or entry.service == service)
                and (method is None or entry.method == method)
                and (path is None or entry.path == path)
            ]

    def clear_requests(self) -> None:
        """Empty the journal."""
        with self.lock:
            self.journal.clear()

    def state(self, service: str) -> Any:
        """
        A JSON summary of what exists in ``service`` now (releases, phases, files...).

        :raises ValueError: an unknown service.
        """
        backend = self.backends.get(service)
        if backend is None:
            raise ValueError(f"service={service!r} is unknown: expected one of {list(self.backends)}")
        with self.lock:
            return getattr(backend, backend.controls["state"])()

    def control(self, action: str, arguments: dict[str, Any]) -> Any:
        """
        Run a control action by its name (see :meth:`_actions`).

        :raises ValueError: an unknown action (the message lists them).
        :raises ControlArgumentError: an argument the action does not take, or a required one
            missing (the message lists the arguments it takes); a ``TypeError`` and a ``ValueError``.
        """
        found = self.actions.find(action)
        if not found.locked:
            result = found.call(arguments)
        else:
            with self.lock:
                result = found.call(arguments)
        self._save()
        return result

    def _save(self) -> None:
        """Write the services' objects to the state file, if there is one and they changed."""
        if self.store is not None:
            with self.lock:
                self.store.save(self.backends)

    # Requests

    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Outcome:
        """Answer one HTTP request (``target`` is the path with its query string)."""
        from urllib.parse import parse_qs, unquote, urlsplit

        parts = urlsplit(target)
        query_lists = parse_qs(parts.query, keep_blank_values=True)
        query = {key: values[-1] for key, values in query_lists.items()}
        raw_path = parts.path
        if raw_path.startswith(CONTROL_PREFIX + "/"):
            return self._handle_control(method, raw_path[len(CONTROL_PREFIX) + 1 :], body)
        mount_name, _, rest = raw_path.lstrip("/").partition("/")
        mount = self.mounts.get(mount_name)
        if mount is None:
            return _json_outcome(
                404, {"message": f"no sandboxed service at /{mount_name}", "code": "not_found"}
            )
        backend, prefix = mount
        path = "/" + unquote(rest)
        page = backend.match_page(path) if method == "GET" and not prefix else None
        if page is not None:
            handler, arguments = page
            with self.lock:
                shown = handler(Request(method, path, query, headers, body, query_lists), **arguments)
            return Outcome(shown.status, render(shown), {"Content-Type": HTML})
        request = Request(method, prefix + path, query, headers, body, query_lists)
        entry = RecordedRequest(
            mount_name, method, path, query, _redacted_headers(headers, backend), _journal_body(body), None
        )
        with self.lock:
            self.journal.append(entry)  # on arrival, so a client that gave up still finds it
            generation = self.generation
            self.in_flight += 1
        try:
            fault = self._take_fault(mount_name, method, path)
            if fault is not None and fault.kind == "delay":
                time.sleep(fault.delay or 1.0)
                fault = None
            with self.lock:
                if generation != self.generation:
                    return Outcome(drop=True)  # the sandbox was reset while this request waited
                outcome = self._answer(backend, request, fault)
                entry.status = None if outcome.drop else outcome.status
                self._save()
            return outcome
        finally:
            with self.lock:
                self.in_flight -= 1

    def wait_idle(self, timeout: float = 10.0) -> int:
        """Wait until no request is being answered (a delayed one, say); return how many still are."""
        deadline = time.monotonic() + timeout
        while self.in_flight and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.in_flight

    def _take_fault(self, service: str, method: str, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.matches(service, method, path):
                    fault.count -= 1
                    if fault.count == 0:
                        self.faults.remove(fault)
                    return fault
        return None

    def _answer(self, backend: Backend, request: Request, fault: Fault | None) -> Outcome:
        if fault is not None and fault.kind == "drop":
            return Outcome(drop=True)
        try:
            backend.check_auth(request)
            if fault is not None and fault.kind != "malformed":
                return _fault_outcome(backend, fault)
            found = backend.match(request.method, request.path)
            if found is None:
                if backend.allows_path(request.path):
                    raise backend.error(405, f"{request.method} is not allowed on {request.path}")
                raise backend.error(404, f"no such resource: {request.path}", "not_found")
            handler, arguments = found
            try:
                result = handler(request, **arguments)
            except BadRequestBody as exc:
                raise backend.error(400, str(exc), "invalid_request") from None
        except ApiError as error:
            return _json_outcome(error.status, error.body, error.headers)
        outcome = (
            _json_outcome(result.status, result.body, result.headers)
            if isinstance(result, Reply)
            else _json_outcome(200, result)
        )
        if fault is not None and fault.kind == "malformed" and outcome.status < 300:
            # The change was made; only the answer is cut short on its way back.
            return Outcome(200, b'{"id": "truncated', {"Content-Type": "application/json"})
        return outcome

    def _handle_control(self, method: str, action: str, body: bytes) -> Outcome:
        action = action.strip("/")
        if method == "GET" and not action:
            return _json_outcome(200, {"actions": self.actions.describe()})
        if method != "POST":
            return _json_outcome(
                405,
                {"error": "control actions are POSTs with a JSON object body; GET /_sandbox/ lists them"},
            )
        try:
            arguments = json.loads(body) if body else {}
            if not isinstance(arguments, dict):
                raise ValueError("the body must be a JSON object of the action's arguments")
            result = self.control(action, arguments)
        except ControlArgumentError as exc:
            required, optional = self.actions.find(action).arguments()
            return _json_outcome(400, {"error": str(exc), "required": required, "optional": optional})
        except (ValueError, TypeError) as exc:
            return _json_outcome(400, {"error": str(exc)})
        return _json_outcome(200, {"result": result})


def build_backends(seed: dict[str, Any]) -> dict[str, Backend]:
    """One backend per service, each from its part of ``seed`` (or its default seed)."""
    from airflow_provider_releases_sandbox.aha import AhaBackend
    from airflow_provider_releases_sandbox.amplitude import AmplitudeBackend
    from airflow_provider_releases_sandbox.cryptlex import CryptlexBackend
    from airflow_provider_releases_sandbox.launchdarkly import LaunchDarklyBackend

    unknown = set(seed) - set(SERVICES)
    if unknown:
        raise ValueError(f"seed names unknown services {sorted(unknown)}: expected some of {list(SERVICES)}")
    classes = (AmplitudeBackend, LaunchDarklyBackend, AhaBackend, CryptlexBackend)
    return {cls.name: cls(seed.get(cls.name)) for cls in classes}


def _fault_outcome(backend: Backend, fault: Fault) -> Outcome:
    if fault.kind == "rate_limit":
        seconds = 1.0 if fault.retry_after is None else fault.retry_after
        error = backend.error(429, "Too many requests: rate limit exceeded", "rate_limited")
        return _json_outcome(429, error.body, _limit_headers(backend, fault.limit_headers, seconds))
    if fault.kind == "error":
        status = fault.status or 503
        error = backend.error(status, f"Sandbox-injected server error {status}", "internal_server_error")
        return _json_outcome(status, error.body)
    if fault.kind == "reject":
        status = fault.status or 400
        error = backend.error(
            status, fault.message or f"Sandbox-injected client error {status}", "invalid_request"
        )
        return _json_outcome(status, error.body)
    if fault.kind == "html":
        status = fault.status or 502
        page = PROXY_PAGE.format(status=status, reason=HTTPStatus(status).phrase)
        return Outcome(status, page.encode(), {"Content-Type": "text/html"})
    raise ValueError(f"fault kind {fault.kind!r} has no outcome of its own")


def _limit_headers(backend: Backend, form: str, seconds: float) -> dict[str, str]:
    """The headers of a 429 asking to wait ``seconds``, in the ``form`` of :data:`LIMIT_HEADERS`."""
    if form == "retry-after":
        return {"Retry-After": str(max(0, round(seconds)))}
    if form == "retry-after-date":
        return {"Retry-After": formatdate(math.ceil(time.time() + seconds), usegmt=True)}
    headers = backend.rate_limit_headers(seconds)
    return _reset_headers(headers) if form == "reset" else headers


def _reset_headers(headers: dict[str, str]) -> dict[str, str]:
    """Only the ``*-Reset`` headers of ``headers``."""
    return {name: value for name, value in headers.items() if name.lower().endswith("-reset")}


def _json_outcome(status: int, body: Any, headers: dict[str, str] | None = None) -> Outcome:
    headers = dict(headers or {})
    if body is None:
        return Outcome(status, b"", headers)
    if isinstance(body, bytes):
        headers.setdefault("Content-Type", "application/octet-stream")
        return Outcome(status, body, headers)
    if isinstance(body, str):
        headers.setdefault("Content-Type", "text/plain; charset=utf-8")
        return Outcome(status, body.encode(), headers)
    headers.setdefault("Content-Type", "application/json")
    return Outcome(status, json.dumps(body).encode(), headers)


def _redacted_headers(headers: dict[str, str], backend: Backend) -> dict[str, str]:
    redacted = {}
    for name, value in headers.items():
        if name in _SECRET_HEADERS:
            scheme, _, credential = value.partition(" ")
            value = f"{scheme} ***" if credential and scheme.lower() in ("basic", "bearer") else "***"
        for secret in backend.secrets():
            value = value.replace(secret, "***")
        redacted[name] = value
    return redacted


def _journal_body(body: bytes) -> Any:
    if not body:
        return None
    if len(body) > _JOURNAL_BODY_LIMIT:
        return {"bytes": len(body)}
    try:
        return json.loads(body)
    except (UnicodeDecodeError, ValueError):
        pass
    try:
        return body.decode()
    except UnicodeDecodeError:
        return {"bytes": len(body)}
