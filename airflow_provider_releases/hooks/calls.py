"""
Vendor API calls stated once: what a hook method sends and how its answer is read, with no I/O.

A vendor method checks its arguments and returns an :class:`ApiCall`; :func:`endpoint` turns it
into the public method that runs the call on the hook's blocking transport and, with
``asynchronous=True``, also into its ``a``-prefixed twin on the async transport.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from airflow_provider_releases.exceptions import ReleasesApiMalformedResponseError, ReleasesApiResponseError
from airflow_provider_releases.hooks.answers import describe_body
from airflow_provider_releases.utils.pagination import Paging

T = TypeVar("T")


@dataclass(frozen=True)
class UnexpectedAnswer:
    """
    What an :attr:`ApiCall.read` returns for a body the API does not document; the transport
    raises a :class:`~airflow_provider_releases.exceptions.ReleasesApiResponseError` for it.

    :param cause: what was expected, in words.
    :param body: the body as text (redacted before it is shown).
    """

    cause: str
    body: str


def value_of(body: Any, key: str) -> Any:
    """Return ``body[key]``, or an :class:`UnexpectedAnswer` when ``body`` is not an object with it."""
    if isinstance(body, dict) and key in body:
        return body[key]
    return UnexpectedAnswer(f"expected a JSON object with {key!r}", repr(body))


@dataclass(frozen=True)
class ApiCall(Generic[T]):
    """
    One call of a vendor's API: the request, its operation name, and how to read the answer.

    :param path: the URL path under the hook's base URL (or under ``base_url``).
    :param op: the operation's name in errors and logs, such as ``"get_release"``.
    :param body: a callable returning a fresh request body (bytes or an open file) per attempt.
    :param max_retries: overrides the retry policy's retries for this call.
    :param key: the answer is the JSON object's ``key``; for a paged list, each page's items.
    :param read: reads the decoded answer (or a page's items) instead of ``key``; returns an
        :class:`UnexpectedAnswer` for a shape the API does not document.
    :param paging: how the list is paged; ``None`` for a single answer.
    """

    method: str
    path: str
    op: str
    params: Mapping[str, Any] | None = None
    json: Any = None
    body: Callable[[], Any] | None = None
    headers: Mapping[str, str] | None = None
    base_url: str | None = None
    max_retries: int | None = None
    key: str | None = None
    read: Callable[[Any], Any] | None = None
    paging: Paging | None = None


class AnswerReader:
    """Turns a successful answer's body into what a call returns, or into a clear error."""

    def __init__(self, service: str, redact: Callable[[str], str]) -> None:
        self.service = service
        self.redact = redact

    def decode(self, call: ApiCall[Any], status: int, content: bytes, text: Callable[[], str]) -> Any:
        """Return the JSON of an answer's body, ``None`` when it is empty."""
        if status == 204 or not content:
            return None
        import json

        try:
            return json.loads(content)
        except ValueError:
            pass  # raised below, outside this block: the decode error holds the raw, unredacted body
        raise self.error(call, "the response body is not valid JSON", text(), status, malformed=True)

    def answer(self, call: ApiCall[Any], body: Any) -> Any:
        """What ``call`` returns for the decoded ``body`` (a page's items for a paged call)."""
        if call.read is not None:
            value = call.read(body)
        elif call.key is not None:
            value = value_of(body, call.key)
        else:
            return body
        if isinstance(value, UnexpectedAnswer):
            raise self.error(call, value.cause, value.body)
        return value

    def error(
        self, call: ApiCall[Any], cause: str, body: str, status: int | None = None, *, malformed: bool = False
    ) -> ReleasesApiResponseError:
        """
        The error for a successful answer whose body is not what the API documents.

        :param malformed: the body is not JSON at all, as opposed to JSON of another shape.
        """
        cls = ReleasesApiMalformedResponseError if malformed else ReleasesApiResponseError
        return cls(
            service=self.service,
            operation=call.op,
            method=call.method,
            path=call.path,
            status=status,
            cause=cause,
            body_excerpt=describe_body(self.redact(body)),
            may_have_been_applied=call.method != "GET",
        )


def _answer_annotation(describe: Callable[..., Any], *, asynchronous: bool) -> Any:
    """The public method's return annotation: ``T`` of the describer's ``ApiCall[T]``."""
    annotation = inspect.signature(describe).return_annotation
    if isinstance(annotation, str) and annotation.startswith("ApiCall[") and annotation.endswith("]"):
        annotation = annotation[len("ApiCall[") : -1]
        if asynchronous and annotation == "PagedItems":
            return "list[Any]"
    return annotation


class endpoint:
    """
    Make a hook's public method from a method that checks its arguments and returns an
    :class:`ApiCall`: calling it runs the call on ``hook.sync_transport`` (a paged list comes back
    lazily, as :class:`~airflow_provider_releases.utils.pagination.PagedItems`). With
    ``asynchronous=True`` the class also gets the ``a``-prefixed twin, run on
    ``hook.async_transport`` (a paged list comes back whole, as a list). Both keep the
    describer's docstring and parameters, and check the arguments before any request.
    """

    def __init__(self, describe: Callable[..., ApiCall[Any]] | None = None, *, asynchronous: bool = False):
        self.describe = describe
        self.asynchronous = asynchronous

    def __call__(self, describe: Callable[..., ApiCall[Any]]) -> endpoint:
        return endpoint(describe, asynchronous=self.asynchronous)

    def __set_name__(self, owner: type, name: str) -> None:
        describe = self.describe
        assert describe is not None, "@endpoint(...) decorates a method"
        signature = inspect.signature(describe)

        @functools.wraps(describe)
        def run(hook: Any, *args: Any, **kwargs: Any) -> Any:
            return hook.sync_transport.run(describe(hook, *args, **kwargs))

        run.__signature__ = signature.replace(  # type: ignore[attr-defined]
            return_annotation=_answer_annotation(describe, asynchronous=False)
        )
        setattr(owner, name, run)
        if not self.asynchronous:
            return

        async def arun(hook: Any, *args: Any, **kwargs: Any) -> Any:
            return await hook.async_transport.run(describe(hook, *args, **kwargs))

        arun.__name__ = f"a{name}"
        arun.__qualname__ = f"{owner.__qualname__}.a{name}"
        arun.__module__ = owner.__module__
        arun.__doc__ = describe.__doc__
        arun.__signature__ = signature.replace(  # type: ignore[attr-defined]
            return_annotation=_answer_annotation(describe, asynchronous=True)
        )
        setattr(owner, f"a{name}", arun)
