"""
The sandbox is a distribution of its own that checks the provider rather than copying it: its
source imports nothing of ``airflow_provider_releases``, and its LaunchDarkly field lists are the
ones of the OpenAPI excerpt it ships.
"""

from __future__ import annotations

import ast
import pathlib

import pytest
import yaml

import airflow_provider_releases
import airflow_provider_releases_sandbox
from airflow_provider_releases_sandbox.launchdarkly import inputs, rules

SOURCE = pathlib.Path(airflow_provider_releases_sandbox.__file__).parent
PROVIDER = "airflow_provider_releases"


def imported_modules(source: str, package: str) -> list[str]:
    """Every module ``source`` (a module of ``package``) imports, relative imports resolved."""
    modules = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            modules.append(".".join(part for part in (base, node.module or "") if part))
    return modules


def is_provider(module: str) -> bool:
    """Whether ``module`` is the provider or one of its modules (the sandbox's name only starts alike)."""
    return module == PROVIDER or module.startswith(f"{PROVIDER}.")


def test_the_sandbox_source_imports_nothing_of_the_provider() -> None:
    found = []
    for path in SOURCE.rglob("*.py"):
        package = ".".join(path.relative_to(SOURCE.parent).parts[:-1])
        modules = imported_modules(path.read_text(encoding="utf-8"), package)
        found.extend(
            f"{path.relative_to(SOURCE.parent)}: {module}" for module in modules if is_provider(module)
        )
    assert not found


def test_the_import_walk_tells_the_provider_from_the_sandbox() -> None:
    package = "airflow_provider_releases_sandbox.aha"
    assert [
        is_provider(module)
        for module in imported_modules(
            "import airflow_provider_releases\n"
            "from airflow_provider_releases.rules import aha\n"
            "from airflow_provider_releases_sandbox import core\n"
            "from ..web import Page\n",
            package,
        )
    ] == [True, True, False, False]


def test_the_sandbox_version_is_the_providers() -> None:
    assert airflow_provider_releases_sandbox.__version__ == airflow_provider_releases.__version__


@pytest.fixture(scope="module")
def schemas() -> dict:
    document = yaml.safe_load((SOURCE / "launchdarkly" / "openapi.yaml").read_text(encoding="utf-8"))
    return document["components"]["schemas"]


@pytest.mark.parametrize(
    ("schema", "fields"),
    [
        ("ReleaserAudienceConfigInput", set(rules.AUDIENCE_FIELDS)),
        ("AudiencePost", inputs.AUDIENCE_POST_FIELDS),
        ("AudienceConfiguration", inputs.CONFIGURATION_FIELDS),
        ("ReleaseGuardianConfiguration", set(inputs.GUARDIAN_FIELDS)),
        ("UpdatePhaseStatusInput", {"status", "audiences"}),
    ],
)
def test_the_launchdarkly_field_lists_are_the_excerpts(schemas: dict, schema: str, fields: set[str]) -> None:
    assert set(schemas[schema]["properties"]) == fields


def test_the_required_guardian_fields_are_the_excerpts(schemas: dict) -> None:
    assert set(schemas["ReleaseGuardianConfiguration"]["required"]) == set(inputs.GUARDIAN_REQUIRED)


@pytest.mark.parametrize("path", sorted(SOURCE.rglob("*.py")), ids=lambda path: str(path.relative_to(SOURCE)))
def test_every_sandbox_module_is_under_500_lines(path: pathlib.Path) -> None:
    assert path.read_text(encoding="utf-8").count("\n") <= 500
