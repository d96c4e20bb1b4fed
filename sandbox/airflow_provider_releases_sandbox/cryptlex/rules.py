"""
Cryptlex's rules as its Web API v3 page states them (create a release, ``POST /v3/releases``).

Written from the vendor's page, not taken from the provider, so that the provider's own checks
meet an independent reading of the same page.
"""

from __future__ import annotations

import re

#: ``version``: "x.x, x.x.x or x.x.x.x", ASCII digits.
VERSION = re.compile(r"[0-9]+\.[0-9]+(?:\.[0-9]+){0,2}")
#: Release file names: "only letters, digits, '.', '-', '_'".
FILE_NAME = re.compile(r"[A-Za-z0-9._-]+")
#: ``name``, ``channel`` and ``productId``: "min: 1, max: 256".
MAX_NAME = 256
#: ``notes``: "min: 0, max: 4096".
MAX_NOTES = 4096
#: ``channel``: "The default value is 'stable'."
DEFAULT_CHANNEL = "stable"
#: The release's own fields of the create body, which ``PATCH /v3/releases/{id}`` changes too.
UPDATABLE_FIELDS = ("name", "version", "channel", "platforms", "private", "notes")
