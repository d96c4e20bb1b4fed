"""
What each public hook method documents about the request it sends, as data for the properties.

:data:`CALLS` lists every method that takes a path parameter (or builds a URL from one), with
valid arguments, the HTTP method, the documented path template, and a :class:`PathRule` per
path parameter restating which ids and keys the vendor's paths take. :data:`ARGS`,
:data:`AHA_FIELDS` and :data:`CRYPTLEX_FIELDS` list every other argument a user gives: which
values are documented as valid, where a value goes (query or JSON body) and in what form,
computed here without the hooks' code, and the hard cases to try.
"""

from __future__ import annotations

import atexit
import datetime as dt
import functools
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from airflow_provider_releases.exceptions import InvalidParameterError
from airflow_provider_releases.hooks.aha import AhaHook
from airflow_provider_releases.hooks.amplitude import AmplitudeHook
from airflow_provider_releases.hooks.cryptlex import CryptlexHook
from airflow_provider_releases.hooks.launchdarkly import LaunchDarklyHook
from airflow_provider_releases.utils.pagination import PagedItems
from tests.property.strategies import (
    MAX_INT64,
    Sent,
    answering_any_request,
    assert_invalid,
    has_surrogate,
    in_range_moments,
    nonblank_text,
    nonblank_text_upto,
    own_date_form,
    utc_form,
)

AMPLITUDE = "https://amplitude.com"
LAUNCHDARKLY = "https://app.launchdarkly.com"
AHA = "https://company.aha.io"
CRYPTLEX = "https://api.cryptlex.com"
CRYPTLEX_FILES = "https://releases.cryptlex.com"
CRYPTLEX_APP = "https://app.cryptlex.com"


@functools.cache
def release_file() -> str:
    """A small readable file to upload (removed with its folder when the test process exits)."""
    folder = tempfile.mkdtemp(prefix="release-file-")
    path = Path(folder, "app-1.4.2.zip")
    path.write_bytes(b"PK\x03\x04" + b"x" * 100)
    atexit.register(shutil.rmtree, folder, True)
    return str(path)


@dataclass(frozen=True)
class PathRule:
    """Which values a path parameter takes: strings matching ``pattern``, and ints 0..2**63-1."""

    pattern: str
    ints: bool = True
    valid: st.SearchStrategy = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        text = st.from_regex(self.pattern.replace("*", "{0,40}"), fullmatch=True)
        strategy = st.one_of(text, st.integers(0, MAX_INT64)) if self.ints else text
        object.__setattr__(self, "valid", strategy)

    def accepts(self, value: Any) -> bool:
        if isinstance(value, int) and not isinstance(value, bool):
            return self.ints and 0 <= value <= MAX_INT64
        return isinstance(value, str) and re.fullmatch(self.pattern, value) is not None


# The forms each API documents for ids and keys: nothing that is not an unreserved URL character,
# never a leading dot, so no value can be, or be decoded into, a '/', '..', '?' or '#'.
LAUNCHDARKLY_KEY = PathRule(r"[A-Za-z0-9][A-Za-z0-9._-]*")
AHA_ID = PathRule(r"[A-Za-z0-9][A-Za-z0-9_-]*")
CRYPTLEX_ID = PathRule(r"[A-Za-z0-9][A-Za-z0-9_-]{0,255}")
CRYPTLEX_FILE_NAME = PathRule(r"(?!\.\.?$)[A-Za-z0-9._-]+", ints=False)


@dataclass(frozen=True)
class Call:
    """A hook method, valid arguments, and the request it documents (``http=None``: a URL only)."""

    hook: type
    method: str
    args: Mapping[str, Any]
    http: str | None
    template: str  # origin + path, with {argument} for each path parameter
    rules: Mapping[str, PathRule] = field(default_factory=dict)
    defaults: Mapping[str, Any] = field(default_factory=dict)  # what a path parameter's None stands for

    def __str__(self) -> str:
        return f"{self.hook.__name__}.{self.method}"

    @property
    def path_params(self) -> list[str]:
        return re.findall(r"{(\w+)}", self.template)

    def expected_segments(self, args: Mapping[str, Any]) -> tuple[str, ...]:
        """The documented path with the arguments' text in place (not yet percent-encoded)."""
        path = self.template.split("://", 1)[1].split("/", 1)[1]
        args = {**args, **{name: value for name, value in self.defaults.items() if args.get(name) is None}}
        return tuple(
            _as_text(args[segment[1:-1]]) if segment.startswith("{") else segment
            for segment in path.split("/")
        )

    def accepts(self, param: str, value: Any) -> bool:
        """Whether the path parameter ``param`` takes ``value``, as documented."""
        return (value is None and param in self.defaults) or self.rules[param].accepts(value)

    @property
    def origin(self) -> str:
        return "/".join(self.template.split("/", 3)[:3])


def _as_text(value: Any) -> str:
    return str(int(value)) if isinstance(value, int) else value


@dataclass
class Outcome:
    """What calling a hook method did: the rejection, or what it sent (or the URL it built)."""

    error: BaseException | None
    sent: list[Sent]
    result: Any = None


def run(call: Call, args: Mapping[str, Any]) -> Outcome:
    """
    Call ``call`` with ``args`` while any URL answers success; fetch a lazy list's first page.

    Only ``InvalidParameterError`` is caught, and only while calling: any other exception, or a
    rejection that waits for the list to be iterated, fails the property.
    """
    with answering_any_request() as mock:
        try:
            result = getattr(call.hook(), call.method)(**args)
        except InvalidParameterError as error:
            return Outcome(error, [Sent.from_request(request) for request in mock.request_history])
        if isinstance(result, PagedItems):
            result = result.to_list()
        sent = [Sent.from_request(request) for request in mock.request_history]
    if call.http is None:
        sent = [Sent.from_url(result)]
    return Outcome(None, sent, result)


# A percent-encoded path segment as RFC 3986 allows it: unreserved and sub-delimiter characters,
# ':' and '@', and %XX escapes.
ENCODED_SEGMENT = re.compile(r"(?:[A-Za-z0-9._~!$&'()*+,;=:@-]|%[0-9A-Fa-f]{2})*")


def assert_rejected_before_sending(outcome: Outcome, param: str) -> None:
    """The call raised the documented rejection naming ``param`` and sent nothing."""
    assert outcome.error is not None, f"accepted and sent {outcome.sent}"
    assert outcome.sent == []
    # A list's scope names all four scope parameters when none (or several) is given; a part of a
    # list of dicts is named as such: ``audiences[].audienceId``.
    named = outcome.error.param
    if param not in named.split("/") and not named.startswith(f"{param}[]."):
        named = param
    assert_invalid(outcome.error, named)


def assert_sent_to_documented_path(call: Call, outcome: Outcome, args: dict) -> None:
    """One request (or URL) to the documented origin and path, each parameter in its own segment."""
    assert outcome.error is None, outcome.error
    assert len(outcome.sent) == 1, outcome.sent
    (sent,) = outcome.sent
    assert sent.method == (call.http or "")
    assert sent.origin == call.origin
    assert all(ENCODED_SEGMENT.fullmatch(segment) for segment in sent.segments), sent.segments
    decoded = sent.decoded_segments()
    assert decoded == call.expected_segments(args)  # same number of segments, each as documented
    assert not {".", ".."} & set(decoded)


def _ld(method: str, http: str | None, path: str, **args: Any) -> Call:
    rules = dict.fromkeys(re.findall(r"{(\w+)}", path), LAUNCHDARKLY_KEY)
    base = {"project_key": "my-project", "flag_key": "new-checkout"}
    base = {name: value for name, value in base.items() if name in rules}
    return Call(LaunchDarklyHook, method, {**base, **args}, http, LAUNCHDARKLY + path, rules)


def _aha(method: str, http: str, path: str, **args: Any) -> Call:
    rules = dict.fromkeys(re.findall(r"{(\w+)}", path), AHA_ID)
    return Call(AhaHook, method, args, http, AHA + path, rules)


def _cx(method: str, http: str | None, template: str, **args: Any) -> Call:
    rules = dict.fromkeys(re.findall(r"{(\w+)}", template), CRYPTLEX_ID)
    return Call(CryptlexHook, method, args, http, template, rules)


CALLS = (
    _ld("flag_url", None, "/projects/{project_key}/flags/{flag_key}"),
    _ld(
        "create_flag_release",
        "PUT",
        "/api/v2/projects/{project_key}/flags/{flag_key}/release",
        release_pipeline_key="standard",
    ),
    _ld("get_flag_release", "GET", "/api/v2/flags/{project_key}/{flag_key}/release"),
    _ld("delete_flag_release", "DELETE", "/api/v2/flags/{project_key}/{flag_key}/release"),
    _ld(
        "update_phase_status",
        "PUT",
        "/api/v2/projects/{project_key}/flags/{flag_key}/release/phases/{phase_id}",
        phase_id="ph-1",
    ),
    _ld("complete_legacy_phase", "PATCH", "/api/v2/flags/{project_key}/{flag_key}/release", phase_index=0),
    _ld("list_release_pipelines", "GET", "/api/v2/projects/{project_key}/release-pipelines"),
    _ld(
        "get_release_pipeline",
        "GET",
        "/api/v2/projects/{project_key}/release-pipelines/{pipeline_key}",
        pipeline_key="standard",
    ),
    _ld(
        "list_pipeline_releases",
        "GET",
        "/api/v2/projects/{project_key}/release-pipelines/{pipeline_key}/releases",
        pipeline_key="standard",
    ),
    _aha("create_release", "POST", "/api/v1/products/{product_id}/releases", product_id="PRJ1", name="R 3"),
    _aha("list_releases", "GET", "/api/v1/products/{product_id}/releases", product_id="PRJ1"),
    _aha("list_releases", "GET", "/api/v1/goals/{goal_id}/releases", goal_id="PRJ1-G-1"),
    _aha("list_releases", "GET", "/api/v1/initiatives/{initiative_id}/releases", initiative_id="6776"),
    _aha(
        "list_releases",
        "GET",
        "/api/v1/releases/{parent_release_id}/releases",
        parent_release_id="PRJ1-R-1",
    ),
    _aha("get_release", "GET", "/api/v1/releases/{release_id}", release_id="PRJ1-R-1"),
    _aha("duplicate_release", "POST", "/api/v1/releases/{release_id}/duplicate", release_id="PRJ1-R-1"),
    _aha(
        "update_release",
        "PUT",
        "/api/v1/products/{product_id}/releases/{release_id}",
        product_id="PRJ1",
        release_id="PRJ1-R-1",
        name="R 3",
    ),
    _aha(
        "delete_release",
        "DELETE",
        "/api/v1/products/{product_id}/releases/{release_id}",
        product_id="PRJ1",
        release_id="PRJ1-R-1",
    ),
    _aha("list_release_phases", "GET", "/api/v1/releases/{release_id}/release_phases", release_id="PRJ1-R-1"),
    _cx("get_release", "GET", CRYPTLEX + "/v3/releases/{release_id}", release_id="rel-7f3a"),
    _cx("update_release", "PATCH", CRYPTLEX + "/v3/releases/{release_id}", release_id="rel-7f3a", name="R"),
    _cx("delete_release", "DELETE", CRYPTLEX + "/v3/releases/{release_id}", release_id="rel-7f3a"),
    _cx("publish_release", "POST", CRYPTLEX + "/v3/releases/{release_id}/publish", release_id="rel-7f3a"),
    Call(
        CryptlexHook,
        "upload_release_file",
        {"release_id": "rel-7f3a", "path": release_file(), "file_name": "app-1.4.2.zip"},
        "PUT",
        CRYPTLEX_FILES + "/v3/{release_id}/{file_name}",
        {"release_id": CRYPTLEX_ID, "file_name": CRYPTLEX_FILE_NAME},
        {"file_name": os.path.basename(release_file())},  # by default, the local file's name
    ),
    _cx(
        "release_url",
        None,
        CRYPTLEX_APP + "/products/{product_id}/releases/{release_id}",
        product_id="prod-1",
        release_id="rel-7f3a",
    ),
)
# Each (call, path parameter) pair: a list's scope ids appear in their own call above.
PATH_PARAMS = tuple((call, param) for call in CALLS for param in call.path_params)


def call(hook: type, method: str, template: str | None = None) -> Call:
    """The entry of :data:`CALLS` for ``hook.method`` (the one with ``template``, if given)."""
    return next(
        c
        for c in CALLS
        if c.hook is hook and c.method == method and (template is None or c.template.endswith(template))
    )


AMPLITUDE_CREATE = Call(
    AmplitudeHook,
    "create_release",
    {"version": "3.5", "release_start": "2024-05-01 12:00:00", "title": "Big new feature"},
    "POST",
    AMPLITUDE + "/api/2/release",
)
CRYPTLEX_CREATE = Call(
    CryptlexHook,
    "create_release",
    {"product_id": "prod-1", "name": "Spring release", "version": "1.4.2"},
    "POST",
    CRYPTLEX + "/v3/releases",
)
CRYPTLEX_LIST = Call(
    CryptlexHook, "list_releases", {"product_id": "prod-1"}, "GET", CRYPTLEX + "/v3/releases"
)

# ---------------------------------------------------------------------------------------------
# Where a value goes, and in what form

MISSING = object()  # what a reader finds where an argument left out would have gone


def body_at(*keys: str) -> Callable[[Sent], Any]:
    """Read the JSON body at ``keys`` (the whole body for none)."""

    def read(sent: Sent) -> Any:
        value = sent.body
        for key in keys:
            if key not in value:
                return MISSING
            value = value[key]
        return value

    read.where = "body" + "".join(f"[{key!r}]" for key in keys)
    return read


def query_at(name: str) -> Callable[[Sent], Any]:
    """Read the query parameter ``name``, which must appear at most once."""

    def read(sent: Sent) -> Any:
        values = sent.query.get(name)
        if values is None:
            return MISSING
        assert len(values) == 1, values
        return values[0]

    read.where = f"query[{name!r}]"
    return read


def same(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def text_or_joined(value: Any) -> str:
    """A list sent as one comma-separated query value; a string as it is."""
    return value if isinstance(value, str) else ",".join(value)


def true_false(value: bool) -> str:
    return "true" if value else "false"


@dataclass(frozen=True)
class Arg:
    """
    One argument of a call: its documented ``valid`` values, where the value goes (``read``) and
    the wire form of an accepted value (``form``); ``None`` leaves an optional argument out.
    """

    call: Call
    name: str
    valid: st.SearchStrategy
    read: Callable[[Sent], Any]
    form: Callable[[Any], Any] = same
    optional: bool = True
    extra: Mapping[str, Any] = field(default_factory=dict)  # other arguments it needs
    accepts: Callable[[Any], bool] | None = None  # exactly which values the API documents, if pinned
    edges: tuple[Any, ...] = ()  # hard cases to try besides anything at all

    def __str__(self) -> str:
        return f"{self.call}({self.name})"


def is_cryptlex_version(value: Any) -> bool:
    """``x.x``, ``x.x.x`` or ``x.x.x.x`` in ASCII digits (not Arabic-Indic, not superscripts)."""
    return isinstance(value, str) and re.fullmatch(r"[0-9]+(\.[0-9]+){1,3}", value) is not None


VERSION_EDGES = ("\u0661.\u0662", "\u00b2.3", "1.2\n", " 1.2", "1", "1.2.3.4.5", "1..2", "v1.2", "1.2.")


def is_pipeline_filter(value: Any) -> bool:
    """``field:text`` pairs joined by commas, or a dict of them; fields query and env; no comma in a text."""
    if isinstance(value, dict):
        pairs = list(value.items())
    elif isinstance(value, str):
        pairs = [part.partition(":")[::2] for part in value.split(",")]
    else:
        return False
    return all(
        name in ("query", "env")
        and isinstance(text, str)
        and text.strip()
        and "," not in text
        and not has_surrogate(text)
        for name, text in pairs
    )


FILTER_EDGES = (
    {"query": "a,env:production"},  # a comma must not smuggle in a second filter
    "query:a,env:production",
    {"query": "\ud800"},
    {"query": " "},
    {"nope": "x"},
    {1: "x"},
    "query:",
    "query",
    "",
    ",",
    "query:a,,env:b",
)


amplitude_time = functools.partial(utc_form, sep=" ", zone="")
text_upto_256 = nonblank_text_upto(256)
version = st.from_regex(r"[0-9]{1,6}(\.[0-9]{1,6}){1,3}", fullmatch=True)
cryptlex_product = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_-]{0,40}", fullmatch=True)
platform_lists = st.lists(nonblank_text, max_size=3)
field_lists = st.one_of(nonblank_text, st.lists(nonblank_text, min_size=1, max_size=3))
json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-MAX_INT64, MAX_INT64),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=8),
)
audiences = st.lists(
    st.fixed_dictionaries(
        {"audienceId": nonblank_text},
        optional={
            "notifyMemberIds": platform_lists,
            "notifyTeamKeys": platform_lists,
            "releaseGuardianConfiguration": st.dictionaries(st.text(max_size=8), json_scalars, max_size=3),
        },
    ),
    max_size=3,
)
filter_text = st.text(min_size=1, max_size=20).filter(lambda text: text.strip() and "," not in text)
filter_pairs = st.lists(st.tuples(st.sampled_from(["query", "env"]), filter_text), min_size=1, max_size=3)
pipeline_filters = st.one_of(
    filter_pairs.map(lambda pairs: ",".join(f"{name}:{text}" for name, text in pairs)),
    st.dictionaries(st.sampled_from(["query", "env"]), filter_text, min_size=1),
)


GUARDIAN_EDGES = tuple(
    [{"audienceId": "a-1", "releaseGuardianConfiguration": guardian}]
    for guardian in (
        {"x": float("nan")},  # JSON has no NaN
        {"x": 10**5000},  # too long to print
        {"x": {1, 2}},  # JSON has no sets
        {"x": "\ud800"},  # not UTF-8
        [],
        {"ok": [1, "a"]},
    )
)


def filter_form(value: Any) -> str:
    return value if isinstance(value, str) else ",".join(f"{name}:{text}" for name, text in value.items())


LD_CREATE = call(LaunchDarklyHook, "create_flag_release")
LD_PHASE = call(LaunchDarklyHook, "update_phase_status")
AHA_LIST = call(AhaHook, "list_releases", "/products/{product_id}/releases")
AHA_GET = call(AhaHook, "get_release")

ARGS = (
    Arg(AMPLITUDE_CREATE, "version", nonblank_text, body_at("version"), optional=False),
    Arg(AMPLITUDE_CREATE, "title", nonblank_text, body_at("title"), optional=False),
    Arg(AMPLITUDE_CREATE, "release_start", in_range_moments, body_at("release_start"), amplitude_time, False),
    # From the first moment a datetime holds, so that every end is not before the start.
    Arg(
        AMPLITUDE_CREATE,
        "release_end",
        in_range_moments,
        body_at("release_end"),
        amplitude_time,
        extra={"release_start": dt.datetime(1, 1, 1)},
    ),
    Arg(AMPLITUDE_CREATE, "description", st.text(max_size=40), body_at("description")),
    Arg(AMPLITUDE_CREATE, "platforms", st.one_of(nonblank_text, platform_lists), body_at("platforms")),
    Arg(AMPLITUDE_CREATE, "created_by", nonblank_text, body_at("created_by")),
    Arg(AMPLITUDE_CREATE, "chart_visibility", st.booleans(), body_at("chart_visibility"), optional=False),
    Arg(
        LD_CREATE,
        "release_pipeline_key",
        LAUNCHDARKLY_KEY.valid,
        body_at("releasePipelineKey"),
        _as_text,  # a key is a string in the body, also when given as an int
        False,
        accepts=LAUNCHDARKLY_KEY.accepts,
        edges=(0, 42, "..", "a/b", "a b", MAX_INT64 + 1),
    ),
    Arg(LD_CREATE, "release_variation_id", nonblank_text, body_at("releaseVariationId")),
    Arg(LD_PHASE, "status", st.sampled_from(["active", "Started"]), body_at("status"), optional=False),
    Arg(LD_PHASE, "audiences", audiences, body_at("audiences"), edges=GUARDIAN_EDGES),
    Arg(
        call(LaunchDarklyHook, "complete_legacy_phase"),
        "phase_index",
        st.integers(0, MAX_INT64),
        body_at(),
        lambda index: [{"op": "replace", "path": f"/phases/{index}/complete", "value": True}],
        optional=False,
    ),
    Arg(
        call(LaunchDarklyHook, "list_release_pipelines"),
        "filter",
        pipeline_filters,
        query_at("filter"),
        filter_form,
        accepts=lambda value: value is None or is_pipeline_filter(value),
        edges=FILTER_EDGES,
    ),
    Arg(
        call(LaunchDarklyHook, "list_pipeline_releases"),
        "status",
        st.sampled_from(["active", "completed"]),
        query_at("filter"),
        lambda status: f"status:{status}",
    ),
    Arg(call(AhaHook, "create_release"), "name", nonblank_text, body_at("release", "name"), optional=False),
    Arg(AHA_LIST, "q", nonblank_text, query_at("q")),
    Arg(AHA_LIST, "updated_since", in_range_moments, query_at("updated_since"), utc_form),
    Arg(AHA_LIST, "parking_lot", st.booleans(), query_at("parking_lot"), true_false),
    Arg(AHA_LIST, "exclude_shipped", st.booleans(), query_at("exclude_shipped"), true_false),
    Arg(AHA_LIST, "fields", field_lists, query_at("fields"), text_or_joined),
    Arg(AHA_GET, "fields", field_lists, query_at("fields"), text_or_joined),
    Arg(CRYPTLEX_CREATE, "product_id", cryptlex_product, body_at("productId"), optional=False),
    Arg(CRYPTLEX_CREATE, "name", text_upto_256, body_at("name"), optional=False),
    Arg(
        CRYPTLEX_CREATE,
        "version",
        version,
        body_at("version"),
        optional=False,
        accepts=is_cryptlex_version,
        edges=VERSION_EDGES,
    ),
    Arg(CRYPTLEX_CREATE, "channel", text_upto_256, body_at("channel"), optional=False),
    Arg(CRYPTLEX_CREATE, "platforms", platform_lists, body_at("platforms")),
    Arg(CRYPTLEX_CREATE, "private", st.booleans(), body_at("private")),
    Arg(CRYPTLEX_CREATE, "notes", nonblank_text_upto(4096) | st.just(""), body_at("notes")),
    Arg(CRYPTLEX_CREATE, "created_at", in_range_moments, body_at("createdAt"), utc_form),
    Arg(CRYPTLEX_LIST, "product_id", cryptlex_product, query_at("productId"), optional=False),
    Arg(
        CRYPTLEX_LIST,
        "version",
        version,
        query_at("version"),
        accepts=lambda value: value is None or is_cryptlex_version(value),
        edges=VERSION_EDGES,
    ),
    Arg(CRYPTLEX_LIST, "channel", text_upto_256, query_at("channel")),
    Arg(CRYPTLEX_LIST, "name", text_upto_256, query_at("name")),
    Arg(CRYPTLEX_LIST, "platform", text_upto_256, query_at("platform")),
    Arg(
        call(CryptlexHook, "upload_release_file"),
        "path",
        st.sampled_from([release_file(), Path(release_file())]),
        lambda sent: sent.content_length,
        lambda path: str(os.path.getsize(path)),
        optional=False,
    ),
)

# ---------------------------------------------------------------------------------------------
# Release fields, given as keyword arguments

# Spaces only: Aha! documents "2d 1h" and "4p", not other white space.
capacity_texts = st.one_of(
    st.from_regex(
        r" ?[0-9]{1,3}(\.[0-9])? ?(min|h|d|w|m)( [0-9]{1,3} ?(min|h|d|w|m)){0,2} ?", fullmatch=True
    ),
    st.from_regex(r"[0-9]{1,3}(\.[0-9]{1,2})? ?p", fullmatch=True),
)
names_or_ids = st.one_of(nonblank_text, st.integers(0, MAX_INT64))
aha_dates = st.one_of(
    st.dates(),
    st.dates().map(dt.date.isoformat),
    in_range_moments.filter(lambda value: isinstance(value, dt.datetime)),
)


@dataclass(frozen=True)
class Field:
    """A release field: its documented valid values and wire form (``extra``: fields it needs)."""

    name: str
    valid: st.SearchStrategy
    form: Callable[[Any], Any] = same
    extra: Mapping[str, Any] = field(default_factory=dict)
    accepts: Callable[[Any], bool] | None = None
    edges: tuple[Any, ...] = ()


def is_numeric_id(value: Any) -> bool:
    """A positive 64-bit int, or a string of ASCII digits (``str.isdigit`` also takes '²')."""
    if isinstance(value, int) and not isinstance(value, bool):
        return 0 < value <= MAX_INT64
    return isinstance(value, str) and re.fullmatch(r"[0-9]+", value) is not None


def is_capacity_text(value: Any) -> bool:
    """Time in min, h, d, w, m such as ``2d 1h``, or points such as ``4p``: ASCII digits and spaces."""
    number = r"[0-9]+(\.[0-9]+)?"
    form = rf"\s*({number}\s*(min|h|d|w|m)\s*)+|\s*{number}\s*p\s*"
    return isinstance(value, str) and re.fullmatch(form, value, re.IGNORECASE | re.ASCII) is not None


ID_EDGES = (-1, 0, MAX_INT64, MAX_INT64 + 1, 10**5000, "\u00b2", "\u0661\u0662", "12 ", "0x10", True)
CAPACITY_EDGES = ("2d 1h", "4p", "2d\u00a01h", "\u0662d", "2x", "p", "", " 4 p ", "1.5w 2d")


AHA_FIELDS = (
    Field("name", nonblank_text),
    Field("owner", names_or_ids, edges=ID_EDGES),
    Field("initiatives", st.lists(names_or_ids, max_size=3), edges=tuple([edge] for edge in ID_EDGES)),
    Field("watchers", st.lists(names_or_ids, max_size=3)),
    Field("goals", st.lists(names_or_ids, max_size=3)),
    Field("workflow_status", names_or_ids),
    Field("status", names_or_ids),
    Field(
        "parent_id",
        st.one_of(st.integers(1, MAX_INT64), st.from_regex(r"[0-9]{1,19}", fullmatch=True)),
        accepts=is_numeric_id,
        edges=ID_EDGES,
    ),
    Field("theme", st.text(max_size=40)),
    Field("start_date", aha_dates, own_date_form),
    Field("end_date", aha_dates, own_date_form),
    Field("release_date", aha_dates, own_date_form),
    Field("development_started_on", aha_dates, own_date_form),
    Field("external_release_date", aha_dates, own_date_form),
    Field("parking_lot", st.booleans()),
    Field(
        "external_date_resolution",
        st.sampled_from(["sync", "exact", "week", "month", "quarter", "half", "year"]),
    ),
    Field("capacity_units", st.sampled_from(["time", "story_points"])),
    Field("total_capacity_text", capacity_texts, accepts=is_capacity_text, edges=CAPACITY_EDGES),
    Field(
        "progress_source",
        st.sampled_from(
            [
                "progress_manual",
                "progress_from_features",
                "progress_from_release_phases",
                "progress_from_todos",
                "progress_from_remaining_estimate",
                "progress_from_features_completed",
                "progress_from_epics",
            ]
        ),
    ),
    Field(
        "progress",
        st.one_of(st.integers(0, 100), st.floats(0, 100)),
        extra={"progress_source": "progress_manual"},
    ),
    Field(
        "duration_source",
        st.sampled_from(
            ["duration_manual", "duration_from_release_phases_features", "duration_from_sub_releases"]
        ),
    ),
)
CRYPTLEX_FIELDS = (
    Field("name", text_upto_256),
    Field("version", version, accepts=is_cryptlex_version, edges=VERSION_EDGES),
    Field("channel", text_upto_256),
    Field("platforms", platform_lists),
    Field("private", st.booleans()),
    Field("notes", st.text(max_size=40)),
)
