"""
The LaunchDarkly part of :func:`~airflow_provider_releases.workflows.release_chain` when the flag
is released with an environment release instead of a release pipeline.

Pass an :class:`EnvironmentRelease` as ``release_chain(plan, environment_release=...)``: the chain
then starts the release (:data:`START_STEP`) and waits for it (:data:`WAIT_STEP`) where the pipeline
chain attaches the flag, starts the first phase and waits for a phase. The plan names the
environment (``ENVIRONMENT_PLAN_KEYS`` of :mod:`~airflow_provider_releases.workflows`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from airflow_provider_releases.operators.launchdarkly_environment import (
    LaunchDarklyStartEnvironmentReleaseOperator,
)
from airflow_provider_releases.operators.release_steps import StepResults
from airflow_provider_releases.sensors.launchdarkly import LaunchDarklyEnvironmentReleaseSensor

if TYPE_CHECKING:
    from airflow.sdk import BaseOperator, Context

START_STEP = "start_environment_release"
WAIT_STEP = "wait_for_environment_release"
#: The release steps that leave the release unshipped and unpublished when they do not run.
SHIP_STEPS = ("ship_aha_release", "publish_cryptlex_release")


@dataclass(frozen=True)
class EnvironmentRelease:
    """
    How :func:`~airflow_provider_releases.workflows.release_chain` releases the flag instead of a pipeline.

    Each field is the parameter of the same name of ``LaunchDarklyStartEnvironmentReleaseOperator``
    (a release plan's key, or inline ``phases`` and the rest) or, for ``phase_index`` and
    ``fail_on_regression``, of ``LaunchDarklyEnvironmentReleaseSensor``; strings may be templates.
    The project, flag and environment come from the plan.
    """

    release_plan_key: str | None = None
    phases: Sequence[Mapping[str, Any]] | None = None
    metrics: Sequence[str | Mapping[str, Any]] | None = None
    advancement_mode: str | None = None
    randomization_unit: str | None = None
    cleanup_behavior: str | None = None
    bypass_health_checks: Sequence[str] | None = None
    target_variation: Any = True
    original_variation: Any = False
    phase_index: int | None = None
    fail_on_regression: bool = True

    def steps(
        self,
        plan: Any,
        *,
        poke_interval: float,
        timeout: float,
        skip_start: Callable[[Context], None] | None = None,
        **task_args: Any,
    ) -> list[BaseOperator]:
        """
        Return the start and wait tasks of the release of ``plan``'s flag, in ``plan``'s environment.

        :param skip_start: the start's ``pre_execute``; a start it skips skips the wait too.
        """
        where = {
            "project_key": plan["launchdarkly_project"],
            "flag_key": plan["flag"],
            "environment_key": plan["environment"],
        }
        start = {
            key: value
            for key, value in asdict(self).items()
            if key not in ("phase_index", "fail_on_regression") and value is not None
        }
        return [
            LaunchDarklyStartEnvironmentReleaseOperator(
                task_id=START_STEP, pre_execute=skip_start, **where, **start, **task_args
            ),
            LaunchDarklyEnvironmentReleaseSensor(
                task_id=WAIT_STEP,
                release_id=f"{{{{ ti.xcom_pull(task_ids='{START_STEP}')['id'] }}}}",
                phase_index=self.phase_index,
                fail_on_regression=self.fail_on_regression,
                deferrable=True,
                poke_interval=poke_interval,
                timeout=timeout,
                **where,
                **task_args,
            ),
        ]


def what_stays_unreleased(results: StepResults, not_done: Sequence[str]) -> str | None:
    """
    Say that the Aha! release stays unshipped and the Cryptlex release a draft, by their ids.

    ``None`` when a ship or publish step ran already.
    """
    if any(step not in not_done for step in SHIP_STEPS):
        return None
    kept = []
    if "create_aha_release" in results:
        aha = results["create_aha_release"][0]
        kept.append(f"Aha! release {aha.get('reference_num') or aha.get('id')} stays unshipped")
    if "create_cryptlex_release" in results:
        cryptlex = results["create_cryptlex_release"][0]
        kept.append(
            f"Cryptlex release {cryptlex.get('id')} (version {cryptlex.get('version')}) stays a draft"
        )
    return (
        "The LaunchDarkly release did not complete, so the chain stopped before shipping: "
        + " and ".join(kept or ["nothing was created"])
        + "; nothing was shipped, published or announced."
    )
