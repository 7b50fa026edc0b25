"""The triage writes beside PATCH: refusals for want of a permission, deleting a flow
interview, and publishing a FlowOrchestrationEvent (the "nudge").

Answers follow real orgs where they are documented or captured, and say where inferred:
- a refused DML for want of access: 400 INSUFFICIENT_ACCESS_OR_READONLY "insufficient access
  rights on object id", fields [] (the REST form of the DML error every org answers);
- PATCH/DELETE of a record in the recycle bin: 404 ENTITY_IS_DELETED "entity is deleted",
  fields [] (captured, reference/salesforce-rest-wire.md);
- a platform-event publish: 201 {"id", "success": true, "errors": [{"statusCode":
  "OPERATION_ENQUEUED", "message": <event UUID>, "fields": []}]} (platform events guide,
  asynchronous publishing; the Id "is not always unique").
"""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Any

from .errors import ApiError
from .lifecycle import INTERVIEW, RUN, STEP, definition_of

if TYPE_CHECKING:
    from .org import DemoOrg

NO_ACCESS_TEXT = "insufficient access rights on object id"
EVENT = "FlowOrchestrationEvent"
# FlowOrchestrationEvent's createable fields (platform events guide); StepStatus is a
# restricted picklist whose usable values are Completed and Error.
EVENT_FIELDS = {"orchestrationinstanceid": "OrchestrationInstanceId",
                "stepinstanceid": "StepInstanceId", "stepstatus": "StepStatus",
                "eventpayload": "EventPayload"}
STEP_STATUS = ("Canceled", "Completed", "Discontinued", "Error", "InProgress", "NotStarted")


def require(org: DemoOrg, perm: str) -> None:
    if perm not in org.permissions:
        raise ApiError(400, "INSUFFICIENT_ACCESS_OR_READONLY", NO_ACCESS_TEXT, [])


def refuse_deleted(org: DemoOrg, obj: str, rid: str) -> None:
    table = org.store.tables.get(obj)
    if table is not None and rid in table.deleted:
        raise ApiError(404, "ENTITY_IS_DELETED", "entity is deleted", [])


def delete_interview(org: DemoOrg, rid: str, now: int) -> None:
    """DELETE /sobjects/FlowInterview/{id} (needs Manage Flow). The run it belonged to keeps
    its status: an Error run can no longer be resumed (its interview is gone), an open one
    stays stuck where it was [INF: what the Setup page's Delete on a paused interview does]."""
    require(org, "ManageFlow")
    org.store.delete(INTERVIEW, rid, now)


def sobject_body(body: bytes) -> dict[str, Any]:
    """A PATCH/POST body as Salesforce reads one sObject: a JSON object, `attributes` ignored;
    anything else is JSON_PARSER_ERROR."""
    try:
        data = json.loads(body or b"{}")
    except ValueError as exc:
        raise ApiError(400, "JSON_PARSER_ERROR", f"Unexpected character: {exc}") from exc
    if not isinstance(data, dict):
        raise ApiError(400, "JSON_PARSER_ERROR",
                       "Cannot deserialize instance of sObject from array value")
    data.pop("attributes", None)
    return data


def _event_body(body: bytes) -> dict[str, Any]:
    data = sobject_body(body)
    out: dict[str, Any] = {}
    for key, value in data.items():
        name = EVENT_FIELDS.get(key.lower())
        if name is None:
            raise ApiError(400, "INVALID_FIELD",
                           f"No such column '{key}' on sobject of type {EVENT}", [])
        if value is not None and not isinstance(value, str):
            raise ApiError(400, "JSON_PARSER_ERROR", f"Cannot deserialize instance of string "
                           f"from {type(value).__name__} value for {name}")
        out[name] = value
    for name in ("OrchestrationInstanceId", "StepInstanceId"):
        if len(out.get(name) or "") > 18:
            raise ApiError(400, "STRING_TOO_LONG", f"{name}: data value too large: "
                           f"{out[name]} (max length=18)", [name])
    status = out.get("StepStatus")
    if status is not None and status not in STEP_STATUS:
        raise ApiError(400, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                       f"Step Status: bad value for restricted picklist field: {status}",
                       ["StepStatus"])
    if status is not None and not out.get("StepInstanceId"):
        # "If StepStatus is set, StepInstanceId is required" (object reference) [INF: code]
        raise ApiError(400, "REQUIRED_FIELD_MISSING",
                       "Required fields are missing: [StepInstanceId]", ["StepInstanceId"])
    return out


def publish_event(org: DemoOrg, body: bytes, now: int) -> dict[str, Any]:
    """POST /sobjects/FlowOrchestrationEvent. The publish always succeeds when the body is
    well formed (OrchestrationInstanceId is a string, not a lookup: nothing is checked
    against the run). Effect, applied at once [INF]: the run re-evaluates its current stage.
    A step named with StepStatus Completed/Error completes or fails; without a step, each
    asynchronous background step of the current stage that is still waiting completes (its
    work is done, only the completion event was lost). Completion writes the run log's
    EndStep/EndStage rows as any completion does; the event itself writes no log row."""
    fields = _event_body(body)
    run_id = fields.get("OrchestrationInstanceId")
    run = org.store.get(RUN, run_id) if run_id else None
    if run is not None and run["Status"] == "InProgress":
        _reevaluate(org, run, fields, now)
    event_id = org.minter.mint("e01")
    event_uuid = uuid.uuid5(uuid.NAMESPACE_URL, f"{org.org_id}/{event_id}")
    return {"id": event_id, "success": True, "errors": [
        {"statusCode": "OPERATION_ENQUEUED", "message": str(event_uuid), "fields": []}]}


def _reevaluate(org: DemoOrg, run: dict[str, Any], fields: dict[str, Any], now: int) -> None:
    lc = org.lifecycle
    orch = definition_of(run)
    stage = lc.current_stage(run)
    if stage is None:
        return
    steps = [s for s in lc.steps(stage) if s["Status"] == "InProgress"]
    wanted = fields.get("StepInstanceId")
    if wanted:
        step = org.store.get(STEP, wanted)
        if step is None or step not in steps:
            return  # a step of another stage, or done already: the engine ignores the event
        if fields.get("StepStatus") == "Error":
            lc.fail_run(run, now, "The step was marked as failed by a FlowOrchestrationEvent.")
        elif fields.get("StepStatus") in (None, "Completed"):
            lc.complete_step(run, orch, step, now)
        return
    for s in steps:
        if s["StepType"] == "AsynchronousBackgroundStep" and s["Status"] == "InProgress":
            lc.complete_step(run, orch, s, now)
