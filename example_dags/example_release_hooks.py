"""
Example: call the release hooks from TaskFlow tasks.

Creates an Aha! release, a Cryptlex release and a LaunchDarkly flag release, then annotates
Amplitude charts with the version. The hooks are imported inside the tasks, so parsing this
file costs nothing beyond Airflow itself and the provider's rule book. Operators and sensors
that do the same with idempotent look-ups and deferrable waits are in the operators, sensors
and triggers modules.
"""

from __future__ import annotations

from airflow.sdk import Param, dag, task

from airflow_provider_releases.rules.cryptlex import VERSION
from airflow_provider_releases.workflows import SANDBOX_TARGETS, retry_default_args


@dag(
    dag_id="example_release_hooks",
    schedule=None,
    catchup=False,
    default_args=retry_default_args(),  # transient failures: 2 retries, 30 s apart
    tags=["releases", "example"],
    params={
        "version": Param("1.4.0", type="string", pattern=f"^{VERSION.pattern}$"),
        # The defaults are the sandbox's objects, as in the other examples.
        "aha_product": Param(SANDBOX_TARGETS["aha_product"], type="string"),
        "cryptlex_product": Param(SANDBOX_TARGETS["cryptlex_product"], type="string"),
        "ld_project": Param(SANDBOX_TARGETS["launchdarkly_project"], type="string"),
        "ld_flag": Param(SANDBOX_TARGETS["flag"], type="string"),
        "ld_pipeline": Param(SANDBOX_TARGETS["pipeline"], type="string"),
    },
    doc_md=__doc__,
)
def example_release_hooks():
    @task
    def aha_release(params: dict) -> dict:
        # [START hooks_aha_create_release]
        from airflow_provider_releases.hooks.aha import AhaHook

        release = AhaHook().create_release(params["aha_product"], f"Release {params['version']}")
        # [END hooks_aha_create_release]
        return {"id": release["id"], "url": release.get("url")}

    @task
    def cryptlex_release(params: dict) -> dict:
        # [START hooks_cryptlex_create_release]
        from airflow_provider_releases.hooks.cryptlex import CryptlexHook

        release = CryptlexHook().create_release(
            params["cryptlex_product"], f"Release {params['version']}", params["version"]
        )
        # [END hooks_cryptlex_create_release]
        return {"id": release["id"], "version": release["version"]}

    @task
    def flag_release(params: dict) -> dict:
        # [START hooks_launchdarkly_create_flag_release]
        from airflow_provider_releases.hooks.launchdarkly import LaunchDarklyHook

        release = LaunchDarklyHook().create_flag_release(
            params["ld_project"], params["ld_flag"], params["ld_pipeline"]
        )
        # [END hooks_launchdarkly_create_flag_release]
        return {"pipeline": release["releasePipelineKey"], "phases": [p["_name"] for p in release["phases"]]}

    @task
    def amplitude_annotation(params: dict, data_interval_start=None, logical_date=None) -> dict:
        # [START hooks_amplitude_create_release]
        import pendulum

        from airflow_provider_releases.hooks.amplitude import AmplitudeHook

        start = logical_date or data_interval_start or pendulum.now("UTC")
        release = AmplitudeHook().create_release(
            version=params["version"], release_start=start, title=f"Release {params['version']}"
        )
        # [END hooks_amplitude_create_release]
        return {"id": release["id"]}

    [aha_release(), cryptlex_release(), flag_release()] >> amplitude_annotation()


example_release_hooks()
