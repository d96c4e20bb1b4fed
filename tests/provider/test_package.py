"""The package's metadata as pip and PyPI see it, without building (scripts/release-check.sh builds)."""

from __future__ import annotations

import importlib.util
import re
import sys
import zipfile
from importlib.metadata import entry_points, metadata, version
from pathlib import Path

import pytest
import tomllib
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

import airflow_provider_releases
from airflow_provider_releases.get_provider_info import get_provider_info

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
PROJECT = PYPROJECT["project"]
DIST = "airflow-provider-releases"


def load_release_check():
    spec = importlib.util.spec_from_file_location("release_check", ROOT / "scripts" / "release_check.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_version_has_one_source() -> None:
    assert "version" not in PROJECT and "version" in PROJECT["dynamic"]
    assert PYPROJECT["tool"]["setuptools"]["dynamic"]["version"] == {
        "attr": "airflow_provider_releases.__version__"
    }
    assert re.fullmatch(r"\d+\.\d+\.\d+", airflow_provider_releases.__version__)
    assert version(DIST) == airflow_provider_releases.__version__ == get_provider_info()["versions"][0]


def test_provider_info_names_the_distribution() -> None:
    info = get_provider_info()
    assert info["package-name"] == PROJECT["name"] == DIST
    assert info["name"] and info["description"]


def test_license_is_an_spdx_expression_with_the_apache_text() -> None:
    assert PROJECT["license"] == "Apache-2.0"
    assert PROJECT["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text()
    for phrase in ("Apache License", "Version 2.0, January 2004", "END OF TERMS AND CONDITIONS"):
        assert phrase in text
    # PEP 639: a license expression needs setuptools 77, and rules out License :: classifiers.
    (setuptools,) = [
        Requirement(r) for r in PYPROJECT["build-system"]["requires"] if r.startswith("setuptools")
    ]
    assert "76.9" not in setuptools.specifier and "77.0" in setuptools.specifier
    assert not [c for c in PROJECT["classifiers"] if c.startswith("License ::")]
    installed = metadata(DIST)
    assert installed["License-Expression"] == "Apache-2.0"


def test_classifiers_declare_an_airflow_provider_for_the_supported_pythons() -> None:
    classifiers = PROJECT["classifiers"]
    assert {"Framework :: Apache Airflow", "Framework :: Apache Airflow :: Provider"} <= set(classifiers)
    pythons = [c.rsplit(" :: ", 1)[1] for c in classifiers if re.fullmatch(r".*Python :: 3\.\d+", c)]
    assert pythons
    requires = SpecifierSet(PROJECT["requires-python"])
    assert all(f"{python}.0" in requires for python in pythons), (requires, pythons)
    assert f"{pythons[0]}.0" in requires and f"3.{int(pythons[0][2:]) - 1}.0" not in requires


def test_project_urls_and_readme() -> None:
    assert set(PROJECT["urls"]) == {"Documentation", "Source", "Changelog", "Issue tracker"}
    assert all(url.startswith("https://") for url in PROJECT["urls"].values())
    assert PROJECT["readme"] == "README.md"
    assert metadata(DIST)["Description-Content-Type"] == "text/markdown"


def test_package_data_is_declared_and_exists() -> None:
    package = Path(airflow_provider_releases.__file__).parent
    package_data = PYPROJECT["tool"]["setuptools"]["package-data"]
    assert "py.typed" in package_data["airflow_provider_releases"]
    assert (package / "py.typed").is_file()
    for name, patterns in package_data.items():
        folder = ROOT / name.replace(".", "/")
        for pattern in patterns:
            assert list(folder.glob(pattern)), f"{name}: {pattern} matches no file"


SANDBOX_PYPROJECT = tomllib.loads((ROOT / "sandbox" / "pyproject.toml").read_text())
SANDBOX_DIST = "airflow-provider-releases-sandbox"


def test_the_provider_registers_no_pytest_plugin_and_ships_no_sandbox() -> None:
    assert "pytest11" not in PROJECT["entry-points"]
    assert PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"] == [
        "airflow_provider_releases",
        "airflow_provider_releases.*",
    ]
    assert not (Path(airflow_provider_releases.__file__).parent / "sandbox").exists()
    plugins = [ep for ep in entry_points(group="pytest11") if ep.dist.name == DIST]
    assert not plugins


def test_the_sandbox_is_a_distribution_of_its_own_with_the_pytest_plugin() -> None:
    project = SANDBOX_PYPROJECT["project"]
    assert project["name"] == SANDBOX_DIST
    assert project["entry-points"]["pytest11"] == {
        "release_sandbox": "airflow_provider_releases_sandbox.pytest_plugin"
    }
    assert SANDBOX_PYPROJECT["tool"]["setuptools"]["dynamic"]["version"] == {
        "attr": "airflow_provider_releases_sandbox.__version__"
    }
    assert version(SANDBOX_DIST) == airflow_provider_releases.__version__
    assert [ep.value for ep in entry_points(group="pytest11") if ep.dist.name == SANDBOX_DIST] == [
        "airflow_provider_releases_sandbox.pytest_plugin"
    ]
    assert SANDBOX_DIST in [Requirement(r).name for r in PROJECT["optional-dependencies"]["test"]]
    for name, patterns in SANDBOX_PYPROJECT["tool"]["setuptools"]["package-data"].items():
        folder = ROOT / "sandbox" / name.replace(".", "/")
        for pattern in patterns:
            assert list(folder.glob(pattern)), f"{name}: {pattern} matches no file"


def _wheel(tmp_path: Path, names: set[str], check, dist=None, entry_points: bytes | None = None) -> Path:
    """A wheel of a clone's package (the provider's unless ``dist``) with ``names`` added to (or,
    prefixed '-', left out of) it, and the entry point groups the distribution declares."""
    dist = dist or check.PROVIDER
    dist_info = f"{dist.package}-{check.source_version(dist)}.dist-info"
    body = {name: (dist.home / name).read_bytes() for name in check.package_files(dist)}
    body[f"{dist_info}/licenses/LICENSE"] = b"Apache License"
    groups = entry_points if entry_points is not None else "\n".join(dist.entry_points).encode()
    body[f"{dist_info}/entry_points.txt"] = groups
    body[f"{dist_info}/METADATA"] = b"Metadata-Version: 2.4\n"
    for name in names:
        if name.startswith("-"):
            del body[name[1:]]
        else:
            body[name] = b""
    wheel = tmp_path / f"{dist.package}-0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for name, data in body.items():
            archive.writestr(name, data)
    return wheel


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"tests/test_x.py"}, "do not belong in the wheel: ['tests/test_x.py']"),
        ({"airflow_provider_releases/__pycache__/x.pyc"}, "do not belong in the wheel"),
        (
            {"-airflow_provider_releases/py.typed"},
            "package files missing: ['airflow_provider_releases/py.typed']",
        ),
        (
            {"airflow_provider_releases/sandbox/__init__.py"},
            "do not belong in the wheel: ['airflow_provider_releases/sandbox/__init__.py']",
        ),
        (
            {"airflow_provider_releases_sandbox/__init__.py"},
            "do not belong in the wheel: ['airflow_provider_releases_sandbox/__init__.py']",
        ),
    ],
)
def test_release_check_refuses_a_wrong_wheel(tmp_path: Path, change: set[str], complaint: str) -> None:
    check = load_release_check()
    with pytest.raises(check.CheckFailed, match=re.escape(complaint)):
        check.check_wheel(check.PROVIDER, _wheel(tmp_path, change, check))


def test_release_check_refuses_a_provider_wheel_with_a_pytest_plugin(tmp_path: Path) -> None:
    check = load_release_check()
    wheel = _wheel(
        tmp_path, set(), check, entry_points=b"[apache_airflow_provider]\n[airflow.plugins]\n[pytest11]\n"
    )
    with pytest.raises(
        check.CheckFailed, match=re.escape("entry point group [pytest11] does not belong here")
    ):
        check.check_wheel(check.PROVIDER, wheel)


def test_release_check_refuses_a_sandbox_wheel_without_its_pytest_plugin(tmp_path: Path) -> None:
    check = load_release_check()
    wheel = _wheel(tmp_path, set(), check, dist=check.SANDBOX_DIST, entry_points=b"")
    with pytest.raises(check.CheckFailed, match=re.escape("entry point group [pytest11] missing")):
        check.check_wheel(check.SANDBOX_DIST, wheel)


def test_release_check_refuses_a_sandbox_wheel_with_the_provider_in_it(tmp_path: Path) -> None:
    check = load_release_check()
    wheel = _wheel(tmp_path, {"airflow_provider_releases/__init__.py"}, check, dist=check.SANDBOX_DIST)
    with pytest.raises(check.CheckFailed, match=re.escape("do not belong in the wheel")):
        check.check_wheel(check.SANDBOX_DIST, wheel)
