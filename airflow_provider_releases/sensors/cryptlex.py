"""Sensor that waits for a Cryptlex release to be published."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow_provider_releases.assets import cryptlex_release_target
from airflow_provider_releases.hooks.cryptlex import CryptlexHook
from airflow_provider_releases.milestones import MilestoneAction, cryptlex_release, page_of
from airflow_provider_releases.rules import cryptlex as rules
from airflow_provider_releases.sensors.base import ReleasesBaseSensor
from airflow_provider_releases.utils import validation
from airflow_provider_releases.waits.cryptlex import CryptlexReleasePublished

if TYPE_CHECKING:
    from airflow.sdk import Asset, Context


class CryptlexReleasePublishedSensor(ReleasesBaseSensor[CryptlexReleasePublished]):
    """
    Wait until a Cryptlex release is published (:func:`~.rules.cryptlex.is_published`).

    Fails at once when the release does not exist, the credentials are refused, or the record cannot
    tell (see :class:`~airflow_provider_releases.sensors.base.ReleasesBaseSensor`).

    :param release_id: the release's id. Templated.
    :param cryptlex_conn_id: the Airflow connection to Cryptlex. Templated.
    """

    wait_class = CryptlexReleasePublished
    ui_color = "#dfe7fd"
    parameters = {"release_id": validation.Param(rules.path_id)}

    def __init__(
        self,
        *,
        release_id: str,
        cryptlex_conn_id: str = CryptlexHook.default_conn_name,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.release_id = release_id
        self.cryptlex_conn_id = cryptlex_conn_id
        self.check_parameters(rendered=False)

    def milestone(self, result: dict[str, Any], context: Context) -> dict[str, Any]:
        """``published``: the release, with its dashboard page as ``url``."""
        url = page_of(self.hook.release_url, result.get("productId"), result.get("id"))
        return cryptlex_release(MilestoneAction.PUBLISHED, result, url=url)

    def target_asset(self, result: Any) -> Asset | None:
        """``cryptlex://<productId>``: the product of the published release."""
        return cryptlex_release_target(result)
