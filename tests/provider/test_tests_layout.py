"""The test suite's own shape: builders come from ``tests/helpers``, fixtures from conftest files."""

from __future__ import annotations

import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
TEST_FILES = sorted(path for folder in ("tests", "benchmarks") for path in (ROOT / folder).rglob("*.py"))


def conftest_imports(source: str) -> list[int]:
    """The lines of ``source`` that import a conftest module or a name from one."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            modules = [node.module or ""] + [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        else:
            continue
        if any("conftest" in module.split(".") for module in modules):
            lines.append(node.lineno)
    return lines


@pytest.mark.parametrize("path", TEST_FILES, ids=lambda path: str(path.relative_to(ROOT)))
def test_no_test_file_imports_from_a_conftest(path: pathlib.Path) -> None:
    assert conftest_imports(path.read_text()) == []


def test_the_conftest_import_check_sees_every_form() -> None:
    source = (
        "from tests.conftest import SECRETS\n"
        "import tests.operators.conftest\n"
        "from tests.engine import conftest\n"
        "from tests.helpers.connections import SECRETS\n"
    )
    assert conftest_imports(source) == [1, 2, 3]
