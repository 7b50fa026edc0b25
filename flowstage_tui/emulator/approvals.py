"""Flow-approval records kept in step with their orchestration run.

A run of an approval orchestration (FlowType ApprovalOrchAutolnch / ApprovalOrchRecTrigAftSave)
has one ApprovalSubmission (its FlowOrchestrationInstanceId), and each of its work items an
ApprovalWorkItem (FlowOrchestrationWorkItemId): documented links. How their Status follows the
run is inferred [INF] from the action pages: cancelling a submission cancels its uncompleted
work items; the rest mirrors the run (Approved when it completes, Error when it fails).
None of this draws randomness, so a seed's runs play out exactly as without approvals.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .schema_triage import APPROVAL_SUBMISSION_PREFIX, APPROVAL_WORK_ITEM_PREFIX
from .store import Record

if TYPE_CHECKING:
    from .lifecycle import Lifecycle

SUBMISSION = "ApprovalSubmission"
APPROVAL_ITEM = "ApprovalWorkItem"


def is_approval(run: Record) -> bool:
    return str(run.get("FlowType") or "").startswith("Approval")


def _object_of(lc: Lifecycle, rid: str | None) -> str | None:
    return lc.store.owner_of.get(rid) if rid else None


def open_submission(lc: Lifecycle, run: Record, t: int) -> None:
    if not is_approval(run):
        return
    context = lc.context_of(run)
    lc.store.insert(SUBMISSION, {
        "Id": lc.minter.mint(APPROVAL_SUBMISSION_PREFIX),
        "Name": lc._autonumber("submission", "AS-{:07d}"), **lc._audit(t, lc.auto_id),
        "Comments": None, "DoesSendApprovalEmail": False, "FlowOrchestrationInstanceId": run["Id"],
        "OwnerId": lc.auto_id, "RelatedRecordId": context,
        "RelatedRecordObjectName": _object_of(lc, context), "Status": "InProgress",
        "SubmittedById": lc.auto_id, "LastReferencedDate": None, "LastViewedDate": None})


def submission_of(lc: Lifecycle, run_id: str) -> Record | None:
    found = lc.store.children(SUBMISSION, "FlowOrchestrationInstanceId", run_id)
    return found[0] if found else None


def open_item(lc: Lifecycle, run: Record, wi: Record, step_label: str, t: int) -> None:
    if not is_approval(run):
        return
    sub = submission_of(lc, run["Id"])
    if sub is None:  # a run loaded from a dump written before approvals existed
        return
    lc.store.insert(APPROVAL_ITEM, {
        "Id": lc.minter.mint(APPROVAL_WORK_ITEM_PREFIX),
        "Name": lc._autonumber("approval_item", "AW-{:07d}"), **lc._audit(t, lc.auto_id),
        "ApprovalConditionName": step_label, "ApprovalSubmissionId": sub["Id"],
        "AssignedToId": wi["AssigneeId"], "Comments": None, "FlowOrchestrationWorkItemId": wi["Id"],
        "RelatedRecordId": wi["RelatedRecordId"],
        "RelatedRecordObjectName": _object_of(lc, wi["RelatedRecordId"]), "Status": "Assigned",
        "ReviewedById": None, "ReviewedDate": None, "LastReferencedDate": None,
        "LastViewedDate": None})


def item_of(lc: Lifecycle, wi: Record) -> Record | None:
    found = lc.store.children(APPROVAL_ITEM, "FlowOrchestrationWorkItemId", wi["Id"])
    return found[0] if found else None


def settle_item(lc: Lifecycle, run: Record, wi: Record, t: int, by: str, status: str,
                **changes: Any) -> None:
    """The approval work item of `wi` leaves Assigned (Approved when its work item was
    completed by its assignee, Canceled when the run stopped)."""
    if not is_approval(run):
        return
    item = item_of(lc, wi)
    if item is not None and item["Status"] == "Assigned":
        lc._update(APPROVAL_ITEM, item, t, by, Status=status, **changes)


def reassign_item(lc: Lifecycle, run: Record, wi: Record, assignee_id: str, t: int,
                  by: str) -> None:
    if not is_approval(run):
        return
    item = item_of(lc, wi)
    if item is not None and item["Status"] == "Assigned":
        lc._update(APPROVAL_ITEM, item, t, by, AssignedToId=assignee_id)


def set_submission(lc: Lifecycle, run: Record, t: int, by: str, status: str) -> None:
    if not is_approval(run):
        return
    sub = submission_of(lc, run["Id"])
    if sub is not None and sub["Status"] != status:
        lc._update(SUBMISSION, sub, t, by, Status=status)
