"""Trigger that waits for an Aha! release to ship."""

from __future__ import annotations

from airflow_provider_releases.triggers.base import DeclaredWaitTrigger
from airflow_provider_releases.waits.aha import AhaReleaseShipped


class AhaReleaseShippedTrigger(DeclaredWaitTrigger[AhaReleaseShipped]):
    """
    Wait in the triggerer for :class:`~airflow_provider_releases.waits.aha.AhaReleaseShipped`.

    Kept so that triggers serialised by releases up to 0.2.0 still run.
    """

    wait_class = AhaReleaseShipped
