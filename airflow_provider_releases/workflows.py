"""
The release chain of the example workflows, to reuse in your own release DAGs.

:func:`release_chain` adds the release steps to the DAG being defined; it reads what to release
from a *plan* (:data:`PLAN_KEYS`), so a manual workflow and a scheduled train run the same chain.
It releases the flag on its LaunchDarkly release pipeline, or with an environment release
(:class:`EnvironmentRelease`, plan keys :data:`ENVIRONMENT_PLAN_KEYS`).
Every step is idempotent, so a run can be cleared and re-run.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from datetime import timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from airflow.sdk import Asset, AssetAlias, Param, chain

from airflow_provider_releases.environment_release_chain import (
    WAIT_STEP,
    EnvironmentRelease,
    what_stays_unreleased,
)
from airflow_provider_releases.exceptions import InvalidParameterError
from airflow_provider_releases.milestones import MILESTONE_XCOM_KEY, Service, release_record
from airflow_provider_releases.operators.aha import AhaCreateReleaseOperator, AhaUpdateReleaseOperator
from airflow_provider_releases.operators.amplitude import AmplitudeCreateReleaseOperator
from airflow_provider_releases.operators.cryptlex import (
    CryptlexCreateReleaseOperator,
    CryptlexPublishReleaseOperator,
)
from airflow_provider_releases.operators.launchdarkly import (
    LaunchDarklyAttachFlagToPipelineOperator,
    LaunchDarklyStartPhaseOperator,
)
from airflow_provider_releases.operators.release_steps import (
    APPROVAL_STEP,
    ENVIRONMENT_RELEASE_STEPS,
    RELEASE_STEPS,
    approval_required,
    list_what_exists,
    step_results,
)
from airflow_provider_releases.rules import cryptlex as cryptlex_rules
from airflow_provider_releases.sensors.launchdarkly import LaunchDarklyReleasePhaseSensor
from airflow_provider_releases.utils import validation as check

if TYPE_CHECKING:
    from airflow.sdk import BaseOperator, Context

#: The keys a plan holds, and what each says.
PLAN_KEYS: dict[str, str] = {
    "version": "the version being released, digits in the form x.x, x.x.x or x.x.x.x (Cryptlex's rule)",
    "title": "the release's name in Aha! and Cryptlex and its title on Amplitude charts",
    "release_date": "the Aha! release date, YYYY-MM-DD",
    "release_start": "when the Amplitude annotation starts (ISO 8601); empty for the run's start",
    "aha_product": "the Aha! product's key or id",
    "cryptlex_product": "the Cryptlex product's id",
    "launchdarkly_project": "the LaunchDarkly project's key",
    "flag": "the boolean LaunchDarkly flag to release",
    "pipeline": "the LaunchDarkly release pipeline's key",
    "phase": "the pipeline phase (name or 0-based position) whose completion releases the version",
}

#: The keys a plan holds when :func:`release_chain` releases the flag with an environment release
#: (``environment_release``): those of :data:`PLAN_KEYS` but ``pipeline`` and ``phase``, and ``environment``.
ENVIRONMENT_PLAN_KEYS: dict[str, str] = {
    **{key: form for key, form in PLAN_KEYS.items() if key not in ("pipeline", "phase")},
    "environment": "the LaunchDarkly environment's key, where the environment release runs",
}

#: The step whose task a release asset of each service is an outlet of (``assets`` of
#: :func:`release_chain`): shipped, published, phase completed, annotated. With an environment
#: release, the ``launchdarkly`` asset is an outlet of ``wait_for_environment_release`` instead.
ASSET_STEPS: dict[str, str] = {
    "aha": "ship_aha_release",
    "cryptlex": "publish_cryptlex_release",
    "launchdarkly": "wait_for_phase",
    "amplitude": "annotate_amplitude",
}
#: The services whose release asset names a target of the plan (product, project and flag): with
#: an asset of the service's own URI scheme, the event goes on the asset of the run's target.
TARGETED_SERVICES = (Service.AHA.value, Service.CRYPTLEX.value, Service.LAUNCHDARKLY.value)
#: The step whose task carries ``released``, the asset of a release that went out everywhere.
RELEASED_STEP = "publish_cryptlex_release"

#: The name the example workflows give the sandbox's Amplitude project (``amplitude://sandbox``).
SANDBOX_AMPLITUDE_PROJECT = "sandbox"

#: Where the example workflows release to: objects of the sandbox's default seed. Pass
#: it to :func:`target_params` explicitly; a DAG of your own names its own targets.
SANDBOX_TARGETS: dict[str, str] = {
    "aha_product": "PRJ1",
    "cryptlex_product": "0b7e4f2c-91a6-4d38-b5c2-6e1f9a3d8c47",
    "launchdarkly_project": "default",
    "flag": "new-checkout",
    "pipeline": "standard-release",
    "phase": "Testing",
}
#: Where the example ``guarded_release`` releases to: objects of the sandbox's default seed.
SANDBOX_ENVIRONMENT_TARGETS: dict[str, str] = {
    **{
        key: SANDBOX_TARGETS[key]
        for key in ("aha_product", "cryptlex_product", "launchdarkly_project", "flag")
    },
    "environment": "production",
}

#: When this version's release began, for ``attach_flag_to_pipeline`` to tell a flag release made
#: for an earlier version: the creation of this version's Cryptlex release (the first object of
#: the chain that is keyed by the version).
VERSION_STARTED_AT = "{{ (ti.xcom_pull(task_ids='create_cryptlex_release') or {}).get('createdAt') or '' }}"

#: The environment variable that overrides the default seconds between phase checks.
POLL_SECONDS_ENV = "RELEASES_PHASE_POLL_SECONDS"
DEFAULT_POLL_SECONDS = 60.0
DEFAULT_WAIT_TIMEOUT = 7 * 24 * 3600.0

#: How many times Airflow retries a step of :func:`release_chain` (and a task of the example DAGs)
#: after a transient failure, and how long it waits first, unless the DAG's ``default_args`` set
#: ``retries`` or ``retry_delay``. A permanent failure is never retried.
DEFAULT_RETRIES = 2
DEFAULT_RETRY_DELAY = timedelta(seconds=30)
#: The environment variable that overrides :data:`DEFAULT_RETRY_DELAY` (seconds), read when the
#: DAG file is parsed: a test of a retry need not wait 30 s.
RETRY_DELAY_ENV = "RELEASES_RETRY_DELAY_SECONDS"

#: The keys of :func:`target_params`: where a release goes.
TARGET_KEYS = ("aha_product", "cryptlex_product", "launchdarkly_project", "flag", "pipeline", "phase")
#: The keys of :func:`target_params` for a chain with an environment release.
ENVIRONMENT_TARGET_KEYS = ("aha_product", "cryptlex_product", "launchdarkly_project", "flag", "environment")


def target_params(
    targets: Mapping[str, str] | None = None, keys: Sequence[str] = TARGET_KEYS
) -> dict[str, Param]:
    """
    Return required DAG ``Params`` for where to release (``keys``), defaulting to ``targets``.

    :raises KeyError: ``targets`` lacks one of the keys.
    """
    params: dict[str, Param] = {}
    forms = {**PLAN_KEYS, **ENVIRONMENT_PLAN_KEYS}
    for key in keys:
        schema = {"type": "string", "minLength": 1, "description": forms[key]}
        params[key] = Param(targets[key], **schema) if targets is not None else Param(**schema)
    return params


def retry_default_args() -> dict[str, Any]:
    """
    Return ``default_args`` of :data:`DEFAULT_RETRIES` retries, :data:`DEFAULT_RETRY_DELAY` apart.

    :raises InvalidParameterError: ``RELEASES_RETRY_DELAY_SECONDS`` is not a number of seconds >= 0.
    """
    delay = DEFAULT_RETRY_DELAY
    raw = os.environ.get(RETRY_DELAY_ENV)
    if raw:
        try:
            delay = timedelta(seconds=check.number(RETRY_DELAY_ENV, float(raw), minimum=0, maximum=86_400))
        except ValueError:
            raise InvalidParameterError(RETRY_DELAY_ENV, raw, "a number of seconds from 0 to 86400") from None
    return {"retries": DEFAULT_RETRIES, "retry_delay": delay}


def _is_date(value: str) -> bool:
    try:
        check.calendar_date("release_date", value)
    except ValueError:
        return False
    return True


_PLAN_RULES = {"version": cryptlex_rules.VERSION.fullmatch, "release_date": _is_date}


def check_plan(plan: Mapping[str, Any], keys: Mapping[str, str] = PLAN_KEYS) -> dict[str, Any]:
    """
    Return ``plan`` with every key of ``keys`` (:data:`PLAN_KEYS` or :data:`ENVIRONMENT_PLAN_KEYS`) checked.

    :raises InvalidParameterError: a key is missing or has the wrong form.
    """
    checked: dict[str, Any] = {}
    for key, form in keys.items():
        value = plan.get(key)
        if key == "release_start":
            checked[key] = value or None
            continue
        if not isinstance(value, str) or not value.strip():
            raise InvalidParameterError(key, value, form)
        rule = _PLAN_RULES.get(key)
        if rule is not None and not rule(value.strip()):
            raise InvalidParameterError(key, value, form)
        checked[key] = value.strip()
    return checked


def release_chain(
    plan: Any,
    *,
    poke_interval: float | None = None,
    timeout: float = DEFAULT_WAIT_TIMEOUT,
    require_approval: bool | str = False,
    assets: Mapping[str, Asset] | None = None,
    released: Asset | None = None,
    existing_release: str = "fail",
    environment_release: EnvironmentRelease | None = None,
) -> list[BaseOperator]:
    """
    Add the release steps (:data:`RELEASE_STEPS`) to the DAG being defined and return them in order.

    The steps read ``plan``, an ``XComArg`` of a ``multiple_outputs`` task returning :data:`PLAN_KEYS`,
    log :func:`log_release_progress` on failure, and get :func:`retry_default_args` where the DAG's
    ``default_args`` do not set retries.

    :param poke_interval: seconds between checks of the phase; default ``RELEASES_PHASE_POLL_SECONDS``
        or 60.
    :param timeout: seconds to wait for the phase before failing (default a week).
    :param require_approval: ``True`` or a template rendering to a boolean: a
        :class:`~.operators.approval.ReleaseApprovalOperator` stands after ``wait_for_phase``, and a
        Reject skips the annotation, ship and publish.
    :param assets: release assets by service (:data:`ASSET_STEPS`), updated by that service's
        milestone step; one of the service's own scheme (``aha://``...) gets the event on the asset
        of the run's actual target, through an ``AssetAlias`` ``<dag_id>.<service>``.
    :param released: an asset updated once per release that went out everywhere, with a
        :func:`~airflow_provider_releases.milestones.release_record` (see :func:`released_asset`).
    :param existing_release: ``existing_release`` of
        :class:`~.operators.launchdarkly.LaunchDarklyAttachFlagToPipelineOperator`.
    :param environment_release: release the flag with this LaunchDarkly environment release instead
        of its release pipeline: the steps are :data:`ENVIRONMENT_RELEASE_STEPS`, the plan's keys
        :data:`ENVIRONMENT_PLAN_KEYS`; a release that does not complete fails the wait at once and
        nothing is shipped or published.
    :raises InvalidParameterError: an argument has the wrong form.
    """
    if poke_interval is None:
        poke_interval = float(os.environ.get(POLL_SECONDS_ENV) or DEFAULT_POLL_SECONDS)
    if not check.is_deferred(require_approval):
        approval_required("require_approval", require_approval)
    outlets = asset_outlets(assets)
    if released is not None and not isinstance(released, Asset):
        raise InvalidParameterError("released", released, "an airflow.sdk.Asset, or None")
    if environment_release is not None and not isinstance(environment_release, EnvironmentRelease):
        raise InvalidParameterError(
            "environment_release", environment_release, "an EnvironmentRelease, or None"
        )
    flag = {"project_key": plan["launchdarkly_project"], "flag_key": plan["flag"]}
    callbacks = {"on_failure_callback": log_release_progress}
    steps = [
        AhaCreateReleaseOperator(
            task_id="create_aha_release",
            product_id=plan["aha_product"],
            name=plan["title"],
            fields={"release_date": plan["release_date"]},
            **callbacks,
        ),
        CryptlexCreateReleaseOperator(
            task_id="create_cryptlex_release",
            product_id=plan["cryptlex_product"],
            name=plan["title"],
            version=plan["version"],
            **callbacks,
        ),
        *(
            environment_release.steps(
                plan,
                poke_interval=poke_interval,
                timeout=timeout,
                skip_start=skip_release_if_already_shipped,
                **callbacks,
            )
            if environment_release is not None
            else [
                LaunchDarklyAttachFlagToPipelineOperator(
                    task_id="attach_flag_to_pipeline",
                    release_pipeline_key=plan["pipeline"],
                    existing_release=existing_release,
                    version_started_at=VERSION_STARTED_AT,
                    **flag,
                    **callbacks,
                ),
                LaunchDarklyStartPhaseOperator(task_id="start_first_phase", phase=0, **flag, **callbacks),
                LaunchDarklyReleasePhaseSensor(
                    task_id="wait_for_phase",
                    phase=plan["phase"],
                    deferrable=True,
                    poke_interval=poke_interval,
                    timeout=timeout,
                    **flag,
                    **callbacks,
                ),
            ]
        ),
        AmplitudeCreateReleaseOperator(
            task_id="annotate_amplitude",
            version=plan["version"],
            title=plan["title"],
            release_start=plan["release_start"],
            pre_execute=skip_if_already_shipped,
            **callbacks,
        ),
        AhaUpdateReleaseOperator(
            task_id="ship_aha_release",
            product_id=plan["aha_product"],
            release_id="{{ ti.xcom_pull(task_ids='create_aha_release')['id'] }}",
            fields={"workflow_status": "Shipped"},
            trigger_rule="none_failed",  # also after a skipped annotation
            **callbacks,
        ),
        CryptlexPublishReleaseOperator(
            task_id=RELEASED_STEP,
            release_id="{{ ti.xcom_pull(task_ids='create_cryptlex_release')['id'] }}",
            post_execute=partial(record_release, released) if released is not None else None,
            **callbacks,
        ),
    ]
    _apply_retry_defaults(steps)
    wait_step = WAIT_STEP if environment_release is not None else "wait_for_phase"
    if environment_release is not None and "wait_for_phase" in outlets:
        outlets[wait_step] = outlets.pop("wait_for_phase")
    service_of = {step: service for service, step in ASSET_STEPS.items()} | {WAIT_STEP: "launchdarkly"}
    for step in steps:
        if step.task_id in outlets:
            service, asset = service_of[step.task_id], outlets[step.task_id]
            alias = service in TARGETED_SERVICES and asset.uri.startswith(f"{service}://")
            step.add_outlets([AssetAlias(f"{step.dag_id}.{service}") if alias else asset])
        if released is not None and step.task_id == RELEASED_STEP:
            step.add_outlets([released])
    if require_approval is not False:
        # Imported here: its base class loads Airflow's trigger machinery, which a DAG without
        # the gate does not need at parse time.
        from airflow_provider_releases.operators.approval import ReleaseApprovalOperator

        gate = ReleaseApprovalOperator(
            task_id=APPROVAL_STEP,
            required=require_approval,
            steps=ENVIRONMENT_RELEASE_STEPS if environment_release else RELEASE_STEPS,
            **callbacks,
        )
        steps.insert([step.task_id for step in steps].index(wait_step) + 1, gate)
    chain(*steps)
    return steps


def _apply_retry_defaults(tasks: list[BaseOperator]) -> None:
    """Set :func:`retry_default_args` on each task where its DAG's and group's ``default_args`` do not."""
    defaults = retry_default_args()
    for task in tasks:
        inherited = dict(task.dag.default_args) if task.has_dag() else {}
        inherited.update(task.task_group.default_args if task.task_group else {})
        for key, value in defaults.items():
            if key not in inherited:
                setattr(task, key, value)


def released_asset(dag_id: str) -> Asset:
    """Return the asset ``<dag_id>.released`` to pass as ``released`` to :func:`release_chain`."""
    name = f"{check.text('dag_id', dag_id)}.released"
    return Asset(name=name, uri=name)


def asset_outlets(assets: Mapping[str, Asset] | None) -> dict[str, Asset]:
    """
    Map each release asset of ``assets`` (keyed by service) to the task id it is an outlet of.

    :raises InvalidParameterError: a key is not in :data:`ASSET_STEPS` or a value is not an ``Asset``.
    """
    if assets is None:
        return {}
    if not isinstance(assets, Mapping):
        raise InvalidParameterError("assets", assets, "a mapping of service names to Assets, or None")
    check.reject_unknown("assets", assets, ASSET_STEPS)
    for service, asset in assets.items():
        if not isinstance(asset, Asset):
            raise InvalidParameterError(f"assets[{service!r}]", asset, "an airflow.sdk.Asset")
    return {ASSET_STEPS[service]: asset for service, asset in assets.items()}


def record_release(released: Asset, context: Context, result: Any) -> None:
    """Put the run's :func:`~.milestones.release_record` on the event of ``released``."""
    ti = context["ti"]
    milestones = [
        found
        for step in ASSET_STEPS.values()
        if isinstance(found := ti.xcom_pull(task_ids=step, key=MILESTONE_XCOM_KEY), Mapping)
    ]
    result = result if isinstance(result, Mapping) else {}
    record = release_record(result.get("version"), milestones, title=result.get("name"))
    extra = context["outlet_events"][released].extra
    extra.clear()
    extra.update(record)
    context["task"].log.info(
        "Release %s went out everywhere: event on %s with %d milestones.",
        record["version"],
        released.uri,
        len(milestones),
    )


def skip_if_already_shipped(context: Context) -> None:
    """
    Skip the Amplitude annotation when an earlier run shipped the Aha! release (it cannot be looked up).

    :raises AirflowSkipException: the Aha! release is already shipped.
    """
    _skip_if_shipped(context, "an earlier run annotated Amplitude, so this one does not annotate it again.")


def skip_release_if_already_shipped(context: Context) -> None:
    """
    Skip starting the environment release (and so its wait) when an earlier run shipped the Aha! release.

    :raises AirflowSkipException: the Aha! release is already shipped.
    """
    _skip_if_shipped(
        context, "an earlier run released the flag, so this one starts no second environment release."
    )


def _skip_if_shipped(context: Context, then: str) -> None:
    from airflow.sdk.exceptions import AirflowSkipException

    release = context["ti"].xcom_pull(task_ids="create_aha_release") or {}
    if release.get("released"):
        reason = (
            f"Aha! release {release.get('reference_num') or release.get('id')} is already shipped: {then}"
        )
        context["task"].log.info(reason)
        raise AirflowSkipException(reason)


def log_release_progress(context: Context) -> None:
    """Log a failed step's error, which release objects already exist and which steps did not run."""
    ti = context["ti"]
    steps = [step for step in chain_steps(context["task"], context) if step != ti.task_id]
    results = step_results(ti, steps)
    not_done = [step for step in steps if step not in results]
    error = context.get("exception")
    stopped = what_stays_unreleased(results, not_done) if ti.task_id == WAIT_STEP else None
    context["task"].log.error(
        "Release step %s failed%s\nAlready done:\n%s\nNot done: %s%s",
        ti.task_id,
        f": {error}" if error else ".",
        "\n".join(list_what_exists(results, markdown=False)) or "nothing",
        ", ".join(not_done) or "nothing",
        f"\n{stopped}" if stopped else "",
    )


def chain_steps(task: BaseOperator, context: Context | None = None) -> list[str]:
    """Return the task ids of ``task``'s release chain, with the approval gate if this run asks for one."""
    dag = task.dag if task.has_dag() else None
    environment = dag is not None and dag.has_task(WAIT_STEP)
    steps = list(ENVIRONMENT_RELEASE_STEPS if environment else RELEASE_STEPS)
    has_gate = dag is not None and dag.has_task(APPROVAL_STEP)
    if has_gate and (context is None or _asks_for_approval(dag.get_task(APPROVAL_STEP), context)):
        steps.insert(steps.index(WAIT_STEP if environment else "wait_for_phase") + 1, APPROVAL_STEP)
    return steps


def _asks_for_approval(gate: BaseOperator, context: Context) -> bool:
    from jinja2 import TemplateError

    required = getattr(gate, "required", True)
    try:
        if check.is_deferred(required):
            required = gate.render_template(required, context)
        return approval_required("required", required)
    except (TemplateError, InvalidParameterError):
        return True
