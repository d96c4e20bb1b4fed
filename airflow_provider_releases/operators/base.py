"""What every release operator shares: the lazy hook, dry runs, and the web URL pushed to XCom."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar

from airflow.sdk import BaseOperator

from airflow_provider_releases.exceptions import (  # noqa: F401 - ReleaseStepError was defined here before
    DryRunRequest,
    InvalidParameterError,
    ReleaseNotRetried,
    ReleasesApiError,
    ReleaseStepError,
)
from airflow_provider_releases.links.base import RELEASE_URL_XCOM_KEY
from airflow_provider_releases.utils import validation as check

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_provider_releases.hooks.base import ReleasesBaseHook


class ReleasesBaseOperator(BaseOperator):
    """
    Base of the release operators: builds the service's hook lazily and runs dry runs.

    Subclasses set :attr:`hook_class` (whose ``conn_name_attr`` names the connection parameter)
    and implement :meth:`run`.
    :meth:`execute` calls :meth:`run`; in a dry run the hook sends its GET requests (the look-ups
    that make the operators idempotent) but stops at the first request that could change
    something, and :meth:`execute` returns ``{"dry_run": True, "request": {...}}`` (plus
    ``"then"``, the follow-up steps it would take next, when there are any) instead.

    :param dry_run: validate the arguments, log the exact request the operator would send
        (credentials masked) and return it, without changing anything.
    """

    hook_class: ClassVar[type[ReleasesBaseHook]]
    # False when a re-run cannot look up what an earlier try made: then a request that may have
    # taken effect fails the task without automatic retries (``ReleaseNotRetried``).
    retry_safe: ClassVar[bool] = True
    ui_color = "#e8f1fb"

    def __init__(self, *, dry_run: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.dry_run = check.boolean("dry_run", dry_run)

    @cached_property
    def hook(self) -> ReleasesBaseHook:
        """The service's hook for this operator's connection, built on first use."""
        return self.hook_class.for_task(self, dry_run=self.dry_run)

    def execute(self, context: Context) -> dict[str, Any]:
        """
        Run the operator and return its JSON-serialisable result.

        :raises InvalidParameterError: an argument has the wrong form; nothing was sent.
        :raises ReleasesApiError: the service refused a request or could not be reached.
        :raises ReleaseStepError: a later step failed after an earlier one changed something.
        :raises ReleaseNotRetried: the operator is not :attr:`retry_safe` and a request that may
            have taken effect failed.
        """
        try:
            return self.run(context)
        except ReleasesApiError as exc:
            if exc.may_have_been_applied and not self.retry_safe:
                raise ReleaseNotRetried(
                    f"{exc} Not retried automatically: {exc.service} offers no way to look up what"
                    " this task may already have made, so a retry could make it twice. Check, then"
                    " clear the task to run it again."
                ) from exc
            raise
        except DryRunRequest as dry:
            result: dict[str, Any] = {"dry_run": True, "request": dry.request}
            then = self.dry_run_follow_up(dry.request)
            if then:
                result["then"] = then
                self.log.info("Dry run: after that request the operator would: %s", "; ".join(then))
            return result

    def run(self, context: Context) -> dict[str, Any]:
        """Do the operator's work and return its result; the hook raises ``DryRunRequest`` in a dry run."""
        raise NotImplementedError

    def dry_run_follow_up(self, request: Mapping[str, Any]) -> list[str]:
        """Describe the steps that would follow ``request``, the one a dry run stopped at."""
        return []

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
