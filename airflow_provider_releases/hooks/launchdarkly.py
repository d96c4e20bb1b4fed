"""LaunchDarkly: release pipelines' flag releases, environment releases (beta, ``LD-API-Version: beta``)."""

from __future__ import annotations

from typing import Any

from airflow_provider_releases.hooks.base import ReleasesBaseHook
from airflow_provider_releases.hooks.calls import ApiCall, endpoint
from airflow_provider_releases.rules import launchdarkly as rules
from airflow_provider_releases.rules import launchdarkly_environment as environment_rules
from airflow_provider_releases.utils import validation as check
from airflow_provider_releases.utils.pagination import OffsetPaging, PagedItems


class LaunchDarklyHook(ReleasesBaseHook):
    """
    Talk to LaunchDarkly's release, release-pipeline, environment-release and release-policy endpoints (beta).

    Connection: password = access token, sent raw in ``Authorization``; extra ``instance`` =
    ``commercial``, ``eu`` or ``federal``; a host overrides the base URL. Every request carries
    ``LD-API-Version: beta``.

    :param launchdarkly_conn_id: the Airflow connection id.
    """

    conn_name_attr = "launchdarkly_conn_id"
    default_conn_name = "launchdarkly_default"
    conn_type = "launchdarkly"
    hook_name = "LaunchDarkly"
    service = "LaunchDarkly"
    rate_limit_reset_headers = ("X-Ratelimit-Reset",)
    connection_probe = ApiCall("GET", "/api/v2/caller-identity", "test_connection", max_retries=0)

    def __init__(self, launchdarkly_conn_id: str = default_conn_name, **kwargs: Any) -> None:
        super().__init__(launchdarkly_conn_id, **kwargs)
        self.launchdarkly_conn_id = launchdarkly_conn_id

    def _resolve_base_url(self) -> str:
        return self.host_url() or self.region_url("instance", rules.API_URLS, rules.DEFAULT_INSTANCE)

    def _auth_headers(self) -> dict[str, str]:
        token = self._required("password", "LaunchDarkly access token (Password field)")
        self.secrets.register(token)
        return {"Authorization": token, "LD-API-Version": "beta"}

    def flag_url(self, project_key: str, flag_key: str) -> str:
        """
        Return the flag's page in the LaunchDarkly app: ``<app host>/projects/{projectKey}/flags/{flagKey}``.

        The app host is the instance's (``https://app.launchdarkly.com``,
        ``https://app.eu.launchdarkly.com`` or ``https://app.launchdarkly.us``), or the connection's
        host when it overrides the base URL.

        :raises InvalidParameterError: a key has the wrong form.
        """
        project, flag = rules.key("project_key", project_key), rules.key("flag_key", flag_key)
        return f"{self.base_url}/projects/{project}/flags/{flag}"

    def environment_release_url(self, project_key: str, flag_key: str, environment_key: str) -> str:
        """
        Return the flag's page for one environment in the LaunchDarkly app, where its releases show.

        ``<app host>/projects/{projectKey}/flags/{flagKey}?env={environmentKey}`` (app host as in
        :meth:`flag_url`): what an environment release's ``_links.site`` opens.

        :raises InvalidParameterError: a key has the wrong form.
        """
        environment = rules.key("environment_key", environment_key)
        return f"{self.flag_url(project_key, flag_key)}?env={environment}"

    # Flag releases

    @endpoint
    def create_flag_release(
        self,
        project_key: str,
        flag_key: str,
        release_pipeline_key: str,
        release_variation_id: str | None = None,
    ) -> ApiCall[dict[str, Any]]:
        """
        Attach a flag to a release pipeline, creating its release; return the release.

        ``PUT /api/v2/projects/{projectKey}/flags/{flagKey}/release``. Only boolean flags can be
        added to a release pipeline.

        :raises InvalidParameterError: an argument has the wrong form; nothing was sent.
        :raises ReleasesApiError: LaunchDarkly refused the request or could not be reached.
        """
        path = f"{self._project_flag_path(project_key, flag_key)}/release"
        body = {"releasePipelineKey": rules.key("release_pipeline_key", release_pipeline_key)}
        if release_variation_id is not None:
            body["releaseVariationId"] = check.text("release_variation_id", release_variation_id)
        return ApiCall("PUT", path, "create_flag_release", json=body)

    def _flag_release_path(self, project_key: str, flag_key: str) -> str:
        project, flag = rules.key("project_key", project_key), rules.key("flag_key", flag_key)
        return f"/api/v2/flags/{project}/{flag}/release"

    def _project_flag_path(self, project_key: str, flag_key: str) -> str:
        project, flag = rules.key("project_key", project_key), rules.key("flag_key", flag_key)
        return f"/api/v2/projects/{project}/flags/{flag}"

    @endpoint(asynchronous=True)
    def get_flag_release(self, project_key: str, flag_key: str) -> ApiCall[dict[str, Any]]:
        """
        Return the flag's current release (``GET /api/v2/flags/{projectKey}/{flagKey}/release``).

        :raises InvalidParameterError: a key has the wrong form; nothing was sent.
        :raises ReleasesApiNotFoundError: the flag has no release (or does not exist).
        :raises ReleasesApiError: any other failure.
        """
        return ApiCall("GET", self._flag_release_path(project_key, flag_key), "get_flag_release")

    @endpoint
    def delete_flag_release(self, project_key: str, flag_key: str) -> ApiCall[None]:
        """
        Remove the flag from its release pipeline (``DELETE /api/v2/flags/{projectKey}/{flagKey}/release``).

        :raises ReleasesApiNotFoundError: the flag has no release.
        :raises ReleasesApiError: any other failure.
        """
        return ApiCall("DELETE", self._flag_release_path(project_key, flag_key), "delete_flag_release")

    @endpoint
    def update_phase_status(
        self,
        project_key: str,
        flag_key: str,
        phase_id: str,
        status: str = "active",
        audiences: list[dict[str, Any]] | None = None,
    ) -> ApiCall[dict[str, Any]]:
        """
        Start a phase of the flag's release (current pipelines); return the release.

        ``PUT /api/v2/projects/{projectKey}/flags/{flagKey}/release/phases/{phaseId}`` with
        ``{"status": ..., "audiences": [...]}``. Starting a phase completes the one before it.

        :param status: ``"active"`` (the docs' prose) or ``"Started"`` (the docs' example).
        :param audiences: per-audience settings needed to start the phase, each a dict with
            ``audienceId`` and optionally ``releaseGuardianConfiguration``, ``notifyMemberIds``
            and ``notifyTeamKeys``.
        :raises InvalidParameterError: an argument has the wrong form; nothing was sent.
        :raises ReleasesApiError: LaunchDarkly refused the request or could not be reached.
        """
        flag_path = self._project_flag_path(project_key, flag_key)
        path = f"{flag_path}/release/phases/{rules.key('phase_id', phase_id)}"
        body: dict[str, Any] = {"status": rules.phase_start_status(status)}
        if audiences is not None:
            body["audiences"] = rules.audiences(audiences)
        return ApiCall("PUT", path, "update_phase_status", json=body)

    @endpoint
    def complete_legacy_phase(
        self, project_key: str, flag_key: str, phase_index: int
    ) -> ApiCall[dict[str, Any]]:
        """
        Mark a phase of a legacy pipeline's release complete; return the release.

        ``PATCH /api/v2/flags/{projectKey}/{flagKey}/release`` with the JSON Patch
        ``[{"op": "replace", "path": "/phases/{index}/complete", "value": true}]``.

        :param phase_index: the 0-based position of the phase.
        :raises InvalidParameterError: an argument has the wrong form; nothing was sent.
        :raises ReleasesApiError: LaunchDarkly refused the request or could not be reached.
        """
        index = check.integer("phase_index", phase_index, minimum=0)
        patch = [{"op": "replace", "path": f"/phases/{index}/complete", "value": True}]
        return ApiCall(
            "PATCH", self._flag_release_path(project_key, flag_key), "complete_legacy_phase", json=patch
        )

    # Release pipelines

    def _pipelines_path(self, project_key: str) -> str:
        return f"/api/v2/projects/{rules.key('project_key', project_key)}/release-pipelines"

    @endpoint(asynchronous=True)
    def list_release_pipelines(
        self, project_key: str, filter: str | dict[str, str] | None = None
    ) -> ApiCall[PagedItems]:
        """
        Return every release pipeline of the project.

        :param filter: ``"query:<text>"``, ``"env:<environment key>"``, both comma-separated, or a
            dict such as ``{"query": "standard"}``.
        :raises InvalidParameterError: an argument has the wrong form; nothing was sent.
        :raises ReleasesApiError: a page could not be fetched.
        """
        path = self._pipelines_path(project_key)
        params = {} if filter is None else {"filter": rules.pipeline_filter(filter)}
        return ApiCall(
            "GET", path, "list_release_pipelines", params=params, key="items", paging=OffsetPaging()
        )

    @endpoint(asynchronous=True)
    def get_release_pipeline(self, project_key: str, pipeline_key: str) -> ApiCall[dict[str, Any]]:
        """
        Return one release pipeline with its ordered phases.

        :raises InvalidParameterError: a key has the wrong form; nothing was sent.
        :raises ReleasesApiNotFoundError: no such pipeline.
        :raises ReleasesApiError: any other failure.
        """
        path = f"{self._pipelines_path(project_key)}/{rules.key('pipeline_key', pipeline_key)}"
        return ApiCall("GET", path, "get_release_pipeline")

    @endpoint(asynchronous=True)
    def list_pipeline_releases(
        self, project_key: str, pipeline_key: str, status: str | None = None, page_size: int = 20
    ) -> ApiCall[PagedItems]:
        """
        Return the progression of every flag release on the pipeline.

        :param status: ``"active"`` or ``"completed"`` to filter; ``None`` for all.
        :param page_size: the ``limit`` of each page (LaunchDarkly's default: 20).
        :raises InvalidParameterError: an argument has the wrong form; nothing was sent.
        :raises ReleasesApiError: a page could not be fetched.
        """
        path = f"{self._pipelines_path(project_key)}/{rules.key('pipeline_key', pipeline_key)}/releases"
        params = {}
        if status is not None:
            params["filter"] = f"status:{rules.pipeline_release_status(status)}"
        paging = OffsetPaging(check.integer("page_size", page_size, minimum=1))
        return ApiCall("GET", path, "list_pipeline_releases", params=params, key="items", paging=paging)

    # Flags

    @endpoint(asynchronous=True)
    def get_flag(self, project_key: str, flag_key: str) -> ApiCall[dict[str, Any]]:
        """
        Return a feature flag, with its ``variations`` (``GET /api/v2/flags/{projectKey}/{flagKey}``).

        :raises InvalidParameterError: a key has the wrong form; nothing was sent.
        :raises ReleasesApiNotFoundError: no such flag (or project).
        :raises ReleasesApiError: any other failure.
        """
        project, flag = rules.key("project_key", project_key), rules.key("flag_key", flag_key)
        return ApiCall("GET", f"/api/v2/flags/{project}/{flag}", "get_flag")

    # Environment releases (one flag in one environment)

    def _environment_releases_path(self, project_key: str, flag_key: str, environment_key: str) -> str:
        environment = rules.key("environment_key", environment_key)
        return f"{self._project_flag_path(project_key, flag_key)}/environments/{environment}/releases"

    @endpoint
    def start_environment_release(
        self,
        project_key: str,
        flag_key: str,
        environment_key: str,
        *,
        target_variation_id: str,
        original_variation_id: str,
        release_plan_key: str | None = None,
        phases: list[dict[str, Any]] | None = None,
        metrics: list[str | dict[str, Any]] | None = None,
        advancement_mode: str | None = None,
        randomization_unit: str | None = None,
        cleanup_behavior: str | None = None,
        before_rule_id: str | None = None,
        bypass_health_checks: list[str] | None = None,
        comment: str | None = None,
    ) -> ApiCall[dict[str, Any]]:
        """
        Start an environment release of the flag, inline or from a release plan; return the release.

        ``POST .../flags/{flagKey}/environments/{environmentKey}/releases``. Not idempotent: a start
        that meets a running release fails with 409 ``release_already_active``.

        :param phases: inline phases, each ``{"steps": [{"allocation", "durationMillis"}...]}`` with
            ``"clauses"`` (a new rule holding the ``kind`` clause of ``randomization_unit``) or
            ``"ruleId"`` (single-phase only). Allocations are thousandths of a percent.
        :param metrics: metric keys (or ``{"metricKey", "autoRollback"}``): a guarded release,
            whose steps go to 50% (50,000) at most; none: a progressive release.
        :param advancement_mode: ``"manual"`` or ``"automatic"``; required with more than one phase.
        :param randomization_unit: the context kind, such as ``"user"``; required unless
            ``release_plan_key`` is given.
        :param release_plan_key: start from this plan instead; the plan supplies phases, metrics,
            advancement mode, randomization unit and cleanup behavior, so give none of them.
        :param bypass_health_checks: health check kinds that may fail (``HealthCheckKind`` values).
        :raises InvalidParameterError: an argument is wrong or they do not go together; nothing was sent.
        :raises ReleasesApiError: LaunchDarkly refused the request or could not be reached.
        """
        path = self._environment_releases_path(project_key, flag_key, environment_key)
        body = environment_rules.start_request(
            target_variation_id=target_variation_id,
            original_variation_id=original_variation_id,
            release_plan_key=release_plan_key,
            phases=phases,
            metrics=metrics,
            advancement_mode=advancement_mode,
            randomization_unit=randomization_unit,
            cleanup_behavior=cleanup_behavior,
            before_rule_id=before_rule_id,
            bypass_health_checks=bypass_health_checks,
            comment=comment,
        )
        return ApiCall("POST", path, "start_environment_release", json=body)

    @endpoint(asynchronous=True)
    def get_environment_release(
        self, project_key: str, flag_key: str, environment_key: str, release_id: str
    ) -> ApiCall[dict[str, Any]]:
        """
        Return one environment release with its phases in order.

        :raises InvalidParameterError: a key or id has the wrong form; nothing was sent.
        :raises ReleasesApiNotFoundError: no such release here (or it ended over 90 days ago).
        :raises ReleasesApiError: any other failure.
        """
        path = self._environment_releases_path(project_key, flag_key, environment_key)
        return ApiCall("GET", f"{path}/{rules.key('release_id', release_id)}", "get_environment_release")

    @endpoint(asynchronous=True)
    def list_environment_releases(
        self, project_key: str, flag_key: str, environment_key: str, *, kind: str | None = None
    ) -> ApiCall[PagedItems]:
        """
        Return the flag's environment releases in the environment, newest first.

        :param kind: ``"progressive"`` or ``"guarded"`` to keep only that kind; ``None`` for all.
        :raises InvalidParameterError: an argument has the wrong form; nothing was sent.
        :raises ReleasesApiError: a page could not be fetched.
        """
        path = self._environment_releases_path(project_key, flag_key, environment_key)
        params = {}
        if kind is not None:
            params["filter"] = f"kind equals {rules.enum_value('kind', kind, rules.ReleaseKind)}"
        paging = OffsetPaging(rules.ENVIRONMENT_RELEASES_PAGE_SIZE)
        return ApiCall("GET", path, "list_environment_releases", params=params, key="items", paging=paging)

    @endpoint
    def stop_environment_release(
        self,
        project_key: str,
        flag_key: str,
        environment_key: str,
        release_id: str,
        resolution: str,
        *,
        comment: str | None = None,
    ) -> ApiCall[dict[str, Any]]:
        """
        Stop an environment release, resolving its phases as ``resolution`` says; return the release.

        ``PUT .../releases/{releaseId}/stop``. A release that already ended is returned unchanged.

        :param resolution: an ``EnvironmentReleaseResolution`` value, such as
            ``"roll_back_all_phases_and_remove_pending_phases"``.
        :param comment: written to the flag's audit log.
        :raises InvalidParameterError: an argument has the wrong form; nothing was sent.
        :raises ReleasesApiError: LaunchDarkly refused the request or could not be reached.
        """
        path = self._environment_releases_path(project_key, flag_key, environment_key)
        path = f"{path}/{rules.key('release_id', release_id)}/stop"
        body = {"resolution": rules.enum_value("resolution", resolution, rules.EnvironmentReleaseResolution)}
        if comment is not None:
            body["comment"] = check.text("comment", comment)
        return ApiCall("PUT", path, "stop_environment_release", json=body)

    # Release policies (read-only)

    def _policies_path(self, project_key: str) -> str:
        return f"/api/v2/projects/{rules.key('project_key', project_key)}/release-policies"

    @endpoint(asynchronous=True)
    def list_release_policies(self, project_key: str) -> ApiCall[list[dict[str, Any]]]:
        """
        Return the project's release policies (``GET /api/v2/projects/{projectKey}/release-policies``).

        :raises InvalidParameterError: the key has the wrong form; nothing was sent.
        :raises ReleasesApiError: LaunchDarkly refused the request or could not be reached.
        """
        return ApiCall("GET", self._policies_path(project_key), "list_release_policies", key="items")

    @endpoint(asynchronous=True)
    def get_release_policy(self, project_key: str, policy_key: str) -> ApiCall[dict[str, Any]]:
        """
        Return one release policy of the project.

        :raises InvalidParameterError: a key has the wrong form; nothing was sent.
        :raises ReleasesApiNotFoundError: no such policy.
        :raises ReleasesApiError: any other failure.
        """
        path = f"{self._policies_path(project_key)}/{rules.key('policy_key', policy_key)}"
        return ApiCall("GET", path, "get_release_policy")
