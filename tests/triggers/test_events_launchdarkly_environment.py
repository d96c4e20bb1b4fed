"""LaunchDarklyEnvironmentReleaseEventTrigger: one event per environment release that completes or reverts,
whoever ended it; the releases that ended before the first poll fire nothing."""

from __future__ import annotations

import asyncio

import pytest

from airflow_provider_releases.hooks.launchdarkly import LaunchDarklyHook
from airflow_provider_releases.triggers.events import LaunchDarklyEnvironmentReleaseEventTrigger
from tests.triggers.test_events_base import Watch, install_clock
from tests.triggers.ticks import TickClock

PAGE = "https://app.launchdarkly.com/projects/default/flags/new-checkout?env=production"


@pytest.fixture
def clock(monkeypatch) -> TickClock:
    return install_clock(monkeypatch)


@pytest.fixture
def releases(monkeypatch) -> list[dict]:
    """The flag's releases in the environment, newest first, as the watcher reads them."""
    held: list[dict] = []

    async def alist(self, project_key, flag_key, environment_key, *, kind=None):
        assert (project_key, flag_key, environment_key) == ("default", "new-checkout", "production")
        return [dict(item) for item in held]

    monkeypatch.setattr(LaunchDarklyHook, "alist_environment_releases", alist)
    return held


def release(release_id: str, status: str, reason: str | None = None) -> dict:
    return {"id": release_id, "kind": "guarded", "status": status, "statusReason": reason, "phases": []}


def event(release_id: str, action: str, status: str, reason: str) -> dict:
    return {
        "service": "launchdarkly",
        "action": action,
        "project_key": "default",
        "flag_key": "new-checkout",
        "environment_key": "production",
        "release_id": release_id,
        "kind": "guarded",
        "status": status,
        "status_reason": reason,
        "url": PAGE,
    }


def test_each_release_that_ends_fires_once_and_the_starting_state_never(clock, releases):
    releases += [release("rel-1", "completed", "completed_automatic")]
    watcher = LaunchDarklyEnvironmentReleaseEventTrigger(
        "default", "new-checkout", "production", poll_interval=30
    )

    async def main():
        watch = Watch(clock, watcher)
        baseline = await watch.start()
        releases.insert(0, release("rel-2", "in_progress"))
        running = await watch.poll()
        releases[0] = release("rel-2", "reverted", "reverted_regression_detected")
        reverted = await watch.poll()
        releases.insert(0, release("rel-3", "completed", "completed_manual"))  # stopped, rolled forward
        completed = await watch.poll()
        again = await watch.poll()
        await watch.stop()
        return baseline, running, reverted, completed, again

    baseline, running, reverted, completed, again = asyncio.run(main())

    assert baseline == [[]] and running == [[]] and again == [[]]
    assert reverted == [[event("rel-2", "release_reverted", "reverted", "reverted_regression_detected")]]
    assert completed == [[event("rel-3", "release_completed", "completed", "completed_manual")]]


def test_watchers_of_one_flag_and_environment_share_a_stream_key():
    make = LaunchDarklyEnvironmentReleaseEventTrigger
    same = make("default", "new-checkout", "production").shared_stream_key()
    assert same == make("default", "new-checkout", "production").shared_stream_key()
    assert same != make("default", "new-checkout", "staging").shared_stream_key()


def test_on_the_sandbox_a_release_rolled_back_in_launchdarkly_fires_release_reverted(release_sandbox, clock):
    hook = LaunchDarklyHook()
    ids = {item["value"]: item["_id"] for item in hook.get_flag("default", "new-checkout")["variations"]}
    kind = {"contextKind": "user", "attribute": "kind", "op": "in", "values": ["user"]}
    where = ("default", "new-checkout", "production")
    watcher = LaunchDarklyEnvironmentReleaseEventTrigger(*where, poll_interval=30)

    async def main():
        watch = Watch(clock, watcher)
        await watch.start()
        started = await asyncio.to_thread(
            hook.start_environment_release,
            *where,
            target_variation_id=ids[True],
            original_variation_id=ids[False],
            randomization_unit="user",
            phases=[{"clauses": [kind], "steps": [{"allocation": 10_000, "durationMillis": 60_000}]}],
        )
        running = await watch.poll()
        await asyncio.to_thread(
            hook.stop_environment_release,
            *where,
            started["id"],
            "roll_back_all_phases_and_remove_pending_phases",
        )
        stopped = await watch.poll()
        await watch.stop()
        return started, running, stopped

    started, running, [[fired]] = asyncio.run(main())

    assert running == [[]]
    assert (fired["action"], fired["release_id"], fired["status"]) == (
        "release_reverted",
        started["id"],
        "reverted",
    )
    page = "/projects/default/flags/new-checkout?env=production"
    assert fired["url"] == f"{release_sandbox.url('launchdarkly')}{page}"
