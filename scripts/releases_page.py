"""
Drive the provider's Releases page inside Airflow's UI in headless Chromium.

Runs in the browser tools' virtualenv (``scripts/browser.sh``). ``tests/engine/test_reacting_to_releases.py``
runs it against a real api-server; ``scripts/screenshots.py`` uses its helpers::

    python scripts/releases_page.py --url URL read VERSION FOLLOW_VERSION

``read`` opens ``/plugin/releases`` (the UI's frame around the page) and prints, as JSON: the
list's rows (``rows``: each version's cells by service with their state, text and links, and
its pending approvals), the version page of ``VERSION`` (``version``: its approvals given,
pending items and timeline), and where the "run" link of ``FOLLOW_VERSION``'s Aha! cell leads
(``followed``: the top window's URL and whether the run's page names the run within the
timeout). Exit status 1 when the page could not be driven.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any
from urllib.parse import unquote

from connection_pages import CHROMIUM, browser

PAGE = "/plugin/releases"
_ROWS = """rows => rows.map(tr => ({
  version: tr.dataset.version,
  services: Object.fromEntries([...tr.querySelectorAll('td.service')].map(td => [td.dataset.service, {
    state: td.dataset.state,
    text: td.innerText.trim(),
    vendor: td.querySelector('a.vendor-link')?.href ?? null,
    run: td.querySelector('a.run-link')?.href ?? null,
    task: td.querySelector('a.task-link')?.href ?? null,
  }])),
  approvals: [...tr.querySelectorAll('a.approval-link')].map(a => ({href: a.href, text: a.innerText.trim()})),
  runs: [...tr.querySelectorAll('td.runs a.run-link')].map(a => a.href),
}))"""
_TEXTS = "items => items.map(item => item.innerText.trim())"


def open_list(page: Any, base: str) -> Any:
    """Open the Releases page in Airflow's UI; return the frame that holds it."""
    page.goto(f"{base}{PAGE}")
    holder = page.wait_for_selector("iframe")
    frame = holder.content_frame()
    frame.wait_for_selector("table#releases")
    return frame


def read_rows(frame: Any) -> list[dict[str, Any]]:
    """The list's rows, as ``_ROWS`` reads them."""
    return frame.eval_on_selector_all("table#releases tbody tr[data-version]", _ROWS)


def open_version(frame: Any, version: str) -> Any:
    """Click ``version`` in the list; return the frame once the version page shows."""
    frame.locator(f'tr[data-version="{version}"] a.version-link').click()
    frame.wait_for_selector("table#timeline")
    return frame


def read_version(frame: Any) -> dict[str, Any]:
    """What the version page shows: approvals given, pending items, timeline rows, times shown."""
    return {
        "title": frame.locator("h1").inner_text(),
        "approvals": frame.eval_on_selector_all("#approvals li.approval-given", _TEXTS),
        "pending": frame.eval_on_selector_all("#pending li", _TEXTS),
        "timeline": frame.eval_on_selector_all("#timeline tbody tr", _TEXTS),
        "times": frame.eval_on_selector_all(
            "#timeline time", "items => items.map(t => [t.dateTime, t.innerText])"
        ),
        "timezone": frame.locator("[data-timezone]").first.inner_text(),
    }


def follow_run_link(page: Any, frame: Any, version: str, service: str = "aha") -> dict[str, Any]:
    """Click the "run" link of ``version``'s ``service`` cell; where the top window lands."""
    link = frame.locator(f'tr[data-version="{version}"] td[data-service="{service}"] a.run-link')
    href = link.get_attribute("href")
    link.click()
    page.wait_for_url(f"**{href}")
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    run_id = unquote(href.rsplit("/", 1)[-1])
    try:
        page.get_by_text(run_id).first.wait_for()
    except PlaywrightTimeout:
        return {"href": href, "url": page.url, "shows_run": False}
    return {"href": href, "url": page.url, "shows_run": True}


def main(argv: list[str] | None = None) -> int:
    """Drive the page as asked; print the JSON answer."""
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--url", required=True, help="the api-server's base URL")
    parser.add_argument("--chromium", default=CHROMIUM, help="Chromium's executable")
    parser.add_argument("action", choices=["read"])
    parser.add_argument("version", help="the version whose page to read")
    parser.add_argument("follow", help="the version whose Aha! run link to follow")
    args = parser.parse_args(argv)
    base = args.url.rstrip("/")
    with browser(args.chromium) as context:
        page = context.new_page()
        frame = open_list(page, base)
        rows = read_rows(frame)
        version = read_version(open_version(frame, args.version))
        frame = open_list(page, base)
        followed = follow_run_link(page, frame, args.follow)
    json.dump({"rows": rows, "version": version, "followed": followed}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
