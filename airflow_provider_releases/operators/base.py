"""What every release operator shares: the lazy hook, dry runs, the web URL and the asset milestone."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar

from airflow.sdk import BaseOperator

from airflow_provider_releases.exceptions import (  # ReleaseStepError: once defined here
    DryRunRequest,
    InvalidParameterError,
    ReleasesApiError,
    ReleaseStepError,
)
from airflow_provider_releases.links.base import RELEASE_URL_XCOM_KEY
from airflow_provider_releases.milestones import put_on_outlets
from airflow_provider_releases.operators.failures import (
    ReleaseNotRetried,
    ReleasePermanentError,
    permanent_failure,
)
from airflow_provider_releases.retries import use_by_default
from airflow_provider_releases.utils import validation as check

if TYPE_CHECKING:
    from airflow.providers.openlineage.extractors import OperatorLineage
    from airflow.sdk import Asset, Context

    from airflow_provider_releases.hooks.base import ReleasesBaseHook


class ReleasesBaseOperator(BaseOperator):
    """
    Base of the release operators: builds the service's hook lazily and runs dry runs.

    Subclasses set :attr:`hook_class` and :attr:`parameters`, call
    ``self.check_parameters(rendered=False)`` at the end of their constructor, and implement
    :meth:`run`. Plain parameters are checked when the DAG is parsed, templated ones after
    rendering. With outlets, a run that did its work puts its :meth:`milestone` on each asset event.
    What every operator raises is listed once, at :meth:`execute`.

    On Airflow 3.3 and later the ``retry_policy`` is a
    :class:`~airflow_provider_releases.retries.ReleasesRetryPolicy` unless one is given.

    :param dry_run: send only the look-ups, then log and return the first request that would change
        something (``{"dry_run": True, "request": {...}}``, credentials masked).
    """

    hook_class: ClassVar[type[ReleasesBaseHook]]
    # False when a re-run cannot look up what an earlier try made: then a request that may have
    # taken effect fails the task without automatic retries (``ReleaseNotRetried``).
    retry_safe: ClassVar[bool] = True
    #: How each parameter is checked, by attribute name (the connection id is added to these).
    parameters: ClassVar[Mapping[str, check.Param]] = {}
    ui_color = "#e8f1fb"

    def __init__(self, *, dry_run: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        use_by_default(self)
        with check.naming_task(self):
            self.dry_run = check.boolean("dry_run", dry_run)

    def check_parameters(self, *, rendered: bool) -> None:
        """Check the parameters (:func:`~airflow_provider_releases.utils.validation.check_parameters`)."""
        params = {self.hook_class.conn_name_attr: check.CONNECTION_ID, **self.parameters}
        check.check_parameters(self, params, rendered=rendered)

    @cached_property
    def hook(self) -> ReleasesBaseHook:
        """The service's hook for this operator's connection, built on first use."""
        return self.hook_class.for_task(self, dry_run=self.dry_run)

    def execute(self, context: Context) -> dict[str, Any]:
        """
        Check the rendered parameters, run the operator and return its JSON-serialisable result.

        :raises ReleasePermanentError: a failure trying again cannot mend
            (:func:`~airflow_provider_releases.operators.failures.permanent_failure`); no retries.
        :raises ReleasesApiError: the service could not be reached or failed (retried by Airflow).
        :raises ReleaseStepError: a later step failed after an earlier one changed something.
        :raises ReleaseNotRetried: the operator is not :attr:`retry_safe` and a request that may have
            taken effect failed.
        """
        try:
            self.check_parameters(rendered=True)
            result = self.run(context)
            if not self.dry_run:
                put_on_outlets(
                    self,
                    context,
                    lambda: self.milestone(result, context),
                    lambda: self.target_asset(result),
                )
                self._completed = (result, context)
            return result
        except DryRunRequest as dry:
            result: dict[str, Any] = {"dry_run": True, "request": dry.request}
            then = self.dry_run_follow_up(dry.request)
            if then:
                result["then"] = then
                self.log.info("Dry run: after that request the operator would: %s", "; ".join(then))
            return result
        except Exception as exc:
            if isinstance(exc, ReleaseStepError) and exc.done and not self.retry_safe:
                raise ReleaseNotRetried(
                    f"{exc} Not retried automatically: a retry would do again what is already done"
                    f" ({'; '.join(exc.done)}). Check, then clear the task to run it again."
                ) from exc
            if isinstance(exc, ReleasesApiError) and exc.may_have_been_applied and not self.retry_safe:
                raise ReleaseNotRetried(
                    f"{exc} Not retried automatically: {exc.service} offers no way to look up what"
                    " this task may already have made, so a retry could make it twice. Check, then"
                    " clear the task to run it again."
                ) from exc
            permanent = permanent_failure(exc)
            if permanent is None:
                raise
            kind, fix = permanent
            if not isinstance(exc, InvalidParameterError):  # the vendor or the connection refused
                kind += f"; connection {getattr(self, self.hook_class.conn_name_attr)!r}"
            raise ReleasePermanentError.wrap(exc, kind, fix) from exc

    def get_openlineage_facets_on_complete(self, task_instance: Any) -> OperatorLineage:
        """Return the run's OpenLineage facets (:func:`~.lineage.release_lineage`)."""
        from airflow.providers.openlineage.extractors import OperatorLineage

        from airflow_provider_releases.lineage import release_lineage

        completed = getattr(self, "_completed", None)
        return OperatorLineage() if completed is None else release_lineage(self, *completed)

    def run(self, context: Context) -> dict[str, Any]:
        """Do the operator's work and return its result; the hook raises ``DryRunRequest`` in a dry run."""
        raise NotImplementedError

    def dry_run_follow_up(self, request: Mapping[str, Any]) -> list[str]:
        """Describe the steps that would follow ``request``, the one a dry run stopped at."""
        return []

    def milestone(self, result: Any, context: Context) -> dict[str, Any] | None:
        """Return what the run did as the ``extra`` of the task's asset events; ``None`` writes nothing."""
        return None

    def target_asset(self, result: Any) -> Asset | None:
        """Return the release asset of what this run acted on (an ``AssetAlias`` target), or ``None``."""
        return None

    def push_url(self, context: Context, url: str | None) -> None:
        """Push the web URL of the operator's object to XCom (``release_url``) for the extra link."""
        if not url:
            return
        self.log.info("%s: %s", self.hook.service, url)
        context["ti"].xcom_push(key=RELEASE_URL_XCOM_KEY, value=url)


def require_dict(param: str, value: Any, *, allow_none: bool = False) -> dict[str, Any]:
    """Return ``value`` as a dict with string keys, or raise ``InvalidParameterError``."""
    if value is None and allow_none:
        return {}
    if not isinstance(value, Mapping) or not all(isinstance(key, str) for key in value):
        raise InvalidParameterError(param, value, "a dict of field names to values")
    return dict(value)


def dict_param(rule: Callable[..., Any], *, optional: bool = False) -> check.Param:
    """Return a parameter rule for a dict of field names to values, checked by ``rule``."""
    return check.Param(
        rule=lambda param, value: rule(require_dict(param, value), pending=()),
        names=False,
        optional=optional,
        partial=lambda param, value, pending: rule(value, pending=pending),
    )
