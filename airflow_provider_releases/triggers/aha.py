"""Trigger that waits for an Aha! release to ship."""

from __future__ import annotations

from airflow_provider_releases.triggers.base import ReleasesBaseTrigger
from airflow_provider_releases.waits.aha import AhaReleaseShipped


class AhaReleaseShippedTrigger(ReleasesBaseTrigger[AhaReleaseShipped]):
    """
    Wait in the triggerer for :class:`~airflow_provider_releases.waits.aha.AhaReleaseShipped`,
    for a deferred :class:`~airflow_provider_releases.sensors.aha.AhaReleaseShippedSensor`.

    Its keyword arguments are the wait's fields, ``end_time`` and ``poll_interval`` (see
    :class:`~airflow_provider_releases.triggers.base.ReleasesBaseTrigger`).
    """

    wait_class = AhaReleaseShipped
