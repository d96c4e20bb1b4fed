"""
Aha!'s rules as its Releases API v1 pages state them (the fields of create and update a release).

Written from the vendor's pages, not taken from the provider, so that the provider's own checks
meet an independent reading of the same pages.
"""

from __future__ import annotations

import re

#: "per_page": the pages list at most 200 records.
MAX_PER_PAGE = 200
#: A release phase's ``type``.
PHASE_TYPES = ("phase", "milestone")
#: A release's date fields (``YYYY-MM-DD``).
DATE_FIELDS = ("start_date", "end_date", "release_date", "development_started_on", "external_release_date")
#: "must be one of: sync, exact, week, month, quarter, half, year".
EXTERNAL_DATE_RESOLUTIONS = ("sync", "exact", "week", "month", "quarter", "half", "year")
#: 'must be either "time" or "story_points"'.
CAPACITY_UNITS = ("time", "story_points")
#: "Options are: ..." of ``progress_source``.
PROGRESS_SOURCES = (
    "progress_manual",
    "progress_from_features",
    "progress_from_release_phases",
    "progress_from_todos",
    "progress_from_remaining_estimate",
    "progress_from_features_completed",
    "progress_from_epics",
)
#: ``progress`` "may only be set when the progress_source is manual".
MANUAL_PROGRESS = "progress_manual"
#: "Options are: ..." of ``duration_source``.
DURATION_SOURCES = ("duration_manual", "duration_from_release_phases_features", "duration_from_sub_releases")
#: ``total_capacity_text``: "The total capacity in time or story points": Aha!'s estimate text,
#: time (``2d 1h``; units min, h, d, w, m) or points (``4p``).
CAPACITY_TEXT = re.compile(
    r"\s*(?:[0-9]+(?:\.[0-9]+)?\s*(?:min|h|d|w|m)\s*)+|\s*[0-9]+(?:\.[0-9]+)?\s*p\s*",
    re.IGNORECASE | re.ASCII,
)
