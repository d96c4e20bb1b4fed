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
