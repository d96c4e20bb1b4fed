from __future__ import annotations

import json
import re

import pytest

from airflow_provider_releases.exceptions import (
    InvalidParameterError,
    ReleasesApiAuthError,
)
from airflow_provider_releases.links.aha import AhaReleaseLink
from airflow_provider_releases.operators.aha import (
    AhaCreateReleaseOperator,
    AhaDeleteReleaseOperator,
    AhaDuplicateReleaseOperator,
    AhaUpdateReleaseOperator,
)
from airflow_provider_releases.operators.base import ReleasePermanentError
from airflow_provider_releases_sandbox import Sandbox
from tests.helpers import assert_aha_headers
from tests.helpers.connections import assert_no_secrets
from tests.helpers.runs import mutating, run_task, run_task_with

HOST = "https://company.aha.io"
API = f"{HOST}/api/v1"


class FakeAha:
    """The releases of product PRJ1 as Aha! keeps them, behind requests-mock."""

    def __init__(self, requests_mock, names: tuple[str, ...] = ()) -> None:
        self.releases: dict[str, dict] = {}
        self.deny = False
        for name in names:
            self._add(name, {})
        requests_mock.get(f"{API}/products/PRJ1/releases", json=self._list)
        requests_mock.post(f"{API}/products/PRJ1/releases", json=self._create)
        requests_mock.get(re.compile(re.escape(f"{API}/releases/") + r"[^/]+$"), json=self._get)
        requests_mock.put(re.compile(re.escape(f"{API}/products/PRJ1/releases/") + ".+"), json=self._update)
        requests_mock.post(re.compile(re.escape(f"{API}/releases/") + ".+/duplicate"), json=self._duplicate)
        requests_mock.delete(
            re.compile(re.escape(f"{API}/products/PRJ1/releases/") + ".+"), json=self._delete
        )

    def _add(self, name: str, fields: dict) -> dict:
        number = len(self.releases) + 1
        release = {
            "id": str(6776757454440696800 + number),
            "reference_num": f"PRJ1-R-{number}",
            "name": name,
            "released": False,
            "url": f"{HOST}/releases/PRJ1-R-{number}",
            "workflow_status": {"id": "1", "name": "New", "complete": False},
            **fields,
        }
        self.releases[release["id"]] = release
        return release

    def _find(self, ref: str) -> dict | None:
        return next((r for r in self.releases.values() if ref in (r["id"], r["reference_num"])), None)

    def _list(self, request, context):
        page, per_page = int(request.qs["page"][0]), int(request.qs["per_page"][0])
        items = [
            {key: r[key] for key in ("id", "reference_num", "name", "url")} for r in self.releases.values()
        ]
        chunk = items[(page - 1) * per_page : page * per_page]
        pages = max(1, -(-len(items) // per_page))
        return {
            "releases": chunk,
            "pagination": {"total_records": len(items), "total_pages": pages, "current_page": page},
        }

    def _create(self, request, context):
        body = request.json()["release"]
        name = body.pop("name")
        return {"release": self._add(name, body)}

    def _get(self, request, context):
        release = self._find(request.path.rsplit("/", 1)[1].upper())
        if release is None:
            context.status_code = 404
            return {"error": "Record not found"}
        return {"release": release}

    def _update(self, request, context):
        release = self._find(request.path.rsplit("/", 1)[1].upper())
        if release is None:
            context.status_code = 404
            return {"error": "Record not found"}
        release.update(request.json()["release"])
        return {"release": release}

    def _duplicate(self, request, context):
        original = self._find(request.path.split("/")[-2].upper())
        fields = {k: v for k, v in original.items() if k not in ("id", "reference_num", "name", "url")}
        return {"release": self._add(original["name"], fields)}

    def _delete(self, request, context):
        if self.deny:
            context.status_code = 403
            return {"error": "Forbidden"}
        release = self._find(request.path.rsplit("/", 1)[1].upper())
        if release is None:
            context.status_code = 404
            return {"error": "Record not found"}
        del self.releases[release["id"]]
        context.status_code = 204
        return None


# Create


def test_create_posts_the_release_and_pushes_its_url(requests_mock, make_context):
    vendor = FakeAha(requests_mock, names=("Release 1.3",))
    op = AhaCreateReleaseOperator(
        task_id="create",
        product_id="PRJ1",
        name="Release 1.4",
        fields={"release_date": "2026-12-01", "theme": "Checkout", "parking_lot": False},
    )
    context = make_context("create")
    result = op.execute(context)
    get, post = requests_mock.request_history
    assert get.method == "GET"
    assert get.path == "/api/v1/products/prj1/releases"
    assert get.qs == {"page": ["1"], "per_page": ["200"]}
    assert post.method == "POST"
    assert post.url == f"{API}/products/PRJ1/releases"
    assert_aha_headers(post)
    assert post.json() == {
        "release": {
            "name": "Release 1.4",
            "release_date": "2026-12-01",
            "theme": "Checkout",
            "parking_lot": False,
        }
    }
    assert result == vendor.releases[result["id"]]
    assert result["reference_num"] == "PRJ1-R-2"
    json.dumps(result)
    assert context["ti"].pushed == {"release_url": f"{HOST}/releases/PRJ1-R-2"}


def test_create_twice_leaves_one_release(requests_mock, make_context):
    vendor = FakeAha(requests_mock)
    kwargs = dict(product_id="PRJ1", name="Release 1.4", fields={"theme": "Checkout"})
    first = AhaCreateReleaseOperator(task_id="create", **kwargs).execute(make_context("create"))
    context = make_context("create")
    second = AhaCreateReleaseOperator(task_id="create", **kwargs).execute(context)
    assert second == first
    assert len(vendor.releases) == 1
    assert [r.method for r in mutating(requests_mock)] == ["POST"]
    # the second run fetched the full release by id after finding it by name
    assert requests_mock.last_request.url == f"{API}/releases/{first['id']}"
    assert context["ti"].pushed == {"release_url": first["url"]}


def test_create_matches_the_exact_name_across_pages(requests_mock, make_context):
    names = (*(f"Release 1.4 build {n}" for n in range(250)), "Release 1.4")
    vendor = FakeAha(requests_mock, names=names)
    result = AhaCreateReleaseOperator(task_id="create", product_id="PRJ1", name="Release 1.4").execute(
        make_context("create")
    )
    assert result["name"] == "Release 1.4"
    assert result["reference_num"] == "PRJ1-R-251"
    assert len(vendor.releases) == 251
    assert mutating(requests_mock) == []
    assert [r.qs["page"] for r in requests_mock.request_history if r.path.endswith("/releases")] == [
        ["1"],
        ["2"],
    ]


def test_create_does_not_match_another_case(requests_mock, make_context):
    vendor = FakeAha(requests_mock, names=("release 1.4",))
    AhaCreateReleaseOperator(task_id="create", product_id="PRJ1", name="Release 1.4").execute(
        make_context("create")
    )
    assert sorted(r["name"] for r in vendor.releases.values()) == ["Release 1.4", "release 1.4"]


def test_create_templating(requests_mock, make_context):
    FakeAha(requests_mock)
    op = AhaCreateReleaseOperator(
        task_id="create",
        product_id="{{ params.product }}",
        name="Release {{ params.version }}",
        fields={"release_date": "{{ ds }}", "theme": "{{ params.theme }}"},
    )
    assert op.template_fields_renderers == {"fields": "json"}
    context = make_context("create", params={"product": "PRJ1", "version": "2.0", "theme": "Speed"})
    op.render_template_fields(context)
    op.execute(context)
    assert requests_mock.last_request.json() == {
        "release": {"name": "Release 2.0", "release_date": "2026-05-01", "theme": "Speed"}
    }


def test_create_dry_run_looks_up_and_sends_nothing(requests_mock, make_context, output):
    vendor = FakeAha(requests_mock)
    op = AhaCreateReleaseOperator(
        task_id="create", product_id="PRJ1", name="Release 1.4", fields={"theme": "Checkout"}, dry_run=True
    )
    context = make_context("create")
    result = op.execute(context)
    assert result == {
        "dry_run": True,
        "request": {
            "method": "POST",
            "url": f"{API}/products/PRJ1/releases",
            "json": {"release": {"name": "Release 1.4", "theme": "Checkout"}},
        },
    }
    assert mutating(requests_mock) == []
    assert vendor.releases == {}
    assert context["ti"].pushed == {}
    assert_no_secrets(output(), result)


def test_create_dry_run_of_an_existing_release_returns_it(requests_mock, make_context):
    vendor = FakeAha(requests_mock, names=("Release 1.4",))
    result = AhaCreateReleaseOperator(
        task_id="create", product_id="PRJ1", name="Release 1.4", dry_run=True
    ).execute(make_context("create"))
    assert result == next(iter(vendor.releases.values()))
    assert mutating(requests_mock) == []


@pytest.mark.parametrize(
    ("kwargs", "param"),
    [
        ({"fields": ["theme"]}, "fields"),
        ({"fields": {"colour": "red"}}, "fields"),
        ({"fields": {"release_date": "Dec 1"}}, "release_date"),
        ({"name": ""}, "name"),
        ({"product_id": "PRJ/1"}, "product_id"),
    ],
)
def test_create_rejects_bad_input_before_any_request(requests_mock, make_context, kwargs, param):
    kwargs = {"product_id": "PRJ1", "name": "Release 1.4", **kwargs}
    with pytest.raises(InvalidParameterError, match=param):
        AhaCreateReleaseOperator(task_id="create", **kwargs).execute(make_context("create"))
    assert requests_mock.request_history == []


# Update


def test_update_puts_the_fields(requests_mock, make_context):
    vendor = FakeAha(requests_mock, names=("Release 1.4",))
    op = AhaUpdateReleaseOperator(
        task_id="ship", product_id="PRJ1", release_id="PRJ1-R-1", fields={"workflow_status": "Shipped"}
    )
    context = make_context("ship")
    result = op.execute(context)
    (put,) = requests_mock.request_history
    assert put.method == "PUT"
    assert put.url == f"{API}/products/PRJ1/releases/PRJ1-R-1"
    assert_aha_headers(put)
    assert put.json() == {"release": {"workflow_status": "Shipped"}}
    assert result["workflow_status"] == "Shipped"
    assert result == next(iter(vendor.releases.values()))
    assert context["ti"].pushed == {"release_url": f"{HOST}/releases/PRJ1-R-1"}
    # Running it again changes nothing more
    again = AhaUpdateReleaseOperator(
        task_id="ship", product_id="PRJ1", release_id="PRJ1-R-1", fields={"workflow_status": "Shipped"}
    ).execute(make_context("ship"))
    assert again == result
    assert len(vendor.releases) == 1


def test_update_templating_and_dry_run(requests_mock, make_context, output):
    vendor = FakeAha(requests_mock, names=("Release 1.4",))
    op = AhaUpdateReleaseOperator(
        task_id="ship",
        product_id="{{ params.product }}",
        release_id="{{ params.release }}",
        fields={"release_date": "{{ ds }}"},
        dry_run=True,
    )
    context = make_context("ship", params={"product": "PRJ1", "release": "PRJ1-R-1"})
    op.render_template_fields(context)
    result = op.execute(context)
    assert result == {
        "dry_run": True,
        "request": {
            "method": "PUT",
            "url": f"{API}/products/PRJ1/releases/PRJ1-R-1",
            "json": {"release": {"release_date": "2026-05-01"}},
        },
    }
    assert requests_mock.request_history == []
    assert "release_date" not in next(iter(vendor.releases.values()))
    assert_no_secrets(output(), result)


@pytest.mark.parametrize("fields", [None, {}, "workflow_status=Shipped"])
def test_update_needs_a_dict_of_fields(requests_mock, fields):
    with pytest.raises(InvalidParameterError, match="fields"):  # the DAG fails to import
        AhaUpdateReleaseOperator(task_id="ship", product_id="PRJ1", release_id="PRJ1-R-1", fields=fields)
    assert requests_mock.request_history == []


@pytest.mark.parametrize("fields", ["None", "{}", "workflow_status=Shipped"])
def test_update_needs_a_dict_of_fields_once_rendered(requests_mock, make_context, fields):
    op = AhaUpdateReleaseOperator(
        task_id="ship", product_id="PRJ1", release_id="PRJ1-R-1", fields="{{ params.fields }}"
    )
    with pytest.raises(ReleasePermanentError, match="fields") as raised:
        run_task_with(op, make_context, params={"fields": fields})
    assert isinstance(raised.value.__cause__, InvalidParameterError)
    assert raised.value.param == "fields"
    assert str(raised.value).startswith("Permanent failure (invalid parameter), not retried: Invalid fields=")
    assert requests_mock.request_history == []


# Duplicate


def test_duplicate_posts_and_pushes_the_copy_url(requests_mock, make_context):
    vendor = FakeAha(requests_mock, names=("Release 1.4",))
    op = AhaDuplicateReleaseOperator(task_id="copy", release_id="{{ params.release }}")
    context = make_context("copy", params={"release": "PRJ1-R-1"})
    op.render_template_fields(context)
    result = op.execute(context)
    (post,) = requests_mock.request_history
    assert post.method == "POST"
    assert post.url == f"{API}/releases/PRJ1-R-1/duplicate"
    assert_aha_headers(post)
    assert result["reference_num"] == "PRJ1-R-2"
    assert len(vendor.releases) == 2
    assert context["ti"].pushed == {"release_url": f"{HOST}/releases/PRJ1-R-2"}


def test_duplicate_dry_run(requests_mock, make_context, output):
    vendor = FakeAha(requests_mock, names=("Release 1.4",))
    result = AhaDuplicateReleaseOperator(task_id="copy", release_id="PRJ1-R-1", dry_run=True).execute(
        make_context("copy")
    )
    assert result == {
        "dry_run": True,
        "request": {"method": "POST", "url": f"{API}/releases/PRJ1-R-1/duplicate"},
    }
    assert requests_mock.request_history == []
    assert len(vendor.releases) == 1
    assert_no_secrets(output(), result)


# Delete


def test_delete_then_delete_again_is_not_an_error(requests_mock, make_context):
    vendor = FakeAha(requests_mock, names=("Release 1.4",))
    op = AhaDeleteReleaseOperator(task_id="delete", product_id="{{ params.product }}", release_id="PRJ1-R-1")
    context = make_context("delete", params={"product": "PRJ1"})
    op.render_template_fields(context)
    first = op.execute(context)
    (delete,) = requests_mock.request_history
    assert delete.method == "DELETE"
    assert delete.url == f"{API}/products/PRJ1/releases/PRJ1-R-1"
    assert_aha_headers(delete)
    assert first == {"deleted": True, "already_absent": False, "product_id": "PRJ1", "release_id": "PRJ1-R-1"}
    assert vendor.releases == {}
    second = AhaDeleteReleaseOperator(task_id="delete", product_id="PRJ1", release_id="PRJ1-R-1").execute(
        make_context("delete")
    )
    assert second == {
        "deleted": False,
        "already_absent": True,
        "product_id": "PRJ1",
        "release_id": "PRJ1-R-1",
    }
    json.dumps(second)
    assert context["ti"].pushed == {}
    assert AhaDeleteReleaseOperator.operator_extra_links == ()


def test_delete_other_errors_still_fail(requests_mock, make_context):
    vendor = FakeAha(requests_mock, names=("Release 1.4",))
    vendor.deny = True
    with pytest.raises(ReleasePermanentError) as raised:
        AhaDeleteReleaseOperator(task_id="delete", product_id="PRJ1", release_id="PRJ1-R-1").execute(
            make_context("delete")
        )
    assert isinstance(raised.value.__cause__, ReleasesApiAuthError)
    assert (raised.value.status, raised.value.service) == (403, "Aha!")
    assert (
        "Permanent failure (credentials refused; connection 'aha_default'), not retried: Aha! delete_release"
    ) in str(raised.value)


def test_delete_dry_run(requests_mock, make_context, output):
    vendor = FakeAha(requests_mock, names=("Release 1.4",))
    result = AhaDeleteReleaseOperator(
        task_id="delete", product_id="PRJ1", release_id="PRJ1-R-1", dry_run=True
    ).execute(make_context("delete"))
    assert result == {
        "dry_run": True,
        "request": {"method": "DELETE", "url": f"{API}/products/PRJ1/releases/PRJ1-R-1"},
    }
    assert requests_mock.request_history == []
    assert len(vendor.releases) == 1
    assert_no_secrets(output(), result)


# Links


@pytest.mark.parametrize(
    "operator", [AhaCreateReleaseOperator, AhaUpdateReleaseOperator, AhaDuplicateReleaseOperator]
)
def test_operators_carry_the_release_link(operator):
    (link,) = operator.operator_extra_links
    assert isinstance(link, AhaReleaseLink)
    assert link.name == "Aha! release"


def test_release_link_reads_the_pushed_url(requests_mock, make_context):
    FakeAha(requests_mock)
    op = AhaCreateReleaseOperator(task_id="create", product_id="PRJ1", name="Release 1.4")
    context = make_context("create")
    result = op.execute(context)
    link = op.operator_extra_links[0]
    assert link.get_link(op, ti_key=context["ti"]) == result["url"] == f"{HOST}/releases/PRJ1-R-1"
    assert link.get_link(op, ti_key=make_context("another")["ti"]) == ""


# Against the sandbox, over real HTTP: run twice, one object on the vendor's side


def aha_releases(sb: Sandbox, name: str) -> list[dict]:
    return [release for release in sb.control("state", service="aha")["releases"] if release["name"] == name]


def test_aha_create_twice_makes_one_release_then_update_ships_it(release_sandbox, make_context) -> None:
    create = AhaCreateReleaseOperator(
        task_id="create", product_id="PRJ1", name="Release 3.0", fields={"release_date": "2026-12-01"}
    )
    first, pushed = run_task(create, make_context)
    second, _ = run_task(create, make_context)
    assert first["id"] == second["id"] and first["name"] == "Release 3.0"
    assert len(aha_releases(release_sandbox, "Release 3.0")) == 1
    assert len(release_sandbox.requests_to("aha", "POST")) == 1
    assert pushed == {"release_url": first["url"]}
    assert first["url"].endswith(f"/aha/releases/{first['reference_num']}")

    ship = AhaUpdateReleaseOperator(
        task_id="ship", product_id="PRJ1", release_id=first["id"], fields={"workflow_status": "Shipped"}
    )
    shipped, _ = run_task(ship, make_context)
    assert shipped["released"] is True and shipped["workflow_status"]["name"] == "Shipped"


def test_aha_duplicate_returns_the_copy_with_its_page(release_sandbox, make_context) -> None:
    copy, pushed = run_task(AhaDuplicateReleaseOperator(task_id="copy", release_id="PRJ1-R-2"), make_context)
    assert copy["name"] == "[Copy] Release 1.1"
    assert pushed == {"release_url": copy["url"]} and copy["url"]
    assert len(aha_releases(release_sandbox, "[Copy] Release 1.1")) == 1


def test_aha_delete_twice_is_not_an_error(release_sandbox, make_context) -> None:
    delete = AhaDeleteReleaseOperator(task_id="delete", product_id="PRJ1", release_id="PRJ1-R-2")
    first, _ = run_task(delete, make_context)
    second, _ = run_task(delete, make_context)
    assert (first["deleted"], second["deleted"], second["already_absent"]) == (True, False, True)
    assert aha_releases(release_sandbox, "Release 1.1") == []


def test_aha_create_dry_run_sends_nothing(release_sandbox, make_context) -> None:
    result, pushed = run_task(
        AhaCreateReleaseOperator(task_id="create", product_id="PRJ1", name="Release 9", dry_run=True),
        make_context,
    )
    assert result["dry_run"] is True
    assert result["request"]["method"] == "POST"
    assert result["request"]["url"] == f"{release_sandbox.url('aha')}/api/v1/products/PRJ1/releases"
    assert [r.method for r in release_sandbox.requests] == ["GET"]  # the idempotency look-up only
    assert pushed == {}  # no object, no page
    assert aha_releases(release_sandbox, "Release 9") == []
