"""The sandbox's web pages: what an extra link opens in a browser, without credentials."""

from __future__ import annotations

import requests

from airflow_provider_releases_sandbox import Sandbox
from airflow_provider_releases_sandbox.aha import API_KEY as AHA_KEY
from airflow_provider_releases_sandbox.cryptlex import DESKTOP_APP_ID, DRAFT_RELEASE_ID, PUBLISHED_RELEASE_ID
from airflow_provider_releases_sandbox.web import Page, Table, render, shown

HTML = "text/html; charset=utf-8"


def open_page(sb: Sandbox, path: str) -> requests.Response:
    """GET a page as a browser would: no credentials, no API headers."""
    return requests.get(f"{sb.base_url}{path}", timeout=5)


def test_aha_release_page_shows_name_status_and_phases(release_sandbox: Sandbox) -> None:
    page = open_page(release_sandbox, "/aha/releases/PRJ1-R-1")

    assert (page.status_code, page.headers["Content-Type"]) == (200, HTML)
    assert "<h1>Release PRJ1-R-1: Release 1.0</h1>" in page.text
    assert "<tr><th>Workflow status</th><td>Shipped</td></tr>" in page.text
    assert "<tr><th>Shipped</th><td>yes</td></tr>" in page.text
    assert "<tr><td>Development</td><td>phase</td>" in page.text
    # the page follows the state: ship a release and its page says so
    assert "<tr><th>Shipped</th><td>no</td></tr>" in open_page(release_sandbox, "/aha/releases/PRJ1-R-2").text
    release_sandbox.ship_release("PRJ1-R-2")
    assert (
        "<tr><th>Workflow status</th><td>Shipped</td></tr>"
        in open_page(release_sandbox, "/aha/releases/prj1-r-2").text
    )


def test_aha_master_release_page(release_sandbox: Sandbox) -> None:
    page = open_page(release_sandbox, "/aha/master_releases/PRJ1-MR-1")
    assert page.status_code == 200
    assert "<h1>Master release PRJ1-MR-1: 2026 H1 roll-up</h1>" in page.text


def test_release_url_the_api_answers_opens_its_page(release_sandbox: Sandbox) -> None:
    created = requests.post(
        f"{release_sandbox.url('aha')}/api/v1/products/PRJ1/releases",
        json={"release": {"name": "Launch <b>week</b> & more"}},
        headers={"Authorization": f"Bearer {AHA_KEY}"},
        timeout=5,
    ).json()["release"]

    page = requests.get(created["url"], timeout=5)

    assert page.status_code == 200
    assert "<tr><th>Name</th><td>Launch &lt;b&gt;week&lt;/b&gt; &amp; more</td></tr>" in page.text
    assert "<b>" not in page.text
    assert "<tr><th>Workflow status</th><td>Not started</td></tr>" in page.text


def test_cryptlex_release_page_shows_version_channel_state_and_files(release_sandbox: Sandbox) -> None:
    published = open_page(
        release_sandbox, f"/cryptlex/products/{DESKTOP_APP_ID}/releases/{PUBLISHED_RELEASE_ID}"
    )
    draft = open_page(release_sandbox, f"/cryptlex/products/{DESKTOP_APP_ID}/releases/{DRAFT_RELEASE_ID}")

    assert (published.status_code, published.headers["Content-Type"]) == (200, HTML)
    assert "<tr><th>Version</th><td>1.0.0</td></tr>" in published.text
    assert "<tr><th>State</th><td>Published</td></tr>" in published.text
    assert "<td>DesktopApp-1.0.0-win64.exe</td>" in published.text
    assert "<tr><th>Channel</th><td>beta</td></tr>" in draft.text
    assert "<tr><th>State</th><td>Draft</td></tr>" in draft.text
    release_sandbox.publish_cryptlex_release(DRAFT_RELEASE_ID)
    assert (
        "<tr><th>State</th><td>Published</td></tr>"
        in open_page(release_sandbox, f"/cryptlex/products/{DESKTOP_APP_ID}/releases/{DRAFT_RELEASE_ID}").text
    )


def test_launchdarkly_flag_page_shows_the_pipeline_and_each_phases_status(release_sandbox: Sandbox) -> None:
    page = open_page(release_sandbox, "/launchdarkly/projects/default/flags/beta-banner")

    assert (page.status_code, page.headers["Content-Type"]) == (200, HTML)
    assert "<tr><th>Name</th><td>Beta banner</td></tr>" in page.text
    assert "<tr><th>Release pipeline</th><td>Standard release (standard-release)</td></tr>" in page.text
    assert "<tr><th>Release state</th><td>active</td></tr>" in page.text
    assert "<tr><td>Testing</td><td>completed</td><td>yes</td>" in page.text
    assert "<tr><td>Beta</td><td>active</td><td>no</td>" in page.text
    assert "<tr><td>General availability</td><td>not-started</td><td>no</td>" in page.text

    release_sandbox.cancel_release("default", "beta-banner")
    assert (
        "<tr><th>Release state</th><td>canceled</td></tr>"
        in open_page(release_sandbox, "/launchdarkly/projects/default/flags/beta-banner").text
    )


def test_launchdarkly_flag_on_no_pipeline_says_so(release_sandbox: Sandbox) -> None:
    page = open_page(release_sandbox, "/launchdarkly/projects/default/flags/dark-mode")
    assert page.status_code == 200
    assert "<tr><th>Release</th><td>not on a release pipeline</td></tr>" in page.text


def test_unknown_objects_answer_an_html_404_naming_them(release_sandbox: Sandbox) -> None:
    for path, named in [
        ("/aha/releases/PRJ1-R-99", "Release &#x27;PRJ1-R-99&#x27;"),
        ("/cryptlex/products/nope/releases/gone", "Release &#x27;gone&#x27; of product &#x27;nope&#x27;"),
        (f"/cryptlex/products/{DESKTOP_APP_ID}/releases/gone", "Release &#x27;gone&#x27;"),
        ("/launchdarkly/projects/default/flags/nope", "Flag &#x27;nope&#x27; in project &#x27;default&#x27;"),
        (
            "/launchdarkly/projects/nope/flags/new-checkout",
            "Flag &#x27;new-checkout&#x27; in an unknown project",
        ),
    ]:
        page = open_page(release_sandbox, path)
        assert (page.status_code, page.headers["Content-Type"]) == (404, HTML), path
        assert f"{named}" in page.text and "does not exist in the sandbox" in page.text, path


def test_pages_stay_out_of_the_journal_and_the_faults_and_the_api_keeps_its_auth(
    release_sandbox: Sandbox,
) -> None:
    release_sandbox.inject_fault("aha", "error", status=503)

    assert open_page(release_sandbox, "/aha/releases/PRJ1-R-1").status_code == 200
    assert release_sandbox.requests == []
    api_url = f"{release_sandbox.url('aha')}/api/v1/releases/PRJ1-R-1"
    authorized = requests.get(api_url, headers={"Authorization": f"Bearer {AHA_KEY}"}, timeout=5)
    assert authorized.status_code == 503  # the fault was still waiting for an API request
    anonymous = requests.get(api_url, timeout=5)
    assert (anonymous.status_code, anonymous.headers["Content-Type"]) == (401, "application/json")
    assert [r.path for r in release_sandbox.requests] == ["/api/v1/releases/PRJ1-R-1"] * 2


def test_only_get_opens_a_page(release_sandbox: Sandbox) -> None:
    answer = requests.post(f"{release_sandbox.url('aha')}/releases/PRJ1-R-1", timeout=5)
    assert answer.headers["Content-Type"] == "application/json"
    assert answer.status_code == 401


def test_render_escapes_every_value_and_shows_empty_values_as_a_dash() -> None:
    page = Page(
        "Vendor <x>",
        'Title "quoted" & <tag>',
        [("<label>", None), ("flag", False), ("list", ["a<b", "c"])],
        [Table("<caption>", ("<col>",), [("<cell>",)])],
    )
    text = render(page).decode()
    for raw in ("<x>", "<tag>", "<label>", "<caption>", "<col>", "<cell>", "a<b"):
        assert raw not in text
    assert "<h1>Title &quot;quoted&quot; &amp; &lt;tag&gt;</h1>" in text
    assert "<tr><th>&lt;label&gt;</th><td>—</td></tr>" in text
    assert "<tr><th>flag</th><td>no</td></tr>" in text
    assert "<tr><th>list</th><td>a&lt;b, c</td></tr>" in text
    assert (shown(0), shown(True), shown([])) == ("0", "yes", "—")
