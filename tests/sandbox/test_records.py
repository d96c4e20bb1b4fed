"""The typed state of the sandbox's services answers as the vendor's JSON and comes back from it."""

from __future__ import annotations

import json

from airflow_provider_releases_sandbox.aha import AhaBackend
from airflow_provider_releases_sandbox.aha.records import Phase, Theme
from airflow_provider_releases_sandbox.aha.records import Release as AhaRelease
from airflow_provider_releases_sandbox.amplitude.records import Release as AmplitudeRelease
from airflow_provider_releases_sandbox.amplitude.records import Stamps
from airflow_provider_releases_sandbox.core import Request
from airflow_provider_releases_sandbox.cryptlex import CryptlexBackend
from airflow_provider_releases_sandbox.cryptlex.records import Release, ReleaseFile
from airflow_provider_releases_sandbox.launchdarkly import LaunchDarklyBackend
from airflow_provider_releases_sandbox.launchdarkly.records import FlagRelease, Project, ReleasePhase
from airflow_provider_releases_sandbox.launchdarkly.records import Release as FlagReleaseBody


def test_a_cryptlex_release_answers_in_camel_case_and_round_trips() -> None:
    release = next(iter(CryptlexBackend({}).model.releases.values()))
    assert isinstance(release, Release) and all(isinstance(f, ReleaseFile) for f in release.files)
    wire = release.to_json()
    assert {"createdAt", "publishedAt", "totalFiles", "productId", "tenantId"} <= set(wire)
    assert wire["files"][0]["releaseId"] == release.id
    assert Release.from_json(wire) == release


def test_an_amplitude_release_answers_in_snake_case_and_round_trips() -> None:
    release = AmplitudeRelease(
        id="abc1234",
        app_id=1,
        org_id=2,
        version="1.0",
        release_start="2026-01-01 00:00:00",
        release_end="2026-01-01 00:00:00",
        type="integration",
        title="One",
        description="",
        platforms=[],
        chart_visibility=True,
        params=Stamps(created=1, created_by="API", last_modified=1, last_modified_by="API"),
    )
    wire = release.to_json()
    assert wire["release_start"] == "2026-01-01 00:00:00" and wire["params"]["created_by"] == "API"
    assert AmplitudeRelease.from_json(wire) == release


def test_aha_state_is_records_that_a_snapshot_restores() -> None:
    backend = AhaBackend({})
    release = backend.model.release("PRJ1-R-1")
    assert isinstance(release, AhaRelease) and isinstance(release.theme, Theme)
    assert all(isinstance(phase, Phase) for phase in backend.model.phases.values())
    before = backend.get_release(Request("GET", "/api/v1/releases/PRJ1-R-1", {}, {}), "PRJ1-R-1")
    snapshot = json.loads(json.dumps(backend.snapshot()))
    assert snapshot["releases"][release.id]["workflow_status_times"][0]["status_name"] == "Shipped"
    backend.model.shipping_release("PRJ1-R-2")
    backend.restore(snapshot)
    assert backend.model.release("PRJ1-R-1") == release
    assert backend.model.release("PRJ1-R-2").released is False
    assert backend.get_release(Request("GET", "/api/v1/releases/PRJ1-R-1", {}, {}), "PRJ1-R-1") == before


def test_a_record_saved_before_a_field_existed_takes_its_default() -> None:
    saved = {"id": "1", "release_id": "2", "name": "Launch", "type": "milestone", "start_on": "2026-01-20"}
    assert Phase.from_json(saved) == Phase(
        id="1", release_id="2", name="Launch", type="milestone", start_on="2026-01-20"
    )


def test_a_launchdarkly_release_leaves_out_its_times_until_they_happen_and_round_trips() -> None:
    backend = LaunchDarklyBackend()
    record = next(r for r in backend.model.records() if r.release.canceled_at is None)
    assert isinstance(record, FlagRelease) and isinstance(record.release.phases[0], ReleasePhase)
    waiting = [p.to_json() for p in record.release.phases if not p.started]
    assert waiting and all(not {"_startedDate", "_completionDate", "_completedBy"} & set(p) for p in waiting)
    assert "_canceledAt" not in record.release.to_json()
    backend.model.cancel(record)
    wire = record.release.to_json()
    assert wire["_canceledAt"] == record.release.canceled_at and wire["phases"][0]["_id"]
    assert FlagReleaseBody.from_json(wire) == record.release
    assert FlagRelease.from_json(record.to_json()) == record


def test_launchdarkly_state_comes_back_from_a_snapshot() -> None:
    backend = LaunchDarklyBackend()
    snapshot = json.loads(json.dumps(backend.snapshot()))
    before = backend.state()
    record = backend.model.records()[0]
    backend.model.cancel(record)
    backend.restore(snapshot)
    assert backend.state() == before
    assert all(isinstance(project, Project) for project in backend.model.projects.values())
