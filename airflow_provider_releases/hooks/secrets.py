"""A hook's secrets: kept out of its errors and logs, and told to Airflow's secret masker."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager

from airflow_provider_releases.hooks.connection import min_secret_length


class Secrets:
    """
    The credentials one hook sends, redacted from every text it shows.

    A secret shorter than Airflow masks (``[logging] min_length_masked_secret``) is not kept:
    replacing every ``m`` of a message would garble it and hide nothing.
    """

    def __init__(self) -> None:
        self.values: list[str] = []
        self.deferred: list[str] | None = None

    def __repr__(self) -> str:
        return f"<Secrets: {len(self.values)}>"

    def register(self, value: str) -> None:
        """Redact ``value`` from now on and tell Airflow's masker (later, while :meth:`deferring`)."""
        if not value or len(value) < min_secret_length() or value in self.values:
            return
        self.values.append(value)
        if self.deferred is not None:
            self.deferred.append(value)
            return
        try:
            from airflow.sdk.log import mask_secret

            mask_secret(value)
        except ImportError:  # pragma: no cover - airflow.sdk always ships it on 3.2+
            pass

    def redact(self, text: str) -> str:
        """Return ``text`` with every secret replaced by ``***``."""
        for secret in self.values:
            text = text.replace(secret, "***")
        return text

    @contextmanager
    def deferring(self) -> Iterator[list[str]]:
        """
        Collect the secrets registered inside the block instead of telling Airflow's masker, whose
        blocking call would wait on the triggerer's own event loop; yield the collected list.
        """
        self.deferred = collected = []
        try:
            yield collected
        finally:
            self.deferred = None


async def amask_secrets(secrets: list[str]) -> None:
    """Tell Airflow's secret masker (and, in the triggerer, its supervisor) about ``secrets``."""
    if not secrets:
        return
    from airflow.sdk import log

    amask = getattr(log, "amask_secret", None)
    for secret in secrets:
        if amask is not None:
            await amask(secret)
        else:  # Airflow 3.2: the blocking call, off the event loop
            await asyncio.to_thread(log.mask_secret, secret)
