"""The pieces every emulated service is built from: requests, replies, errors, routes, paging."""

from __future__ import annotations

import json
import math
import re
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import MISSING, dataclass, field, fields
from importlib import resources
from typing import Any, ClassVar, TypeVar

Handler = Callable[..., Any]


class ApiError(Exception):
    """An error reply: the status, the vendor-shaped body and any extra headers."""

    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        super().__init__(f"HTTP {status}: {body!r}")
        self.status = status
        self.body = body
        self.headers = headers or {}


class BadRequestBody(Exception):
    """The request body is not the JSON the route needs."""


@dataclass
class Request:
    """One request as a route handler sees it; ``path`` is relative to the service's mount."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: bytes = b""
    query_lists: dict[str, list[str]] = field(default_factory=dict)

    def header(self, name: str, default: str | None = None) -> str | None:
        """The value of header ``name`` (any case), else ``default``."""
        return self.headers.get(name.lower(), default)

    def json(self) -> Any:
        """The body parsed as JSON, or :class:`BadRequestBody`."""
        if not self.body:
            raise BadRequestBody("the request has no body; a JSON body is required")
        try:
            return json.loads(self.body)
        except (UnicodeDecodeError, ValueError) as exc:
            raise BadRequestBody(f"the request body is not valid JSON ({exc})") from None

    def json_object(self) -> dict[str, Any]:
        """The body parsed as a JSON object, or :class:`BadRequestBody`."""
        body = self.json()
        if not isinstance(body, dict):
            raise BadRequestBody("the request body must be a JSON object")
        return body


@dataclass
class Reply:
    """A reply with a status other than 200, a raw body, or extra headers."""

    status: int = 200
    body: Any = None  # JSON-able, bytes, or None for no body
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Route:
    """One route of a backend: ``method``, the compiled path ``template`` and the handler's name."""

    method: str
    pattern: re.Pattern[str]
    template: str
    handler_name: str


def route(method: str, template: str) -> Callable[[Handler], Handler]:
    """Declare a backend method as the handler of ``method template`` (``{name}`` = one segment)."""

    def mark(handler: Handler) -> Handler:
        handler.__dict__.setdefault("_routes", []).append((method, template))
        return handler

    return mark


def page(template: str) -> Callable[[Handler], Handler]:
    """
    Declare a backend method as a page of the vendor's web app at ``GET template``.

    Pages are what an extra link opens in a browser: read-only HTML, served without credentials
    (the vendor's app has a login of its own), outside the journal and the injected faults. The
    handler receives the :class:`Request` and the path's named segments and returns a
    :class:`~airflow_provider_releases_sandbox.web.Page`.
    """

    def mark(handler: Handler) -> Handler:
        handler.__dict__.setdefault("_pages", []).append(template)
        return handler

    return mark


def control(name: str) -> Callable[[Handler], Handler]:
    """
    Declare a backend method as a control action of the sandbox, called as ``name`` (the
    name of the Python method of :class:`~airflow_provider_releases_sandbox.server.SandboxControls`
    that calls it).
    """

    def mark(handler: Handler) -> Handler:
        handler.__dict__["_control"] = name
        return handler

    return mark


def _compile(template: str) -> re.Pattern[str]:
    regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
    return re.compile(f"^{regex}$")


RecordT = TypeVar("RecordT", bound="Record")


def camel(name: str) -> str:
    """``created_at`` -> ``createdAt``: a field's name on the wire."""
    first, *rest = name.split("_")
    return first + "".join(part.title() for part in rest)


def to_json(value: Any) -> Any:
    """``value`` as JSON: records in their wire form, inside dicts and lists too."""
    if isinstance(value, Record):
        return value.to_json()
    if isinstance(value, dict):
        return {key: to_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [to_json(item) for item in value]
    return value


class Record:
    """
    A typed object of a service's state (a dataclass), answered as the vendor's JSON: each
    field under its camelCase name. Subclasses holding records set :attr:`nested`.
    """

    #: The fields holding a record or a list of records, and the records' class.
    nested: ClassVar[dict[str, type[Record]]] = {}
    #: The fields holding a dict of records (keyed by their ids), and the records' class.
    nested_maps: ClassVar[dict[str, type[Record]]] = {}
    #: A field's name on the wire: camelCase, or as it is for a vendor that writes snake_case.
    wire_name: ClassVar[Callable[[str], str]] = staticmethod(camel)
    #: The fields whose wire name is not :attr:`wire_name`'s (such as LaunchDarkly's ``_id``).
    wire_names: ClassVar[dict[str, str]] = {}
    #: The fields the JSON leaves out while they are ``None``.
    omitted_when_none: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def wire(cls, name: str) -> str:
        """The field ``name``'s name on the wire."""
        return cls.wire_names.get(name) or cls.wire_name(name)

    def to_json(self) -> dict[str, Any]:
        """The vendor's JSON of the record (a new dict)."""
        return {
            self.wire(item.name): to_json(getattr(self, item.name))
            for item in fields(self)
            if item.name not in self.omitted_when_none or getattr(self, item.name) is not None
        }

    @classmethod
    def from_json(cls: type[RecordT], data: dict[str, Any]) -> RecordT:
        """The record of JSON ``data`` (as :meth:`to_json` gives it); a field it lacks takes its default."""
        values = {}
        for item in fields(cls):
            if cls.wire(item.name) not in data and (
                item.default is not MISSING or item.default_factory is not MISSING
            ):
                continue  # left out while None, or added since the data was saved: its default
            value = data[cls.wire(item.name)]
            kind = cls.nested.get(item.name)
            if kind is not None and value is not None:
                value = (
                    [kind.from_json(entry) for entry in value]
                    if isinstance(value, list)
                    else kind.from_json(value)
                )
            kind = cls.nested_maps.get(item.name)
            if kind is not None:
                value = {key: kind.from_json(entry) for key, entry in value.items()}
            values[item.name] = value
        return cls(**values)


class Model:
    """
    One emulated service's state and the vendor's rules about it, without HTTP (moto's backend
    models): the service's :class:`Backend` holds one and answers requests with it.

    Subclasses set ``name``, ``default_seed`` and ``state_fields``, and implement :meth:`load`
    (state from a seed) and :meth:`error` (the vendor's error body); they raise
    :class:`ApiError` (usually through :meth:`error`) when a rule is broken.
    """

    name: ClassVar[str]
    default_seed: ClassVar[dict[str, Any]] = {}
    #: The attributes holding what the service's objects are now (what requests change), which
    #: :meth:`snapshot` saves; the others are settings the seed gives at every start.
    state_fields: ClassVar[tuple[str, ...]] = ()

    def __init__(self, seed: dict[str, Any] | None = None) -> None:
        self.seed = seed if seed is not None else self.default_seed
        self.reset()

    def reset(self) -> None:
        """Forget everything done since the start: state back to the seed."""
        self.load(json_copy(self.seed))

    def load(self, seed: dict[str, Any]) -> None:
        """Build the service's state from ``seed`` (a deep copy, the model's to keep)."""
        raise NotImplementedError

    def snapshot(self) -> dict[str, Any]:
        """The service's objects now (its :attr:`state_fields`), JSON-able, as a state file keeps them."""
        return {name: to_json(getattr(self, name)) for name in self.state_fields}

    def restore(self, snapshot: dict[str, Any]) -> None:
        """
        Make the service's objects those of ``snapshot`` (from :meth:`snapshot`); settings stay.

        :raises ValueError: ``snapshot`` is not an object holding every one of :attr:`state_fields`.
        """
        missing = [name for name in self.state_fields if name not in (snapshot or {})]
        if not isinstance(snapshot, dict) or missing:
            raise ValueError(f"the saved {self.name} state lacks {missing or list(self.state_fields)}")
        for name in self.state_fields:
            setattr(self, name, self.from_snapshot(name, json_copy(snapshot[name])))

    def from_snapshot(self, name: str, value: Any) -> Any:
        """The state field ``name`` of its JSON ``value`` in a snapshot (records rebuilt)."""
        return value

    def error(self, status: int, message: str, code: str | None = None) -> ApiError:
        """Return an :class:`ApiError` with the service's error body shape."""
        raise NotImplementedError

    def secrets(self) -> list[str]:
        """The credentials the journal must never show."""
        return []


class Backend:
    """
    One emulated service over HTTP: the routes, web pages and control actions in front of the
    :class:`Model` it holds as :attr:`model` (moto's responses in front of its backend).

    Subclasses set ``model_class``, implement :meth:`check_auth` and :meth:`connection`, and mark
    handler methods with :func:`route`, web pages with :func:`page` and control actions with
    :func:`control`. Handlers receive the :class:`Request` and the path's named segments and
    return a JSON-able body (200), a :class:`Reply`, or raise :class:`ApiError`.
    """

    model_class: ClassVar[type[Model]]
    name: ClassVar[str]
    routes: ClassVar[list[Route]]
    pages: ClassVar[list[Route]]
    controls: ClassVar[dict[str, str]]  # each control's name -> the method's name

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if hasattr(cls, "model_class"):
            cls.name = cls.model_class.name
        cls.routes, cls.pages, cls.controls = [], [], {}
        for klass in reversed(cls.__mro__):
            for attr, value in vars(klass).items():
                for method, template in getattr(value, "_routes", ()):
                    cls.routes.append(Route(method, _compile(template), template, attr))
                for template in getattr(value, "_pages", ()):
                    cls.pages.append(Route("GET", _compile(template), template, attr))
                if hasattr(value, "_control"):
                    cls.controls[value._control] = attr

    def __init__(self, seed: dict[str, Any] | None = None) -> None:
        self.model = self.model_class(seed)

    def reset(self) -> None:
        """Put the model back to its seed."""
        self.model.reset()

    def snapshot(self) -> dict[str, Any]:
        """The model's objects now (see :meth:`Model.snapshot`)."""
        return self.model.snapshot()

    def restore(self, snapshot: dict[str, Any]) -> None:
        """Make the model's objects those of ``snapshot`` (see :meth:`Model.restore`)."""
        self.model.restore(snapshot)

    def error(self, status: int, message: str, code: str | None = None) -> ApiError:
        """The model's vendor-shaped :class:`ApiError`."""
        return self.model.error(status, message, code)

    def secrets(self) -> list[str]:
        """The credentials the journal must never show."""
        return self.model.secrets()

    def check_auth(self, request: Request) -> None:
        """Raise the service's 401/403 :class:`ApiError` unless the request is authenticated."""
        raise NotImplementedError

    def connection(self, url: Callable[[str], str]) -> dict[str, Any]:
        """The Airflow connection (JSON form) that points the service's hook at this sandbox."""
        raise NotImplementedError

    def rate_limit_headers(self, seconds: float) -> dict[str, str]:
        """The headers of a 429 that asks to wait ``seconds`` (default: ``Retry-After``)."""
        return {"Retry-After": str(max(0, round(seconds)))}

    def match(self, method: str, path: str) -> tuple[Handler, dict[str, str]] | None:
        """Return the handler and path arguments of ``method path``, or ``None`` (404)."""
        for candidate in self.routes:
            if candidate.method == method:
                found = candidate.pattern.match(path)
                if found:
                    return getattr(self, candidate.handler_name), found.groupdict()
        return None

    def match_page(self, path: str) -> tuple[Handler, dict[str, str]] | None:
        """Return the handler and path arguments of the web page at ``path``, or ``None``."""
        for candidate in self.pages:
            found = candidate.pattern.match(path)
            if found:
                return getattr(self, candidate.handler_name), found.groupdict()
        return None

    def allows_path(self, path: str) -> bool:
        """Whether any route (of any method) serves ``path``: a 405 rather than a 404."""
        return any(candidate.pattern.match(path) for candidate in self.routes)


# Helpers the backends share


def json_copy(value: Any) -> Any:
    """A deep copy of a JSON-able value."""
    return json.loads(json.dumps(value))


def load_seed(package: str) -> dict[str, Any]:
    """The default seed a service package ships as data: its ``seed.json``."""
    return json.loads(resources.files(package).joinpath("seed.json").read_text(encoding="utf-8"))


def bearer_token(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header (any case of ``Bearer``), else ``None``."""
    scheme, _, token = (request.header("authorization") or "").partition(" ")
    return token if scheme.lower() == "bearer" and token else None


def reset_epoch_seconds(seconds: float, now: Callable[[], float] = time.time) -> str:
    """A rate-limit reset header's value in epoch seconds: ``seconds`` from ``now()``, rounded up."""
    return str(math.ceil(now() + seconds))


def new_id(prefix: str = "") -> str:
    """A fresh opaque id, like the vendors' 24-hex-digit ids."""
    return prefix + uuid.uuid4().hex[:24]


def now_ms() -> int:
    """The current time in epoch milliseconds."""
    return int(time.time() * 1000)


def iso_now() -> str:
    """The current UTC time in the ISO form with milliseconds and ``Z``."""
    stamp = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(stamp)) + f".{int(stamp * 1000) % 1000:03d}Z"


def int_param(
    request: Request, name: str, default: int, *, minimum: int, maximum: int | None, error: Callable
) -> int:
    """Read an integer query parameter, answering 400 through ``error`` when it is malformed."""
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise error(400, f"query parameter {name}={raw!r} must be an integer") from None
    if value < minimum or (maximum is not None and value > maximum):
        limit = f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
        raise error(400, f"query parameter {name}={value} must be {limit}")
    return value


def page_slice(items: list[Any], page: int, size: int) -> list[Any]:
    """Items of the 1-based ``page`` of ``size`` items."""
    start = (page - 1) * size
    return items[start : start + size]


def only(items: Iterable[Any], **wanted: Any) -> list[Any]:
    """Items (dicts) whose fields equal every ``wanted`` value that is not ``None``."""
    checks = {key: value for key, value in wanted.items() if value is not None}
    return [item for item in items if all(item.get(key) == value for key, value in checks.items())]
