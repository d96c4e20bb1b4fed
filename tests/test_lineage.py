"""OpenLineage facets of the operators and sensors (the release's assets as outputs, the milestone
as a run facet), the converters registered for the asset schemes, and nothing of OpenLineage
imported with the operators."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from airflow.sdk import Asset

from airflow_provider_releases.lineage import MILESTONE_FACET, asset_to_openlineage
from airflow_provider_releases.operators.aha import AhaCreateReleaseOperator
from airflow_provider_releases.sensors.aha import AhaReleaseShippedSensor
from airflow_provider_releases_sandbox import Sandbox
from tests.helpers.runs import run_task

SCHEMES = ("launchdarkly", "aha", "cryptlex", "amplitude")


def as_json(lineage) -> dict:
    """What an OpenLineage event carries of ``lineage``: its outputs and run facets as JSON."""
    from openlineage.client.serde import Serde

    return {
        "outputs": [json.loads(Serde.to_json(dataset)) for dataset in lineage.outputs],
        "run_facets": {name: json.loads(Serde.to_json(facet)) for name, facet in lineage.run_facets.items()},
    }


def test_an_operator_returns_its_release_asset_and_milestone(release_sandbox: Sandbox, make_context) -> None:
    operator = AhaCreateReleaseOperator(
        task_id="create", product_id="PRJ1", name="Release 2.0", outlets=[Asset("aha://PRJ1")]
    )
    created, _ = run_task(operator, make_context)

    lineage = as_json(operator.get_openlineage_facets_on_complete(None))

    assert lineage["outputs"] == [{"namespace": "aha", "name": "PRJ1", "facets": {}}]
    facet = lineage["run_facets"][MILESTONE_FACET]
    assert facet["_schemaURL"].endswith("/lineage.html#releasemilestonerunfacet")
    assert {key: facet.get(key) for key in ("service", "action", "version", "ids", "url")} == {
        "service": "aha",
        "action": "created",
        "version": None,
        "ids": {
            "release_id": created["id"],
            "reference_num": created["reference_num"],
            "product_id": created["product_id"],
        },
        "url": created["url"],
    }


def test_a_sensor_returns_its_release_assets_and_milestone(release_sandbox: Sandbox) -> None:
    sensor = AhaReleaseShippedSensor(
        task_id="shipped",
        release_id="PRJ1-R-1",
        poke_interval=0,
        outlets=[Asset("aha://PRJ1"), Asset("aha://PRJ1"), Asset("s3://bucket/notes")],
    )
    shipped = sensor.execute({})

    lineage = as_json(sensor.get_openlineage_facets_on_complete(None))

    assert lineage["outputs"] == [{"namespace": "aha", "name": "PRJ1", "facets": {}}]  # once; not s3
    facet = lineage["run_facets"][MILESTONE_FACET]
    assert (facet["service"], facet["action"], facet["url"]) == ("aha", "shipped", shipped["url"])
    assert facet["ids"]["release_id"] == shipped["id"]


def test_a_dry_run_has_no_lineage(release_sandbox: Sandbox, make_context) -> None:
    operator = AhaCreateReleaseOperator(task_id="create", product_id="PRJ1", name="Release 2.0", dry_run=True)
    run_task(operator, make_context)
    lineage = operator.get_openlineage_facets_on_complete(None)
    assert (lineage.outputs, lineage.run_facets) == ([], {})


@pytest.mark.parametrize(
    ("uri", "namespace", "name"),
    [
        ("launchdarkly://default/new-checkout", "launchdarkly", "default/new-checkout"),
        ("aha://PRJ1", "aha", "PRJ1"),
        ("cryptlex://desktop-app?channel=beta", "cryptlex", "desktop-app?channel=beta"),
        ("amplitude://web-app", "amplitude", "web-app"),
    ],
)
def test_each_scheme_has_an_openlineage_converter(uri: str, namespace: str, name: str) -> None:
    from airflow.sdk.plugins_manager import ProvidersManagerTaskRuntime

    converters = ProvidersManagerTaskRuntime().asset_to_openlineage_converters
    assert {scheme: converters[scheme] for scheme in SCHEMES} == dict.fromkeys(SCHEMES, asset_to_openlineage)
    dataset = converters[namespace](Asset(uri), None)
    assert (dataset.namespace, dataset.name) == (namespace, name)


IMPORT_EVERY_TASK = """
import importlib, json, pkgutil, sys
import airflow_provider_releases.operators, airflow_provider_releases.sensors
for package in (airflow_provider_releases.operators, airflow_provider_releases.sensors):
    for module in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{package.__name__}.{module.name}")
print(json.dumps(sorted(
    name for name in sys.modules
    if name.split(".")[0] == "openlineage"
    or name.startswith(("airflow_provider_releases.lineage", "airflow.providers.openlineage."))
)))
"""


def test_importing_the_operators_and_sensors_imports_nothing_of_openlineage() -> None:
    """Airflow reads every installed provider's ``get_provider_info``; nothing else of OpenLineage loads."""
    found = subprocess.run(
        [sys.executable, "-c", IMPORT_EVERY_TASK], capture_output=True, text=True, check=True, timeout=120
    ).stdout.splitlines()[-1]
    assert json.loads(found) in ([], ["airflow.providers.openlineage.get_provider_info"])
