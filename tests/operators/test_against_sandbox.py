"""Every operator against the sandbox over real HTTP: run twice, one object on the vendor's side."""

from __future__ import annotations

import pytest

from airflow_provider_releases.operators.aha import (
    AhaCreateReleaseOperator,
    AhaDeleteReleaseOperator,
    AhaDuplicateReleaseOperator,
    AhaUpdateReleaseOperator,
)
from airflow_provider_releases.operators.amplitude import AmplitudeCreateReleaseOperator
from airflow_provider_releases.operators.cryptlex import (
    CryptlexCreateReleaseOperator,
    CryptlexPublishReleaseOperator,
    CryptlexUploadReleaseFileOperator,
)
from airflow_provider_releases.operators.launchdarkly import (
    LaunchDarklyAttachFlagToPipelineOperator,
    LaunchDarklyStartPhaseOperator,
)
from airflow_provider_releases.sandbox import Sandbox
from airflow_provider_releases.sandbox.cryptlex import DESKTOP_APP_ID

FLAG = {"project_key": "default", "flag_key": "new-checkout"}


def run(operator, make_context):
    context = make_context(operator.task_id)
    operator.render_template_fields(context)
    return operator.execute(context), context["ti"].pushed


def aha_releases(sb: Sandbox, name: str) -> list[dict]:
    return [release for release in sb.control("aha.state")["releases"] if release["name"] == name]


def cryptlex_releases(sb: Sandbox, version: str, channel: str) -> list[dict]:
    [product] = [p for p in sb.control("cryptlex.state")["products"] if p["id"] == DESKTOP_APP_ID]
    return [r for r in product["releases"] if (r["version"], r["channel"]) == (version, channel)]


def test_aha_create_twice_makes_one_release_then_update_ships_it(release_sandbox, make_context) -> None:
    create = AhaCreateReleaseOperator(
        task_id="create", product_id="PRJ1", name="Release 3.0", fields={"release_date": "2026-12-01"}
    )
    first, pushed = run(create, make_context)
    second, _ = run(create, make_context)
    assert first["id"] == second["id"] and first["name"] == "Release 3.0"
    assert len(aha_releases(release_sandbox, "Release 3.0")) == 1
    assert len(release_sandbox.requests_to("aha", "POST")) == 1
    assert pushed == {"release_url": first["url"]}
    assert first["url"].endswith(f"/aha/releases/{first['reference_num']}")

    ship = AhaUpdateReleaseOperator(
        task_id="ship", product_id="PRJ1", release_id=first["id"], fields={"workflow_status": "Shipped"}
    )
    shipped, _ = run(ship, make_context)
    assert shipped["released"] is True and shipped["workflow_status"]["name"] == "Shipped"


def test_aha_duplicate_returns_the_copy_with_its_page(release_sandbox, make_context) -> None:
    copy, pushed = run(AhaDuplicateReleaseOperator(task_id="copy", release_id="PRJ1-R-2"), make_context)
    assert copy["name"] == "[Copy] Release 1.1"
    assert pushed == {"release_url": copy["url"]} and copy["url"]
    assert len(aha_releases(release_sandbox, "[Copy] Release 1.1")) == 1


def test_aha_delete_twice_is_not_an_error(release_sandbox, make_context) -> None:
    delete = AhaDeleteReleaseOperator(task_id="delete", product_id="PRJ1", release_id="PRJ1-R-2")
    first, _ = run(delete, make_context)
    second, _ = run(delete, make_context)
    assert (first["deleted"], second["deleted"], second["already_absent"]) == (True, False, True)
    assert aha_releases(release_sandbox, "Release 1.1") == []


def test_aha_create_dry_run_sends_nothing(release_sandbox, make_context) -> None:
    result, pushed = run(
        AhaCreateReleaseOperator(task_id="create", product_id="PRJ1", name="Release 9", dry_run=True),
        make_context,
    )
    assert result["dry_run"] is True
    assert result["request"]["method"] == "POST"
    assert result["request"]["url"] == f"{release_sandbox.url('aha')}/api/v1/products/PRJ1/releases"
    assert [r.method for r in release_sandbox.requests] == ["GET"]  # the idempotency look-up only
    assert pushed == {}  # no object, no page
    assert aha_releases(release_sandbox, "Release 9") == []


def test_launchdarkly_attach_twice_then_start_the_first_phase_twice(release_sandbox, make_context) -> None:
    attach = LaunchDarklyAttachFlagToPipelineOperator(
        task_id="attach", release_pipeline_key="standard-release", **FLAG
    )
    first, pushed = run(attach, make_context)
    second, _ = run(attach, make_context)
    assert first["releasePipelineKey"] == second["releasePipelineKey"] == "standard-release"
    assert len(release_sandbox.requests_to("launchdarkly", "PUT")) == 1
    assert pushed == {
        "release_url": f"{release_sandbox.url('launchdarkly')}/projects/default/flags/new-checkout"
    }

    start = LaunchDarklyStartPhaseOperator(task_id="start", phase="Testing", **FLAG)
    phase, _ = run(start, make_context)
    again, _ = run(start, make_context)
    assert phase["_name"] == again["_name"] == "Testing"
    assert phase["status"] == "active"
    phase_puts = [r for r in release_sandbox.requests_to("launchdarkly", "PUT") if "/phases/" in r.path]
    assert [r.body for r in phase_puts] == [{"status": "active"}]


def test_launchdarkly_attach_to_another_pipeline_names_both(release_sandbox, make_context) -> None:
    run(
        LaunchDarklyAttachFlagToPipelineOperator(
            task_id="a", release_pipeline_key="standard-release", **FLAG
        ),
        make_context,
    )
    other = LaunchDarklyAttachFlagToPipelineOperator(task_id="b", release_pipeline_key="hotfix", **FLAG)
    with pytest.raises(ValueError) as caught:
        run(other, make_context)
    assert str(caught.value) == (
        "LaunchDarkly flag 'new-checkout' of project 'default' is already on release pipeline "
        "'standard-release', not on the requested pipeline 'hotfix'. Set replace_existing=True to remove "
        "it from 'standard-release' and attach it to 'hotfix'."
    )
    replaced, _ = run(
        LaunchDarklyAttachFlagToPipelineOperator(
            task_id="c", release_pipeline_key="hotfix", replace_existing=True, **FLAG
        ),
        make_context,
    )
    assert replaced["releasePipelineKey"] == "hotfix"
    assert [r.method for r in release_sandbox.requests if r.method != "GET"] == ["PUT", "DELETE", "PUT"]


def test_cryptlex_create_twice_with_publish_makes_one_published_release(
    release_sandbox, make_context
) -> None:
    create = CryptlexCreateReleaseOperator(
        task_id="create",
        product_id=DESKTOP_APP_ID,
        name="Desktop app 2.0.0",
        version="2.0.0",
        platforms=["windows"],
        publish=True,
    )
    first, pushed = run(create, make_context)
    second, _ = run(create, make_context)
    assert first["id"] == second["id"] and second["published"] is True
    [record] = cryptlex_releases(release_sandbox, "2.0.0", "stable")
    assert record["published"] is True
    assert [r.path for r in release_sandbox.requests_to("cryptlex", "POST")] == [
        "/v3/releases",
        f"/v3/releases/{first['id']}/publish",
    ]
    assert pushed == {
        "release_url": f"{release_sandbox.url('cryptlex')}/products/{DESKTOP_APP_ID}/releases/{first['id']}"
    }


def test_cryptlex_upload_then_publish(release_sandbox, make_context, tmp_path) -> None:
    created, _ = run(
        CryptlexCreateReleaseOperator(task_id="c", product_id=DESKTOP_APP_ID, name="App 2.1", version="2.1"),
        make_context,
    )
    artifact = tmp_path / "app-2.1.zip"
    artifact.write_bytes(b"PK\x03\x04 release bits")
    uploaded, _ = run(
        CryptlexUploadReleaseFileOperator(task_id="u", release_id=created["id"], path=str(artifact)),
        make_context,
    )
    [put] = release_sandbox.requests_to("cryptlex-releases", "PUT")
    assert put.path == f"/v3/{created['id']}/app-2.1.zip"
    assert (uploaded["release_id"], uploaded["file_name"], uploaded["size"]) == (
        created["id"],
        "app-2.1.zip",
        artifact.stat().st_size,
    )
    assert uploaded["response"]["name"] == "app-2.1.zip"
    publish = CryptlexPublishReleaseOperator(task_id="p", release_id=created["id"])
    published, _ = run(publish, make_context)
    again, _ = run(publish, make_context)
    assert published["published"] is again["published"] is True
    assert (
        len([r for r in release_sandbox.requests_to("cryptlex", "POST") if r.path.endswith("/publish")]) == 1
    )


def test_amplitude_annotates_the_run_with_its_logical_date(release_sandbox, make_context) -> None:
    release, pushed = run(
        AmplitudeCreateReleaseOperator(task_id="annotate", version="2.0.0", title="Release 2.0.0"),
        make_context,
    )
    [post] = release_sandbox.requests_to("amplitude", "POST", "/api/2/release")
    assert post.body["release_start"] == "2026-05-01 12:30:00"
    assert release["version"] == "2.0.0"
    assert pushed == {}
