"""The installed provider, as Airflow's ProvidersManager and CLI see it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib.metadata import entry_points

import pytest

from airflow_provider_releases.get_provider_info import get_provider_info
from airflow_provider_releases.triggers.launchdarkly import LaunchDarklyReleasePhaseTrigger
from tests.helpers.tasks import TASKS

EXPECTED = {
    "amplitude": (
        "airflow_provider_releases.hooks.amplitude.AmplitudeHook",
        "Amplitude",
        "amplitude_conn_id",
    ),
    "launchdarkly": (
        "airflow_provider_releases.hooks.launchdarkly.LaunchDarklyHook",
        "LaunchDarkly",
        "launchdarkly_conn_id",
    ),
    "aha": ("airflow_provider_releases.hooks.aha.AhaHook", "Aha!", "aha_conn_id"),
    "cryptlex": ("airflow_provider_releases.hooks.cryptlex.CryptlexHook", "Cryptlex", "cryptlex_conn_id"),
}
EXTRA_FIELDS = {
    "amplitude": {"api_key", "region"},
    "launchdarkly": {"instance"},
    "aha": {"subdomain"},
    "cryptlex": {"region", "releases_host"},
}
COMMON_FIELDS = {"connect_timeout", "read_timeout", "max_retries", "max_retry_wait"}


@pytest.fixture(scope="module")
def providers_manager():
    from airflow.providers_manager import ProvidersManager

    return ProvidersManager()


def test_entry_point_points_at_get_provider_info():
    (entry,) = [
        e for e in entry_points(group="apache_airflow_provider") if e.value.startswith("airflow_provider")
    ]
    assert entry.value == "airflow_provider_releases.get_provider_info:get_provider_info"
    assert entry.load()()["package-name"] == "airflow-provider-releases"


def test_provider_is_registered(providers_manager):
    from airflow_provider_releases import __version__

    provider = providers_manager.providers["airflow-provider-releases"]
    assert provider.version == __version__


def test_hooks_are_registered_with_their_names_and_conn_id_attributes():
    from airflow.sdk.providers_manager_runtime import ProvidersManagerTaskRuntime

    hooks = ProvidersManagerTaskRuntime().hooks
    for conn_type, (class_name, hook_name, conn_id_attr) in EXPECTED.items():
        info = hooks[conn_type]
        assert info.hook_class_name == class_name
        assert info.hook_name == hook_name
        assert info.connection_id_attribute_name == conn_id_attr
        assert info.package_name == "airflow-provider-releases"
        assert info.connection_testable is True


def test_connection_form_fields(providers_manager):
    widgets = providers_manager.connection_form_widgets
    for conn_type, names in EXTRA_FIELDS.items():
        fields = {w.field_name for key, w in widgets.items() if key.startswith(f"extra__{conn_type}__")}
        assert fields == names | COMMON_FIELDS
        sensitive = {name for name in fields if widgets[f"extra__{conn_type}__{name}"].is_sensitive}
        assert sensitive == ({"api_key"} if conn_type == "amplitude" else set())
    api_key = widgets["extra__amplitude__api_key"].field
    assert (api_key["schema"]["title"], api_key["schema"]["format"]) == ("API key", "password")
    region = widgets["extra__amplitude__region"].field
    assert region["schema"]["enum"] == ["default", "eu"]
    assert region["schema"]["title"] == "Data region"
    assert widgets["extra__launchdarkly__instance"].field["schema"]["enum"] == ["commercial", "eu", "federal"]


def test_the_api_servers_form_metadata_has_every_declared_field_with_its_default():
    """``/ui/connections/hook_meta``, which the UI draws the forms from: every field, title and default."""
    from airflow.api_fastapi.core_api.services.ui.connections import HookMetaService

    from airflow_provider_releases.connection_forms import form_defaults

    forms = {meta.connection_type: meta.model_dump() for meta in HookMetaService.hook_meta_data()}
    for info in get_provider_info()["connection-types"]:
        form = forms[info["connection-type"]]
        assert list(form["extra_fields"]) == list(info["conn-fields"])
        assert {name: field["schema"]["title"] for name, field in form["extra_fields"].items()} == {
            name: field["label"] for name, field in info["conn-fields"].items()
        }
        values = {name: field["value"] for name, field in form["extra_fields"].items()}
        assert values == form_defaults()[info["connection-type"]]
        hidden = {name for name, field in form["standard_fields"].items() if field and field["hidden"]}
        assert hidden == {"url_schema", "port"} | (
            {"login"} if info["connection-type"] != "amplitude" else set()
        )


def test_field_behaviour_hides_and_relabels(providers_manager):
    behaviours = providers_manager.field_behaviours
    assert behaviours["amplitude"]["relabeling"] == {
        "login": "API key, old place (shown as typed)",
        "password": "Secret key",
        "host": "Base URL override",
    }
    # Login cannot be masked: the key's masked field is an extra of format "password"
    assert behaviours["amplitude"]["placeholders"]["login"] == "leave empty: use the masked API key field"
    assert "login" not in behaviours["amplitude"]["hidden_fields"]
    for conn_type in ("launchdarkly", "aha", "cryptlex"):
        assert {"login", "schema", "port"} <= set(behaviours[conn_type]["hidden_fields"])
    assert behaviours["launchdarkly"]["relabeling"]["password"] == "Access token"
    assert behaviours["aha"]["placeholders"]["host"] == "https://<subdomain>.aha.io"


def test_every_declared_module_and_class_imports():
    import importlib

    info = get_provider_info()
    for layer in ("hooks", "operators", "sensors", "triggers"):
        for entry in info[layer]:
            for module in entry["python-modules"]:
                importlib.import_module(module)
    for link in info["extra-links"]:
        module, _, name = link.rpartition(".")
        assert getattr(importlib.import_module(module), name).name
    for conn in info["connection-types"]:
        module, _, name = conn["hook-class-name"].rpartition(".")
        cls = getattr(importlib.import_module(module), name)
        assert cls.conn_type == conn["connection-type"]
        assert cls.hook_name == conn["hook-name"]
        assert cls.default_conn_name == f"{conn['connection-type']}_default"


def test_metadata_lists_the_module_of_every_operator_sensor_and_trigger():
    """Every operator and sensor of the table (``tests/helpers/tasks.py``), and the triggers."""
    info = get_provider_info()
    listed = {
        module
        for layer in ("operators", "sensors", "triggers")
        for entry in info[layer]
        for module in entry["python-modules"]
    }
    assert {task.cls.__module__ for task in TASKS} <= listed
    assert LaunchDarklyReleasePhaseTrigger.__module__ in listed
    # the trigger a deferred sensor hands its wait to, as its serialised class path names it
    deferring = [task.cls for task in TASKS if getattr(task.cls, "trigger_classpath", None)]
    assert deferring
    assert {cls.trigger_classpath.rpartition(".")[0] for cls in deferring} <= listed
    assert len(info["extra-links"]) == 4  # LaunchDarkly: the flag and the environment release


def test_providers_manager_registers_the_extra_links(providers_manager):
    assert set(get_provider_info()["extra-links"]) <= set(providers_manager.extra_links_class_names)


def test_airflow_cli_shows_the_provider_with_its_connection_types(tmp_path):
    env = {**os.environ, "AIRFLOW_HOME": str(tmp_path)}
    airflow = os.path.join(os.path.dirname(sys.executable), "airflow")
    listed = subprocess.run(
        [airflow, "providers", "list", "-o", "json"], env=env, capture_output=True, text=True
    )
    assert listed.returncode == 0, listed.stderr
    assert "airflow-provider-releases" in [p["package_name"] for p in json.loads(listed.stdout)]
    shown = subprocess.run(
        [airflow, "providers", "get", "airflow-provider-releases", "--full", "-o", "json"],
        env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    (details,) = json.loads(shown.stdout)
    assert [c["connection-type"] for c in details["connection-types"]] == list(EXPECTED)
    assert [h["python-modules"][0] for h in details["hooks"]] == [
        class_name.rpartition(".")[0] for class_name, _, _ in EXPECTED.values()
    ]
    info = get_provider_info()
    for layer in ("operators", "sensors", "triggers", "extra-links"):
        assert details[layer] == info[layer], layer


def test_importing_the_hooks_stays_cheap():
    """A DAG file pays for every import at parse time: requests loads on the first call, not before."""
    code = (
        "import sys\n"
        "import airflow_provider_releases, airflow_provider_releases.get_provider_info\n"
        "import airflow_provider_releases.hooks.amplitude, airflow_provider_releases.hooks.launchdarkly\n"
        "import airflow_provider_releases.hooks.aha, airflow_provider_releases.hooks.cryptlex\n"
        "heavy = [m for m in ('requests', 'urllib3') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=os.environ.copy()
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""


def test_importing_the_operators_and_links_stays_cheap():
    """Operators build their hooks lazily: importing them (as every DAG file does) loads no requests."""
    services = ("amplitude", "launchdarkly", "aha", "cryptlex")
    code = (
        "import sys\n"
        + "".join(f"import airflow_provider_releases.operators.{s}\n" for s in services)
        + "".join(f"import airflow_provider_releases.links.{s}\n" for s in services if s != "amplitude")
        + "heavy = [m for m in ('requests', 'urllib3') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=os.environ.copy()
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
