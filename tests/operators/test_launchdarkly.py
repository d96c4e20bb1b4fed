from __future__ import annotations

import copy
import json
import re

import pytest

from airflow_provider_releases.exceptions import (
    InvalidParameterError,
    ReleasesApiServerError,
    ReleaseStateError,
)
from airflow_provider_releases.hooks.launchdarkly import LaunchDarklyHook
from airflow_provider_releases.links.launchdarkly import LaunchDarklyFlagLink
from airflow_provider_releases.operators.base import ReleasePermanentError, ReleaseStepError
from airflow_provider_releases.operators.launchdarkly import (
    LaunchDarklyAttachFlagToPipelineOperator,
    LaunchDarklyStartPhaseOperator,
)
from tests.helpers import assert_launchdarkly_headers
from tests.helpers.connections import assert_no_secrets, set_connection
from tests.helpers.runs import mutating, run_task, run_task_with

LD = "https://app.launchdarkly.com"
GET_PATH = "/api/v2/flags/my-project/new-checkout/release"
PUT_PATH = "/api/v2/projects/my-project/flags/new-checkout/release"
FLAG_URL = f"{LD}/projects/my-project/flags/new-checkout"


def phases() -> list[dict]:
    return [
        {"_id": "ph-1", "_name": "Testing", "complete": False, "_creationDate": "1", "_audiences": []},
        {"_id": "ph-2", "_name": "Production", "complete": False, "_creationDate": "1", "_audiences": []},
    ]


class FakeLaunchDarkly:
    """One flag's release as LaunchDarkly keeps it, behind requests-mock."""

    def __init__(self, requests_mock, release: dict | None = None) -> None:
        self.release = copy.deepcopy(release)
        self.fail_create = False
        requests_mock.get(f"{LD}{GET_PATH}", json=self._get)
        requests_mock.put(f"{LD}{PUT_PATH}", json=self._create)
        requests_mock.delete(f"{LD}{GET_PATH}", json=self._delete)
        requests_mock.put(re.compile(re.escape(f"{LD}{PUT_PATH}/phases/") + ".+"), json=self._start)

    def _get(self, request, context):
        if self.release is None:
            context.status_code = 404
            return {"code": "not_found", "message": "Unknown release"}
        return self.release

    def _create(self, request, context):
        if self.fail_create:
            context.status_code = 500
            return {"code": "internal", "message": "boom"}
        body = request.json()
        self.release = {
            "name": f"{body['releasePipelineKey']} pipeline",
            "releasePipelineKey": body["releasePipelineKey"],
            "phases": phases(),
            "_version": 1,
        }
        if "releaseVariationId" in body:
            self.release["_releaseVariationId"] = body["releaseVariationId"]
        return self.release

    def _delete(self, request, context):
        if self.release is None:
            context.status_code = 404
            return {"code": "not_found", "message": "Unknown release"}
        self.release = None
        context.status_code = 204
        return None

    def _start(self, request, context):
        phase_id = request.path.rsplit("/", 1)[1]
        body = request.json()
        for phase in self.release["phases"]:
            if phase["_id"] == phase_id:
                phase.update(status=body["status"], started=True, _startedDate="1700000000000")
                if body.get("audiences"):
                    phase["_audiences"] = body["audiences"]
                break
            phase["complete"] = True
        return self.release


# Attach a flag to a pipeline


def test_attach_creates_the_release_when_the_flag_has_none(requests_mock, make_context):
    vendor = FakeLaunchDarkly(requests_mock)
    op = LaunchDarklyAttachFlagToPipelineOperator(
        task_id="attach",
        project_key="my-project",
        flag_key="new-checkout",
        release_pipeline_key="standard",
        release_variation_id="var-1",
    )
    context = make_context("attach")
    result = op.execute(context)
    assert result == vendor.release
    assert result["releasePipelineKey"] == "standard"
    json.dumps(result)
    get, put = requests_mock.request_history
    assert (get.method, get.path) == ("GET", GET_PATH)
    assert (put.method, put.path) == ("PUT", PUT_PATH)
    assert_launchdarkly_headers(put)
    assert put.json() == {"releasePipelineKey": "standard", "releaseVariationId": "var-1"}
    assert context["ti"].pushed == {"release_url": FLAG_URL}


def test_attach_twice_creates_one_release(requests_mock, make_context):
    FakeLaunchDarkly(requests_mock)
    kwargs = dict(project_key="my-project", flag_key="new-checkout", release_pipeline_key="standard")
    first = LaunchDarklyAttachFlagToPipelineOperator(task_id="attach", **kwargs).execute(
        make_context("attach")
    )
    context = make_context("attach")
    second = LaunchDarklyAttachFlagToPipelineOperator(task_id="attach", **kwargs).execute(context)
    assert second == first
    assert [r.method for r in mutating(requests_mock)] == ["PUT"]
    assert context["ti"].pushed == {"release_url": FLAG_URL}


def test_attach_fails_naming_both_pipelines_when_the_flag_is_elsewhere(requests_mock, make_context):
    vendor = FakeLaunchDarkly(requests_mock, {"releasePipelineKey": "legacy", "phases": phases()})
    op = LaunchDarklyAttachFlagToPipelineOperator(
        task_id="attach", project_key="my-project", flag_key="new-checkout", release_pipeline_key="standard"
    )
    with pytest.raises(ReleasePermanentError, match=r"'legacy'.*'standard'.*replace_existing=True") as caught:
        op.execute(make_context("attach"))
    assert isinstance(caught.value.__cause__, ReleaseStateError)
    assert mutating(requests_mock) == []
    assert vendor.release["releasePipelineKey"] == "legacy"


def test_attach_with_replace_existing_deletes_and_recreates(requests_mock, make_context):
    vendor = FakeLaunchDarkly(requests_mock, {"releasePipelineKey": "legacy", "phases": phases()})
    op = LaunchDarklyAttachFlagToPipelineOperator(
        task_id="attach",
        project_key="my-project",
        flag_key="new-checkout",
        release_pipeline_key="standard",
        replace_existing=True,
    )
    result = op.execute(make_context("attach"))
    assert result["releasePipelineKey"] == "standard"
    assert vendor.release["releasePipelineKey"] == "standard"
    assert [(r.method, r.path) for r in mutating(requests_mock)] == [("DELETE", GET_PATH), ("PUT", PUT_PATH)]


def test_replace_says_what_was_done_when_recreating_fails(requests_mock, make_context):
    vendor = FakeLaunchDarkly(requests_mock, {"releasePipelineKey": "legacy", "phases": phases()})
    vendor.fail_create = True
    op = LaunchDarklyAttachFlagToPipelineOperator(
        task_id="attach",
        project_key="my-project",
        flag_key="new-checkout",
        release_pipeline_key="standard",
        replace_existing=True,
    )
    context = make_context("attach")
    with pytest.raises(
        ReleaseStepError,
        match=r"Deleted the release .* on pipeline 'legacy'.*'standard' failed.*on no release",
    ) as caught:
        op.execute(context)
    assert caught.value.done == ["deleted the flag's release on pipeline 'legacy'"]
    assert isinstance(caught.value.__cause__, ReleasesApiServerError)
    assert vendor.release is None
    assert context["ti"].pushed == {}
    assert [(r.method, r.path) for r in mutating(requests_mock)] == [("DELETE", GET_PATH), ("PUT", PUT_PATH)]


# A release made for an earlier version (existing_release)

#: 2026-12-07 07:00:00 UTC and 07:05:00 UTC, in epoch milliseconds
MADE, FINISHED = 1796626800000, 1796627100000


def finished_release() -> dict:
    """The flag's release on 'standard', made at MADE, every phase complete at FINISHED."""
    done = [
        {**phase, "_creationDate": str(MADE), "complete": True, "_completionDate": FINISHED}
        for phase in phases()
    ]
    return {"name": "standard pipeline", "releasePipelineKey": "standard", "phases": done, "_version": 3}


def attach(**kwargs) -> LaunchDarklyAttachFlagToPipelineOperator:
    return LaunchDarklyAttachFlagToPipelineOperator(
        task_id="attach",
        project_key="my-project",
        flag_key="new-checkout",
        release_pipeline_key="standard",
        **kwargs,
    )


@pytest.mark.parametrize("since", [None, "2026-12-07T07:30:00Z"])
def test_a_release_of_an_earlier_version_fails_at_once_naming_it_and_the_ways_out(
    requests_mock, make_context, since
):
    vendor = FakeLaunchDarkly(requests_mock, finished_release())

    with pytest.raises(ReleasePermanentError) as caught:
        attach(version_started_at=since).execute(make_context("attach"))

    message = str(caught.value)
    assert isinstance(caught.value.__cause__, ReleaseStateError)
    assert "Not attaching: the release of LaunchDarkly flag 'new-checkout' of project 'my-project'" in message
    assert "on pipeline 'standard'" in message
    assert "finished 2026-12-07 07:05:00 UTC (phases: " in message
    if since:
        assert (
            "was made 2026-12-07 07:00:00 UTC, before this version's release began (2026-12-07 07:30:00 UTC)"
            in message
        )
    else:
        assert "version_started_at is not set" in message
    assert "existing_release='restart'" in message and "existing_release='reuse'" in message
    assert mutating(requests_mock) == []
    assert vendor.release["_version"] == 3


def test_a_release_made_for_this_version_is_returned_unchanged_even_when_finished(
    requests_mock, make_context
):
    vendor = FakeLaunchDarkly(requests_mock, finished_release())

    result = attach(version_started_at="2026-12-07T06:59:00Z").execute(make_context("attach"))

    assert result == vendor.release
    assert mutating(requests_mock) == []


def test_a_release_under_way_without_version_started_at_is_this_runs(requests_mock, make_context):
    release = finished_release()
    release["phases"][1]["complete"] = False
    vendor = FakeLaunchDarkly(requests_mock, release)

    assert attach().execute(make_context("attach")) == vendor.release
    assert mutating(requests_mock) == []


def test_existing_release_restart_deletes_the_earlier_release_and_attaches_anew(requests_mock, make_context):
    vendor = FakeLaunchDarkly(requests_mock, finished_release())

    result = attach(existing_release="restart", version_started_at="2026-12-07T07:30:00Z").execute(
        make_context("attach")
    )

    assert [(r.method, r.path) for r in mutating(requests_mock)] == [("DELETE", GET_PATH), ("PUT", PUT_PATH)]
    assert result == vendor.release and [p["complete"] for p in result["phases"]] == [False, False]


def test_existing_release_reuse_adopts_the_earlier_release_with_a_warning(
    requests_mock, make_context, task_logs
):
    vendor = FakeLaunchDarkly(requests_mock, finished_release())

    result = attach(existing_release="reuse").execute(make_context("attach"))

    assert result == vendor.release
    assert mutating(requests_mock) == []
    reusing = "Reusing it, as existing_release='reuse' says: the release of LaunchDarkly flag"
    assert [m for m in task_logs.at("warning") if m.startswith(reusing)], task_logs.at("warning")


@pytest.mark.parametrize(
    ("kwargs", "param"),
    [
        ({"existing_release": "replace"}, "existing_release"),
        ({"version_started_at": "yesterday"}, "version_started_at"),
    ],
)
def test_existing_release_and_version_started_at_are_checked_when_the_dag_is_parsed(kwargs, param):
    with pytest.raises(InvalidParameterError) as caught:
        attach(**kwargs)
    assert caught.value.param == param


def test_attach_templating(requests_mock, make_context):
    FakeLaunchDarkly(requests_mock)
    op = LaunchDarklyAttachFlagToPipelineOperator(
        task_id="attach",
        project_key="{{ params.project }}",
        flag_key="{{ params.flag }}",
        release_pipeline_key="{{ params.pipeline }}",
        release_variation_id="{{ params.variation }}",
    )
    context = make_context(
        "attach",
        params={"project": "my-project", "flag": "new-checkout", "pipeline": "standard", "variation": "v2"},
    )
    op.render_template_fields(context)
    op.execute(context)
    assert requests_mock.last_request.json() == {"releasePipelineKey": "standard", "releaseVariationId": "v2"}
    assert "launchdarkly_conn_id" in op.template_fields


def test_attach_dry_run_looks_up_but_does_not_create(requests_mock, make_context, output):
    vendor = FakeLaunchDarkly(requests_mock)
    op = LaunchDarklyAttachFlagToPipelineOperator(
        task_id="attach",
        project_key="my-project",
        flag_key="new-checkout",
        release_pipeline_key="standard",
        dry_run=True,
    )
    context = make_context("attach")
    result = op.execute(context)
    assert result == {
        "dry_run": True,
        "request": {"method": "PUT", "url": f"{LD}{PUT_PATH}", "json": {"releasePipelineKey": "standard"}},
    }
    assert [r.method for r in requests_mock.request_history] == ["GET"]
    assert vendor.release is None
    assert context["ti"].pushed == {}
    assert_no_secrets(output(), result)


def test_attach_dry_run_of_a_replace_says_it_would_then_recreate(requests_mock, make_context):
    vendor = FakeLaunchDarkly(requests_mock, {"releasePipelineKey": "legacy", "phases": phases()})
    op = LaunchDarklyAttachFlagToPipelineOperator(
        task_id="attach",
        project_key="my-project",
        flag_key="new-checkout",
        release_pipeline_key="standard",
        replace_existing=True,
        dry_run=True,
    )
    result = op.execute(make_context("attach"))
    assert result["request"] == {"method": "DELETE", "url": f"{LD}{GET_PATH}"}
    assert result["then"] == [f"create the flag's release on pipeline 'standard' (PUT {LD}{PUT_PATH})"]
    assert mutating(requests_mock) == []
    assert vendor.release["releasePipelineKey"] == "legacy"


def test_attach_rejects_bad_keys_before_any_request(requests_mock, make_context):
    with pytest.raises(InvalidParameterError, match="release_pipeline_key"):  # the DAG fails to import
        LaunchDarklyAttachFlagToPipelineOperator(
            task_id="attach", project_key="my-project", flag_key="new-checkout", release_pipeline_key="a/b"
        )
    op = LaunchDarklyAttachFlagToPipelineOperator(
        task_id="attach",
        project_key="my-project",
        flag_key="new-checkout",
        release_pipeline_key="{{ params.pipeline }}",
    )
    with pytest.raises(ReleasePermanentError, match="Invalid release_pipeline_key='a/b'") as caught:
        run_task_with(op, make_context, params={"pipeline": "a/b"})
    assert caught.value.param == "release_pipeline_key"
    assert requests_mock.request_history == []


# Start a phase


@pytest.mark.parametrize("phase", ["Production", "ph-2", 1, "1"])
def test_start_phase_by_name_id_or_index(requests_mock, make_context, phase):
    vendor = FakeLaunchDarkly(requests_mock, {"releasePipelineKey": "standard", "phases": phases()})
    op = LaunchDarklyStartPhaseOperator(
        task_id="start",
        project_key="my-project",
        flag_key="new-checkout",
        phase=phase,
        audiences=[{"audienceId": "aud-1", "notifyMemberIds": ["m1"]}],
    )
    context = make_context("start")
    result = op.execute(context)
    (put,) = mutating(requests_mock)
    assert put.method == "PUT"
    assert put.path == f"{PUT_PATH}/phases/ph-2"
    assert_launchdarkly_headers(put)
    assert put.json() == {
        "status": "active",
        "audiences": [{"audienceId": "aud-1", "notifyMemberIds": ["m1"]}],
    }
    assert result == vendor.release["phases"][1]
    assert result["_id"] == "ph-2"
    assert result["status"] == "active"
    json.dumps(result)
    assert context["ti"].pushed == {"release_url": FLAG_URL}


def test_start_phase_twice_starts_it_once(requests_mock, make_context):
    FakeLaunchDarkly(requests_mock, {"releasePipelineKey": "standard", "phases": phases()})
    kwargs = dict(project_key="my-project", flag_key="new-checkout", phase="Testing")
    first = LaunchDarklyStartPhaseOperator(task_id="start", **kwargs).execute(make_context("start"))
    context = make_context("start")
    second = LaunchDarklyStartPhaseOperator(task_id="start", **kwargs).execute(context)
    assert second == first
    assert len(mutating(requests_mock)) == 1
    assert context["ti"].pushed == {"release_url": FLAG_URL}


@pytest.mark.parametrize(
    "state",
    [
        {"complete": True},
        {"status": "active"},
        {"status": "Started"},
        {"_startedDate": "1700000000000"},
        {"started": True},
    ],
)
def test_a_started_or_complete_phase_is_returned_unchanged(requests_mock, make_context, state):
    release_phases = phases()
    release_phases[0].update(state)
    FakeLaunchDarkly(requests_mock, {"releasePipelineKey": "standard", "phases": release_phases})
    result = LaunchDarklyStartPhaseOperator(
        task_id="start", project_key="my-project", flag_key="new-checkout", phase=0
    ).execute(make_context("start"))
    assert result == release_phases[0]
    assert mutating(requests_mock) == []


def test_a_not_started_status_is_started(requests_mock, make_context):
    release_phases = phases()
    release_phases[0]["status"] = "ready-to-start"
    FakeLaunchDarkly(requests_mock, {"releasePipelineKey": "standard", "phases": release_phases})
    LaunchDarklyStartPhaseOperator(
        task_id="start", project_key="my-project", flag_key="new-checkout", phase=0, status="Started"
    ).execute(make_context("start"))
    (put,) = mutating(requests_mock)
    assert put.json() == {"status": "Started"}


def test_unknown_phase_lists_the_phases(requests_mock, make_context):
    FakeLaunchDarkly(requests_mock, {"releasePipelineKey": "standard", "phases": phases()})
    op = LaunchDarklyStartPhaseOperator(
        task_id="start", project_key="my-project", flag_key="new-checkout", phase="Beta"
    )
    with pytest.raises(ReleasePermanentError) as error:
        op.execute(make_context("start"))
    assert isinstance(error.value.__cause__, InvalidParameterError)
    assert str(error.value).startswith(
        "Permanent failure (invalid parameter), not retried: Invalid phase='Beta'"
    )
    assert "0 'Testing' (id ph-1), 1 'Production' (id ph-2)" in str(error.value)
    assert mutating(requests_mock) == []


def test_start_phase_without_a_release_says_to_attach_first(requests_mock, make_context):
    FakeLaunchDarkly(requests_mock)
    op = LaunchDarklyStartPhaseOperator(
        task_id="start", project_key="my-project", flag_key="new-checkout", phase=0
    )
    with pytest.raises(ReleasePermanentError, match="has no release: attach it") as caught:
        op.execute(make_context("start"))
    assert isinstance(caught.value.__cause__, ReleaseStateError)


@pytest.mark.parametrize(
    ("kwargs", "param"),
    [
        ({"phase": None}, "phase"),
        ({"phase": 0, "status": "go"}, "status"),
        ({"phase": 0, "audiences": [{"audience": "x"}]}, "audiences"),
        ({"phase": 0, "flag_key": "a b"}, "flag_key"),
    ],
)
def test_start_phase_rejects_bad_input_before_any_request(requests_mock, make_context, kwargs, param):
    kwargs = {"project_key": "my-project", "flag_key": "new-checkout", **kwargs}
    with pytest.raises(InvalidParameterError, match=param):
        LaunchDarklyStartPhaseOperator(task_id="start", **kwargs).execute(make_context("start"))
    assert requests_mock.request_history == []


def test_start_phase_templating(requests_mock, make_context):
    FakeLaunchDarkly(requests_mock, {"releasePipelineKey": "standard", "phases": phases()})
    op = LaunchDarklyStartPhaseOperator(
        task_id="start",
        project_key="{{ params.project }}",
        flag_key="{{ params.flag }}",
        phase="{{ params.phase }}",
        status="{{ params.status }}",
        audiences=[{"audienceId": "{{ params.audience }}"}],
    )
    assert op.template_fields_renderers == {"audiences": "json"}
    context = make_context(
        "start",
        params={
            "project": "my-project",
            "flag": "new-checkout",
            "phase": "1",
            "status": "active",
            "audience": "aud-9",
        },
    )
    op.render_template_fields(context)
    op.execute(context)
    assert requests_mock.last_request.path == f"{PUT_PATH}/phases/ph-2"
    assert requests_mock.last_request.json() == {"status": "active", "audiences": [{"audienceId": "aud-9"}]}


def test_start_phase_dry_run(requests_mock, make_context, output):
    vendor = FakeLaunchDarkly(requests_mock, {"releasePipelineKey": "standard", "phases": phases()})
    op = LaunchDarklyStartPhaseOperator(
        task_id="start", project_key="my-project", flag_key="new-checkout", phase="Testing", dry_run=True
    )
    result = op.execute(make_context("start"))
    assert result == {
        "dry_run": True,
        "request": {"method": "PUT", "url": f"{LD}{PUT_PATH}/phases/ph-1", "json": {"status": "active"}},
    }
    assert mutating(requests_mock) == []
    assert "status" not in vendor.release["phases"][0]
    assert_no_secrets(output(), result)


# Links and URLs


def test_flag_link_reads_the_pushed_url(requests_mock, make_context):
    FakeLaunchDarkly(requests_mock)
    op = LaunchDarklyAttachFlagToPipelineOperator(
        task_id="attach", project_key="my-project", flag_key="new-checkout", release_pipeline_key="standard"
    )
    context = make_context("attach")
    op.execute(context)
    link = op.operator_extra_links[0]
    assert isinstance(link, LaunchDarklyFlagLink)
    assert link.name == "LaunchDarkly flag"
    assert link.get_link(op, ti_key=context["ti"]) == FLAG_URL
    assert link.get_link(op, ti_key=make_context("other_task")["ti"]) == ""


@pytest.mark.parametrize(
    ("conn", "url"),
    [
        ({"extra": {"instance": "eu"}}, "https://app.eu.launchdarkly.com/projects/p/flags/f"),
        ({"extra": {"instance": "federal"}}, "https://app.launchdarkly.us/projects/p/flags/f"),
        ({"host": "http://localhost:8080"}, "http://localhost:8080/projects/p/flags/f"),
    ],
)
def test_flag_url_follows_the_instance_or_host(monkeypatch, conn, url):
    set_connection(monkeypatch, "ld", conn_type="launchdarkly", password="ld-SECRET-c2e7a9", **conn)
    assert LaunchDarklyHook("ld").flag_url("p", "f") == url
    with pytest.raises(InvalidParameterError):
        LaunchDarklyHook("ld").flag_url("p", "../x")


# Against the sandbox, over real HTTP: run twice, one object on the vendor's side


FLAG = {"project_key": "default", "flag_key": "new-checkout"}


def test_launchdarkly_attach_twice_then_start_the_first_phase_twice(release_sandbox, make_context) -> None:
    attach = LaunchDarklyAttachFlagToPipelineOperator(
        task_id="attach", release_pipeline_key="standard-release", **FLAG
    )
    first, pushed = run_task(attach, make_context)
    second, _ = run_task(attach, make_context)
    assert first["releasePipelineKey"] == second["releasePipelineKey"] == "standard-release"
    assert len(release_sandbox.requests_to("launchdarkly", "PUT")) == 1
    assert pushed == {
        "release_url": f"{release_sandbox.url('launchdarkly')}/projects/default/flags/new-checkout"
    }

    start = LaunchDarklyStartPhaseOperator(task_id="start", phase="Testing", **FLAG)
    phase, _ = run_task(start, make_context)
    again, _ = run_task(start, make_context)
    assert phase["_name"] == again["_name"] == "Testing"
    assert phase["status"] == "active"
    phase_puts = [r for r in release_sandbox.requests_to("launchdarkly", "PUT") if "/phases/" in r.path]
    assert [r.body for r in phase_puts] == [{"status": "active"}]


def test_launchdarkly_attach_to_another_pipeline_names_both(release_sandbox, make_context) -> None:
    run_task(
        LaunchDarklyAttachFlagToPipelineOperator(
            task_id="a", release_pipeline_key="standard-release", **FLAG
        ),
        make_context,
    )
    other = LaunchDarklyAttachFlagToPipelineOperator(task_id="b", release_pipeline_key="hotfix", **FLAG)
    with pytest.raises(ReleasePermanentError) as caught:
        run_task(other, make_context)
    assert isinstance(caught.value.__cause__, ReleaseStateError)
    assert str(caught.value.__cause__) == (
        "LaunchDarkly flag 'new-checkout' of project 'default' is already on release pipeline "
        "'standard-release', not on the requested pipeline 'hotfix'. Set replace_existing=True to remove "
        "it from 'standard-release' and attach it to 'hotfix'."
    )
    replaced, _ = run_task(
        LaunchDarklyAttachFlagToPipelineOperator(
            task_id="c", release_pipeline_key="hotfix", replace_existing=True, **FLAG
        ),
        make_context,
    )
    assert replaced["releasePipelineKey"] == "hotfix"
    assert [r.method for r in release_sandbox.requests if r.method != "GET"] == ["PUT", "DELETE", "PUT"]
