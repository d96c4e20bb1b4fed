"""The OpenLineage run facet of a release task; importing this module needs the OpenLineage provider."""

from __future__ import annotations

from attrs import Factory, define
from openlineage.client.facet_v2 import RunFacet

#: Where the facet's schema is described (OpenLineage asks each custom facet for one).
SCHEMA_URL = (
    "https://airflow-provider-releases.github.io/airflow-provider-releases/lineage.html"
    "#releasemilestonerunfacet"
)


@define
class ReleaseMilestoneRunFacet(RunFacet):
    """
    What a release task did at a vendor: its milestone (the ``extra`` of its asset events).

    :param service: ``aha``, ``cryptlex``, ``launchdarkly`` or ``amplitude``.
    :param action: what happened, a ``MilestoneAction`` value such as ``created`` or ``shipped``.
    :param version: the release's version, where the vendor knows it.
    :param ids: the vendor's ids and keys of the objects (``release_id``, ``flag_key``...), as strings.
    :param url: the object's web page at the vendor, where it has one.
    """

    service: str
    action: str
    version: str | None = None
    ids: dict[str, str] = Factory(dict)
    url: str | None = None

    @staticmethod
    def _get_schema() -> str:
        return SCHEMA_URL
