"""A lazy, list-like view of every item across the pages of a list endpoint."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any


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
