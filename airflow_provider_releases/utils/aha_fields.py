"""The value lists Aha!'s release API documents, shared by the hook's checks and the sandbox."""

EXTERNAL_DATE_RESOLUTIONS = ("sync", "exact", "week", "month", "quarter", "half", "year")
CAPACITY_UNITS = ("time", "story_points")
PROGRESS_SOURCES = (
    "progress_manual",
    "progress_from_features",
    "progress_from_release_phases",
    "progress_from_todos",
    "progress_from_remaining_estimate",
    "progress_from_features_completed",
    "progress_from_epics",
)
DURATION_SOURCES = ("duration_manual", "duration_from_release_phases_features", "duration_from_sub_releases")
