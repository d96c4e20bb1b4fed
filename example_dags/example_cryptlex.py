"""
### Example: the Cryptlex operators and sensor

Release a version of a Cryptlex product, one operator per step:

1. `create_release`: create the release of that version on the `stable` channel as a draft,
   or find it (re-runs create nothing twice).
2. `build_installer`: write the file to ship (a real DAG builds it or fetches it from CI).
3. `upload_installer`: upload the file to the release (the same name again replaces it).
4. `publish_release`: publish the release; from then on it is read-only.
5. `wait_until_published`: wait until Cryptlex says the release is published; its asset event
   says so.

The defaults point at the sandbox's "Desktop app" product.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Param, chain, dag, task

from airflow_provider_releases.assets import cryptlex_product_asset
from airflow_provider_releases.operators.cryptlex import (
    CryptlexCreateReleaseOperator,
    CryptlexPublishReleaseOperator,
    CryptlexUploadReleaseFileOperator,
)
from airflow_provider_releases.rules.cryptlex import VERSION
from airflow_provider_releases.sensors.cryptlex import CryptlexReleasePublishedSensor
from airflow_provider_releases.workflows import SANDBOX_TARGETS, retry_default_args

# [START howto_cryptlex_release_from_xcom]
#: The sandbox's "Desktop app" product; put your product's id here.
PRODUCT = SANDBOX_TARGETS["cryptlex_product"]
#: The id of the release ``create_release`` made or found, read from its XCom.
RELEASE_ID = "{{ ti.xcom_pull(task_ids='create_release')['id'] }}"
# [END howto_cryptlex_release_from_xcom]


@dag(
    dag_id="example_cryptlex",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    default_args=retry_default_args(),  # transient failures: 2 retries, 30 s apart
    tags=["releases", "example", "cryptlex"],
    doc_md=__doc__,
    # Cryptlex's version rule: x.x, x.x.x or x.x.x.x in digits
    params={"version": Param("1.4.0", type="string", pattern=f"^{VERSION.pattern}$")},
)
def example_cryptlex() -> None:
    # [START howto_operator_cryptlex_create_release]
    create_release = CryptlexCreateReleaseOperator(
        task_id="create_release",
        product_id=PRODUCT,
        name="Desktop app {{ params.version }}",
        version="{{ params.version }}",
        channel="stable",
        platforms=["windows", "macos"],
        notes="## What's new in {{ params.version }}\n\nFaster start-up.",
        publish=False,  # publish later, once the files are uploaded
        cryptlex_conn_id="cryptlex_default",
    )
    # [END howto_operator_cryptlex_create_release]

    # [START howto_operator_cryptlex_build_file]
    @task
    def build_installer(params: dict) -> str:
        """Write the installer to upload; return its path (a small zip in a temp folder)."""
        import tempfile
        import zipfile
        from pathlib import Path

        name = f"DesktopApp-{params['version']}.zip"
        path = Path(tempfile.mkdtemp(prefix="example-cryptlex-")) / name
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("README.txt", f"Desktop app {params['version']}\n")
        return str(path)

    installer = build_installer()
    # [END howto_operator_cryptlex_build_file]

    # [START howto_operator_cryptlex_upload_release_file]
    upload_installer = CryptlexUploadReleaseFileOperator(
        task_id="upload_installer",
        release_id=RELEASE_ID,
        # a path on the worker that runs this task
        path="{{ ti.xcom_pull(task_ids='build_installer') }}",
        # the name the file gets at Cryptlex; default: the local file's name
        file_name="DesktopApp-{{ params.version }}-win64.zip",
    )
    # [END howto_operator_cryptlex_upload_release_file]

    # [START howto_operator_cryptlex_publish_release]
    publish_release = CryptlexPublishReleaseOperator(
        task_id="publish_release",
        release_id=RELEASE_ID,
    )
    # [END howto_operator_cryptlex_publish_release]

    # [START howto_sensor_cryptlex_release_published]
    wait_until_published = CryptlexReleasePublishedSensor(
        task_id="wait_until_published",
        release_id=RELEASE_ID,
        deferrable=True,  # wait in the triggerer, not in a worker slot
        poke_interval=300,
        timeout=3 * 24 * 3600,
        # a "published" event with the version and page
        outlets=[cryptlex_product_asset(PRODUCT)],
    )
    # [END howto_sensor_cryptlex_release_published]

    chain(create_release, installer, upload_installer, publish_release, wait_until_published)


example_cryptlex()
