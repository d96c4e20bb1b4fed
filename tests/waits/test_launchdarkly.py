"""The LaunchDarkly phase wait's waiting message: it says when the phase requires approval in
LaunchDarkly, and who must give it, read from the sandbox's release as LaunchDarkly shapes it."""

from __future__ import annotations

import asyncio

import pytest
import requests

from airflow_provider_releases.hooks.launchdarkly import LaunchDarklyHook
from airflow_provider_releases.waits.launchdarkly import (
    acheck_launchdarkly_release_phase,
    check_launchdarkly_release_phase,
)
from airflow_provider_releases.waits.outcome import WaitStatus
from airflow_provider_releases_sandbox import Sandbox

FLAG = "dark-mode"  # no release in the seed
GATED = {
    "key": "gated-release",
    "name": "Gated release",
    "phases": [
        {
            "name": "Production",
            "audiences": [
                {
                    "environmentKey": "production",
                    "name": "Paying customers",
                    "configuration": {
                        "releaseStrategy": "immediate-rollout",
                        "requireApproval": True,
                        "notifyTeamKeys": ["release-managers"],
                        "notifyMemberIds": ["569f183514f4432160000007"],
                    },
                },
                {
                    "environmentKey": "test",
                    "name": "QA",
                    "configuration": {"releaseStrategy": "immediate-rollout", "requireApproval": False},
                },
            ],
        },
        {"name": "Everyone", "audiences": [{"environmentKey": "production", "name": "Everyone"}]},
    ],
}


def launchdarkly(sb: Sandbox, method: str, path: str, body: dict) -> dict:
    """Send one request to the sandbox's LaunchDarkly as a user of its API would."""
    connection = sb.connection("launchdarkly")
    answer = requests.request(
        method,
        f"{sb.url('launchdarkly')}{path}",
        json=body,
        headers={"Authorization": connection["password"], "LD-API-Version": "beta"},
        timeout=10,
    )
    assert answer.status_code < 300, answer.text
    return answer.json()


@pytest.fixture
def gated_release(release_sandbox: Sandbox) -> dict:
    """The flag attached to a pipeline whose first phase needs approval for one of its two audiences."""
    launchdarkly(release_sandbox, "POST", "/api/v2/projects/default/release-pipelines", GATED)
    with LaunchDarklyHook(max_retries=0) as hook:
        return hook.create_flag_release("default", FLAG, "gated-release")


def check(phase: str | int):
    with LaunchDarklyHook(max_retries=0) as hook:
        return check_launchdarkly_release_phase(hook, "default", FLAG, phase)


def test_a_phase_needing_approval_says_who_must_approve_before_it_can_start(gated_release: dict) -> None:
    outcome = check("Production")

    assert outcome.status is WaitStatus.PENDING
    [production, _] = gated_release["phases"]
    assert outcome.message == (
        f"LaunchDarkly release of flag 'dark-mode' in project 'default': phase 'Production' (position 0, id "
        f"{production['_id']}) is not complete yet (status 'not-started'). It requires approval in "
        "LaunchDarkly: before the phase can start, a LaunchDarkly member with approval rights in environment "
        "'Production' (production) must approve the change request for audience 'Paying customers' "
        "(LaunchDarkly asks teams release-managers and members 569f183514f4432160000007 to review it)."
    )


def test_once_started_the_approval_is_what_the_phase_needs_to_complete(gated_release: dict) -> None:
    [production, _] = gated_release["phases"]
    with LaunchDarklyHook(max_retries=0) as hook:
        hook.update_phase_status("default", FLAG, production["_id"], "active")

    outcome = check(0)

    assert outcome.status is WaitStatus.PENDING
    assert "(status 'active'). It requires approval in LaunchDarkly: before the phase can complete," in (
        outcome.message
    )


def test_a_phase_needing_no_approval_says_nothing_of_approval(gated_release: dict) -> None:
    everyone = check("Everyone")
    seeded = check_seeded_beta()

    assert (everyone.status, seeded.status) == (WaitStatus.PENDING, WaitStatus.PENDING)
    assert everyone.message.endswith(
        "phase 'Everyone' (position 1, id " + gated_release["phases"][1]["_id"] + ") "
        "is not complete yet (status 'not-started')."
    )
    # the seed's Beta audience has a configuration with requireApproval false
    assert seeded.message.endswith("is not complete yet (status 'active').")


def check_seeded_beta():
    with LaunchDarklyHook(max_retries=0) as hook:
        return check_launchdarkly_release_phase(hook, "default", "beta-banner", "Beta")


def test_the_triggers_check_says_the_same(gated_release: dict) -> None:
    async def deferred():
        hook = LaunchDarklyHook(max_retries=0)
        try:
            return await acheck_launchdarkly_release_phase(hook, "default", FLAG, "Production")
        finally:
            await hook.aclose()

    assert asyncio.run(deferred()) == check("Production")


def test_an_audience_without_an_environment_is_still_named() -> None:
    from airflow_provider_releases.waits.launchdarkly import approval_note

    phase = {
        "_id": "p1",
        "_name": "Gate",
        "complete": False,
        "_audiences": [{"_id": "a1", "name": "Ops", "configuration": {"requireApproval": True}}],
    }
    assert approval_note(phase) == (
        " It requires approval in LaunchDarkly: before the phase can start, a LaunchDarkly member with "
        "approval rights in the audience's environment must approve the change request for audience 'Ops'."
    )
    assert approval_note({**phase, "_audiences": [{"configuration": {"requireApproval": "yes"}}]}) == ""
