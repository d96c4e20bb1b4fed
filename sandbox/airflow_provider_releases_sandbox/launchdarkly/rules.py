"""
LaunchDarkly's rules as its release pipeline pages and OpenAPI excerpt (``openapi.yaml``, shipped
beside this module) state them.

Written from the vendor's documents, not taken from the provider, so that the provider's own
checks meet an independent reading of the same documents. tests/sandbox checks the field lists
below against the excerpt's schemas.
"""

from __future__ import annotations

import re
from enum import Enum
from typing import Any

#: Project, flag, pipeline and phase keys: letters, digits, ``.``, ``_``, ``-``.
KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


class PhaseStatus(str, Enum):
    """The ``status`` the sandbox gives a release phase (values LaunchDarkly was seen to report)."""

    NOT_STARTED = "not-started"
    ACTIVE = "active"
    COMPLETED = "completed"


#: ``UpdatePhaseStatusInput.status`` has no enum: the docs say ``active`` in prose and
#: ``Started`` in an example; the sandbox takes either, in any case.
PHASE_START_STATUSES = frozenset({"active", "started"})


def is_phase_start_status(value: Any) -> bool:
    """Whether ``value`` asks to start a phase."""
    return isinstance(value, str) and value.lower() in PHASE_START_STATUSES


#: ``filter=status:<value>`` of ``GET .../release-pipelines/{pipelineKey}/releases``.
PIPELINE_RELEASE_STATUSES = ("active", "completed")
#: ``filter=query:<text>,env:<key>`` of ``GET .../release-pipelines``.
PIPELINE_FILTER_FIELDS = ("query", "env")
#: The properties of one item of ``UpdatePhaseStatusInput.audiences``.
AUDIENCE_FIELDS = ("audienceId", "releaseGuardianConfiguration", "notifyMemberIds", "notifyTeamKeys")
