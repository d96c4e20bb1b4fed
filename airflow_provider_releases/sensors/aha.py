"""Sensor that waits for an Aha! release to ship."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow_provider_releases.assets import aha_release_target
from airflow_provider_releases.hooks.aha import AhaHook
from airflow_provider_releases.milestones import MilestoneAction, aha_release
from airflow_provider_releases.rules import aha as rules
from airflow_provider_releases.sensors.base import ReleasesBaseSensor
from airflow_provider_releases.utils import validation
from airflow_provider_releases.waits.aha import AhaReleaseShipped

if TYPE_CHECKING:
    from airflow.sdk import Asset, Context


class AhaReleaseShippedSensor(ReleasesBaseSensor[AhaReleaseShipped]):
    """
    Wait until an Aha! release is shipped (its ``released`` is true); return its id, name and page.

    Fails at once when the release does not exist, the credentials are refused, or the answer does
    not say whether it shipped (see :class:`~airflow_provider_releases.sensors.base.ReleasesBaseSensor`).

    :param release_id: the release's numeric id or key, such as ``"PRJ1-R-1"``. Templated.
    :param aha_conn_id: the Airflow connection to Aha!. Templated.
    """

    wait_class = AhaReleaseShipped
    ui_color = "#dfe7fd"
    parameters = {"release_id": validation.Param(rules.path_id)}

    def __init__(
        self,
        *,
        release_id: str | int,
        aha_conn_id: str = AhaHook.default_conn_name,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.release_id = release_id
        self.aha_conn_id = aha_conn_id
        self.check_parameters(rendered=False)

    def milestone(self, result: dict[str, Any], context: Context) -> dict[str, Any]:
        """``shipped``: the release (id, reference, name, ``released_on`` and page)."""
        return aha_release(MilestoneAction.SHIPPED, result)

    def target_asset(self, result: Any) -> Asset | None:
        """``aha://<product key>``: the product of the shipped release (``project.reference_prefix``)."""
        return aha_release_target(result)
