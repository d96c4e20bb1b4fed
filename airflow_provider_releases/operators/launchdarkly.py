"""LaunchDarkly operators: attach a flag to a release pipeline, start a phase of its release."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import Enum
from typing import TYPE_CHECKING, Any

from airflow_provider_releases.assets import launchdarkly_flag_asset
from airflow_provider_releases.exceptions import ReleasesApiNotFoundError, ReleaseStateError, ReleaseStepError
from airflow_provider_releases.hooks.launchdarkly import LaunchDarklyHook
from airflow_provider_releases.links.launchdarkly import LaunchDarklyFlagLink
from airflow_provider_releases.milestones import MilestoneAction, launchdarkly_release
from airflow_provider_releases.operators.base import ReleasesBaseOperator
from airflow_provider_releases.rules import launchdarkly as rules
from airflow_provider_releases.utils import validation as check

if TYPE_CHECKING:
    from airflow.sdk import Asset, Context

#: A project, flag or pipeline key.
KEY = check.Param(rules.key)


class ExistingRelease(str, Enum):
    """What the attach step does with a flag release made for an earlier version (``existing_release``)."""

    FAIL = "fail"  #: fail at once, naming the release and the ways out
    RESTART = "restart"  #: delete it and attach the flag anew: its phases start over
    REUSE = "reuse"  #: adopt it as this version's release, with a warning


#: The values ``existing_release`` accepts.
EXISTING_RELEASE_CHOICES = tuple(choice.value for choice in ExistingRelease)


class LaunchDarklyBaseOperator(ReleasesBaseOperator):
    """Shared parts of the LaunchDarkly operators: the hook, the flag and its page as extra link."""

    hook_class = LaunchDarklyHook
    operator_extra_links = (LaunchDarklyFlagLink(),)
    parameters = {"project_key": KEY, "flag_key": KEY}

    def __init__(
        self,
        *,
        project_key: str,
        flag_key: str,
        launchdarkly_conn_id: str = LaunchDarklyHook.default_conn_name,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.project_key = project_key
        self.flag_key = flag_key
        self.launchdarkly_conn_id = launchdarkly_conn_id

    def get_release(self) -> dict[str, Any] | None:
        """Return the flag's current release, or ``None`` when it has none (HTTP 404)."""
        try:
            return self.hook.get_flag_release(self.project_key, self.flag_key)
        except ReleasesApiNotFoundError:
            return None

    def target_asset(self, result: Any) -> Asset | None:
        """``launchdarkly://<project>/<flag>``: the flag this task names (rendered)."""
        return launchdarkly_flag_asset(self.project_key, self.flag_key)

    def flag_milestone(self, action: MilestoneAction, **fields: Any) -> dict[str, Any]:
        """The milestone of the flag's release, with the flag's page (the extra link's) as ``url``."""
        return launchdarkly_release(
            action,
            project_key=self.project_key,
            flag_key=self.flag_key,
            url=self.hook.flag_url(self.project_key, self.flag_key),
            **fields,
        )


class LaunchDarklyAttachFlagToPipelineOperator(LaunchDarklyBaseOperator):
    """
    Attach a boolean flag to a release pipeline (create the flag's release) and return the release.

    Idempotent: a release already on ``release_pipeline_key`` is returned and nothing is sent. A
    flag has one release at a time and LaunchDarkly keeps no version on it: a release made before
    ``version_started_at`` (or, without it, a finished one) is an earlier version's, and
    ``existing_release`` decides what happens to it.

    :param project_key: the project's key (templated).
    :param flag_key: the flag's key (templated).
    :param release_pipeline_key: the release pipeline's key (templated).
    :param release_variation_id: the variation to release, if not the pipeline's default (templated).
    :param replace_existing: move the flag from another pipeline (deleting its release there)
        instead of failing.
    :param existing_release: for an earlier version's release: ``"fail"`` (default), ``"restart"``
        (delete it and attach anew) or ``"reuse"`` (adopt it, with a warning) (templated).
    :param version_started_at: when this version's release began, a datetime or ISO 8601 time (templated).
    :param launchdarkly_conn_id: the LaunchDarkly connection (templated).
    :param dry_run: look the current release up, then return the request that would change it.
    :raises ReleasePermanentError: the flag is on another pipeline and ``replace_existing`` is
        false, or its release is an earlier version's and ``existing_release`` is ``"fail"``.
    :raises ReleaseStepError: the old release was deleted but creating the new one failed.
    """

    template_fields: Sequence[str] = (
        "project_key",
        "flag_key",
        "release_pipeline_key",
        "release_variation_id",
        "existing_release",
        "version_started_at",
        "launchdarkly_conn_id",
    )
    parameters = {
        **LaunchDarklyBaseOperator.parameters,
        "release_pipeline_key": KEY,
        "release_variation_id": check.Param(check.text, optional=True),
        "existing_release": check.Param(
            lambda param, value: check.choice(param, value, EXISTING_RELEASE_CHOICES), names=False
        ),
        "version_started_at": check.Param(
            lambda param, value: value == "" or check.utc_datetime(param, value), names=False, optional=True
        ),
    }

    def __init__(
        self,
        *,
        project_key: str,
        flag_key: str,
        release_pipeline_key: str,
        release_variation_id: str | None = None,
        replace_existing: bool = False,
        existing_release: str = ExistingRelease.FAIL.value,
        version_started_at: Any = None,
        launchdarkly_conn_id: str = LaunchDarklyHook.default_conn_name,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            project_key=project_key, flag_key=flag_key, launchdarkly_conn_id=launchdarkly_conn_id, **kwargs
        )
        self.release_pipeline_key = release_pipeline_key
        self.release_variation_id = release_variation_id
        with check.naming_task(self):
            self.replace_existing = check.boolean("replace_existing", replace_existing)
        self.existing_release = existing_release
        self.version_started_at = version_started_at
        self.check_parameters(rendered=False)

    def run(self, context: Context) -> dict[str, Any]:
        hook = self.hook
        flag_url = hook.flag_url(self.project_key, self.flag_key)
        flag = self._flag()
        current = self.get_release()
        current_pipeline = (current or {}).get("releasePipelineKey")
        earlier = self._made_earlier(current) if current_pipeline == self.release_pipeline_key else None
        if earlier is not None:
            return self._handle_earlier_release(context, current, earlier)
        if current is not None and current_pipeline == self.release_pipeline_key:
            self.log.info(
                "LaunchDarkly %s is already on release pipeline %r: returning its release unchanged.",
                flag,
                self.release_pipeline_key,
            )
            wanted, has = self.release_variation_id, current.get("_releaseVariationId")
            if wanted is not None and has is not None and wanted != has:
                self.log.warning(
                    "The existing release releases variation %r, not the requested %r; it was not changed.",
                    has,
                    wanted,
                )
            self.push_url(context, flag_url)
            return current
        if current is not None:
            if not self.replace_existing:
                raise ReleaseStateError(
                    f"LaunchDarkly {flag} is already on release pipeline {current_pipeline!r}, not on the "
                    f"requested pipeline {self.release_pipeline_key!r}. Set replace_existing=True to "
                    f"remove it from {current_pipeline!r} and attach it to {self.release_pipeline_key!r}."
                )
            self.log.info(
                "Removing LaunchDarkly %s from release pipeline %r to attach it to %r.",
                flag,
                current_pipeline,
                self.release_pipeline_key,
            )
            release = self._replace(current_pipeline)
        else:
            release = self._create()
        self.log.info("Attached LaunchDarkly %s to release pipeline %r.", flag, self.release_pipeline_key)
        self.push_url(context, flag_url)
        return release

    def milestone(self, result: dict[str, Any], context: Context) -> dict[str, Any]:
        """``attached``: the flag and the pipeline its release is on."""
        pipeline = result.get("releasePipelineKey") or self.release_pipeline_key
        return self.flag_milestone(MilestoneAction.ATTACHED, release_pipeline_key=pipeline)

    def _flag(self) -> str:
        return f"flag {self.flag_key!r} of project {self.project_key!r}"

    def _made_earlier(self, current: dict[str, Any] | None) -> str | None:
        """Describe ``current`` if an earlier version made it, else ``None``."""
        if current is None:
            return None
        where = f"the release of LaunchDarkly {self._flag()} on pipeline {self.release_pipeline_key!r}"
        if self.version_started_at in (None, ""):
            if rules.release_finished_ms(current) is None:
                return None
            return (
                f"{where} {self._end_state(current)}, and nothing says it was made for this version "
                "(version_started_at is not set), so it is taken for an earlier version's"
            )
        since = check.utc_datetime("version_started_at", self.version_started_at)
        created = rules.release_created_ms(current)
        if created is None:
            self.log.warning("%s has no creation date: taking it as this version's release.", where)
            return None
        if created >= since.timestamp() * 1000:
            return None
        return (
            f"{where} was made {rules.describe_moment(created)}, before this version's release began "
            f"({since.strftime('%Y-%m-%d %H:%M:%S UTC')}), so it was made for an earlier version; it "
            f"{self._end_state(current)}"
        )

    @staticmethod
    def _end_state(release: dict[str, Any]) -> str:
        finished = rules.release_finished_ms(release)
        if rules.canceled_at(release):
            state = f"was canceled {rules.describe_moment(finished)}"
        elif finished is not None:
            state = f"finished {rules.describe_moment(finished) if finished else '(no completion date)'}"
        else:
            state = "is still under way"
        return f"{state} (phases: {rules.describe_phases(release.get('phases') or [])})"

    def _handle_earlier_release(
        self, context: Context, current: dict[str, Any], earlier: str
    ) -> dict[str, Any]:
        choice = ExistingRelease(self.existing_release)
        if choice is ExistingRelease.FAIL:
            raise ReleaseStateError(
                f"Not attaching: {earlier}. Set existing_release='restart' to delete that release and "
                "attach the flag anew (its phases start over), or existing_release='reuse' to take it as "
                "this version's release."
            )
        if choice is ExistingRelease.REUSE:
            self.log.warning("Reusing it, as existing_release='reuse' says: %s.", earlier)
            self.push_url(context, self.hook.flag_url(self.project_key, self.flag_key))
            return current
        self.log.info("Restarting it, as existing_release='restart' says: %s.", earlier)
        release = self._replace(self.release_pipeline_key)
        self.log.info(
            "Attached LaunchDarkly %s to release pipeline %r anew.", self._flag(), self.release_pipeline_key
        )
        self.push_url(context, self.hook.flag_url(self.project_key, self.flag_key))
        return release

    def _replace(self, current_pipeline: str | None) -> dict[str, Any]:
        try:
            self.hook.delete_flag_release(self.project_key, self.flag_key)
        except ReleasesApiNotFoundError:
            self.log.info("The flag's release was already gone.")
        try:
            return self._create()
        except Exception as exc:
            raise ReleaseStepError(
                f"Deleted the release of LaunchDarkly {self._flag()} on pipeline {current_pipeline!r}, but "
                f"creating its release on pipeline {self.release_pipeline_key!r} failed, so the flag "
                f"is now on no release pipeline: {exc}",
                done=[f"deleted the flag's release on pipeline {current_pipeline!r}"],
            ) from exc

    def _create(self) -> dict[str, Any]:
        return self.hook.create_flag_release(
            self.project_key, self.flag_key, self.release_pipeline_key, self.release_variation_id
        )

    def dry_run_follow_up(self, request: Mapping[str, Any]) -> list[str]:
        """After deleting the release on another pipeline, the operator would create the new one."""
        if request.get("method") == "DELETE":
            path = f"/api/v2/projects/{self.project_key}/flags/{self.flag_key}/release"
            return [
                f"create the flag's release on pipeline {self.release_pipeline_key!r} "
                f"(PUT {self.hook.base_url}{path})"
            ]
        return []


class LaunchDarklyStartPhaseOperator(LaunchDarklyBaseOperator):
    """
    Start a phase of a flag's release and return the phase.

    Starting a phase completes the one before it; a phase already started or complete is returned
    unchanged and nothing is sent.

    :param project_key: the project's key (templated).
    :param flag_key: the flag's key (templated).
    :param phase: the phase's name, id or 0-based position; digits are a position only when no
        phase has that name or id (templated).
    :param status: ``"active"`` or ``"Started"`` (both documented by LaunchDarkly) (templated).
    :param audiences: per-audience settings needed to start the phase, each a dict with
        ``audienceId`` (templated).
    :param launchdarkly_conn_id: the LaunchDarkly connection (templated).
    :param dry_run: read the release, then return the request that would start the phase.
    :raises ReleasePermanentError: the phase is unknown or ambiguous, or the flag has no release.
    """

    template_fields: Sequence[str] = (
        "project_key",
        "flag_key",
        "phase",
        "status",
        "audiences",
        "launchdarkly_conn_id",
    )
    template_fields_renderers = {"audiences": "json"}
    parameters = {
        **LaunchDarklyBaseOperator.parameters,
        "phase": check.Param(lambda _param, value: rules.phase_ref(value)),
        "status": check.Param(lambda _param, value: rules.phase_start_status(value), names=False),
        "audiences": check.Param(lambda _param, value: rules.audiences(value), names=False, optional=True),
    }

    def __init__(
        self,
        *,
        project_key: str,
        flag_key: str,
        phase: str | int,
        status: str = "active",
        audiences: list[dict[str, Any]] | None = None,
        launchdarkly_conn_id: str = LaunchDarklyHook.default_conn_name,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            project_key=project_key, flag_key=flag_key, launchdarkly_conn_id=launchdarkly_conn_id, **kwargs
        )
        self.phase = phase
        self.status = status
        self.audiences = audiences
        self.check_parameters(rendered=False)

    def run(self, context: Context) -> dict[str, Any]:
        hook = self.hook
        flag_url = hook.flag_url(self.project_key, self.flag_key)
        release = self.get_release()
        if release is None:
            raise ReleaseStateError(
                f"LaunchDarkly flag {self.flag_key!r} of project {self.project_key!r} has no release: "
                "attach it to a release pipeline first (LaunchDarklyAttachFlagToPipelineOperator)."
            )
        self._pipeline_key = release.get("releasePipelineKey")  # for the milestone
        phases = release.get("phases") or []
        phase = rules.resolve_phase(phases, self.phase)
        label = f"phase {phase.get('_name')!r} ({phase.get('_id')})"
        if rules.phase_is_started(phase):
            state = "complete" if phase.get("complete") is True else "already started"
            self.log.info("LaunchDarkly %s is %s: returning it unchanged.", label, state)
            self.push_url(context, flag_url)
            return phase
        answer = hook.update_phase_status(
            self.project_key, self.flag_key, phase["_id"], status=self.status, audiences=self.audiences
        )
        self.log.info("Started LaunchDarkly %s of flag %r.", label, self.flag_key)
        self.push_url(context, flag_url)
        for updated in (answer or {}).get("phases") or []:
            if isinstance(updated, dict) and updated.get("_id") == phase["_id"]:
                return updated
        return {**phase, "status": self.status}

    def milestone(self, result: dict[str, Any], context: Context) -> dict[str, Any]:
        """``phase_started`` (also when it had started before): the phase, the flag and its pipeline."""
        pipeline = getattr(self, "_pipeline_key", None)
        return self.flag_milestone(MilestoneAction.PHASE_STARTED, release_pipeline_key=pipeline, phase=result)


#: The environment-release operators live in ``operators.launchdarkly_environment`` (which builds on
#: this module); they are importable from here too, like every LaunchDarkly operator.
_ENVIRONMENT_RELEASE_OPERATORS = frozenset(
    {"LaunchDarklyStartEnvironmentReleaseOperator", "LaunchDarklyStopEnvironmentReleaseOperator"}
)


def __getattr__(name: str) -> Any:
    if name in _ENVIRONMENT_RELEASE_OPERATORS:
        from airflow_provider_releases.operators import launchdarkly_environment

        return getattr(launchdarkly_environment, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
