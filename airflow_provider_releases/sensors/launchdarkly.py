"""Sensors that wait for a phase of a LaunchDarkly flag release, or an environment release, to complete."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow_provider_releases.assets import launchdarkly_flag_asset
from airflow_provider_releases.hooks.launchdarkly import LaunchDarklyHook
from airflow_provider_releases.milestones import (
    MilestoneAction,
    launchdarkly_environment_release,
    launchdarkly_release,
)
from airflow_provider_releases.rules import launchdarkly as rules
from airflow_provider_releases.sensors.base import ReleasesBaseSensor, ReleaseSensorFailed
from airflow_provider_releases.utils import validation
from airflow_provider_releases.waits.launchdarkly import (
    COMPLETED_FROM_LIST,
    FLAG_READ_EVERY,
    LaunchDarklyEnvironmentRelease,
    LaunchDarklyReleasePhase,
)
from airflow_provider_releases.waits.outcome import WaitStatus

if TYPE_CHECKING:
    from airflow.sdk import Asset, Context


class LaunchDarklyReleasePhaseSensor(ReleasesBaseSensor[LaunchDarklyReleasePhase]):
    """
    Wait until a phase of a flag's LaunchDarkly release is complete; return the phase.

    Fails at once when the release was canceled, the flag has no release, no phase matches, or the
    credentials are refused (see :class:`~airflow_provider_releases.sensors.base.ReleasesBaseSensor`).

    :param project_key: the project's key. Templated.
    :param flag_key: the flag's key. Templated.
    :param phase: the phase's name, id, or 0-based position (digits count as a position only when
        no phase has them as name or id). Templated.
    :param launchdarkly_conn_id: the Airflow connection to LaunchDarkly. Templated.
    :param flag_read_every: when deferred, read the flag's own release at least once every this many
        polls (see :class:`~airflow_provider_releases.triggers.launchdarkly.LaunchDarklyReleasePhaseTrigger`).
    """

    wait_class = LaunchDarklyReleasePhase
    trigger_classpath = "airflow_provider_releases.triggers.launchdarkly.LaunchDarklyReleasePhaseTrigger"
    ui_color = "#dfe7fd"
    parameters = {
        "project_key": validation.Param(rules.key),
        "flag_key": validation.Param(rules.key),
        "phase": validation.Param(lambda _param, value: rules.phase_ref(value)),
    }

    def __init__(
        self,
        *,
        project_key: str,
        flag_key: str,
        phase: str | int,
        launchdarkly_conn_id: str = LaunchDarklyHook.default_conn_name,
        flag_read_every: int = FLAG_READ_EVERY,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        with validation.naming_task(self):
            self.flag_read_every = validation.integer("flag_read_every", flag_read_every, minimum=1)
        self.project_key = project_key
        self.flag_key = flag_key
        self.phase = phase
        self.launchdarkly_conn_id = launchdarkly_conn_id
        self.check_parameters(rendered=False)

    def poll_settings(self) -> dict[str, Any]:
        return {"flag_read_every": self.flag_read_every}

    def resumed_value(self, value: Any) -> Any:
        """
        The phase as a poke returns it: a phase the trigger found complete in the pipeline's list
        carries only its id and name, so the flag's release is read once here (in the worker).

        :raises ReleaseSensorFailed: the release was canceled, as a poke would say.
        """
        if not (isinstance(value, dict) and value.keys() == COMPLETED_FROM_LIST):
            return value
        outcome = self.check(self.hook)
        if outcome.status is WaitStatus.ERROR:
            raise ReleaseSensorFailed(outcome.message)
        return outcome.value if outcome.status is WaitStatus.DONE else value

    def milestone(self, result: dict[str, Any], context: Context) -> dict[str, Any]:
        """``phase_completed``: the phase and the flag, with the flag's page as ``url``."""
        return launchdarkly_release(
            MilestoneAction.PHASE_COMPLETED,
            project_key=self.project_key,
            flag_key=self.flag_key,
            phase=result,
            url=self.hook.flag_url(self.project_key, self.flag_key),
        )

    def target_asset(self, result: Any) -> Asset | None:
        """``launchdarkly://<project>/<flag>``: the flag this sensor waits on (rendered)."""
        return launchdarkly_flag_asset(self.project_key, self.flag_key)


class LaunchDarklyEnvironmentReleaseSensor(ReleasesBaseSensor[LaunchDarklyEnvironmentRelease]):
    """
    Wait until a flag's LaunchDarkly environment release (or one of its phases) completes; return the release.

    Fails at once, without retries, when the release reverted (naming why, and for a regression
    the metrics that regressed), or with ``fail_on_regression`` when a regression paused it. Each
    check logs where the release stands: its phase and step, the allocation reached, and when a
    manual-advance phase ended, that someone must advance it in LaunchDarkly.

    :param project_key: the project's key. Templated.
    :param flag_key: the flag's key. Templated.
    :param environment_key: the environment's key. Templated.
    :param release_id: the release's id (what the start operator returns as ``id``); ``None``:
        the flag's latest release in the environment. Templated.
    :param phase_index: wait for this phase (0-based) only; ``None``: the whole release. Templated.
    :param fail_on_regression: fail as soon as a regression pauses the release (``waiting`` with
        ``waiting_regression_detected``) instead of waiting for someone to dismiss it.
    :param launchdarkly_conn_id: the Airflow connection to LaunchDarkly. Templated.
    """

    wait_class = LaunchDarklyEnvironmentRelease
    trigger_classpath = (
        "airflow_provider_releases.triggers.launchdarkly.LaunchDarklyEnvironmentReleaseTrigger"
    )
    ui_color = "#dfe7fd"
    parameters = {
        "project_key": validation.Param(rules.key),
        "flag_key": validation.Param(rules.key),
        "environment_key": validation.Param(rules.key),
        "release_id": validation.Param(rules.key, optional=True),
        "phase_index": validation.Param(
            lambda param, value: validation.integer(param, value, minimum=0), names=False, optional=True
        ),
        "fail_on_regression": validation.Param(validation.boolean, names=False),
    }

    def __init__(
        self,
        *,
        project_key: str,
        flag_key: str,
        environment_key: str,
        release_id: str | None = None,
        phase_index: int | None = None,
        fail_on_regression: bool = True,
        launchdarkly_conn_id: str = LaunchDarklyHook.default_conn_name,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.project_key = project_key
        self.flag_key = flag_key
        self.environment_key = environment_key
        self.release_id = release_id
        self.phase_index = phase_index
        self.fail_on_regression = fail_on_regression
        self.launchdarkly_conn_id = launchdarkly_conn_id
        self.check_parameters(rendered=False)

    def milestone(self, result: dict[str, Any], context: Context) -> dict[str, Any]:
        """``release_completed``: the release (id, kind, status), with the flag's page in the environment."""
        return launchdarkly_environment_release(
            MilestoneAction.RELEASE_COMPLETED,
            result,
            project_key=self.project_key,
            flag_key=self.flag_key,
            environment_key=self.environment_key,
            url=self.hook.environment_release_url(self.project_key, self.flag_key, self.environment_key),
            phase_index=self.phase_index,
        )

    def target_asset(self, result: Any) -> Asset | None:
        """``launchdarkly://<project>/<flag>?environment=<env>``: the flag's releases in the environment."""
        return launchdarkly_flag_asset(self.project_key, self.flag_key, self.environment_key)
