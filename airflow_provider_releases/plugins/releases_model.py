"""
The records the Releases page is built from and shows: what Airflow recorded (runs, milestones,
provider task instances, approvals) and one row per version (:class:`VersionRow`).

Plain data, no Airflow import: :mod:`.releases_data` fills the records, :mod:`.releases_view`
turns them into rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any

from airflow_provider_releases.milestones import MilestoneAction, Service

SERVICES: tuple[Service, ...] = (Service.AHA, Service.CRYPTLEX, Service.LAUNCHDARKLY, Service.AMPLITUDE)
SERVICE_TITLES = {
    Service.AHA: "Aha!",
    Service.CRYPTLEX: "Cryptlex",
    Service.LAUNCHDARKLY: "LaunchDarkly",
    Service.AMPLITUDE: "Amplitude",
}


class ServiceState(str, Enum):
    """Where a version stands at one service, as its cell on the Releases page says it."""

    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    WAITING = "waiting"
    REGRESSION = "regression"
    MANUAL_ADVANCE = "manual_advance"
    FAILED = "failed"
    CREATED = "created"
    UPDATED = "updated"
    SHIPPED = "shipped"
    DELETED = "deleted"
    DRAFT = "draft"
    PUBLISHED = "published"
    ATTACHED = "attached"
    PHASE_STARTED = "phase_started"
    PHASE_COMPLETED = "phase_completed"
    RELEASE_ACTIVE = "release_active"
    RELEASE_COMPLETED = "release_completed"
    REVERTED = "reverted"
    STOPPED = "stopped"
    ANNOTATED = "annotated"

    @property
    def label(self) -> str:
        """The words the page shows."""
        return _LABELS.get(self, self.value.replace("_", " "))


_LABELS = {
    ServiceState.NOT_STARTED: "not started",
    ServiceState.REGRESSION: "paused on a regression",
    ServiceState.MANUAL_ADVANCE: "waits for a manual advance",
    ServiceState.RELEASE_ACTIVE: "release active",
    ServiceState.RELEASE_COMPLETED: "release completed",
}

#: The state each milestone action leaves its service in (Cryptlex's "created" is a draft).
ACTION_STATES: dict[tuple[Service | None, MilestoneAction], ServiceState] = {
    (None, MilestoneAction.CREATED): ServiceState.CREATED,
    (Service.CRYPTLEX, MilestoneAction.CREATED): ServiceState.DRAFT,
    (None, MilestoneAction.DUPLICATED): ServiceState.CREATED,
    (None, MilestoneAction.UPDATED): ServiceState.UPDATED,
    (None, MilestoneAction.SHIPPED): ServiceState.SHIPPED,
    (None, MilestoneAction.PUBLISHED): ServiceState.PUBLISHED,
    (None, MilestoneAction.DELETED): ServiceState.DELETED,
    (None, MilestoneAction.FILE_UPLOADED): ServiceState.DRAFT,
    (None, MilestoneAction.ATTACHED): ServiceState.ATTACHED,
    (None, MilestoneAction.PHASE_STARTED): ServiceState.PHASE_STARTED,
    (None, MilestoneAction.PHASE_COMPLETED): ServiceState.PHASE_COMPLETED,
    (None, MilestoneAction.ANNOTATED): ServiceState.ANNOTATED,
    (None, MilestoneAction.RELEASE_STARTED): ServiceState.RELEASE_ACTIVE,
    (None, MilestoneAction.RELEASE_COMPLETED): ServiceState.RELEASE_COMPLETED,
    (None, MilestoneAction.RELEASE_REVERTED): ServiceState.REVERTED,
    (None, MilestoneAction.RELEASE_STOPPED): ServiceState.STOPPED,
}

#: The provider's operators and sensors by class name (a task instance's ``operator``): the
#: service and the milestone a successful run of one reaches. The page reads these task
#: instances for what no asset event recorded (a step without outlets, a wait still going on).
PROVIDER_TASKS: dict[str, tuple[Service, MilestoneAction]] = {
    "AhaCreateReleaseOperator": (Service.AHA, MilestoneAction.CREATED),
    "AhaUpdateReleaseOperator": (Service.AHA, MilestoneAction.UPDATED),
    "AhaDuplicateReleaseOperator": (Service.AHA, MilestoneAction.DUPLICATED),
    "AhaDeleteReleaseOperator": (Service.AHA, MilestoneAction.DELETED),
    "AhaReleaseShippedSensor": (Service.AHA, MilestoneAction.SHIPPED),
    "CryptlexCreateReleaseOperator": (Service.CRYPTLEX, MilestoneAction.CREATED),
    "CryptlexUploadReleaseFileOperator": (Service.CRYPTLEX, MilestoneAction.FILE_UPLOADED),
    "CryptlexPublishReleaseOperator": (Service.CRYPTLEX, MilestoneAction.PUBLISHED),
    "CryptlexReleasePublishedSensor": (Service.CRYPTLEX, MilestoneAction.PUBLISHED),
    "LaunchDarklyAttachFlagToPipelineOperator": (Service.LAUNCHDARKLY, MilestoneAction.ATTACHED),
    "LaunchDarklyStartPhaseOperator": (Service.LAUNCHDARKLY, MilestoneAction.PHASE_STARTED),
    "LaunchDarklyReleasePhaseSensor": (Service.LAUNCHDARKLY, MilestoneAction.PHASE_COMPLETED),
    "LaunchDarklyStartEnvironmentReleaseOperator": (Service.LAUNCHDARKLY, MilestoneAction.RELEASE_STARTED),
    "LaunchDarklyStopEnvironmentReleaseOperator": (Service.LAUNCHDARKLY, MilestoneAction.RELEASE_STOPPED),
    "LaunchDarklyEnvironmentReleaseSensor": (Service.LAUNCHDARKLY, MilestoneAction.RELEASE_COMPLETED),
    "AmplitudeCreateReleaseOperator": (Service.AMPLITUDE, MilestoneAction.ANNOTATED),
}

#: Task instance states of a step that waits on its service, and of one working on it.
WAITING_STATES = frozenset({"deferred", "up_for_reschedule"})
WORKING_STATES = frozenset({"queued", "running", "up_for_retry", "restarting"})
FINISHED_STATES = frozenset({"success", "failed", "upstream_failed", "skipped", "removed"})
FINISHED_RUN_STATES = frozenset({"success", "failed"})
#: What a LaunchDarkly wait's ``reason`` (its ``statusReason``) turns a waiting cell into.
WAIT_REASONS = {
    "waiting_regression_detected": ServiceState.REGRESSION,
    "waiting_phase_ended": ServiceState.MANUAL_ADVANCE,
}

APPROVAL_PENDING = "approval:pending"


@dataclass(frozen=True)
class RunRecord:
    """A DAG run that worked on a release: its ids, state, when it ran and the version its conf names."""

    dag_id: str
    run_id: str
    state: str | None
    started_at: datetime | None
    conf_version: str | None = None


@dataclass(frozen=True)
class MilestoneRecord:
    """A milestone (an asset event's ``extra``) and where it came from; no run for a watcher's event."""

    extra: Mapping[str, Any]
    at: datetime
    dag_id: str | None = None
    run_id: str | None = None
    task_id: str | None = None
    map_index: int = -1

    @property
    def service(self) -> Service:
        """The milestone's service."""
        return Service(self.extra["service"])

    @property
    def action(self) -> MilestoneAction:
        """The milestone's action."""
        return MilestoneAction(self.extra["action"])


@dataclass(frozen=True)
class TaskRecord:
    """A task instance of one of the provider's operators or sensors, with what its XComs say."""

    dag_id: str
    run_id: str
    task_id: str
    map_index: int
    state: str | None
    operator: str
    at: datetime | None
    result: Any = None
    url: str | None = None
    wait: Mapping[str, Any] | None = None

    @property
    def service(self) -> Service:
        """The service the task's operator works on."""
        return PROVIDER_TASKS[self.operator][0]


@dataclass(frozen=True)
class ApprovalRecord:
    """An approval request (Airflow's human-in-the-loop details) and its answer, if any."""

    dag_id: str
    run_id: str
    task_id: str
    map_index: int
    subject: str
    created_at: datetime | None
    ti_state: str | None
    responded_at: datetime | None = None
    responded_by: str | None = None
    chosen: tuple[str, ...] = ()

    @property
    def pending(self) -> bool:
        """Whether the request still waits for an answer."""
        return self.responded_at is None and self.ti_state not in FINISHED_STATES


@dataclass
class Cell:
    """One service's state for one version, and where it came from."""

    service: Service
    state: ServiceState
    detail: str | None = None
    vendor_url: str | None = None
    dag_id: str | None = None
    run_id: str | None = None
    task_id: str | None = None
    map_index: int = -1
    at: datetime | None = None
    message: str | None = None


@dataclass
class TimelineEntry:
    """One line of a version's timeline: a milestone, a step that failed or waits, an approval."""

    at: datetime | None
    service: str
    what: str
    detail: str | None = None
    vendor_url: str | None = None
    dag_id: str | None = None
    run_id: str | None = None
    task_id: str | None = None
    map_index: int = -1


@dataclass
class VersionRow:
    """Everything the page shows about one version."""

    version: str
    title: str | None = None
    first_at: datetime | None = None
    last_at: datetime | None = None
    runs: list[RunRecord] = field(default_factory=list)
    cells: dict[Service, Cell] = field(default_factory=dict)
    approvals: list[ApprovalRecord] = field(default_factory=list)
    timeline: list[TimelineEntry] = field(default_factory=list)
    pending_steps: list[TaskRecord] = field(default_factory=list)

    @property
    def dag_ids(self) -> list[str]:
        """The DAGs whose runs worked on this version, sorted."""
        return sorted({run.dag_id for run in self.runs})

    @property
    def pending_approvals(self) -> list[ApprovalRecord]:
        """The approval requests that still wait for an answer."""
        return [approval for approval in self.approvals if approval.pending]

    @property
    def given_approvals(self) -> list[ApprovalRecord]:
        """The approval requests someone answered."""
        return [approval for approval in self.approvals if approval.responded_at is not None]

    def cell(self, service: Service) -> Cell:
        """The cell of ``service`` (not started when nothing happened there)."""
        return self.cells.get(service) or Cell(service, ServiceState.NOT_STARTED)

    def words(self) -> str:
        """What a text filter searches: the version, title, DAGs, runs and the cells' details."""
        parts = [self.version, self.title or "", *self.dag_ids, *(run.run_id for run in self.runs)]
        parts += [cell.detail or "" for cell in self.cells.values()]
        return " ".join(parts).casefold()
