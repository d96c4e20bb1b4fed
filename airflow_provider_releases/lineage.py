"""
OpenLineage for release tasks: the release's assets as output datasets and its milestone as a run facet.

Used only when the OpenLineage provider is installed (``airflow-provider-releases[openlineage]``):
the operators and sensors import this module inside ``get_openlineage_facets_on_complete``, and
this module imports OpenLineage inside its functions.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from airflow_provider_releases.milestones import Service, milestone_ids

if TYPE_CHECKING:
    from airflow.providers.common.compat.openlineage.facet import Dataset
    from airflow.providers.openlineage.extractors import OperatorLineage
    from airflow.sdk import Asset

#: The key of :class:`~airflow_provider_releases.lineage_facets.ReleaseMilestoneRunFacet` in a run's facets.
MILESTONE_FACET = "releaseMilestone"

_SCHEMES = frozenset(service.value for service in Service)


def asset_to_openlineage(asset: Asset, lineage_context: Any = None) -> Dataset:
    """
    Return the OpenLineage dataset of a release asset (the ``to_openlineage_converter`` of its scheme).

    The namespace is the URI's scheme and the name the rest: ``launchdarkly://default/new-checkout``
    is the dataset ``default/new-checkout`` in the namespace ``launchdarkly``.
    """
    from airflow.providers.common.compat.openlineage.facet import Dataset

    scheme = urlsplit(asset.uri).scheme
    return Dataset(namespace=scheme, name=asset.uri[len(scheme) + 3 :])


def release_lineage(task: Any, result: Any, context: Mapping[str, Any]) -> OperatorLineage:
    """
    Return a finished release task's lineage: its release assets (outlets of the provider's schemes
    and ``task.target_asset(result)``) as outputs, and ``task.milestone(result, context)`` as the
    :data:`MILESTONE_FACET` run facet.
    """
    from airflow.providers.openlineage.extractors import OperatorLineage

    from airflow_provider_releases.lineage_facets import ReleaseMilestoneRunFacet

    assets = [outlet for outlet in task.outlets or () if _is_release_asset(outlet)]
    target = task.target_asset(result)
    if target is not None:
        assets.append(target)
    outputs = list({asset.uri: asset_to_openlineage(asset) for asset in assets}.values())
    extra = task.milestone(result, context)
    if not extra:
        return OperatorLineage(outputs=outputs)
    facet = ReleaseMilestoneRunFacet(
        service=extra["service"],
        action=extra["action"],
        version=None if extra.get("version") is None else str(extra["version"]),
        ids=milestone_ids(extra),
        url=extra.get("url"),
    )
    return OperatorLineage(outputs=outputs, run_facets={MILESTONE_FACET: facet})


def _is_release_asset(outlet: Any) -> bool:
    uri = getattr(outlet, "uri", None)
    return isinstance(uri, str) and urlsplit(uri).scheme in _SCHEMES
