"""LaunchDarkly environment-release operators: start a progressive or guarded release of a flag, stop one."""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from contextlib import nullcontext
from typing import TYPE_CHECKING, Any

from airflow_provider_releases.assets import launchdarkly_flag_asset
from airflow_provider_releases.exceptions import ReleasesApiError, ReleaseStateError
from airflow_provider_releases.hooks.launchdarkly import LaunchDarklyHook
from airflow_provider_releases.links.launchdarkly import LaunchDarklyEnvironmentReleaseLink
from airflow_provider_releases.milestones import MilestoneAction, launchdarkly_environment_release
from airflow_provider_releases.operators.launchdarkly import KEY, LaunchDarklyBaseOperator
from airflow_provider_releases.rules import launchdarkly as rules
from airflow_provider_releases.rules import launchdarkly_environment as environment_rules
from airflow_provider_releases.utils import validation as check

if TYPE_CHECKING:
    from airflow.sdk import Asset, Context

#: The settings of a start besides the variations: the parameters of ``release_settings``.
SETTINGS = tuple(inspect.signature(environment_rules.release_settings).parameters)


def _variation(param: str, value: Any) -> Any:
    """A variation is given by its value (any JSON value) or its ``_id``: anything but nothing."""
    return check.given(param, value)


class LaunchDarklyEnvironmentBaseOperator(LaunchDarklyBaseOperator):
    """Shared parts of the environment-release operators: the environment, the release's page, milestones."""

    operator_extra_links = (LaunchDarklyEnvironmentReleaseLink(),)
    parameters = {**LaunchDarklyBaseOperator.parameters, "environment_key": KEY}

    def __init__(self, *, environment_key: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.environment_key = environment_key

    def where(self) -> str:
        """``flag 'f' in environment 'production' of project 'p'``, for messages."""
        return rules.flag_in_environment(self.project_key, self.flag_key, self.environment_key)

    def releases(self) -> list[dict[str, Any]]:
        """The flag's environment releases in the environment, newest first."""
        listed = self.hook.list_environment_releases(self.project_key, self.flag_key, self.environment_key)
        return [item for item in listed if isinstance(item, dict)]

    def push_release_url(self, context: Context) -> None:
        """Push the flag's page in the environment for the extra link."""
        url = self.hook.environment_release_url(self.project_key, self.flag_key, self.environment_key)
        self.push_url(context, url)

    def release_milestone(self, action: MilestoneAction, release: dict[str, Any]) -> dict[str, Any]:
        """The milestone of ``release``, with the flag's page in the environment as ``url``."""
        return launchdarkly_environment_release(
            action,
            release,
            project_key=self.project_key,
            flag_key=self.flag_key,
            environment_key=self.environment_key,
            url=self.hook.environment_release_url(self.project_key, self.flag_key, self.environment_key),
        )

    def approvals_required(self, said: str, action: str) -> ReleaseStateError:
        """The error of a start or stop refused with 405: the environment requires approvals."""
        return ReleaseStateError(
            f"{said} Environment {self.environment_key!r} requires approvals for changes: {action} the"
            " release through an approval request in LaunchDarkly, or use an access token granted"
            " bypassRequiredApproval."
        )

    def target_asset(self, result: Any) -> Asset | None:
        """``launchdarkly://<project>/<flag>?environment=<env>``: the flag's releases there (rendered)."""
        return launchdarkly_flag_asset(self.project_key, self.flag_key, self.environment_key)


def is_running(release: dict[str, Any]) -> bool:
    """Whether a release has not ended (an unknown status counts as running)."""
    status = rules.release_status(release)
    return status is None or not status.is_terminal


class LaunchDarklyStartEnvironmentReleaseOperator(LaunchDarklyEnvironmentBaseOperator):
    """
    Start a progressive or guarded environment release of a flag, inline or from a release plan; return it.

    Start is not idempotent at LaunchDarkly: when a retry or a re-run meets ``release_already_active``,
    the flag's running release is adopted if it releases the same target variation, and the task
    fails at once naming it otherwise; a second release is never started. A flag that is off, an
    environment that requires approvals, release plans not available to the account and failing
    health checks fail at once, saying what to do.

    :param project_key: the project's key (templated).
    :param flag_key: the flag's key (templated).
    :param environment_key: the environment's key (templated).
    :param target_variation: the variation to release: its value (``True`` for a boolean flag) or
        its ``_id`` (templated).
    :param original_variation: the variation the release starts from, by value or ``_id`` (templated).
    :param release_plan_key: start from this environment release plan instead of inline settings (templated).
    :param phases: inline phases: each ``{"clauses": [...], "steps": [{"allocation", "durationMillis"}]}``
        (or ``"ruleId"`` for a single phase); allocations in thousandths of a percent (templated).
    :param metrics: metric keys to guard the release with (a guarded release: steps of 50% at
        most); none: a progressive release (templated).
    :param advancement_mode: ``"manual"`` or ``"automatic"``; required with more than one phase (templated).
    :param randomization_unit: the context kind, such as ``"user"``; required inline (templated).
    :param cleanup_behavior: ``"leave_rules_in_place"`` (LaunchDarkly's default) or
        ``"remove_rules_and_update_default_rule"`` (templated).
    :param before_rule_id: insert the release's rules before this rule (templated).
    :param bypass_health_checks: health check kinds allowed to fail, such as
        ``["flag_evaluations_with_context"]`` (templated).
    :param comment: written to the flag's audit log (templated).
    :param launchdarkly_conn_id: the LaunchDarkly connection (templated).
    :param dry_run: read the flag, then return the request that would start the release.
    """

    template_fields: Sequence[str] = (
        "project_key",
        "flag_key",
        "environment_key",
        "target_variation",
        "original_variation",
        *SETTINGS,
        "launchdarkly_conn_id",
    )
    template_fields_renderers = {"phases": "json", "metrics": "json"}
    parameters = {
        **LaunchDarklyEnvironmentBaseOperator.parameters,
        "target_variation": check.Param(_variation, names=False),
        "original_variation": check.Param(_variation, names=False),
        "release_plan_key": check.Param(rules.key, optional=True),
    }

    def __init__(
        self,
        *,
        project_key: str,
        flag_key: str,
        environment_key: str,
        target_variation: Any,
        original_variation: Any,
        release_plan_key: str | None = None,
        phases: list[dict[str, Any]] | None = None,
        metrics: list[str | dict[str, Any]] | None = None,
        advancement_mode: str | None = None,
        randomization_unit: str | None = None,
        cleanup_behavior: str | None = None,
        before_rule_id: str | None = None,
        bypass_health_checks: list[str] | None = None,
        comment: str | None = None,
        launchdarkly_conn_id: str = LaunchDarklyHook.default_conn_name,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            project_key=project_key,
            flag_key=flag_key,
            environment_key=environment_key,
            launchdarkly_conn_id=launchdarkly_conn_id,
            **kwargs,
        )
        self.target_variation = target_variation
        self.original_variation = original_variation
        self.release_plan_key = release_plan_key
        self.phases = phases
        self.metrics = metrics
        self.advancement_mode = advancement_mode
        self.randomization_unit = randomization_unit
        self.cleanup_behavior = cleanup_behavior
        self.before_rule_id = before_rule_id
        self.bypass_health_checks = bypass_health_checks
        self.comment = comment
        self.check_parameters(rendered=False)

    def settings(self) -> dict[str, Any]:
        """The start's settings besides the variations, by ``release_settings``'s parameter names."""
        return {name: getattr(self, name) for name in SETTINGS}

    def check_parameters(self, *, rendered: bool) -> None:
        """Check each parameter, then the settings together (at parse time when none is templated)."""
        super().check_parameters(rendered=rendered)
        settings = self.settings()
        if rendered or not any(check.is_deferred(value) for value in settings.values()):
            with nullcontext() if rendered else check.naming_task(self):
                environment_rules.release_settings(**settings)

    def run(self, context: Context) -> dict[str, Any]:
        flag = self.hook.get_flag(self.project_key, self.flag_key)
        variations = flag.get("variations") if isinstance(flag, dict) else None
        target = environment_rules.variation_id(
            "target_variation", self.target_variation, variations, self.flag_key
        )
        original = environment_rules.variation_id(
            "original_variation", self.original_variation, variations, self.flag_key
        )
        try:
            release = self.hook.start_environment_release(
                self.project_key,
                self.flag_key,
                self.environment_key,
                target_variation_id=target,
                original_variation_id=original,
                **self.settings(),
            )
            self.log.info(
                "Started LaunchDarkly %s on %s.", rules.describe_environment_release(release), self.where()
            )
        except ReleasesApiError as exc:
            release = self._after_refusal(exc, target)
        self.push_release_url(context)
        return release

    def _after_refusal(self, exc: ReleasesApiError, target: str) -> dict[str, Any]:
        """Adopt our own running release, or raise what the refusal means and what to do about it."""
        said = f"LaunchDarkly refused to start a release of {self.where()}: {exc}"
        if exc.status == 409 and exc.code == rules.RELEASE_ALREADY_ACTIVE:
            return self._adopt(target, said)
        if exc.status == 409:
            raise ReleaseStateError(
                f"{said} The flag must be on in environment {self.environment_key!r} to release it: turn"
                " its targeting on in LaunchDarkly."
            ) from exc
        if exc.status == 405:
            raise self.approvals_required(said, "start") from exc
        if exc.status == 422:
            raise ReleaseStateError(
                f"{said} Environment release plans are not available to this LaunchDarkly account yet:"
                " configure the release inline (phases, randomization_unit, metrics) instead of"
                " release_plan_key."
            ) from exc
        if exc.status == 400 and exc.code == rules.HEALTH_CHECKS_FAILED:
            failing = [
                item.get("kind")
                for item in (exc.details or {}).get("failingChecks") or []
                if isinstance(item, dict) and item.get("kind")
            ]
            named = ", ".join(map(repr, failing)) or "(LaunchDarkly named none)"
            raise ReleaseStateError(
                f"{said} Failing health checks: {named}. Let the flag (and the metrics) receive"
                f" evaluations and events first, or start anyway with bypass_health_checks={failing!r}."
            ) from exc
        raise

    def _adopt(self, target: str, said: str) -> dict[str, Any]:
        running = [release for release in self.releases() if is_running(release)]
        if not running:
            raise ReleaseStateError(
                f"{said} But no running release is listed now: it may have just ended. Check the flag in"
                " LaunchDarkly, then clear the task."
            )
        release = running[0]
        if release.get("targetVariationId") != target:
            raise ReleaseStateError(
                f"{said} The running {rules.describe_environment_release(release)} releases variation"
                f" {release.get('targetVariationId')!r}, not {target!r}: stop it (or wait for it to end),"
                " then clear the task. A second release was not started."
            )
        self.log.warning(
            "LaunchDarkly already runs %s of the same target variation on %s: adopting it (an earlier"
            " try may have started it); no second release was started.",
            rules.describe_environment_release(release),
            self.where(),
        )
        return release

    def milestone(self, result: dict[str, Any], context: Context) -> dict[str, Any]:
        """``release_started``: the release's id, kind and status."""
        return self.release_milestone(MilestoneAction.RELEASE_STARTED, result)


class LaunchDarklyStopEnvironmentReleaseOperator(LaunchDarklyEnvironmentBaseOperator):
    """
    Stop a flag's environment release, resolving its phases as ``resolution`` says; return the release.

    A release that already ended is returned as it is, logged, and nothing is sent.

    :param project_key: the project's key (templated).
    :param flag_key: the flag's key (templated).
    :param environment_key: the environment's key (templated).
    :param resolution: ``"roll_forward_all_phases"``,
        ``"roll_forward_current_phase_and_remove_pending_phases"``,
        ``"roll_back_all_phases_and_remove_pending_phases"`` or
        ``"roll_back_current_phase_and_remove_pending_phases"`` (templated).
    :param release_id: the release's id; ``None``: the flag's running release there (templated).
    :param comment: written to the flag's audit log (templated).
    :param launchdarkly_conn_id: the LaunchDarkly connection (templated).
    :param dry_run: read the release, then return the request that would stop it.
    """

    template_fields: Sequence[str] = (
        "project_key",
        "flag_key",
        "environment_key",
        "resolution",
        "release_id",
        "comment",
        "launchdarkly_conn_id",
    )
    parameters = {
        **LaunchDarklyEnvironmentBaseOperator.parameters,
        "resolution": check.Param(
            lambda param, value: rules.enum_value(param, value, rules.EnvironmentReleaseResolution),
            names=False,
        ),
        "release_id": check.Param(rules.key, optional=True),
        "comment": check.Param(check.text, names=False, optional=True),
    }

    def __init__(
        self,
        *,
        project_key: str,
        flag_key: str,
        environment_key: str,
        resolution: str,
        release_id: str | None = None,
        comment: str | None = None,
        launchdarkly_conn_id: str = LaunchDarklyHook.default_conn_name,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            project_key=project_key,
            flag_key=flag_key,
            environment_key=environment_key,
            launchdarkly_conn_id=launchdarkly_conn_id,
            **kwargs,
        )
        self.resolution = resolution
        self.release_id = release_id
        self.comment = comment
        self.check_parameters(rendered=False)

    def run(self, context: Context) -> dict[str, Any]:
        release = self._release()
        if not is_running(release):
            self.log.info(
                "LaunchDarkly %s on %s has already ended: nothing to stop; returning it.",
                rules.describe_environment_release(release),
                self.where(),
            )
            self.push_release_url(context)
            return release
        try:
            stopped = self.hook.stop_environment_release(
                self.project_key,
                self.flag_key,
                self.environment_key,
                release["id"],
                self.resolution,
                comment=self.comment,
            )
        except ReleasesApiError as exc:
            if exc.status != 405:
                raise
            said = f"LaunchDarkly refused to stop the release of {self.where()}: {exc}"
            raise self.approvals_required(said, "stop") from exc
        self.log.info(
            "Stopped LaunchDarkly %s on %s with resolution %r.",
            rules.describe_environment_release(stopped),
            self.where(),
            self.resolution,
        )
        self.push_release_url(context)
        return stopped

    def _release(self) -> dict[str, Any]:
        if self.release_id is not None:
            return self.hook.get_environment_release(
                self.project_key, self.flag_key, self.environment_key, self.release_id
            )
        releases = self.releases()
        running = [release for release in releases if is_running(release)]
        if running:
            return running[0]
        if releases:
            return releases[0]
        raise ReleaseStateError(
            f"LaunchDarkly {self.where()} has no environment release to stop; give the release_id of one"
            " that ended within 90 days, or start one first."
        )

    def milestone(self, result: dict[str, Any], context: Context) -> dict[str, Any]:
        """``release_stopped``: the release's id, kind and status after the stop."""
        return self.release_milestone(MilestoneAction.RELEASE_STOPPED, result)
