"""How LaunchDarkly's sandbox renders flags, environment releases, their pages and release policies."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from airflow_provider_releases_sandbox.core import json_copy
from airflow_provider_releases_sandbox.launchdarkly import views
from airflow_provider_releases_sandbox.launchdarkly.records import Flag, Project
from airflow_provider_releases_sandbox.launchdarkly.release_records import EnvironmentRelease


def flag_view(project: Project, flag: Flag) -> dict[str, Any]:
    """A ``FeatureFlag``: the flag, its variations and its state in each environment."""
    href = f"/api/v2/flags/{project.key}/{flag.key}"
    return {
        "name": flag.name,
        "kind": flag.kind,
        "description": "",
        "key": flag.key,
        "_version": 1,
        "creationDate": flag.created_at,
        "includeInSnippet": False,
        "variations": [variation.to_json() for variation in flag.variations],
        "temporary": False,
        "tags": [],
        "_links": {"self": views.link(href), "parent": views.link("/api/v2/flags/" + project.key)},
        "experiments": {"baselineIdx": 0, "items": []},
        "customProperties": {},
        "archived": False,
        "deprecated": False,
        "environments": {
            env.key: {
                "on": env.key not in flag.off_environments,
                "archived": False,
                "salt": views.stable_id("salt", project.key, flag.key, env.key),
                "sel": views.stable_id("sel", project.key, flag.key, env.key),
                "lastModified": flag.created_at,
                "version": 1,
                "_site": {
                    "href": f"/projects/{project.key}/flags/{flag.key}?env={env.key}",
                    "type": "text/html",
                },
                "_environmentName": env.name,
                "trackEvents": False,
                "trackEventsFallthrough": False,
            }
            for env in project.environments.values()
        },
    }


def metric_definition(project_key: str, metric_key: str, created_at: int) -> dict[str, Any]:
    """A metric's definition (``EnvironmentReleasesMetricListingRep``), for ``expand=metrics``."""
    return {
        "_id": views.stable_id(project_key, "metric", metric_key),
        "_versionId": views.stable_uuid(project_key, "metric", metric_key),
        "key": metric_key,
        "name": metric_key,
        "kind": "custom",
        "_links": {"self": views.link(f"/api/v2/metrics/{project_key}/{metric_key}")},
        "tags": [],
        "_creationDate": created_at,
        "dataSource": {"key": "launchdarkly"},
    }


def release_view(release: EnvironmentRelease, *, expand_metrics: bool = False) -> dict[str, Any]:
    """An ``EnvironmentRelease`` (a copy); ``expand_metrics`` attaches each metric's definition."""
    view = release.to_json()
    if expand_metrics:
        for metric in view["metrics"]:
            metric["definition"] = metric_definition(
                release.project_key, metric["metricKey"], release.created_at
            )
    return view


def collection(
    path: str, parent: str, items: list[EnvironmentRelease], offset: int, limit: int, query: dict[str, str]
) -> dict[str, Any]:
    """An ``EnvironmentReleaseCollection``: the page of ``items`` and the links to the other pages."""
    total = len(items)

    def at(start: int) -> dict[str, str]:
        return views.link(f"{path}?{urlencode({**query, 'limit': limit, 'offset': start})}")

    links = {"self": at(offset), "parent": views.link(parent), "first": at(0)}
    if offset > 0:
        links["prev"] = at(max(0, offset - limit))
    if offset + limit < total:
        links["next"] = at(offset + limit)
    links["last"] = at(max(0, (total - 1) // limit * limit))
    return {
        "items": [release_view(item) for item in items[offset : offset + limit]],
        "totalCount": total,
        "_links": links,
    }


def policy_view(policy: dict[str, Any]) -> dict[str, Any]:
    """A ``ReleasePolicy`` (a copy)."""
    return json_copy(policy)
