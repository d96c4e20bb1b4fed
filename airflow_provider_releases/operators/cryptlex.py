"""Cryptlex operators: create (idempotently) and publish release records, upload release files."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from airflow_provider_releases.assets import cryptlex_release_target
from airflow_provider_releases.exceptions import DryRunRequest, ReleaseStepError
from airflow_provider_releases.hooks.cryptlex import CryptlexHook
from airflow_provider_releases.links.cryptlex import CryptlexReleaseLink
from airflow_provider_releases.milestones import MilestoneAction, cryptlex_release, page_of
from airflow_provider_releases.operators.base import ReleasesBaseOperator
from airflow_provider_releases.rules import cryptlex as rules
from airflow_provider_releases.utils import validation as check

if TYPE_CHECKING:
    from airflow.sdk import Asset, Context

#: A product or release id.
PATH_ID = check.Param(rules.path_id)


class CryptlexBaseOperator(ReleasesBaseOperator):
    """Shared parts of the Cryptlex operators: the hook and the release's dashboard page as link."""

    hook_class = CryptlexHook
    operator_extra_links = (CryptlexReleaseLink(),)

    def __init__(self, *, cryptlex_conn_id: str = CryptlexHook.default_conn_name, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.cryptlex_conn_id = cryptlex_conn_id

    def target_asset(self, result: Any) -> Asset | None:
        """``cryptlex://<productId>``: the product of the release this run acted on."""
        return cryptlex_release_target(result, getattr(self, "product_id", None))

    def release_url(self, product_id: Any, release_id: Any) -> str | None:
        """The release's dashboard page, or ``None`` unless both ids are known."""
        return page_of(self.hook.release_url, product_id, release_id)

    def push_release_url(self, context: Context, product_id: Any, release_id: Any) -> None:
        """Push the release's dashboard page to XCom for the extra link, when both ids are known."""
        self.push_url(context, self.release_url(product_id, release_id))

    def release_milestone(
        self, action: MilestoneAction, release: dict[str, Any], **more: Any
    ) -> dict[str, Any]:
        """The milestone of ``release`` with its dashboard page (the extra link's) as ``url``."""
        url = self.release_url(release.get("productId"), release.get("id"))
        return cryptlex_release(action, release, url=url, **more)

    def publish_and_reread(self, release: dict[str, Any]) -> dict[str, Any]:
        """Publish ``release`` and return it as published (re-read when the answer has no body)."""
        answer = self.hook.publish_release(release["id"])
        if isinstance(answer, dict) and answer:
            return answer
        return self.hook.get_release(release["id"])


class CryptlexCreateReleaseOperator(CryptlexBaseOperator):
    """
    Create a release of a Cryptlex product unless that version exists on that channel; return it.

    An existing release is returned unchanged (a warning names fields that differ).

    :param product_id: the product's id (templated).
    :param name: a friendly name, 1 to 256 characters (templated).
    :param version: ``x.x``, ``x.x.x`` or ``x.x.x.x`` in digits (templated).
    :param channel: 1 to 256 characters, ``"stable"`` by default (templated).
    :param platforms: platform names, such as ``["windows", "macos"]`` (templated).
    :param private: private releases do not show in the customer portal.
    :param notes: release notes (markdown), at most 4096 characters (templated).
    :param publish: publish the release after creating (or finding) it; it is read-only then.
    :param cryptlex_conn_id: the Cryptlex connection (templated).
    :param dry_run: look the release up, then return the request that would create (or publish) it.
    :raises ReleaseStepError: the release was created but publishing it failed (transiently).
    """

    template_fields: Sequence[str] = (
        "product_id",
        "name",
        "version",
        "channel",
        "platforms",
        "notes",
        "cryptlex_conn_id",
    )
    template_fields_renderers = {"notes": "md"}
    parameters = {
        "product_id": check.Param(lambda _param, value: rules.product_id(value)),
        "name": check.Param(rules.name),
        "version": check.Param(rules.release_version),
        "channel": check.Param(rules.name),
        "platforms": check.Param(rules.platforms, names=False, optional=True),
        "private": check.Param(check.boolean, names=False, optional=True),
        "notes": check.Param(rules.notes, names=False, optional=True),
    }

    def __init__(
        self,
        *,
        product_id: str,
        name: str,
        version: str,
        channel: str = rules.DEFAULT_CHANNEL,
        platforms: list[str] | None = None,
        private: bool | None = None,
        notes: str | None = None,
        publish: bool = False,
        cryptlex_conn_id: str = CryptlexHook.default_conn_name,
        **kwargs: Any,
    ) -> None:
        super().__init__(cryptlex_conn_id=cryptlex_conn_id, **kwargs)
        self.product_id = product_id
        self.name = name
        self.version = version
        self.channel = channel
        self.platforms = platforms
        self.private = private
        self.notes = notes
        with check.naming_task(self):
            self.publish = check.boolean("publish", publish)
        self.check_parameters(rendered=False)

    def run(self, context: Context) -> dict[str, Any]:
        hook = self.hook
        existing = next(
            (
                item
                for item in hook.list_releases(self.product_id, version=self.version, channel=self.channel)
                if isinstance(item, dict)
                and item.get("version") == self.version
                and item.get("channel") == self.channel
                and item.get("productId", self.product_id) == self.product_id
            ),
            None,
        )
        if existing is not None:
            release = self._use_existing(existing)
        else:
            release = hook.create_release(
                self.product_id,
                self.name,
                self.version,
                channel=self.channel,
                platforms=self.platforms,
                private=self.private,
                notes=self.notes,
            )
            self.log.info(
                "Created Cryptlex release %s (version %s, channel %s).",
                release.get("id"),
                self.version,
                self.channel,
            )
            if self.publish:
                try:
                    release = self.publish_and_reread(release)
                except DryRunRequest:
                    raise
                except Exception as exc:
                    raise ReleaseStepError(
                        f"Created Cryptlex release {release.get('id')} (version {self.version}, channel "
                        f"{self.channel}) but publishing it failed; it exists unpublished: {exc}",
                        done=[f"created release {release.get('id')}"],
                    ) from exc
                self.log.info("Published Cryptlex release %s.", release.get("id"))
        self.push_release_url(context, self.product_id, release.get("id"))
        return release

    def milestone(self, result: dict[str, Any], context: Context) -> dict[str, Any]:
        """``published`` when ``publish`` is true (the release is published now), else ``created``."""
        published = self.publish and rules.is_published(result)
        return self.release_milestone(
            MilestoneAction.PUBLISHED if published else MilestoneAction.CREATED,
            {**result, "productId": self.product_id},
        )

    def _use_existing(self, existing: dict[str, Any]) -> dict[str, Any]:
        self.log.info(
            "Cryptlex release %s already has version %s on channel %s: returning it unchanged.",
            existing.get("id"),
            self.version,
            self.channel,
        )
        wanted = {
            "name": self.name,
            "platforms": self.platforms,
            "private": self.private,
            "notes": self.notes,
        }
        differ = sorted(
            key
            for key, value in wanted.items()
            if value is not None and key in existing and existing[key] != value
        )
        if differ:
            self.log.warning(
                "The existing release differs from the requested one in %s; it was not changed.",
                ", ".join(differ),
            )
        if self.publish and not existing.get("published"):
            release = self.publish_and_reread(existing)
            self.log.info("Published the existing Cryptlex release %s.", existing.get("id"))
            return release
        return existing

    def dry_run_follow_up(self, request: Mapping[str, Any]) -> list[str]:
        """After creating the release, the operator would publish it when ``publish`` is true."""
        if (
            self.publish
            and request.get("method") == "POST"
            and request.get("url", "").endswith("/v3/releases")
        ):
            return ["publish the new release (POST /v3/releases/<new release id>/publish)"]
        return []


class CryptlexPublishReleaseOperator(CryptlexBaseOperator):
    """
    Publish a Cryptlex release (unless published already) and return it; it is read-only then.

    :param release_id: the release's id (templated).
    :param cryptlex_conn_id: the Cryptlex connection (templated).
    :param dry_run: read the release, then return the publish request instead of sending it.
    """

    template_fields: Sequence[str] = ("release_id", "cryptlex_conn_id")
    parameters = {"release_id": PATH_ID}

    def __init__(
        self, *, release_id: str, cryptlex_conn_id: str = CryptlexHook.default_conn_name, **kwargs: Any
    ) -> None:
        super().__init__(cryptlex_conn_id=cryptlex_conn_id, **kwargs)
        self.release_id = release_id
        self.check_parameters(rendered=False)

    def run(self, context: Context) -> dict[str, Any]:
        release = self.hook.get_release(self.release_id)
        if release.get("published"):
            self.log.info(
                "Cryptlex release %s is already published: returning it unchanged.", self.release_id
            )
        else:
            release = self.publish_and_reread({**release, "id": self.release_id})
            self.log.info("Published Cryptlex release %s.", self.release_id)
        self.push_release_url(context, release.get("productId"), self.release_id)
        return release

    def milestone(self, result: dict[str, Any], context: Context) -> dict[str, Any]:
        """``published``: the release."""
        return self.release_milestone(MilestoneAction.PUBLISHED, {**result, "id": self.release_id})


class CryptlexUploadReleaseFileOperator(CryptlexBaseOperator):
    """
    Upload a file to a Cryptlex release, streamed from disk; return what was uploaded.

    The same file name again replaces the file.

    :param release_id: the release's id (templated).
    :param path: the local file to upload (templated).
    :param file_name: the name to store it under; defaults to the local file's name (templated).
    :param cryptlex_conn_id: the Cryptlex connection (templated).
    :param dry_run: read the release, then return the upload request (path and size, no content).
    :raises ReleasePermanentError: ``path`` is not a readable file (nothing was sent).
    """

    template_fields: Sequence[str] = ("release_id", "path", "file_name", "cryptlex_conn_id")
    parameters = {
        "release_id": PATH_ID,
        "path": check.Param(),  # the file may be written by an upstream task: checked when the task runs
        "file_name": check.Param(lambda _param, value: rules.file_name(value), optional=True),
    }

    def __init__(
        self,
        *,
        release_id: str,
        path: str | os.PathLike[str],
        file_name: str | None = None,
        cryptlex_conn_id: str = CryptlexHook.default_conn_name,
        **kwargs: Any,
    ) -> None:
        super().__init__(cryptlex_conn_id=cryptlex_conn_id, **kwargs)
        self.release_id = release_id
        self.path = path
        self.file_name = file_name
        self.check_parameters(rendered=False)

    def run(self, context: Context) -> dict[str, Any]:
        local, name = rules.upload_source(self.path, self.file_name)
        release = self.hook.get_release(self.release_id)
        self._release = release  # for the milestone: the version and product of the release
        size = os.path.getsize(local)
        answer = self.hook.upload_release_file(self.release_id, local, file_name=name)
        self.log.info(
            "Uploaded %s (%d bytes) to Cryptlex release %s as %s.", local, size, self.release_id, name
        )
        self.push_release_url(context, release.get("productId"), self.release_id)
        result: dict[str, Any] = {"release_id": self.release_id, "file_name": name, "size": size}
        if answer is not None:
            result["response"] = answer
        return result

    def milestone(self, result: dict[str, Any], context: Context) -> dict[str, Any]:
        """``file_uploaded``: the release (as read before the upload), ``file_name`` and ``size``."""
        release = {**getattr(self, "_release", {}), "id": self.release_id}
        return self.release_milestone(
            MilestoneAction.FILE_UPLOADED, release, file_name=result["file_name"], size=result["size"]
        )
