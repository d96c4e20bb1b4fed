"""Aha! operators: create (idempotently), update, duplicate and delete roadmap releases."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

from airflow_provider_releases.assets import aha_release_target
from airflow_provider_releases.exceptions import ReleasesApiError, ReleasesApiNotFoundError, ReleaseStepError
from airflow_provider_releases.hooks.aha import AhaHook
from airflow_provider_releases.links.aha import AhaReleaseLink
from airflow_provider_releases.milestones import MilestoneAction, aha_release
from airflow_provider_releases.operators.base import ReleasesBaseOperator, dict_param
from airflow_provider_releases.rules import aha as rules
from airflow_provider_releases.utils import validation as check

#: A product or release id or key.
PATH_ID = check.Param(rules.path_id)

if TYPE_CHECKING:
    from airflow.sdk import Asset, Context


class AhaBaseOperator(ReleasesBaseOperator):
    """Shared parts of the Aha! operators: the hook and the release's own page as extra link."""

    hook_class = AhaHook
    operator_extra_links = (AhaReleaseLink(),)

    def __init__(self, *, aha_conn_id: str = AhaHook.default_conn_name, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.aha_conn_id = aha_conn_id

    def target_asset(self, result: Any) -> Asset | None:
        """``aha://<product>``: the product this task names (its rendered ``product_id``)."""
        return aha_release_target(result, getattr(self, "product_id", None))

    def push_release_url(self, context: Context, release: dict[str, Any]) -> None:
        """Push the release's ``url`` (as Aha! returns it) to XCom for the extra link."""
        url = release.get("url") if isinstance(release, dict) else None
        self.push_url(context, url if isinstance(url, str) else None)


class AhaCreateReleaseOperator(AhaBaseOperator):
    """
    Create a release in an Aha! product unless one of that exact name exists; return the release.

    A release found by its name is returned unchanged (``fields`` are not applied: use
    :class:`AhaUpdateReleaseOperator`).

    :param product_id: numeric id or key (``"PRJ1"``) of the product (templated).
    :param name: the release's name (templated).
    :param fields: other release fields, such as ``{"release_date": "2026-12-01", "theme": ...}``;
        see ``airflow_provider_releases.rules.aha.RELEASE_FIELDS`` (templated).
    :param aha_conn_id: the Aha! connection (templated).
    :param dry_run: look the release up, then return the create request instead of sending it.
    """

    template_fields: Sequence[str] = ("product_id", "name", "fields", "aha_conn_id")
    template_fields_renderers = {"fields": "json"}
    parameters = {
        "product_id": PATH_ID,
        "name": check.Param(check.text),
        "fields": dict_param(partial(rules.release_fields, creating=True), optional=True),
    }

    def __init__(
        self,
        *,
        product_id: str | int,
        name: str,
        fields: dict[str, Any] | None = None,
        aha_conn_id: str = AhaHook.default_conn_name,
        **kwargs: Any,
    ) -> None:
        super().__init__(aha_conn_id=aha_conn_id, **kwargs)
        self.product_id = product_id
        self.name = name
        self.fields = fields
        self.check_parameters(rendered=False)

    def run(self, context: Context) -> dict[str, Any]:
        hook = self.hook
        fields = dict(self.fields or {})
        existing = next(
            (
                item
                for item in hook.list_releases(product_id=self.product_id)
                if isinstance(item, dict) and item.get("name") == self.name
            ),
            None,
        )
        if existing is not None:
            release_id = existing.get("id") or existing.get("reference_num")
            self.log.info(
                "Aha! release %r already exists in product %s (%s): returning it; fields were not applied.",
                self.name,
                self.product_id,
                release_id,
            )
            release = hook.get_release(release_id)
        else:
            release = hook.create_release(self.product_id, self.name, **fields)
            self.log.info(
                "Created Aha! release %r in product %s (%s).",
                self.name,
                self.product_id,
                release.get("reference_num") or release.get("id"),
            )
        self.push_release_url(context, release)
        return release

    def milestone(self, result: dict[str, Any], context: Context) -> dict[str, Any]:
        """``created``: the release (made now or found by its name)."""
        return aha_release(MilestoneAction.CREATED, result)


class AhaUpdateReleaseOperator(AhaBaseOperator):
    """
    Change fields of an Aha! release and return it; ``{"workflow_status": "Shipped"}`` ships it.

    :param product_id: numeric id or key of the product (templated).
    :param release_id: numeric id or key (``"PRJ1-R-1"``) of the release (templated).
    :param fields: the fields to change, at least one (templated).
    :param aha_conn_id: the Aha! connection (templated).
    :param dry_run: return the request instead of sending it.
    """

    template_fields: Sequence[str] = ("product_id", "release_id", "fields", "aha_conn_id")
    template_fields_renderers = {"fields": "json"}
    parameters = {"product_id": PATH_ID, "release_id": PATH_ID, "fields": dict_param(rules.update_fields)}

    def __init__(
        self,
        *,
        product_id: str | int,
        release_id: str | int,
        fields: dict[str, Any],
        aha_conn_id: str = AhaHook.default_conn_name,
        **kwargs: Any,
    ) -> None:
        super().__init__(aha_conn_id=aha_conn_id, **kwargs)
        self.product_id = product_id
        self.release_id = release_id
        self.fields = fields
        self.check_parameters(rendered=False)

    def run(self, context: Context) -> dict[str, Any]:
        fields = dict(self.fields)
        release = self.hook.update_release(self.product_id, self.release_id, **fields)
        self.log.info("Updated Aha! release %s: %s.", self.release_id, ", ".join(sorted(fields)))
        self.push_release_url(context, release)
        return release

    def milestone(self, result: dict[str, Any], context: Context) -> dict[str, Any]:
        """``shipped`` when the release now says it shipped (``released``), else ``updated``."""
        action = MilestoneAction.SHIPPED if rules.is_shipped(result) else MilestoneAction.UPDATED
        return aha_release(action, result)


class AhaDuplicateReleaseOperator(AhaBaseOperator):
    """
    Copy an Aha! release and return the copy; every run makes a new copy.

    :param release_id: numeric id or key of the release to copy (templated).
    :param aha_conn_id: the Aha! connection (templated).
    :param dry_run: return the request instead of sending it.
    :raises ReleaseNotRetried: the request may have made a copy, but failed.
    """

    template_fields: Sequence[str] = ("release_id", "aha_conn_id")
    parameters = {"release_id": PATH_ID}
    retry_safe = False

    def __init__(
        self, *, release_id: str | int, aha_conn_id: str = AhaHook.default_conn_name, **kwargs: Any
    ) -> None:
        super().__init__(aha_conn_id=aha_conn_id, **kwargs)
        self.release_id = release_id
        self.check_parameters(rendered=False)

    def run(self, context: Context) -> dict[str, Any]:
        copy = self.hook.duplicate_release(self.release_id)
        if not copy.get("url") and copy.get("id"):
            # Aha! answers a duplicate with only its id and name; read the copy for its page.
            try:
                copy = self.hook.get_release(copy["id"])
            except ReleasesApiError as exc:
                raise ReleaseStepError(
                    f"Copied Aha! release {self.release_id} to release {copy['id']} ({copy.get('name')}), "
                    f"but reading the copy failed: {exc}",
                    done=[f"created release {copy['id']}"],
                ) from exc
        self.log.info(
            "Copied Aha! release %s to %s.", self.release_id, copy.get("reference_num") or copy.get("id")
        )
        self.push_release_url(context, copy)
        return copy

    def milestone(self, result: dict[str, Any], context: Context) -> dict[str, Any]:
        """``duplicated``: the copy, with the release it copies as ``source_release_id``."""
        return aha_release(MilestoneAction.DUPLICATED, result, source_release_id=self.release_id)


class AhaDeleteReleaseOperator(AhaBaseOperator):
    """
    Delete an Aha! release (one already gone is not an error); return what happened.

    :param product_id: numeric id or key of the product (templated).
    :param release_id: numeric id or key of the release (templated).
    :param aha_conn_id: the Aha! connection (templated).
    :param dry_run: return the request instead of sending it.
    """

    template_fields: Sequence[str] = ("product_id", "release_id", "aha_conn_id")
    parameters = {"product_id": PATH_ID, "release_id": PATH_ID}
    operator_extra_links = ()

    def __init__(
        self,
        *,
        product_id: str | int,
        release_id: str | int,
        aha_conn_id: str = AhaHook.default_conn_name,
        **kwargs: Any,
    ) -> None:
        super().__init__(aha_conn_id=aha_conn_id, **kwargs)
        self.product_id = product_id
        self.release_id = release_id
        self.check_parameters(rendered=False)

    def run(self, context: Context) -> dict[str, Any]:
        result = {"product_id": self.product_id, "release_id": self.release_id}
        try:
            self.hook.delete_release(self.product_id, self.release_id)
        except ReleasesApiNotFoundError:
            self.log.info("Aha! release %s is already absent: nothing to delete.", self.release_id)
            return {"deleted": False, "already_absent": True, **result}
        self.log.info("Deleted Aha! release %s.", self.release_id)
        return {"deleted": True, "already_absent": False, **result}

    def milestone(self, result: dict[str, Any], context: Context) -> dict[str, Any]:
        """``deleted`` (also when it was already gone): the release and product as given, no URL."""
        return aha_release(
            MilestoneAction.DELETED, {"id": result["release_id"], "product_id": result["product_id"]}
        )
