"""Amplitude operator: a release annotation on analytics charts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from airflow_provider_releases.hooks.amplitude import AmplitudeHook
from airflow_provider_releases.milestones import MilestoneAction, amplitude_release
from airflow_provider_releases.operators.base import ReleasesBaseOperator
from airflow_provider_releases.rules import amplitude as rules
from airflow_provider_releases.utils import validation as check

if TYPE_CHECKING:
    from airflow.sdk import Context


class AmplitudeCreateReleaseOperator(ReleasesBaseOperator):
    """
    Create an Amplitude release (a chart annotation) and return Amplitude's ``release`` object.

    Amplitude cannot look a release up, so every successful run creates one annotation, and there
    is no extra link.

    :param version: the product version of this release (templated).
    :param title: the release's name on charts (templated).
    :param release_start: ``datetime``, ``date`` or ISO 8601 string (naive is UTC); empty for the
        run's logical date, else its start (templated).
    :param release_end: when it ends, in the same forms; not before ``release_start`` (templated).
    :param description: free text (templated).
    :param platforms: a platform name or a list of them (templated).
    :param created_by: the name of the person creating the release (templated).
    :param chart_visibility: whether the release shows on charts.
    :param amplitude_conn_id: the Amplitude connection (templated).
    :param dry_run: return the request instead of sending it.
    :raises ReleaseNotRetried: the request may have created the annotation, but failed.
    """

    template_fields: Sequence[str] = (
        "version",
        "title",
        "release_start",
        "release_end",
        "description",
        "platforms",
        "created_by",
        "amplitude_conn_id",
    )
    parameters = {
        "version": check.Param(check.text),
        "title": check.Param(check.text),
        # "" asks for the default, as None does
        "release_start": check.Param(
            lambda param, value: value == "" or rules.amplitude_time(param, value), names=False, optional=True
        ),
        "release_end": check.Param(rules.amplitude_time, names=False, optional=True),
        "description": check.Param(
            lambda param, value: check.text(param, value, min_len=0), names=False, optional=True
        ),
        "platforms": check.Param(lambda _param, value: rules.platforms(value), names=False, optional=True),
        "created_by": check.Param(check.text, names=False, optional=True),
        "chart_visibility": check.Param(check.boolean, names=False),
    }
    hook_class = AmplitudeHook
    retry_safe = False

    def __init__(
        self,
        *,
        version: str,
        title: str,
        release_start: Any = None,
        release_end: Any = None,
        description: str | None = None,
        platforms: list[str] | str | None = None,
        created_by: str | None = None,
        chart_visibility: bool = True,
        amplitude_conn_id: str = AmplitudeHook.default_conn_name,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.version = version
        self.title = title
        self.release_start = release_start
        self.release_end = release_end
        self.description = description
        self.platforms = platforms
        self.created_by = created_by
        self.chart_visibility = chart_visibility
        self.amplitude_conn_id = amplitude_conn_id
        self.check_parameters(rendered=False)

    def run(self, context: Context) -> dict[str, Any]:
        release = self.hook.create_release(
            version=self.version,
            release_start=self._release_start(context),
            title=self.title,
            release_end=self.release_end,
            description=self.description,
            platforms=self.platforms,
            created_by=self.created_by,
            chart_visibility=self.chart_visibility,
        )
        self.log.info("Created Amplitude release %s (version %s).", release.get("id"), self.version)
        return release

    def milestone(self, result: dict[str, Any], context: Context) -> dict[str, Any]:
        """``annotated``: the release annotation (no URL: Amplitude has no page per release)."""
        return amplitude_release(MilestoneAction.ANNOTATED, result)

    def _release_start(self, context: Context) -> Any:
        if self.release_start not in (None, ""):
            return self.release_start
        logical_date = context.get("logical_date")
        if logical_date is not None:
            return logical_date
        dag_run = context.get("dag_run")
        start = getattr(dag_run, "start_date", None)
        if start is None:
            import pendulum

            start = pendulum.now("UTC")
        return start
