"""
LaunchDarkly in the sandbox: flag releases on release pipelines, environment releases, flags and
release policies (beta API).

Every route but ``GET /api/v2/caller-identity`` needs ``LD-API-Version: beta`` (else 403).
``records.py`` holds the typed objects, ``models.py`` the state and the rules, ``inputs.py`` the
request checks, ``views.py`` the rendering and ``responses.py`` the routes and controls;
``release_*.py`` are the same five for environment releases; ``rules.py`` states the vendor's
enums and limits once; ``seed.json`` is the default seed.

As LaunchDarkly's API description says, request body fields an endpoint's schema does not name
are ignored on every route, never refused.

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
- ``GET /api/v2/flags/{projectKey}/{flagKey}``: the flag (``FeatureFlag``) with its
  ``variations`` (``_id``, ``value``, ``name``) and ``environments`` (``on`` in each).

Environment releases, under
``/api/v2/projects/{projectKey}/flags/{flagKey}/environments/{environmentKey}/releases``:

- ``POST``: start one (201 with the ``EnvironmentRelease``), inline (``randomizationUnit``,
  ``phases`` of ``ruleId`` or ``clauses`` with the ``kind`` clause of the unit, and ``steps``;
  ``metrics`` empty: progressive, else guarded, whose steps stay at or under 50000) or from a
  plan (``releasePlanKey``; any plan-supplied field beside it: 400; an unknown plan: 400; plans
  unavailable: 422). A multi-phase release needs ``advancementMode`` (400). Refusals, in order:
  400 for a bad body, 405 in an environment that requires approvals, 409 when the flag is off
  there, 409 ``release_already_active`` while a release of the flag there has not ended, 422/400
  for the plan, 400 ``health_checks_failed`` with ``failingChecks``
  (``StartEnvironmentReleaseBadRequest``) for failing checks not in ``bypassHealthChecks``.
- ``GET``: newest first, ``filter=kind equals progressive|guarded``, ``limit`` (25, at most
  100), ``offset``; ``{"items", "totalCount", "_links"}`` with ``self``, ``parent``, ``first``,
  ``prev``, ``next``, ``last`` where they apply.
- ``GET .../{releaseId}`` (``expand=metrics`` attaches each metric's definition) and
  ``PUT .../{releaseId}/stop`` with a ``resolution`` (405 with approvals; an ended release: 200
  unchanged; a ``current_phase`` resolution between phases: 400).

A release runs on the release clock (Unix ms; ``set_time_scale``, ``advance_time``): its first
phase starts at once, each step ends ``durationMillis`` after it started, and a phase completes
(``completed_automatic``) when its last step ends. The next phase then starts (``automatic``), or
the release waits (``waiting`` / ``waiting_phase_ended``, ``currentPhaseIndex`` null) until the
``advance_environment_release`` control. ``inject_regression`` marks a guarded release's metric
``regressed``: with ``autoRollback`` the release reverts (``reverted_regression_detected``,
pending phases ``reverted_discarded``), else it pauses (``waiting_regression_detected``) until
``dismiss_regression``. Stops: roll forward all (every phase ``completed_manual``), roll forward
the current phase (pending ones ``reverted_discarded``), roll back all (started phases
``reverted_manual``), roll back the current phase (completed ones stay completed).

Release policies (read-only): ``GET /api/v2/projects/{projectKey}/release-policies``
(``{"items", "totalCount"}`` by rank; ``excludeDefault=true`` leaves out unscoped ones) and
``GET .../release-policies/{policyKey}``.

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

Controls: ``complete_phase``, ``cancel_release``, ``auto_advance`` and ``state``; for environment
releases ``set_time_scale``, ``advance_time``, ``advance_environment_release``,
``inject_regression``, ``dismiss_regression``, ``add_release_plan``,
``set_release_plans_available``, ``set_flag_on``, ``fail_health_checks``, ``require_approvals``
and ``add_release_policy`` (each documented on its method in ``release_responses.py``).

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
             "variations"? [{"_id"?, "value", "name"?}], "offEnvironments"? [env key],
             "failingHealthChecks"? {env key: [ReleaseHealthCheckKind]}}],
         "approvalEnvironments"? [env key],
         "releasePlans"? [{"key", "environmentKey", "randomizationUnit", "phases",
             "metrics"?, "advancementMode"?, "cleanupBehavior"?}],
         "releasePolicies"? [ReleasePolicy JSON],
         "releases": [{"flagKey", "releasePipelineKey", "releaseVariationId"?,
             "phases"? [one of "not-started", "active", "completed" per phase]}]}],
     "auto_advance"?: {"seconds"?: N, "reads"?: N} (on from the start, and after each reset),
     "time_scale"?: N (the release clock's, 1 by default),
     "release_plans_available"?: bool (true by default)}

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
