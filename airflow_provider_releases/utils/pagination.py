"""Paging through list endpoints: the page-stepping rules, the page loops, and a lazy list of every item."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

#: GETs one page with the given query and returns its decoded body and its headers.
GetPage = Callable[[Mapping[str, Any]], tuple[Any, Mapping[str, str]]]
#: The same, awaited.
AsyncGetPage = Callable[[Mapping[str, Any]], Awaitable[tuple[Any, Mapping[str, str]]]]


class PagedItems:
    """Every item of a paginated list, fetched as iterated; ``list()``, ``len()`` and indexing keep them."""

    def __init__(self, fetch_pages: Callable[[], Iterator[list[Any]]], description: str) -> None:
        self._fetch_pages = fetch_pages
        self._description = description
        self._items: list[Any] | None = None

    def pages(self) -> Iterator[list[Any]]:
        """Yield the items page by page, fetching each page when it is reached."""
        if self._items is not None:
            yield self._items
            return
        yield from self._fetch_pages()

    def __iter__(self) -> Iterator[Any]:
        # A generator's body runs at the first next(): ``list(paged)`` asks len() in between,
        # which fetches every page once, and the iteration then reads those items.
        for page in self.pages():
            yield from page

    def to_list(self) -> list[Any]:
        """Fetch every page (once) and return all items as a list."""
        if self._items is None:
            self._items = [item for page in self._fetch_pages() for item in page]
        return self._items

    def __len__(self) -> int:
        return len(self.to_list())

    def __getitem__(self, index: int | slice) -> Any:
        return self.to_list()[index]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PagedItems):
            other = other.to_list()
        return self.to_list() == other

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        state = f"{len(self._items)} items" if self._items is not None else "not fetched yet"
        return f"<PagedItems {self._description}: {state}>"


class PageWalk:
    """The page-stepping rules of one list, with no I/O; :func:`walk` and :func:`awalk` drive it."""

    done: bool = False

    def query(self) -> Mapping[str, Any]:
        """The query of the next page to fetch."""
        raise NotImplementedError

    def read(self, body: Any, headers: Mapping[str, str]) -> list[Any]:
        """Return the items of the page just fetched, and step to the next one."""
        raise NotImplementedError


class PagesByNumber(PageWalk):
    """A ``page``/``<size_param>`` list, its last page told by total pages, total items or a short page."""

    def __init__(
        self,
        params: Mapping[str, Any],
        *,
        size_param: str,
        page_size: int,
        items_of: Callable[[Any], list[Any]],
        total_pages_of: Callable[[Any], int | None] | None = None,
        total_items_of: Callable[[Mapping[str, str]], int | None] | None = None,
    ) -> None:
        self.params, self.size_param, self.page_size = params, size_param, page_size
        self.items_of, self.total_pages_of, self.total_items_of = items_of, total_pages_of, total_items_of
        self.page, self.seen = 1, 0

    def query(self) -> Mapping[str, Any]:
        return {**self.params, "page": self.page, self.size_param: self.page_size}

    def read(self, body: Any, headers: Mapping[str, str]) -> list[Any]:
        items = self.items_of(body)
        self.seen += len(items)
        total_pages = self.total_pages_of(body) if self.total_pages_of else None
        total_items = self.total_items_of(headers) if self.total_items_of else None
        if not items:
            self.done = True
        elif total_pages is not None:
            self.done = self.page >= total_pages
        elif total_items is not None:
            self.done = self.seen >= total_items
        else:
            self.done = len(items) < self.page_size
        self.page += 1
        return items


class PagesByOffset(PageWalk):
    """A ``limit``/``offset`` list answering ``{"items": [...], "totalCount": N}``."""

    def __init__(
        self, params: Mapping[str, Any], *, page_size: int, items_of: Callable[[Any], list[Any]]
    ) -> None:
        self.params, self.page_size, self.items_of = params, page_size, items_of
        self.offset = 0

    def query(self) -> Mapping[str, Any]:
        return {**self.params, "limit": self.page_size, "offset": self.offset}

    def read(self, body: Any, headers: Mapping[str, str]) -> list[Any]:
        items = self.items_of(body)
        self.offset += len(items)
        total = body.get("totalCount")
        self.done = (
            not items
            or (total is not None and self.offset >= total)
            or (total is None and len(items) < self.page_size)
        )
        return items


def walk(pages: PageWalk, get: GetPage) -> Iterator[list[Any]]:
    """Yield the items of ``pages`` page by page, each fetched with ``get`` when reached."""
    while not pages.done:
        body, headers = get(pages.query())
        yield pages.read(body, headers)


async def awalk(pages: PageWalk, get: AsyncGetPage) -> AsyncIterator[list[Any]]:
    """Yield the items of ``pages`` page by page, each fetched with the awaited ``get``."""
    while not pages.done:
        body, headers = await get(pages.query())
        yield pages.read(body, headers)


@dataclass(frozen=True)
class OffsetPaging:
    """How a ``limit``/``offset`` list is paged: ``page_size`` items a page."""

    page_size: int = 20

    def walk(self, params: Mapping[str, Any], items_of: Callable[[Any], list[Any]]) -> PageWalk:
        """A fresh walk over the list's pages, from the first."""
        return PagesByOffset(params, page_size=self.page_size, items_of=items_of)


@dataclass(frozen=True)
class NumberedPaging:
    """How a ``page``/``<size_param>`` list is paged; the fields are those of :class:`PagesByNumber`."""

    size_param: str
    page_size: int
    total_pages_of: Callable[[Any], int | None] | None = None
    total_items_of: Callable[[Mapping[str, str]], int | None] | None = None

    def walk(self, params: Mapping[str, Any], items_of: Callable[[Any], list[Any]]) -> PageWalk:
        """A fresh walk over the list's pages, from the first."""
        return PagesByNumber(
            params,
            size_param=self.size_param,
            page_size=self.page_size,
            items_of=items_of,
            total_pages_of=self.total_pages_of,
            total_items_of=self.total_items_of,
        )


Paging = OffsetPaging | NumberedPaging
