"""
LaunchDarkly's environment releases, flags and release policies in the sandbox (beta): the routes
and the control actions that stand in for LaunchDarkly's app (advance a release, a regression, a
plan, a flag turned off...). :class:`EnvironmentReleaseRoutes` is a part of
:class:`~airflow_provider_releases_sandbox.launchdarkly.responses.LaunchDarklyBackend`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from airflow_provider_releases_sandbox.core import ApiError, Reply, Request, control, int_param, route
from airflow_provider_releases_sandbox.launchdarkly import (
    inputs,
    release_inputs,
    release_models,
    release_views,
)
from airflow_provider_releases_sandbox.launchdarkly.inputs import error
from airflow_provider_releases_sandbox.launchdarkly.records import Flag, Project
from airflow_provider_releases_sandbox.launchdarkly.release_records import EnvironmentReleaseRecord
from airflow_provider_releases_sandbox.launchdarkly.rules import (
    RELEASE_FILTER_FIELDS,
    RELEASE_METHODS,
    RELEASES_MAX_PAGE_SIZE,
    RELEASES_PAGE_SIZE,
    HealthCheckKind,
    ReleaseKind,
)

if TYPE_CHECKING:
    from airflow_provider_releases_sandbox.launchdarkly.models import LaunchDarklyModel

RELEASES = "/api/v2/projects/{project_key}/flags/{flag_key}/environments/{environment_key}/releases"
FLAG = "/api/v2/flags/{project_key}/{flag_key}"
POLICIES = "/api/v2/projects/{project_key}/release-policies"
T = TypeVar("T")


def as_value_error(lookup: Callable[[], T]) -> T:
    """``lookup()``, its vendor 404 turned into the :class:`ValueError` a control action raises."""
    try:
        return lookup()
    except ApiError as exc:
        raise ValueError(f"LaunchDarkly: {exc.body.get('message')}") from None


class EnvironmentReleaseRoutes:
    """The environment-release, flag and release-policy routes and controls (see the package docstring)."""

    model: LaunchDarklyModel

    # Lookups

    def _release(
        self, project: Project, flag_key: str, environment_key: str, release_id: str
    ) -> EnvironmentReleaseRecord:
        """The release ``release_id`` of the flag in the environment, or 404."""
        self.model.flag(project, flag_key)
        self.model.environment(project, environment_key)
        mine = release_models.releases_of(project, flag_key, environment_key)
        found = next((record for record in mine if record.release.id == release_id), None)
        if found is None:
            raise error(
                404, f"Flag {flag_key!r} has no environment release {release_id!r} in {environment_key!r}"
            )
        return found

    # Routes: flags

    @route("GET", FLAG)
    def get_flag(self, request: Request, project_key: str, flag_key: str) -> dict[str, Any]:
        """The flag with its variations and its state in each environment."""
        project = self.model.project(project_key)
        return release_views.flag_view(project, self.model.flag(project, flag_key))

    # Routes: environment releases

    @route("POST", RELEASES)
    def start_environment_release(
        self, request: Request, project_key: str, flag_key: str, environment_key: str
    ) -> Reply:
        """Start a release of the flag in the environment, inline or from a plan: 201 with it."""
        project = self.model.project(project_key)
        flag = self.model.flag(project, flag_key)
        self.model.environment(project, environment_key)
        spec = release_inputs.start_request(request.json_object(), flag)
        record = release_models.start(
            project,
            flag,
            environment_key,
            spec,
            plans_available=self.model.release_plans_available,
            now=self.model.release_clock.now(),
        )
        return Reply(201, release_views.release_view(record.release))

    @route("GET", RELEASES)
    def list_environment_releases(
        self, request: Request, project_key: str, flag_key: str, environment_key: str
    ) -> dict[str, Any]:
        """The flag's releases in the environment, newest first, ``filter=kind equals ...``, paged."""
        project = self.model.project(project_key)
        self.model.flag(project, flag_key)
        self.model.environment(project, environment_key)
        kind = inputs.filters(request, RELEASE_FILTER_FIELDS).get("kind")
        if kind is not None:
            release_inputs.enum_value(ReleaseKind, kind, "filter kind")
        limit = int_param(
            request, "limit", RELEASES_PAGE_SIZE, minimum=1, maximum=RELEASES_MAX_PAGE_SIZE, error=error
        )
        offset = int_param(request, "offset", 0, minimum=0, maximum=None, error=error)
        items = [
            record.release
            for record in reversed(release_models.releases_of(project, flag_key, environment_key))
            if kind is None or record.release.kind == kind
        ]
        query = {"filter": f"kind equals {kind}"} if kind else {}
        path = RELEASES.format(project_key=project_key, flag_key=flag_key, environment_key=environment_key)
        parent = FLAG.format(project_key=project_key, flag_key=flag_key)
        return release_views.collection(path, parent, items, offset, limit, query)

    @route("GET", RELEASES + "/{release_id}")
    def get_environment_release(
        self, request: Request, project_key: str, flag_key: str, environment_key: str, release_id: str
    ) -> dict[str, Any]:
        """One release with its phases; ``expand=metrics`` attaches the metrics' definitions."""
        record = self._release(self.model.project(project_key), flag_key, environment_key, release_id)
        expand = ",".join(request.query_lists.get("expand", [])).split(",")
        return release_views.release_view(record.release, expand_metrics="metrics" in expand)

    @route("PUT", RELEASES + "/{release_id}/stop")
    def stop_environment_release(
        self, request: Request, project_key: str, flag_key: str, environment_key: str, release_id: str
    ) -> dict[str, Any]:
        """Stop a release with a resolution; an ended release is answered unchanged."""
        project = self.model.project(project_key)
        record = self._release(project, flag_key, environment_key, release_id)
        resolution = release_inputs.stop_request(request.json_object())
        release_models.require_no_approvals(project, environment_key)
        release_models.stop(record, resolution, self.model.release_clock.now())
        return release_views.release_view(record.release)

    # Routes: release policies (read-only)

    @route("GET", POLICIES)
    def list_release_policies(self, request: Request, project_key: str) -> dict[str, Any]:
        """The project's release policies by rank; ``excludeDefault=true`` leaves out unscoped ones."""
        project = self.model.project(project_key)
        policies = sorted(project.release_policies.values(), key=lambda policy: policy.get("rank", 0))
        if request.query.get("excludeDefault", "").lower() == "true":
            policies = [policy for policy in policies if policy.get("scope")]
        return {"items": [release_views.policy_view(item) for item in policies], "totalCount": len(policies)}

    @route("GET", POLICIES + "/{policy_key}")
    def get_release_policy(self, request: Request, project_key: str, policy_key: str) -> dict[str, Any]:
        """One release policy, or 404."""
        policy = self.model.project(project_key).release_policies.get(policy_key)
        if policy is None:
            raise error(404, f"Unknown release policy {policy_key!r} in project {project_key!r}")
        return release_views.policy_view(policy)

    # Controls: what LaunchDarkly's app (or the flag's traffic) does outside the API

    def _control_release(
        self, project_key: str, flag_key: str, environment_key: str, release_id: str | None
    ) -> EnvironmentReleaseRecord:
        """The release ``release_id``, or for ``None`` the flag's running release there, else its newest."""
        project = as_value_error(lambda: self.model.project(project_key))
        if release_id is not None:
            return as_value_error(lambda: self._release(project, flag_key, environment_key, release_id))
        as_value_error(lambda: self.model.flag(project, flag_key))
        as_value_error(lambda: self.model.environment(project, environment_key))
        mine = release_models.releases_of(project, flag_key, environment_key)
        running = [record for record in mine if release_models.is_running(record.release)]
        if not (running or mine):
            raise ValueError(f"flag {flag_key!r} has no environment release in {environment_key!r}")
        return (running or mine)[-1]

    def _control_flag(self, project_key: str, flag_key: str, environment_key: str) -> Flag:
        project = as_value_error(lambda: self.model.project(project_key))
        as_value_error(lambda: self.model.environment(project, environment_key))
        return as_value_error(lambda: self.model.flag(project, flag_key))

    @control("set_time_scale")
    def set_time_scale(self, scale: float) -> dict[str, Any]:
        """
        Run the clock environment releases' steps end on ``scale`` times as fast as real time
        (1 is real time, as after a reset; 1000 makes a step of one minute last 60 ms; 0 stops
        the clock, so only ``advance_time`` moves it). Returns ``{"scale", "now"}`` (``now``:
        the clock's time, Unix ms).

        :raises ValueError: ``scale`` is not a non-negative number.
        """
        self.model.tick()
        self.model.release_clock.set_scale(scale)
        return {"scale": self.model.release_clock.scale, "now": self.model.release_clock.now()}

    @control("advance_time")
    def advance_time(self, milliseconds: int) -> dict[str, Any]:
        """
        Move the environment releases' clock ``milliseconds`` ahead: every step whose time is up
        ends, and what follows it starts, on the way. Returns ``{"scale", "now"}``.

        :raises ValueError: ``milliseconds`` is not a non-negative integer.
        """
        self.model.release_clock.advance(milliseconds)
        self.model.tick()
        return {"scale": self.model.release_clock.scale, "now": self.model.release_clock.now()}

    @control("advance_environment_release")
    def advance_environment_release(
        self, project_key: str, flag_key: str, environment_key: str, release_id: str | None = None
    ) -> dict[str, Any]:
        """
        Advance a release waiting between phases (``waiting_phase_ended``, manual advancement)
        to its next phase, as LaunchDarkly's app does; return the release. ``release_id``
        defaults to the flag's running release in the environment.

        :raises ValueError: no such flag, environment or release; the release is not waiting
            between phases.
        """
        self.model.tick()
        record = self._control_release(project_key, flag_key, environment_key, release_id)
        release_models.advance(record, self.model.release_clock.now())
        return release_views.release_view(record.release)

    @control("inject_regression")
    def inject_regression(
        self,
        project_key: str,
        flag_key: str,
        environment_key: str,
        metric_key: str,
        release_id: str | None = None,
    ) -> dict[str, Any]:
        """
        Detect a regression on ``metric_key`` in the running phase of a guarded release: the
        metric reads ``regressed``; a metric with ``autoRollback`` reverts the release
        (``reverted_regression_detected``), another pauses it (``waiting_regression_detected``).
        Returns the release.

        :raises ValueError: no such release; the release is progressive or has no running
            phase; it does not watch ``metric_key``.
        """
        self.model.tick()
        record = self._control_release(project_key, flag_key, environment_key, release_id)
        release_models.regress(record, metric_key, self.model.release_clock.now())
        return release_views.release_view(record.release)

    @control("dismiss_regression")
    def dismiss_regression(
        self,
        project_key: str,
        flag_key: str,
        environment_key: str,
        metric_key: str,
        release_id: str | None = None,
    ) -> dict[str, Any]:
        """
        Dismiss the regression of ``metric_key`` in a paused guarded release (the metric reads
        ``regression_dismissed``); with no regression left, the phase runs on. Returns the release.

        :raises ValueError: no such release, or the metric has not regressed in the running phase.
        """
        self.model.tick()
        record = self._control_release(project_key, flag_key, environment_key, release_id)
        release_models.dismiss(record, metric_key, self.model.release_clock.now())
        return release_views.release_view(record.release)

    @control("add_release_plan")
    def add_release_plan(
        self, project_key: str, environment_key: str, plan_key: str, plan: dict[str, Any]
    ) -> dict[str, Any]:
        """
        Register (or replace) the environment release plan ``plan_key``: ``plan`` holds the
        fields a plan supplies, as a start names them (``randomizationUnit``, ``phases``, and
        optionally ``metrics``, ``advancementMode``, ``cleanupBehavior``). Returns
        ``{"key", "environmentKey", "plan"}``.

        :raises ValueError: no such project or environment, or a plan a start would refuse.
        """
        if not isinstance(plan, dict):
            raise ValueError(f"plan must be an object of a start's plan fields, not {plan!r}")
        project = as_value_error(lambda: self.model.project(project_key))
        stored = as_value_error(lambda: self.model.add_release_plan(project, environment_key, plan_key, plan))
        return stored.to_json()

    @control("set_release_plans_available")
    def set_release_plans_available(self, available: bool) -> dict[str, Any]:
        """
        Make environment release plans available to the account (as after a reset) or not: a
        start naming ``releasePlanKey`` then answers 422. Returns ``{"available"}``.
        """
        self.model.release_plans_available = bool(available)
        return {"available": self.model.release_plans_available}

    @control("set_flag_on")
    def set_flag_on(self, project_key: str, flag_key: str, environment_key: str, on: bool) -> dict[str, Any]:
        """
        Turn the flag on or off in the environment (flags start on); a start on a flag that is
        off answers 409. Returns ``{"on"}``.
        """
        flag = self._control_flag(project_key, flag_key, environment_key)
        flag.off_environments = [key for key in flag.off_environments if key != environment_key]
        if not on:
            flag.off_environments.append(environment_key)
        return {"on": bool(on)}

    @control("fail_health_checks")
    def fail_health_checks(
        self, project_key: str, flag_key: str, environment_key: str, kinds: list[str]
    ) -> dict[str, Any]:
        """
        Make the flag fail these release health checks in the environment (``[]``: pass them
        all, as after a reset); a start then answers 400 ``health_checks_failed`` unless it
        lists them in ``bypassHealthChecks``. The ``metric_events_*`` kinds fail once per
        metric of a guarded release. Returns ``{"kinds"}``.

        :raises ValueError: a kind that is not a ``ReleaseHealthCheckKind``.
        """
        flag = self._control_flag(project_key, flag_key, environment_key)
        accepted = [kind.value for kind in HealthCheckKind]
        if not isinstance(kinds, list) or any(kind not in accepted for kind in kinds):
            raise ValueError(f"kinds={kinds!r} must be a list of some of {accepted}")
        flag.failing_checks[environment_key] = list(dict.fromkeys(kinds))
        return {"kinds": flag.failing_checks[environment_key]}

    @control("require_approvals")
    def require_approvals(
        self, project_key: str, environment_key: str, required: bool = True
    ) -> dict[str, Any]:
        """
        Make the environment require approvals (or not, as after a reset): starting or stopping
        an environment release there answers 405. Returns ``{"required"}``.
        """
        project = as_value_error(lambda: self.model.project(project_key))
        as_value_error(lambda: self.model.environment(project, environment_key))
        keys = [key for key in project.approval_environments if key != environment_key]
        project.approval_environments = keys + ([environment_key] if required else [])
        return {"required": bool(required)}

    @control("add_release_policy")
    def add_release_policy(self, project_key: str, policy: dict[str, Any]) -> dict[str, Any]:
        """
        Add (or replace) a release policy: a ``ReleasePolicy`` object with at least ``key``,
        ``name`` and ``releaseMethod``; ``_id`` and ``rank`` are filled in when left out.
        Returns the policy as the API answers it.

        :raises ValueError: no such project; a policy without key or name, or with an unknown
            ``releaseMethod``.
        """
        project = as_value_error(lambda: self.model.project(project_key))
        if not isinstance(policy, dict) or not policy.get("key") or not policy.get("name"):
            raise ValueError(f"policy must be an object with key, name and releaseMethod, not {policy!r}")
        if policy.get("releaseMethod") not in RELEASE_METHODS:
            raise ValueError(f"releaseMethod={policy.get('releaseMethod')!r} is not one of {RELEASE_METHODS}")
        stored = {"_id": str(uuid.uuid4()), "rank": len(project.release_policies) + 1, **policy}
        project.release_policies[stored["key"]] = stored
        return release_views.policy_view(stored)
