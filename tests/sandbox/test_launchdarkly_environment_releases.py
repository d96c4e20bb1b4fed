"""LaunchDarkly environment releases in the sandbox: how a release runs, advances, regresses and stops."""

from __future__ import annotations

import uuid

import pytest
import requests

from airflow_provider_releases_sandbox import Sandbox
from tests.sandbox.launchdarkly_releases import CLAUSE, MINUTE, Releases, assert_error, phase


@pytest.fixture
def ld(release_sandbox: Sandbox) -> Releases:
    """``new-checkout`` in production; the release clock stopped (only ``advance_time`` moves it)."""
    release_sandbox.set_time_scale(0)
    return Releases(release_sandbox)


def statuses(release: dict) -> list[tuple[str, str | None]]:
    return [(item["status"], item.get("statusReason")) for item in release["phases"]]


def test_a_start_answers_201_with_the_release_running_its_first_step(ld: Releases) -> None:
    ids = ld.variations()
    answer = ld.start(
        randomizationUnit="user",
        advancementMode="manual",
        comment="first rollout",
        phases=[phase(10_000, 100_000, description="Staff"), phase(100_000, description="Everyone")],
    )

    assert answer.status_code == 201, answer.text
    release = answer.json()
    uuid.UUID(release["id"])
    assert {key: release[key] for key in ("projectKey", "environmentKey", "flagKey", "kind", "status")} == {
        "projectKey": "default",
        "environmentKey": "production",
        "flagKey": "new-checkout",
        "kind": "progressive",
        "status": "in_progress",
    }
    assert (release["targetVariationId"], release["targetVariationValue"]) == (ids[True], True)
    assert (release["originalVariationId"], release["originalVariationValue"]) == (ids[False], False)
    assert (release["randomizationUnit"], release["cleanupBehavior"], release["advancementMode"]) == (
        "user",
        "leave_rules_in_place",
        "manual",
    )
    assert release["metrics"] == [] and release["currentPhaseIndex"] == 0
    assert "statusReason" not in release and "endedAt" not in release
    first, second = release["phases"]
    assert (first["status"], first["currentStepIndex"], first["description"]) == ("in_progress", 0, "Staff")
    assert (
        first["startedAt"] == release["startedAt"] == release["createdAt"] == first["steps"][0]["startedAt"]
    )
    assert first["steps"][1] == {"stepIndex": 1, "allocation": 100_000, "durationMillis": MINUTE}
    assert second["status"] == "pending" and "startedAt" not in second and "currentStepIndex" not in second
    assert first["metricStatuses"] == second["metricStatuses"] == {}
    assert first["ruleId"] != second["ruleId"]
    assert release["_links"]["self"]["href"] == f"{ld.path}/{release['id']}"
    assert ld.get(release["id"]) == release


def test_steps_end_by_their_durations_on_the_release_clock(ld: Releases) -> None:
    release = ld.started(phases=[phase(10_000, 50_000, 100_000)])
    begun = release["createdAt"]

    ld.server.advance_time(MINUTE - 1_000)
    assert ld.get(release["id"])["phases"][0]["currentStepIndex"] == 0
    ld.server.advance_time(1_000)
    step = ld.get(release["id"])["phases"][0]
    assert step["currentStepIndex"] == 1
    assert step["steps"][0]["endedAt"] == step["steps"][1]["startedAt"] == begun + MINUTE

    ld.server.advance_time(2 * MINUTE)
    done = ld.get(release["id"])
    assert (done["status"], done["statusReason"], done["currentPhaseIndex"]) == (
        "completed",
        "completed_automatic",
        None,
    )
    assert done["endedAt"] == done["phases"][0]["endedAt"] == begun + 3 * MINUTE
    assert done["phases"][0]["currentStepIndex"] == 2  # stays at the last step that started


def test_the_time_scale_runs_steps_faster_than_real_time(ld: Releases) -> None:
    ld.server.set_time_scale(1)
    release = ld.started(phases=[phase(10_000, minutes=1)])
    assert ld.get(release["id"])["status"] == "in_progress"  # real time: a minute is a minute

    assert ld.server.set_time_scale(10_000_000)["scale"] == 10_000_000
    assert ld.get(release["id"])["status"] == "completed"  # a minute is 6 µs now
    with pytest.raises(ValueError, match="scale=-1 must be a non-negative number"):
        ld.server.set_time_scale(-1)
    with pytest.raises(ValueError, match="must be a non-negative integer"):
        ld.server.advance_time(-1)


def test_an_automatic_release_starts_each_phase_as_the_one_before_ends(ld: Releases) -> None:
    release = ld.started(advancementMode="automatic", phases=[phase(100_000), phase(50_000, 100_000)])

    ld.server.advance_time(MINUTE)
    moved = ld.get(release["id"])
    assert (moved["status"], moved["currentPhaseIndex"]) == ("in_progress", 1)
    assert statuses(moved) == [("completed", "completed_automatic"), ("in_progress", None)]
    assert moved["phases"][1]["startedAt"] == moved["phases"][0]["endedAt"] == release["createdAt"] + MINUTE


def test_a_manual_release_waits_between_phases_until_advanced(ld: Releases) -> None:
    release = ld.started(advancementMode="manual", phases=[phase(100_000), phase(100_000)])
    with pytest.raises(ValueError, match=r"is in_progress: only a release waiting between phases"):
        ld.server.advance_environment_release("default", "new-checkout", "production")

    ld.server.advance_time(10 * MINUTE)
    waiting = ld.get(release["id"])
    assert (waiting["status"], waiting["statusReason"], waiting["currentPhaseIndex"]) == (
        "waiting",
        "waiting_phase_ended",
        None,
    )
    assert statuses(waiting) == [("completed", "completed_automatic"), ("pending", None)]

    advanced = ld.server.advance_environment_release("default", "new-checkout", "production", release["id"])
    assert (advanced["status"], advanced["currentPhaseIndex"]) == ("in_progress", 1)
    assert advanced == ld.get(release["id"])
    ld.server.advance_time(MINUTE)
    assert ld.get(release["id"])["statusReason"] == "completed_automatic"


GUARDED = {"metrics": [{"metricKey": "errors"}, {"metricKey": "latency", "autoRollback": True}]}


def test_a_guarded_release_pauses_on_a_regression_until_it_is_dismissed(ld: Releases) -> None:
    release = ld.started(**GUARDED, phases=[phase(10_000, 50_000, minutes=2)])
    assert release["kind"] == "guarded"
    assert release["phases"][0]["metricStatuses"] == {"errors": "ok", "latency": "ok"}
    assert [metric["autoRollback"] for metric in release["metrics"]] == [False, True]

    ld.server.advance_time(MINUTE)
    paused = ld.server.inject_regression("default", "new-checkout", "production", "errors")
    assert (paused["status"], paused["statusReason"]) == ("waiting", "waiting_regression_detected")
    assert statuses(paused) == [("waiting", "waiting_regression_detected")]
    assert paused["phases"][0]["metricStatuses"] == {"errors": "regressed", "latency": "ok"}
    ld.server.advance_time(60 * MINUTE)
    assert ld.get(release["id"])["phases"][0]["currentStepIndex"] == 0  # a paused step does not end

    resumed = ld.server.dismiss_regression("default", "new-checkout", "production", "errors")
    assert resumed["status"] == "in_progress"
    assert resumed["phases"][0]["metricStatuses"]["errors"] == "regression_dismissed"
    ld.server.advance_time(MINUTE)  # the minute the step had left
    assert ld.get(release["id"])["phases"][0]["currentStepIndex"] == 1


def test_a_regression_on_a_metric_with_auto_rollback_reverts_the_release(ld: Releases) -> None:
    release = ld.started(**GUARDED, advancementMode="automatic", phases=[phase(10_000), phase(20_000)])

    reverted = ld.server.inject_regression("default", "new-checkout", "production", "latency")

    assert (reverted["status"], reverted["statusReason"], reverted["currentPhaseIndex"]) == (
        "reverted",
        "reverted_regression_detected",
        None,
    )
    assert statuses(reverted) == [
        ("reverted", "reverted_regression_detected"),
        ("reverted", "reverted_discarded"),
    ]
    assert reverted["endedAt"] == reverted["phases"][0]["endedAt"] == release["createdAt"]
    assert ld.get(release["id"]) == reverted


def test_regression_controls_name_what_they_cannot_do(ld: Releases) -> None:
    with pytest.raises(ValueError, match="has no environment release in 'production'"):
        ld.server.inject_regression("default", "new-checkout", "production", "errors")
    ld.started()
    with pytest.raises(ValueError, match="is progressive: it watches no metric"):
        ld.server.inject_regression("default", "new-checkout", "production", "errors")
    guarded = Releases(ld.server, "dark-mode")
    guarded.started(**GUARDED, phases=[phase(10_000)])
    with pytest.raises(
        ValueError, match=r"metric 'cpu' is not one the release watches: \['errors', 'latency'\]"
    ):
        ld.server.inject_regression("default", "dark-mode", "production", "cpu")
    with pytest.raises(ValueError, match="metric 'errors' has not regressed"):
        ld.server.dismiss_regression("default", "dark-mode", "production", "errors")
    with pytest.raises(ValueError, match="Unknown environment 'staging'"):
        ld.server.inject_regression("default", "dark-mode", "staging", "errors")


@pytest.mark.parametrize(
    ("resolution", "release_status", "phase_statuses"),
    [
        (
            "roll_forward_all_phases",
            ("completed", "completed_manual"),
            [
                ("completed", "completed_automatic"),
                ("completed", "completed_manual"),
                ("completed", "completed_manual"),
            ],
        ),
        (
            "roll_forward_current_phase_and_remove_pending_phases",
            ("completed", "completed_manual"),
            [
                ("completed", "completed_automatic"),
                ("completed", "completed_manual"),
                ("reverted", "reverted_discarded"),
            ],
        ),
        (
            "roll_back_all_phases_and_remove_pending_phases",
            ("reverted", "reverted_manual"),
            [
                ("reverted", "reverted_manual"),
                ("reverted", "reverted_manual"),
                ("reverted", "reverted_discarded"),
            ],
        ),
        (
            "roll_back_current_phase_and_remove_pending_phases",
            ("reverted", "reverted_manual"),
            [
                ("completed", "completed_automatic"),
                ("reverted", "reverted_manual"),
                ("reverted", "reverted_discarded"),
            ],
        ),
    ],
)
def test_a_stop_resolves_each_phase_as_its_resolution_says(
    ld: Releases, resolution: str, release_status: tuple[str, str], phase_statuses: list
) -> None:
    release = ld.started(
        advancementMode="automatic", phases=[phase(100_000), phase(10_000, 20_000), phase(50_000)]
    )
    ld.server.advance_time(MINUTE + 1_000)  # the second phase is running

    answer = ld.stop(release["id"], resolution, comment="stop it")

    assert answer.status_code == 200, answer.text
    stopped = answer.json()
    assert (stopped["status"], stopped["statusReason"]) == release_status
    assert statuses(stopped) == phase_statuses
    assert (
        stopped["endedAt"] == release["createdAt"] + MINUTE + 1_000 and stopped["currentPhaseIndex"] is None
    )
    assert stopped["phases"][1]["steps"][0]["endedAt"] == stopped["endedAt"]
    again = ld.stop(release["id"], "roll_back_all_phases_and_remove_pending_phases")
    assert (again.status_code, again.json()) == (200, stopped)  # an ended release: no change
    ld.server.advance_time(10 * MINUTE)
    assert ld.get(release["id"]) == stopped


def test_between_phases_only_an_all_phases_resolution_stops(ld: Releases) -> None:
    release = ld.started(advancementMode="manual", phases=[phase(100_000), phase(100_000)])
    ld.server.advance_time(MINUTE)

    assert_error(
        ld.stop(release["id"], "roll_back_current_phase_and_remove_pending_phases"),
        400,
        "invalid_request",
        "is between phases",
        "roll_forward_all_phases",
    )
    stopped = ld.stop(release["id"], "roll_back_all_phases_and_remove_pending_phases").json()
    assert statuses(stopped) == [("reverted", "reverted_manual"), ("reverted", "reverted_discarded")]
    assert stopped["statusReason"] == "reverted_manual"


def test_the_list_is_newest_first_filtered_by_kind_and_paged(ld: Releases) -> None:
    made = []
    for number in range(5):
        kind = GUARDED if number % 2 else {}
        made.append(ld.started(**kind, phases=[phase(10_000)])["id"])
        ld.stop(made[-1], "roll_forward_all_phases")
    Releases(ld.server, "dark-mode").started()  # another flag's release is not listed

    everything = ld.list().json()
    assert [item["id"] for item in everything["items"]] == made[::-1]
    assert everything["totalCount"] == 5
    assert set(everything["_links"]) == {"self", "parent", "first", "last"}
    assert everything["_links"]["parent"]["href"] == "/api/v2/flags/default/new-checkout"

    guarded = ld.list(filter="kind equals guarded", limit=1, offset=1).json()
    assert [item["id"] for item in guarded["items"]] == [made[1]]
    assert guarded["totalCount"] == 2
    links = {name: link["href"] for name, link in guarded["_links"].items()}
    assert links["prev"] == links["first"] == f"{ld.path}?filter=kind+equals+guarded&limit=1&offset=0"
    assert links["last"] == links["self"] and "next" not in links
    follow = ld.call("GET", ld.list(limit=2).json()["_links"]["next"]["href"]).json()
    assert [item["id"] for item in follow["items"]] == made[2:0:-1]
    assert ld.list(filter="kind equals progressive").json()["totalCount"] == 3
    assert Releases(ld.server, "search-v2").list().json() | {"_links": None} == {
        "items": [],
        "totalCount": 0,
        "_links": None,
    }


def test_the_default_page_is_25_and_at_most_100(ld: Releases) -> None:
    for _ in range(26):
        ld.stop(ld.started(phases=[phase(10_000)])["id"], "roll_forward_all_phases")
    assert len(ld.list().json()["items"]) == 25
    assert len(ld.list(limit=100).json()["items"]) == 26
    assert_error(ld.list(limit=101), 400, "invalid_request", "limit=101 must be between 1 and 100")
    assert_error(ld.list(filter="kind equals canary"), 400, "invalid_request", "'canary' is not one of")
    assert_error(
        ld.list(filter="status equals completed"), 400, "invalid_request", "Unsupported filter field"
    )


def test_expand_metrics_attaches_each_metrics_definition(ld: Releases) -> None:
    release = ld.started(**GUARDED, phases=[phase(10_000)])
    assert "definition" not in release["metrics"][0]

    expanded = ld.get(release["id"], expand="metrics")

    assert [metric["definition"]["key"] for metric in expanded["metrics"]] == ["errors", "latency"]
    assert expanded["metrics"][0]["metricVersionId"] == expanded["metrics"][0]["definition"]["_versionId"]


def test_a_release_from_a_plan_runs_the_plans_phases(ld: Releases) -> None:
    release = ld.started(releasePlanKey="progressive-rollout", randomizationUnit=None, phases=None)

    assert [item["description"] for item in release["phases"]] == ["Internal users", "Everyone"]
    assert (release["kind"], release["advancementMode"]) == ("progressive", "automatic")
    registered = ld.server.add_release_plan(
        "default",
        "production",
        "canary",
        {"randomizationUnit": "user", "metrics": [{"metricKey": "errors"}], "phases": [phase(5_000)]},
    )
    assert registered["key"] == "canary" and registered["environmentKey"] == "production"
    ld.stop(release["id"], "roll_back_all_phases_and_remove_pending_phases")
    planned = ld.started(releasePlanKey="canary", randomizationUnit=None, phases=None)
    assert planned["kind"] == "guarded" and planned["phases"][0]["steps"][0]["allocation"] == 5_000
    state = ld.server.state("launchdarkly")["projects"]["default"]
    assert state["environment_releases"][-1] | {"id": None} == {
        "id": None,
        "flagKey": "new-checkout",
        "environmentKey": "production",
        "kind": "guarded",
        "status": "in_progress",
        "statusReason": None,
        "currentPhaseIndex": 0,
        "releasePlanKey": "canary",
    }
    assert "production/canary" in state["release_plans"]
    with pytest.raises(ValueError, match="guarded release keeps a control group"):
        ld.server.add_release_plan(
            "default",
            "production",
            "bad",
            {"randomizationUnit": "user", "metrics": [{"metricKey": "e"}], "phases": [phase(60_000)]},
        )
    with pytest.raises(ValueError, match="Unknown environment 'staging'"):
        ld.server.add_release_plan(
            "default", "staging", "bad", {"randomizationUnit": "user", "phases": [phase(1)]}
        )


def test_a_reset_forgets_releases_and_a_snapshot_keeps_them(ld: Releases) -> None:
    release = ld.started(**GUARDED, phases=[phase(10_000)])
    backend = ld.server.app.backends["launchdarkly"]
    saved = backend.snapshot()
    ld.server.reset()
    assert ld.list().json()["totalCount"] == 0
    backend.restore(saved)
    assert ld.get(release["id"]) == release


def test_a_flag_clause_must_reach_the_randomization_unit_only(ld: Releases) -> None:
    negated = {**CLAUSE, "negate": True}
    answer = ld.start(randomizationUnit="user", phases=[{"clauses": [negated], "steps": phase(1)["steps"]}])
    assert_error(answer, 400, "invalid_request", "must include the clause", "only reaches 'user' contexts")
    account = {**CLAUSE, "contextKind": "account", "values": ["account"]}
    answer = ld.start(
        randomizationUnit="account", phases=[{"clauses": [account], "steps": phase(1)["steps"]}]
    )
    assert answer.status_code == 201 and answer.json()["randomizationUnit"] == "account"


def test_the_releases_site_link_opens_the_flags_page_with_its_environment_releases(ld: Releases) -> None:
    release = ld.started(**GUARDED, phases=[phase(10_000)])
    site = release["_links"]["site"]
    assert site == {"href": "/projects/default/flags/new-checkout?env=production", "type": "text/html"}

    page = requests.get(ld.base + site["href"], timeout=10)

    assert page.status_code == 200
    assert "Environment releases" in page.text and release["id"] in page.text and "guarded" in page.text
