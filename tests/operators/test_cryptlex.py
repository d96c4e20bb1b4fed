from __future__ import annotations

import json
import re

import pytest

from airflow_provider_releases.exceptions import (
    InvalidParameterError,
    ReleasesApiConflictError,
)
from airflow_provider_releases.hooks.cryptlex import CryptlexHook
from airflow_provider_releases.links.cryptlex import CryptlexReleaseLink
from airflow_provider_releases.operators.base import ReleasePermanentError, ReleaseStepError
from airflow_provider_releases.operators.cryptlex import (
    CryptlexCreateReleaseOperator,
    CryptlexPublishReleaseOperator,
    CryptlexUploadReleaseFileOperator,
)
from airflow_provider_releases_sandbox import Sandbox
from airflow_provider_releases_sandbox.cryptlex import DESKTOP_APP_ID
from tests.helpers import assert_cryptlex_headers
from tests.helpers.connections import assert_no_secrets, set_connection
from tests.helpers.runs import mutating, run_task

API = "https://api.cryptlex.com"
FILES = "https://releases.cryptlex.com"
APP = "https://app.cryptlex.com"
CONTENT = b"PK\x03\x04 zip bytes"


class FakeCryptlex:
    """Release records as Cryptlex keeps them, behind requests-mock."""

    def __init__(self, requests_mock) -> None:
        self.releases: dict[str, dict] = {}
        self.files: dict[tuple[str, str], bytes] = {}
        self.refuse_publish = False
        requests_mock.get(f"{API}/v3/releases", json=self._list)
        requests_mock.post(f"{API}/v3/releases", json=self._create)
        requests_mock.get(re.compile(re.escape(f"{API}/v3/releases/") + r"[^/]+$"), json=self._get)
        requests_mock.post(re.compile(re.escape(f"{API}/v3/releases/") + ".+/publish"), json=self._publish)
        requests_mock.put(re.compile(re.escape(f"{FILES}/v3/") + ".+"), json=self._upload)

    def add(self, **fields) -> dict:
        release_id = f"rel-{len(self.releases) + 1}"
        release = {"id": release_id, "published": False, "private": False, "platforms": [], **fields}
        self.releases[release_id] = release
        return release

    def _list(self, request, context):
        query = {key: values[0] for key, values in request.qs.items()}
        matches = [
            r
            for r in self.releases.values()
            if r["productId"].lower() == query["productid"]
            and all(r[name].lower() == query[name] for name in ("version", "channel") if name in query)
        ]
        page, limit = int(query["page"]), int(query["limit"])
        return matches[(page - 1) * limit : page * limit]

    def _create(self, request, context):
        context.status_code = 201
        return self.add(**request.json())

    def _get(self, request, context):
        release = self.releases.get(request.path.rsplit("/", 1)[1])
        if release is None:
            context.status_code = 404
            return {"message": "Release not found"}
        return release

    def _publish(self, request, context):
        if self.refuse_publish:
            context.status_code = 409
            return {"message": "Release has no files", "code": "conflict"}
        release = self.releases[request.path.split("/")[-2]]
        release["published"] = True
        return release

    def _upload(self, request, context):
        _, _, release_id, name = request.path.split("/")
        self.files[(release_id, name)] = (
            request.body if isinstance(request.body, bytes) else request.body.read()
        )
        return {"name": name}


CREATE = dict(
    product_id="prod-1",
    name="Spring release",
    version="1.4.2",
    channel="beta",
    platforms=["windows", "macos"],
    private=True,
    notes="## Fixed\n- crash on start",
)


# Create


def test_create_looks_up_then_posts_and_pushes_the_dashboard_url(requests_mock, make_context):
    vendor = FakeCryptlex(requests_mock)
    context = make_context("create")
    result = CryptlexCreateReleaseOperator(task_id="create", **CREATE).execute(context)
    get, post = requests_mock.request_history
    assert get.method == "GET"
    assert get.qs == {
        "productid": ["prod-1"],
        "version": ["1.4.2"],
        "channel": ["beta"],
        "page": ["1"],
        "limit": ["100"],
    }
    assert post.method == "POST"
    assert post.url == f"{API}/v3/releases"
    assert_cryptlex_headers(post)
    assert post.json() == {
        "name": "Spring release",
        "version": "1.4.2",
        "channel": "beta",
        "productId": "prod-1",
        "platforms": ["windows", "macos"],
        "private": True,
        "notes": "## Fixed\n- crash on start",
    }
    assert result == vendor.releases["rel-1"]
    assert result["published"] is False
    json.dumps(result)
    assert context["ti"].pushed == {"release_url": f"{APP}/products/prod-1/releases/rel-1"}


def test_create_twice_leaves_one_release(requests_mock, make_context):
    vendor = FakeCryptlex(requests_mock)
    first = CryptlexCreateReleaseOperator(task_id="create", **CREATE).execute(make_context("create"))
    context = make_context("create")
    second = CryptlexCreateReleaseOperator(task_id="create", **CREATE).execute(context)
    assert second == first
    assert len(vendor.releases) == 1
    assert [r.method for r in mutating(requests_mock)] == ["POST"]
    assert context["ti"].pushed == {"release_url": f"{APP}/products/prod-1/releases/rel-1"}


def test_create_is_keyed_by_version_and_channel(requests_mock, make_context):
    vendor = FakeCryptlex(requests_mock)
    vendor.add(productId="prod-1", name="Spring release", version="1.4.2", channel="stable")
    vendor.add(productId="prod-1", name="Older", version="1.4.1", channel="beta")
    result = CryptlexCreateReleaseOperator(task_id="create", **CREATE).execute(make_context("create"))
    assert result["id"] == "rel-3"
    assert len(vendor.releases) == 3


def test_create_ignores_list_items_that_do_not_match(requests_mock, make_context):
    """A server that ignored the filters would list other releases: only an exact match counts."""
    requests_mock.get(
        f"{API}/v3/releases",
        json=[{"id": "other", "productId": "prod-1", "version": "1.4.20", "channel": "beta"}],
    )
    requests_mock.post(f"{API}/v3/releases", status_code=201, json={"id": "new", "productId": "prod-1"})
    result = CryptlexCreateReleaseOperator(task_id="create", **CREATE).execute(make_context("create"))
    assert result["id"] == "new"


def test_create_with_an_existing_release_warns_about_differences(requests_mock, make_context, output):
    vendor = FakeCryptlex(requests_mock)
    vendor.add(productId="prod-1", name="Old name", version="1.4.2", channel="beta")
    result = CryptlexCreateReleaseOperator(task_id="create", **CREATE).execute(make_context("create"))
    assert result["name"] == "Old name"
    assert mutating(requests_mock) == []
    assert "differs from the requested one in name, platforms, private; it was not changed" in output()


def test_create_and_publish(requests_mock, make_context):
    vendor = FakeCryptlex(requests_mock)
    result = CryptlexCreateReleaseOperator(task_id="create", publish=True, **CREATE).execute(
        make_context("create")
    )
    assert [(r.method, r.url) for r in mutating(requests_mock)] == [
        ("POST", f"{API}/v3/releases"),
        ("POST", f"{API}/v3/releases/rel-1/publish"),
    ]
    assert_cryptlex_headers(requests_mock.last_request)
    assert result["published"] is True
    assert vendor.releases["rel-1"]["published"] is True
    # run again: found, already published, nothing sent
    again = CryptlexCreateReleaseOperator(task_id="create", publish=True, **CREATE).execute(
        make_context("create")
    )
    assert again == result
    assert len(mutating(requests_mock)) == 2


def test_create_publishes_an_existing_unpublished_release(requests_mock, make_context):
    vendor = FakeCryptlex(requests_mock)
    vendor.add(productId="prod-1", name="Spring release", version="1.4.2", channel="beta")
    result = CryptlexCreateReleaseOperator(task_id="create", publish=True, **CREATE).execute(
        make_context("create")
    )
    assert [r.url for r in mutating(requests_mock)] == [f"{API}/v3/releases/rel-1/publish"]
    assert result["published"] is True


def test_publish_failure_after_create_names_the_created_release(requests_mock, make_context):
    vendor = FakeCryptlex(requests_mock)
    vendor.refuse_publish = True
    context = make_context("create")
    with pytest.raises(
        ReleasePermanentError,
        match=(
            r"^Permanent failure \(conflict; connection 'cryptlex_default'\), not retried: Created Cryptlex"
            r" release rel-1 .* publishing"
        ),
    ) as caught:
        CryptlexCreateReleaseOperator(task_id="create", publish=True, **CREATE).execute(context)
    assert caught.value.done == ["created release rel-1"]
    assert caught.value.status == 409
    assert isinstance(caught.value.__cause__, ReleaseStepError)
    assert isinstance(caught.value.__cause__.__cause__, ReleasesApiConflictError)
    assert "Release has no files" in str(caught.value)
    assert vendor.releases["rel-1"]["published"] is False


def test_create_templating(requests_mock, make_context):
    FakeCryptlex(requests_mock)
    op = CryptlexCreateReleaseOperator(
        task_id="create",
        product_id="{{ params.product }}",
        name="Release {{ params.version }}",
        version="{{ params.version }}",
        channel="{{ params.channel }}",
        platforms=["{{ params.platform }}"],
        notes="Built on {{ ds }}",
    )
    assert op.template_fields_renderers == {"notes": "md"}
    context = make_context(
        "create", params={"product": "prod-1", "version": "2.0.1", "channel": "stable", "platform": "linux"}
    )
    op.render_template_fields(context)
    op.execute(context)
    assert requests_mock.last_request.json() == {
        "name": "Release 2.0.1",
        "version": "2.0.1",
        "channel": "stable",
        "productId": "prod-1",
        "platforms": ["linux"],
        "notes": "Built on 2026-05-01",
    }


def test_create_dry_run_sends_nothing_and_says_it_would_publish(requests_mock, make_context, output):
    vendor = FakeCryptlex(requests_mock)
    context = make_context("create")
    result = CryptlexCreateReleaseOperator(task_id="create", publish=True, dry_run=True, **CREATE).execute(
        context
    )
    assert result == {
        "dry_run": True,
        "request": {
            "method": "POST",
            "url": f"{API}/v3/releases",
            "json": {
                "name": "Spring release",
                "version": "1.4.2",
                "channel": "beta",
                "productId": "prod-1",
                "platforms": ["windows", "macos"],
                "private": True,
                "notes": "## Fixed\n- crash on start",
            },
        },
        "then": ["publish the new release (POST /v3/releases/<new release id>/publish)"],
    }
    assert mutating(requests_mock) == []
    assert vendor.releases == {}
    assert context["ti"].pushed == {}
    assert_no_secrets(output(), result)


@pytest.mark.parametrize(
    ("kwargs", "param"),
    [
        ({"version": "1.4.2-beta"}, "version"),
        ({"version": "v1"}, "version"),
        ({"name": ""}, "name"),
        ({"channel": "x" * 257}, "channel"),
        ({"notes": "x" * 4097}, "notes"),
        ({"platforms": "windows"}, "platforms"),
        ({"product_id": "a/b"}, "product_id"),
    ],
)
def test_create_rejects_bad_input_before_any_request(requests_mock, make_context, kwargs, param):
    with pytest.raises(InvalidParameterError, match=param):
        CryptlexCreateReleaseOperator(task_id="create", **{**CREATE, **kwargs}).execute(
            make_context("create")
        )
    assert requests_mock.request_history == []


# Publish


def test_publish_reads_then_publishes_once(requests_mock, make_context):
    vendor = FakeCryptlex(requests_mock)
    vendor.add(productId="prod-1", name="R", version="1.0", channel="stable")
    op = CryptlexPublishReleaseOperator(task_id="publish", release_id="{{ params.release }}")
    context = make_context("publish", params={"release": "rel-1"})
    op.render_template_fields(context)
    result = op.execute(context)
    get, post = requests_mock.request_history
    assert (get.method, get.url) == ("GET", f"{API}/v3/releases/rel-1")
    assert (post.method, post.url) == ("POST", f"{API}/v3/releases/rel-1/publish")
    assert_cryptlex_headers(post)
    assert result["published"] is True
    json.dumps(result)
    assert context["ti"].pushed == {"release_url": f"{APP}/products/prod-1/releases/rel-1"}
    again = CryptlexPublishReleaseOperator(task_id="publish", release_id="rel-1").execute(
        make_context("publish")
    )
    assert again == result
    assert len(mutating(requests_mock)) == 1


def test_publish_rereads_when_the_answer_has_no_body(requests_mock, make_context):
    requests_mock.get(
        f"{API}/v3/releases/rel-1",
        [
            {"json": {"id": "rel-1", "productId": "prod-1", "published": False}},
            {"json": {"id": "rel-1", "productId": "prod-1", "published": True}},
        ],
    )
    requests_mock.post(f"{API}/v3/releases/rel-1/publish", status_code=204)
    result = CryptlexPublishReleaseOperator(task_id="publish", release_id="rel-1").execute(
        make_context("publish")
    )
    assert result == {"id": "rel-1", "productId": "prod-1", "published": True}


def test_publish_dry_run(requests_mock, make_context, output):
    vendor = FakeCryptlex(requests_mock)
    vendor.add(productId="prod-1", name="R", version="1.0", channel="stable")
    result = CryptlexPublishReleaseOperator(task_id="publish", release_id="rel-1", dry_run=True).execute(
        make_context("publish")
    )
    assert result == {
        "dry_run": True,
        "request": {"method": "POST", "url": f"{API}/v3/releases/rel-1/publish"},
    }
    assert mutating(requests_mock) == []
    assert vendor.releases["rel-1"]["published"] is False
    assert_no_secrets(output(), result)


# Upload


@pytest.fixture
def build_file(tmp_path):
    path = tmp_path / "app-1.4.2.zip"
    path.write_bytes(CONTENT)
    return path


def test_upload_streams_the_file_and_pushes_the_url(requests_mock, make_context, build_file):
    vendor = FakeCryptlex(requests_mock)
    vendor.add(productId="prod-1", name="R", version="1.0", channel="stable")
    op = CryptlexUploadReleaseFileOperator(
        task_id="upload",
        release_id="rel-1",
        path="{{ params.dir }}/app-1.4.2.zip",
        file_name="{{ params.name }}",
    )
    context = make_context("upload", params={"dir": str(build_file.parent), "name": "app-windows.zip"})
    op.render_template_fields(context)
    result = op.execute(context)
    get, put = requests_mock.request_history
    assert (get.method, get.url) == ("GET", f"{API}/v3/releases/rel-1")
    assert (put.method, put.url) == ("PUT", f"{FILES}/v3/rel-1/app-windows.zip")
    assert_cryptlex_headers(put)
    assert put.headers["Content-Type"] == "application/octet-stream"
    assert vendor.files == {("rel-1", "app-windows.zip"): CONTENT}
    assert result == {
        "release_id": "rel-1",
        "file_name": "app-windows.zip",
        "size": len(CONTENT),
        "response": {"name": "app-windows.zip"},
    }
    json.dumps(result)
    assert context["ti"].pushed == {"release_url": f"{APP}/products/prod-1/releases/rel-1"}


def test_upload_twice_leaves_one_file(requests_mock, make_context, build_file):
    vendor = FakeCryptlex(requests_mock)
    vendor.add(productId="prod-1", name="R", version="1.0", channel="stable")
    for _ in range(2):
        CryptlexUploadReleaseFileOperator(task_id="upload", release_id="rel-1", path=str(build_file)).execute(
            make_context("upload")
        )
    assert list(vendor.files) == [("rel-1", "app-1.4.2.zip")]


def test_upload_dry_run_describes_the_file_not_its_bytes(requests_mock, make_context, build_file, output):
    vendor = FakeCryptlex(requests_mock)
    vendor.add(productId="prod-1", name="R", version="1.0", channel="stable")
    result = CryptlexUploadReleaseFileOperator(
        task_id="upload", release_id="rel-1", path=build_file, dry_run=True
    ).execute(make_context("upload"))
    assert result == {
        "dry_run": True,
        "request": {
            "method": "PUT",
            "url": f"{FILES}/v3/rel-1/app-1.4.2.zip",
            "file": {"path": str(build_file), "size": len(CONTENT)},
        },
    }
    assert mutating(requests_mock) == []
    assert vendor.files == {}
    assert "zip bytes" not in output()
    assert_no_secrets(output(), result)


@pytest.mark.parametrize(
    ("kwargs", "param"),
    [
        ({"file_name": "my app.zip"}, "file_name"),
        ({"release_id": "a/b"}, "release_id"),
    ],
)
def test_upload_rejects_bad_input_before_any_request(requests_mock, build_file, kwargs, param):
    kwargs = {"release_id": "rel-1", "path": str(build_file), **kwargs}
    with pytest.raises(InvalidParameterError, match=param):  # the DAG fails to import
        CryptlexUploadReleaseFileOperator(task_id="upload", **kwargs)
    assert requests_mock.request_history == []


def test_upload_of_a_missing_file_fails_for_good_before_any_request(requests_mock, make_context):
    # the file may be written by an upstream task, so it is looked for when the task runs
    op = CryptlexUploadReleaseFileOperator(task_id="upload", release_id="rel-1", path="/no/such/file.zip")
    with pytest.raises(ReleasePermanentError, match=r"Invalid path='/no/such/file\.zip'") as caught:
        op.execute(make_context("upload"))
    assert isinstance(caught.value.__cause__, InvalidParameterError)
    assert "expected the path of a readable file" in str(caught.value)
    assert requests_mock.request_history == []


# Links and URLs


@pytest.mark.parametrize(
    "operator",
    [CryptlexCreateReleaseOperator, CryptlexPublishReleaseOperator, CryptlexUploadReleaseFileOperator],
)
def test_operators_carry_the_release_link(operator):
    (link,) = operator.operator_extra_links
    assert isinstance(link, CryptlexReleaseLink)
    assert link.name == "Cryptlex release"


def test_release_link_reads_the_pushed_url(requests_mock, make_context):
    FakeCryptlex(requests_mock)
    op = CryptlexCreateReleaseOperator(task_id="create", **CREATE)
    context = make_context("create")
    op.execute(context)
    assert (
        op.operator_extra_links[0].get_link(op, ti_key=context["ti"])
        == f"{APP}/products/prod-1/releases/rel-1"
    )


@pytest.mark.parametrize(
    ("conn", "url"),
    [
        ({"extra": {"region": "eu"}}, "https://app.eu.cryptlex.com/products/p-1/releases/r-1"),
        (
            {"host": "https://api.cryptlex.example.com"},
            "https://app.cryptlex.example.com/products/p-1/releases/r-1",
        ),
        ({"host": "http://localhost:8080"}, "http://localhost:8080/products/p-1/releases/r-1"),
    ],
)
def test_release_url_follows_the_region_or_host(monkeypatch, conn, url):
    set_connection(monkeypatch, "cx", conn_type="cryptlex", password="cx-SECRET-71f0b3", **conn)
    assert CryptlexHook("cx").release_url("p-1", "r-1") == url
    with pytest.raises(InvalidParameterError):
        CryptlexHook("cx").release_url("p-1", "../r")


# Against the sandbox, over real HTTP: run twice, one object on the vendor's side


def cryptlex_releases(sb: Sandbox, version: str, channel: str) -> list[dict]:
    [product] = [p for p in sb.control("state", service="cryptlex")["products"] if p["id"] == DESKTOP_APP_ID]
    return [r for r in product["releases"] if (r["version"], r["channel"]) == (version, channel)]


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
    first, pushed = run_task(create, make_context)
    second, _ = run_task(create, make_context)
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
    created, _ = run_task(
        CryptlexCreateReleaseOperator(task_id="c", product_id=DESKTOP_APP_ID, name="App 2.1", version="2.1"),
        make_context,
    )
    artifact = tmp_path / "app-2.1.zip"
    artifact.write_bytes(b"PK\x03\x04 release bits")
    uploaded, _ = run_task(
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
    published, _ = run_task(publish, make_context)
    again, _ = run_task(publish, make_context)
    assert published["published"] is again["published"] is True
    assert (
        len([r for r in release_sandbox.requests_to("cryptlex", "POST") if r.path.endswith("/publish")]) == 1
    )
