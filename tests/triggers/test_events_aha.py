"""AhaReleaseShippedEventTrigger against the sandbox: one event per release shipped, whoever shipped it."""

from __future__ import annotations

import asyncio

import pytest

from airflow_provider_releases.exceptions import InvalidParameterError
from airflow_provider_releases.hooks.aha import AhaHook
from airflow_provider_releases.triggers.events import AhaReleaseShippedEventTrigger, WatcherFailed
from tests.triggers.test_events_base import (
    AHA_IN_PROGRESS,
    AHA_PRODUCT,
    FakeStateStore,
    Watch,
    aha_watcher,
    install_clock,
    run_a_triggerer_once,
)
from tests.triggers.ticks import TickClock

AHA_NOT_STARTED = "325518644"  # PRJ1-R-3 'Release 1.2', seeded "Not started"


@pytest.fixture
def clock(monkeypatch) -> TickClock:
    return install_clock(monkeypatch)


@pytest.fixture
def aha(release_sandbox) -> AhaHook:
    """A blocking hook on the sandbox, to change releases as a release manager would."""
    with AhaHook() as hook:
        yield hook


def expected(aha: AhaHook, release_id: str, reference_num: str, name: str) -> dict:
    release = aha.get_release(release_id)  # the vendor's record: the day it shipped, its page
    assert release["released_on"] and release["url"].endswith(f"/releases/{reference_num}")
    return {
        "service": "aha",
        "action": "shipped",
        "release_id": release_id,
        "reference_num": reference_num,
        "product_id": "131414752",
        "name": name,
        "released_on": release["released_on"],
        "url": release["url"],
    }


def test_each_release_shipped_fires_once_and_the_starting_state_never(release_sandbox, clock, aha):
    async def main():
        watch = Watch(clock, aha_watcher())
        start = await watch.start()
        one = await watch.poll(lambda: release_sandbox.ship_release(AHA_IN_PROGRESS))
        quiet = [await watch.poll() for _ in range(3)]
        created = await watch.poll(lambda: aha.create_release(AHA_PRODUCT, "Release 9"))
        two = await watch.poll(
            lambda: aha.update_release(AHA_PRODUCT, AHA_NOT_STARTED, workflow_status="Shipped")
        )
        await watch.stop()
        return start, one, quiet, created, two

    start, one, quiet, created, two = asyncio.run(main())
    assert start == [[]]  # Release 1.0 had shipped before: the baseline
    assert one == [[expected(aha, AHA_IN_PROGRESS, "PRJ1-R-2", "Release 1.1")]]
    assert quiet == [[[]]] * 3
    assert created == [[]]
    assert two == [[expected(aha, AHA_NOT_STARTED, "PRJ1-R-3", "Release 1.2")]]


def test_a_release_unshipped_then_shipped_again_fires_again(release_sandbox, clock, aha):
    async def main():
        watch = Watch(clock, aha_watcher())
        await watch.start()
        first = await watch.poll(lambda: release_sandbox.ship_release(AHA_IN_PROGRESS))
        unshipped = await watch.poll(
            lambda: aha.update_release(AHA_PRODUCT, AHA_IN_PROGRESS, workflow_status="In progress")
        )
        again = await watch.poll(lambda: release_sandbox.ship_release(AHA_IN_PROGRESS))
        await watch.stop()
        return first, unshipped, again

    [first], [unshipped], [again] = asyncio.run(main())
    assert [e["release_id"] for e in first] == [AHA_IN_PROGRESS]
    assert unshipped == []
    assert [e["release_id"] for e in again] == [AHA_IN_PROGRESS]


def test_each_poll_reads_all_releases_then_the_unshipped_and_confirms_only_the_new_one(
    release_sandbox, clock
):
    async def main():
        watch = Watch(clock, aha_watcher())
        await watch.start()
        release_sandbox.clear_requests()
        await watch.poll(lambda: release_sandbox.ship_release(AHA_IN_PROGRESS))
        made = [(r.method, r.path, r.query) for r in release_sandbox.requests_to("aha")]
        await watch.stop()
        return made

    made = asyncio.run(main())
    listed = "/api/v1/products/PRJ1/releases"
    assert [(method, path) for method, path, _ in made] == [
        ("GET", listed),
        ("GET", listed),
        ("GET", f"/api/v1/releases/{AHA_IN_PROGRESS}"),
    ]
    assert "exclude_shipped" not in made[0][2] and made[1][2]["exclude_shipped"] == "true"
    assert made[0][2]["per_page"] == "200"


def test_a_stored_watermark_fires_a_release_shipped_while_down_once(release_sandbox, clock):
    store = FakeStateStore()

    async def run_once() -> list:
        return await run_a_triggerer_once(clock, aha_watcher(), store)

    async def main():
        baseline = await run_once()
        release_sandbox.ship_release(AHA_IN_PROGRESS)
        return baseline, await run_once(), await run_once()

    baseline, restarted, again = asyncio.run(main())
    assert baseline == [] and again == []
    assert [e["release_id"] for e in restarted] == [AHA_IN_PROGRESS]


@pytest.mark.usefixtures("sleeps")  # the hook's backoff between its retries
def test_a_failed_confirmation_read_fires_at_the_next_poll(release_sandbox, clock, task_logs):
    async def main():
        watch = Watch(clock, aha_watcher())
        await watch.start()

        def ship_and_fail_its_read() -> None:
            release_sandbox.ship_release(AHA_IN_PROGRESS)
            release_sandbox.inject_fault(
                "aha", "error", status=502, path=f"/api/v1/releases/{AHA_IN_PROGRESS}$", count=3
            )

        during = await watch.poll(ship_and_fail_its_read)
        after = await watch.poll()
        await watch.stop()
        return during, after

    [during], [after] = asyncio.run(main())
    assert during == []
    assert [e["release_id"] for e in after] == [AHA_IN_PROGRESS]
    assert any(w.startswith(f"Aha! release '{AHA_IN_PROGRESS}': ") for w in task_logs.at("warning"))


def test_an_unknown_product_fails_the_watcher_with_a_clear_message(release_sandbox, clock):
    async def main():
        watch = Watch(clock, AhaReleaseShippedEventTrigger("NOPE", poll_interval=30))
        await watch.start()
        await watch.stop()

    with pytest.raises(WatcherFailed) as raised:
        asyncio.run(main())
    assert str(raised.value).startswith(
        "Aha! releases of product 'NOPE': no such product in Aha!, so none of its releases can ship (read"
        " through connection 'aha_default'). "
    )
    assert "404" in str(raised.value)


def test_the_hooks_async_list_refuses_a_bad_product_before_any_request(release_sandbox):
    release_sandbox.clear_requests()

    async def main():
        hook = AhaHook()
        try:
            await hook.alist_product_releases("PRJ 1")
        finally:
            await hook.aclose()

    with pytest.raises(InvalidParameterError) as raised:
        asyncio.run(main())
    assert raised.value.param == "product_id" and "'PRJ 1'" in str(raised.value)
    assert release_sandbox.requests_to("aha") == []
