"""The watchers' shared rules (watermark, shared polls, failures), and the harness the vendor tests use."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import pytest
from airflow.sdk.module_loading import import_string
from airflow.triggers.base import BaseEventTrigger

from airflow_provider_releases.exceptions import InvalidParameterError
from airflow_provider_releases.triggers.events import (
    AhaReleaseShippedEventTrigger,
    CryptlexReleasePublishedEventTrigger,
    LaunchDarklyEnvironmentReleaseEventTrigger,
    LaunchDarklyPhaseCompletedEventTrigger,
    WatcherFailed,
)
from airflow_provider_releases.triggers.events.base import ReleasesEventTrigger
from tests.triggers.ticks import TickClock

AHA_PRODUCT = "PRJ1"
AHA_IN_PROGRESS = "161456549"  # PRJ1-R-2 'Release 1.1', seeded "In progress"
CX_PRODUCT = "0b7e4f2c-91a6-4d38-b5c2-6e1f9a3d8c47"
CX_DRAFT = "a41c7d09-5e3f-4b82-9c6a-0f8e2d4b6a13"  # seeded on channel beta, not published
LD_PROJECT, LD_PIPELINE = "default", "standard-release"


class FakeStateStore:
    """An ``asset_state_store`` of one watched asset (Airflow 3.3): ``aget``/``aset``, JSON values."""

    def __init__(self, values: dict[str, Any] | None = None) -> None:
        self.values = dict(values or {})
        self.writes: list[tuple[str, Any]] = []

    async def aget(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)

    async def aset(self, key: str, value: Any) -> None:
        json.dumps(value)  # the store keeps JSON
        self.values[key] = value
        self.writes.append((key, value))


class Watch:
    """
    Watchers' ``run()`` on the running loop, poll by poll: every wait between polls lasts until
    the test's next tick, so each :meth:`poll` is exactly one poll of every watcher.
    """

    def __init__(self, clock: TickClock, *triggers: ReleasesEventTrigger) -> None:
        self.clock = clock
        self.events: list[list[Any]] = [[] for _ in triggers]
        self.tasks = [
            asyncio.ensure_future(self._collect(t, out)) for t, out in zip(triggers, self.events, strict=True)
        ]

    @staticmethod
    async def _collect(trigger: ReleasesEventTrigger, out: list[Any]) -> None:
        async for event in trigger.run():
            out.append(event.payload)

    def running(self) -> int:
        return sum(not task.done() for task in self.tasks)

    async def start(self) -> list[list[Any]]:
        """Let the first poll (the baseline, or the comparison with a stored watermark) finish."""
        await self.clock.settled(self.running)
        return [list(events) for events in self.events]

    async def poll(self, change: Callable[[], Any] | None = None) -> list[list[Any]]:
        """Make ``change`` at the vendor, let every watcher poll once; return each one's new events."""
        before = [len(events) for events in self.events]
        if change is not None:
            change()
        await self.clock.next_tick()
        await asyncio.sleep(0)
        await self.clock.settled(self.running)
        return [events[count:] for events, count in zip(self.events, before, strict=True)]

    async def stop(self) -> None:
        """Stop the watchers (a triggerer shutting down); re-raise what one of them raised."""
        for task in self.tasks:
            task.cancel()
        results = await asyncio.gather(*self.tasks, return_exceptions=True)
        for result in results:
            if isinstance(result, Exception):
                raise result


async def run_a_triggerer_once(clock: TickClock, watcher: ReleasesEventTrigger, store: Any) -> list[Any]:
    """
    One life of a triggerer running ``watcher`` with ``store`` as its asset state store: its
    first poll and one more, then a shutdown; return the events of both polls.
    """
    watcher.asset_state_store = store
    watch = Watch(clock, watcher)
    [first] = await watch.start()
    [later] = await watch.poll()
    await watch.stop()
    return first + later


class WatchClock(TickClock):
    """A :class:`TickClock` on which a watcher stopped while it waits no longer counts as waiting."""

    async def asleep(self, seconds: float) -> None:
        try:
            await super().asleep(seconds)
        except asyncio.CancelledError:
            self.sleeping -= 1
            raise


def install_clock(monkeypatch: pytest.MonkeyPatch) -> TickClock:
    """Give the watchers a clock on which each wait between polls lasts until the test's next tick."""
    tick = WatchClock()
    monkeypatch.setattr(ReleasesEventTrigger, "clock", tick)
    return tick


@pytest.fixture
def clock(monkeypatch) -> TickClock:
    """The watchers' clock (see :func:`install_clock`)."""
    return install_clock(monkeypatch)


def aha_watcher(**kwargs: Any) -> AhaReleaseShippedEventTrigger:
    return AhaReleaseShippedEventTrigger(AHA_PRODUCT, poll_interval=30, **kwargs)


# Construction and serialisation


WATCHERS = [
    (AhaReleaseShippedEventTrigger, {"product": "PRJ1", "aha_conn_id": "aha_other"}),
    (
        CryptlexReleasePublishedEventTrigger,
        {"product_id": CX_PRODUCT, "channel": "beta", "cryptlex_conn_id": "cx"},
    ),
    (
        CryptlexReleasePublishedEventTrigger,
        {"product_id": CX_PRODUCT, "channel": None, "cryptlex_conn_id": "cx"},
    ),
    (
        LaunchDarklyPhaseCompletedEventTrigger,
        {
            "project_key": "default",
            "release_pipeline_key": "hotfix",
            "phase": 1,
            "launchdarkly_conn_id": "ld",
        },
    ),
    (
        LaunchDarklyEnvironmentReleaseEventTrigger,
        {
            "project_key": "default",
            "flag_key": "new-checkout",
            "environment_key": "production",
            "launchdarkly_conn_id": "ld",
        },
    ),
]


@pytest.mark.parametrize(("cls", "kwargs"), WATCHERS, ids=lambda v: getattr(v, "__name__", ""))
def test_serialize_round_trips_to_an_equal_watcher(cls, kwargs):
    watcher = cls(**kwargs, poll_interval=15)
    classpath, serialized = watcher.serialize()
    assert (
        classpath
        == f"airflow_provider_releases.triggers.events.{cls.__module__.rsplit('.', 1)[1]}.{cls.__name__}"
    )
    assert serialized == {**kwargs, "poll_interval": 15.0}
    assert json.loads(json.dumps(serialized)) == serialized
    again = import_string(classpath)(**serialized)
    assert isinstance(again, BaseEventTrigger)
    assert again.serialize() == (classpath, serialized)
    assert again.shared_stream_key() == watcher.shared_stream_key()
    assert again.watermark_key() == watcher.watermark_key()


def test_the_package_exports_the_four_watchers():
    from airflow_provider_releases.triggers import events

    assert events.AhaReleaseShippedEventTrigger is AhaReleaseShippedEventTrigger
    assert events.CryptlexReleasePublishedEventTrigger is CryptlexReleasePublishedEventTrigger
    assert events.LaunchDarklyPhaseCompletedEventTrigger is LaunchDarklyPhaseCompletedEventTrigger
    assert events.LaunchDarklyEnvironmentReleaseEventTrigger is LaunchDarklyEnvironmentReleaseEventTrigger


@pytest.mark.parametrize(
    ("build", "param", "value"),
    [
        (lambda: AhaReleaseShippedEventTrigger("PRJ 1"), "product", "PRJ 1"),
        (lambda: AhaReleaseShippedEventTrigger("PRJ1", aha_conn_id=""), "aha_conn_id", ""),
        (lambda: AhaReleaseShippedEventTrigger("PRJ1", poll_interval=0), "poll_interval", 0),
        (lambda: CryptlexReleasePublishedEventTrigger("not/an id"), "product_id", "not/an id"),
        (lambda: CryptlexReleasePublishedEventTrigger(CX_PRODUCT, channel=""), "channel", ""),
        (
            lambda: LaunchDarklyPhaseCompletedEventTrigger("default", "no such/key", "Beta"),
            "release_pipeline_key",
            None,
        ),
        (lambda: LaunchDarklyPhaseCompletedEventTrigger("default", "hotfix", -1), "phase", -1),
        (lambda: LaunchDarklyPhaseCompletedEventTrigger("default", "hotfix", " "), "phase", " "),
        (
            lambda: LaunchDarklyEnvironmentReleaseEventTrigger("default", "f", "prod env"),
            "environment_key",
            "prod env",
        ),
    ],
)
def test_bad_arguments_are_refused_at_construction(build, param, value):
    with pytest.raises(InvalidParameterError) as raised:
        build()
    assert raised.value.param == param
    assert param in str(raised.value)
    if value is not None:
        assert repr(value) in str(raised.value)


def test_equal_subjects_share_one_stream_key_and_keep_their_own_watermarks():
    beta = LaunchDarklyPhaseCompletedEventTrigger(LD_PROJECT, LD_PIPELINE, "Beta", poll_interval=30)
    ga = LaunchDarklyPhaseCompletedEventTrigger(
        LD_PROJECT, LD_PIPELINE, "General availability", poll_interval=30
    )
    other_conn = LaunchDarklyPhaseCompletedEventTrigger(
        LD_PROJECT, LD_PIPELINE, "Beta", poll_interval=30, launchdarkly_conn_id="ld_other"
    )
    slower = LaunchDarklyPhaseCompletedEventTrigger(LD_PROJECT, LD_PIPELINE, "Beta", poll_interval=60)
    assert beta.shared_stream_key() == ga.shared_stream_key()
    assert beta.shared_stream_key() == (
        "launchdarkly-phase-completed",
        "launchdarkly_default",
        "default",
        LD_PIPELINE,
        30.0,
    )
    assert len({beta.shared_stream_key(), other_conn.shared_stream_key(), slower.shared_stream_key()}) == 3
    assert (
        beta.watermark_key()
        == "launchdarkly-phase-completed/launchdarkly_default/default/standard-release/Beta"
    )
    assert beta.watermark_key() != ga.watermark_key()
    stable = CryptlexReleasePublishedEventTrigger(CX_PRODUCT, "stable", poll_interval=30)
    every = CryptlexReleasePublishedEventTrigger(CX_PRODUCT, poll_interval=30)
    assert stable.shared_stream_key() == every.shared_stream_key()
    assert every.watermark_key() == f"cryptlex-published/cryptlex_default/{CX_PRODUCT}/*"


# The watermark


def test_the_watermark_is_saved_in_the_asset_state_store_as_a_sorted_list(release_sandbox, clock):
    store = FakeStateStore()
    watcher = aha_watcher()
    watcher.asset_state_store = store

    async def main():
        watch = Watch(clock, watcher)
        await watch.start()
        fired = await watch.poll(lambda: release_sandbox.ship_release(AHA_IN_PROGRESS))
        await watch.stop()
        return fired

    [fired] = asyncio.run(main())
    key = "aha-shipped/aha_default/PRJ1"
    baseline, after = store.writes
    assert baseline[0] == key and after[0] == key
    assert AHA_IN_PROGRESS not in baseline[1] and baseline[1] == sorted(baseline[1]) and baseline[1]
    assert after[1] == sorted([*baseline[1], AHA_IN_PROGRESS])
    assert [event["release_id"] for event in fired] == [AHA_IN_PROGRESS]


def test_a_restart_with_a_stored_watermark_fires_what_happened_while_down_once(release_sandbox, clock):
    store = FakeStateStore()

    def started() -> AhaReleaseShippedEventTrigger:
        watcher = aha_watcher()
        watcher.asset_state_store = store
        return watcher

    async def run_once(change: Callable[[], Any] | None = None) -> tuple[list[Any], list[Any]]:
        watch = Watch(clock, started())
        [first] = await watch.start()
        [later] = await watch.poll(change)
        await watch.stop()
        return first, later

    async def main():
        before = await run_once()  # the baseline, then a quiet poll
        release_sandbox.ship_release(AHA_IN_PROGRESS)  # while no watcher runs
        after_restart = await run_once()
        again = await run_once()
        return before, after_restart, again

    before, after_restart, again = asyncio.run(main())
    assert before == ([], [])
    first, later = after_restart
    assert [event["release_id"] for event in first] == [AHA_IN_PROGRESS] and later == []
    assert again == ([], [])  # neither the old releases nor the one already fired


def test_without_a_store_a_restart_starts_from_a_new_baseline(release_sandbox, clock):
    """Airflow 3.2: the watermark lives in memory, so a transition made while down is not fired."""

    async def main():
        watch = Watch(clock, aha_watcher())
        await watch.start()
        await watch.stop()
        release_sandbox.ship_release(AHA_IN_PROGRESS)
        restarted = Watch(clock, aha_watcher())
        first = await restarted.start()
        later = await restarted.poll()
        await restarted.stop()
        return first, later

    assert asyncio.run(main()) == ([[]], [[]])


def test_a_store_watching_several_assets_keeps_the_watermark_in_memory(release_sandbox, clock, task_logs):
    context = pytest.importorskip("airflow.sdk.execution_time.context")
    accessors = getattr(context, "AssetStateStoreAccessors", None)
    if accessors is None:
        pytest.skip("Airflow 3.2 has no asset state store")
    from airflow.sdk import Asset

    watcher = aha_watcher()
    watcher.asset_state_store = accessors(
        inlets=[Asset(name="a", uri="aha://PRJ1"), Asset(name="b", uri="aha://PRJ2")]
    )

    async def main():
        watch = Watch(clock, watcher)
        await watch.start()
        fired = await watch.poll(lambda: release_sandbox.ship_release(AHA_IN_PROGRESS))
        await watch.stop()
        return fired

    [fired] = asyncio.run(main())
    assert [event["release_id"] for event in fired] == [AHA_IN_PROGRESS]
    [warning] = [w for w in task_logs.at("warning") if "stays in memory" in w]
    assert (
        "aha-shipped/aha_default/PRJ1" in warning and "use context['asset_state_store'][MY_ASSET]" in warning
    )


def test_a_stored_watermark_of_another_shape_is_a_new_baseline(release_sandbox, clock, task_logs):
    store = FakeStateStore({"aha-shipped/aha_default/PRJ1": {"not": "a list"}})
    watcher = aha_watcher()
    watcher.asset_state_store = store

    async def main():
        watch = Watch(clock, watcher)
        first = await watch.start()
        await watch.stop()
        return first

    assert asyncio.run(main()) == [[]]
    assert any("is not a list of ids" in w for w in task_logs.at("warning"))
    assert isinstance(store.values["aha-shipped/aha_default/PRJ1"], list)


# Shared polls through Airflow's own manager (Airflow 3.3)


def test_watchers_with_equal_keys_share_one_poll_in_airflows_manager(release_sandbox, clock):
    shared_stream = pytest.importorskip(
        "airflow.triggers.shared_stream", reason="Airflow 3.2 has no shared streams"
    )
    beta = LaunchDarklyPhaseCompletedEventTrigger(LD_PROJECT, LD_PIPELINE, "Beta", poll_interval=30)
    testing = LaunchDarklyPhaseCompletedEventTrigger(LD_PROJECT, LD_PIPELINE, "Testing", poll_interval=30)
    assert beta.shared_stream_key() == testing.shared_stream_key()
    pages = f"/api/v2/projects/{LD_PROJECT}/release-pipelines/{LD_PIPELINE}"

    async def main():
        manager = shared_stream.SharedStreamManager()
        events: dict[str, list[Any]] = {"beta": [], "testing": []}

        async def consume(trigger_id: int, trigger, out: list[Any]) -> None:
            stream = manager.subscribe(
                trigger_id=trigger_id, trigger=trigger, key=trigger.shared_stream_key()
            )
            async for event in trigger.filter_shared_stream(stream):
                out.append(event.payload)

        tasks = [
            asyncio.ensure_future(consume(1, beta, events["beta"])),
            asyncio.ensure_future(consume(2, testing, events["testing"])),
        ]
        await clock.settled(lambda: 1)  # one poll loop for the two
        await _eventually(lambda: release_sandbox.requests_to("launchdarkly"))
        first = [(r.method, r.path) for r in release_sandbox.requests_to("launchdarkly")]
        release_sandbox.clear_requests()
        release_sandbox.complete_phase(LD_PROJECT, "beta-banner")  # Beta completes, GA starts
        await clock.next_tick()
        await _eventually(lambda: events["beta"])
        await clock.settled(lambda: 1)
        second = [(r.method, r.path) for r in release_sandbox.requests_to("launchdarkly")]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await manager.stop_all()
        return first, second, events

    first, second, events = asyncio.run(main())
    once = [("GET", pages), ("GET", pages + "/releases")]
    assert first == once and second == once  # one read per poll for both watchers
    assert [event["phase_name"] for event in events["beta"]] == ["Beta"]
    assert events["testing"] == []  # Testing had completed before the watchers started


async def _eventually(condition: Callable[[], Any], timeout: float = 5.0) -> None:
    """Wait until ``condition()`` holds (the manager hands snapshots over on its own task)."""
    for _ in range(int(timeout / 0.01)):
        if condition():
            return
        await asyncio.sleep(0.01)
    assert condition()


# Failures


@pytest.mark.usefixtures("sleeps")  # the hook's backoff between its retries
def test_a_transient_failure_keeps_polling_with_the_watermark_unchanged(release_sandbox, clock, task_logs):
    store = FakeStateStore()
    watcher = aha_watcher()
    watcher.asset_state_store = store

    async def main():
        watch = Watch(clock, watcher)
        await watch.start()
        writes = len(store.writes)

        def outage() -> None:
            release_sandbox.ship_release(AHA_IN_PROGRESS)
            release_sandbox.inject_fault("aha", "error", status=503, count=10)

        during = await watch.poll(outage)
        unchanged = len(store.writes) == writes
        after = await watch.poll(release_sandbox.clear_faults)
        running = watch.running()
        await watch.stop()
        return during, unchanged, after, running

    [during], unchanged, [after], running = asyncio.run(main())
    assert during == [] and unchanged
    assert [event["release_id"] for event in after] == [AHA_IN_PROGRESS]
    assert running == 1
    [warning] = [w for w in task_logs.at("warning") if "could not be read this time; will check again" in w]
    assert warning.startswith("Aha! releases of product 'PRJ1': ") and "HTTP 503" in warning


def test_a_permanent_failure_fails_the_watcher_with_a_clear_message(release_sandbox, clock):
    release_sandbox.inject_fault("aha", "reject", status=401, message="Invalid API key")

    async def main():
        watch = Watch(clock, aha_watcher())
        await watch.start()
        await watch.stop()

    with pytest.raises(WatcherFailed) as raised:
        asyncio.run(main())
    message = str(raised.value)
    assert "Aha! releases of product 'PRJ1'" in message
    assert "refused the credentials of connection 'aha_default'" in message
    assert "sandbox-aha-api-key" not in message


def test_a_stopped_watcher_releases_its_http_clients(release_sandbox, clock):
    from airflow_provider_releases.hooks.aha import AhaHook
    from airflow_provider_releases.hooks.async_http import SHARED_CLIENTS

    async def main():
        key = ("aha_default", AhaHook, AhaHook().base_url, asyncio.get_running_loop())
        watch = Watch(clock, aha_watcher())
        await watch.start()
        polling = SHARED_CLIENTS.users(key)
        await watch.stop()
        return polling, SHARED_CLIENTS.users(key)

    polling, stopped = asyncio.run(main())
    assert polling == 2  # the poll's hook and the filter's hook share the connection's client
    assert stopped == 0
