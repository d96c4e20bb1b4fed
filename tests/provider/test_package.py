"""The package's metadata as pip and PyPI see it, without building (scripts/release-check.sh builds)."""

from __future__ import annotations

import importlib.util
import re
import zipfile
from importlib.metadata import metadata, version
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


def _wheel(tmp_path: Path, names: set[str], check) -> Path:
    """A wheel of the clone's package with ``names`` added to (or, prefixed '-', left out of) it."""
    dist_info = f"airflow_provider_releases-{check.source_version()}.dist-info"
    body = {name: (ROOT / name).read_bytes() for name in check.package_files()}
    body[f"{dist_info}/licenses/LICENSE"] = b"Apache License"
    body[f"{dist_info}/entry_points.txt"] = b"[apache_airflow_provider]\n[pytest11]\n"
    body[f"{dist_info}/METADATA"] = b"Metadata-Version: 2.4\n"
    for name in names:
        if name.startswith("-"):
            del body[name[1:]]
        else:
            body[name] = b""
    wheel = tmp_path / "airflow_provider_releases-0-py3-none-any.whl"
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
    ],
)
def test_release_check_refuses_a_wrong_wheel(tmp_path: Path, change: set[str], complaint: str) -> None:
    check = load_release_check()
    with pytest.raises(check.CheckFailed, match=re.escape(complaint)):
        check.check_wheel(_wheel(tmp_path, change, check))
