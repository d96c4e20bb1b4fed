"""
### Example: the Aha! operators and sensor

Run a release through Aha!, one operator per step:

1. `create_release`: create the release `Release <version>` in the product with a date and a
   theme, or find the release of that name (re-runs create nothing twice).
2. `ship_release`: set its workflow status to `Shipped`.
3. `wait_until_shipped`: wait until Aha! says the release shipped; its asset event says so.
4. `duplicate_release`: copy the release (a new copy at every run).
5. `delete_copy`: delete that copy (already gone: not an error).

The defaults point at the sandbox's product.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Param, chain, dag

from airflow_provider_releases.assets import aha_product_asset
from airflow_provider_releases.operators.aha import (
    AhaCreateReleaseOperator,
    AhaDeleteReleaseOperator,
    AhaDuplicateReleaseOperator,
    AhaUpdateReleaseOperator,
)
from airflow_provider_releases.sensors.aha import AhaReleaseShippedSensor
from airflow_provider_releases.workflows import SANDBOX_TARGETS, retry_default_args

# [START howto_aha_release_from_xcom]
#: The sandbox's product (``PRJ1``); put your product's key or numeric id here.
PRODUCT = SANDBOX_TARGETS["aha_product"]
#: The key (``PRJ1-R-3``) of the release ``create_release`` made or found, from its XCom.
RELEASE = "{{ ti.xcom_pull(task_ids='create_release')['reference_num'] }}"
# [END howto_aha_release_from_xcom]


@dag(
    dag_id="example_aha",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    default_args=retry_default_args(),  # transient failures: 2 retries, 30 s apart
    tags=["releases", "example", "aha"],
    doc_md=__doc__,
    params={"version": Param("1.4.0", type="string", minLength=1)},
)
def example_aha() -> None:
    # [START howto_operator_aha_create_release]
    create_release = AhaCreateReleaseOperator(
        task_id="create_release",
        product_id=PRODUCT,  # the product's key or numeric id
        name="Release {{ params.version }}",
        fields={"release_date": "{{ dag_run.run_after | ds }}", "theme": "Checkout"},
        aha_conn_id="aha_default",
    )
    # [END howto_operator_aha_create_release]

    # [START howto_operator_aha_update_release]
    ship_release = AhaUpdateReleaseOperator(
        task_id="ship_release",
        product_id=PRODUCT,
        release_id=RELEASE,
        fields={"workflow_status": "Shipped"},
    )
    # [END howto_operator_aha_update_release]

    # [START howto_sensor_aha_release_shipped]
    wait_until_shipped = AhaReleaseShippedSensor(
        task_id="wait_until_shipped",
        release_id=RELEASE,
        deferrable=True,  # wait in the triggerer, not in a worker slot
        poke_interval=600,
        timeout=7 * 24 * 3600,
        # a "shipped" event with the release's ids and page
        outlets=[aha_product_asset(PRODUCT)],
    )
    # [END howto_sensor_aha_release_shipped]

    # [START howto_operator_aha_duplicate_release]
    duplicate_release = AhaDuplicateReleaseOperator(
        task_id="duplicate_release",
        release_id=RELEASE,
    )
    # [END howto_operator_aha_duplicate_release]

    # [START howto_operator_aha_delete_release]
    delete_copy = AhaDeleteReleaseOperator(
        task_id="delete_copy",
        product_id=PRODUCT,
        release_id="{{ ti.xcom_pull(task_ids='duplicate_release')['id'] }}",
    )
    # [END howto_operator_aha_delete_release]

    chain(create_release, ship_release, wait_until_shipped, duplicate_release, delete_copy)


example_aha()
