"""One table of the three triggers waiting on the sandbox: what they wait for, and how it comes about."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from airflow_provider_releases.sensors.aha import AhaReleaseShippedSensor
from airflow_provider_releases.sensors.base import ReleasesBaseSensor
from airflow_provider_releases.sensors.cryptlex import CryptlexReleasePublishedSensor
from airflow_provider_releases.sensors.launchdarkly import LaunchDarklyReleasePhaseSensor
from airflow_provider_releases.triggers.base import ReleaseWaitTrigger
from airflow_provider_releases.triggers.launchdarkly import LaunchDarklyReleasePhaseTrigger
from airflow_provider_releases_sandbox import Sandbox
from tests.sensors.specs import TriggerClock

FAR = 4_000_000_000.0  # an end_time far in the future (year 2096)
CX_DRAFT = "a41c7d09-5e3f-4b82-9c6a-0f8e2d4b6a13"  # a seeded Cryptlex release, not published


@dataclass(frozen=True)
class Scenario:
    """A trigger waiting on the sandbox's seed for something not done yet."""

    name: str
    trigger_class: type[ReleaseWaitTrigger]  # what the sensor defers to
    sensor_class: type[ReleasesBaseSensor]
    kwargs: dict[str, Any]  # the wait's fields (the connection id left to its default)
    service: str
    path: str  # the wait's own read
    polled: str  # what the trigger's shared poll reads (a phase wait: its pipeline's releases list)
    finish: Callable[[Sandbox], Any]  # bring the awaited state about, as the vendor's web app would
    check_done: Callable[[Any], bool]  # the done event's value is the right one
    pending_message: str
    missing: dict[str, Any]  # kwargs of a wait on something that does not exist
    missing_path: str  # its own read
    missing_message: str  # how the error event for ``missing`` starts
    conn_param: str

    def trigger(
        self, *, end_time: float = FAR, poll_interval: float = 30.0, **overrides: Any
    ) -> ReleaseWaitTrigger:
        """The trigger of the sensor's wait, with ``overrides`` of the wait's fields."""
        wait = self.sensor_class.wait_class(**{**self.kwargs, **overrides})
        return self.trigger_class.for_wait(wait, end_time=end_time, poll_interval=poll_interval)

    def sensor(self, **kwargs: Any) -> ReleasesBaseSensor:
        """The sensor waiting for the same thing, with ``kwargs`` (its service kwargs overridable)."""
        return self.sensor_class(task_id="wait", **{**self.kwargs, **kwargs})


SCENARIOS = [
    Scenario(
        name="launchdarkly",
        trigger_class=LaunchDarklyReleasePhaseTrigger,
        sensor_class=LaunchDarklyReleasePhaseSensor,
        kwargs={"project_key": "default", "flag_key": "beta-banner", "phase": "Beta"},
        service="launchdarkly",
        path="/api/v2/flags/default/beta-banner/release",
        polled="/api/v2/projects/default/release-pipelines/standard-release/releases",
        finish=lambda sb: sb.complete_phase("default", "beta-banner"),
        check_done=lambda value: value["_name"] == "Beta" and value["complete"] is True,
        pending_message=(
            "LaunchDarkly release of flag 'beta-banner' in project 'default': phase 'Beta' (position 1, id "
            "dda0d9fb3ac68a0cbaa66005) is not complete yet (status 'active')."
        ),
        missing={"flag_key": "dark-mode"},
        missing_path="/api/v2/flags/default/dark-mode/release",
        missing_message=(
            "LaunchDarkly release of flag 'dark-mode' in project 'default': the flag has no release (or the "
            "flag or project does not exist), so phase 'Beta' can never complete; attach the flag to a "
            "release pipeline first (read through connection 'launchdarkly_default'). LaunchDarkly "
            "get_flag_release (GET /api/v2/flags/default/dark-mode/release) failed with HTTP 404"
        ),
        conn_param="launchdarkly_conn_id",
    ),
    Scenario(
        name="aha",
        trigger_class=ReleaseWaitTrigger,
        sensor_class=AhaReleaseShippedSensor,
        kwargs={"release_id": "PRJ1-R-2"},
        service="aha",
        path="/api/v1/releases/PRJ1-R-2",
        polled="/api/v1/releases/PRJ1-R-2",
        finish=lambda sb: sb.ship_release("PRJ1-R-2"),
        check_done=lambda value: value["reference_num"] == "PRJ1-R-2" and value["released_on"] is not None,
        pending_message=(
            "Aha! release 'PRJ1-R-2' ('Release 1.1') is not shipped yet (workflow status 'In progress')."
        ),
        missing={"release_id": "PRJ1-R-99"},
        missing_path="/api/v1/releases/PRJ1-R-99",
        missing_message=(
            "Aha! release 'PRJ1-R-99': no such release in Aha!, so it can never ship (read through connection"
            " 'aha_default'). Aha! get_release "
            "(GET /api/v1/releases/PRJ1-R-99) failed with HTTP 404"
        ),
        conn_param="aha_conn_id",
    ),
    Scenario(
        name="cryptlex",
        trigger_class=ReleaseWaitTrigger,
        sensor_class=CryptlexReleasePublishedSensor,
        kwargs={"release_id": CX_DRAFT},
        service="cryptlex",
        path=f"/v3/releases/{CX_DRAFT}",
        polled=f"/v3/releases/{CX_DRAFT}",
        finish=lambda sb: sb.publish_cryptlex_release(CX_DRAFT),
        check_done=lambda value: value["id"] == CX_DRAFT and value["published"] is True,
        pending_message=(
            f"Cryptlex release '{CX_DRAFT}' ('Desktop app 1.1.0 beta', version 1.1.0) is not published yet."
        ),
        missing={"release_id": "no-such-release"},
        missing_path="/v3/releases/no-such-release",
        missing_message=(
            "Cryptlex release 'no-such-release': no such release in Cryptlex, so it can never publish (read"
            " through connection 'cryptlex_default'). "
            "Cryptlex get_release (GET /v3/releases/no-such-release) failed with HTTP 404"
        ),
        conn_param="cryptlex_conn_id",
    ),
]
SCENARIO_IDS = [scenario.name for scenario in SCENARIOS]


class ActingClock(TriggerClock):
    """A :class:`TriggerClock` that, at its ``n``-th wait (0-based), first runs ``actions[n]`` in a
    worker thread (a change at the vendor between two checks), never on the event loop."""

    def __init__(self, actions: dict[int, Callable[[], Any]] | None = None, times=None) -> None:
        super().__init__(times)
        self.actions = actions or {}

    async def asleep(self, seconds: float) -> None:
        action = self.actions.pop(len(self.waits), None)
        if action is not None:
            await asyncio.to_thread(action)
        await super().asleep(seconds)


class AdvancingClock(TriggerClock):
    """A :class:`TriggerClock` whose time moves on by each wait, from the system time at its making."""

    def __init__(self) -> None:
        super().__init__()
        self.start = super().time()

    def time(self) -> float:
        return self.start + sum(self.waits)
