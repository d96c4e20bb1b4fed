"""Reading the built documentation site: its pages, their ids, links and images."""

from __future__ import annotations

import dataclasses
import pathlib
import struct
from functools import cached_property
from html.parser import HTMLParser
from urllib.parse import unquote, urlsplit

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: (tag, attribute) pairs that point at another file of the site.
LINK_ATTRIBUTES = {("a", "href"), ("link", "href"), ("img", "src"), ("script", "src"), ("source", "src")}


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[tuple[str, str]] = []  # (tag, target)
        self.title_parts: list[str] = []
        self._in_h1 = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name == "id" or (tag == "a" and name == "name"):
                self.ids.add(value)
            if (tag, name) in LINK_ATTRIBUTES:
                self.links.append((tag, value))
        if tag == "h1":
            self._in_h1 = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "h1":
            self._in_h1 = False

    def handle_data(self, data: str) -> None:
        if self._in_h1:
            self.title_parts.append(data)


@dataclasses.dataclass(frozen=True)
class Link:
    """One internal link of a page: where it points, and the anchor in that file, if any."""

    page: pathlib.Path
    tag: str
    raw: str
    target: pathlib.Path
    anchor: str


class Page:
    """One built HTML page."""

    def __init__(self, path: pathlib.Path) -> None:
        self.path = path
        self.text = path.read_text(encoding="utf-8")
        self._parsed = _PageParser()
        self._parsed.feed(self.text)

    @property
    def ids(self) -> set[str]:
        """Every ``id`` (and ``<a name>``) on the page: the anchors links may point at."""
        return self._parsed.ids

    @property
    def title(self) -> str:
        """The text of the page's first-level heading."""
        return " ".join("".join(self._parsed.title_parts).split())

    @cached_property
    def internal_links(self) -> list[Link]:
        """Links to files of the site (relative paths and ``#anchors``); no scheme, no ``//host``."""
        links = []
        for tag, raw in self._parsed.links:
            parts = urlsplit(raw)
            if parts.scheme or parts.netloc or raw.startswith("//"):
                continue
            path = unquote(parts.path)
            target = self.path if not path else (self.path.parent / path)
            if path.endswith("/"):
                target = target / "index.html"
            links.append(Link(self.path, tag, raw, target.resolve(), unquote(parts.fragment)))
        return links

    @property
    def images(self) -> list[Link]:
        """The internal images the page shows."""
        return [link for link in self.internal_links if link.tag == "img"]


def png_size(path: pathlib.Path) -> tuple[int, int] | None:
    """A PNG's width and height from its IHDR chunk, or None when the file is no PNG."""
    head = path.read_bytes()[:24]
    if len(head) < 24 or not head.startswith(PNG_SIGNATURE) or head[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", head[16:24])
