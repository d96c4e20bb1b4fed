"""
The milestone each operator and sensor puts on its outlet events, in one real DAG run
(``dag.test()``) against the sandbox, read back from the metadata database's asset events.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from airflow.sdk import Asset, AssetAlias

from airflow_provider_releases.operators.aha import AhaCreateReleaseOperator
from airflow_provider_releases.triggers.base import ReleaseWaitTrigger
from airflow_provider_releases_sandbox import Sandbox
from airflow_provider_releases_sandbox.cryptlex import DESKTOP_APP_ID
from airflow_provider_releases_sandbox.dag_runs import run_dag
from tests.helpers.connections import SECRETS
from tests.helpers.runs import run_task_with
from tests.operators.dags.milestones import AHA_SHIPPED_ID, CRYPTLEX_PUBLISHED_ID
from tests.operators.test_aha import FakeAha

DAG_FILE = Path(__file__).parent / "dags" / "milestones.py"


def asset_events(run) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    """The asset events the run made, by task id: ``(asset URI, extra)`` each."""
    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    events: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    with create_session() as session:
        rows = session.execute(
            select(AssetEvent.source_task_id, AssetModel.uri, AssetEvent.extra)
            .join(AssetModel, AssetModel.id == AssetEvent.asset_id)
            .where(AssetEvent.source_dag_id == run.dag_id, AssetEvent.source_run_id == run.run_id)
            .order_by(AssetEvent.id)
        ).all()
    for task_id, uri, extra in rows:
        events.setdefault(task_id, []).append((uri, extra))
    return events


@pytest.fixture
def trigger_runs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The class of each trigger run (dag.test() runs a deferred task's trigger in this process)."""
    runs: list[str] = []
    original = ReleaseWaitTrigger.run

    async def recording_run(self):
        runs.append(f"{type(self).__name__}({type(self.wait).__name__})")
        async for event in original(self):
            yield event

    monkeypatch.setattr(ReleaseWaitTrigger, "run", recording_run)
    return runs


@pytest.mark.usefixtures("sleeps")
def test_each_operator_and_sensor_puts_its_milestone_on_its_outlet_events(
    release_sandbox: Sandbox, trigger_runs: list[str], tmp_path: Path
) -> None:
    sb = release_sandbox
    sb.auto_advance(reads=2)  # the Testing phases complete after two reads
    # the deferrable sensors' first pokes meet a 503 at each attempt, so they defer; their triggers read
    sb.inject_fault(
        "aha", "error", status=503, count=6, method="GET", path=f"/api/v1/releases/{AHA_SHIPPED_ID}"
    )
    sb.inject_fault(
        "cryptlex", "error", status=503, count=6, method="GET", path=f"/v3/releases/{CRYPTLEX_PUBLISHED_ID}"
    )
    upload = tmp_path / "DesktopApp-2.0.0.zip"
    upload.write_bytes(b"release bytes" * 100)

    run = run_dag(DAG_FILE, "milestones", conf={"file": str(upload)})

    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    assert set(states.values()) == {"success"}, states
    assert sorted(trigger_runs) == [
        "LaunchDarklyReleasePhaseTrigger(LaunchDarklyReleasePhase)",
        "ReleaseWaitTrigger(AhaReleaseShipped)",
        "ReleaseWaitTrigger(CryptlexReleasePublished)",
    ]
    tis = {ti.task_id: ti for ti in run.get_task_instances()}

    def returned(task_id: str) -> dict[str, Any]:
        return tis[task_id].xcom_pull(task_ids=task_id)

    def link(task_id: str) -> str:
        return tis[task_id].xcom_pull(task_ids=task_id, key="release_url")

    aha, aha_web = "x-aha://PRJ1", sb.url("aha")
    new, copy = returned("aha_create"), returned("aha_duplicate")
    cx, cx_web = f"x-cryptlex://{DESKTOP_APP_ID}", f"{sb.url('cryptlex')}/products/{DESKTOP_APP_ID}/releases"
    made, made_published = returned("cx_create")["id"], returned("cx_create_published")["id"]
    ld_web = f"{sb.url('launchdarkly')}/projects/default/flags"
    testing = returned("ld_phase_poke")["_id"]
    shipped_seed = {
        "service": "aha",
        "action": "shipped",
        "release_id": "278327321",
        "reference_num": "PRJ1-R-1",
        "name": "Release 1.0",
        "released_on": "2026-01-20",
        "url": f"{aha_web}/releases/PRJ1-R-1",
    }
    cx_release = {"service": "cryptlex", "product_id": DESKTOP_APP_ID, "channel": "stable"}
    release_2_0 = {**cx_release, "version": "2.0.0", "release_id": made, "name": "Desktop app 2.0.0"}

    def flag(action: str, key: str, **fields: str) -> dict[str, Any]:
        return {
            "service": "launchdarkly",
            "action": action,
            "project_key": "default",
            "flag_key": key,
            **fields,
            "url": f"{ld_web}/{key}",
        }

    expected = {
        "aha_create": [
            (
                aha,
                {
                    "service": "aha",
                    "action": "created",
                    "release_id": new["id"],
                    "reference_num": new["reference_num"],
                    "product_id": "131414752",
                    "name": "Release 4.0",
                    "url": f"{aha_web}/releases/{new['reference_num']}",
                },
            )
        ],
        "aha_ship": [
            (
                aha,
                {
                    "service": "aha",
                    "action": "shipped",
                    "release_id": new["id"],
                    "reference_num": new["reference_num"],
                    "product_id": "131414752",
                    "name": "Release 4.0",
                    "released_on": returned("aha_ship")["released_on"],
                    "url": f"{aha_web}/releases/{new['reference_num']}",
                },
            )
        ],
        "aha_update": [
            (
                aha,
                {
                    "service": "aha",
                    "action": "updated",
                    "release_id": "325518644",
                    "reference_num": "PRJ1-R-3",
                    "product_id": "131414752",
                    "name": "Release 1.2",
                    "url": f"{aha_web}/releases/PRJ1-R-3",
                },
            )
        ],
        "aha_duplicate": [
            (
                aha,
                {
                    "service": "aha",
                    "action": "duplicated",
                    "release_id": copy["id"],
                    "reference_num": copy["reference_num"],
                    "product_id": "131414752",
                    "name": "[Copy] Release 1.1",
                    "source_release_id": "PRJ1-R-2",
                    "url": f"{aha_web}/releases/{copy['reference_num']}",
                },
            )
        ],
        "aha_delete": [
            (aha, {"service": "aha", "action": "deleted", "release_id": "PRJ1-R-4", "product_id": "PRJ1"})
        ],
        "aha_dry_run": [(aha, {})],  # Airflow's own event; a dry run adds no milestone
        "aha_shipped_poke": [(aha, shipped_seed)],
        "aha_shipped_deferred": [(aha, shipped_seed)],
        "cx_create": [(cx, {**release_2_0, "action": "created", "url": f"{cx_web}/{made}"})],
        "cx_upload": [
            (
                cx,
                {
                    **release_2_0,
                    "action": "file_uploaded",
                    "file_name": "DesktopApp-2.0.0.zip",
                    "size": 1300,
                    "url": f"{cx_web}/{made}",
                },
            )
        ],
        "cx_publish": [(cx, {**release_2_0, "action": "published", "url": f"{cx_web}/{made}"})],
        "cx_published_poke": [(cx, {**release_2_0, "action": "published", "url": f"{cx_web}/{made}"})],
        "cx_create_published": [
            (
                cx,
                {
                    **cx_release,
                    "action": "published",
                    "version": "2.1.0",
                    "release_id": made_published,
                    "name": "Desktop app 2.1.0",
                    "url": f"{cx_web}/{made_published}",
                },
            )
        ],
        "cx_published_deferred": [
            (
                cx,
                {
                    **cx_release,
                    "action": "published",
                    "version": "1.0.0",
                    "release_id": CRYPTLEX_PUBLISHED_ID,
                    "name": "Desktop app 1.0.0",
                    "url": f"{cx_web}/{CRYPTLEX_PUBLISHED_ID}",
                },
            )
        ],
        "amplitude_annotate": [  # the alias outlet got no event
            (
                "x-amplitude://web",
                {
                    "service": "amplitude",
                    "action": "annotated",
                    "version": "2.0.0",
                    "release_id": returned("amplitude_annotate")["id"],
                    "title": "Release 2.0.0",
                    "release_start": "2026-05-01 12:00:00",
                },
            )
        ],
    }
    for key, mode in (("new-checkout", "poke"), ("dark-mode", "deferred")):
        asset = f"x-launchdarkly://default/{key}"
        phase = {"phase_id": testing, "phase_name": "Testing"}
        expected[f"ld_attach_{mode}"] = [
            (asset, flag("attached", key, release_pipeline_key="standard-release"))
        ]
        expected[f"ld_start_{mode}"] = [  # through an asset reference
            (asset, flag("phase_started", key, release_pipeline_key="standard-release", **phase))
        ]
        expected[f"ld_phase_{mode}"] = [(asset, flag("phase_completed", key, **phase))]

    events = asset_events(run)

    assert events == expected  # one event per task with outlets: none for amplitude_no_outlets
    assert "amplitude_no_outlets" in states
    for task_id, [(_, extra)] in events.items():
        if task_id in tis and link(task_id) is not None:
            assert extra["url"] == link(task_id), task_id  # the extra link's URL
    dumped = json.dumps(events)
    secrets = [*SECRETS.values(), *(s for backend in sb.app.backends.values() for s in backend.secrets())]
    assert len(secrets) == 10 and not [secret for secret in secrets if secret in dumped]


# Without a DAG run: the context a test builds by hand


def test_an_alias_outlet_gets_the_event_on_the_asset_of_the_tasks_own_target(
    requests_mock, make_context
) -> None:
    from airflow.sdk.execution_time.context import OutletEventAccessors

    FakeAha(requests_mock)
    op = AhaCreateReleaseOperator(
        task_id="create",
        product_id="PRJ1",
        name="Release 2.0",
        outlets=[Asset("x-aha://PRJ1"), AssetAlias("x-release-alias")],
    )
    events = OutletEventAccessors()

    result = run_task_with(op, make_context, outlet_events=events)

    milestone = {
        "service": "aha",
        "action": "created",
        "release_id": result["id"],
        "reference_num": "PRJ1-R-1",
        "name": "Release 2.0",
        "url": "https://company.aha.io/releases/PRJ1-R-1",
    }
    assert events[Asset("x-aha://PRJ1")].extra == milestone
    [through_alias] = events[AssetAlias("x-release-alias")].asset_alias_events
    assert (through_alias.source_alias_name, through_alias.dest_asset_key.uri) == (
        "x-release-alias",
        "aha://PRJ1",
    )
    assert through_alias.extra == milestone


def test_a_dry_run_that_needed_no_change_writes_no_milestone(requests_mock, make_context) -> None:
    from airflow.sdk.execution_time.context import OutletEventAccessors

    FakeAha(requests_mock, names=("Release 2.0",))
    op = AhaCreateReleaseOperator(
        task_id="create", product_id="PRJ1", name="Release 2.0", dry_run=True, outlets=[Asset("x-aha://PRJ1")]
    )
    events = OutletEventAccessors()

    result = run_task_with(op, make_context, outlet_events=events)

    assert result["reference_num"] == "PRJ1-R-1"  # found by its name: the dry run ran to its end
    assert len(events) == 0


def test_a_context_without_outlet_events_gets_no_milestone(requests_mock, make_context) -> None:
    FakeAha(requests_mock)
    op = AhaCreateReleaseOperator(
        task_id="create", product_id="PRJ1", name="Release 2.0", outlets=[Asset("x-aha://PRJ1")]
    )

    result = run_task_with(op, make_context)

    assert result["name"] == "Release 2.0"
