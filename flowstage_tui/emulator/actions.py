"""POST /actions/standard/reassignApprovalWorkItem and /cancelApprovalSubmission (v62+), and
GET /actions/standard listing them.

Inputs are the documented ones (Actions Developer Guide): {"inputs": [{"approvalWorkItemId",
"assigneeId", "comments"}]} and {"inputs": [{"approvalSubmissionId", "comments"}]}. The answer
is a list with one result per input in the documented keys: actionName, errors, invocationId,
isSuccess, outcome, outputValues (None: neither action has outputs), sortOrder, version.
[INF] A failed input carries errors [{"statusCode", "message", "fields": []}] and the call is
HTTP 400 when every input failed, 200 otherwise, as invocable actions answer elsewhere.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from . import approvals, ids
from .errors import ApiError
from .lifecycle import RUN, STEP, WORK
from .schema_triage import OPEN_SUBMISSION

if TYPE_CHECKING:
    from .org import DemoOrg

MIN_VERSION = 62.0
REASSIGN = "reassignApprovalWorkItem"
CANCEL = "cancelApprovalSubmission"
LABELS = {REASSIGN: "Reassign Approval Work Item", CANCEL: "Cancel Approval Submission"}
NOT_FOUND_TEXT = "The requested resource does not exist"


class InputError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def route(org: DemoOrg, method: str, segs: list[str], body: bytes, version: float,
          by: str, base: str) -> tuple[int, Any]:
    if segs[:1] != ["standard"] or version < MIN_VERSION:
        raise ApiError(404, "NOT_FOUND", NOT_FOUND_TEXT)
    if len(segs) == 1:
        if method != "GET":
            raise ApiError(405, "METHOD_NOT_ALLOWED",
                           f"HTTP Method '{method}' not allowed. Allowed are HEAD,GET")
        return 200, {"actions": [{"label": LABELS[n], "name": n, "type": "STANDARD",
                                  "url": f"{base}/actions/standard/{n}"} for n in LABELS]}
    name = segs[1]
    if len(segs) != 2 or name not in LABELS:
        raise ApiError(404, "NOT_FOUND", NOT_FOUND_TEXT)
    if method != "POST":
        raise ApiError(405, "METHOD_NOT_ALLOWED",
                       f"HTTP Method '{method}' not allowed. Allowed are HEAD,GET,POST")
    try:
        payload = json.loads(body or b"{}")
        inputs = payload["inputs"]
        assert isinstance(inputs, list) and all(isinstance(i, dict) for i in inputs)
    except (ValueError, KeyError, TypeError, AssertionError) as exc:
        raise ApiError(400, "JSON_PARSER_ERROR", "The request body must be {\"inputs\": "
                       "[{...}, ...]}") from exc
    results = []
    with org.locked():
        now = org.now_ms()
        org.store.commit_now = True
        try:
            for index, given in enumerate(inputs):
                try:
                    (_reassign if name == REASSIGN else _cancel)(org, given, now, by)
                    errors = None
                except InputError as exc:
                    errors = [{"statusCode": exc.code, "message": exc.message, "fields": []}]
                results.append({"actionName": name, "errors": errors, "invocationId": None,
                                "isSuccess": errors is None, "outcome": None,
                                "outputValues": None, "sortOrder": index, "version": 1})
        finally:
            org.store.commit_now = False
    ok = any(r["isSuccess"] for r in results) or not results
    return (200 if ok else 400), results


def _id_input(given: dict[str, Any], key: str) -> str:
    raw = given.get(key)
    if raw in (None, ""):
        raise InputError("REQUIRED_FIELD_MISSING", f"Required fields are missing: [{key}]")
    rid = ids.normalise(raw) if isinstance(raw, str) else None
    if rid is None:
        raise InputError("MALFORMED_ID", f"{key}: id value of incorrect type: {raw}")
    return rid


def _need_admin(org: DemoOrg) -> None:
    if "ApprovalAdmin" not in org.permissions:
        # the pages: "The user must have the Approval Admin user permission" [INF: the code]
        raise InputError("INSUFFICIENT_ACCESS_OR_READONLY", "You need the Approval Admin "
                         "permission to perform this action.")


def _run_of(org: DemoOrg, wi: dict[str, Any]) -> dict[str, Any] | None:
    step = org.store.get(STEP, wi["StepInstanceId"]) if wi.get("StepInstanceId") else None
    return org.store.get(RUN, step["OrchestrationInstanceId"]) if step else None


def _reassign(org: DemoOrg, given: dict[str, Any], now: int, by: str) -> None:
    item_id = _id_input(given, "approvalWorkItemId")
    assignee_id = _id_input(given, "assigneeId")
    _need_admin(org)
    item = org.store.get(approvals.APPROVAL_ITEM, item_id)
    if item is None:
        raise InputError("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id")
    if item["Status"] != "Assigned":
        raise InputError("FIELD_INTEGRITY_EXCEPTION",
                         "The approval work item must be in Assigned status.")
    found = org.store.find(assignee_id)
    if found is None or found[0] not in ("User", "Group"):
        raise InputError("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id")
    if found[0] == "User" and not found[1]["IsActive"]:
        raise InputError("INACTIVE_OWNER_OR_USER", "operation performed with inactive user")
    wi = org.store.get(WORK, item["FlowOrchestrationWorkItemId"] or "")
    run = _run_of(org, wi) if wi is not None else None
    if wi is not None and run is not None and wi["Status"] == "Assigned":
        # the orchestration work item follows (ReassignWorkItem log row, elapsed time reset)
        org.lifecycle.reassign(run, wi, found[1], now, by)
    else:
        org.lifecycle._update(approvals.APPROVAL_ITEM, item, now, by, AssignedToId=assignee_id)
    if given.get("comments"):
        org.lifecycle._update(approvals.APPROVAL_ITEM, item, now, by,
                              Comments=str(given["comments"]))


def _cancel(org: DemoOrg, given: dict[str, Any], now: int, by: str) -> None:
    sub_id = _id_input(given, "approvalSubmissionId")
    _need_admin(org)
    sub = org.store.get(approvals.SUBMISSION, sub_id)
    if sub is None:
        raise InputError("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id")
    if sub["Status"] not in OPEN_SUBMISSION:
        raise InputError("FIELD_INTEGRITY_EXCEPTION", "The approval submission must be in "
                         "In Progress or Suspended status.")
    run = org.store.get(RUN, sub["FlowOrchestrationInstanceId"] or "")
    if run is not None and run["Status"] in ("InProgress", "Suspended"):
        # the run is canceled with its submission: its cascade cancels the approval items
        org.lifecycle.cancel_run(run, now, by)
    for item in org.store.children(approvals.APPROVAL_ITEM, "ApprovalSubmissionId", sub["Id"]):
        if item["Status"] == "Assigned":
            org.lifecycle._update(approvals.APPROVAL_ITEM, item, now, by, Status="Canceled")
    changes: dict[str, Any] = {"Status": "Canceled"}
    if given.get("comments"):
        changes["Comments"] = str(given["comments"])
    org.lifecycle._update(approvals.SUBMISSION, sub, now, by, **changes)
