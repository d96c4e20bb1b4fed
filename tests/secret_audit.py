"""
The secret-leak audit: a pytest plugin that fails every test whose outputs show a canary secret.

A *canary* is a distinctive fake secret (at least ``MIN_LENGTH`` characters, so that a match is
never accidental): the credentials of the test connections (``tests/conftest.py`` registers
them, and ``set_connection`` every password it sets) and those of every sandbox app alive in the
process. Each is searched as is, URL-encoded, and, for a login/password pair, as the HTTP Basic
token of ``login:password``.

For every phase of every test (setup, call, teardown) the audit searches:

- what pytest captured on stdout and stderr (file-descriptor capture, so subprocesses that
  inherit the descriptors too), including what ``capsys``/``capfd`` handed to the test;
- every standard-library log record of every logger at every level: during a test each logger
  is enabled for all levels, and the records are read where ``Logger.callHandlers`` receives
  them, after the logger's own filters (Airflow's masker), whichever handlers are installed;
- every structlog event (what operators, sensors and triggers log through ``self.log``, Airflow's
  task logs in-process), at every level, including those the configured level filter drops;
- the text of a test's failure, and every exception a test caught with ``pytest.raises``
  (``str``, ``repr``, attributes and notes, through the ``__cause__``/``__context__`` chain);
- the return values (XCom) of ``execute``, ``execute_complete`` and ``poke`` of every operator
  and sensor class the provider registers, and what they push through ``ti.xcom_push``;
- every request recorded in the journal of every sandbox app (headers, query and body);
- every exception an async call of a provider hook raises (the transport the triggers read
  through), as it is raised: a trigger judges most of them into its event, so no test sees them.

A test with a finding fails (a test marked xfail stays an expected failure); its report names
each canary by its label, the place and a masked excerpt, and every secret in the report is
masked, so the audit never prints one. One narrow allowance: the ``MaskSecret`` request in which
Airflow hands a secret to its own masker (see :func:`_mask_request_class`).
:func:`scan_tree` searches the files under a folder (the metadata database, task logs),
:func:`scan_openlineage_events` the events an OpenLineage file transport wrote; a test
marked :func:`runs_last` runs after every other one, so the session's ``AIRFLOW_HOME`` can be
searched once everything has been written to it. The terminal summary says how many secrets,
forms, places, texts and bytes were searched.
"""

from __future__ import annotations

import base64
import functools
import importlib
import json
import logging
import os
import sys
import threading
import traceback
import weakref
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

PLUGIN_NAME = "secret_audit"
MIN_LENGTH = 12
_EXCERPT_CHARS = 40

# The places searched for every test; the summary names the places actually searched.
STDOUT = "captured stdout"
STDERR = "captured stderr"
LOG_RECORDS = "log records"
STRUCTLOG_EVENTS = "structlog events"
FAILURE_TEXTS = "failure texts"
RAISED = "exceptions caught by pytest.raises"
XCOM = "XCom values"
JOURNALS = "sandbox journals"
REPORT_SECTIONS = "report sections"
HOME_FILES = "AIRFLOW_HOME files"
SUBPROCESS_OUTPUT = "output of subprocesses a test reads itself"
ASYNC_ERRORS = "errors of the async transport"
OPENLINEAGE_EVENTS = "OpenLineage events"
RELEASES_PAGE = "the Releases page (HTML and JSON)"

# Connection types whose login is a secret too (Amplitude's API key), not a user name.
SECRET_LOGIN_CONN_TYPES = frozenset({"amplitude"})


@dataclass(frozen=True)
class Form:
    """One way a canary can appear: ``kind`` is "as is", "URL-encoded" or "HTTP Basic token"."""

    text: str
    label: str
    kind: str
    data: bytes = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "data", self.text.encode())


@dataclass(frozen=True)
class Finding:
    """A canary found in a place; ``excerpt`` shows the text around it with every secret masked."""

    label: str
    kind: str
    place: str
    excerpt: str

    def __str__(self) -> str:
        return f"canary {self.label!r} ({self.kind}) in {self.place}: {self.excerpt}"


class Canaries:
    """The canary secrets by label, and every form in which they are searched."""

    def __init__(self) -> None:
        self._labels: dict[str, str] = {}  # secret -> label
        self.forms: list[Form] = []
        self._lock = threading.Lock()

    def labels(self) -> list[str]:
        """The label of every canary."""
        return list(self._labels.values())

    def label_of(self, secret: str) -> str | None:
        """The label of ``secret``, or ``None`` when it is not a canary."""
        return self._labels.get(secret)

    def add(self, label: str, secret: str) -> str:
        """
        Make ``secret`` a canary named ``label`` (a secret already known keeps its first label);
        return its label.

        :raises ValueError: ``secret`` is shorter than ``MIN_LENGTH``: a match could be accidental.
        """
        if not isinstance(secret, str) or len(secret) < MIN_LENGTH:
            length = len(secret) if isinstance(secret, str) else type(secret).__name__
            raise ValueError(
                f"secret-leak audit: {label} ({length} chars) is too short to be a canary: use a distinctive "
                f"fake secret of at least {MIN_LENGTH} characters, so that a match is never accidental"
            )
        with self._lock:
            if secret in self._labels:
                return self._labels[secret]
            label = self._unique(label)
            self._labels[secret] = label
            self.forms.append(Form(secret, label, "as is"))
            encoded = quote(secret, safe="")
            if encoded != secret:
                self.forms.append(Form(encoded, label, "URL-encoded"))
            self._sort()
            return label

    def add_basic_auth(self, login: str, password: str) -> None:
        """Search the HTTP Basic token of ``login:password`` too (both must be canaries)."""
        labels = [self._labels.get(login), self._labels.get(password)]
        if None in labels:
            raise ValueError("secret-leak audit: register the login and the password before their pair")
        token = base64.b64encode(f"{login}:{password}".encode()).decode("ascii")
        with self._lock:
            if all(form.text != token for form in self.forms):
                self.forms.append(Form(token, f"{labels[0]}:{labels[1]}", "HTTP Basic token"))
                self._sort()

    def _unique(self, label: str) -> str:
        taken = set(self._labels.values())
        candidate, number = label, 1
        while candidate in taken:
            number += 1
            candidate = f"{label} #{number}"
        return candidate

    def _sort(self) -> None:
        # Longest first, so that masking replaces a form before any shorter form inside it.
        self.forms.sort(key=lambda form: len(form.text), reverse=True)

    def found_in(self, text: str | bytes) -> list[Form]:
        """The forms that occur in ``text``."""
        if isinstance(text, str):
            return [form for form in self.forms if form.text in text]
        return [form for form in self.forms if form.data in text]

    def mask(self, text: str) -> str:
        """Return ``text`` with every form of every canary replaced by ``<canary LABEL>``."""
        for form in self.forms:
            if form.text in text:
                text = text.replace(form.text, placeholder(form))
        return text


def placeholder(form: Form) -> str:
    """What :meth:`Canaries.mask` writes instead of ``form``."""
    return f"<canary {form.label}>"


class Audit:
    """The session's audit: the canaries, what was searched, and the findings not yet reported."""

    def __init__(self) -> None:
        self.canaries = Canaries()
        self.texts = 0
        self.bytes = 0
        self.places: dict[str, int] = {}  # place -> texts searched there, in first-use order
        self.pending: list[Finding] = []  # found during the running test, reported with its phase
        self.outside: list[Finding] = []  # found while no test ran (collection, session end)
        self.reported = 0
        self.expected = 0  # found in tests marked xfail: known leaks, reported elsewhere
        self.in_test = False
        # What pytest-xdist workers reported: their canaries' labels and forms (never the secrets).
        self.worker_secrets: set[str] = set()
        self.worker_forms: set[tuple[str, str]] = set()
        self._lock = threading.Lock()

    def search(self, value: Any, place: str, detail: str | None = None) -> list[Finding]:
        """Search ``value`` (text, bytes, an exception, or anything JSON-able) and return the findings."""
        findings = []
        for text, where in _pieces(value, detail):
            with self._lock:
                self.texts += 1
                self.bytes += len(text)
                self.places[place] = self.places.get(place, 0) + 1
            for form in self.canaries.found_in(text):
                findings.append(self._finding(form, text, f"{place} ({where})" if where else place))
        return findings

    def record(self, findings: list[Finding]) -> None:
        """Keep ``findings`` for the running test's report (or for the session's end)."""
        if findings:
            with self._lock:
                (self.pending if self.in_test else self.outside).extend(findings)

    def take_pending(self) -> list[Finding]:
        """Return and forget the findings not yet reported."""
        with self._lock:
            findings, self.pending = self.pending, []
        return findings

    def count_reported(self, findings: list[Finding], *, expected: bool) -> None:
        """Count ``findings`` as reported by a failed test, or as expected by an xfail test."""
        with self._lock:
            if expected:
                self.expected += len(findings)
            else:
                self.reported += len(findings)

    def end_test(self) -> None:
        """The test is over: what it left unreported now counts as found outside any test."""
        with self._lock:
            self.in_test = False
            self.outside += self.pending
            self.pending = []

    def _finding(self, form: Form, text: str | bytes, place: str) -> Finding:
        if isinstance(text, bytes):
            text = text.decode("utf-8", "replace")
        masked = self.canaries.mask(text)
        at = max(0, masked.find(placeholder(form)))
        start, end = max(0, at - _EXCERPT_CHARS), at + len(placeholder(form)) + _EXCERPT_CHARS
        excerpt = ("..." if start else "") + masked[start:end] + ("..." if end < len(masked) else "")
        return Finding(form.label, form.kind, place, repr(excerpt))

    def export(self) -> dict[str, Any]:
        """What this pytest-xdist worker searched and found, as plain data without any secret."""
        with self._lock:
            return {
                "secrets": sorted(self.canaries.labels()),
                "forms": [(form.label, form.kind) for form in self.canaries.forms],
                "texts": self.texts,
                "bytes": self.bytes,
                "places": dict(self.places),
                "reported": self.reported,
                "expected": self.expected,
                "outside": [(f.label, f.kind, f.place, f.excerpt) for f in self.outside],
            }

    def merge(self, part: dict[str, Any]) -> None:
        """Add what a pytest-xdist worker searched and found (:meth:`export`)."""
        with self._lock:
            self.worker_secrets.update(part["secrets"])
            self.worker_forms.update(tuple(form) for form in part["forms"])
            self.texts += part["texts"]
            self.bytes += part["bytes"]
            for place, count in part["places"].items():
                self.places[place] = self.places.get(place, 0) + count
            self.reported += part["reported"]
            self.expected += part["expected"]
            self.outside += [Finding(*finding) for finding in part["outside"]]

    def summary(self) -> str:
        """The one-line account of the session's audit."""
        places = [place for place, count in self.places.items() if count]
        leaks = self.reported + len(self.outside)
        expected = f" ({self.expected} more in tests marked xfail)" if self.expected else ""
        secrets = len(self.worker_secrets | set(self.canaries.labels()))
        forms = len(self.worker_forms | {(form.label, form.kind) for form in self.canaries.forms})
        return (
            f"secret-leak audit: {secrets} secrets ({forms} forms) searched "
            f"in {len(places)} places: {', '.join(places)}; {self.texts:,} texts / {self.bytes:,} bytes "
            f"scanned; {leaks} leaks{expected}"
        )


AUDIT = Audit()


def _pieces(value: Any, detail: str | None) -> Iterator[tuple[str | bytes, str | None]]:
    """The texts (or bytes) that show ``value``, each with what it is."""
    if isinstance(value, (str, bytes)):
        yield value, detail
    elif isinstance(value, bytearray):
        yield bytes(value), detail
    elif isinstance(value, BaseException):
        yield from _exception_texts(value, detail)
    else:
        try:
            text = json.dumps(value, default=str, ensure_ascii=False)
        except (TypeError, ValueError, RecursionError):
            text = _safe_repr(value)
        yield text, detail


def _exception_texts(exc: BaseException, detail: str | None) -> Iterator[tuple[str, str]]:
    """
    ``str``, ``repr``, attributes and notes of ``exc`` and of every exception chained to it, as a
    traceback shows the chain: the ``__cause__``, and the ``__context__`` unless suppressed
    (``raise ... from None``).
    """
    seen: set[int] = set()
    pending = [exc]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        name = type(current).__name__ if detail is None else f"{detail}: {type(current).__name__}"
        texts = [str(current), _safe_repr(current), _safe_repr(getattr(current, "__dict__", {}))]
        texts += [str(note) for note in getattr(current, "__notes__", ())]
        yield "\n".join(texts), name
        pending.append(current.__cause__)
        if not current.__suppress_context__:
            pending.append(current.__context__)
        pending += list(getattr(current, "exceptions", ()))  # an ExceptionGroup's members


def _safe_repr(value: Any) -> str:
    try:
        return repr(value)
    except Exception as exc:  # a broken __repr__ must not break the test it is in
        return f"<repr failed: {type(exc).__name__}>"


# The public API


def register_canary(label: str, secret: str) -> str:
    """Make ``secret`` a canary named ``label``; return its label (see :meth:`Canaries.add`)."""
    return AUDIT.canaries.add(label, secret)


def register_connection(source: str, conn: Mapping[str, Any], *, skip_short: bool = False) -> None:
    """
    Make the secrets of an Airflow connection (JSON form) canaries, labelled after ``source``:
    its password, the login of the connection types that use it as a secret (Amplitude's API
    key), and that login/password pair as an HTTP Basic token.

    :param skip_short: ignore secrets shorter than ``MIN_LENGTH`` instead of refusing them.
    :raises ValueError: a secret is too short to be a canary (unless ``skip_short``).
    """
    password, login = conn.get("password"), conn.get("login")
    secrets = {"password": password}
    if conn.get("conn_type") in SECRET_LOGIN_CONN_TYPES:
        extra = conn.get("extra")
        extra = json.loads(extra) if isinstance(extra, str) and extra else extra or {}
        # Amplitude's API key: the masked extra api_key, else Login (its old place)
        login = extra.get("api_key") or login
        secrets["login"] = login
    registered = []
    for name, secret in secrets.items():
        if not secret or (skip_short and len(secret) < MIN_LENGTH):
            continue
        register_canary(f"{source} {name}", secret)
        registered.append(name)
    if len(registered) == 2:
        AUDIT.canaries.add_basic_auth(login, password)


def find_leaks(value: Any, place: str) -> list[Finding]:
    """Search ``value`` in ``place`` (counted in the summary) and return what was found."""
    return AUDIT.search(value, place)


def scan(value: Any, place: str, detail: str | None = None) -> list[Finding]:
    """Search ``value`` in ``place``; the running test fails with each finding. Return them."""
    findings = AUDIT.search(value, place, detail)
    AUDIT.record(findings)
    return findings


def assert_no_leak(value: Any, place: str) -> None:
    """Fail at once (with the secrets masked) when ``value`` shows a canary."""
    findings = find_leaks(value, place)
    assert not findings, "secret-leak audit:\n" + "\n".join(f"  {finding}" for finding in findings)


def mask(text: str) -> str:
    """Return ``text`` with every canary masked."""
    return AUDIT.canaries.mask(text)


def scan_tree(path: str | os.PathLike[str], place: str = HOME_FILES) -> list[Finding]:
    """
    Search the bytes of every file under ``path`` (an ``AIRFLOW_HOME``: the SQLite metadata
    database with XCom, rendered template fields and serialized DAGs, and the task logs); the
    running test fails with each finding. Return them.
    """
    root = Path(path)
    findings: list[Finding] = []
    for file in sorted(root.rglob("*")):
        if file.is_file() and not file.is_symlink():
            try:
                data = file.read_bytes()
            except OSError:  # removed while searching (a SQLite journal, say)
                continue
            findings += scan(data, place, str(file.relative_to(root)))
    return findings


def scan_openlineage_events(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """
    Read the OpenLineage events a file transport appended to ``path`` (one JSON document a line) and
    search each; the running test fails with each finding. Return the events, oldest first.
    """
    events = [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]
    for event in events:
        scan(json.dumps(event), OPENLINEAGE_EVENTS, f"{event.get('eventType')} {event['job']['name']}")
    return events


def runs_last(test: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a test to run after every other test of the session."""
    test.__secret_audit_runs_last__ = True  # type: ignore[attr-defined]
    return test


def session_airflow_home() -> Path | None:
    """The ``AIRFLOW_HOME`` the session started with (under pytest-xdist, the one holding every worker's)."""
    return _SESSION["airflow_home"]


_SESSION: dict[str, Any] = {"airflow_home": None, "worker_home": None}


# Standard-library logging: every level of every logger, read where its handlers are called.

_ORIGINAL_IS_ENABLED_FOR = logging.Logger.isEnabledFor
_ORIGINAL_CALL_HANDLERS = logging.Logger.callHandlers
_STANDARD_RECORD_KEYS = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


def _enabled_for_every_level(self: logging.Logger, level: int) -> bool:
    return not self.disabled


def _audited_call_handlers(self: logging.Logger, record: logging.LogRecord) -> None:
    scan(_record_text(record), LOG_RECORDS, f"{record.name} {record.levelname}")
    _ORIGINAL_CALL_HANDLERS(self, record)


def _record_text(record: logging.LogRecord) -> str:
    try:
        parts = [record.getMessage()]
    except Exception:  # a record whose arguments do not fit its message
        parts = [_safe_repr(record.msg), _safe_repr(record.args)]
    if record.exc_info and record.exc_info[1] is not None:
        parts.append("".join(traceback.format_exception(*record.exc_info)))
    elif record.exc_text:
        parts.append(record.exc_text)
    if record.stack_info:
        parts.append(record.stack_info)
    extra = {key: value for key, value in vars(record).items() if key not in _STANDARD_RECORD_KEYS}
    if extra:
        parts.append(_safe_repr(extra))
    return "\n".join(parts)


# structlog: a subclass of each configured bound logger class that sees every call.

_STRUCTLOG_LEVELS = (
    "debug",
    "info",
    "warning",
    "warn",
    "error",
    "err",
    "critical",
    "fatal",
    "exception",
    "msg",
)
_STRUCTLOG_METHODS = (*_STRUCTLOG_LEVELS, "log", *(f"a{name}" for name in (*_STRUCTLOG_LEVELS, "log")))
_AUDITED_CLASSES: dict[type, type] = {}


@functools.cache
def _mask_request_class() -> type:
    """
    The one allowance: Airflow's request asking its supervisor to mask a secret (``MaskSecret``)
    carries that secret by design, and dag.test()'s in-process supervisor logs it at debug
    ("Sending request", ``InProcessSupervisorComms.send``; the real supervisor omits the body).
    It is Airflow's message to its own masker, not output of this provider: not searched.
    """
    from airflow.sdk.execution_time.comms import MaskSecret

    return MaskSecret


def _audited_bound_logger_class(cls: type) -> type:
    """``cls`` with each logging method searching its event first, at every level."""
    if getattr(cls, "__secret_audit__", False):
        return cls
    audited = _AUDITED_CLASSES.get(cls)
    if audited is None:
        methods = {
            name: _audited_method(name, getattr(cls, name))
            for name in _STRUCTLOG_METHODS
            if hasattr(cls, name)
        }
        namespace = {"__slots__": (), "__secret_audit__": True, "__module__": cls.__module__, **methods}
        audited = _AUDITED_CLASSES[cls] = type(cls.__name__, (cls,), namespace)
    return audited


def _audited_method(name: str, method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def audited(self: Any, *args: Any, **kw: Any) -> Any:
        _scan_structlog_call(self, name, args, kw)
        return method(self, *args, **kw)

    return audited


def _scan_structlog_call(bound: Any, name: str, args: tuple[Any, ...], kw: dict[str, Any]) -> None:
    if name in ("log", "alog"):
        args = args[1:]  # the level
    event, arguments = (args[0], args[1:]) if args else (kw.get("event"), ())
    text = str(event)
    if arguments:
        try:
            text %= arguments
        except (TypeError, ValueError, KeyError):
            text += " " + _safe_repr(arguments)
    parts = [text]
    extra = {
        key: value
        for key, value in {**getattr(bound, "_context", {}), **kw}.items()
        if key not in ("exc_info", "event") and not isinstance(value, _mask_request_class())
    }
    if extra:
        parts.append(_safe_repr(extra))
    exc_info = kw.get("exc_info", name in ("exception", "aexception"))
    if exc_info is True or isinstance(exc_info, tuple):
        exc_info = sys.exc_info()[1] if exc_info is True else exc_info[1]
    if isinstance(exc_info, BaseException):
        parts.append("".join(traceback.format_exception(type(exc_info), exc_info, exc_info.__traceback__)))
    logger_name = getattr(getattr(bound, "_logger", None), "name", None) or "structlog"
    scan("\n".join(parts), STRUCTLOG_EVENTS, f"{logger_name} {name}")


def _audit_structlog() -> None:
    """Make the configured wrapper class hand out audited bound loggers (again, if reconfigured)."""
    import structlog

    wrapper = structlog.get_config()["wrapper_class"]
    if getattr(wrapper, "__secret_audit__", False):
        return

    def audited_wrapper(logger: Any, *args: Any, **kwargs: Any) -> Any:
        bound = wrapper(logger, *args, **kwargs)
        bound.__class__ = _audited_bound_logger_class(type(bound))
        return bound

    audited_wrapper.__secret_audit__ = True  # type: ignore[attr-defined]
    audited_wrapper.__wrapped__ = wrapper  # type: ignore[attr-defined]
    structlog.configure(wrapper_class=audited_wrapper)


def _restore_structlog() -> None:
    import structlog

    wrapper = structlog.get_config()["wrapper_class"]
    if getattr(wrapper, "__secret_audit__", False):
        structlog.configure(wrapper_class=wrapper.__wrapped__)


# Operators and sensors: their return values and XCom pushes.

_AUDITED_TASK_METHODS = ("execute", "execute_complete", "poke")


def provider_classes(kinds: tuple[str, ...], base: type, *, leaves_only: bool = False) -> list[type]:
    """
    Every subclass of ``base`` defined in the modules ``get_provider_info()`` registers under
    ``kinds`` (``"hooks"``, ``"operators"``, ``"sensors"``...).

    :param leaves_only: leave out the classes that others there extend (the services' bases).
    """
    from airflow_provider_releases.get_provider_info import get_provider_info

    info = get_provider_info()
    classes = []
    for kind in kinds:
        for entry in info[kind]:
            for module_name in entry["python-modules"]:
                module = importlib.import_module(module_name)
                classes += [
                    value
                    for value in vars(module).values()
                    if isinstance(value, type) and issubclass(value, base) and value.__module__ == module_name
                ]
    if leaves_only:
        classes = [
            cls
            for cls in classes
            if not any(other is not cls and issubclass(other, cls) for other in classes)
        ]
    return classes


def provider_task_classes(*, leaves_only: bool = False) -> list[type]:
    """Every operator and sensor class the provider registers (see :func:`provider_classes`)."""
    from airflow.sdk import BaseOperator

    return provider_classes(("operators", "sensors"), BaseOperator, leaves_only=leaves_only)


def _audited_task_method(name: str, method: Callable[..., Any]) -> Callable[..., Any]:
    from airflow.sdk import PokeReturnValue

    @functools.wraps(method)
    def audited(self: Any, context: Any, *args: Any, **kwargs: Any) -> Any:
        ti = context.get("ti") if isinstance(context, Mapping) else None
        if ti is not None:
            _audit_xcom_push(type(ti))
        result = method(self, context, *args, **kwargs)
        value = result.xcom_value if isinstance(result, PokeReturnValue) else result
        scan(value, XCOM, f"{type(self).__name__}.{name} return value")
        return result

    audited.__secret_audit__ = True  # type: ignore[attr-defined]
    return audited


def _audit_xcom_push(ti_class: type) -> None:
    method = getattr(ti_class, "xcom_push", None)
    if method is None or getattr(method, "__secret_audit__", False):
        return

    @functools.wraps(method)
    def xcom_push(self: Any, *args: Any, **kwargs: Any) -> Any:
        key = kwargs.get("key", args[0] if args else None)
        value = kwargs.get("value", args[1] if len(args) > 1 else None)
        scan(value, XCOM, f"xcom_push key {key!r}")
        return method(self, *args, **kwargs)

    xcom_push.__secret_audit__ = True  # type: ignore[attr-defined]
    _PATCHES.set(ti_class, "xcom_push", xcom_push)


def _audit_provider_tasks() -> None:
    for cls in provider_task_classes():
        for name in _AUDITED_TASK_METHODS:
            method = getattr(cls, name, None)
            if method is not None and not getattr(method, "__secret_audit__", False):
                _PATCHES.set(cls, name, _audited_task_method(name, method))


# Hooks: every error their async transport raises.


def _audited_coroutine(name: str, method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    async def audited(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return await method(self, *args, **kwargs)
        except Exception as exc:
            scan(exc, ASYNC_ERRORS, f"{type(self).__name__}.{name}")
            raise

    audited.__secret_audit__ = True  # type: ignore[attr-defined]
    return audited


def _audit_async_hooks() -> None:
    """Wrap every coroutine method of the provider's hook classes (and the classes they build on
    in the provider) so that what each raises is searched."""
    import inspect

    from airflow_provider_releases.hooks.base import ReleasesBaseHook

    owners = {
        owner
        for cls in provider_classes(("hooks",), ReleasesBaseHook)
        for owner in cls.__mro__
        if owner.__module__.startswith("airflow_provider_releases.")
    }
    for owner in owners:
        for name, method in list(vars(owner).items()):
            if inspect.iscoroutinefunction(method) and not getattr(method, "__secret_audit__", False):
                _PATCHES.set(owner, name, _audited_coroutine(name, method))


# Sandbox journals.

_SANDBOX_APPS: weakref.WeakSet[Any] = weakref.WeakSet()  # every sandbox app alive
_TEST_SANDBOX_APPS: list[Any] = []  # those the running test made, kept until its last report
_JOURNAL_SEEN: weakref.WeakKeyDictionary[Any, tuple[int, int]] = weakref.WeakKeyDictionary()


def _audit_sandbox_apps() -> None:
    """Register every sandbox app created from now on, and the default sandbox credentials."""
    from airflow_provider_releases_sandbox.app import SandboxApp, build_backends

    _register_sandbox_credentials(build_backends({}))
    original = SandboxApp.__init__

    @functools.wraps(original)
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        _SANDBOX_APPS.add(self)
        if AUDIT.in_test:
            _TEST_SANDBOX_APPS.append(self)
        _register_sandbox_credentials(self.backends)

    _PATCHES.set(SandboxApp, "__init__", __init__)


def _register_sandbox_credentials(backends: Mapping[str, Any]) -> None:
    for name, backend in backends.items():
        conn = backend.connection(lambda service: "http://sandbox.invalid")
        register_connection(f"sandbox {name}", conn, skip_short=True)


def _scan_journals() -> None:
    """Search the journal entries each sandbox app recorded since the last search."""
    for app in list(_SANDBOX_APPS):
        with app.lock:
            entries, generation = list(app.journal), app.generation
        seen_generation, seen = _JOURNAL_SEEN.get(app, (generation, 0))
        if seen_generation != generation or seen > len(entries):
            seen = 0  # reset or cleared since
        for entry in entries[seen:]:
            recorded = {"query": entry.query, "headers": entry.headers, "body": entry.body}
            scan(recorded, JOURNALS, f"{entry.method} /{entry.service}{entry.path}")
        _JOURNAL_SEEN[app] = (generation, len(entries))


# Patching, undone when the plugin is unregistered.


class _Patches:
    """Attributes set on classes for the session, and how to undo them."""

    _MISSING = object()

    def __init__(self) -> None:
        self._undo: list[tuple[Any, str, Any]] = []

    def set(self, owner: Any, name: str, value: Any) -> None:
        self._undo.append((owner, name, vars(owner).get(name, self._MISSING)))
        setattr(owner, name, value)

    def undo(self) -> None:
        while self._undo:
            owner, name, old = self._undo.pop()
            if old is self._MISSING:
                delattr(owner, name)
            else:
                setattr(owner, name, old)


_PATCHES = _Patches()


def _audit_raised_and_read() -> None:
    """Search every exception ``pytest.raises`` catches, and what ``capsys``/``capfd`` hand over."""
    from _pytest._code.code import ExceptionInfo
    from _pytest.capture import CaptureFixture

    fill_unfilled = ExceptionInfo.fill_unfilled
    readouterr = CaptureFixture.readouterr

    @functools.wraps(fill_unfilled)
    def audited_fill_unfilled(self: Any, exc_info: Any) -> None:
        fill_unfilled(self, exc_info)
        scan(exc_info[1], RAISED)

    @functools.wraps(readouterr)
    def audited_readouterr(self: Any) -> Any:
        result = readouterr(self)
        scan(result.out, STDOUT, "read by the test")
        scan(result.err, STDERR, "read by the test")
        return result

    _PATCHES.set(ExceptionInfo, "fill_unfilled", audited_fill_unfilled)
    _PATCHES.set(CaptureFixture, "readouterr", audited_readouterr)


# Hooks


def pytest_configure(config: pytest.Config) -> None:
    """Install the audit for the session (after Airflow is imported: it replaces log handlers)."""
    home = os.environ.get("AIRFLOW_HOME")
    _SESSION["airflow_home"] = Path(home) if home else None
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if home and worker and Path(home).name == worker:  # a pytest-xdist worker's home, in the session's
        _SESSION["worker_home"], _SESSION["airflow_home"] = Path(home), Path(home).parent
    _PATCHES.set(logging.Logger, "callHandlers", _audited_call_handlers)
    _audit_structlog()
    _audit_raised_and_read()
    _audit_provider_tasks()
    _audit_async_hooks()
    _audit_sandbox_apps()


def pytest_unconfigure(config: pytest.Config) -> None:
    """Undo every patch of the audit."""
    _PATCHES.undo()
    _restore_structlog()


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Move the tests marked :func:`runs_last` to the end of the session."""
    last = [
        item for item in items if getattr(getattr(item, "function", None), "__secret_audit_runs_last__", 0)
    ]
    if last:
        items[:] = [item for item in items if item not in last] + last


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """Enable every logger for every level while the test runs; findings now belong to the test."""
    AUDIT.in_test = True
    logging.Logger.isEnabledFor = _enabled_for_every_level  # type: ignore[method-assign]
    try:
        return (yield)
    finally:
        logging.Logger.isEnabledFor = _ORIGINAL_IS_ENABLED_FOR  # type: ignore[method-assign]
        AUDIT.end_test()
        _TEST_SANDBOX_APPS.clear()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Keep structlog audited should Airflow have configured it again."""
    _audit_structlog()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_call(item: pytest.Item) -> None:
    """Keep structlog audited should a fixture have configured it again."""
    _audit_structlog()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_teardown(item: pytest.Item) -> None:
    """Keep structlog audited should the test have configured it again."""
    _audit_structlog()


_SCANNED_SECTIONS = pytest.StashKey[set[str]]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[pytest.TestReport]:
    """Search the phase's captured output, the sandbox journals and the failure; fail on a finding."""
    report: pytest.TestReport = yield
    scanned = item.stash.setdefault(_SCANNED_SECTIONS, set())
    for title, content in report.sections:
        if title in scanned or title.startswith("Captured log"):  # records are searched as they come
            continue
        scanned.add(title)
        kind, _, when = title.removeprefix("Captured ").rpartition(" ")
        place = {"stdout": STDOUT, "stderr": STDERR}.get(kind)
        scan(content, place or REPORT_SECTIONS, when if place else title)
    _scan_journals()
    if report.failed:
        scan(report.longreprtext, FAILURE_TEXTS, call.when)
    findings = AUDIT.take_pending()
    if findings or report.failed:
        _mask_report(report, findings)
    return report


def _mask_report(report: pytest.TestReport, findings: list[Finding]) -> None:
    """Mask every secret in ``report``; fail it with ``findings``, if any (unless it is an xfail)."""
    report.sections = [(title, mask(content)) for title, content in report.sections]
    if not findings:
        if AUDIT.canaries.found_in(report.longreprtext):
            report.longrepr = mask(report.longreprtext)
        return
    expected = hasattr(report, "wasxfail")
    AUDIT.count_reported(findings, expected=expected)
    if expected:
        return  # an expected failure (a known leak, say) stays expected; its texts are masked
    lines = [f"secret-leak audit: {len(findings)} leak(s) in the {report.when}:"]
    lines += [f"  {finding}" for finding in findings]
    message = "\n".join(lines)
    if report.failed:
        message = f"{mask(report.longreprtext)}\n\n{message}"
    report.outcome = "failed"
    report.longrepr = message


def pytest_sessionfinish(session: pytest.Session) -> None:
    """
    A leak found outside any test fails the session. A pytest-xdist worker first searches its
    own ``AIRFLOW_HOME`` (each worker has one; the test marked :func:`runs_last` runs on one
    worker only), then sends its account to the controller.
    """
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        home = _SESSION["worker_home"]
        if home is not None and home.is_dir():
            scan_tree(home)
        workeroutput[PLUGIN_NAME] = AUDIT.export()
    if AUDIT.outside and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """On the pytest-xdist controller: add a finished worker's account to the session's."""
    part = getattr(node, "workeroutput", {}).get(PLUGIN_NAME)
    if part is not None:
        AUDIT.merge(part)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Say what the audit searched, and any leak found outside a test."""
    for finding in AUDIT.outside:
        terminalreporter.write_line(f"secret-leak audit, outside any test: {finding}", red=True)
    terminalreporter.write_line(AUDIT.summary())
