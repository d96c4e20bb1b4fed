"""
The fault matrix's rows: every hook method, operator, sensor and trigger, as a call on the sandbox.

Each row names the request a fault is injected into (its key request: the write, or the read a
sensor polls), how to prepare the sandbox, how to make the call, how to check what it returned,
and how to count its effect on the vendor's side (the objects it creates, or the times its
change was carried out), so that a cell can tell "done once" from "done twice" or "not done".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from airflow_provider_releases.hooks.aha import AhaHook
from airflow_provider_releases.hooks.amplitude import AmplitudeHook
from airflow_provider_releases.hooks.base import ReleasesBaseHook
from airflow_provider_releases.hooks.cryptlex import CryptlexHook
from airflow_provider_releases.hooks.launchdarkly import LaunchDarklyHook
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
from airflow_provider_releases.operators.launchdarkly_environment import (
    LaunchDarklyStartEnvironmentReleaseOperator,
    LaunchDarklyStopEnvironmentReleaseOperator,
)
from airflow_provider_releases.sensors.aha import AhaReleaseShippedSensor
from airflow_provider_releases.sensors.base import ReleasesBaseSensor
from airflow_provider_releases.sensors.cryptlex import CryptlexReleasePublishedSensor
from airflow_provider_releases.sensors.launchdarkly import (
    LaunchDarklyEnvironmentReleaseSensor,
    LaunchDarklyReleasePhaseSensor,
)
from airflow_provider_releases_sandbox import Sandbox
from airflow_provider_releases_sandbox.cryptlex import DESKTOP_APP_ID
from tests.sensors.specs import first_event

PROJECT, FLAG, PIPELINE, LEGACY_PIPELINE = "default", "new-checkout", "standard-release", "legacy-rollout"
LD_FLAG = {"project_key": PROJECT, "flag_key": FLAG}
LD_RELEASE = rf"/api/v2/flags/{PROJECT}/{FLAG}/release"
LD_CREATE = rf"/api/v2/projects/{PROJECT}/flags/{FLAG}/release"
LD_PIPELINES = rf"/api/v2/projects/{PROJECT}/release-pipelines"
LD_PHASE = rf"{LD_CREATE}/phases/[^/]+"
ENVIRONMENT = "production"
LD_ENVIRONMENT = {**LD_FLAG, "environment_key": ENVIRONMENT}
LD_ENV_RELEASES = rf"/api/v2/projects/{PROJECT}/flags/{FLAG}/environments/{ENVIRONMENT}/releases"
LD_POLICIES = rf"/api/v2/projects/{PROJECT}/release-policies"
POLICY = "production-guarded"
KIND_CLAUSE = {"contextKind": "user", "attribute": "kind", "op": "in", "values": ["user"]}
#: One phase of one step: a minute at 10%, then the release completes.
ONE_STEP = [{"clauses": [KIND_CLAUSE], "steps": [{"allocation": 10_000, "durationMillis": 60_000}]}]
#: What an inline progressive release of the flag's True variation needs besides the variations.
INLINE = {"randomization_unit": "user", "phases": ONE_STEP}
AHA_PRODUCT, AHA_RELEASE, AHA_RELEASE_NAME = "PRJ1", "PRJ1-R-2", "Release 1.1"
AHA_NEW = "Release 3.0"
CX_VERSION = "2.0.0"
FILE_NAME = "app-2.0.0.zip"

Context = dict[str, Any]
# How each sandbox mount's vendor is named in errors and messages.
VENDOR = {
    "amplitude": "Amplitude",
    "launchdarkly": "LaunchDarkly",
    "aha": "Aha!",
    "cryptlex": "Cryptlex",
    "cryptlex-releases": "Cryptlex",
}


@dataclass(frozen=True)
class Call:
    """
    A row of the matrix.

    :param layer: ``hook``, ``connection test`` (a hook's ``test_connection``), ``operator``,
        ``sensor`` (poked) or ``trigger`` (run on an event loop).
    :param service: the sandbox mount the key request goes to.
    :param method: the key request's HTTP method; ``path`` the regular expression of its path.
    :param run: make the call; ``context`` holds what ``setup`` prepared (and ``make_context``
        for operators); returns what the call returned.
    :param check: assert the returned value is the right one.
    :param effect: count the call's effect on the vendor's side (``None`` for reads).
    """

    name: str
    layer: str
    service: str
    method: str
    path: str
    run: Callable[[Sandbox, Context], Any]
    check: Callable[[Any, Context], None]
    effect: Callable[[Sandbox, Context], int] | None = None
    setup: Callable[[Sandbox, Context], None] | None = None

    @property
    def retry_safe(self) -> bool:
        """An operator whose re-run looks up what an earlier try made."""
        operator = self.run.__dict__.get("operator_class")
        return operator is None or operator.retry_safe


# Sandbox state


def aha_releases(sb: Sandbox, name: str) -> int:
    return sum(release["name"] == name for release in sb.state("aha")["releases"])


def aha_shipped(sb: Sandbox, context: Context) -> int:
    [release] = [r for r in sb.state("aha")["releases"] if r["reference_num"] == AHA_RELEASE]
    return int(release["released"])


def cryptlex_release(sb: Sandbox, release_id: str) -> dict[str, Any] | None:
    for product in sb.state("cryptlex")["products"]:
        for release in product["releases"]:
            if release["id"] == release_id:
                return release
    return None


def cryptlex_versions(sb: Sandbox, version: str) -> int:
    [product] = [p for p in sb.state("cryptlex")["products"] if p["id"] == DESKTOP_APP_ID]
    return sum(release["version"] == version for release in product["releases"])


def flag_release(sb: Sandbox) -> dict[str, Any] | None:
    return sb.state("launchdarkly")["projects"][PROJECT]["releases"].get(FLAG)


def applied(sb: Sandbox, service: str, method: str, suffix: str) -> int:
    """How many ``method`` requests to a path ending in ``suffix`` the vendor carried out."""
    return sum(
        1
        for entry in sb.requests_to(service, method)
        if entry.path.endswith(suffix) and entry.status is not None and entry.status < 300
    )


def environment_releases(sb: Sandbox) -> list[dict[str, Any]]:
    """The flag's environment releases in the environment, as the sandbox holds them."""
    held = sb.state("launchdarkly")["projects"][PROJECT]["environment_releases"]
    return [item for item in held if (item["flagKey"], item["environmentKey"]) == (FLAG, ENVIRONMENT)]


def environment_releases_started(sb: Sandbox, context: Context) -> int:
    return len(environment_releases(sb))


def environment_release_reverted(sb: Sandbox, context: Context) -> int:
    return sum(item["status"] == "reverted" for item in environment_releases(sb))


def phase_starts(sb: Sandbox, context: Context) -> int:
    return applied(sb, "launchdarkly", "PUT", f"/phases/{context['phase_id']}")


# Set-ups


def attach(sb: Sandbox, context: Context, pipeline: str = PIPELINE) -> None:
    with LaunchDarklyHook() as hook:
        release = hook.create_flag_release(PROJECT, FLAG, pipeline)
    context["phase_id"] = release["phases"][0]["_id"]


def attach_legacy(sb: Sandbox, context: Context) -> None:
    attach(sb, context, LEGACY_PIPELINE)


def attach_and_complete(sb: Sandbox, context: Context) -> None:
    attach(sb, context)
    sb.complete_phase(PROJECT, FLAG)


def variations(sb: Sandbox, context: Context) -> None:
    with LaunchDarklyHook() as hook:
        found = {item["value"]: item["_id"] for item in hook.get_flag(PROJECT, FLAG)["variations"]}
    context["on"], context["off"] = found[True], found[False]


def environment_release(sb: Sandbox, context: Context) -> None:
    variations(sb, context)
    with LaunchDarklyHook() as hook:
        release = hook.start_environment_release(
            PROJECT,
            FLAG,
            ENVIRONMENT,
            target_variation_id=context["on"],
            original_variation_id=context["off"],
            **INLINE,
        )
    context["release_id"] = release["id"]


def environment_release_completed(sb: Sandbox, context: Context) -> None:
    environment_release(sb, context)
    sb.advance_time(120_000)


def cryptlex_draft(sb: Sandbox, context: Context) -> None:
    with CryptlexHook() as hook:
        context["release_id"] = hook.create_release(DESKTOP_APP_ID, "Desktop app 2.0.0", CX_VERSION)["id"]


def cryptlex_draft_and_file(sb: Sandbox, context: Context) -> None:
    cryptlex_draft(sb, context)
    artifact = Path(context["tmp_path"]) / FILE_NAME
    artifact.write_bytes(b"PK\x03\x04 release bits")
    context["file"] = str(artifact)


def cryptlex_published(sb: Sandbox, context: Context) -> None:
    cryptlex_draft(sb, context)
    sb.control("publish_cryptlex_release", release_id=context["release_id"])


def aha_shipped_release(sb: Sandbox, context: Context) -> None:
    sb.control("ship_release", release_id=AHA_RELEASE)


# Checks


def has(**fields: Any) -> Callable[[Any, Context], None]:
    def check(value: Any, context: Context) -> None:
        assert isinstance(value, dict), value
        for name, wanted in fields.items():
            assert value.get(name) == wanted, (name, value.get(name), wanted)

    return check


def is_none(value: Any, context: Context) -> None:
    assert value is None, value


def items_with(field_name: str, wanted: str) -> Callable[[Any, Context], None]:
    def check(value: Any, context: Context) -> None:
        assert wanted in [item.get(field_name) for item in value], value

    return check


def lists_the_release(value: Any, context: Context) -> None:
    assert context["release_id"] in [item.get("id") for item in value], value


def phases_listed(value: Any, context: Context) -> None:
    assert value and all(phase.get("name") for phase in value), value


def no_check(value: Any, context: Context) -> None:
    """The call's value says nothing more than its effect, which the cell counts."""


def cryptlex_id(value: Any, context: Context) -> None:
    assert isinstance(value, dict) and value.get("id") == context["release_id"], value


# Rows


def filled(value: Any, context: Context) -> Any:
    """``value`` with ``{name}`` in its strings (or its dict's string values) read from ``context``."""
    if isinstance(value, dict):
        return {key: filled(item, context) for key, item in value.items()}
    return value.format(**context) if isinstance(value, str) else value


def hook_call(hook_class: type, method: str, *args: Any, listed: bool = False, **kwargs: Any):
    """Call ``hook_class().method(*args, **kwargs)``, its arguments :func:`filled` from the context."""

    def run(sb: Sandbox, context: Context) -> Any:
        values = [filled(arg, context) for arg in args]
        named = filled(kwargs, context)
        with hook_class() as hook:
            result = getattr(hook, method)(*values, **named)
            return list(result) if listed else result

    return run


def operator_call(operator_class: type, **kwargs: Any):
    """Run a new ``operator_class(**kwargs)`` as a task would, with its templates rendered."""

    def run(sb: Sandbox, context: Context) -> Any:
        named = filled(kwargs, context)
        operator = operator_class(task_id="matrix", **named)
        task_context = context["make_context"]("matrix")
        operator.render_template_fields(task_context)
        return operator.execute(task_context)

    run.operator_class = operator_class
    return run


def sensor_poke(sensor_class: type, **kwargs: Any):
    """Poke a new sensor until it is done (at most three pokes); return its value."""

    def run(sb: Sandbox, context: Context) -> Any:
        named = filled(kwargs, context)
        sensor: ReleasesBaseSensor = sensor_class(task_id="matrix", **named)
        task_context = context["make_context"]("matrix")
        pokes = context.setdefault("pokes", [])
        for _ in range(3):
            result = sensor.poke(task_context)
            pokes.append(result.is_done)
            if result.is_done:
                return result.xcom_value
        raise AssertionError(f"{sensor_class.__name__} was not done after 3 pokes")

    return run


def trigger_run(sensor_class: type, **kwargs: Any):
    """Run the sensor's trigger on an event loop until its one event; return the event's payload.
    The trigger reads through the async transport only: the blocking session is out of reach."""

    def run(sb: Sandbox, context: Context) -> Any:
        import time
        from unittest import mock

        named = filled(kwargs, context)
        sensor: ReleasesBaseSensor = sensor_class(task_id="matrix", deferrable=True, **named)
        blocking = AssertionError("a trigger used the blocking requests transport")
        with mock.patch.object(ReleasesBaseHook, "get_conn", side_effect=blocking):
            payload = first_event(sensor.get_trigger(time.time() + 60))
        assert payload["status"] == "done", payload
        return payload["value"]

    return run


def phase_done(value: Any, context: Context) -> None:
    assert value["_id"] == context["phase_id"] and value["complete"] is True, value


def the_release(value: Any, context: Context) -> None:
    assert isinstance(value, dict) and value.get("id") == context["release_id"], value


def environment_release_done(value: Any, context: Context) -> None:
    assert (value["id"], value["status"]) == (context["release_id"], "completed"), value


def aha_done(value: Any, context: Context) -> None:
    assert value["reference_num"] == AHA_RELEASE, value


def cryptlex_done(value: Any, context: Context) -> None:
    assert value["id"] == context["release_id"] and value["published"] is True, value


def flag_attached(sb: Sandbox, context: Context) -> int:
    release = flag_release(sb)
    return int(release is not None and release["pipeline"] == PIPELINE)


HOOK_ROWS = [
    Call(
        "AmplitudeHook.create_release",
        "hook",
        "amplitude",
        "POST",
        r"/api/2/release",
        hook_call(AmplitudeHook, "create_release", "2.0.0", "2026-05-01 12:00:00", "Release 2.0.0"),
        has(version="2.0.0", title="Release 2.0.0"),
        lambda sb, c: len(sb.state("amplitude")["releases"]),
    ),
    Call(
        "LaunchDarklyHook.create_flag_release",
        "hook",
        "launchdarkly",
        "PUT",
        LD_CREATE,
        hook_call(LaunchDarklyHook, "create_flag_release", PROJECT, FLAG, PIPELINE),
        has(releasePipelineKey=PIPELINE),
        flag_attached,
    ),
    Call(
        "LaunchDarklyHook.get_flag_release",
        "hook",
        "launchdarkly",
        "GET",
        LD_RELEASE,
        hook_call(LaunchDarklyHook, "get_flag_release", PROJECT, FLAG),
        has(releasePipelineKey=PIPELINE),
        setup=attach,
    ),
    Call(
        "LaunchDarklyHook.delete_flag_release",
        "hook",
        "launchdarkly",
        "DELETE",
        LD_RELEASE,
        hook_call(LaunchDarklyHook, "delete_flag_release", PROJECT, FLAG),
        is_none,
        lambda sb, c: int(flag_release(sb) is None),
        setup=attach,
    ),
    Call(
        "LaunchDarklyHook.update_phase_status",
        "hook",
        "launchdarkly",
        "PUT",
        LD_PHASE,
        hook_call(LaunchDarklyHook, "update_phase_status", PROJECT, FLAG, "{phase_id}"),
        no_check,
        phase_starts,
        setup=attach,
    ),
    Call(
        "LaunchDarklyHook.complete_legacy_phase",
        "hook",
        "launchdarkly",
        "PATCH",
        LD_RELEASE,
        hook_call(LaunchDarklyHook, "complete_legacy_phase", PROJECT, FLAG, 0),
        has(releasePipelineKey=LEGACY_PIPELINE),
        lambda sb, c: int(flag_release(sb)["phases"][0]["complete"]),
        setup=attach_legacy,
    ),
    Call(
        "LaunchDarklyHook.list_release_pipelines",
        "hook",
        "launchdarkly",
        "GET",
        LD_PIPELINES,
        hook_call(LaunchDarklyHook, "list_release_pipelines", PROJECT, listed=True),
        items_with("key", PIPELINE),
    ),
    Call(
        "LaunchDarklyHook.get_release_pipeline",
        "hook",
        "launchdarkly",
        "GET",
        rf"{LD_PIPELINES}/{PIPELINE}",
        hook_call(LaunchDarklyHook, "get_release_pipeline", PROJECT, PIPELINE),
        has(key=PIPELINE),
    ),
    Call(
        "LaunchDarklyHook.list_pipeline_releases",
        "hook",
        "launchdarkly",
        "GET",
        rf"{LD_PIPELINES}/{PIPELINE}/releases",
        hook_call(LaunchDarklyHook, "list_pipeline_releases", PROJECT, PIPELINE, listed=True),
        items_with("flagKey", FLAG),
        setup=attach,
    ),
    Call(
        "LaunchDarklyHook.get_flag",
        "hook",
        "launchdarkly",
        "GET",
        rf"/api/v2/flags/{PROJECT}/{FLAG}",
        hook_call(LaunchDarklyHook, "get_flag", PROJECT, FLAG),
        has(key=FLAG),
    ),
    Call(
        "LaunchDarklyHook.start_environment_release",
        "hook",
        "launchdarkly",
        "POST",
        LD_ENV_RELEASES,
        hook_call(
            LaunchDarklyHook,
            "start_environment_release",
            PROJECT,
            FLAG,
            ENVIRONMENT,
            target_variation_id="{on}",
            original_variation_id="{off}",
            **INLINE,
        ),
        has(status="in_progress", kind="progressive"),
        environment_releases_started,
        setup=variations,
    ),
    Call(
        "LaunchDarklyHook.get_environment_release",
        "hook",
        "launchdarkly",
        "GET",
        rf"{LD_ENV_RELEASES}/[^/]+",
        hook_call(LaunchDarklyHook, "get_environment_release", PROJECT, FLAG, ENVIRONMENT, "{release_id}"),
        the_release,
        setup=environment_release,
    ),
    Call(
        "LaunchDarklyHook.list_environment_releases",
        "hook",
        "launchdarkly",
        "GET",
        LD_ENV_RELEASES,
        hook_call(LaunchDarklyHook, "list_environment_releases", PROJECT, FLAG, ENVIRONMENT, listed=True),
        lists_the_release,
        setup=environment_release,
    ),
    Call(
        "LaunchDarklyHook.stop_environment_release",
        "hook",
        "launchdarkly",
        "PUT",
        rf"{LD_ENV_RELEASES}/[^/]+/stop",
        hook_call(
            LaunchDarklyHook,
            "stop_environment_release",
            PROJECT,
            FLAG,
            ENVIRONMENT,
            "{release_id}",
            "roll_back_all_phases_and_remove_pending_phases",
        ),
        has(status="reverted"),
        environment_release_reverted,
        setup=environment_release,
    ),
    Call(
        "LaunchDarklyHook.list_release_policies",
        "hook",
        "launchdarkly",
        "GET",
        LD_POLICIES,
        hook_call(LaunchDarklyHook, "list_release_policies", PROJECT),
        items_with("key", POLICY),
    ),
    Call(
        "LaunchDarklyHook.get_release_policy",
        "hook",
        "launchdarkly",
        "GET",
        rf"{LD_POLICIES}/{POLICY}",
        hook_call(LaunchDarklyHook, "get_release_policy", PROJECT, POLICY),
        has(key=POLICY),
    ),
    Call(
        "AhaHook.create_release",
        "hook",
        "aha",
        "POST",
        rf"/api/v1/products/{AHA_PRODUCT}/releases",
        hook_call(AhaHook, "create_release", AHA_PRODUCT, AHA_NEW),
        has(name=AHA_NEW),
        lambda sb, c: aha_releases(sb, AHA_NEW),
    ),
    Call(
        "AhaHook.list_releases",
        "hook",
        "aha",
        "GET",
        rf"/api/v1/products/{AHA_PRODUCT}/releases",
        hook_call(AhaHook, "list_releases", AHA_PRODUCT, listed=True),
        items_with("reference_num", AHA_RELEASE),
    ),
    Call(
        "AhaHook.get_release",
        "hook",
        "aha",
        "GET",
        rf"/api/v1/releases/{AHA_RELEASE}",
        hook_call(AhaHook, "get_release", AHA_RELEASE),
        has(reference_num=AHA_RELEASE),
    ),
    Call(
        "AhaHook.duplicate_release",
        "hook",
        "aha",
        "POST",
        rf"/api/v1/releases/{AHA_RELEASE}/duplicate",
        hook_call(AhaHook, "duplicate_release", AHA_RELEASE),
        has(name=f"[Copy] {AHA_RELEASE_NAME}"),
        lambda sb, c: aha_releases(sb, f"[Copy] {AHA_RELEASE_NAME}"),
    ),
    Call(
        "AhaHook.update_release",
        "hook",
        "aha",
        "PUT",
        rf"/api/v1/products/{AHA_PRODUCT}/releases/{AHA_RELEASE}",
        hook_call(AhaHook, "update_release", AHA_PRODUCT, AHA_RELEASE, workflow_status="Shipped"),
        has(reference_num=AHA_RELEASE, released=True),
        aha_shipped,
    ),
    Call(
        "AhaHook.delete_release",
        "hook",
        "aha",
        "DELETE",
        rf"/api/v1/products/{AHA_PRODUCT}/releases/{AHA_RELEASE}",
        hook_call(AhaHook, "delete_release", AHA_PRODUCT, AHA_RELEASE),
        is_none,
        lambda sb, c: int(aha_releases(sb, AHA_RELEASE_NAME) == 0),
    ),
    Call(
        "AhaHook.list_release_phases",
        "hook",
        "aha",
        "GET",
        rf"/api/v1/releases/{AHA_RELEASE}/release_phases",
        hook_call(AhaHook, "list_release_phases", AHA_RELEASE, listed=True),
        phases_listed,
    ),
    Call(
        "CryptlexHook.create_release",
        "hook",
        "cryptlex",
        "POST",
        r"/v3/releases",
        hook_call(CryptlexHook, "create_release", DESKTOP_APP_ID, "Desktop app 2.0.0", CX_VERSION),
        has(version=CX_VERSION, productId=DESKTOP_APP_ID),
        lambda sb, c: cryptlex_versions(sb, CX_VERSION),
    ),
    Call(
        "CryptlexHook.list_releases",
        "hook",
        "cryptlex",
        "GET",
        r"/v3/releases",
        hook_call(CryptlexHook, "list_releases", DESKTOP_APP_ID, listed=True),
        lists_the_release,
        setup=cryptlex_draft,
    ),
    Call(
        "CryptlexHook.get_release",
        "hook",
        "cryptlex",
        "GET",
        r"/v3/releases/[^/]+",
        hook_call(CryptlexHook, "get_release", "{release_id}"),
        cryptlex_id,
        setup=cryptlex_draft,
    ),
    Call(
        "CryptlexHook.update_release",
        "hook",
        "cryptlex",
        "PATCH",
        r"/v3/releases/[^/]+",
        hook_call(CryptlexHook, "update_release", "{release_id}", notes="Fixes the installer."),
        cryptlex_id,
        lambda sb, c: applied(sb, "cryptlex", "PATCH", c["release_id"]),
        setup=cryptlex_draft,
    ),
    Call(
        "CryptlexHook.delete_release",
        "hook",
        "cryptlex",
        "DELETE",
        r"/v3/releases/[^/]+",
        hook_call(CryptlexHook, "delete_release", "{release_id}"),
        is_none,
        lambda sb, c: int(cryptlex_release(sb, c["release_id"]) is None),
        setup=cryptlex_draft,
    ),
    Call(
        "CryptlexHook.publish_release",
        "hook",
        "cryptlex",
        "POST",
        r"/v3/releases/[^/]+/publish",
        hook_call(CryptlexHook, "publish_release", "{release_id}"),
        no_check,
        lambda sb, c: int(cryptlex_release(sb, c["release_id"])["published"]),
        setup=cryptlex_draft,
    ),
    Call(
        "CryptlexHook.upload_release_file",
        "hook",
        "cryptlex-releases",
        "PUT",
        rf"/v3/[^/]+/{FILE_NAME}",
        hook_call(CryptlexHook, "upload_release_file", "{release_id}", "{file}"),
        has(name=FILE_NAME),
        lambda sb, c: cryptlex_release(sb, c["release_id"])["files"].count(FILE_NAME),
        setup=cryptlex_draft_and_file,
    ),
]


OPERATOR_ROWS = [
    Call(
        "AmplitudeCreateReleaseOperator",
        "operator",
        "amplitude",
        "POST",
        r"/api/2/release",
        operator_call(AmplitudeCreateReleaseOperator, version="2.0.0", title="Release 2.0.0"),
        has(version="2.0.0"),
        lambda sb, c: len(sb.state("amplitude")["releases"]),
    ),
    Call(
        "LaunchDarklyAttachFlagToPipelineOperator",
        "operator",
        "launchdarkly",
        "PUT",
        LD_CREATE,
        operator_call(LaunchDarklyAttachFlagToPipelineOperator, release_pipeline_key=PIPELINE, **LD_FLAG),
        has(releasePipelineKey=PIPELINE),
        flag_attached,
    ),
    Call(
        "LaunchDarklyStartPhaseOperator",
        "operator",
        "launchdarkly",
        "PUT",
        LD_PHASE,
        operator_call(LaunchDarklyStartPhaseOperator, phase="Testing", **LD_FLAG),
        has(_name="Testing", status="active"),
        phase_starts,
        setup=attach,
    ),
    Call(
        "LaunchDarklyStartEnvironmentReleaseOperator",
        "operator",
        "launchdarkly",
        "POST",
        LD_ENV_RELEASES,
        operator_call(
            LaunchDarklyStartEnvironmentReleaseOperator,
            target_variation=True,
            original_variation=False,
            **LD_ENVIRONMENT,
            **INLINE,
        ),
        has(status="in_progress", kind="progressive"),
        environment_releases_started,
    ),
    Call(
        "LaunchDarklyStopEnvironmentReleaseOperator",
        "operator",
        "launchdarkly",
        "PUT",
        rf"{LD_ENV_RELEASES}/[^/]+/stop",
        operator_call(
            LaunchDarklyStopEnvironmentReleaseOperator,
            resolution="roll_back_all_phases_and_remove_pending_phases",
            **LD_ENVIRONMENT,
        ),
        has(status="reverted"),
        environment_release_reverted,
        setup=environment_release,
    ),
    Call(
        "AhaCreateReleaseOperator",
        "operator",
        "aha",
        "POST",
        rf"/api/v1/products/{AHA_PRODUCT}/releases",
        operator_call(AhaCreateReleaseOperator, product_id=AHA_PRODUCT, name=AHA_NEW),
        has(name=AHA_NEW),
        lambda sb, c: aha_releases(sb, AHA_NEW),
    ),
    Call(
        "AhaUpdateReleaseOperator",
        "operator",
        "aha",
        "PUT",
        rf"/api/v1/products/{AHA_PRODUCT}/releases/{AHA_RELEASE}",
        operator_call(
            AhaUpdateReleaseOperator,
            product_id=AHA_PRODUCT,
            release_id=AHA_RELEASE,
            fields={"workflow_status": "Shipped"},
        ),
        has(reference_num=AHA_RELEASE, released=True),
        aha_shipped,
    ),
    Call(
        "AhaDuplicateReleaseOperator",
        "operator",
        "aha",
        "POST",
        rf"/api/v1/releases/{AHA_RELEASE}/duplicate",
        operator_call(AhaDuplicateReleaseOperator, release_id=AHA_RELEASE),
        has(name=f"[Copy] {AHA_RELEASE_NAME}"),
        lambda sb, c: aha_releases(sb, f"[Copy] {AHA_RELEASE_NAME}"),
    ),
    Call(
        "AhaDeleteReleaseOperator",
        "operator",
        "aha",
        "DELETE",
        rf"/api/v1/products/{AHA_PRODUCT}/releases/{AHA_RELEASE}",
        operator_call(AhaDeleteReleaseOperator, product_id=AHA_PRODUCT, release_id=AHA_RELEASE),
        no_check,
        lambda sb, c: int(aha_releases(sb, AHA_RELEASE_NAME) == 0),
    ),
    Call(
        "CryptlexCreateReleaseOperator",
        "operator",
        "cryptlex",
        "POST",
        r"/v3/releases",
        operator_call(
            CryptlexCreateReleaseOperator,
            product_id=DESKTOP_APP_ID,
            name="Desktop app 2.0.0",
            version=CX_VERSION,
        ),
        has(version=CX_VERSION),
        lambda sb, c: cryptlex_versions(sb, CX_VERSION),
    ),
    Call(
        "CryptlexPublishReleaseOperator",
        "operator",
        "cryptlex",
        "POST",
        r"/v3/releases/[^/]+/publish",
        operator_call(CryptlexPublishReleaseOperator, release_id="{release_id}"),
        has(published=True),
        lambda sb, c: applied(sb, "cryptlex", "POST", f"{c['release_id']}/publish"),
        setup=cryptlex_draft,
    ),
    Call(
        "CryptlexUploadReleaseFileOperator",
        "operator",
        "cryptlex-releases",
        "PUT",
        rf"/v3/[^/]+/{FILE_NAME}",
        operator_call(CryptlexUploadReleaseFileOperator, release_id="{release_id}", path="{file}"),
        has(file_name=FILE_NAME),
        lambda sb, c: cryptlex_release(sb, c["release_id"])["files"].count(FILE_NAME),
        setup=cryptlex_draft_and_file,
    ),
]

LD_PIPELINE_RELEASES = r"/api/v2/projects/[^/]+/release-pipelines/[^/]+/releases"

WAIT_ROWS = [
    Call(
        f"{sensor.__name__} ({layer})",
        layer,
        service,
        "GET",
        # a phase trigger judges from its pipeline's releases list: the faults meet that read
        LD_PIPELINE_RELEASES if layer == "trigger" and sensor is LaunchDarklyReleasePhaseSensor else path,
        runner(sensor, **kwargs),
        check,
        setup=setup,
    )
    for layer, runner in (("sensor", sensor_poke), ("trigger", trigger_run))
    for sensor, service, path, kwargs, check, setup in (
        (
            LaunchDarklyReleasePhaseSensor,
            "launchdarkly",
            LD_RELEASE,
            {**LD_FLAG, "phase": "Testing", "poke_interval": 0.01},
            phase_done,
            attach_and_complete,
        ),
        (
            LaunchDarklyEnvironmentReleaseSensor,
            "launchdarkly",
            LD_ENV_RELEASES,
            {**LD_ENVIRONMENT, "release_id": "{release_id}", "poke_interval": 0.01},
            environment_release_done,
            environment_release_completed,
        ),
        (
            AhaReleaseShippedSensor,
            "aha",
            rf"/api/v1/releases/{AHA_RELEASE}",
            {"release_id": AHA_RELEASE, "poke_interval": 0.01},
            aha_done,
            aha_shipped_release,
        ),
        (
            CryptlexReleasePublishedSensor,
            "cryptlex",
            r"/v3/releases/[^/]+",
            {"release_id": "{release_id}", "poke_interval": 0.01},
            cryptlex_done,
            cryptlex_published,
        ),
    )
]

CONNECTION_TEST_ROWS = [
    Call(
        f"{hook_class.__name__}.test_connection",
        "connection test",
        service,
        "GET",
        path,
        hook_call(hook_class, "test_connection"),
        no_check,
    )
    for hook_class, service, path in (
        (AmplitudeHook, "amplitude", r"/api/3/annotations"),
        (LaunchDarklyHook, "launchdarkly", r"/api/v2/caller-identity"),
        (AhaHook, "aha", r"/api/v1/me"),
        (CryptlexHook, "cryptlex", r"/v3/products"),
    )
]

CALLS = HOOK_ROWS + CONNECTION_TEST_ROWS + OPERATOR_ROWS + WAIT_ROWS
