"""Turning Salesforce REST records into models: datetimes, nulls, nested parents, children."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from .models import (
    FeedComment,
    FeedPost,
    HistoryEntry,
    InterviewError,
    LogEntry,
    Run,
    RunStatus,
    StageRun,
    StageStatus,
    StepRun,
    WorkItem,
    WorkItemStatus,
)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
Rec = dict[str, Any]


def sf_datetime(value: Any) -> datetime | None:
    """Parse `2026-11-27T10:15:30.000+0000` (and the ISO variants) to an aware datetime."""
    if not value or not isinstance(value, str):
        return None
    try:  # Python 3.11 reads Salesforce's `Z` and `+0000` forms itself
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _dt(rec: Rec, key: str) -> datetime:
    return sf_datetime(rec.get(key)) or EPOCH


def path(rec: Rec | None, dotted: str) -> Any:
    """A value along a parent path (`Interview.Error`), None when any hop is null."""
    cur: Any = rec
    for part in dotted.split("."):
        if not isinstance(cur, dict):
            return None
        cur = cur.get(part)
    return cur


def children(rec: Rec, relationship: str) -> list[Rec]:
    """Rows of a child subquery (null when there are none)."""
    block = rec.get(relationship)
    if not isinstance(block, dict):
        return []
    return list(block.get("records") or [])


_ENDED = frozenset({RunStatus.COMPLETED, RunStatus.ERROR, RunStatus.CANCELED,
                    RunStatus.DISCONTINUED})


def run(rec: Rec) -> Run:
    status = RunStatus(rec.get("Status") or "")
    created, modified = _dt(rec, "CreatedDate"), _dt(rec, "LastModifiedDate")
    duration = rec.get("Duration")
    if duration is None and status in _ENDED:
        # Duration is a v62+ field. An ended run's last write is the one that ended it, so
        # before v62 (or when it is empty) how long it took is its created-to-modified span.
        duration = max(0, int((modified - created).total_seconds()))
    return Run(
        id=rec["Id"], name=rec.get("Name") or rec["Id"], status=status,
        orchestration=rec.get("OrchestrationDeveloperName") or rec.get("OrchestrationName"),
        label=rec.get("OrchestrationLabel"), current_stage=rec.get("CurrentStage"),
        created=created, modified=modified,
        modstamp=_dt(rec, "SystemModstamp"), duration=duration,
        interview_id=rec.get("InterviewId"), is_debug=bool(rec.get("IsDebugRun")),
        triggering_record=rec.get("TriggeringRecord"),
        triggering_type=rec.get("TriggeringRecordType"),
    )


def interview_error(rec: Rec) -> InterviewError | None:
    """The interview's error text carried on a run row through `Interview.*` paths."""
    interview = rec.get("Interview")
    if not isinstance(interview, dict) or not rec.get("InterviewId"):
        return None
    if not interview.get("Error") and interview.get("InterviewStatus") != "Error":
        return None  # only failures matter to triage
    return InterviewError(run_id=rec["Id"], interview_id=rec["InterviewId"],
                          status=interview.get("InterviewStatus"), message=interview.get("Error"),
                          element=interview.get("CurrentElement"))


def stage(rec: Rec) -> StageRun:
    return StageRun(
        id=rec["Id"], run_id=rec.get("OrchestrationInstanceId") or "", name=rec.get("Name") or "",
        label=rec.get("Label") or rec.get("Name") or "", position=int(rec.get("Position") or 0),
        status=StageStatus(rec.get("Status") or ""), created=_dt(rec, "CreatedDate"),
        modified=_dt(rec, "LastModifiedDate"), modstamp=_dt(rec, "SystemModstamp"),
    )


def step(rec: Rec) -> StepRun:
    return StepRun(
        id=rec["Id"], run_id=rec.get("OrchestrationInstanceId") or "",
        stage_id=rec.get("StageInstanceId") or "", name=rec.get("Name") or "",
        label=rec.get("Label") or rec.get("Name") or "", status=StageStatus(rec.get("Status") or ""),
        step_type=rec.get("StepType") or "", description=rec.get("Description"),
        created=_dt(rec, "CreatedDate"), modified=_dt(rec, "LastModifiedDate"),
        modstamp=_dt(rec, "SystemModstamp"),
    )


# Key prefixes that are the same in every org (standard objects): the context record's type
# when the polymorphic RelatedRecord parent did not come (no access to the record, or it is
# deleted). Others stay unknown rather than guessed.
STANDARD_PREFIXES = {
    "001": "Account", "003": "Contact", "005": "User", "006": "Opportunity", "00D": "Organization",
    "00Q": "Lead", "500": "Case", "801": "Order", "0Q0": "Quote",
}


def work_item(rec: Rec, read_at: datetime | None = None) -> WorkItem:
    """`read_at`: when the record was read, which turns ElapsedTimeSinceAsgntInSec (a count
    Salesforce computes at read time) into the moment the assignment began.

    The run comes only through the step: RelatedRecordId is the context record (an Account, a
    Case, ...), which is a run only when the orchestration chose one as the context."""
    assignee = rec.get("Assignee") if isinstance(rec.get("Assignee"), dict) else None
    related = rec.get("RelatedRecord") if isinstance(rec.get("RelatedRecord"), dict) else None
    context_id = rec.get("RelatedRecordId") or None
    # (not attributes.type: through a polymorphic parent that is "Name", the Name object)
    context_type = path(related, "Type") or (
        STANDARD_PREFIXES.get(context_id[:3]) if context_id else None)
    elapsed = rec.get("ElapsedTimeSinceAsgntInSec")
    return WorkItem(
        id=rec["Id"], step_id=rec.get("StepInstanceId"),
        run_id=path(rec, "StepInstance.OrchestrationInstanceId"),
        label=rec.get("Label"), status=WorkItemStatus(rec.get("Status") or ""),
        assignee_id=rec.get("AssigneeId") or "", assignee_name=path(assignee, "Name"),
        assignee_type=path(assignee, "Type"), assignee_active=path(assignee, "IsActive"),
        created=_dt(rec, "CreatedDate"), modified=_dt(rec, "LastModifiedDate"),
        modstamp=_dt(rec, "SystemModstamp"), seconds_assigned=elapsed,
        assigned_since=read_at - timedelta(seconds=elapsed)
        if read_at is not None and elapsed is not None else None,
        context_id=context_id, context_type=context_type,
        context_name=path(related, "Name"),
    )


def log_entry(rec: Rec) -> LogEntry:
    return LogEntry(
        id=rec["Id"], run_id=rec.get("OrchestrationInstanceId") or "", kind=rec.get("Kind") or "",
        timestamp=_dt(rec, "Timestamp"), stage_name=rec.get("StageName"),
        step_name=rec.get("StepName"), actor=rec.get("Actor"), assignee=rec.get("Assignee"),
        duration=rec.get("Duration"), comments=rec.get("Comments"),
    )


def history_entry(rec: Rec) -> HistoryEntry:
    return HistoryEntry(id=rec["Id"], parent_id=rec.get("ParentId") or "",
                        field=rec.get("Field") or "", old_value=rec.get("OldValue"),
                        new_value=rec.get("NewValue"), created=_dt(rec, "CreatedDate"),
                        created_by=path(rec, "CreatedBy.Name"))


def feed_post(rec: Rec) -> FeedPost:
    comments = tuple(
        FeedComment(id=c["Id"], body=c.get("CommentBody") or "", rich=bool(c.get("IsRichText")),
                    author=path(c, "InsertedBy.Name") or path(c, "CreatedBy.Name"),
                    created=_dt(c, "CreatedDate"))
        for c in sorted(children(rec, "FeedComments"), key=lambda c: c.get("CreatedDate") or ""))
    return FeedPost(id=rec["Id"], parent_id=rec.get("ParentId") or "", type=rec.get("Type") or "",
                    title=rec.get("Title"), body=rec.get("Body"), link=rec.get("LinkUrl"),
                    rich=bool(rec.get("IsRichText")),
                    author=path(rec, "InsertedBy.Name") or path(rec, "CreatedBy.Name"),
                    created=_dt(rec, "CreatedDate"), comments=comments)
