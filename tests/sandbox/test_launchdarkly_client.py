"""
LaunchDarkly's own generated client (``launchdarkly-api``, a pinned test dependency) drives the
sandbox through every LaunchDarkly operation the provider calls, and every route the sandbox
serves, and reads each answer into the client's own models: what the sandbox answers is what a
program written against LaunchDarkly's API description can read.
"""

from __future__ import annotations

import importlib
import inspect
import uuid
from typing import Any

import pytest

from airflow_provider_releases_sandbox import Sandbox
from airflow_provider_releases_sandbox.launchdarkly import ACCESS_TOKEN

# Importing launchdarkly_api takes seconds (it loads every model): the client is imported when a
# test first asks for it, and the module's tests run on one pytest-xdist worker.
pytestmark = pytest.mark.xdist_group("launchdarkly-client")
BETA = "beta"
UNIT_CLAUSE = {"contextKind": "user", "attribute": "kind", "op": "in", "values": ["user"]}


class Client:
    """LaunchDarkly's client APIs pointed at the sandbox, with the client's models and exceptions."""

    def __init__(self, server: Sandbox) -> None:
        ld = importlib.import_module("launchdarkly_api")
        self.models = ld.models
        self.exceptions = ld.exceptions
        configuration = ld.Configuration(host=server.url("launchdarkly"), api_key={"ApiKey": ACCESS_TOKEN})
        self.api_client = ld.ApiClient(configuration)
        # 25.0.1 sends a default LD-API-Version that overrides the per-call "beta".
        self.api_client.set_default_header("LD-API-Version", BETA)
        self.releases = ld.EnvironmentReleasesBetaApi(self.api_client)
        self.pipelines = ld.ReleasePipelinesDeprecatedApi(self.api_client)
        self.policies = ld.ReleasePoliciesBetaApi(self.api_client)
        self.flags = ld.FeatureFlagsApi(self.api_client)
        self.other = ld.OtherApi(self.api_client)


@pytest.fixture(scope="module")
def module_client(release_sandbox_server: Sandbox) -> Client:
    return Client(release_sandbox_server)


@pytest.fixture
def client(module_client: Client, release_sandbox: Sandbox) -> Client:
    """The client, on a sandbox reset to its seed."""
    return module_client


def variations(client: Client, flag_key: str) -> tuple[str, str]:
    """The ``true`` and ``false`` variation ids of a boolean flag, read with the client."""
    flag = client.flags.get_feature_flag("default", flag_key)
    by_value = {variation.value: variation.id for variation in flag.variations}
    return by_value[True], by_value[False]


def start(client: Client, flag_key: str, **fields: Any) -> Any:
    target, original = variations(client, flag_key)
    request = client.models.StartEnvironmentReleaseRequest.from_dict(
        {"targetVariationId": target, "originalVariationId": original, **fields}
    )
    return client.releases.start_environment_release(BETA, "default", flag_key, "production", request)


def steps(*allocations: int) -> list[dict[str, int]]:
    return [{"allocation": allocation, "durationMillis": 60_000} for allocation in allocations]


def test_the_connection_probe_reads_as_a_caller_identity(client: Client) -> None:
    identity = client.other.get_caller_identity()
    assert identity.token_name == "Sandbox API token"


def test_the_flag_reads_as_a_feature_flag_with_its_variations(client: Client) -> None:
    flag = client.flags.get_feature_flag("default", "pricing-tier")
    assert [variation.value for variation in flag.variations] == ["free", "pro", "enterprise"]
    assert all(uuid.UUID(variation.id) for variation in flag.variations)
    assert flag.environments["production"].on is True


def test_a_progressive_release_reads_as_an_environment_release(
    client: Client, release_sandbox: Sandbox
) -> None:
    release = start(
        client,
        "new-checkout",
        randomizationUnit="user",
        advancementMode="manual",
        phases=[
            {"clauses": [UNIT_CLAUSE], "description": "Staff", "steps": steps(50_000, 100_000)},
            {"clauses": [UNIT_CLAUSE], "description": "Everyone", "steps": steps(100_000)},
        ],
    )
    assert (release.kind, release.status, release.current_phase_index) == ("progressive", "in_progress", 0)
    release_sandbox.advance_time(120_000)
    waiting = client.releases.get_environment_release(
        BETA, "default", "new-checkout", "production", release.id
    )
    assert (waiting.status, waiting.status_reason, waiting.current_phase_index) == (
        "waiting",
        "waiting_phase_ended",
        None,
    )
    release_sandbox.advance_environment_release("default", "new-checkout", "production")
    stopped = client.releases.stop_environment_release(
        BETA,
        "default",
        "new-checkout",
        "production",
        release.id,
        client.models.StopEnvironmentReleaseRequest(
            resolution="roll_back_current_phase_and_remove_pending_phases"
        ),
    )
    assert [phase.status for phase in stopped.phases] == ["completed", "reverted"]
    assert stopped.status_reason == "reverted_manual"


def test_a_guarded_release_from_a_plan_reads_with_its_metrics(
    client: Client, release_sandbox: Sandbox
) -> None:
    release = start(client, "dark-mode", releasePlanKey="guarded-rollout")
    assert release.kind == "guarded" and release.metrics[0].metric_key == "checkout-errors"
    expanded = client.releases.get_environment_release(
        BETA, "default", "dark-mode", "production", release.id, expand=["metrics"]
    )
    assert expanded.metrics[0].definition.key == "checkout-errors"
    release_sandbox.inject_regression("default", "dark-mode", "production", "checkout-errors")
    reverted = client.releases.get_environment_release(BETA, "default", "dark-mode", "production", release.id)
    assert (reverted.status, reverted.status_reason) == ("reverted", "reverted_regression_detected")
    assert reverted.phases[0].metric_statuses["checkout-errors"] == "regressed"


def test_the_list_reads_as_a_collection_with_its_links(client: Client) -> None:
    start(
        client,
        "search-v2",
        randomizationUnit="user",
        metrics=[{"metricKey": "latency"}],
        phases=[{"clauses": [UNIT_CLAUSE], "steps": steps(10_000)}],
    )
    page = client.releases.list_environment_releases(
        BETA, "default", "search-v2", "production", filter="kind equals guarded", limit=1, offset=0
    )
    assert isinstance(page, client.models.EnvironmentReleaseCollection)
    assert page.total_count == 1 and page.items[0].kind == "guarded"
    assert set(page.links) >= {"self", "first", "last"}
    none = client.releases.list_environment_releases(BETA, "default", "new-checkout", "production")
    assert (none.items, none.total_count) == ([], 0)


def test_a_failed_health_check_reads_as_the_bad_request_model(
    client: Client, release_sandbox: Sandbox
) -> None:
    release_sandbox.fail_health_checks("default", "beta-banner", "production", ["flag_evaluations_any"])
    with pytest.raises(client.exceptions.ApiException) as caught:
        start(
            client,
            "beta-banner",
            randomizationUnit="user",
            phases=[{"clauses": [UNIT_CLAUSE], "steps": steps(10_000)}],
        )
    assert caught.value.status == 400
    refused = client.models.StartEnvironmentReleaseBadRequest.from_json(caught.value.body)
    assert refused.code == "health_checks_failed"
    assert [check.kind for check in refused.failing_checks] == ["flag_evaluations_any"]


def test_release_policies_read_as_the_clients_models(client: Client) -> None:
    policies = client.policies.get_release_policies(BETA, "default")
    assert policies.total_count == 2
    policy = client.policies.get_release_policy(BETA, "default", "production-guarded")
    assert policy.release_method == "guarded-release"
    assert policy.guarded_release_config.metric_keys == ["checkout-errors"]


def test_release_pipeline_operations_read_as_the_clients_models(client: Client) -> None:
    with pytest.warns(DeprecationWarning, match="is deprecated"):  # the client marks each one so
        release_pipeline_operations(client)


def release_pipeline_operations(client: Client) -> None:
    pipelines, models = client.pipelines, client.models
    assert pipelines.get_all_release_pipelines("default", limit=2).total_count == 3
    audience = {"environmentKey": "test", "name": "QA"}
    created = pipelines.post_release_pipeline(
        "default",
        models.CreateReleasePipelineInput.from_dict(
            {"key": "canary", "name": "Canary", "phases": [{"name": "Canary", "audiences": [audience]}]}
        ),
    )
    assert created.key == "canary"
    pipelines.put_release_pipeline(
        "default",
        "canary",
        models.UpdateReleasePipelineInput.from_dict(
            {"name": "Canary 2", "phases": [{"name": "Canary", "audiences": [audience]}]}
        ),
    )
    assert pipelines.get_release_pipeline_by_key("default", "canary").name == "Canary 2"
    flag_release = pipelines.create_release_for_flag(
        "default", "search-v2", models.CreatePipelineReleaseInput(release_pipeline_key="hotfix")
    )
    started = pipelines.update_phase_status(
        "default", "search-v2", flag_release.phases[0].id, models.UpdatePhaseStatusInput(status="active")
    )
    assert started.phases[0].status == "active"
    assert pipelines.get_release_by_flag_key("default", "search-v2").release_pipeline_key == "hotfix"
    progressions = pipelines.get_all_release_progressions_for_release_pipeline("default", "hotfix")
    assert progressions.total_count == 1
    pipelines.create_release_for_flag(
        "default", "dark-mode", models.CreatePipelineReleaseInput(release_pipeline_key="legacy-rollout")
    )
    patched = pipelines.patch_release_by_flag_key(
        "default", "dark-mode", [models.PatchOperation(op="replace", path="/phases/0/complete", value=True)]
    )
    assert patched.phases[0].complete is True
    pipelines.delete_release_by_flag_key("default", "dark-mode")
    pipelines.delete_release_pipeline("default", "canary")


SCENARIOS = (
    test_the_connection_probe_reads_as_a_caller_identity,
    test_the_flag_reads_as_a_feature_flag_with_its_variations,
    test_a_progressive_release_reads_as_an_environment_release,
    test_a_guarded_release_from_a_plan_reads_with_its_metrics,
    test_the_list_reads_as_a_collection_with_its_links,
    test_a_failed_health_check_reads_as_the_bad_request_model,
    test_release_policies_read_as_the_clients_models,
    test_release_pipeline_operations_read_as_the_clients_models,
)


def test_the_client_reaches_every_launchdarkly_route(client: Client, release_sandbox: Sandbox) -> None:
    """The scenarios above (run once more here) reach every route the sandbox's LaunchDarkly serves."""
    backend = release_sandbox.app.backends["launchdarkly"]
    reached = set()
    for scenario in SCENARIOS:
        release_sandbox.reset()
        arguments = {"client": client, "release_sandbox": release_sandbox}
        scenario(**{name: arguments[name] for name in inspect.signature(scenario).parameters})
        reached |= {
            (entry.method, route.template)
            for entry in release_sandbox.requests_to("launchdarkly")
            for route in backend.routes
            if route.method == entry.method and route.pattern.match(entry.path)
        }
    assert reached == {(route.method, route.template) for route in backend.routes}
