"""The ``pytest11`` plugin loads in every pytest session where the sandbox is installed: it stays light."""

from __future__ import annotations

import json
import subprocess
import sys

PLUGIN = "import airflow_provider_releases_sandbox.pytest_plugin\n"
MODULES = "import json, sys\nprint(json.dumps(sorted(sys.modules)))\n"
SERVICES = ("amplitude", "launchdarkly", "aha", "cryptlex")


def _modules_after(code: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    return json.loads(done.stdout)


def test_importing_the_plugin_imports_no_server_backend_or_airflow() -> None:
    modules = _modules_after(PLUGIN + MODULES)
    assert "airflow_provider_releases_sandbox.pytest_plugin" in modules
    heavy = [
        name
        for name in modules
        if name in ("airflow_provider_releases_sandbox.server", "airflow_provider_releases_sandbox.app")
        or name.startswith(tuple(f"airflow_provider_releases_sandbox.{service}" for service in SERVICES))
        or name == "airflow"
        or name.startswith("airflow.")
    ]
    assert heavy == []


def test_the_probe_sees_what_the_fixture_imports() -> None:
    """The check above can fail: the app builds the backends (which bring the rule book along)."""
    fixture = "from airflow_provider_releases_sandbox.app import SandboxApp\nSandboxApp()\n"
    modules = _modules_after(PLUGIN + fixture + MODULES)
    assert "airflow_provider_releases_sandbox.app" in modules
    assert "airflow_provider_releases_sandbox.launchdarkly.models" in modules
