"""The main job (README's first command, minus building the virtualenv) releases a version twice."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests import secret_audit
from tests.secret_audit import SUBPROCESS_OUTPUT

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.engine
def test_main_job_releases_a_version_across_the_four_services_and_reruns_it_idempotently(
    tmp_path: Path,
) -> None:
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(tmp_path),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "example_dags"),
    }
    env.pop("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", None)

    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "main.py"),
            "--version",
            "3.1.0",
            "--title",
            "Autumn release",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )

    out = result.stdout
    secret_audit.scan(out + result.stderr, SUBPROCESS_OUTPUT, "the main job")
    assert result.returncode == 0, f"{out[-3000:]}\n{result.stderr[-3000:]}"
    assert "Version 3.1.0 is released as 'Autumn release':" in out
    assert re.search(r"Aha!\s+release PRJ1-R-\d+ 'Autumn release' in PRJ1: Shipped on \d{4}-\d{2}-\d{2}", out)
    assert re.search(r"Cryptlex\s+release 3\.1\.0 on channel stable: published \(id [0-9a-f-]{36}\)", out)
    assert re.search(r"LaunchDarkly\s+flag new-checkout on pipeline standard-release: Testing complete", out)
    assert re.search(r"Amplitude\s+release annotation \w+ 'Autumn release' version 3\.1\.0", out)
    assert re.search(r"http://127\.0\.0\.1:\d+/aha/releases/PRJ1-R-\d+", out)
    assert out.count(": success") == 2
    assert "annotate_amplitude         skipped" in out  # the second run does not annotate again
    for what in ("Aha! releases named 'Autumn release'", "Cryptlex releases of version 3.1.0"):
        assert re.search(rf"{re.escape(what)}\s+1 -> 1", out)
    assert re.search(r"LaunchDarkly phase starts\s+1 -> 1", out)
    assert "Nothing was created twice and no phase was started again." in out
    assert not (tmp_path / "first-run.log").read_text().count("Traceback")
