"""Trigger that waits for a Cryptlex release to be published."""

from __future__ import annotations

from airflow_provider_releases.triggers.base import DeclaredWaitTrigger
from airflow_provider_releases.waits.cryptlex import CryptlexReleasePublished


class CryptlexReleasePublishedTrigger(DeclaredWaitTrigger[CryptlexReleasePublished]):
    """
    Wait in the triggerer for
    :class:`~airflow_provider_releases.waits.cryptlex.CryptlexReleasePublished`.

    :class:`~airflow_provider_releases.triggers.base.ReleaseWaitTrigger` declared for that wait,
    whose keyword arguments are the wait's fields (``release_id``, ``cryptlex_conn_id``),
    ``end_time`` and ``poll_interval``: the form in which releases up to 0.2.0 serialised a
    deferred :class:`~airflow_provider_releases.sensors.cryptlex.CryptlexReleasePublishedSensor`,
    which now defers to ``ReleaseWaitTrigger`` itself.
    """

    wait_class = CryptlexReleasePublished
