"""The typed state of the sandbox's services answers as the vendor's JSON and comes back from it."""

from __future__ import annotations

from airflow_provider_releases_sandbox.amplitude.records import Release as AmplitudeRelease
from airflow_provider_releases_sandbox.amplitude.records import Stamps
from airflow_provider_releases_sandbox.cryptlex import CryptlexBackend
from airflow_provider_releases_sandbox.cryptlex.records import Release, ReleaseFile


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
