"""Trigger that waits for a Cryptlex release to be published."""

from __future__ import annotations

from airflow_provider_releases.triggers.base import DeclaredWaitTrigger
from airflow_provider_releases.waits.cryptlex import CryptlexReleasePublished


class CryptlexReleasePublishedTrigger(DeclaredWaitTrigger[CryptlexReleasePublished]):
    """
    Wait in the triggerer for :class:`~airflow_provider_releases.waits.cryptlex.CryptlexReleasePublished`.

    Kept so that triggers serialised by releases up to 0.2.0 still run.
    """

    wait_class = CryptlexReleasePublished
