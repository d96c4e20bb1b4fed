"""The rule book's environment-release rules: statuses, allocations, a variation named by value or id."""

from __future__ import annotations

import pytest

from airflow_provider_releases.exceptions import InvalidParameterError
from airflow_provider_releases.rules import launchdarkly as rules
from airflow_provider_releases.rules.launchdarkly_environment import variation_id

VARIATIONS = [{"_id": "v-on", "value": True}, {"_id": "v-off", "value": False}, {"_id": "v-1", "value": 1}]


def test_only_completed_and_reverted_are_terminal():
    terminal = {status.value for status in rules.EnvironmentReleaseStatus if status.is_terminal}
    assert terminal == {"completed", "reverted"}


@pytest.mark.parametrize(
    ("allocation", "shown"), [(100_000, "100%"), (25_000, "25%"), (2_500, "2.5%"), (1, "0.001%")]
)
def test_allocations_are_thousandths_of_a_percent(allocation, shown):
    assert rules.allocation_percent(allocation) == shown


@pytest.mark.parametrize(
    ("given", "found"), [(True, "v-on"), (False, "v-off"), ("v-on", "v-on"), (1, "v-1"), (1.0, "v-1")]
)
def test_a_variation_is_named_by_its_value_or_its_id_and_true_is_not_one(given, found):
    assert variation_id("target_variation", given, VARIATIONS, "f") == found


def test_a_value_no_variation_has_is_refused_listing_them():
    with pytest.raises(InvalidParameterError) as refused:
        variation_id("target_variation", "on", VARIATIONS, "f")
    assert str(refused.value) == (
        "Invalid target_variation='on': expected the value or _id of a variation of flag 'f' (its variations"
        " are: True (id v-on); False (id v-off); 1 (id v-1))."
    )


def test_every_status_reason_and_resolution_is_the_documented_one():
    assert rules.values_of(rules.EnvironmentReleaseStatusReason) == (
        "waiting_regression_detected",
        "waiting_phase_ended",
        "completed_automatic",
        "completed_manual",
        "reverted_regression_detected",
        "reverted_manual",
        "reverted_discarded",
        "reverted_insufficient_data",
    )
    assert rules.values_of(rules.EnvironmentReleaseResolution) == (
        "roll_forward_all_phases",
        "roll_forward_current_phase_and_remove_pending_phases",
        "roll_back_all_phases_and_remove_pending_phases",
        "roll_back_current_phase_and_remove_pending_phases",
    )
