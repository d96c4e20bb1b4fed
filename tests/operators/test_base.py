"""What the operators share: dry runs in the HTTP core, the hook they build, the extra links.
(Checks of every operator and sensor: ``tests/provider/test_every_task.py``.)"""

from __future__ import annotations

import json
import pickle

import pytest

from airflow_provider_releases.exceptions import DryRunRequest, ReleasesApiError
from airflow_provider_releases.hooks.aha import AhaHook
from airflow_provider_releases.hooks.calls import ApiCall
from airflow_provider_releases.hooks.cryptlex import CryptlexHook
from airflow_provider_releases.hooks.launchdarkly import LaunchDarklyHook
from airflow_provider_releases.links.aha import AhaReleaseLink
from airflow_provider_releases.links.base import RELEASE_URL_XCOM_KEY, ReleaseUrlLink
from airflow_provider_releases.links.cryptlex import CryptlexReleaseLink
from airflow_provider_releases.links.launchdarkly import LaunchDarklyFlagLink
from airflow_provider_releases.operators.aha import (
    AhaCreateReleaseOperator,
)
from airflow_provider_releases.operators.amplitude import AmplitudeCreateReleaseOperator
from airflow_provider_releases.operators.base import ReleaseStepError
from tests.helpers.connections import SECRETS, assert_no_secrets

LD = "https://app.launchdarkly.com"


# Dry runs in the HTTP core


def test_a_dry_run_hook_sends_gets(requests_mock):
    requests_mock.get(f"{LD}/api/v2/flags/p/f/release", json={"releasePipelineKey": "standard"})
    hook = LaunchDarklyHook(dry_run=True)
    assert hook.get_flag_release("p", "f") == {"releasePipelineKey": "standard"}
    assert requests_mock.call_count == 1


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (
            lambda hook: hook.create_flag_release("p", "f", "standard"),
            {
                "method": "PUT",
                "url": f"{LD}/api/v2/projects/p/flags/f/release",
                "json": {"releasePipelineKey": "standard"},
            },
        ),
        (
            lambda hook: hook.delete_flag_release("p", "f"),
            {"method": "DELETE", "url": f"{LD}/api/v2/flags/p/f/release"},
        ),
        (
            lambda hook: hook.complete_legacy_phase("p", "f", 0),
            {
                "method": "PATCH",
                "url": f"{LD}/api/v2/flags/p/f/release",
                "json": [{"op": "replace", "path": "/phases/0/complete", "value": True}],
            },
        ),
    ],
)
def test_a_dry_run_hook_sends_nothing_else(requests_mock, output, call, expected):
    with pytest.raises(DryRunRequest) as caught:
        call(LaunchDarklyHook(dry_run=True))
    assert requests_mock.call_count == 0
    assert caught.value.request == expected
    assert str(caught.value) == f"Dry run: would send {expected['method']} {expected['url']}"
    assert f"Dry run: would send {json.dumps(expected)}" in output()
    assert not isinstance(caught.value, ReleasesApiError)


def test_a_dry_run_keeps_query_parameters_and_masks_secrets(requests_mock, output):
    """A secret in a body (pasted by mistake) is masked too; auth headers never appear."""
    hook = CryptlexHook(dry_run=True)
    with pytest.raises(DryRunRequest) as caught:
        hook.sync_transport.run(
            ApiCall(
                "POST",
                "/v3/releases",
                "test",
                params={"productId": "p"},
                json={"notes": f"token {SECRETS['cryptlex_token']}"},
            )
        )
    assert caught.value.request == {
        "method": "POST",
        "url": "https://api.cryptlex.com/v3/releases",
        "params": {"productId": "p"},
        "json": {"notes": "token ***"},
    }
    assert "Authorization" not in json.dumps(caught.value.request)
    assert_no_secrets(output(), caught.value.request)


def test_dry_run_request_pickles():
    error = DryRunRequest({"method": "POST", "url": "https://x"})
    again = pickle.loads(pickle.dumps(error))
    assert again.request == error.request
    assert str(again) == str(error)


def test_release_step_error_pickles():
    error = ReleaseStepError("created release r-1 but publishing failed", done=["created release r-1"])
    again = pickle.loads(pickle.dumps(error))
    assert (str(again), again.done) == (str(error), error.done)


def test_hooks_accept_dry_run_as_a_bool_only():
    assert AhaHook(dry_run=True).dry_run is True
    assert AhaHook().dry_run is False
    with pytest.raises(ValueError, match="dry_run"):
        AhaHook(dry_run="yes")
    with pytest.raises(ValueError, match="dry_run"):
        AmplitudeCreateReleaseOperator(task_id="a", version="1", title="t", dry_run="no")


def test_the_operator_builds_its_hook_once_with_its_connection_and_dry_run():
    op = AhaCreateReleaseOperator(task_id="a", product_id="P", name="n", aha_conn_id="aha_eu", dry_run=True)
    hook = op.hook
    assert isinstance(hook, AhaHook)
    assert (hook.conn_id, hook.dry_run) == ("aha_eu", True)
    assert op.hook is hook


# Links


@pytest.mark.parametrize(
    ("link", "name"),
    [
        (LaunchDarklyFlagLink(), "LaunchDarkly flag"),
        (AhaReleaseLink(), "Aha! release"),
        (CryptlexReleaseLink(), "Cryptlex release"),
    ],
)
def test_links_read_the_release_url_of_their_task_instance(make_context, link, name):
    assert isinstance(link, ReleaseUrlLink)
    assert link.name == name
    context = make_context("create")
    ti = context["ti"]
    assert link.get_link(None, ti_key=ti) == ""  # nothing pushed (dry run, failure): no link
    ti.xcom_push(key=RELEASE_URL_XCOM_KEY, value="https://example.com/releases/1")
    assert link.get_link(None, ti_key=ti) == "https://example.com/releases/1"
    mapped = make_context("create")["ti"]
    mapped.map_index = 3
    assert link.get_link(None, ti_key=mapped) == ""
