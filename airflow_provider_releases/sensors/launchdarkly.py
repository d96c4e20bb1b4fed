"""Sensor that waits for a phase of a LaunchDarkly flag release to complete."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow_provider_releases.assets import launchdarkly_flag_asset
from airflow_provider_releases.hooks.launchdarkly import LaunchDarklyHook
from airflow_provider_releases.milestones import MilestoneAction, launchdarkly_release
from airflow_provider_releases.rules import launchdarkly as rules
from airflow_provider_releases.sensors.base import ReleasesBaseSensor
from airflow_provider_releases.utils import validation
from airflow_provider_releases.waits.launchdarkly import FLAG_READ_EVERY, LaunchDarklyReleasePhase

if TYPE_CHECKING:
    from airflow.sdk import Asset, Context


class LaunchDarklyReleasePhaseSensor(ReleasesBaseSensor[LaunchDarklyReleasePhase]):
    """
    Wait until a phase of a flag's LaunchDarkly release is complete; return the phase.

    Reads ``GET /api/v2/flags/{projectKey}/{flagKey}/release`` each poke. The phase is complete
    when its ``complete`` is ``true``. The result (pushed to XCom) is the phase as LaunchDarkly
    sends it (``_id``, ``_name``, ``complete``, ...).

    Fails at once, without retries (:class:`~airflow_provider_releases.sensors.base.ReleaseSensorFailed`),
    when the release was canceled (``_canceledAt``; even if the phase had completed before),
    when the flag has no release, when no phase matches (the message lists the phases there
    are), or when LaunchDarkly refuses the credentials. Transient failures and deferring: see
    :class:`~airflow_provider_releases.sensors.base.ReleasesBaseSensor`.

    :param project_key: the project's key. Templated.
    :param flag_key: the flag's key. Templated.
    :param phase: the phase's name (``_name``), id (``_id``), or 0-based position: an int, or a
        string of digits when no phase has it as its name or id. Templated.
    :param launchdarkly_conn_id: the Airflow connection to LaunchDarkly. Templated.
    :param flag_read_every: when deferred, the trigger follows the pipeline's releases list (one
        read shared by every wait on the pipeline) and reads this flag's own release when its entry
        there changes, and at least once every this many polls (an integer, 1 or more).
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
        """Return ``flag_read_every``."""
        return {"flag_read_every": self.flag_read_every}

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
