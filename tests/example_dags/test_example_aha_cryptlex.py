"""The Aha! and Cryptlex how-to examples, run by dag.test() against the sandbox: what each step
sends, what it returns, what it leaves at the vendor, and what a second run does."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from airflow_provider_releases_sandbox import Sandbox
from airflow_provider_releases_sandbox.cryptlex import DESKTOP_APP_ID
from airflow_provider_releases_sandbox.dag_runs import run_dag

EXAMPLE_DAGS = Path(__file__).resolve().parents[2] / "example_dags"
LOGICAL_DATE = datetime(2026, 11, 16, 9, tzinfo=timezone.utc)


def run_example(name: str) -> tuple[Any, dict[str, Any]]:
    """Run ``example_dags/<name>.py`` once; return the run and its return values by task id."""
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    run = run_dag(EXAMPLE_DAGS / f"{name}.py", name, logical_date=LOGICAL_DATE)
    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    assert run.state == "success" and set(states.values()) == {"success"}, states
    with create_session() as session:
        rows = session.scalars(XComModel.get_many(run_id=run.run_id, dag_ids=name, key="return_value"))
        returned = {row.task_id: XComModel.deserialize_value(row) for row in rows}
    return run, returned


def writes(sb: Sandbox) -> list[tuple[str, str, str, int | None]]:
    return [(r.service, r.method, r.path, r.status) for r in sb.requests if r.method != "GET"]


def test_example_aha_creates_ships_copies_and_deletes_the_copy(release_sandbox: Sandbox) -> None:
    run, returned = run_example("example_aha")

    created, shipped, copy = (
        returned["create_release"],
        returned["wait_until_shipped"],
        returned["duplicate_release"],
    )
    ref = created["reference_num"]
    assert created["name"] == "Release 1.4.0" and created["release_date"] == run.run_after.strftime(
        "%Y-%m-%d"
    )
    assert returned["ship_release"]["released"] is True
    assert (shipped["reference_num"], shipped["released_on"]) == (
        ref,
        returned["ship_release"]["released_on"],
    )
    assert copy["id"] != created["id"] and copy["url"]
    assert returned["delete_copy"] == {
        "deleted": True,
        "already_absent": False,
        "product_id": "PRJ1",
        "release_id": copy["id"],
    }
    assert writes(release_sandbox) == [
        ("aha", "POST", "/api/v1/products/PRJ1/releases", 200),
        ("aha", "PUT", f"/api/v1/products/PRJ1/releases/{ref}", 200),
        ("aha", "POST", f"/api/v1/releases/{ref}/duplicate", 200),
        ("aha", "DELETE", f"/api/v1/products/PRJ1/releases/{copy['id']}", 204),
    ]
    releases = release_sandbox.state("aha")["releases"]
    assert [r["id"] for r in releases if r["id"] == copy["id"]] == []  # the copy is gone
    [release] = [r for r in releases if r["name"] == "Release 1.4.0"]
    assert (release["reference_num"], release["workflow_status"], release["released"]) == (
        ref,
        "Shipped",
        True,
    )

    # A second run finds the release by its name (no create), and makes and deletes a new copy.
    release_sandbox.clear_requests()
    _run, again = run_example("example_aha")
    assert again["create_release"]["id"] == created["id"]
    assert again["duplicate_release"]["id"] not in (created["id"], copy["id"])
    assert [method for _service, method, *_ in writes(release_sandbox)] == ["PUT", "POST", "DELETE"]
    assert len([r for r in release_sandbox.state("aha")["releases"] if r["name"] == "Release 1.4.0"]) == 1


def test_example_cryptlex_creates_uploads_publishes_and_sees_it_published(release_sandbox: Sandbox) -> None:
    _run, returned = run_example("example_cryptlex")

    created = returned["create_release"]
    release_id = created["id"]
    assert (created["version"], created["channel"], created["published"]) == ("1.4.0", "stable", False)
    uploaded = returned["upload_installer"]
    assert (uploaded["release_id"], uploaded["file_name"]) == (release_id, "DesktopApp-1.4.0-win64.zip")
    assert uploaded["size"] == Path(returned["build_installer"]).stat().st_size > 0
    assert returned["publish_release"]["published"] is True
    assert returned["wait_until_published"]["id"] == release_id
    assert returned["wait_until_published"]["published"] is True
    assert writes(release_sandbox) == [
        ("cryptlex", "POST", "/v3/releases", 201),
        ("cryptlex-releases", "PUT", f"/v3/{release_id}/DesktopApp-1.4.0-win64.zip", 200),
        ("cryptlex", "POST", f"/v3/releases/{release_id}/publish", 200),
    ]
    [product] = [p for p in release_sandbox.state("cryptlex")["products"] if p["id"] == DESKTOP_APP_ID]
    [release] = [r for r in product["releases"] if r["version"] == "1.4.0"]
    assert (release["id"], release["published"], release["files"]) == (
        release_id,
        True,
        ["DesktopApp-1.4.0-win64.zip"],
    )
