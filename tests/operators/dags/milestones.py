"""
Test DAG ``milestones``: every release operator and sensor once with asset outlets (the sensors
both poking and deferred), plus a dry run, a task without outlets and an asset alias outlet
(``tests/operators/test_milestones.py`` sets the sandbox up, and the file to upload in ``conf``).
"""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import DAG, Asset, AssetAlias

from airflow_provider_releases.operators.aha import (
    AhaCreateReleaseOperator,
    AhaDeleteReleaseOperator,
    AhaDuplicateReleaseOperator,
    AhaUpdateReleaseOperator,
)
from airflow_provider_releases.operators.amplitude import AmplitudeCreateReleaseOperator
from airflow_provider_releases.operators.cryptlex import (
    CryptlexCreateReleaseOperator,
    CryptlexPublishReleaseOperator,
    CryptlexUploadReleaseFileOperator,
)
from airflow_provider_releases.operators.launchdarkly import (
    LaunchDarklyAttachFlagToPipelineOperator,
    LaunchDarklyStartPhaseOperator,
)
from airflow_provider_releases.sensors.aha import AhaReleaseShippedSensor
from airflow_provider_releases.sensors.cryptlex import CryptlexReleasePublishedSensor
from airflow_provider_releases.sensors.launchdarkly import LaunchDarklyReleasePhaseSensor
from airflow_provider_releases_sandbox.cryptlex import DESKTOP_APP_ID

# x- schemes: these tests do not depend on the provider's own URI handlers.
AHA = Asset("x-aha://PRJ1")
CRYPTLEX = Asset(f"x-cryptlex://{DESKTOP_APP_ID}")
CHECKOUT = Asset("x-launchdarkly://default/new-checkout")
DARK_MODE = Asset("x-launchdarkly://default/dark-mode")
AMPLITUDE = Asset("x-amplitude://web")
#: A seeded release that is shipped (published) already; the deferred sensors wait for these.
AHA_SHIPPED_ID = "278327321"
CRYPTLEX_PUBLISHED_ID = "3e8f1a6c-2b4d-4c9e-8a7f-1d5b6c0e9f24"
WAIT = {"poke_interval": 0.2, "timeout": 120}


def xcom(task_id: str, key: str) -> str:
    """A template pulling ``key`` of the return value of ``task_id``."""
    return f"{{{{ ti.xcom_pull(task_ids='{task_id}')['{key}'] }}}}"


with DAG("milestones", schedule=None, start_date=datetime(2026, 1, 1), catchup=False, tags=["test"]):
    # Aha!
    aha_create = AhaCreateReleaseOperator(
        task_id="aha_create", product_id="PRJ1", name="Release 4.0", outlets=[AHA]
    )
    aha_create >> AhaUpdateReleaseOperator(
        task_id="aha_ship",
        product_id="PRJ1",
        release_id=xcom("aha_create", "reference_num"),
        fields={"workflow_status": "Shipped"},
        outlets=[AHA],
    )
    AhaUpdateReleaseOperator(
        task_id="aha_update",
        product_id="PRJ1",
        release_id="PRJ1-R-3",
        fields={"theme": "Faster search"},
        outlets=[AHA],
    )
    AhaDuplicateReleaseOperator(task_id="aha_duplicate", release_id="PRJ1-R-2", outlets=[AHA])
    AhaDeleteReleaseOperator(task_id="aha_delete", product_id="PRJ1", release_id="PRJ1-R-4", outlets=[AHA])
    AhaCreateReleaseOperator(
        task_id="aha_dry_run", product_id="PRJ1", name="Release 9.0", dry_run=True, outlets=[AHA]
    )
    AhaReleaseShippedSensor(task_id="aha_shipped_poke", release_id="PRJ1-R-1", outlets=[AHA], **WAIT)
    AhaReleaseShippedSensor(
        task_id="aha_shipped_deferred", release_id=AHA_SHIPPED_ID, deferrable=True, outlets=[AHA], **WAIT
    )

    # Cryptlex
    cx_create = CryptlexCreateReleaseOperator(
        task_id="cx_create",
        product_id=DESKTOP_APP_ID,
        name="Desktop app 2.0.0",
        version="2.0.0",
        outlets=[CRYPTLEX],
    )
    (
        cx_create
        >> CryptlexUploadReleaseFileOperator(
            task_id="cx_upload",
            release_id=xcom("cx_create", "id"),
            path="{{ dag_run.conf['file'] }}",
            outlets=[CRYPTLEX],
        )
        >> CryptlexPublishReleaseOperator(
            task_id="cx_publish", release_id=xcom("cx_create", "id"), outlets=[CRYPTLEX]
        )
        >> CryptlexReleasePublishedSensor(
            task_id="cx_published_poke", release_id=xcom("cx_create", "id"), outlets=[CRYPTLEX], **WAIT
        )
    )
    CryptlexCreateReleaseOperator(
        task_id="cx_create_published",
        product_id=DESKTOP_APP_ID,
        name="Desktop app 2.1.0",
        version="2.1.0",
        publish=True,
        outlets=[CRYPTLEX],
    )
    CryptlexReleasePublishedSensor(
        task_id="cx_published_deferred",
        release_id=CRYPTLEX_PUBLISHED_ID,
        deferrable=True,
        outlets=[CRYPTLEX],
        **WAIT,
    )

    # LaunchDarkly: the checkout flag's sensor pokes, the dark-mode flag's defers
    for flag, asset, mode in (("new-checkout", CHECKOUT, "poke"), ("dark-mode", DARK_MODE, "deferred")):
        FLAG = {"project_key": "default", "flag_key": flag}
        (
            LaunchDarklyAttachFlagToPipelineOperator(
                task_id=f"ld_attach_{mode}", release_pipeline_key="standard-release", outlets=[asset], **FLAG
            )
            # an asset reference gets the milestone too
            >> LaunchDarklyStartPhaseOperator(
                task_id=f"ld_start_{mode}", phase=0, outlets=[Asset.ref(name=asset.name)], **FLAG
            )
            >> LaunchDarklyReleasePhaseSensor(
                task_id=f"ld_phase_{mode}",
                phase="Testing",
                deferrable=mode == "deferred",
                outlets=[asset],
                **FLAG,
                **WAIT,
            )
        )

    # Amplitude: an alias outlet gets no event; a task without outlets makes none
    AmplitudeCreateReleaseOperator(
        task_id="amplitude_annotate",
        version="2.0.0",
        title="Release 2.0.0",
        release_start="2026-05-01T12:00:00Z",
        outlets=[AMPLITUDE, AssetAlias("x-release-alias")],
    )
    AmplitudeCreateReleaseOperator(
        task_id="amplitude_no_outlets", version="2.0.1", title="Release 2.0.1", release_start="2026-05-02"
    )
