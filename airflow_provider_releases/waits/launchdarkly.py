"""The wait for a phase of a LaunchDarkly flag release to complete; the pipeline helpers of its trigger."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from airflow_provider_releases.exceptions import InvalidParameterError
from airflow_provider_releases.hooks.launchdarkly import LaunchDarklyHook
from airflow_provider_releases.rules import launchdarkly as rules
from airflow_provider_releases.waits.base import ReleaseWait
from airflow_provider_releases.waits.outcome import Outcome, unreadable

if TYPE_CHECKING:
    from airflow_provider_releases.hooks.base import ReleasesBaseHook


@dataclass(frozen=True)
class LaunchDarklyReleasePhase(ReleaseWait[LaunchDarklyHook]):
    """
    The wait of :class:`~airflow_provider_releases.sensors.launchdarkly.LaunchDarklyReleasePhaseSensor`.

    While pending, the message says who must approve the phase, if anyone (:func:`approval_note`).
    """

    hook_class = LaunchDarklyHook

    project_key: str
    flag_key: str
    phase: str | int
    launchdarkly_conn_id: str = LaunchDarklyHook.default_conn_name

    @property
    def subject(self) -> str:
        return f"LaunchDarkly release of flag {self.flag_key!r} in project {self.project_key!r}"

    @property
    def waiting_for(self) -> str:
        return (
            f"phase {self.phase!r} of the LaunchDarkly release of flag {self.flag_key!r} "
            f"in project {self.project_key!r} to complete"
        )

    @property
    def not_found(self) -> str:
        return (
            "the flag has no release (or the flag or project does not exist), so phase "
            f"{self.phase!r} can never complete; attach the flag to a release pipeline first"
        )

    @property
    def read_key(self) -> tuple[Hashable, ...]:
        return ("flag release", self.project_key, self.flag_key)

    def read(self, hook: LaunchDarklyHook) -> Any:
        return hook.get_flag_release(self.project_key, self.flag_key)

    async def aread(self, hook: LaunchDarklyHook) -> Any:
        return await hook.aget_flag_release(self.project_key, self.flag_key)

    def judge(self, hook: ReleasesBaseHook, answer: Any) -> Outcome:
        subject, phase = self.subject, self.phase
        if answer is None:
            return Outcome.failed(
                f"{subject}: the flag has no release (LaunchDarkly answered with an empty body), so phase "
                f"{phase!r} can never complete; attach the flag to a release pipeline first."
            )
        if not isinstance(answer, dict) or not isinstance(answer.get("phases") or [], list):
            return unreadable(
                hook, subject, "LaunchDarkly answered with something that is not a release", answer
            )
        phases = release_phases(answer)
        try:
            index = rules.find_phase(phases, phase)
        except InvalidParameterError as exc:
            return Outcome.failed(f"{subject}: {exc}")
        canceled = rules.canceled_at(answer)
        if canceled:
            return self._canceled(rules.describe_moment(canceled), phases, index)
        if index is None:
            return Outcome.failed(f"{subject}: no phase matches {phase!r}; {_the_phases(phases)}.")
        found = phases[index]
        if rules.phase_is_complete(found):
            return Outcome.done(found)
        status = found.get("status")
        state = f" (status {status!r})" if status else ""
        label = rules.phase_label(found, index)
        approval = approval_note(found)
        return Outcome.pending(f"{subject}: phase {label} is not complete yet{state}.{approval}")

    def judge_progress(self, entry: ProgressEntry | None, phases: list[dict[str, Any]]) -> Outcome | None:
        """
        Return the outcome the flag's entry in its pipeline's releases list shows, or ``None`` when
        the entry cannot tell: no entry, an unknown phase, or no active phase (not started yet, or
        canceled: only the flag's own release tells).

        :param phases: the pipeline's phases in order (:func:`pipeline_phases`).
        """
        if entry is None:
            return None
        active, completed = entry
        try:
            target = rules.find_phase(phases, self.phase)
        except InvalidParameterError:
            return None
        if target is None:
            return None
        if completed:
            return Outcome.done(_completed(phases[target]))
        ids = [item["_id"] for item in phases]
        if active not in ids:
            return None
        at = ids.index(active)
        if at > target:
            return Outcome.done(_completed(phases[target]))
        label = rules.phase_label(phases[target], target)
        if at == target:
            approval = approval_note({**phases[target], "status": "active"})
            return Outcome.pending(
                f"{self.subject}: phase {label} is not complete yet (status 'active').{approval}"
            )
        now = rules.phase_label(phases[at], at)
        return Outcome.pending(f"{self.subject}: phase {label} is not complete yet (phase {now} is active).")

    def _canceled(self, when: str, phases: list[dict[str, Any]], index: int | None) -> Outcome:
        """A canceled release is an error, even after the awaited phase completed."""
        if index is None:
            never = f"phase {self.phase!r} will never complete"
            return Outcome.failed(f"{self.subject} was canceled at {when}; {never}.")
        label = rules.phase_label(phases[index], index)
        if rules.phase_is_complete(phases[index]):
            return Outcome.failed(
                f"{self.subject} was canceled at {when}, after phase {label} had completed; a canceled "
                "release is not treated as done."
            )
        return Outcome.failed(f"{self.subject} was canceled at {when}; phase {label} will never complete.")


def approval_note(phase: Mapping[str, Any]) -> str:
    """Say who must approve a phase that requires approval in LaunchDarkly; ``""`` if none."""
    audiences = rules.audiences_requiring_approval(phase)
    if not audiences:
        return ""
    moment = "complete" if rules.phase_is_started(phase) else "start"
    asks = "; and ".join(_approval_ask(audience) for audience in audiences)
    return f" It requires approval in LaunchDarkly: before the phase can {moment}, {asks}."


def _approval_ask(audience: Mapping[str, Any]) -> str:
    environment = audience.get("environment") if isinstance(audience.get("environment"), dict) else {}
    name, key = environment.get("name"), environment.get("key")
    if name and key and name != key:
        where = f"environment {name!r} ({key})"
    else:
        where = f"environment {name or key!r}" if name or key else "the audience's environment"
    ask = f"a LaunchDarkly member with approval rights in {where} must approve the change request"
    if audience.get("name"):
        ask += f" for audience {audience['name']!r}"
    configuration = audience["configuration"]
    notified = [
        f"{label} {', '.join(str(item) for item in configuration.get(field) or [])}"
        for label, field in (("teams", "notifyTeamKeys"), ("members", "notifyMemberIds"))
        if configuration.get(field)
    ]
    if notified:
        ask += f" (LaunchDarkly asks {' and '.join(notified)} to review it)"
    return ask


def release_phases(release: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The phases of a flag's release (the dicts only)."""
    return [item for item in release.get("phases") or [] if isinstance(item, dict)]


def release_pipeline_key(release: Any) -> str | None:
    """The key of the release pipeline a flag's release follows, when the answer names one."""
    key = release.get("releasePipelineKey") if isinstance(release, dict) else None
    return key if isinstance(key, str) and key else None


def active_phase_id(release: Any) -> str | None:
    """Return a release's active phase id as the pipeline's releases list names it, or ``None``."""
    if not isinstance(release, dict) or rules.canceled_at(release):
        return None
    for phase in release_phases(release):
        if rules.phase_is_started(phase) and not rules.phase_is_complete(phase):
            return phase.get("_id")
    return None


#: A flag's entry in its pipeline's releases list: its ``activePhaseId`` and ``_completedAt``.
ProgressEntry = tuple[Any, Any]
#: A phase wait in the triggerer reads its flag's own release at least every this many polls, by
#: default, even when its pipeline's releases list shows no change.
FLAG_READ_EVERY = 30

#: In a :data:`ProgressEntry` guessed from the flag's own release: a part that release cannot tell.
UNKNOWN: Any = object()


def pipeline_phases(pipeline: Any) -> list[dict[str, Any]]:
    """A release pipeline's phases in order, named as a release names its phases (``_id``, ``_name``)."""
    phases = pipeline.get("phases") if isinstance(pipeline, dict) else None
    return [
        {"_id": item.get("id"), "_name": item.get("name"), "audiences": item.get("audiences") or []}
        for item in phases or ()
        if isinstance(item, dict)
    ]


def index_pipelines(items: Any) -> dict[str, list[dict[str, Any]]]:
    """Index a project's release pipelines by key: each one's phases (:func:`pipeline_phases`)."""
    return {
        item["key"]: pipeline_phases(item)
        for item in items or ()
        if isinstance(item, dict) and isinstance(item.get("key"), str)
    }


#: The keys of a phase found complete from its pipeline's releases list (the trigger's ``done`` value).
COMPLETED_FROM_LIST = frozenset({"_id", "_name", "complete"})


def _completed(phase: Mapping[str, Any]) -> dict[str, Any]:
    """The value of a phase found complete from the pipeline's list: its id and name, complete."""
    return {"_id": phase["_id"], "_name": phase["_name"], "complete": True}


def index_progressions(items: Any) -> dict[str, ProgressEntry]:
    """Index a pipeline's releases list by flag key (:data:`ProgressEntry`)."""
    return {
        item["flagKey"]: (item.get("activePhaseId"), item.get("_completedAt"))
        for item in items or ()
        if isinstance(item, dict) and isinstance(item.get("flagKey"), str)
    }


def progress_changed(before: ProgressEntry | None, now: ProgressEntry | None) -> bool:
    """Whether a flag's release may have changed between two polls of its pipeline's releases list."""
    if now is None or before is None:
        return True
    return any(old is not UNKNOWN and old != new for old, new in zip(before, now, strict=True))


def check_launchdarkly_release_phase(
    hook: LaunchDarklyHook, project_key: str, flag_key: str, phase: str | int
) -> Outcome:
    """Check :class:`LaunchDarklyReleasePhase` once through ``hook``, blocking."""
    return LaunchDarklyReleasePhase(project_key, flag_key, phase, hook.conn_id).check(hook)


async def acheck_launchdarkly_release_phase(
    hook: LaunchDarklyHook,
    project_key: str,
    flag_key: str,
    phase: str | int,
    read: Callable[[], Awaitable[Any]] | None = None,
) -> Outcome:
    """Check :class:`LaunchDarklyReleasePhase` once through ``hook`` on the event loop."""
    judge = LaunchDarklyReleasePhase(project_key, flag_key, phase, hook.conn_id)
    return await judge.acheck(hook, read)


def _the_phases(phases: list[dict]) -> str:
    return f"the phases are: {rules.describe_phases(phases)}" if phases else "the release has no phases"


@dataclass(frozen=True)
class LaunchDarklyEnvironmentRelease(ReleaseWait[LaunchDarklyHook]):
    """
    The wait of :class:`~airflow_provider_releases.sensors.launchdarkly.LaunchDarklyEnvironmentReleaseSensor`.

    It reads the flag's releases in the environment, one read shared by every wait on them, and
    judges ``release_id`` (or the newest release) among them.
    """

    hook_class = LaunchDarklyHook

    project_key: str
    flag_key: str
    environment_key: str
    release_id: str | None = None
    phase_index: int | None = None
    fail_on_regression: bool = True
    launchdarkly_conn_id: str = LaunchDarklyHook.default_conn_name

    @property
    def _where(self) -> str:
        return rules.flag_in_environment(self.project_key, self.flag_key, self.environment_key)

    @property
    def subject(self) -> str:
        which = f"release {self.release_id}" if self.release_id else "latest release"
        return f"LaunchDarkly {which} of {self._where}"

    @property
    def waiting_for(self) -> str:
        part = "" if self.phase_index is None else f"phase {self.phase_index} of "
        return f"{part}{self.subject} to complete"

    @property
    def not_found(self) -> str:
        return "no such flag, environment or project in LaunchDarkly, so no release of it can complete"

    @property
    def read_key(self) -> tuple[Hashable, ...]:
        return ("environment releases", self.project_key, self.flag_key, self.environment_key)

    def read(self, hook: LaunchDarklyHook) -> Any:
        return list(hook.list_environment_releases(self.project_key, self.flag_key, self.environment_key))

    async def aread(self, hook: LaunchDarklyHook) -> Any:
        return await hook.alist_environment_releases(self.project_key, self.flag_key, self.environment_key)

    def judge(self, hook: ReleasesBaseHook, answer: Any) -> Outcome:
        if not isinstance(answer, list):
            return unreadable(
                hook, self.subject, "LaunchDarkly answered with something that is not a list", answer
            )
        release = self._pick([item for item in answer if isinstance(item, dict)])
        if isinstance(release, Outcome):
            return release
        status = rules.release_status(release)
        if status is None:
            return unreadable(hook, self.subject, "the release has no status this provider knows", release)
        named = f"LaunchDarkly {rules.describe_environment_release(release)} of {self._where}"
        phase = None
        if self.phase_index is not None:
            phase = release_phase(release, self.phase_index)
            if phase is None:
                count = len(release.get("phases") or [])
                return Outcome.failed(f"{named} has {count} phase(s): there is no phase {self.phase_index}.")
        reason = rules.status_reason(release)
        said = release.get("statusReason") if isinstance(release.get("statusReason"), str) else None
        if status is rules.EnvironmentReleaseStatus.REVERTED:
            return Outcome.failed(f"{named} was reverted: {reverted_because(release, reason)}", reason=said)
        awaited = release if phase is None else phase
        if rules.release_status(awaited) is rules.EnvironmentReleaseStatus.COMPLETED:
            return Outcome.done(release)
        regression = reason is rules.EnvironmentReleaseStatusReason.WAITING_REGRESSION_DETECTED
        if regression and self.fail_on_regression:
            return Outcome.failed(
                f"{named} is paused on a regression of {metrics_named(release)}, and fail_on_regression is"
                " set. Dismiss the regression or stop the release in LaunchDarkly, then clear the task.",
                reason=said,
            )
        if status is rules.EnvironmentReleaseStatus.COMPLETED:  # ended without the awaited phase
            return Outcome.failed(f"{named} completed, but phase {self.phase_index} did not.")
        return Outcome.pending(f"{named}: {progress(release, reason)}", reason=said)

    def _pick(self, releases: list[dict[str, Any]]) -> dict[str, Any] | Outcome:
        where = f"flag {self.flag_key!r} in environment {self.environment_key!r}"
        if self.release_id is None:
            if not releases:
                return Outcome.failed(f"{self.subject}: {where} has no environment release; start one first.")
            return releases[0]
        for release in releases:
            if release.get("id") == self.release_id:
                return release
        return Outcome.failed(
            f"{self.subject}: {where} has no release {self.release_id!r} (a release that ended over 90 days "
            "ago is no longer listed)."
        )


def release_phase(release: Mapping[str, Any], index: int) -> dict[str, Any] | None:
    """The release's phase of ``phaseIndex`` ``index`` (else at that position), or ``None``."""
    phases = [phase for phase in release.get("phases") or [] if isinstance(phase, dict)]
    for phase in phases:
        if phase.get("phaseIndex") == index:
            return phase
    return phases[index] if 0 <= index < len(phases) and "phaseIndex" not in phases[index] else None


def metrics_named(release: Mapping[str, Any]) -> str:
    """The regressed metrics of every phase (``metricStatuses``), for messages."""
    found = sorted({key for phase in release.get("phases") or [] for key in rules.regressed_metrics(phase)})
    return "metric(s) " + ", ".join(map(repr, found)) if found else "a metric (LaunchDarkly named none)"


def reverted_because(release: Mapping[str, Any], reason: rules.EnvironmentReleaseStatusReason | None) -> str:
    """Why a release reverted, said to a release manager."""
    reasons = rules.EnvironmentReleaseStatusReason
    if reason is reasons.REVERTED_REGRESSION_DETECTED:
        return (
            f"LaunchDarkly detected a regression of {metrics_named(release)} (reverted_regression_detected)."
        )
    if reason is reasons.REVERTED_MANUAL:
        return "a member rolled it back in LaunchDarkly (reverted_manual)."
    if reason is reasons.REVERTED_DISCARDED:
        return "the flag changed underneath it (turned off, archived or deleted) (reverted_discarded)."
    if reason is reasons.REVERTED_INSUFFICIENT_DATA:
        return "its metrics did not receive enough data to judge it (reverted_insufficient_data)."
    return f"status reason {release.get('statusReason')!r}."


def progress(release: Mapping[str, Any], reason: rules.EnvironmentReleaseStatusReason | None) -> str:
    """Where a running release stands, for a release manager: phase, step, allocation, who must act."""
    phases = [phase for phase in release.get("phases") or [] if isinstance(phase, dict)]
    current = release.get("currentPhaseIndex")
    done = sum(rules.release_status(phase) is rules.EnvironmentReleaseStatus.COMPLETED for phase in phases)
    if reason is rules.EnvironmentReleaseStatusReason.WAITING_PHASE_ENDED:
        return (
            f"phase {done} of {len(phases)} is complete, and the release waits for someone to advance it to"
            " the next phase in LaunchDarkly (its advancement mode is manual)."
        )
    if reason is rules.EnvironmentReleaseStatusReason.WAITING_REGRESSION_DETECTED:
        return (
            f"paused on a regression of {metrics_named(release)}; someone must dismiss the regression or"
            " stop the release in LaunchDarkly."
        )
    phase = release_phase(release, current) if isinstance(current, int) else None
    if phase is None:
        if done:
            return f"between phases: {done} of {len(phases)} complete (status {release.get('status')!r})."
        return f"no phase has started yet (status {release.get('status')!r})."
    steps = [step for step in phase.get("steps") or [] if isinstance(step, dict)]
    step_index = phase.get("currentStepIndex")
    step = steps[step_index] if isinstance(step_index, int) and 0 <= step_index < len(steps) else None
    where = f"phase {current + 1} of {len(phases)}"
    if phase.get("description"):
        where += f" ({phase['description']!r})"
    if step is None:
        return f"{where}, no step started yet (status {phase.get('status')!r})."
    share = rules.allocation_percent(step.get("allocation"))
    return (
        f"{where}, step {step_index + 1} of {len(steps)}: the target variation reaches {share} of the"
        f" phase's contexts (status {release.get('status')!r})."
    )
