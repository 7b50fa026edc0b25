"""The TUI's side of engine/plans.py: what the user picked (marked rows, or the cursor's) is
read afresh, records the org would refuse or that changed since the screen drew them are left
out with one line each saying why, and the rest become requests through plans.py (the one
place the approval routing and the delete guard's request building live, for the CLI too).

Called on the org's API thread before the confirm dialog; the dialog shows `preview()` of
`requests`, so what is confirmed is what send_writes sends. No Textual here.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from ..salesforce.writes import (
    WriteRequest,
    delete_refusal,
    needs_typed_name,
    window_text,
)
from . import plans, targets

if TYPE_CHECKING:
    from ..salesforce.client import SalesforceClient

CANCELABLE = ("InProgress", "Suspended")  # a run that has ended cannot be canceled
NUDGEABLE = ("InProgress",)  # a waiting run re-evaluates on the event; others do not listen
APPROVAL_ADMIN = "needs the Approval Admin permission"


@dataclass(frozen=True)
class PreparedWrite:
    """The writes to confirm, and what was left out.

    `skipped`: one line per picked record not written, saying why; `notes`: what the user
    should know before sending (a documented action instead of the plain PATCH, and the
    permission it needs); `typed_name`: the run's name the user must type (a delete that ends
    a run's resume window), with `typed_why`."""

    action: str
    requests: tuple[WriteRequest, ...]
    version: str
    skipped: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    typed_name: str | None = None
    typed_why: str = ""
    to: str | None = None  # a reassign's new holder, as the user knows them


def prepare_reassign(client: SalesforceClient, work_item_ids: Sequence[str],
                     assignee_id: str, comments: str | None = None,
                     checked: targets.Assignee | None = None) -> PreparedWrite:
    """Reassign open work items to `assignee_id` (refused, AssigneeRefused, when it is an
    inactive user or names nothing); approval work items through reassignApprovalWorkItem.
    `checked`: the assignee already through targets' check (the CLI's --to), not re-read."""
    assignee = checked if checked is not None and checked.id == assignee_id \
        else targets.check_assignee(client, assignee_id)
    items = targets.work_items(client, work_item_ids)
    picked: list[plans.Picked] = []
    skipped: list[str] = []
    for wid in work_item_ids:
        item = items.get(wid)
        if item is None:
            skipped.append(f"{wid}: no such work item now (deleted, or not visible to you)")
        elif item.status != "Assigned":
            skipped.append(f"{item.label or wid}: it is {item.status}; only an Assigned work "
                           "item can be reassigned")
        elif item.assignee_id == assignee.id:
            skipped.append(f"{item.label or wid}: already held by {assignee.name}")
        else:
            picked.append((wid, item.label or wid))
    requests = plans.reassign_requests(client, picked, assignee.id, comments=comments) \
        if picked else []
    routed = sum(1 for r in requests if r.method == "POST")
    notes = [f"{routed} approval work item{'s go' if routed != 1 else ' goes'} through "
             f"actions/standard/reassignApprovalWorkItem, which {APPROVAL_ADMIN}"] \
        if routed else []
    if assignee.caveat and picked:
        notes.append(f"{assignee.name}: {assignee.caveat}; sent anyway")
    return PreparedWrite("reassign", tuple(requests), client.version, tuple(skipped),
                         tuple(notes), to=f"{assignee.name} ({assignee.kind})")


def _pick_runs(client: SalesforceClient, run_ids: Sequence[str], statuses: Collection[str],
               why: str) -> tuple[list[plans.Picked], list[str]]:
    """The runs (read fresh, one query) whose status is in `statuses`, and one line for each
    left out: gone, or in another status (`why` is written right after "it is STATUS")."""
    found = targets.runs(client, run_ids)
    picked: list[plans.Picked] = []
    skipped: list[str] = []
    for rid in run_ids:
        run = found.get(rid)
        if run is None:
            skipped.append(f"{rid}: no such run now (deleted, or not visible to you)")
        elif run.status not in statuses:
            skipped.append(f"{run.name}: it is {run.status}{why}")
        else:
            picked.append((rid, run.name))
    return picked, skipped


def prepare_cancel(client: SalesforceClient, run_ids: Sequence[str]) -> PreparedWrite:
    """Cancel runs still going; an approval run by canceling its ApprovalSubmission."""
    picked, skipped = _pick_runs(client, run_ids, CANCELABLE, " already; only an InProgress "
                                 "or Suspended run can be canceled")
    requests = plans.cancel_requests(client, picked) if picked else []
    routed = sum(1 for r in requests if r.method == "POST")
    notes = [f"{routed} approval run{'s are' if routed != 1 else ' is'} canceled through "
             f"actions/standard/cancelApprovalSubmission, which {APPROVAL_ADMIN}"] \
        if routed else []
    return PreparedWrite("cancel", tuple(requests), client.version, tuple(skipped),
                         tuple(notes))


def prepare_delete(client: SalesforceClient, run_ids: Sequence[str], now: datetime,
                   confirmed: Collection[str] | None = None,
                   how: str = plans.TYPE_THE_NAME) -> PreparedWrite:
    """Delete the interviews of finished or canceled runs (the delete guard refuses the
    rest). An Error run inside its resume window needs its name typed, so it is deleted on
    its own: in a bulk delete it is left out, saying so. `confirmed` (the CLI's --confirm
    names, typed beforehand): such runs are kept, and plans.DeleteRefused, saying `how`,
    is raised for any whose name is not among them."""
    found = {t.run_id: t for t in targets.interviews_of(client, run_ids)}
    names = targets.runs(client, [r for r in run_ids if r not in found]) \
        if len(found) < len(run_ids) else {}
    allowed: list[targets.InterviewTarget] = []
    skipped: list[str] = []
    typed: tuple[str, str] | None = None
    in_window = [t for t in found.values()
                 if needs_typed_name(t.run_status, t.failed_at, now)]
    for rid in run_ids:
        target = found.get(rid)
        if target is None:
            name = names[rid].name if rid in names else rid
            skipped.append(f"{name}: the run holds no interview (already deleted, or it "
                           "never had one)")
            continue
        refusal = delete_refusal(target.run_status, target.failed_at, now)
        if target.interview_status is None:
            skipped.append(f"{target.run_name}: its interview {target.interview_id} is "
                           "already deleted (or not visible to you)")
        elif refusal is not None:
            skipped.append(f"{target.run_name}: {refusal}")
        elif confirmed is not None:
            allowed.append(target)  # the guard below checks the names typed beforehand
        elif target in in_window and len(run_ids) > 1:
            skipped.append(f"{target.run_name}: an Error run inside its resume window "
                           f"({window_text(target.failed_at, now)}); delete its interview "
                           "on its own (D on that run) and type its name")
        else:
            if target in in_window:
                typed = (target.run_name, "Deleting this interview ends any resume of "
                         f"{target.run_name}: {window_text(target.failed_at, now)}. Type "
                         "the run's name to send.")
            allowed.append(target)
    # the name the guard asks for is typed in the confirm dialog, before anything is sent:
    # that dialog refuses to send until it matches (plans.delete_check's `typed`)
    requests = plans.delete_requests(allowed, now, how=how, typed=list(confirmed)
                                     if confirmed is not None else [typed[0]] if typed else [])
    return PreparedWrite("delete", tuple(requests), client.version, tuple(skipped),
                         typed_name=typed[0] if typed else None,
                         typed_why=typed[1] if typed else "")


def prepare_nudge(client: SalesforceClient, run_ids: Sequence[str]) -> PreparedWrite:
    """Publish a FlowOrchestrationEvent for each waiting (InProgress) run."""
    picked, skipped = _pick_runs(client, run_ids, NUDGEABLE,
                                 "; only an InProgress run waits for an event")
    return PreparedWrite("nudge", tuple(plans.nudge_requests(picked)), client.version,
                         tuple(skipped))
