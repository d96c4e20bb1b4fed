"""Shared polls: triggers of one triggerer that read the same thing share one read per poll interval."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from airflow_provider_releases.hooks.launchdarkly import LaunchDarklyHook
from airflow_provider_releases.triggers.aha import AhaReleaseShippedTrigger
from airflow_provider_releases.triggers.base import ReleaseWaitTrigger
from airflow_provider_releases.triggers.cryptlex import CryptlexReleasePublishedTrigger
from airflow_provider_releases.triggers.launchdarkly import LaunchDarklyReleasePhaseTrigger
from airflow_provider_releases.triggers.shared import shared_reads
from airflow_provider_releases.waits.aha import AhaReleaseShipped
from airflow_provider_releases.waits.cryptlex import CryptlexReleasePublished
from airflow_provider_releases_sandbox import Sandbox
from tests.triggers.ticks import Run, TickClock

PROJECT, PIPELINE = "default", "standard-release"
LIST = ("launchdarkly", f"/api/v2/projects/{PROJECT}/release-pipelines/{PIPELINE}/releases")
NEW_FLAGS = ("new-checkout", "dark-mode", "search-v2")  # attached in the tests; seeded: beta-banner
FAR = time.time() + 3600
CX_DRAFT = "a41c7d09-5e3f-4b82-9c6a-0f8e2d4b6a13"  # a seeded Cryptlex release, not published


def own(flag: str) -> tuple[str, str]:
    return ("launchdarkly", f"/api/v2/flags/{PROJECT}/{flag}/release")


def phase_trigger(flag: str, phase: str = "Testing", **kwargs) -> LaunchDarklyReleasePhaseTrigger:
    return LaunchDarklyReleasePhaseTrigger(
        project_key=PROJECT, flag_key=flag, phase=phase, end_time=FAR, poll_interval=60, **kwargs
    )


@pytest.fixture
def ld(release_sandbox: Sandbox) -> LaunchDarklyHook:
    """A blocking hook on the sandbox, to change releases as a release manager would."""
    with LaunchDarklyHook() as hook:
        yield hook


def attach(ld: LaunchDarklyHook, *flags: str) -> None:
    for flag in flags:
        ld.create_flag_release(PROJECT, flag, PIPELINE)


def start_testing(ld: LaunchDarklyHook, flag: str) -> None:
    release = ld.get_flag_release(PROJECT, flag)
    ld.update_phase_status(PROJECT, flag, release["phases"][0]["_id"])


def second_connection(monkeypatch, sandbox: Sandbox, service: str, conn_id: str) -> None:
    """Another connection id with the same credentials as ``<service>_default``."""
    monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(sandbox.connection(service)))


def test_flags_on_one_pipeline_cost_one_list_read_plus_the_changed_flags(release_sandbox, ld):
    attach(ld, *NEW_FLAGS)
    sb = release_sandbox

    async def main():
        run = Run(
            sb,
            [phase_trigger(flag) for flag in NEW_FLAGS] + [phase_trigger("beta-banner", "Beta")],
            TickClock(),
        )
        first = await run.poll()
        quiet = await run.poll(lambda: start_testing(ld, "dark-mode"))
        changed = await run.poll(lambda: sb.complete_phase(PROJECT, "beta-banner"))
        done = await run.poll()
        events = run.events()
        for task in run.tasks:
            task.cancel()
        await asyncio.gather(*run.tasks, return_exceptions=True)
        return first, quiet, changed, done, events

    first, quiet, changed, done, events = asyncio.run(main())
    assert sorted(first) == sorted(own(flag) for flag in (*NEW_FLAGS, "beta-banner"))
    assert quiet == [LIST]  # nothing changed: one read for five waits
    assert sorted(changed) == sorted([LIST, own("dark-mode")])  # Testing started on dark-mode only
    assert sorted(done) == sorted([LIST, own("beta-banner")])
    assert events[:3] == [None, None, None]
    assert events[3]["status"] == "done" and events[3]["value"]["_name"] == "Beta"


def test_two_connections_never_share_a_read(release_sandbox, monkeypatch):
    second_connection(monkeypatch, release_sandbox, "launchdarkly", "launchdarkly_other")

    async def main():
        triggers = [
            phase_trigger("beta-banner", "Beta"),
            phase_trigger("beta-banner", "Beta"),
            phase_trigger("beta-banner", "Beta", launchdarkly_conn_id="launchdarkly_other"),
        ]
        run = Run(release_sandbox, triggers, TickClock())
        polls = [await run.poll(), await run.poll(), await run.poll()]
        for task in run.tasks:
            task.cancel()
        await asyncio.gather(*run.tasks, return_exceptions=True)
        return polls

    first, second, _ = asyncio.run(main())
    assert first == [own("beta-banner")] * 2  # one read per connection, the two waits on it share it
    assert second == [LIST] * 2


def test_a_canceled_release_is_seen_by_every_wait_on_it(release_sandbox, monkeypatch):
    second_connection(monkeypatch, release_sandbox, "launchdarkly", "launchdarkly_other")
    triggers = [
        phase_trigger("beta-banner", "Beta"),
        phase_trigger("beta-banner", "General availability"),
        phase_trigger("beta-banner", "Beta", launchdarkly_conn_id="launchdarkly_other"),
    ]

    async def main():
        run = Run(release_sandbox, triggers, TickClock())
        await run.poll()
        await run.poll(lambda: release_sandbox.cancel_release(PROJECT, "beta-banner"))
        return await run.finish(), run.polls

    events, polls = asyncio.run(main())
    # The list shows the cancel (no active phase any more): one own read per connection, shared.
    assert sorted(polls[2]) == sorted([LIST, LIST, own("beta-banner"), own("beta-banner")])
    assert [event["status"] for event in events] == ["error"] * 3
    assert all("was canceled at" in event["message"] for event in events), events
    assert "phase 'Beta'" in events[0]["message"] and "'General availability'" in events[1]["message"]


def test_the_flag_is_read_every_n_polls_even_when_the_list_shows_no_change(release_sandbox):
    async def main():
        run = Run(release_sandbox, [phase_trigger("beta-banner", "Beta", flag_read_every=3)], TickClock())
        polls = [await run.poll() for _ in range(8)]
        run.tasks[0].cancel()
        await asyncio.gather(*run.tasks, return_exceptions=True)
        return polls

    polls = asyncio.run(main())
    assert polls[0] == [own("beta-banner")]
    assert polls[1:] == [
        [LIST],
        [LIST],
        [LIST, own("beta-banner")],
        [LIST],
        [LIST],
        [LIST, own("beta-banner")],
        [LIST],
    ]


def test_the_periodic_own_reads_of_many_flags_spread_over_the_polls(release_sandbox, ld):
    """Waits started together do not all re-read their flags on one poll: each flag's period starts
    part-way through (by its key), so a quiet poll costs the list plus about flags / N own reads."""
    attach(ld, *NEW_FLAGS)
    flags = (*NEW_FLAGS, "beta-banner")  # their periods start 1, 1, 2 and 0 polls in, of 3

    async def main():
        triggers = [phase_trigger(flag, flag_read_every=3) for flag in flags[:3]]
        triggers.append(phase_trigger("beta-banner", "Beta", flag_read_every=3))
        run = Run(release_sandbox, triggers, TickClock())
        polls = [await run.poll() for _ in range(7)]
        for task in run.tasks:
            task.cancel()
        await asyncio.gather(*run.tasks, return_exceptions=True)
        return polls

    polls = asyncio.run(main())
    assert sorted(polls[0]) == sorted(own(flag) for flag in flags)
    reads = [sorted(poll) for poll in polls[1:]]
    expected = [[own("search-v2")], [own("dark-mode"), own("new-checkout")], [own("beta-banner")]] * 2
    assert reads == [sorted([LIST, *flag_reads]) for flag_reads in expected]


def test_a_flag_without_a_pipeline_entry_is_read_at_every_poll(release_sandbox, ld):
    """A flag that vanished from its pipeline's list (its release was removed) gets its own read, and
    the 404 ends the wait."""

    async def main():
        run = Run(release_sandbox, [phase_trigger("beta-banner", "Beta")], TickClock())
        await run.poll()
        await run.poll(lambda: ld.delete_flag_release(PROJECT, "beta-banner"))
        return await run.finish(), run.polls

    [event], polls = asyncio.run(main())
    assert polls == [[own("beta-banner")], [LIST], [LIST, own("beta-banner")]]
    assert event["status"] == "error"
    assert "the flag has no release" in event["message"]


@pytest.mark.parametrize(
    ("wait_class", "old_form", "fields", "path", "finish"),
    [
        (
            AhaReleaseShipped,
            AhaReleaseShippedTrigger,
            {"release_id": "PRJ1-R-2"},
            "/api/v1/releases/PRJ1-R-2",
            lambda sb: sb.ship_release("PRJ1-R-2"),
        ),
        (
            CryptlexReleasePublished,
            CryptlexReleasePublishedTrigger,
            {"release_id": CX_DRAFT},
            f"/v3/releases/{CX_DRAFT}",
            lambda sb: sb.publish_cryptlex_release(CX_DRAFT),
        ),
    ],
    ids=["aha", "cryptlex"],
)
def test_waits_on_one_release_share_one_read_per_poll_and_connection(
    release_sandbox, monkeypatch, wait_class, old_form, fields, path, finish
):
    """Deferred now (the generic trigger) or by an earlier release (the old form), alike."""
    service = wait_class.hook_class.conn_type
    conn_param = wait_class.hook_class.conn_name_attr
    second_connection(monkeypatch, release_sandbox, service, f"{service}_other")

    def generic(**kw):
        return ReleaseWaitTrigger.for_wait(wait_class(**fields, **kw), end_time=FAR, poll_interval=60)

    async def main():
        old = old_form(**fields, end_time=FAR, poll_interval=60)
        triggers = [generic(), old, generic(), generic(**{conn_param: f"{service}_other"})]
        run = Run(release_sandbox, triggers, TickClock())
        polls = [await run.poll(), await run.poll(lambda: finish(release_sandbox))]
        events = await run.finish()
        return polls, events, run.polls[-1], shared_reads().keys()

    polls, events, last, keys = asyncio.run(main())
    assert polls == [[(service, path)] * 2, [(service, path)] * 2]  # 4 waits, 2 connections
    assert [event["status"] for event in events] == ["done"] * 4
    assert last == [(service, path)] * 2
    assert keys == []  # nothing kept once the triggers ended


def test_an_error_of_a_shared_read_is_judged_by_every_wait(release_sandbox):
    release_sandbox.inject_fault("aha", "reject", status=403, message="Not allowed here")

    async def main():
        triggers = [
            AhaReleaseShippedTrigger(release_id="PRJ1-R-2", end_time=FAR, poll_interval=60) for _ in range(3)
        ]
        run = Run(release_sandbox, triggers, TickClock())
        return await run.finish(), run.polls

    events, run_polls = asyncio.run(main())
    assert [event["status"] for event in events] == ["error"] * 3
    assert run_polls == [[("aha", "/api/v1/releases/PRJ1-R-2")]]  # one read, three waits
    assert all("refused the credentials of connection 'aha_default'" in e["message"] for e in events), events


def test_a_list_that_cannot_be_read_now_is_pending_and_the_flag_is_still_read_every_n_polls(
    release_sandbox, task_logs
):
    def unavailable() -> None:
        release_sandbox.inject_fault("launchdarkly", "error", status=503, path=LIST[1], count=50)

    async def main():
        run = Run(release_sandbox, [phase_trigger("beta-banner", "Beta", flag_read_every=3)], TickClock())
        await run.poll(unavailable)
        polls = [await run.poll() for _ in range(3)]
        run.tasks[0].cancel()
        await asyncio.gather(*run.tasks, return_exceptions=True)
        return polls

    polls = asyncio.run(main())
    assert polls[0] == [LIST] * 3  # the read and the hook's two retries
    assert polls[1] == [LIST] * 3
    assert polls[2] == [LIST] * 3 + [own("beta-banner")]  # the third poll: the flag's own read anyway
    warnings = [w for w in task_logs.at("warning") if w.startswith("LaunchDarkly releases of pipeline")]
    assert warnings[0].startswith(
        "LaunchDarkly releases of pipeline 'standard-release' in project 'default': LaunchDarkly could "
        "not be read this time; will check again."
    )
    assert len(warnings) == 2


def test_a_list_refused_for_good_is_never_read_again(release_sandbox):
    def refused() -> None:
        release_sandbox.inject_fault("launchdarkly", "reject", status=403, path=LIST[1])

    async def main():
        run = Run(release_sandbox, [phase_trigger("beta-banner", "Beta")], TickClock())
        await run.poll(refused)
        polls = [await run.poll() for _ in range(3)]
        run.tasks[0].cancel()
        await asyncio.gather(*run.tasks, return_exceptions=True)
        return polls

    assert asyncio.run(main()) == [[LIST, own("beta-banner")], [own("beta-banner")], [own("beta-banner")]]
