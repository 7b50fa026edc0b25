"""Frozen models of what flowstage shows. Statuses tolerate values Salesforce adds later."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class _Tolerant(StrEnum):
    """A StrEnum that turns an unknown value into a pseudo-member instead of raising."""

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if not isinstance(value, str):
            return None
        member = str.__new__(cls, value)
        member._name_ = value
        member._value_ = value
        return member

    @property
    def known(self) -> bool:
        return self._name_ in type(self).__members__


class RunStatus(_Tolerant):
    """The run Status picklist of real describes (NotStarted and Discontinued too), in the
    order people are offered them (--status help, `:runs status=` completion, messages)."""

    IN_PROGRESS = "InProgress"
    ERROR = "Error"
    SUSPENDED = "Suspended"
    NOT_STARTED = "NotStarted"
    COMPLETED = "Completed"
    DISCONTINUED = "Discontinued"
    CANCELED = "Canceled"


class StageStatus(_Tolerant):
    IN_PROGRESS = "InProgress"
    ERROR = "Error"
    SUSPENDED = "Suspended"
    COMPLETED = "Completed"
    DISCONTINUED = "Discontinued"
    CANCELED = "Canceled"
    NOT_STARTED = "NotStarted"


class WorkItemStatus(_Tolerant):
    ASSIGNED = "Assigned"
    COMPLETED = "Completed"


# The statuses a run filter accepts: the known members only (a pseudo-member from a later
# release is shown, but nobody can type it before flowstage knows it).
RUN_STATUSES: tuple[str, ...] = tuple(s.value for s in RunStatus)
OPEN_STATUSES = frozenset({RunStatus.IN_PROGRESS, RunStatus.SUSPENDED})


@dataclass(frozen=True)
class Run:
    id: str
    name: str
    status: RunStatus
    orchestration: str | None  # developer name
    label: str | None  # OrchestrationLabel (v63+)
    current_stage: str | None  # v62+
    created: datetime
    modified: datetime
    modstamp: datetime
    duration: int | None  # seconds (v62+)
    interview_id: str | None
    is_debug: bool = False
    triggering_record: str | None = None
    triggering_type: str | None = None

    @property
    def title(self) -> str:
        return self.label or self.orchestration or "(unknown orchestration)"


@dataclass(frozen=True)
class StageRun:
    id: str
    run_id: str
    name: str
    label: str
    position: int
    status: StageStatus
    created: datetime
    modified: datetime
    modstamp: datetime

    @property
    def ended(self) -> datetime | None:
        """When a finished stage ended (its last modification), None while it runs or has
        not started."""
        if self.status in (StageStatus.IN_PROGRESS, StageStatus.SUSPENDED,
                           StageStatus.NOT_STARTED):
            return None
        return self.modified


@dataclass(frozen=True)
class StepRun:
    id: str
    run_id: str
    stage_id: str
    name: str
    label: str
    status: StageStatus
    step_type: str
    description: str | None
    created: datetime
    modified: datetime
    modstamp: datetime

    @property
    def interactive(self) -> bool:
        return "Interactive" in self.step_type


@dataclass(frozen=True)
class WorkItem:
    id: str
    step_id: str | None
    run_id: str | None
    label: str | None
    status: WorkItemStatus
    assignee_id: str
    assignee_name: str | None
    assignee_type: str | None  # User | Queue | Group
    assignee_active: bool | None
    created: datetime
    modified: datetime
    modstamp: datetime
    seconds_assigned: int | None  # ElapsedTimeSinceAsgntInSec (v63+), as of the read
    # when the current assignment began: the moment of the read less seconds_assigned
    assigned_since: datetime | None = None
    # The context record (RelatedRecordId): what the assignee works on, an Account, a Case,
    # ... (polymorphic over 100+ types). Not the run: the run comes through the step.
    context_id: str | None = None
    context_type: str | None = None  # RelatedRecord.Type, else the Id's standard key prefix
    context_name: str | None = None  # RelatedRecord.Name (a Case's is its CaseNumber)


@dataclass(frozen=True)
class LogEntry:
    id: str
    run_id: str
    kind: str
    timestamp: datetime
    stage_name: str | None
    step_name: str | None
    actor: str | None
    assignee: str | None
    duration: int | None
    comments: str | None


@dataclass(frozen=True)
class HistoryEntry:
    id: str
    parent_id: str
    field: str
    old_value: Any
    new_value: Any
    created: datetime
    created_by: str | None


@dataclass(frozen=True)
class FeedComment:
    id: str
    body: str
    rich: bool
    author: str | None
    created: datetime


@dataclass(frozen=True)
class FeedPost:
    id: str
    parent_id: str
    type: str
    title: str | None
    body: str | None
    link: str | None
    rich: bool
    author: str | None
    created: datetime
    comments: tuple[FeedComment, ...] = ()


@dataclass(frozen=True)
class InterviewError:
    run_id: str
    interview_id: str
    status: str | None
    message: str | None  # FlowInterview.Error (v62+)
    element: str | None


@dataclass(frozen=True)
class OrgInfo:
    org_id: str
    name: str
    instance_url: str
    api_version: str
    is_sandbox: bool = False
    org_type: str | None = None
    user_id: str | None = None
    username: str | None = None


@dataclass(frozen=True)
class StageDetails:
    """What the detail tabs show for one stage, fetched on demand in one call."""

    stage_id: str
    run_id: str
    history: tuple[HistoryEntry, ...] | None  # None: the org has no History object
    feed: tuple[FeedPost, ...] | None  # None: the org has no Feed object
    log: tuple[LogEntry, ...]  # this stage's milestones and the run's own (StageName null)
    shares: tuple[tuple[str, str, str], ...] = field(default=())  # (user or group, level, cause)
    # every stage of the run by name: (started, ended) from its StartStage and its last
    # End/Fail/DiscontinueStage milestone; empty when the org keeps no run log
    stage_times: Mapping[str, tuple[datetime | None, datetime | None]] = field(
        default_factory=dict)
    # the run's failure: its latest FailInstance row over the whole run log
    # (resume_window.failure_time); None when it has none or the org keeps no run log
    failed_at: datetime | None = None
