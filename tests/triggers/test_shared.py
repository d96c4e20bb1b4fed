"""Shared polls: triggers of one triggerer that read the same thing share one read per poll interval."""

from __future__ import annotations

import asyncio
import functools
import itertools
import json
import time

import pytest

from airflow_provider_releases.hooks.launchdarkly import LaunchDarklyHook
from airflow_provider_releases.triggers.aha import AhaReleaseShippedTrigger
from airflow_provider_releases.triggers.base import ReleaseWaitTrigger
from airflow_provider_releases.triggers.cryptlex import CryptlexReleasePublishedTrigger
from airflow_provider_releases.triggers.launchdarkly import LaunchDarklyReleasePhaseTrigger
from airflow_provider_releases.triggers.shared import PollSpec, shared_hooks, shared_polls, shared_reads
from airflow_provider_releases.waits.aha import AhaReleaseShipped
from airflow_provider_releases.waits.cryptlex import CryptlexReleasePublished
from airflow_provider_releases_sandbox import Sandbox
from tests.triggers.ticks import Run, TickClock

PROJECT, PIPELINE = "default", "standard-release"
LIST = ("launchdarkly", f"/api/v2/projects/{PROJECT}/release-pipelines/{PIPELINE}/releases")
PIPELINES = ("launchdarkly", f"/api/v2/projects/{PROJECT}/release-pipelines")
BETA_ID = "dda0d9fb3ac68a0cbaa66005"  # the seeded pipeline's phase 'Beta'
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


def test_flags_on_one_pipeline_cost_the_list_plus_the_flags_it_cannot_tell(release_sandbox, ld):
    """The pipeline's list decides from the first poll on: flags whose release has no active phase
    yet are read once (the list cannot tell), a phase started or completed shows in the list alone."""
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
    assert sorted(first) == sorted([PIPELINES, LIST, *(own(flag) for flag in NEW_FLAGS)])
    assert quiet == [LIST]  # nothing changed: one read for four waits
    assert changed == [LIST]  # Testing started on dark-mode: the list says which phase is active
    # Beta completed; General availability waits for approval to start, so no phase is active:
    # the list cannot tell that from a cancel, and the flag's own release is read once
    assert sorted(done) == sorted([LIST, own("beta-banner")])
    assert events[:3] == [None, None, None]
    assert events[3]["status"] == "done" and events[3]["value"]["_id"] == BETA_ID  # from the own read


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
    assert sorted(first) == sorted([PIPELINES, LIST] * 2)  # per connection; the two waits on it share
    assert second == [LIST] * 2


def test_a_canceled_release_is_confirmed_by_one_own_read_per_connection(release_sandbox, monkeypatch):
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
    # The list shows no active phase any more: a cancel to confirm, one own read per connection, shared.
    assert sorted(polls[2]) == sorted([LIST, LIST, own("beta-banner"), own("beta-banner")])
    assert [event["status"] for event in events] == ["error"] * 3
    assert all("was canceled at" in event["message"] for event in events), events
    assert "phase 'Beta'" in events[0]["message"] and "'General availability'" in events[1]["message"]


def test_the_flag_is_read_every_n_polls_even_when_the_list_shows_no_change(release_sandbox):
    async def main():
        run = Run(release_sandbox, [phase_trigger("beta-banner", "Beta", flag_read_every=3)], TickClock())
        polls = [await run.poll() for _ in range(7)]
        run.tasks[0].cancel()
        await asyncio.gather(*run.tasks, return_exceptions=True)
        return polls

    polls = asyncio.run(main())
    assert polls[0] == [PIPELINES, LIST]
    # the first period starts part-way through, by the flag's key; then every third poll
    own_reads = [index for index, poll in enumerate(polls) if own("beta-banner") in poll]
    assert [b - a for a, b in itertools.pairwise(own_reads)] == [3] * (len(own_reads) - 1)
    assert len(own_reads) == 2 and all(LIST in poll for poll in polls)


def test_the_periodic_own_reads_of_many_flags_spread_over_the_polls(release_sandbox, ld):
    """Waits started together do not all re-read their flags on one poll: each flag's period starts
    part-way through (by its key), so a quiet poll costs the list plus about flags / N own reads."""
    attach(ld, *NEW_FLAGS)
    for flag in NEW_FLAGS:
        start_testing(ld, flag)

    async def main():
        triggers = [phase_trigger(flag, flag_read_every=3) for flag in NEW_FLAGS]
        triggers.append(phase_trigger("beta-banner", "Beta", flag_read_every=3))
        run = Run(release_sandbox, triggers, TickClock())
        polls = [await run.poll() for _ in range(7)]
        for task in run.tasks:
            task.cancel()
        await asyncio.gather(*run.tasks, return_exceptions=True)
        return polls

    polls = asyncio.run(main())
    assert sorted(polls[0]) == sorted([PIPELINES, LIST])  # every flag's phase is active: no own read
    own_per_poll = [sum(path[1].endswith("/release") for path in poll) for poll in polls[1:]]
    assert sum(own_per_poll[:3]) == 4 and max(own_per_poll) < 4  # each flag once per 3 polls, spread


def test_a_flag_whose_entry_vanished_is_read(release_sandbox, ld):
    """A flag that vanished from its pipeline's list (its release was removed) gets its own read, and
    the 404 ends the wait."""

    async def main():
        run = Run(release_sandbox, [phase_trigger("beta-banner", "Beta")], TickClock())
        await run.poll()
        await run.poll(lambda: ld.delete_flag_release(PROJECT, "beta-banner"))
        return await run.finish(), run.polls

    [event], polls = asyncio.run(main())
    assert polls == [[PIPELINES, LIST], [LIST], [LIST, own("beta-banner")]]
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
    release_sandbox, task_logs, sleeps
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
    assert len(sleeps) == 6  # the hook's backoff before each retry
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


def test_a_poll_that_changes_nothing_wakes_no_wait():
    """The poll hands each wait its entry and wakes only those whose entry changed: a quiet poll costs
    its read and no per-wait work; a wait that joins later is handed the latest answer, no read."""
    answers = [{"a": 1, "b": 1}, {"a": 1, "b": 1}, {"a": 1, "b": 2}, {"a": 1}]
    reads: list[int] = []

    async def fetch():
        reads.append(len(reads))
        return answers[min(len(reads) - 1, len(answers) - 1)]

    async def main():
        clock = TickClock()
        spec = PollSpec(key=("test", "conn", "thing"), fetch=fetch, entries=dict, interval=1.0)
        polls = shared_polls()
        subs = [polls.subscribe(spec, item, clock=clock) for item in ("a", "b", "b")]
        woken = []
        for _ in range(4):
            await asyncio.sleep(0.01)
            woken.append([(sub.item, sub._pending.entry) for sub in subs if sub._pending is not None])
            for sub in subs:
                sub._pending = None
            if len(woken) == 1:
                late = polls.subscribe(spec, "a", clock=clock)
                late_wake = await late.next()
                late.close()
            await clock.next_tick()
        for sub in subs:
            sub.close()
        return woken, late_wake, polls.keys()

    woken, late_wake, keys = asyncio.run(main())
    assert woken == [[("a", 1), ("b", 1), ("b", 1)], [], [("b", 2), ("b", 2)], [("b", None), ("b", None)]]
    assert late_wake.entry == 1 and late_wake.changed and len(reads) == 4  # the late wait read nothing
    assert keys == []


def test_one_hook_lookup_client_and_tls_build_however_many_waits_start_together(release_sandbox, monkeypatch):
    """Fifty waits on one connection starting in the same loop iteration: one hook, one connection
    lookup, one client and one TLS context build, every caller awaiting the same one."""
    import httpx

    from airflow_provider_releases.hooks import async_http

    lookups, tls_builds = [], []
    lookup = LaunchDarklyHook.aget_connection.__func__

    async def counting_lookup(cls, conn_id):
        lookups.append(conn_id)
        return await lookup(cls, conn_id)

    def counting_tls():
        tls_builds.append(1)
        return httpx.create_ssl_context()

    monkeypatch.setattr(LaunchDarklyHook, "aget_connection", classmethod(counting_lookup))
    monkeypatch.setattr(async_http, "tls_context", functools.cache(counting_tls))  # not built yet
    triggers = [phase_trigger("beta-banner", "Beta") for _ in range(50)]

    async def main():
        run = Run(release_sandbox, triggers, TickClock())  # all started before any runs
        first = await run.poll()
        hooks = shared_hooks()
        held = [hooks.hook(key) for key in list(hooks.keys())]
        clients = {id(hook.async_transport.client) for hook in held}
        for task in run.tasks:
            task.cancel()
        await asyncio.gather(*run.tasks, return_exceptions=True)
        return first, len(held), len(clients), hooks.keys()

    first, hooks_held, clients, left = asyncio.run(main())
    assert first == [PIPELINES, LIST]
    assert (hooks_held, clients, len(lookups), len(tls_builds)) == (1, 1, 1, 1)
    assert left == []
