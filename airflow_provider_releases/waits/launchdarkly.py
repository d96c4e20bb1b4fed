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
