"""Importing the sensors and triggers stays light: no HTTP library until a check runs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

MODULES = [
    f"airflow_provider_releases.{kind}.{service}"
    for kind in ("sensors", "triggers")
    for service in ("launchdarkly", "aha", "cryptlex")
]


def test_importing_sensors_and_triggers_does_not_import_requests(tmp_path):
    script = "import sys; " + "; ".join(f"import {m}" for m in MODULES) + "; print('requests' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", script],
        cwd=Path(__file__).resolve().parents[2],
        env={"AIRFLOW_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.split()[-1] == "False"


def test_a_dag_file_parses_without_the_trigger_machinery(tmp_path):
    """Sensors import their trigger only when they defer: parsing a DAG loads no airflow.triggers."""
    sensors = [m for m in MODULES if ".sensors." in m]
    script = (
        "import sys; import airflow_provider_releases.workflows; "
        + "; ".join(f"import {m}" for m in sensors)
        + "; print(sorted(m for m in sys.modules if m.startswith(('airflow.triggers', 'requests'))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        cwd=Path(__file__).resolve().parents[2],
        env={"AIRFLOW_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.split("\n")[-2] == "[]"
