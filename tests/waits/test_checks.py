"""The sync check (a sensor's poke) and the async check (a trigger) judge the same answer alike; the
pipeline list helpers the LaunchDarkly trigger follows."""

from __future__ import annotations

import asyncio

import pytest

from airflow_provider_releases.hooks.aha import AhaHook
from airflow_provider_releases.hooks.cryptlex import CryptlexHook
from airflow_provider_releases.hooks.launchdarkly import LaunchDarklyHook
from airflow_provider_releases.waits.aha import acheck_aha_release_shipped, check_aha_release_shipped
from airflow_provider_releases.waits.cryptlex import (
    acheck_cryptlex_release_published,
    check_cryptlex_release_published,
)
from airflow_provider_releases.waits.launchdarkly import (
    UNKNOWN,
    acheck_launchdarkly_release_phase,
    active_phase_id,
    check_launchdarkly_release_phase,
    index_progressions,
    progress_changed,
    release_pipeline_key,
)
from airflow_provider_releases.waits.outcome import WaitStatus

CX_DRAFT = "a41c7d09-5e3f-4b82-9c6a-0f8e2d4b6a13"
# (hook class, sync check, async check, arguments) for a wait the seed leaves pending
CHECKS = {
    "launchdarkly": (
        LaunchDarklyHook,
        check_launchdarkly_release_phase,
        acheck_launchdarkly_release_phase,
        ("default", "beta-banner", "Beta"),
    ),
    "aha": (AhaHook, check_aha_release_shipped, acheck_aha_release_shipped, ("PRJ1-R-2",)),
    "cryptlex": (
        CryptlexHook,
        check_cryptlex_release_published,
        acheck_cryptlex_release_published,
        (CX_DRAFT,),
    ),
}
MISSING = {"launchdarkly": ("default", "dark-mode", "Beta"), "aha": ("PRJ1-R-99",), "cryptlex": ("nope",)}


def both(service: str, args: tuple) -> tuple:
    hook_class, check, acheck, _ = CHECKS[service]
    with hook_class(max_retries=0) as hook:
        poked = check(hook, *args)

    async def deferred():
        hook = hook_class(max_retries=0)
        try:
            return await acheck(hook, *args)
        finally:
            await hook.aclose()

    return poked, asyncio.run(deferred())


@pytest.mark.parametrize("service", CHECKS)
@pytest.mark.parametrize("case", ["pending", "missing", "refused", "unavailable"])
def test_both_checks_reach_the_same_outcome(release_sandbox, service, case):
    args = MISSING[service] if case == "missing" else CHECKS[service][3]
    if case == "refused":
        release_sandbox.inject_fault(service, "reject", status=403, message="Not yours", count=2)
    if case == "unavailable":
        release_sandbox.inject_fault(service, "error", status=503, count=2)
    poked, deferred = both(service, args)
    assert poked == deferred
    expected = {"pending": WaitStatus.PENDING, "unavailable": WaitStatus.PENDING}.get(case, WaitStatus.ERROR)
    assert poked.status is expected, poked
    assert poked.transient is (case == "unavailable")


def test_the_pipeline_list_is_indexed_by_flag_key():
    items = [
        {"flagKey": "a", "activePhaseId": "p1", "_createdAt": 1},
        {"flagKey": "b", "_createdAt": 2, "_completedAt": 9},
        {"activePhaseId": "p2"},  # names no flag
        "not an item",
    ]
    assert index_progressions(items) == {"a": ("p1", None), "b": (None, 9)}
    assert index_progressions(None) == {}


@pytest.mark.parametrize(
    ("before", "now", "changed"),
    [
        (("p1", None), ("p1", None), False),
        (("p1", None), ("p2", None), True),  # the next phase is active
        (("p1", None), (None, 9), True),  # completed
        (("p1", None), None, True),  # vanished from the list
        (None, ("p1", None), True),  # nothing known before
        (("p1", UNKNOWN), ("p1", 9), False),  # guessed from the flag's own release: completion unknown
        (("p1", UNKNOWN), ("p2", None), True),
    ],
)
def test_a_change_in_the_list_is_told(before, now, changed):
    assert progress_changed(before, now) is changed


def test_the_flags_own_release_tells_its_pipeline_and_active_phase():
    release = {
        "releasePipelineKey": "standard-release",
        "phases": [
            {"_id": "a", "complete": True, "status": "completed"},
            {"_id": "b", "complete": False, "status": "active"},
            {"_id": "c", "complete": False, "status": "not-started"},
        ],
    }
    assert release_pipeline_key(release) == "standard-release"
    assert active_phase_id(release) == "b"
    assert active_phase_id({**release, "_canceledAt": 1767225600000}) is None
    assert active_phase_id({"phases": [{"_id": "a", "complete": False, "status": "not-started"}]}) is None
    assert release_pipeline_key({"phases": []}) is None and release_pipeline_key(None) is None
