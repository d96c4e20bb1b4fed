"""The sandbox's stand-in for the vendors' web apps: small read-only HTML pages, every value escaped."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

HTML = "text/html; charset=utf-8"
_STYLE = (
    "body{font-family:sans-serif;margin:2em;max-width:60em}"
    "table{border-collapse:collapse;margin:1em 0}"
    "th,td{border:1px solid #ccc;padding:.3em .8em;text-align:left}"
    "th{background:#f4f4f4}"
)


@dataclass
class Table:
    """A table of a page: a caption, the column headings and one tuple of values per row."""

    caption: str
    columns: Sequence[str]
    rows: list[Sequence[Any]]


@dataclass
class Page:
    """
    One page of a vendor's web app as the sandbox shows it.

    :param service: the vendor's name, shown above the title.
    :param title: what the page is about (the object's kind and name).
    :param fields: the object's properties, as (label, value) pairs, shown as a two-column table.
    :param tables: further tables (a LaunchDarkly release's phases, a Cryptlex release's files).
    :param status: the HTTP status (404 for an unknown object).
    """

    service: str
    title: str
    fields: list[tuple[str, Any]] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    status: int = 200


def not_found(service: str, what: str) -> Page:
    """The page for an object that does not exist: 404, naming what was asked for."""
    return Page(service, "Not found", [("Not found", f"{what} does not exist in the sandbox")], status=404)


def shown(value: Any) -> str:
    """A value as a page shows it: ``None`` as a dash, booleans as yes/no, lists comma-separated."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(shown(item) for item in value) or "—"
    return str(value)


def render(page: Page) -> bytes:
    """The page as a UTF-8 HTML document; every value is escaped."""

    def cell(value: Any, tag: str = "td") -> str:
        return f"<{tag}>{html.escape(shown(value))}</{tag}>"

    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(page.title)} - {html.escape(page.service)} (sandbox)</title>",
        f"<style>{_STYLE}</style></head><body>",
        f"<p>{html.escape(page.service)} (release API sandbox, read-only)</p>",
        f"<h1>{html.escape(page.title)}</h1>",
    ]
    if page.fields:
        parts.append("<table>")
        parts += [f"<tr>{cell(label, 'th')}{cell(value)}</tr>" for label, value in page.fields]
        parts.append("</table>")
    for table in page.tables:
        parts.append(f"<h2>{html.escape(table.caption)}</h2><table>")
        parts.append("<tr>" + "".join(cell(column, "th") for column in table.columns) + "</tr>")
        parts += ["<tr>" + "".join(cell(value) for value in row) + "</tr>" for row in table.rows]
        parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts).encode("utf-8")
