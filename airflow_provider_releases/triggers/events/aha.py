"""Watcher that fires when an Aha! release of a product ships."""

from __future__ import annotations

from typing import Any

from airflow_provider_releases.exceptions import ReleasesApiNotFoundError
from airflow_provider_releases.hooks.aha import AhaHook
from airflow_provider_releases.milestones import MilestoneAction, aha_release
from airflow_provider_releases.rules import aha as rules
from airflow_provider_releases.triggers.events.base import DoneState, ReleasesEventTrigger
from airflow_provider_releases.triggers.shared import Reader
from airflow_provider_releases.waits.outcome import READ_ERRORS


class AhaReleaseShippedEventTrigger(ReleasesEventTrigger[AhaHook]):
    """
    Fire one asset event each time a release of an Aha! product ships, whoever shipped it.

    Each poll reads all of the product's releases, then the unshipped ones; a release newly found
    shipped fires once a read of it says ``released``. The payload is an ``aha_release`` milestone.

    :param product: the product's key (``"PRJ1"``) or numeric id.
    :param aha_conn_id: the Airflow connection to Aha!.
    :param poll_interval: seconds between polls.
    :raises InvalidParameterError: an argument has the wrong form.
    """

    hook_class = AhaHook
    kind = "aha-shipped"

    def __init__(
        self, product: str | int, *, aha_conn_id: str = AhaHook.default_conn_name, poll_interval: float = 60.0
    ) -> None:
        rules.path_id("product", product)
        self.product = product
        self.aha_conn_id = aha_conn_id
        super().__init__(poll_interval=poll_interval)

    @property
    def subject(self) -> str:
        return f"Aha! releases of product {self.product!r}"

    not_found = "no such product in Aha!, so none of its releases can ship"

    def service_kwargs(self) -> dict[str, Any]:
        return {"product": self.product, "aha_conn_id": self.aha_conn_id}

    def stream_subject(self) -> tuple[Any, ...]:
        return (str(self.product),)

    async def read_snapshot(self, hook: AhaHook) -> dict[str, list[str]]:
        """The ids of the product's releases found shipped: all, less the unshipped ones."""
        every = await hook.alist_product_releases(self.product)
        unshipped = await hook.alist_product_releases(self.product, exclude_shipped=True)
        shipped = _ids(every) - _ids(unshipped)
        return {"shipped": sorted(shipped)}

    def done_state(self, snapshot: dict[str, list[str]]) -> DoneState:
        return DoneState(done={release_id: release_id for release_id in snapshot["shipped"]})

    async def milestone(self, hook: AhaHook, reader: Reader, item: str) -> dict[str, Any] | None:
        """Read the release; return its milestone if it says ``released``, else ``None``."""
        try:
            release = await reader.read(hook, ("release", item), lambda: hook.aget_release(item))
        except ReleasesApiNotFoundError:
            return None
        except READ_ERRORS as exc:
            self.judge_failure(hook, exc, f"Aha! release {item!r}", "no such release")
            return None
        if not isinstance(release, dict) or not rules.is_shipped(release):
            return None
        return aha_release(MilestoneAction.SHIPPED, release)


def _ids(releases: list[Any]) -> set[str]:
    return {str(item["id"]) for item in releases if isinstance(item, dict) and item.get("id") is not None}
