"""
LaunchDarkly in the sandbox: flag releases on release pipelines (beta API).

Every route but ``GET /api/v2/caller-identity`` needs ``LD-API-Version: beta`` (else 403).
``records.py`` holds the typed objects, ``models.py`` the state and the rules, ``inputs.py`` the
request checks, ``views.py`` the rendering and ``responses.py`` the routes and controls;
``seed.json`` is the default seed.

Routes (the paths are not uniform, as in LaunchDarkly's spec):

- ``PUT /api/v2/projects/{projectKey}/flags/{flagKey}/release``: attach a boolean flag to a
  pipeline (200 with the release). A non-boolean flag or a ``releaseVariationId`` that is not
  one of the flag's variations: 400. The flag already has a release that is neither complete
  nor canceled: 409 ``conflict`` (the spec lists no status for this; the flag must be removed
  from its pipeline first); a complete or canceled release is replaced.
- ``GET``/``DELETE`` (204)/``PATCH`` ``/api/v2/flags/{projectKey}/{flagKey}/release``. PATCH
  is a JSON Patch of ``replace``/``add``/``test`` operations on ``/phases/{i}/complete`` (the
  docs' prose spelling ``/phase/{i}/complete`` is accepted too) and works on releases of
  legacy pipelines only (else 400).
- ``PUT /api/v2/projects/{projectKey}/flags/{flagKey}/release/phases/{phaseId}`` with
  ``{"status": "active" | "Started", "audiences"?: [...]}`` starts a phase (current pipelines
  only): the phase must be the next one not started; the active phase before it completes.
  Starting the phase that is already active changes nothing. A canceled release: 400. A
  ``releaseGuardianConfiguration`` given for an audience that has none must be complete
  (``monitoringWindowMilliseconds``, ``rolloutWeight``, ``rollbackOnRegression``; else 400).
- ``GET``/``POST`` (201) ``/api/v2/projects/{projectKey}/release-pipelines``
  (``filter=query:<text>,env:<key>``, ``limit`` 1..100 default 20, ``offset``;
  ``{"items", "totalCount"}``), ``GET``/``PUT``/``DELETE`` (204)
  ``.../release-pipelines/{pipelineKey}`` (the project's default pipeline cannot be deleted:
  400), ``GET .../release-pipelines/{pipelineKey}/releases`` (``filter=status:active|completed``
  and/or ``activePhaseId:<id>``; ``status equals active`` is read too; paginated the same way).
- ``GET /api/v2/caller-identity``: what the token is (the hook's connection test).

A release is shaped like the docs' example: ``name``, ``releasePipelineKey``,
``releasePipelineDescription``, ``phases`` (``_id``, ``_name``, ``complete``,
``_creationDate``, ``_audiences``, ``status`` ``not-started``/``active``/``completed`` (a phase
started with ``"Started"`` still reads ``active``), ``started``, ``_startedDate`` once
started, ``_completionDate`` once complete, ``configuration``), ``_version`` (+1 on every
change), ``_links``, ``_releaseVariationId`` (the flag's ``true`` variation unless chosen) and
``_canceledAt`` once canceled. Every time (``_creationDate``, ``_startedDate``,
``_completionDate``, ``_canceledAt``, and a progression's ``_createdAt``/``_completedAt``) is an
integer of epoch milliseconds, as the OpenAPI spec types them (int64); a pipeline's
``createdAt`` is an RFC 3339 date-time. A release of a current pipeline starts with no phase
started; in a release of a legacy pipeline the first phase not complete is always the active one
(so it starts at once).

Controls: ``complete_phase``, ``cancel_release``, ``auto_advance`` and ``state``.

Web page (no credentials): ``GET /projects/{projectKey}/flags/{flagKey}``, the app address the
extra link opens: the flag, its pipeline, the release's state and each phase's status.

Seed (``--seed`` file, ``{"launchdarkly": {...}}``; the default is ``seed.json`` beside this file)::

    {"access_token": str, "max_pipelines": int (per project, POST beyond it: 400),
     "projects": [{"key", "name",
         "environments": [{"key", "name", "color"}],
         "pipelines": [{"key", "name", "description"?, "tags"?, "isProjectDefault"?,
             "isLegacy"?, "phases": [{"name", "id"?, "configuration"?,
                 "audiences": [{"environmentKey", "name", "segmentKeys"?,
                                "configuration"?}]}]}],
         "flags": [{"key", "name"?, "kind"? ("boolean" default, or "multivariate"),
             "variations"? [{"_id"?, "value", "name"?}]}],
         "releases": [{"flagKey", "releasePipelineKey", "releaseVariationId"?,
             "phases"? [one of "not-started", "active", "completed" per phase]}]}],
     "auto_advance"?: {"seconds"?: N, "reads"?: N} (on from the start, and after each reset)}

Pipelines in the seed may exceed ``max_pipelines``; seeded ids are stable across resets.
"""

from __future__ import annotations

from airflow_provider_releases_sandbox.launchdarkly.inputs import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from airflow_provider_releases_sandbox.launchdarkly.models import (
    ACCESS_TOKEN,
    DEFAULT_MAX_PIPELINES,
    DEFAULT_SEED,
)
from airflow_provider_releases_sandbox.launchdarkly.responses import LaunchDarklyBackend

__all__ = [
    "ACCESS_TOKEN",
    "DEFAULT_MAX_PIPELINES",
    "DEFAULT_PAGE_SIZE",
    "DEFAULT_SEED",
    "MAX_PAGE_SIZE",
    "LaunchDarklyBackend",
]
