"""The documented user project (a DAG and its test), run as a user would: its own pytest, its own folder.

The files are ``docs/examples/user_project/dags/my_release.py`` and
``docs/examples/user_project/test_my_release.py``: docs/testing.md includes them, and README's
"In your own pytest suite" block is the same test, word for word.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from tests import secret_audit
from tests.secret_audit import SUBPROCESS_OUTPUT

ROOT = Path(__file__).parents[2]
README = ROOT / "README.md"
USER_PROJECT = ROOT / "docs" / "examples" / "user_project"
USER_TEST = USER_PROJECT / "test_my_release.py"


def readme_example() -> str:
    section = README.read_text(encoding="utf-8").split("### In your own pytest suite", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_readme_example_is_the_documented_test() -> None:
    assert readme_example() == USER_TEST.read_text(encoding="utf-8")


def test_the_documented_test_is_under_ten_lines() -> None:
    lines = [line for line in USER_TEST.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(lines) < 10, lines


def test_the_documented_project_passes_in_a_users_folder(tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(USER_PROJECT, project, ignore=shutil.ignore_patterns("__pycache__"))
    env = {
        key: value for key, value in os.environ.items() if not key.startswith(("AIRFLOW_CONN_", "PYTEST_"))
    }
    env.update(AIRFLOW_HOME=str(tmp_path / "airflow"), AIRFLOW__CORE__LOAD_EXAMPLES="False")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_my_release.py"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    secret_audit.scan(result.stdout + result.stderr, SUBPROCESS_OUTPUT, "the user project's test run")
    secret_audit.scan_tree(tmp_path / "airflow")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "1 passed" in result.stdout


def test_readme_links_to_files_of_the_repository_that_exist() -> None:
    targets = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", README.read_text(encoding="utf-8"))
    local = [target for target in targets if "://" not in target]
    assert local, "README links to no page of the documentation"
    assert [target for target in local if not (ROOT / target).exists()] == []
