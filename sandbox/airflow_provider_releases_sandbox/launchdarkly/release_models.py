"""
How LaunchDarkly's environment releases move in the sandbox: the release clock, starting,
steps ending on their durations, phases advancing (on their own or by hand), regressions, stops.

Every function here changes records and raises the vendor's :class:`ApiError` (or, for a control
action, :class:`ValueError`); the routes and controls in ``release_responses.py`` call them.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from airflow_provider_releases_sandbox.core import ApiError
from airflow_provider_releases_sandbox.launchdarkly import views
from airflow_provider_releases_sandbox.launchdarkly.inputs import error
from airflow_provider_releases_sandbox.launchdarkly.records import Flag, Project
from airflow_provider_releases_sandbox.launchdarkly.release_inputs import PlanSpec, StartSpec, plan_fields
from airflow_provider_releases_sandbox.launchdarkly.release_records import (
    EnvironmentRelease,
    EnvironmentReleasePhase,
    EnvironmentReleaseRecord,
    ReleaseMetric,
    ReleaseStep,
)
from airflow_provider_releases_sandbox.launchdarkly.rules import (
    AdvancementMode,
    HealthCheckKind,
    MetricStatus,
    ReleaseKind,
    ReleaseStatus,
    ReleaseStatusReason,
    Resolution,
)

PENDING, IN_PROGRESS, WAITING = ReleaseStatus.PENDING, ReleaseStatus.IN_PROGRESS, ReleaseStatus.WAITING
COMPLETED, REVERTED = ReleaseStatus.COMPLETED, ReleaseStatus.REVERTED
Reason = ReleaseStatusReason


class ReleaseClock:
    """
    The clock environment releases run on, in Unix ms: real time running ``scale`` times as
    fast (1 by default; 0 stops it), plus the jumps :meth:`advance` makes. A step of
    ``durationMillis`` ends that many clock milliseconds after it started.
    """

    def __init__(self, real: Callable[[], int], scale: float = 1.0) -> None:
        self.real = real
        self.scale = 1.0
        self.anchor_real = self.anchor = real()
        self.set_scale(scale)

    def now(self) -> int:
        """The clock's time in Unix ms."""
        return self.anchor + int((self.real() - self.anchor_real) * self.scale)

    def set_scale(self, scale: float) -> None:
        """From now on, run ``scale`` times as fast as real time (0: only :meth:`advance` moves it)."""
        if isinstance(scale, bool) or not isinstance(scale, (int, float)) or scale < 0:
            raise ValueError(
                f"scale={scale!r} must be a non-negative number (1 is real time, 0 stops the clock)"
            )
        self.anchor, self.anchor_real, self.scale = self.now(), self.real(), float(scale)

    def advance(self, milliseconds: int) -> None:
        """Jump ``milliseconds`` ahead."""
        if isinstance(milliseconds, bool) or not isinstance(milliseconds, int) or milliseconds < 0:
            raise ValueError(f"milliseconds={milliseconds!r} must be a non-negative integer")
        self.anchor += milliseconds


def release_path(project_key: str, flag_key: str, environment_key: str) -> str:
    """The API path of the flag's environment releases in the environment."""
    return f"/api/v2/projects/{project_key}/flags/{flag_key}/environments/{environment_key}/releases"


def releases_of(project: Project, flag_key: str, environment_key: str) -> list[EnvironmentReleaseRecord]:
    """The flag's releases in the environment, oldest first."""
    return [
        record
        for record in project.environment_releases.values()
        if (record.release.flag_key, record.release.environment_key) == (flag_key, environment_key)
    ]


def is_running(release: EnvironmentRelease) -> bool:
    """Whether the release has not ended (it blocks another start on its flag and environment)."""
    return not ReleaseStatus(release.status).is_terminal


def require_no_approvals(project: Project, environment_key: str) -> None:
    """405 in an environment that requires approvals (starting or stopping a release there)."""
    if environment_key in project.approval_environments:
        raise error(
            405,
            f"Environment {environment_key!r} requires approvals: request an approval for this "
            "change in LaunchDarkly, or use a token granted the bypassRequiredApproval action",
        )


def plan_of(project: Project, environment_key: str, plan_key: str, *, available: bool) -> PlanSpec:
    """The plan ``plan_key`` of the environment, checked; 422 while plans are unavailable, 400 if missing."""
    if not available:
        raise error(422, "Environment release plans are not yet available for this account")
    stored = project.release_plans.get(f"{environment_key}/{plan_key}")
    if stored is None:
        raise error(400, f"Release plan {plan_key!r} does not exist in environment {environment_key!r}")
    return plan_fields(stored.plan)


def start(
    project: Project, flag: Flag, environment_key: str, spec: StartSpec, *, plans_available: bool, now: int
) -> EnvironmentReleaseRecord:
    """
    Start and store a release of a checked ``StartEnvironmentReleaseRequest``. Refusals, in
    order: 405 approvals, 409 flag off, 409 ``release_already_active``, 422/400 for the plan,
    400 ``health_checks_failed`` (``StartEnvironmentReleaseBadRequest``).
    """
    require_no_approvals(project, environment_key)
    if environment_key in flag.off_environments:
        raise error(409, f"Flag {flag.key!r} is off in {environment_key!r}: turn it on to start a release")
    running = [
        item.release.id
        for item in releases_of(project, flag.key, environment_key)
        if is_running(item.release)
    ]
    if running:
        message = f"Flag {flag.key!r} already has a running release in {environment_key!r}: {running[0]}"
        raise error(409, message, "release_already_active")
    plan = spec.plan or plan_of(
        project, environment_key, str(spec.release_plan_key), available=plans_available
    )
    failing = failing_checks(flag, environment_key, plan, spec.bypass)
    if failing:
        kinds = ", ".join(sorted({item["kind"] for item in failing}))
        message = (
            f"Release health checks failed: {kinds}; "
            "list the kinds in bypassHealthChecks to start the release anyway"
        )
        raise ApiError(400, {"code": "health_checks_failed", "message": message, "failingChecks": failing})
    record = new_release(project, flag, environment_key, spec, plan, now)
    project.environment_releases[record.release.id] = record
    return record


def failing_checks(
    flag: Flag, environment_key: str, plan: PlanSpec, bypass: frozenset[HealthCheckKind]
) -> list[dict[str, Any]]:
    """The health checks the start fails (``ReleaseHealthCheckFailure``), less those bypassed."""
    failing = set(flag.failing_checks.get(environment_key, []))
    unit, found = plan.randomization_unit, []
    for kind in HealthCheckKind:
        if kind.value not in failing or kind in bypass:
            continue
        if not kind.per_metric:
            context = f" for contexts of kind {unit!r}" if kind.value.endswith("_with_context") else ""
            message = f"Flag {flag.key!r} has not been evaluated recently{context} in {environment_key!r}"
            found.append({"kind": kind.value, "message": message})
            continue
        for metric_key, _ in plan.metrics:
            context = f" for contexts of kind {unit!r}" if kind.value.endswith("_with_context") else ""
            message = f"Metric {metric_key!r} has received no events{context}"
            found.append({"kind": kind.value, "message": message, "metricKey": metric_key})
    return found


def new_release(
    project: Project, flag: Flag, environment_key: str, spec: StartSpec, plan: PlanSpec, now: int
) -> EnvironmentReleaseRecord:
    """A release of ``spec`` running ``plan``, its first phase started at ``now``."""
    values = {item.id: item.value for item in flag.variations}
    release_id = str(uuid.uuid4())
    path = release_path(project.key, flag.key, environment_key)
    release = EnvironmentRelease(
        id=release_id,
        status=PENDING.value,
        project_key=project.key,
        environment_key=environment_key,
        flag_key=flag.key,
        original_variation_id=spec.original_variation_id,
        original_variation_value=values[spec.original_variation_id],
        target_variation_id=spec.target_variation_id,
        target_variation_value=values[spec.target_variation_id],
        randomization_unit=plan.randomization_unit,
        cleanup_behavior=plan.cleanup_behavior.value,
        kind=(ReleaseKind.GUARDED if plan.metrics else ReleaseKind.PROGRESSIVE).value,
        metrics=[
            ReleaseMetric(
                metric_key=key,
                auto_rollback=rollback,
                metric_version_id=views.stable_uuid(project.key, "metric", key),
            )
            for key, rollback in plan.metrics
        ],
        phases=[
            EnvironmentReleasePhase(
                id=str(uuid.uuid4()),
                phase_index=index,
                rule_id=phase.rule_id or str(uuid.uuid4()),
                status=PENDING.value,
                description=phase.description,
                steps=[
                    ReleaseStep(step_index=number, allocation=allocation, duration_millis=duration)
                    for number, (allocation, duration) in enumerate(phase.steps)
                ],
            )
            for index, phase in enumerate(plan.phases)
        ],
        current_phase_index=None,
        advancement_mode=plan.advancement_mode.value,
        created_at=now,
        links={
            "self": views.link(f"{path}/{release_id}"),
            "parent": views.link(f"/api/v2/flags/{project.key}/{flag.key}"),
            "site": {
                "href": f"/projects/{project.key}/flags/{flag.key}?env={environment_key}",
                "type": "text/html",
            },
        },
    )
    record = EnvironmentReleaseRecord(release=release, release_plan_key=spec.release_plan_key)
    start_phase(record, 0, now)
    return record


def set_status(
    item: EnvironmentRelease | EnvironmentReleasePhase, status: ReleaseStatus, reason: Reason | None
) -> None:
    """Set a release's or phase's ``status`` and ``statusReason``."""
    item.status, item.status_reason = status.value, reason.value if reason else None


def start_phase(record: EnvironmentReleaseRecord, index: int, at: int) -> None:
    """Start phase ``index`` (its first step) at ``at``."""
    release = record.release
    phase = release.phases[index]
    set_status(phase, IN_PROGRESS, None)
    phase.started_at, phase.current_step_index = at, 0
    phase.steps[0].started_at = at
    phase.metric_statuses = {metric.metric_key: MetricStatus.OK.value for metric in release.metrics}
    set_status(release, IN_PROGRESS, None)
    release.current_phase_index = index
    release.started_at = release.started_at if release.started_at is not None else at
    record.due, record.remaining = at + phase.steps[0].duration_millis, None


def end_phase(phase: EnvironmentReleasePhase, status: ReleaseStatus, reason: Reason, at: int) -> None:
    """End a running phase (and its running step) at ``at``."""
    if phase.current_step_index is not None and phase.steps[phase.current_step_index].ended_at is None:
        phase.steps[phase.current_step_index].ended_at = at
    set_status(phase, status, reason)
    phase.ended_at = at


def finish(record: EnvironmentReleaseRecord, status: ReleaseStatus, reason: Reason, at: int) -> None:
    """End the release at ``at``: pending phases are discarded."""
    release = record.release
    for phase in release.phases:
        if phase.status == PENDING.value:
            set_status(phase, REVERTED, Reason.REVERTED_DISCARDED)
    set_status(release, status, reason)
    release.ended_at, release.current_phase_index = at, None
    record.due = record.remaining = None


def catch_up(record: EnvironmentReleaseRecord, now: int) -> None:
    """End the steps (and phases) whose time is up by ``now``; start what follows them."""
    release = record.release
    while record.due is not None and record.due <= now and release.status == IN_PROGRESS.value:
        at, index = record.due, release.current_phase_index
        assert index is not None  # a running step belongs to the current phase
        phase = release.phases[index]
        step_index = phase.current_step_index or 0
        phase.steps[step_index].ended_at = at
        if step_index + 1 < len(phase.steps):
            phase.current_step_index = step_index + 1
            phase.steps[step_index + 1].started_at = at
            record.due = at + phase.steps[step_index + 1].duration_millis
            continue
        end_phase(phase, COMPLETED, Reason.COMPLETED_AUTOMATIC, at)
        record.due = None
        if index + 1 == len(release.phases):
            finish(record, COMPLETED, Reason.COMPLETED_AUTOMATIC, at)
        elif release.advancement_mode == AdvancementMode.AUTOMATIC.value:
            start_phase(record, index + 1, at)
        else:
            set_status(release, WAITING, Reason.WAITING_PHASE_ENDED)
            release.current_phase_index = None


def advance(record: EnvironmentReleaseRecord, now: int) -> None:
    """Start the next phase of a release waiting between phases (the app's "advance")."""
    release = record.release
    if release.status_reason != Reason.WAITING_PHASE_ENDED.value:
        raise ValueError(
            f"environment release {release.id} is {release.status}"
            + (f" ({release.status_reason})" if release.status_reason else "")
            + ": only a release waiting between phases (waiting_phase_ended) can be advanced"
        )
    following = next(phase.phase_index for phase in release.phases if phase.status == PENDING.value)
    start_phase(record, following, now)


def current_phase(record: EnvironmentReleaseRecord, what: str) -> EnvironmentReleasePhase:
    """The running phase of a guarded release, else :class:`ValueError` saying why ``what`` cannot be."""
    release = record.release
    if release.kind != ReleaseKind.GUARDED.value:
        raise ValueError(f"environment release {release.id} is progressive: it watches no metric to {what}")
    if release.current_phase_index is None:
        raise ValueError(
            f"environment release {release.id} is {release.status}: no phase is running to {what}"
        )
    return release.phases[release.current_phase_index]


def metric(record: EnvironmentReleaseRecord, metric_key: str) -> ReleaseMetric:
    """The release's metric ``metric_key``, else :class:`ValueError` naming its metrics."""
    found = next((item for item in record.release.metrics if item.metric_key == metric_key), None)
    if found is None:
        known = [item.metric_key for item in record.release.metrics]
        raise ValueError(f"metric {metric_key!r} is not one the release watches: {known}")
    return found


def regress(record: EnvironmentReleaseRecord, metric_key: str, now: int) -> None:
    """
    A regression on ``metric_key`` in the running phase: the release reverts when the metric's
    ``autoRollback`` is on, else it pauses (``waiting_regression_detected``).
    """
    phase = current_phase(record, "regress")
    watched = metric(record, metric_key)
    phase.metric_statuses[metric_key] = MetricStatus.REGRESSED.value
    if watched.auto_rollback:
        end_phase(phase, REVERTED, Reason.REVERTED_REGRESSION_DETECTED, now)
        finish(record, REVERTED, Reason.REVERTED_REGRESSION_DETECTED, now)
        return
    if record.due is not None:
        record.remaining, record.due = max(0, record.due - now), None
    set_status(phase, WAITING, Reason.WAITING_REGRESSION_DETECTED)
    set_status(record.release, WAITING, Reason.WAITING_REGRESSION_DETECTED)


def dismiss(record: EnvironmentReleaseRecord, metric_key: str, now: int) -> None:
    """Dismiss a regression of ``metric_key``; with none left the paused phase runs on."""
    phase = current_phase(record, "dismiss a regression of")
    metric(record, metric_key)
    if phase.metric_statuses.get(metric_key) != MetricStatus.REGRESSED.value:
        raise ValueError(f"metric {metric_key!r} has not regressed in the running phase")
    phase.metric_statuses[metric_key] = MetricStatus.REGRESSION_DISMISSED.value
    if MetricStatus.REGRESSED.value not in phase.metric_statuses.values():
        set_status(phase, IN_PROGRESS, None)
        set_status(record.release, IN_PROGRESS, None)
        record.due, record.remaining = now + (record.remaining or 0), None


def stop(record: EnvironmentReleaseRecord, resolution: Resolution, now: int) -> None:
    """Stop a running release with ``resolution`` (an ended one does not change)."""
    release = record.release
    if not is_running(release):
        return
    index = release.current_phase_index
    if index is None and not resolution.all_phases:
        raise error(
            400,
            f"Release {release.id} is between phases: {resolution.value} needs a current phase; "
            f"use {Resolution.ROLL_FORWARD_ALL_PHASES.value} or {Resolution.ROLL_BACK_ALL_PHASES.value}",
        )
    for phase in release.phases:
        if phase.phase_index == index:
            if resolution.rolls_forward:
                end_phase(phase, COMPLETED, Reason.COMPLETED_MANUAL, now)
            else:
                end_phase(phase, REVERTED, Reason.REVERTED_MANUAL, now)
        elif phase.status == COMPLETED.value and resolution is Resolution.ROLL_BACK_ALL_PHASES:
            set_status(phase, REVERTED, Reason.REVERTED_MANUAL)
        elif phase.status == PENDING.value and resolution is Resolution.ROLL_FORWARD_ALL_PHASES:
            set_status(phase, COMPLETED, Reason.COMPLETED_MANUAL)
    if resolution.rolls_forward:
        finish(record, COMPLETED, Reason.COMPLETED_MANUAL, now)
    else:
        finish(record, REVERTED, Reason.REVERTED_MANUAL, now)
