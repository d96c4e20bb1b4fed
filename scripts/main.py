"""
The main job: release a version end to end on an embedded Airflow against the sandbox.

Starts the sandbox of the four APIs (LaunchDarkly phases advance on their own), points the four
default connections at it, runs the example DAG ``release_workflow`` with ``airflow dags test``
on SQLite in the temporary ``AIRFLOW_HOME`` that ``scripts/main.sh`` made, and prints what now
exists at each service. Then it runs the same release again and shows that nothing was created
twice. Exit status 0 when both runs succeeded and the second created nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

DAG_ID = "release_workflow"
PHASE_SECONDS = 3  # a started LaunchDarkly phase completes on its own after this long
POLL_SECONDS = "1"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--version", default="2.0.0", help="the version to release (default 2.0.0)")
    parser.add_argument("--title", default="", help="the release's name (default 'Release <version>')")
    args = parser.parse_args(argv)

    from airflow_provider_releases.workflows import POLL_SECONDS_ENV
    from airflow_provider_releases_sandbox import sandbox

    home = Path(os.environ["AIRFLOW_HOME"])
    airflow = str(Path(sys.executable).parent / "airflow")
    step("Creating the Airflow metadata database (SQLite)", [airflow, "db", "migrate"], os.environ, home)
    conf = {"version": args.version, "title": args.title}
    with sandbox() as sb:
        sb.auto_advance(seconds=PHASE_SECONDS)
        print(f"Sandbox of Amplitude, LaunchDarkly, Aha! and Cryptlex at {sb.base_url}")
        env = {**os.environ, **sb.environ(), POLL_SECONDS_ENV: POLL_SECONDS}
        command = [airflow, "dags", "test", DAG_ID, "--conf", json.dumps(conf)]

        started = time.monotonic()
        step(f"Running {DAG_ID} for version {args.version}", command, env, home, log_name="first-run")
        run = latest_run()
        print_run(run, time.monotonic() - started)
        if run["state"] != "success":
            print_log_tail(home / "first-run.log")
            return 1
        print_summary(sb, run)
        if not print_asset_events(run):
            return 1
        if not links_open(run):
            return 1

        before = counts(sb, run)
        step(f"Running {DAG_ID} again for the same version", command, env, home, log_name="second-run")
        again = latest_run()
        print_run(again, None)
        after = counts(sb, run)
        print("\nObjects at the vendors before and after the second run:")
        for what, number in after.items():
            print(f"  {what:<44} {before[what]} -> {number}")
        if again["state"] != "success":
            print_log_tail(home / "second-run.log")
            return 1
        if after != before:
            print("The second run changed what exists: the release is not idempotent.", file=sys.stderr)
            return 1
        print("Nothing was created twice and no phase was started again.")
    return 0


def step(title: str, command: list[str], env: dict[str, str], home: Path, log_name: str = "setup") -> None:
    """Run ``command``, its output into a log file in ``home``; on failure print the log's tail and exit."""
    print(f"\n{title}...", flush=True)
    log = home / f"{log_name}.log"
    with log.open("w") as out:
        result = subprocess.run(command, env=env, stdout=out, stderr=subprocess.STDOUT, check=False)
    if result.returncode != 0:
        print_log_tail(log)
        raise SystemExit(f"{' '.join(command[:3])} failed with exit status {result.returncode}")


def print_log_tail(log: Path, lines: int = 60) -> None:
    """Print the end of ``log`` to stderr (the temporary AIRFLOW_HOME holding it is removed on exit)."""
    tail = log.read_text(errors="replace").splitlines()[-lines:]
    print(f"--- the last {len(tail)} lines of {log.name} ---", *tail, sep="\n", file=sys.stderr)


def latest_run() -> dict[str, Any]:
    """The newest run of the DAG: its id, state, task states and XComs, read from the metadata DB."""
    from airflow.models.dagrun import DagRun
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        run = session.scalars(
            select(DagRun).where(DagRun.dag_id == DAG_ID).order_by(DagRun.id.desc()).limit(1)
        ).one()
        xcoms: dict[str, dict[str, Any]] = {}
        for row in session.scalars(XComModel.get_many(run_id=run.run_id, dag_ids=DAG_ID)):
            xcoms.setdefault(row.task_id, {})[row.key] = XComModel.deserialize_value(row)
        return {
            "run_id": run.run_id,
            "state": str(run.state),
            "tasks": {ti.task_id: str(ti.state) for ti in run.get_task_instances(session=session)},
            "xcoms": xcoms,
        }


def print_run(run: dict[str, Any], seconds: float | None) -> None:
    took = f" in {seconds:.0f} s" if seconds is not None else ""
    from airflow_provider_releases.workflows import APPROVAL_STEP, RELEASE_STEPS

    order = ["plan_release", *RELEASE_STEPS]
    order.insert(order.index("wait_for_phase") + 1, APPROVAL_STEP)
    print(f"Run {run['run_id']}: {run['state']}{took}")
    for task, state in sorted(run["tasks"].items(), key=lambda item: order.index(item[0])):
        print(f"  {task:<26} {state}")


def print_summary(sb: Any, run: dict[str, Any]) -> None:
    """Print, per service, what the release left there, from the sandbox's state and the run's XComs."""
    xcoms = run["xcoms"]
    plan = xcoms["plan_release"]["return_value"]
    aha = xcoms["ship_aha_release"]["return_value"]
    cryptlex = xcoms["publish_cryptlex_release"]["return_value"]
    amplitude = xcoms["annotate_amplitude"]["return_value"]
    flag = sb.state("launchdarkly")["projects"][plan["launchdarkly_project"]]["releases"][plan["flag"]]
    phases = ", ".join(f"{phase['name']} {phase_state(phase)}" for phase in flag["phases"])
    link = {task: values.get("release_url", "") for task, values in xcoms.items()}
    print(f"\nVersion {plan['version']} is released as {plan['title']!r}:\n")
    rows = [
        (
            "Aha!",
            f"release {aha['reference_num']} {aha['name']!r} in {plan['aha_product']}: "
            f"{aha['workflow_status']['name']} on {aha['released_on']} (id {aha['id']})",
            link["ship_aha_release"],
        ),
        (
            "Cryptlex",
            f"release {cryptlex['version']} on channel {cryptlex['channel']}: "
            f"{'published' if cryptlex['published'] else 'draft'} (id {cryptlex['id']})",
            link["publish_cryptlex_release"],
        ),
        (
            "LaunchDarkly",
            f"flag {plan['flag']} on pipeline {flag['pipeline']}: {phases}",
            link["attach_flag_to_pipeline"],
        ),
        (
            "Amplitude",
            f"release annotation {amplitude['id']} {amplitude['title']!r} version {amplitude['version']} "
            f"from {amplitude['release_start']} UTC",
            "",
        ),
    ]
    for service, what, url in rows:
        print(f"  {service:<13} {what}")
        if url:
            print(f"  {'':<13} {url}")


def print_asset_events(run: dict[str, Any]) -> bool:
    """
    Print the asset events the run emitted: one on each release asset of what it released, and
    the one on ``release_workflow.released`` (what ``release_announcement`` is scheduled on) that
    holds them all; false when one is missing.
    """
    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        rows = session.execute(
            select(AssetModel.uri, AssetEvent.extra)
            .join(AssetModel, AssetEvent.asset_id == AssetModel.id)
            .where(AssetEvent.source_dag_id == DAG_ID, AssetEvent.source_run_id == run["run_id"])
            .order_by(AssetEvent.id)
        ).all()
    print(f"\nThe run emitted {len(rows)} asset events:")
    released = None
    for uri, extra in rows:
        if extra.get("action") == "released":
            released = (uri, extra)
            continue
        print(f"  {uri}")
        print(f"    {json.dumps(extra, sort_keys=True)}")
    if released is not None:
        uri, extra = released
        services = ", ".join(milestone["service"] for milestone in extra.get("milestones", []))
        print(f"  {uri} (release_announcement is scheduled on it)")
        print(f"    version {extra.get('version')} released, with the milestones of {services}")
    if len(rows) < 5 or released is None:
        print(
            "Expected an event on each of the four release assets and one on release_workflow.released.",
            file=sys.stderr,
        )
        return False
    return True


def links_open(run: dict[str, Any]) -> bool:
    """Open every link the tasks pushed, as a browser would (no credentials): each must be a page."""
    from urllib.error import URLError
    from urllib.request import urlopen

    urls = sorted({values["release_url"] for values in run["xcoms"].values() if values.get("release_url")})
    broken = []
    for url in urls:
        try:
            with urlopen(url, timeout=10) as page:
                kind = page.headers.get_content_type()
                if kind != "text/html":
                    broken.append(f"{url}: {kind}, not a web page")
        except (URLError, OSError) as exc:
            broken.append(f"{url}: {exc}")
    if broken:
        print("\nThese links do not open a page:", *broken, sep="\n  ", file=sys.stderr)
        return False
    print(
        f"\nEach of the {len(urls)} links the tasks show opens the object's page in the sandbox (no login)."
    )
    return True


def phase_state(phase: dict[str, Any]) -> str:
    if phase.get("complete"):
        return "complete"
    return "active" if phase.get("status") == "active" else "not started"


def counts(sb: Any, run: dict[str, Any]) -> dict[str, int]:
    """How many of the release's objects exist at each vendor, and how often a phase was started."""
    plan = run["xcoms"]["plan_release"]["return_value"]
    aha = [r for r in sb.state("aha")["releases"] if r["name"] == plan["title"]]
    cryptlex = [
        release
        for product in sb.state("cryptlex")["products"]
        if product["id"] == plan["cryptlex_product"]
        for release in product["releases"]
        if release["version"] == plan["version"]
    ]
    flag_path = f"/api/v2/projects/{plan['launchdarkly_project']}/flags/{plan['flag']}/release"
    return {
        f"Aha! releases named {plan['title']!r}": len(aha),
        f"Cryptlex releases of version {plan['version']}": len(cryptlex),
        f"LaunchDarkly releases of flag {plan['flag']}": len(
            sb.requests_to("launchdarkly", "PUT", flag_path)
        ),
        "LaunchDarkly phase starts": sum("/phases/" in r.path for r in sb.requests_to("launchdarkly", "PUT")),
        "Amplitude release annotations": len(sb.state("amplitude")["releases"]),
    }


if __name__ == "__main__":
    sys.exit(main())
