"""
The documentation site: it builds with warnings as errors, no internal link is broken, there is
a how-to page per operator and sensor and a page per connection type, every code sample comes
from a file the suite runs, no code block scrolls sideways, and every image is a real PNG.

The site is built once per session with Sphinx, or read from ``RELEASE_DOCS_HTML`` when
``scripts/release-check.sh`` has built it already; then how it was built (the command, Sphinx's
exit code and messages) is read from ``sphinx-build.json`` beside it.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import json
import os
import pathlib
import subprocess
import sys

import pytest

from airflow_provider_releases.get_provider_info import get_provider_info
from tests.docs.site import Page, furo_code_columns, png_size
from tests.docs.sources import DOCS, ROOT, Block, Image, blocks_of, code_sample_problems, source_pages

PREBUILT = os.environ.get("RELEASE_DOCS_HTML")
BUILD_TIMEOUT = 600
#: Some of the classes the how-to pages cover, to show that finding them works.
KNOWN_TASK_CLASSES = {
    "AmplitudeCreateReleaseOperator",
    "LaunchDarklyStartPhaseOperator",
    "AhaDeleteReleaseOperator",
    "CryptlexUploadReleaseFileOperator",
    "ReleaseApprovalOperator",
    "LaunchDarklyReleasePhaseSensor",
    "CryptlexReleasePublishedSensor",
}


@dataclasses.dataclass(frozen=True)
class Site:
    """The built site, the command that built it, Sphinx's exit code and its messages."""

    html: pathlib.Path
    command: list[str]
    returncode: int
    messages: str

    def pages(self) -> list[Page]:
        """Every HTML page of the site."""
        return [Page(path) for path in sorted(self.html.rglob("*.html"))]

    def page(self, name: str) -> Page:
        """One page by its path in the site, ``howto/index.html``."""
        return Page(self.html / name)


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    if PREBUILT:
        html = pathlib.Path(PREBUILT)
        assert (html / "index.html").is_file(), (
            f"RELEASE_DOCS_HTML={PREBUILT!r} holds no built site (no index.html)"
        )
        record = json.loads((html.parent / "sphinx-build.json").read_text())
        return Site(html, record["command"], record["returncode"], record["messages"])
    out = tmp_path_factory.mktemp("docs")
    command = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html"]
    command += ["-d", str(out / "doctrees"), str(DOCS), str(out / "html")]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=BUILD_TIMEOUT)
    return Site(out / "html", command, done.returncode, done.stderr)


def html_name(source: pathlib.Path) -> str:
    """``docs/howto/aha-create-release.md`` -> ``howto/aha-create-release.html``."""
    return source.relative_to(DOCS).with_suffix(".html").as_posix()


def operator_and_sensor_classes() -> list[str]:
    """The operators and sensors users put in DAGs: the public ones of every module the provider registers."""
    from airflow.sdk import BaseOperator

    info = get_provider_info()
    names = []
    for entry in [*info["operators"], *info["sensors"]]:
        for module_name in entry["python-modules"]:
            module = importlib.import_module(module_name)
            names += [
                name
                for name, value in vars(module).items()
                if inspect.isclass(value)
                and value.__module__ == module_name
                and issubclass(value, BaseOperator)
                and not name.startswith("_")
                and "Base" not in name
            ]
    return names


def one_page_each(mentions: dict[str, set[str]]) -> dict[str, str]:
    """A page per class, no page twice (a bipartite matching); classes without one are left out."""
    owner: dict[str, str] = {}

    def assign(name: str, seen: set[str]) -> bool:
        for page in sorted(mentions[name]):
            if page in seen:
                continue
            seen.add(page)
            if page not in owner or assign(owner[page], seen):
                owner[page] = name
                return True
        return False

    for name in mentions:
        assign(name, set())
    return {name: page for page, name in owner.items()}


def test_the_docs_build_with_warnings_as_errors(site):
    assert "-W" in site.command and pathlib.Path(site.command[-1]) == site.html, site.command
    assert site.returncode == 0, f"sphinx-build -W failed:\n{site.messages[-8000:]}"


def test_every_source_page_is_built(site):
    missing = [
        html_name(source) for source in source_pages() if not (site.html / html_name(source)).is_file()
    ]
    assert missing == []


def test_no_internal_link_is_broken(site):
    pages = site.pages()
    names = {page.path.relative_to(site.html).as_posix() for page in pages}
    howtos = sorted(name for name in names if name.startswith("howto/"))
    assert "index.html" in names and howtos, f"the site has no index or no how-to page: {sorted(names)[:20]}"
    ids = {page.path.resolve(): page.ids for page in pages}
    broken = []
    for page in pages:
        for link in page.internal_links:
            where = f"{page.path.relative_to(site.html)}: {link.raw}"
            if not link.target.is_file():
                broken.append(f"{where} (no such file)")
            elif link.anchor and link.target.suffix == ".html" and link.anchor not in ids[link.target]:
                broken.append(f"{where} (no id {link.anchor!r} in {link.target.name})")
    assert broken == []


def test_there_is_one_how_to_page_per_operator_and_sensor(site):
    classes = operator_and_sensor_classes()
    assert set(classes) >= KNOWN_TASK_CLASSES, classes
    howtos = [page for page in sorted((DOCS / "howto").glob("*.md")) if page.name != "index.md"]
    texts = {page.name: page.read_text(encoding="utf-8") for page in howtos}
    mentions = {name: {page for page, text in texts.items() if name in text} for name in classes}
    pages = one_page_each(mentions)
    assert sorted(set(classes) - set(pages)) == [], f"how-to pages: {sorted(texts)}"
    unbuilt = [
        page for page in pages.values() if not (site.html / "howto" / page).with_suffix(".html").is_file()
    ]
    assert unbuilt == []


def test_there_is_one_connections_page_per_connection_type(site):
    for conn_type in (entry["connection-type"] for entry in get_provider_info()["connection-types"]):
        page = site.page(f"connections/{conn_type}.html")
        shown = [link.target.name for link in page.images]
        assert f"connection-{conn_type}.png" in shown, f"{conn_type} page shows {shown}"
        assert conn_type in site.page("connections/index.html").text


def test_no_code_block_of_a_page_scrolls_sideways_at_the_themes_width(site):
    columns = furo_code_columns()
    assert 80 <= columns <= 120, columns  # the theme's styles were read
    too_wide = [
        f"{html_name(source)}: {len(line)} > {columns} characters: {line}"
        for source in source_pages()
        if source.suffix == ".md"
        for block in site.page(html_name(source)).code_blocks
        for line in block.splitlines()
        if len(line) > columns
    ]
    assert too_wide == []


def test_every_image_of_the_site_is_a_real_png(site):
    not_png = [
        f"{page.path.relative_to(site.html)}: {link.raw}"
        for page in site.pages()
        for link in page.images
        if not link.target.is_file() or not (png_size(link.target) or (0, 0))[0]
    ]
    assert not_png == []


@pytest.mark.parametrize("page", source_pages(), ids=lambda page: page.relative_to(DOCS).as_posix())
def test_a_page_shows_code_only_from_files_the_suite_runs(page):
    problems = []
    for block in blocks_of(page):
        if isinstance(block, Block):
            problems += code_sample_problems(block)
    assert problems == []


@pytest.mark.parametrize("page", source_pages(), ids=lambda page: page.relative_to(DOCS).as_posix())
def test_every_image_a_page_shows_is_a_png_in_the_docs(page):
    images = [item for item in blocks_of(page) if isinstance(item, Image)]
    wrong = []
    for image in images:
        target = (page.parent / image.target).resolve()
        if not target.is_relative_to(DOCS) or not target.is_file() or png_size(target) is None:
            wrong.append(f"{image.target} (not a PNG file under docs/)")
    assert wrong == []
