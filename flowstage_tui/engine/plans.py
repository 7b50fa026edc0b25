"""From what the user picked to the exact requests: the approval routing and the delete
guard applied, for the CLI and the TUI alike (neither builds requests on its own).

Each function that asks the org costs one call (a few hundred records a chunk).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from ..errors import UsageError
from ..salesforce import writes as w
from . import targets

if TYPE_CHECKING:
    from ..salesforce.client import SalesforceClient

Picked = tuple[str, str]  # (record Id, its label)


class DeleteRefused(UsageError):
    """A delete the guard refuses: one line saying why, and what would allow it."""


def reassign_requests(client: SalesforceClient, items: Sequence[Picked], assignee_id: str, *,
                      comments: str | None = None) -> list[w.WriteRequest]:
    """PATCH each work item, or (an approval work item, v62+) reassignApprovalWorkItem."""
    approvals = targets.approval_ids(client, [i for i, _ in items])
    return [w.reassign_request(i, label, assignee_id, approval_work_item_id=approvals.get(i),
                               comments=comments) for i, label in items]


def cancel_requests(client: SalesforceClient, runs: Sequence[Picked], *,
                    comments: str | None = None) -> list[w.WriteRequest]:
    """PATCH each run Canceled, or (an approval run, v62+) cancelApprovalSubmission."""
    subs = targets.approval_submissions(client, [r for r, _ in runs])
    return [w.cancel_request(r, label, approval_submission_id=subs.get(r), comments=comments)
            for r, label in runs]


def nudge_requests(runs: Sequence[Picked]) -> list[w.WriteRequest]:
    return [w.nudge_request(r, label) for r, label in runs]


TYPE_THE_NAME = "type the run's name ({name})"


def delete_check(target: targets.InterviewTarget, now: datetime,
                 typed: Collection[str] = (), how: str = TYPE_THE_NAME) -> str | None:
    """Why deleting this interview is refused (one line), None when it may go. `typed`: the
    run names the user typed to confirm a delete inside the resume window; `how` says how
    to type one where the caller asks ({name} is the run's name)."""
    refusal = w.delete_refusal(target.run_status, target.failed_at, now)
    if refusal:
        return f"{target.interview_id} (run {target.run_name}): {refusal}"
    if w.needs_typed_name(target.run_status, target.failed_at, now) and \
            target.run_name not in typed:
        return (f"{target.interview_id}: run {target.run_name} failed and "
                f"{w.window_text(target.failed_at, now)}; deleting its interview ends any "
                f"resume: {how.format(name=target.run_name)} to delete it anyway")
    return None


def delete_requests(chosen: Sequence[targets.InterviewTarget], now: datetime,
                    typed: Collection[str] = (), how: str = TYPE_THE_NAME
                    ) -> list[w.WriteRequest]:
    """DELETE each interview; DeleteRefused (the first refusal) when the guard says no to
    any, so a bulk delete never goes half-way on a refusal of ours."""
    for t in chosen:
        why = delete_check(t, now, typed, how)
        if why:
            raise DeleteRefused(why)
    return [w.delete_interview_request(t.interview_id, t.run_name) for t in chosen]
