"""CryptlexReleasePublishedEventTrigger against the sandbox: one event per release published."""

from __future__ import annotations

import asyncio

import pytest

from airflow_provider_releases.exceptions import InvalidParameterError
from airflow_provider_releases.hooks.cryptlex import CryptlexHook
from airflow_provider_releases.triggers.events import CryptlexReleasePublishedEventTrigger, WatcherFailed
from tests.triggers.test_events_base import (
    CX_DRAFT,
    CX_PRODUCT,
    FakeStateStore,
    Watch,
    install_clock,
    run_a_triggerer_once,
)
from tests.triggers.ticks import TickClock


@pytest.fixture
def clock(monkeypatch) -> TickClock:
    return install_clock(monkeypatch)


@pytest.fixture
def cx(release_sandbox) -> CryptlexHook:
    """A blocking hook on the sandbox, to change releases as a release manager would."""
    with CryptlexHook() as hook:
        yield hook


def watcher(channel: str | None = None) -> CryptlexReleasePublishedEventTrigger:
    return CryptlexReleasePublishedEventTrigger(CX_PRODUCT, channel, poll_interval=30)


def test_each_release_published_fires_once_and_the_starting_state_never(release_sandbox, clock, cx):
    async def main():
        watch = Watch(clock, watcher(), watcher("beta"), watcher("stable"))
        start = await watch.start()
        one = await watch.poll(lambda: release_sandbox.publish_cryptlex_release(CX_DRAFT))
        quiet = [await watch.poll() for _ in range(3)]
        created = {}
        drafted = await watch.poll(
            lambda: created.update(cx.create_release(CX_PRODUCT, "Desktop 2.0", "2.0.0"))
        )
        two = await watch.poll(lambda: cx.publish_release(created["id"]))
        await watch.stop()
        return start, one, quiet, drafted, two, created["id"]

    start, one, quiet, drafted, two, new_id = asyncio.run(main())
    url = f"{release_sandbox.url('cryptlex')}/products/{CX_PRODUCT}/releases"
    beta = {
        "service": "cryptlex",
        "action": "published",
        "version": "1.1.0",
        "release_id": CX_DRAFT,
        "product_id": CX_PRODUCT,
        "channel": "beta",
        "name": "Desktop app 1.1.0 beta",
        "url": f"{url}/{CX_DRAFT}",
    }
    stable = {
        **beta,
        "version": "2.0.0",
        "release_id": new_id,
        "channel": "stable",
        "name": "Desktop 2.0",
        "url": f"{url}/{new_id}",
    }
    assert start == [[], [], []]  # 1.0.0 was published before
    assert one == [[beta], [beta], []]  # every channel, beta; not the stable watcher
    assert quiet == [[[], [], []]] * 3
    assert drafted == [[], [], []]
    assert two == [[stable], [], [stable]]


def test_every_channel_shares_one_read_of_the_product(release_sandbox, clock):
    async def main():
        watch = Watch(clock, watcher("beta"), watcher("stable"))
        await watch.start()
        release_sandbox.clear_requests()
        await watch.poll()
        made = [(r.method, r.path, r.query) for r in release_sandbox.requests_to("cryptlex")]
        await watch.stop()
        return made

    made = asyncio.run(main())
    # run() polls alone: one read per watcher, each of the whole product (any channel)
    assert [(method, path) for method, path, _ in made] == [("GET", "/v3/releases")] * 2
    assert all(query["productId"] == CX_PRODUCT and "channel" not in query for _, _, query in made)
    assert (
        watcher("beta").shared_stream_key()
        == watcher("stable").shared_stream_key()
        == watcher().shared_stream_key()
    )


def test_a_stored_watermark_fires_a_release_published_while_down_once(release_sandbox, clock):
    store = FakeStateStore()

    async def run_once() -> list:
        return await run_a_triggerer_once(clock, watcher("beta"), store)

    async def main():
        baseline = await run_once()
        release_sandbox.publish_cryptlex_release(CX_DRAFT)
        return baseline, await run_once(), await run_once()

    baseline, restarted, again = asyncio.run(main())
    assert baseline == [] and again == []
    assert [e["release_id"] for e in restarted] == [CX_DRAFT]
    assert store.values == {f"cryptlex-published/cryptlex_default/{CX_PRODUCT}/beta": [CX_DRAFT]}


def test_a_rate_limit_keeps_polling_and_fires_after_it(release_sandbox, clock, task_logs):
    async def main():
        watch = Watch(clock, watcher())
        await watch.start()

        def publish_under_rate_limit() -> None:
            release_sandbox.publish_cryptlex_release(CX_DRAFT)
            release_sandbox.inject_fault("cryptlex", "rate_limit", count=3, retry_after=0)

        during = await watch.poll(publish_under_rate_limit)
        after = await watch.poll()
        await watch.stop()
        return during, after

    [during], [after] = asyncio.run(main())
    assert during == []
    assert [e["release_id"] for e in after] == [CX_DRAFT]
    [warning] = [w for w in task_logs.at("warning") if "could not be read this time" in w]
    assert warning.startswith(f"Cryptlex releases of product {CX_PRODUCT!r}: ") and "429" in warning


def test_refused_credentials_fail_the_watcher_with_a_clear_message(release_sandbox, clock):
    release_sandbox.inject_fault("cryptlex", "reject", status=403, message="Missing scope release:read")

    async def main():
        watch = Watch(clock, watcher())
        await watch.start()
        await watch.stop()

    with pytest.raises(WatcherFailed) as raised:
        asyncio.run(main())
    message = str(raised.value)
    assert message.startswith(
        f"Cryptlex releases of product {CX_PRODUCT!r}: Cryptlex refused the credentials"
    )
    assert "Missing scope release:read" in message


def test_the_hooks_async_list_reads_the_releases_of_one_channel(release_sandbox, cx):
    for minor in range(3):
        cx.create_release(CX_PRODUCT, f"Beta 1.2.{minor}", f"1.2.{minor}", channel="beta")
    release_sandbox.clear_requests()

    async def main():
        hook = CryptlexHook()
        try:
            with pytest.raises(InvalidParameterError, match="channel"):
                await hook.alist_releases(CX_PRODUCT, channel="")
            return await hook.alist_releases(CX_PRODUCT, channel="beta")
        finally:
            await hook.aclose()

    releases = asyncio.run(main())
    assert sorted(r["version"] for r in releases) == ["1.1.0", "1.2.0", "1.2.1", "1.2.2"]
    [request] = release_sandbox.requests_to("cryptlex")
    assert request.query == {"productId": CX_PRODUCT, "channel": "beta", "page": "1", "limit": "100"}
