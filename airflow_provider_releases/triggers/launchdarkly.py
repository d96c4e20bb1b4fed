"""Trigger that waits for a phase of a LaunchDarkly flag release to complete."""

from __future__ import annotations

from typing import Any

from airflow_provider_releases.hooks.launchdarkly import LaunchDarklyHook
from airflow_provider_releases.triggers.base import ReleasesBaseTrigger
from airflow_provider_releases.waits.launchdarkly import check_launchdarkly_release_phase
from airflow_provider_releases.waits.outcome import Outcome


class LaunchDarklyReleasePhaseTrigger(ReleasesBaseTrigger[LaunchDarklyHook]):
    """
    Wait in the triggerer until a phase of a flag's release is complete.

    Runs the same check as
    :class:`~airflow_provider_releases.sensors.launchdarkly.LaunchDarklyReleasePhaseSensor`;
    see :class:`~airflow_provider_releases.triggers.base.ReleasesBaseTrigger` for its events.

    :param project_key: the project's key.
    :param flag_key: the flag's key.
    :param phase: the phase's name, id, or 0-based position.
    :param end_time: when to stop waiting, in epoch seconds.
    :param poll_interval: seconds between checks.
    :param launchdarkly_conn_id: the Airflow connection to LaunchDarkly.
    """

    hook_class = LaunchDarklyHook

    def __init__(
        self,
        *,
        project_key: str,
        flag_key: str,
        phase: str | int,
        end_time: float,
        poll_interval: float,
        launchdarkly_conn_id: str = LaunchDarklyHook.default_conn_name,
    ) -> None:
        super().__init__(end_time=end_time, poll_interval=poll_interval)
        self.project_key = project_key
        self.flag_key = flag_key
        self.phase = phase
        self.launchdarkly_conn_id = launchdarkly_conn_id

    def service_kwargs(self) -> dict[str, Any]:
        """Return the project, flag, phase and connection id."""
        return {
            "project_key": self.project_key,
            "flag_key": self.flag_key,
            "phase": self.phase,
            "launchdarkly_conn_id": self.launchdarkly_conn_id,
        }

    def check(self, hook: LaunchDarklyHook) -> Outcome:
        """
        Read the flag's release once and return the outcome; see
        :func:`~airflow_provider_releases.waits.launchdarkly.check_launchdarkly_release_phase`.
        """
        return check_launchdarkly_release_phase(hook, self.project_key, self.flag_key, self.phase)
