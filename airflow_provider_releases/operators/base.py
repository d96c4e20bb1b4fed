"""What every release operator shares: the lazy hook, dry runs, the web URL pushed to XCom and the
milestone put on the task's outlet events."""

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
from airflow_provider_releases.utils import validation as check

if TYPE_CHECKING:
    from airflow.sdk import Asset, Context

    from airflow_provider_releases.hooks.base import ReleasesBaseHook


class ReleasesBaseOperator(BaseOperator):
    """
    Base of the release operators: builds the service's hook lazily and runs dry runs.

    Subclasses set :attr:`hook_class` (whose ``conn_name_attr`` names the connection parameter)
    and :attr:`parameters`, call ``self.check_parameters(rendered=False)`` at the end of their
    constructor, and implement :meth:`run`.
    :meth:`execute` calls :meth:`run`; in a dry run the hook sends its GET requests (the look-ups
    that make the operators idempotent) but stops at the first request that could change
    something, and :meth:`execute` returns ``{"dry_run": True, "request": {...}}`` (plus
    ``"then"``, the follow-up steps it would take next, when there are any) instead.

    When the task has outlets, a run that did its work (not a dry run) puts the milestone
    :meth:`milestone` describes on the event of each asset outlet, as its ``extra``
    (:func:`~airflow_provider_releases.milestones.put_on_outlets`), for a DAG scheduled on the
    asset to read from ``triggering_asset_events``; an ``AssetAlias`` outlet gets an event on
    :meth:`target_asset`, the asset of what the run actually released.

    Parameters are checked by the rules in :attr:`parameters`: those given as plain values in
    the constructor (a wrong one raises :class:`InvalidParameterError`, so the DAG fails to
    import), templated ones after rendering, before any request. What every operator raises when
    it runs is listed once, at :meth:`execute`; an operator's own docstring adds only its own cases.

    :param dry_run: validate the arguments, log the exact request the operator would send
        (credentials masked) and return it, without changing anything.
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

        :raises ReleasePermanentError: a failure trying again cannot mend (the ``__cause__``; which
            those are: :func:`~airflow_provider_releases.operators.failures.permanent_failure`); the
            task fails without retries.
        :raises ReleasesApiError: the service could not be reached or failed (retried by Airflow).
        :raises ReleaseStepError: a later step failed after an earlier one changed something.
        :raises ReleaseNotRetried: the operator is not :attr:`retry_safe`, and a request that may
            have taken effect failed, or a later step failed after an earlier one changed something.
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

    def run(self, context: Context) -> dict[str, Any]:
        """Do the operator's work and return its result; the hook raises ``DryRunRequest`` in a dry run."""
        raise NotImplementedError

    def dry_run_follow_up(self, request: Mapping[str, Any]) -> list[str]:
        """Describe the steps that would follow ``request``, the one a dry run stopped at."""
        return []

    def milestone(self, result: Any, context: Context) -> dict[str, Any] | None:
        """
        Describe what the run did, from its ``result``, as the ``extra`` of the task's asset
        events (built by :mod:`airflow_provider_releases.milestones`); ``None`` writes nothing.
        Called only when the task has outlets, after :meth:`run` succeeded.
        """
        return None

    def target_asset(self, result: Any) -> Asset | None:
        """
        Return the release asset of what this run acted on (its rendered product, flag...), where
        an ``AssetAlias`` outlet puts the run's event; ``None`` when the operator has none.
        """
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
    """
    A parameter that is a dict of field names to values, checked by ``rule(fields, pending=...)``;
    in the constructor its names are checked even when some values are templates.
    """
    return check.Param(
        rule=lambda param, value: rule(require_dict(param, value), pending=()),
        names=False,
        optional=optional,
        partial=lambda param, value, pending: rule(value, pending=pending),
    )
