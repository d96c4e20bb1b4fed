"""Watcher that fires when a Cryptlex release of a product is published."""

from __future__ import annotations

from typing import Any

from airflow_provider_releases.hooks.cryptlex import CryptlexHook
from airflow_provider_releases.milestones import MilestoneAction, cryptlex_release
from airflow_provider_releases.rules import cryptlex as rules
from airflow_provider_releases.triggers.events.base import DoneState, ReleasesEventTrigger
from airflow_provider_releases.triggers.shared import Reader


class CryptlexReleasePublishedEventTrigger(ReleasesEventTrigger[CryptlexHook]):
    """
    Fire one asset event each time a release of a Cryptlex product is published, whoever published it.

    Watchers of one product share each poll's read. The payload is a ``cryptlex_release`` milestone
    with the dashboard page as ``url``.

    :param product_id: the product's id.
    :param channel: only releases of this channel; ``None`` (the default) for every channel.
    :param cryptlex_conn_id: the Airflow connection to Cryptlex.
    :param poll_interval: seconds between polls.
    :raises InvalidParameterError: an argument has the wrong form.
    """

    hook_class = CryptlexHook
    kind = "cryptlex-published"
    not_found = "no such product in Cryptlex, so none of its releases can be published"

    def __init__(
        self,
        product_id: str,
        channel: str | None = None,
        *,
        cryptlex_conn_id: str = CryptlexHook.default_conn_name,
        poll_interval: float = 60.0,
    ) -> None:
        self.product_id = rules.product_id(product_id)
        self.channel = None if channel is None else rules.name("channel", channel)
        self.cryptlex_conn_id = cryptlex_conn_id
        super().__init__(poll_interval=poll_interval)

    @property
    def subject(self) -> str:
        return f"Cryptlex releases of product {self.product_id!r}"

    def service_kwargs(self) -> dict[str, Any]:
        return {
            "product_id": self.product_id,
            "channel": self.channel,
            "cryptlex_conn_id": self.cryptlex_conn_id,
        }

    def stream_subject(self) -> tuple[Any, ...]:
        """The product (every channel: watchers of its channels share the read)."""
        return (self.product_id,)

    def watermark_subject(self) -> tuple[Any, ...]:
        """The product and the channel (``*`` for every channel)."""
        return (self.product_id, self.channel)

    async def read_snapshot(self, hook: CryptlexHook) -> list[dict[str, Any]]:
        return [item for item in await hook.alist_releases(self.product_id) if isinstance(item, dict)]

    def done_state(self, snapshot: list[dict[str, Any]]) -> DoneState:
        """The releases of the channel found published, by id."""
        state = DoneState()
        for release in snapshot:
            if release.get("id") is None or (
                self.channel is not None and release.get("channel") != self.channel
            ):
                continue
            published = rules.is_published(release)
            if published is None:
                state.unknown.add(str(release["id"]))
            elif published:
                state.done[str(release["id"])] = release
        return state

    async def milestone(self, hook: CryptlexHook, reader: Reader, item: dict[str, Any]) -> dict[str, Any]:
        url = hook.release_url(item.get("productId") or self.product_id, str(item["id"]))
        return cryptlex_release(MilestoneAction.PUBLISHED, item, url=url)
