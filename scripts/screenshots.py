"""
Take the documentation's screenshots from a running Airflow api-server with headless Chromium.

Run by ``scripts/screenshots.sh`` (rerun everything with ``bash scripts/screenshots.sh``), which
starts the api-server on a metadata database holding finished runs of ``release_workflow``; this
file only drives the browser, in the tools virtualenv that has the pinned ``playwright``. It
writes into ``--out``:

- ``release-workflow-graph.png``: the Graph view of the first successful run of ``release_workflow``;
- ``releases-list.png`` and ``releases-version.png``: the provider's Releases page in the UI (the
  list, then the released version's page);
- ``connection-<type>.png`` for amplitude, launchdarkly, aha and cryptlex: the Add Connection
  form with that type selected, its "Standard Fields" (left) and "Extra Fields" (right) panels
  side by side, every field empty so placeholders show and no secret is in the picture.

Each shot checks that the page shows what the api-server says it should (the labels of
``/ui/connections/hook_meta``, every task of the DAG in the state of the run) before it is saved.
Exit status 1 when any shot failed.
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
import traceback
import urllib.parse
import urllib.request
from functools import partial
from pathlib import Path
from typing import Any

from connection_pages import CHROMIUM, SETTLE_MS, browser, label, open_add_form, open_extra_fields
from releases_page import open_list, open_version, read_rows

DAG_ID = "release_workflow"
CONNECTION_TYPES = ("amplitude", "launchdarkly", "aha", "cryptlex")


def main(argv: list[str] | None = None) -> int:
    """Take every screenshot; return 1 when any of them failed, 0 otherwise."""
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--url", required=True, help="the api-server's base URL")
    parser.add_argument("--out", required=True, type=Path, help="the folder the PNG files go to")
    parser.add_argument("--chromium", default=CHROMIUM, help="Chromium's executable")
    args = parser.parse_args(argv)

    base = args.url.rstrip("/")
    args.out.mkdir(parents=True, exist_ok=True)
    hook_meta = {meta["connection_type"]: meta for meta in get_json(f"{base}/ui/connections/hook_meta")}
    shots = {
        "release-workflow-graph.png": partial(shoot_graph, base=base),
        "releases-list.png": partial(shoot_releases, base=base, version=False),
        "releases-version.png": partial(shoot_releases, base=base, version=True),
    }
    for conn_type in CONNECTION_TYPES:
        shots[f"connection-{conn_type}.png"] = partial(
            shoot_connection, base=base, meta=hook_meta.get(conn_type)
        )
    failed = []
    with browser(args.chromium) as context:
        for name, shoot in shots.items():
            path = args.out / name
            try:
                shoot(context, path=path)
            except Exception:
                failed.append(name)
                print(f"FAILED {name}:\n{traceback.format_exc()}", file=sys.stderr)
            else:
                print(f"wrote {path} ({path.stat().st_size // 1024} KB)")
    if failed:
        print(f"{len(failed)} screenshot(s) failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def get_json(url: str) -> Any:
    """GET ``url`` from the api-server (all users are admins: no token) and decode its JSON."""
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.load(response)


def shoot_graph(context: Any, base: str, path: Path) -> None:
    """Save the Graph view, top to bottom, of the first successful run of ``release_workflow``."""
    query = urllib.parse.urlencode({"order_by": "run_after", "state": "success", "limit": 1})
    runs = get_json(f"{base}/api/v2/dags/{DAG_ID}/dagRuns?{query}")["dag_runs"]
    if not runs:
        raise RuntimeError(f"no successful run of {DAG_ID} to show")
    run_id = urllib.parse.quote(runs[0]["dag_run_id"], safe="")
    states = {
        ti["task_id"]: ti["state"]
        for ti in get_json(f"{base}/api/v2/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances")["task_instances"]
    }

    page = context.new_page()
    try:
        page.set_viewport_size({"width": 1280, "height": 1100})
        page.goto(f"{base}/dags/{DAG_ID}/runs/{run_id}")
        page.get_by_role("button", name="Show Graph (Press g)").click()
        page.get_by_role("button", name="Options").click()
        page.get_by_role("combobox", name="Graph Direction").click()
        page.get_by_role("option", name="Top to Bottom").click()
        page.keyboard.press("Escape")
        graph = page.locator(".react-flow")
        for task_id in states:
            graph.get_by_text(task_id, exact=True).wait_for()
        for state in set(states.values()):
            shown = graph.get_by_text(state, exact=True).count()
            expected = list(states.values()).count(state)
            if shown != expected:
                raise RuntimeError(f"the graph shows {shown} task(s) {state}, the run has {expected}")
        unfocus(page)
        page.wait_for_timeout(SETTLE_MS)
        page.screenshot(path=str(path))
    finally:
        page.close()


def shoot_releases(context: Any, base: str, version: bool, path: Path) -> None:
    """Save the Releases page in Airflow's UI: the list, or the newest version's page."""
    page = context.new_page()
    try:
        page.set_viewport_size({"width": 1280, "height": 900})
        frame = open_list(page, base)
        rows = read_rows(frame)
        if not rows:
            raise RuntimeError("the Releases page shows no version: did the release run?")
        untouched = [name for name, cell in rows[0]["services"].items() if cell["state"] == "not_started"]
        if untouched:
            raise RuntimeError(f"the released version shows nothing at {', '.join(untouched)}: {rows[0]}")
        if version:
            open_version(frame, rows[0]["version"])
        unfocus(page)
        page.wait_for_timeout(SETTLE_MS)
        page.screenshot(path=str(path))
    finally:
        page.close()


def shoot_connection(context: Any, base: str, meta: dict[str, Any] | None, path: Path) -> None:
    """Save the Add Connection form of one connection type: both field panels, side by side."""
    if meta is None:
        raise RuntimeError("the api-server does not know this connection type: is the provider installed?")
    conn_type = meta["connection_type"]
    standard = [field for field in meta["standard_fields"].values() if field and not field["hidden"]]
    extra_titles = [field["schema"]["title"] for field in meta["extra_fields"].values()]

    page = context.new_page()
    try:
        dialog = open_add_form(page, base, f"{conn_type}_default", meta["hook_name"])
        for field in standard:
            dialog.get_by_text(label(field["title"])).wait_for()
            dialog.get_by_placeholder(field["placeholder"], exact=True).wait_for()
        unfocus(page)
        page.wait_for_timeout(SETTLE_MS)
        left = dialog.screenshot()

        open_extra_fields(page, dialog)
        for title in extra_titles:
            dialog.get_by_text(label(title)).wait_for()
        right = dialog.screenshot()
    finally:
        page.close()
    side_by_side(context, [left, right], path)


def unfocus(page: Any) -> None:
    """Take the focus off the control last used, so no focus ring is in the picture."""
    page.evaluate("() => document.activeElement && document.activeElement.blur()")


def side_by_side(context: Any, images: list[bytes], path: Path) -> None:
    """Save ``images`` (PNG screenshots) next to each other, top-aligned, as one PNG, with Chromium."""
    tags = "".join(f'<img src="data:image/png;base64,{base64.b64encode(png).decode()}">' for png in images)
    page = context.new_page()
    try:
        page.set_content(
            "<body style='margin:0'><div id='shots' style='display:inline-flex;align-items:flex-start;"
            f"gap:16px;padding:16px;background:#e2e8f0'>{tags}</div></body>"
        )
        page.locator("#shots").screenshot(path=str(path))
    finally:
        page.close()


if __name__ == "__main__":
    sys.exit(main())
