"""The README's example of a user's own DAG test, run as a user would: its own pytest, its own folder."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests import secret_audit
from tests.secret_audit import SUBPROCESS_OUTPUT

README = Path(__file__).parents[2] / "README.md"

MY_RELEASE_DAG = """
from datetime import datetime

from airflow.sdk import DAG

from airflow_provider_releases.operators.cryptlex import CryptlexCreateReleaseOperator
from airflow_provider_releases.operators.launchdarkly import (
    LaunchDarklyAttachFlagToPipelineOperator,
    LaunchDarklyStartPhaseOperator,
)
from airflow_provider_releases.sensors.launchdarkly import LaunchDarklyReleasePhaseSensor

FLAG = {"project_key": "default", "flag_key": "dark-mode"}

with DAG("my_release", schedule=None, start_date=datetime(2026, 1, 1)):
    (
        CryptlexCreateReleaseOperator(
            task_id="cryptlex", product_id="0b7e4f2c-91a6-4d38-b5c2-6e1f9a3d8c47", name="3.0", version="3.0.0"
        )
        >> LaunchDarklyAttachFlagToPipelineOperator(task_id="attach", release_pipeline_key="hotfix", **FLAG)
        >> LaunchDarklyStartPhaseOperator(task_id="start", phase=0, **FLAG)
        >> LaunchDarklyReleasePhaseSensor(task_id="wait", phase=0, poke_interval=0.2, timeout=60, **FLAG)
    )
"""


def readme_example() -> str:
    section = README.read_text().split("### In your own pytest suite", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_readme_example_is_under_ten_lines() -> None:
    lines = [line for line in readme_example().splitlines() if line.strip()]
    assert len(lines) < 10, lines


def test_readme_example_passes_in_a_users_project(tmp_path: Path) -> None:
    (tmp_path / "dags").mkdir()
    (tmp_path / "dags" / "my_release.py").write_text(MY_RELEASE_DAG)
    (tmp_path / "test_my_release.py").write_text(readme_example())
    env = {
        key: value for key, value in os.environ.items() if not key.startswith(("AIRFLOW_CONN_", "PYTEST_"))
    }
    env.update(AIRFLOW_HOME=str(tmp_path / "airflow"), AIRFLOW__CORE__LOAD_EXAMPLES="False")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_my_release.py"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    secret_audit.scan(result.stdout + result.stderr, SUBPROCESS_OUTPUT, "the README example's test run")
    secret_audit.scan_tree(tmp_path / "airflow")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "1 passed" in result.stdout
