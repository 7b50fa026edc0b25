"""The triage writes as values: what each sends, how it is previewed, what came back.

Pure: no I/O, no Textual. engine/actions.py sends these; the CLI and the TUI's confirm dialog
show `preview()` of exactly the requests that will travel, so what the user confirms is what
the org receives.

The four actions (issue 14 §2; reference/orchestration-objects.md):
- reassign: PATCH sobjects/FlowOrchestrationWorkItem/{id} {"AssigneeId"}; an approval work
  item (one with an ApprovalWorkItem whose FlowOrchestrationWorkItemId names it, v62+) goes
  through POST actions/standard/reassignApprovalWorkItem instead (needs Approval Admin);
- cancel: PATCH sobjects/FlowOrchestrationInstance/{id} {"Status": "Canceled"}; an approval
  run (ApprovalSubmission.FlowOrchestrationInstanceId) through POST
  actions/standard/cancelApprovalSubmission;
- delete: DELETE sobjects/FlowInterview/{id} (Manage Flow), only for a finished or canceled
  run's interview, and an Error run's inside its resume window only when its name is typed;
- nudge: POST sobjects/FlowOrchestrationEvent {"OrchestrationInstanceId"}.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .resume_window import in_resume_window, window_closes

COMPOSITE_MAX = 25  # subrequests per /composite call (Salesforce's limit)
ACTIONS = ("reassign", "cancel", "delete", "nudge")
WORK_ITEM = "FlowOrchestrationWorkItem"
RUN = "FlowOrchestrationInstance"
INTERVIEW = "FlowInterview"
EVENT = "FlowOrchestrationEvent"
REASSIGN_APPROVAL = "actions/standard/reassignApprovalWorkItem"
CANCEL_APPROVAL = "actions/standard/cancelApprovalSubmission"
APPROVAL_MIN_VERSION = 62.0  # the approval objects and actions exist from v62
# A run whose interview may be deleted: it will not go on (the interview is what a resume
# needs, so deleting it ends any resume of an Error run).
DELETABLE_RUN_STATUSES = ("Completed", "Canceled", "Error")


@dataclass(frozen=True)
class WriteRequest:
    """One write, as it will be sent. `path` is relative to /services/data/vNN.N/."""

    action: str
    method: str
    path: str
    body: Mapping[str, Any] | None
    record_id: str  # the record the user picked: work item, run or interview
    label: str  # its human name, for dialogs and reports

    def url(self, version: str) -> str:
        return f"/services/data/v{version}/{self.path}"

    def line(self, version: str) -> str:
        """The request on one line: method, full path and the JSON body, if any."""
        text = f"{self.method} {self.url(version)}"
        return text if self.body is None else f"{text} {body_json(self.body)}"


def body_json(body: Mapping[str, Any]) -> str:
    """The body exactly as it is sent (the same encoder the engine uses)."""
    return json.dumps(body, ensure_ascii=False)


def reassign_request(work_item_id: str, label: str, assignee_id: str, *,
                     approval_work_item_id: str | None = None,
                     comments: str | None = None) -> WriteRequest:
    """Reassign a work item; an approval work item through the documented action."""
    if approval_work_item_id is None:
        return WriteRequest("reassign", "PATCH", f"sobjects/{WORK_ITEM}/{work_item_id}",
                            {"AssigneeId": assignee_id}, work_item_id, label)
    given: dict[str, Any] = {"approvalWorkItemId": approval_work_item_id,
                             "assigneeId": assignee_id}
    if comments:
        given["comments"] = comments
    return WriteRequest("reassign", "POST", REASSIGN_APPROVAL, {"inputs": [given]},
                        work_item_id, label)


def cancel_request(run_id: str, label: str, *,
                   approval_submission_id: str | None = None,
                   comments: str | None = None) -> WriteRequest:
    """Cancel a run; an approval run by cancelling its submission (which cancels the run)."""
    if approval_submission_id is None:
        return WriteRequest("cancel", "PATCH", f"sobjects/{RUN}/{run_id}",
                            {"Status": "Canceled"}, run_id, label)
    given: dict[str, Any] = {"approvalSubmissionId": approval_submission_id}
    if comments:
        given["comments"] = comments
    return WriteRequest("cancel", "POST", CANCEL_APPROVAL, {"inputs": [given]}, run_id, label)


def delete_interview_request(interview_id: str, label: str) -> WriteRequest:
    return WriteRequest("delete", "DELETE", f"sobjects/{INTERVIEW}/{interview_id}", None,
                        interview_id, label)


def nudge_request(run_id: str, label: str) -> WriteRequest:
    return WriteRequest("nudge", "POST", f"sobjects/{EVENT}",
                        {"OrchestrationInstanceId": run_id}, run_id, label)


def is_action(req: WriteRequest) -> bool:
    """An invocable action (actions/standard/…): its answer is a list of per-input results."""
    return req.path.startswith("actions/")


# ------------------------------------------------------------------ how they travel

def calls_needed(n: int) -> int:
    """API calls for n REST writes: one alone travels as itself, several in /composite calls
    of COMPOSITE_MAX (allOrNone=false)."""
    if n <= 0:
        return 0
    return 1 if n == 1 else math.ceil(n / COMPOSITE_MAX)


def chunks(requests: Sequence[WriteRequest],
           size: int = COMPOSITE_MAX) -> list[list[WriteRequest]]:
    return [list(requests[i:i + size]) for i in range(0, len(requests), size)]


@dataclass(frozen=True)
class PlannedCall:
    """One API call carrying one or more writes. kind: "single" (the request itself),
    "composite" (POST composite, one subrequest each, referenceId w0, w1, …) or "action"
    (one invocable-action POST whose inputs are the requests' inputs, in order)."""

    kind: str
    method: str
    path: str
    body: Mapping[str, Any] | None
    requests: tuple[WriteRequest, ...]

    def url(self, version: str) -> str:
        return f"/services/data/v{version}/{self.path}"


def composite_body(requests: Sequence[WriteRequest], version: str) -> dict[str, Any]:
    """One /composite call's body: each request a subrequest named w0, w1, … in order."""
    subs: list[dict[str, Any]] = []
    for i, req in enumerate(requests):
        sub: dict[str, Any] = {"method": req.method, "url": req.url(version),
                               "referenceId": f"w{i}"}
        if req.body is not None:
            sub["body"] = dict(req.body)
        subs.append(sub)
    return {"allOrNone": False, "compositeRequest": subs}


def plan_calls(requests: Sequence[WriteRequest], version: str) -> list[PlannedCall]:
    """How `requests` travel. REST writes: one alone as itself, several through /composite,
    25 a call, allOrNone=false. Invocable actions are not among the resources /composite
    supports (sObject, query and queryAll resources), but take many inputs in one call: the
    approval writes to one action travel together, 25 inputs a call, each answered apart."""
    rest = [r for r in requests if not is_action(r)]
    calls: list[PlannedCall] = []
    if len(rest) == 1:
        r = rest[0]
        calls.append(PlannedCall("single", r.method, r.path, r.body, (r,)))
    else:
        for part in chunks(rest):
            calls.append(PlannedCall("composite", "POST", "composite",
                                     composite_body(part, version), tuple(part)))
    for path in dict.fromkeys(r.path for r in requests if is_action(r)):
        group = [r for r in requests if r.path == path]
        for part in chunks(group):
            inputs = [i for r in part for i in (r.body or {}).get("inputs", [])]
            calls.append(PlannedCall("action", "POST", path, {"inputs": inputs}, tuple(part)))
    return calls


def travel_line(requests: Sequence[WriteRequest], version: str) -> str:
    calls = plan_calls(requests, version)
    n, c = len(requests), len(calls)
    how = []
    composites = sum(1 for x in calls if x.kind == "composite")
    actions = sum(1 for x in calls if x.kind == "action")
    if composites:
        how.append(f"{composites} /composite call{'s' if composites != 1 else ''} (up to "
                   f"{COMPOSITE_MAX} each, allOrNone=false: each record succeeds or fails on "
                   "its own)")
    if actions and n > 1:
        how.append(f"{actions} action call{'s' if actions != 1 else ''} (one input per "
                   "record, each answered on its own)")
    detail = f": {'; '.join(how)}" if how else ""
    return (f"{n} record{'s' if n != 1 else ''}, {c} API call{'s' if c != 1 else ''}"
            f"{detail}; never retried.")


def preview(requests: Sequence[WriteRequest], version: str) -> list[str]:
    """The exact requests, one line each (a /composite call's subrequests one a line; an
    action call as the one POST it is, every record's input in its body), then how they
    travel."""
    lines: list[str] = []
    for call in plan_calls(requests, version):
        if call.kind == "action":
            lines.append(f"{call.method} {call.url(version)} {body_json(call.body or {})}")
        else:
            lines.extend(req.line(version) for req in call.requests)
    if requests:
        lines.append(travel_line(requests, version))
    return lines


# ------------------------------------------------------------------ what came back

@dataclass(frozen=True)
class WriteOutcome:
    record_id: str
    label: str
    ok: bool
    status: int | None
    error_code: str | None
    message: str
    unknown: bool = False  # the answer was lost: the write may or may not have happened


def outcome_line(o: WriteOutcome) -> str:
    """One record's result on one line, for result dialogs and notifications (org text in
    it is data: the caller shows it literally)."""
    if o.ok:
        return f"OK       {o.record_id}  {o.label}: {o.message}"
    if o.unknown:
        return f"UNKNOWN  {o.record_id}  {o.label}: {o.message}"
    return f"FAILED   {o.record_id}  {o.label}: {o.error_code}: {o.message}"


@dataclass(frozen=True)
class WriteReport:
    outcomes: tuple[WriteOutcome, ...]

    @property
    def succeeded(self) -> tuple[WriteOutcome, ...]:
        return tuple(o for o in self.outcomes if o.ok)

    @property
    def failed(self) -> tuple[WriteOutcome, ...]:
        return tuple(o for o in self.outcomes if not o.ok and not o.unknown)

    @property
    def unknown(self) -> tuple[WriteOutcome, ...]:
        return tuple(o for o in self.outcomes if o.unknown)

    @property
    def all_ok(self) -> bool:
        return len(self.succeeded) == len(self.outcomes)

    def summary(self) -> str:
        parts = [f"{len(self.succeeded)} succeeded", f"{len(self.failed)} failed"]
        if self.unknown:
            parts.append(f"{len(self.unknown)} outcome unknown")
        return f"{len(self.outcomes)} write{'s' if len(self.outcomes) != 1 else ''}: " + \
            ", ".join(parts) + "."


def first_error(body: Any) -> tuple[str | None, str]:
    """Salesforce's error code and message from an error body: a list of {errorCode,
    message} (REST) or of action results with errors [{statusCode, message}]."""
    if isinstance(body, list) and body and isinstance(body[0], dict):
        head = body[0]
        if "errorCode" in head:
            return str(head.get("errorCode")), str(head.get("message") or "")
        errors = head.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            return str(errors[0].get("statusCode")), str(errors[0].get("message") or "")
    if isinstance(body, dict) and body.get("success") is False:
        return first_error(body.get("errors"))
    return None, "" if body is None else str(body)[:200]


def outcome_of(req: WriteRequest, status: int, body: Any) -> WriteOutcome:
    """What one answer (a direct call's or a composite subresponse's) says about `req`.

    An invocable action answers HTTP 200 with isSuccess per input, so the status alone does
    not say; a REST write succeeds with 2xx."""
    ok = 200 <= status < 300
    if ok and is_action(req):
        results = body if isinstance(body, list) else []
        ok = bool(results) and all(isinstance(r, dict) and r.get("isSuccess") is True
                                   for r in results)
    if ok:
        return WriteOutcome(req.record_id, req.label, True, status, None, done_text(req))
    code, message = first_error(body)
    return WriteOutcome(req.record_id, req.label, False, status, code or f"HTTP {status}",
                        message or f"the org answered HTTP {status}")


def done_text(req: WriteRequest) -> str:
    return {"reassign": "reassigned", "cancel": "canceled", "delete": "interview deleted",
            "nudge": "event published"}.get(req.action, "done")


# ------------------------------------------------------------------ the delete guard

def delete_refusal(run_status: str | None, failed_at: datetime | None,
                   now: datetime) -> str | None:
    """Why deleting a run's interview is refused, in one line; None when it is allowed
    (possibly only with the run's name typed: see needs_typed_name)."""
    del failed_at, now  # the window does not refuse, it asks for the name
    if run_status is None:
        return ("no orchestration run holds this interview; flowstage deletes only the "
                "interview of a canceled or finished run")
    if run_status not in DELETABLE_RUN_STATUSES:
        return (f"its run is {run_status}; only the interview of a canceled or finished run "
                "(Completed, Canceled, Error) may be deleted — cancel the run first")
    return None


def needs_typed_name(run_status: str | None, failed_at: datetime | None,
                     now: datetime) -> bool:
    """An Error run still inside its 14-day resume window: deleting its interview ends any
    resume, so the user must type the run's name."""
    return run_status == "Error" and in_resume_window(failed_at, now)


def window_text(failed_at: datetime | None, now: datetime) -> str:
    closes = window_closes(failed_at)
    if closes is None or now >= closes:
        return "its resume window is closed"
    hours = int((closes - now).total_seconds() // 3600)
    left = f"{hours // 24}d{hours % 24:02d}h" if hours >= 24 else f"{hours}h"
    return f"it can still be resumed for {left} (until {closes:%Y-%m-%d %H:%M} UTC)"


# ------------------------------------------------------------------ approval routing

def approvals_available(version: str) -> bool:
    """ApprovalWorkItem/ApprovalSubmission and their actions exist from v62."""
    try:
        return float(version) >= APPROVAL_MIN_VERSION
    except ValueError:
        return False


def approval_item_map(rows: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """FlowOrchestrationWorkItem Id → its open ApprovalWorkItem Id, from ApprovalWorkItem rows
    (Id, FlowOrchestrationWorkItemId)."""
    return {str(r["FlowOrchestrationWorkItemId"]): str(r["Id"]) for r in rows
            if r.get("FlowOrchestrationWorkItemId") and r.get("Id")}


def approval_submission_map(rows: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """FlowOrchestrationInstance Id → its ApprovalSubmission Id."""
    return {str(r["FlowOrchestrationInstanceId"]): str(r["Id"]) for r in rows
            if r.get("FlowOrchestrationInstanceId") and r.get("Id")}
