"""
Amplitude's rules as its Releases API page states them (``POST /api/2/release``).

Written from the vendor's page, not taken from the provider, so that the provider's own checks
meet an independent reading of the same page.
"""

from __future__ import annotations

import re

#: "Required." parameters of the page's table.
REQUIRED_FIELDS = ("version", "release_start", "title")
#: Every parameter of the page's table.
RELEASE_FIELDS = (
    *REQUIRED_FIELDS,
    "release_end",
    "description",
    "platforms",
    "created_by",
    "chart_visibility",
)
#: "Timestamp ... in UTC. Must be in this format: ``yyyy-MM-dd HH:mm:ss``."
TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}")
TIME_FORM = "yyyy-MM-dd HH:mm:ss in UTC"
