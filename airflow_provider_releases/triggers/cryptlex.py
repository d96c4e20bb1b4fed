"""Trigger that waits for a Cryptlex release to be published."""

from __future__ import annotations

from airflow_provider_releases.triggers.base import ReleasesBaseTrigger
from airflow_provider_releases.waits.cryptlex import CryptlexReleasePublished


class CryptlexReleasePublishedTrigger(ReleasesBaseTrigger[CryptlexReleasePublished]):
    """
    Wait in the triggerer for
    :class:`~airflow_provider_releases.waits.cryptlex.CryptlexReleasePublished`, for a deferred
    :class:`~airflow_provider_releases.sensors.cryptlex.CryptlexReleasePublishedSensor`.

    Its keyword arguments are the wait's fields, ``end_time`` and ``poll_interval`` (see
    :class:`~airflow_provider_releases.triggers.base.ReleasesBaseTrigger`).
    """

    wait_class = CryptlexReleasePublished
