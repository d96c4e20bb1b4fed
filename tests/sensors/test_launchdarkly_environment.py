"""LaunchDarklyEnvironmentReleaseSensor and its trigger: what each check says to a release manager, when the
wait is done, and the failures that end it at once; poked against a mocked API, deferred on the event loop."""

from __future__ import annotations

import asyncio
import time

import pytest

from airflow_provider_releases.hooks.launchdarkly import LaunchDarklyHook
from airflow_provider_releases.sensors.base import ReleaseSensorFailed
from airflow_provider_releases.sensors.launchdarkly import LaunchDarklyEnvironmentReleaseSensor
from airflow_provider_releases.triggers.launchdarkly import LaunchDarklyEnvironmentReleaseTrigger
from tests.sensors.specs import TriggerClock

URL = "https://app.launchdarkly.com/api/v2/projects/proj/flags/checkout/environments/production/releases"
WHERE = "of flag 'checkout' in environment 'production' of project 'proj'"


def step(allocation: int, **more) -> dict:
    return {"stepIndex": 0, "allocation": allocation, "durationMillis": 60_000, **more}


def phase(index: int, status: str, *, current_step: int | None = None, regressed=(), **more) -> dict:
    return {
        "id": f"ph-{index}",
        "phaseIndex": index,
        "ruleId": f"rule-{index}",
        "status": status,
        "description": f"Ring {index}",
        "currentStepIndex": current_step,
        "steps": [step(10_000), step(25_000), step(50_000)],
        "metricStatuses": {"error-rate": "regressed" if "error-rate" in regressed else "ok", "latency": "ok"},
        **more,
    }


def release(
    status: str, *phases: dict, reason: str | None = None, current: int | None = None, **more
) -> dict:
    return {
        "id": "rel-1",
        "kind": "guarded",
        "status": status,
        "statusReason": reason,
        "currentPhaseIndex": current,
        "phases": list(phases),
        "targetVariationId": "on",
        **more,
    }


def sensor(**kwargs) -> LaunchDarklyEnvironmentReleaseSensor:
    arguments = {
        "project_key": "proj",
        "flag_key": "checkout",
        "environment_key": "production",
        "release_id": "rel-1",
    }
    return LaunchDarklyEnvironmentReleaseSensor(task_id="wait_release", **{**arguments, **kwargs})


def listed(requests_mock, *releases: dict) -> None:
    requests_mock.get(URL, json={"items": list(releases), "totalCount": len(releases)})


@pytest.mark.parametrize(
    ("answer", "said"),
    [
        (
            release("in_progress", phase(0, "in_progress", current_step=1), phase(1, "pending"), current=0),
            f"LaunchDarkly guarded release rel-1 (status 'in_progress') {WHERE}: phase 1 of 2 ('Ring 0'),"
            " step 2 of 3: the target variation reaches 25% of the phase's contexts (status 'in_progress').",
        ),
        (
            release(
                "waiting",
                phase(0, "completed", current_step=2),
                phase(1, "pending"),
                reason="waiting_phase_ended",
            ),
            f"LaunchDarkly guarded release rel-1 (status 'waiting') {WHERE}: phase 1 of 2 is complete, and"
            " the release waits for someone to advance it to the next phase in LaunchDarkly (its"
            " advancement mode is manual).",
        ),
        (
            release("waiting", phase(0, "completed", current_step=2), phase(1, "pending")),
            f"LaunchDarkly guarded release rel-1 (status 'waiting') {WHERE}: between phases: 1 of 2 complete"
            " (status 'waiting').",
        ),
    ],
    ids=["step", "phase-ended", "between-phases"],
)
def test_each_check_says_where_the_release_stands(requests_mock, task_logs, answer, said):
    listed(requests_mock, answer)
    assert sensor().poke({}).is_done is False
    assert task_logs.at("info") == [said]
    assert requests_mock.last_request.headers["LD-API-Version"] == "beta"


def test_a_completed_release_is_done_and_returned(requests_mock):
    done = release("completed", phase(0, "completed", current_step=2), reason="completed_automatic")
    listed(requests_mock, release("in_progress", phase(0, "pending"), id="rel-2"), done)
    result = sensor().poke({})
    assert (result.is_done, result.xcom_value) == (True, done)


def test_a_completed_phase_is_done_while_the_release_goes_on(requests_mock):
    running = release(
        "in_progress",
        phase(0, "completed", current_step=2),
        phase(1, "in_progress", current_step=0),
        current=1,
    )
    listed(requests_mock, running)
    assert sensor(phase_index=0).poke({}).is_done is True
    assert sensor(phase_index=1).poke({}).is_done is False


def test_without_a_release_id_the_latest_release_is_awaited(requests_mock):
    listed(requests_mock, release("completed", id="rel-9"), release("in_progress"))
    assert sensor(release_id=None).poke({}).xcom_value["id"] == "rel-9"


def test_a_reverted_release_fails_at_once_naming_the_reason_and_the_regressed_metrics(requests_mock):
    reverted = release(
        "reverted", phase(0, "reverted", regressed=["error-rate"]), reason="reverted_regression_detected"
    )
    listed(requests_mock, reverted)
    with pytest.raises(ReleaseSensorFailed) as failed:
        sensor().poke({})
    assert str(failed.value) == (
        f"LaunchDarkly guarded release rel-1 (status 'reverted') {WHERE} was reverted: LaunchDarkly"
        " detected a regression of metric(s) 'error-rate' (reverted_regression_detected)."
    )


def test_a_regression_pause_fails_at_once_only_with_fail_on_regression(requests_mock, task_logs):
    paused = release(
        "waiting",
        phase(0, "in_progress", current_step=0, regressed=["error-rate"]),
        reason="waiting_regression_detected",
        current=0,
    )
    listed(requests_mock, paused)
    with pytest.raises(
        ReleaseSensorFailed, match=r"is paused on a regression of metric\(s\) 'error-rate', and"
    ):
        sensor().poke({})
    assert sensor(fail_on_regression=False).poke({}).is_done is False
    assert task_logs.at("info")[-1].endswith(
        "paused on a regression of metric(s) 'error-rate'; someone must dismiss the regression or stop the"
        " release in LaunchDarkly."
    )


def test_an_unknown_release_fails_at_once(requests_mock):
    listed(requests_mock, release("completed", id="rel-9"))
    with pytest.raises(
        ReleaseSensorFailed, match=r"has no release 'rel-1' \(a release that ended over 90 days"
    ):
        sensor().poke({})


def test_the_trigger_carries_the_wait_and_waits_on_the_event_loop_with_one_shared_read(monkeypatch):
    """Two triggers on the same flag and environment share each read; each ends with its own event."""
    answers = [
        [release("in_progress", phase(0, "in_progress", current_step=0), current=0)],
        [release("completed", phase(0, "completed", current_step=2))],
    ]
    reads = []

    async def alist(self, project_key, flag_key, environment_key, *, kind=None):
        reads.append((project_key, flag_key, environment_key))
        await asyncio.sleep(0)
        return answers[min(len(reads) - 1, 1)]

    monkeypatch.setattr(LaunchDarklyHook, "alist_environment_releases", alist)
    monkeypatch.setattr(LaunchDarklyEnvironmentReleaseTrigger, "clock", TriggerClock())
    triggers = [
        sensor(deferrable=True, poke_interval=30, **kwargs).get_trigger(time.time() + 600)
        for kwargs in ({}, {"release_id": None})
    ]
    path, kwargs = triggers[0].serialize()
    assert path == "airflow_provider_releases.triggers.launchdarkly.LaunchDarklyEnvironmentReleaseTrigger"
    assert kwargs["release_id"] == "rel-1" and kwargs["fail_on_regression"] is True

    async def both():
        async def first(trigger):  # as Airflow's triggerer runs a trigger: its first event, then closed
            events = trigger.run()
            try:
                return (await events.__anext__()).payload
            finally:
                await events.aclose()

        return await asyncio.gather(*(first(trigger) for trigger in triggers))

    events = asyncio.run(both())

    assert [event["status"] for event in events] == ["done", "done"]
    assert reads == [("proj", "checkout", "production")] * 2  # one read per poll, shared by both
