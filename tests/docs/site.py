"""Reading the built documentation site: its pages, their ids, links, images and code blocks; and
how wide a code block of the site's theme is."""

from __future__ import annotations

import dataclasses
import pathlib
import re
import struct
from functools import cached_property
from html.parser import HTMLParser
from urllib.parse import unquote, urlsplit

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: (tag, attribute) pairs that point at another file of the site.
LINK_ATTRIBUTES = {("a", "href"), ("link", "href"), ("img", "src"), ("script", "src"), ("source", "src")}
#: The advance of a monospace character, in ems: 0.6 for Menlo, SF Mono, DejaVu Sans Mono and
#: Liberation Mono (Consolas' 0.55 fits a few more).
MONOSPACE_ADVANCE = 0.6


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[tuple[str, str]] = []  # (tag, target)
        self.title_parts: list[str] = []
        self.code_blocks: list[str] = []
        self._in_h1 = False
        self._in_pre = 0

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
        if tag == "pre":
            if not self._in_pre:
                self.code_blocks.append("")
            self._in_pre += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "h1":
            self._in_h1 = False
        if tag == "pre" and self._in_pre:
            self._in_pre -= 1

    def handle_data(self, data: str) -> None:
        if self._in_h1:
            self.title_parts.append(data)
        if self._in_pre:
            self.code_blocks[-1] += data


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
    def code_blocks(self) -> list[str]:
        """The text of every code block (``<pre>``) on the page, as it is shown."""
        return self._parsed.code_blocks

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


def furo_code_columns() -> int:
    """
    How many characters a line of a code block shows without scrolling sideways in the Furo theme
    (docs/conf.py's ``html_theme``) at full width, from the theme's own styles: the content column
    (``$content-width``, in root ems), less the code block's padding on each side
    (``$code-spacing-horizontal``), over the width of a character at the code's font size
    (``--code-font-size``, a percentage of the root's) times :data:`MONOSPACE_ADVANCE`.

    :raises AssertionError: a value is not in the theme's style sources any more.
    """
    import furo

    styles = pathlib.Path(furo.__file__).parent / "assets" / "styles"
    layout = (styles / "variables" / "_layout.scss").read_text(encoding="utf-8")
    fonts = (styles / "variables" / "_fonts.scss").read_text(encoding="utf-8")
    code = (styles / "content" / "_code.sass").read_text(encoding="utf-8")

    def number(pattern: str, text: str) -> float:
        found = re.search(pattern, text)
        assert found, f"Furo's styles no longer match {pattern!r}"
        return float(found[1])

    content = number(r"\$content-width:\s*([\d.]+)em", layout)
    padding = number(r"\$code-spacing-horizontal:\s*([\d.]+)rem", code)
    size_variable = re.search(r"--code-font-size:\s*var\((--[\w-]+)\)", fonts)
    assert size_variable, "Furo's styles no longer set --code-font-size from a variable"
    scale = number(rf"{re.escape(size_variable[1])}:\s*([\d.]+)%", fonts) / 100
    return int((content - 2 * padding) / (scale * MONOSPACE_ADVANCE))
