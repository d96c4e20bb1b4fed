"""Paging through list endpoints: the page loops, and a lazy, list-like view of every item."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

#: GETs one page with the given query and returns its decoded body and its headers.
GetPage = Callable[[Mapping[str, Any]], tuple[Any, Mapping[str, str]]]


class PagedItems:
    """
    Every item of a paginated list, fetched page by page as it is iterated.

    A ``for`` loop streams the pages: one page is held in memory at a time, and looping again
    fetches the pages again. ``list()``, ``len()``, indexing and comparison fetch every page
    once and keep the items.
    """

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


def pages_by_number(
    get: GetPage,
    params: Mapping[str, Any],
    *,
    size_param: str,
    page_size: int,
    items_of: Callable[[Any], list[Any]],
    total_pages_of: Callable[[Any], int | None] | None = None,
    total_items_of: Callable[[Mapping[str, str]], int | None] | None = None,
) -> Iterator[list[Any]]:
    """
    Yield the items of a ``page``/``<size_param>`` list page by page, each fetched when reached.

    The last page is the one ``total_pages_of(body)`` names; else the one that brings the item
    count to ``total_items_of(headers)``; else the first one shorter than ``page_size``.
    """
    page, seen = 1, 0
    while True:
        body, headers = get({**params, "page": page, size_param: page_size})
        items = items_of(body)
        seen += len(items)
        yield items
        total_pages = total_pages_of(body) if total_pages_of else None
        total_items = total_items_of(headers) if total_items_of else None
        if not items:
            return
        if total_pages is not None:
            if page >= total_pages:
                return
        elif total_items is not None:
            if seen >= total_items:
                return
        elif len(items) < page_size:
            return
        page += 1


def pages_by_offset(
    get: GetPage, params: Mapping[str, Any], *, page_size: int, items_of: Callable[[Any], list[Any]]
) -> Iterator[list[Any]]:
    """Yield the items of a ``limit``/``offset`` list answering ``{"items": [...], "totalCount": N}``."""
    offset = 0
    while True:
        body, _ = get({**params, "limit": page_size, "offset": offset})
        items = items_of(body)
        yield items
        offset += len(items)
        total = body.get("totalCount")
        if not items or (total is not None and offset >= total):
            return
        if total is None and len(items) < page_size:
            return
