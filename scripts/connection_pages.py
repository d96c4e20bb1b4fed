"""
Drive Airflow's Connections page in headless Chromium: what its forms show and what its Test
button answers.

Runs in the browser tools' virtualenv (``scripts/browser.sh`` installs Debian's chromium and the
pinned playwright, and prints that virtualenv). ``scripts/screenshots.py`` uses its helpers;
``tests/engine/test_connection_pages.py`` runs it against a real api-server::

    python scripts/connection_pages.py --url URL edit CONN_ID...
    python scripts/connection_pages.py --url URL test CONN_ID...

``edit`` prints, as JSON, for each connection id the fields its Edit form shows: every standard
field (by its label) and every extra field (by its name) that is visible once the "Extra Fields"
panel is open, with its label and value. ``test`` clicks each connection's Test button in the
list and prints the status and body of the ``/api/v2/connections/test`` answer. Exit status 1
when the page could not be driven.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

# The machine's network is closed: without these flags Chromium waits on connections it tries.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
CHROMIUM = "/usr/bin/chromium"
TIMEOUT_MS = 30_000
SETTLE_MS = 1_500  # lets the accordion's animation (and the graph's fit-to-view) finish
VIEWPORT = {"width": 1280, "height": 1700}
# Each form field of Airflow's UI is a Chakra field root: its label and its inputs. Extra fields'
# inputs are named element_<extra name>; standard fields' by the connection attribute.
_FIELDS = """dialog => [...dialog.querySelectorAll('[data-scope=field][data-part=root]')]
  .filter(root => root.querySelector('label') && root.checkVisibility())
  .map(root => ({
    label: root.querySelector('label').innerText.replace(/\\s*\\*$/, '').trim(),
    inputs: [...root.querySelectorAll('input, textarea')].filter(i => i.name)
      .map(i => ({name: i.name, value: i.value})),
  }))"""


@contextmanager
def browser(chromium: str = CHROMIUM) -> Iterator[Any]:
    """A headless Chromium context (a fresh profile, the default timeout set), closed on exit."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright, tempfile.TemporaryDirectory() as profile:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=chromium, headless=True, args=CHROMIUM_FLAGS, viewport=VIEWPORT
        )
        context.set_default_timeout(TIMEOUT_MS)
        try:
            yield context
        finally:
            context.close()


def label(title: str) -> re.Pattern[str]:
    """Match a form label's whole text: ``title``, then a ``*`` when the field is required."""
    return re.compile(rf"^{re.escape(title)}\s*\*?$")


def connection_row(page: Any, base: str, conn_id: str) -> Any:
    """Open the Connections list and return the row of ``conn_id``."""
    page.goto(f"{base}/connections")
    row = page.get_by_role("row").filter(has=page.get_by_text(conn_id, exact=True))
    row.wait_for()
    return row


def open_edit_form(page: Any, base: str, conn_id: str) -> Any:
    """Open the Edit Connection dialog of ``conn_id``; return the dialog."""
    connection_row(page, base, conn_id).get_by_role("button", name="Edit Connection").click()
    dialog = page.get_by_role("dialog")
    dialog.locator("input[name=connection_id]").wait_for()
    return dialog


def open_add_form(page: Any, base: str, conn_id: str, hook_name: str) -> Any:
    """Open the Add Connection dialog with ``conn_id`` typed and the type ``hook_name`` chosen."""
    page.goto(f"{base}/connections")
    page.get_by_role("button", name="Add Connection").click()
    dialog = page.get_by_role("dialog")
    dialog.locator("input[name=connection_id]").fill(conn_id)
    dialog.get_by_role("combobox").click()
    page.get_by_role("option", name=hook_name, exact=True).click()
    return dialog


def open_extra_fields(page: Any, dialog: Any) -> None:
    """Open the dialog's "Extra Fields" panel and let it settle."""
    dialog.get_by_role("button", name="Extra Fields", exact=True).click()
    page.wait_for_timeout(SETTLE_MS)


def shown_fields(dialog: Any) -> dict[str, dict[str, Any]]:
    """
    The fields the dialog shows now: the standard ones by their label (``{"value": ...}``), the
    extra ones by their name (``{"label": ..., "value": ...}``).
    """
    fields: dict[str, dict[str, Any]] = {}
    for field in dialog.evaluate(_FIELDS):
        for element in field["inputs"]:
            name = element["name"]
            if name.startswith("element_"):
                fields[name.removeprefix("element_")] = {"label": field["label"], "value": element["value"]}
            elif name not in ("connection_id", "description"):
                fields[field["label"]] = {"value": element["value"]}
    return fields


def edit_form_fields(context: Any, base: str, conn_id: str) -> dict[str, dict[str, Any]]:
    """
    What the Edit form of ``conn_id`` shows: its "Standard Fields" panel (open first), then its
    "Extra Fields" panel (opening it closes the other).
    """
    page = context.new_page()
    try:
        dialog = open_edit_form(page, base, conn_id)
        page.wait_for_timeout(SETTLE_MS)
        standard = shown_fields(dialog)
        open_extra_fields(page, dialog)
        return {**standard, **shown_fields(dialog)}
    finally:
        page.close()


def click_test_button(context: Any, base: str, conn_id: str) -> dict[str, Any]:
    """Click the Test button of ``conn_id`` in the list; the status and body of the API's answer."""
    page = context.new_page()
    try:
        row = connection_row(page, base, conn_id)
        with page.expect_response(lambda answer: answer.url.endswith("/api/v2/connections/test")) as info:
            row.get_by_role("button", name=re.compile("^Test")).click()
        answer = info.value
        return {"status": answer.status, "body": answer.json()}
    finally:
        page.close()


def main(argv: list[str] | None = None) -> int:
    """Run ``edit`` or ``test`` on each connection id; print the results as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--url", required=True, help="the api-server's base URL")
    parser.add_argument("--chromium", default=CHROMIUM, help="Chromium's executable")
    parser.add_argument("action", choices=("edit", "test"))
    parser.add_argument("conn_ids", nargs="+", metavar="CONN_ID")
    args = parser.parse_args(argv)
    base = args.url.rstrip("/")
    drive = edit_form_fields if args.action == "edit" else click_test_button
    with browser(args.chromium) as context:
        results = {conn_id: drive(context, base, conn_id) for conn_id in args.conn_ids}
    json.dump(results, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
