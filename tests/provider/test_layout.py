"""The package's shape: its layering (import-linter contracts), private names, module sizes."""

from __future__ import annotations

import ast
import os
import pathlib
import shutil
import subprocess
import sys

import pytest

import airflow_provider_releases

PACKAGE = pathlib.Path(airflow_provider_releases.__file__).parent
ROOT = PACKAGE.parent
NAME = PACKAGE.name
MAX_LINES = 500


def _modules() -> list[pathlib.Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _package_of(module: str) -> str:
    """``airflow_provider_releases.hooks.aha`` -> ``airflow_provider_releases.hooks``."""
    return ".".join(module.split(".")[:2])


def _module_name(path: pathlib.Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def _is_private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def private_imports(source: str, module: str) -> list[str]:
    """Every name starting with one underscore that ``module`` takes from another package of the provider."""
    here = _package_of(module)
    tree = ast.parse(source)
    name = module.rsplit(".", 1)[-1]
    found = []
    aliases: dict[str, str] = {}  # local name -> provider module it stands for
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(NAME):
            for alias in node.names:
                target = f"{node.module}.{alias.name}"
                aliases[alias.asname or alias.name] = target
                if _package_of(node.module) != here and _is_private(alias.name):
                    found.append(f"{name}:{node.lineno} from {node.module} import {alias.name}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith(NAME):
                    aliases[alias.asname or alias.name] = alias.name
                    if _package_of(alias.name) != here and any(map(_is_private, alias.name.split("."))):
                        found.append(f"{name}:{node.lineno} import {alias.name}")
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and _is_private(node.attr):
            target = aliases.get(node.value.id)
            if target and _package_of(target) != here:
                found.append(f"{name}:{node.lineno} {node.value.id}.{node.attr}")
    return found


def test_no_module_takes_a_private_name_from_another_package() -> None:
    found = [line for path in _modules() for line in private_imports(path.read_text(), _module_name(path))]
    assert found == []


def test_the_private_import_check_sees_multi_line_imports_and_attribute_access() -> None:
    source = (
        "from airflow_provider_releases.hooks.aha import (\n"
        "    AhaHook,\n"
        "    _id,\n"
        ")\n"
        "from airflow_provider_releases.hooks import aha\n"
        "from airflow_provider_releases.operators.base import _own_package_is_fine\n"
        "aha._ID\n"
    )
    assert private_imports(source, f"{NAME}.operators.probe") == [
        "probe:1 from airflow_provider_releases.hooks.aha import _id",
        "probe:7 aha._ID",
    ]


def test_no_trigger_imports_a_sensor() -> None:
    for path in sorted((PACKAGE / "triggers").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            modules = []
            if isinstance(node, ast.ImportFrom) and node.module:
                modules = [node.module]
            elif isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            assert not any(module.startswith(f"{NAME}.sensors") for module in modules), (path, node.lineno)


def test_no_trigger_runs_a_check_in_a_worker_thread() -> None:
    assert [p for p in (PACKAGE / "triggers").rglob("*.py") if "to_thread" in p.read_text()] == []


@pytest.mark.parametrize("path", _modules(), ids=lambda path: str(path.relative_to(ROOT)))
def test_every_module_is_under_500_lines(path: pathlib.Path) -> None:
    assert path.read_text().count("\n") <= MAX_LINES


def lint_imports(root: pathlib.Path) -> subprocess.CompletedProcess:
    """Run import-linter on the package under ``root`` with the contracts in its ``pyproject.toml``."""
    lint = pathlib.Path(sys.executable).with_name("lint-imports")
    return subprocess.run(
        [str(lint), "--no-cache", str(root / "pyproject.toml")],
        cwd=root,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(root)},
        timeout=120,
    )


def test_the_layering_contracts_hold() -> None:
    """The import-linter contracts in pyproject.toml: which package may import which, and where no Airflow."""
    done = lint_imports(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 kept, 0 broken" in done.stdout


def test_an_airflow_import_in_the_rule_book_breaks_a_contract(tmp_path: pathlib.Path) -> None:
    shutil.copytree(PACKAGE, tmp_path / NAME, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    with (tmp_path / NAME / "rules" / "cryptlex.py").open("a") as module:
        module.write("\n\ndef probe():\n    from airflow.sdk import BaseHook\n\n    return BaseHook\n")

    done = lint_imports(tmp_path)

    assert done.returncode == 1, done.stdout + done.stderr
    assert " kept, 1 broken" in done.stdout
    assert f"{NAME}.rules is not allowed to import airflow" in done.stdout


def test_the_rule_book_the_registry_and_the_sandbox_import_without_airflow() -> None:
    """Airflow loads get_provider_info while it configures itself: importing Airflow there is circular."""
    probe = (
        "import sys\n"
        "import airflow_provider_releases.get_provider_info, airflow_provider_releases.exceptions\n"
        "import airflow_provider_releases.rules.aha, airflow_provider_releases.rules.amplitude\n"
        "import airflow_provider_releases.rules.cryptlex, airflow_provider_releases.rules.launchdarkly\n"
        "from airflow_provider_releases_sandbox.app import build_backends\n"
        "build_backends({})\n"
        "print(sorted(name for name in sys.modules if name.split('.')[0] == 'airflow'))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.splitlines() == ["[]"]
