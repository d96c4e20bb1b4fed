"""Trigger that waits for an Aha! release to ship."""

from __future__ import annotations

from airflow_provider_releases.triggers.base import DeclaredWaitTrigger
from airflow_provider_releases.waits.aha import AhaReleaseShipped


class AhaReleaseShippedTrigger(DeclaredWaitTrigger[AhaReleaseShipped]):
    """
    Wait in the triggerer for :class:`~airflow_provider_releases.waits.aha.AhaReleaseShipped`.

    :class:`~airflow_provider_releases.triggers.base.ReleaseWaitTrigger` declared for that wait,
    whose keyword arguments are the wait's fields (``release_id``, ``aha_conn_id``), ``end_time``
    and ``poll_interval``: the form in which releases up to 0.2.0 serialised a deferred
    :class:`~airflow_provider_releases.sensors.aha.AhaReleaseShippedSensor`, which now defers to
    ``ReleaseWaitTrigger`` itself.
    """

    wait_class = AhaReleaseShipped
