"""The code samples rule as tests/docs/test_docs.py applies it, on pages made for the purpose."""

from __future__ import annotations

import os
import pathlib

import pytest

from tests.docs.sources import ROOT, Block, blocks_of, code_sample_problems, runs_in_the_suite

WORKFLOW = ROOT / "example_dags" / "release_workflow.py"


def problems_of(page: pathlib.Path) -> list[str]:
    blocks = [block for block in blocks_of(page) if isinstance(block, Block)]
    return [problem for block in blocks for problem in code_sample_problems(block)]


def relative(tmp_path: pathlib.Path, target: pathlib.Path) -> str:
    """``target`` as a literalinclude in a page of ``tmp_path`` names it (relative to the page)."""
    return os.path.relpath(target, tmp_path)


def page(tmp_path: pathlib.Path, name: str, text: str) -> pathlib.Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("name", "text", "problem"),
    [
        ("a.md", "Run:\n\n```python\nprint(1)\n```\n", "a ```python block written in the page"),
        ("a.md", "Run:\n\n```\nbash scripts/main.sh\n```\n", "a ``` block written in the page"),
        ("a.md", "Run:\n\n    print(1)\n", "a indented code block written in the page"),
        ("a.md", "```{code-block} bash\necho hi\n```\n", "a code-block bash block written in the page"),
        ("a.md", ":::{note}\n```json\n{}\n```\n:::\n", "a ```json block written in the page"),
        ("a.md", "```{eval-rst}\n.. code-block:: python\n\n   x = 1\n```\n", "a code-block python block"),
        ("a.rst", "Run this::\n\n   print(1)\n", "a literal code block written in the page"),
        ("a.rst", ".. code-block:: python\n\n   print(1)\n", "a code-block python block written in the page"),
    ],
)
def test_code_written_in_a_page_is_refused(tmp_path, name, text, problem):
    [found] = problems_of(page(tmp_path, name, text))
    assert f"{name}:" in found and problem in found and "use literalinclude" in found


def test_program_output_and_directives_without_code_are_allowed(tmp_path):
    text = "```text\nVersion 2.0.0 is released\n```\n\n```{toctree}\nother\n```\n\n:::{note}\nA note.\n:::\n"
    assert problems_of(page(tmp_path, "a.md", text)) == []


def test_an_include_of_a_file_the_suite_runs_with_its_markers_is_allowed(tmp_path):
    text = (
        f"```{{literalinclude}} {relative(tmp_path, WORKFLOW)}\n:language: python\n"
        ':start-after: "[START reacting_approval_param]"\n:end-before: [END reacting_approval_param]\n```\n'
    )
    assert problems_of(page(tmp_path, "a.md", text)) == []


def test_an_include_with_a_marker_missing_from_the_file_is_refused(tmp_path):
    include = relative(tmp_path, WORKFLOW)
    text = f"```{{literalinclude}} {include}\n:start-after: [START no_such_region]\n```\n"
    [found] = problems_of(page(tmp_path, "a.md", text))
    assert "marker '[START no_such_region]' (start-after) is not in" in found


@pytest.mark.parametrize("target", ["README.md", "docs/conf.py", "no/such/file.py"])
def test_an_include_of_a_file_the_suite_does_not_run_is_refused(tmp_path, target):
    text = f".. literalinclude:: {relative(tmp_path, ROOT / target)}\n   :language: python\n"
    [found] = problems_of(page(tmp_path, "a.rst", text))
    assert "literalinclude of" in found and ("does not run" in found or "does not exist" in found)


@pytest.mark.parametrize(
    ("path", "runs"),
    [
        ("example_dags/release_workflow.py", True),
        ("tests/docs/test_sources.py", True),
        ("tests/docs/connection_examples.sh", True),
        ("README.md", False),
        ("airflow_provider_releases/workflows.py", False),
    ],
)
def test_which_files_the_suite_runs(path, runs):
    assert runs_in_the_suite(ROOT / path) is runs
