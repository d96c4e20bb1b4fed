"""Importing the sensors and triggers stays light: no HTTP library until a check runs."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

MODULES = [
    f"airflow_provider_releases.{kind}.{service}"
    for kind in ("sensors", "triggers")
    for service in ("launchdarkly", "aha", "cryptlex")
]


def loaded_after_importing(modules: list[str], prefixes: tuple[str, ...], home) -> list[str]:
    """In a fresh interpreter, import ``modules``; return the loaded modules named ``prefixes``."""
    script = (
        "import sys; "
        + "; ".join(f"import {m}" for m in modules)
        + f"; print(sorted(m for m in sys.modules if m.startswith({prefixes!r})))"
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        cwd=Path(__file__).resolve().parents[2],
        env={"AIRFLOW_HOME": str(home), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    return ast.literal_eval(out.stdout.splitlines()[-1])


def test_importing_sensors_and_triggers_does_not_import_requests(tmp_path):
    assert loaded_after_importing(MODULES, ("requests", "urllib3"), tmp_path) == []


def test_a_dag_file_parses_without_the_trigger_machinery(tmp_path):
    """Sensors import their trigger only when they defer: parsing a DAG loads no airflow.triggers."""
    sensors = [m for m in MODULES if ".sensors." in m]
    modules = ["airflow_provider_releases.workflows", *sensors]
    assert loaded_after_importing(modules, ("airflow.triggers", "requests"), tmp_path) == []
