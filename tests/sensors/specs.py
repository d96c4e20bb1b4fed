"""One table of the three sensors, their vendor answers and their triggers, for the shared tests."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from airflow_provider_releases.sensors.aha import AhaReleaseShippedSensor
from airflow_provider_releases.sensors.base import ReleasesBaseSensor
from airflow_provider_releases.sensors.cryptlex import CryptlexReleasePublishedSensor
from airflow_provider_releases.sensors.launchdarkly import LaunchDarklyReleasePhaseSensor
from airflow_provider_releases.triggers.base import ReleaseWaitTrigger
from airflow_provider_releases.triggers.launchdarkly import LaunchDarklyReleasePhaseTrigger
from airflow_provider_releases.utils.clock import Clock
from airflow_provider_releases.waits.aha import AhaReleaseShipped
from airflow_provider_releases.waits.base import ReleaseWait
from airflow_provider_releases.waits.cryptlex import CryptlexReleasePublished
from airflow_provider_releases.waits.launchdarkly import LaunchDarklyReleasePhase

LD_PHASES_PENDING = [
    {"_id": "ph-a", "_name": "Alpha", "complete": True},
    {"_id": "ph-b", "_name": "Beta", "complete": False},
]
LD_PHASES_DONE = [
    {"_id": "ph-a", "_name": "Alpha", "complete": True},
    {"_id": "ph-b", "_name": "Beta", "complete": True},
]
AHA_RELEASE = {"id": "67", "reference_num": "PRJ1-R-5", "name": "Release 3", "url": "https://a/r/5"}
CX_RELEASE = {"id": "rel-42", "name": "Spring", "version": "1.4.0", "channel": "stable", "productId": "p1"}


@dataclass(frozen=True)
class Spec:
    """A sensor under test: how to build it, what the vendor answers, what it returns."""

    name: str
    sensor: Callable[..., ReleasesBaseSensor]
    wait: ReleaseWait  # what the sensor built here waits for
    trigger_class: type[ReleaseWaitTrigger]  # the trigger it defers to
    trigger_kwargs: dict[str, Any]  # that trigger's kwargs for the wait (besides end_time, poll_interval)
    url: str
    pending: dict[str, Any]  # a mock response: not done yet
    done: dict[str, Any]  # a mock response: done
    value: Any  # what the sensor returns for ``done``
    fatal: dict[str, Any]  # a mock response: the wait can never succeed
    fatal_message: str
    pending_message: str
    waiting_for: str

    def trigger(self, *, end_time: float, poll_interval: float) -> ReleaseWaitTrigger:
        """The trigger the sensor built here defers to, rebuilt from its serialised kwargs."""
        return self.trigger_class(**self.trigger_kwargs, end_time=end_time, poll_interval=poll_interval)


SPECS = [
    Spec(
        name="launchdarkly",
        sensor=lambda **kw: LaunchDarklyReleasePhaseSensor(
            task_id="wait", project_key="proj", flag_key="flag", phase="Beta", **kw
        ),
        wait=LaunchDarklyReleasePhase("proj", "flag", "Beta", "launchdarkly_default"),
        trigger_class=LaunchDarklyReleasePhaseTrigger,
        trigger_kwargs={
            "project_key": "proj",
            "flag_key": "flag",
            "phase": "Beta",
            "launchdarkly_conn_id": "launchdarkly_default",
            "flag_read_every": 30,  # the trigger's default
        },
        url="https://app.launchdarkly.com/api/v2/flags/proj/flag/release",
        pending={"json": {"name": "Std", "phases": LD_PHASES_PENDING}},
        done={"json": {"name": "Std", "phases": LD_PHASES_DONE}},
        value={"_id": "ph-b", "_name": "Beta", "complete": True},
        fatal={"json": {"name": "Std", "phases": LD_PHASES_PENDING, "_canceledAt": 1767225600000}},
        fatal_message=(
            "LaunchDarkly release of flag 'flag' in project 'proj' was canceled at 2026-01-01 00:00:00 UTC; "
            "phase 'Beta' (position 1, id ph-b) will never complete."
        ),
        pending_message=(
            "LaunchDarkly release of flag 'flag' in project 'proj': phase 'Beta' (position 1, id ph-b) "
            "is not complete yet."
        ),
        waiting_for="phase 'Beta' of the LaunchDarkly release of flag 'flag' in project 'proj' to complete",
    ),
    Spec(
        name="aha",
        sensor=lambda **kw: AhaReleaseShippedSensor(task_id="wait", release_id="PRJ1-R-5", **kw),
        wait=AhaReleaseShipped("PRJ1-R-5", "aha_default"),
        trigger_class=ReleaseWaitTrigger,
        trigger_kwargs={
            "wait": "airflow_provider_releases.waits.aha.AhaReleaseShipped",
            "wait_fields": {"release_id": "PRJ1-R-5", "aha_conn_id": "aha_default"},
        },
        url="https://company.aha.io/api/v1/releases/PRJ1-R-5",
        pending={"json": {"release": {**AHA_RELEASE, "released": False, "released_on": None}}},
        done={"json": {"release": {**AHA_RELEASE, "released": True, "released_on": "2026-03-02"}}},
        value={**AHA_RELEASE, "released_on": "2026-03-02"},
        fatal={"status_code": 404, "text": "Record not found"},
        fatal_message=(
            "Aha! release 'PRJ1-R-5': no such release in Aha!, so it can never ship (read through connection"
            " 'aha_default'). Aha! get_release "
            "(GET /api/v1/releases/PRJ1-R-5) failed with HTTP 404: response body: Record not found."
        ),
        pending_message="Aha! release 'PRJ1-R-5' ('Release 3') is not shipped yet.",
        waiting_for="Aha! release 'PRJ1-R-5' to ship",
    ),
    Spec(
        name="cryptlex",
        sensor=lambda **kw: CryptlexReleasePublishedSensor(task_id="wait", release_id="rel-42", **kw),
        wait=CryptlexReleasePublished("rel-42", "cryptlex_default"),
        trigger_class=ReleaseWaitTrigger,
        trigger_kwargs={
            "wait": "airflow_provider_releases.waits.cryptlex.CryptlexReleasePublished",
            "wait_fields": {"release_id": "rel-42", "cryptlex_conn_id": "cryptlex_default"},
        },
        url="https://api.cryptlex.com/v3/releases/rel-42",
        pending={"json": {**CX_RELEASE, "published": False, "publishedAt": None}},
        done={"json": {**CX_RELEASE, "published": True, "publishedAt": "2026-03-02T10:00:00Z"}},
        value={**CX_RELEASE, "published": True, "publishedAt": "2026-03-02T10:00:00Z"},
        fatal={"status_code": 403, "json": {"message": "Missing scope release:read"}},
        fatal_message=(
            "Cryptlex release 'rel-42': Cryptlex refused the credentials of connection 'cryptlex_default' "
            "or they lack permission. Cryptlex get_release (GET /v3/releases/rel-42) failed with HTTP 403: "
            'Cryptlex said "Missing scope release:read".'
        ),
        pending_message="Cryptlex release 'rel-42' ('Spring', version 1.4.0) is not published yet.",
        waiting_for="Cryptlex release 'rel-42' to be published",
    ),
]
SPEC_IDS = [spec.name for spec in SPECS]


def first_event(trigger: ReleaseWaitTrigger) -> Any:
    """Run the trigger in a fresh event loop and return the payload of its first event."""

    async def collect() -> Any:
        events = trigger.run()
        try:
            event = await events.__anext__()
        finally:
            await events.aclose()
        return event.payload

    return asyncio.run(collect())


class TriggerClock(Clock):
    """
    A trigger's clock that records its waits between checks instead of waiting, and tells the
    time from ``times`` (one value per reading) when given, else from the system clock.
    """

    def __init__(self, times: Iterable[float] | None = None) -> None:
        self.waits: list[float] = []
        self._times = None if times is None else iter(times)

    def time(self) -> float:
        return super().time() if self._times is None else next(self._times)

    async def asleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        await asyncio.sleep(0)
