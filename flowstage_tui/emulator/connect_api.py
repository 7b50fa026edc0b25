"""The Connect REST API's orchestration resources, served from the demo org's records.

Followed as documented (Salesforce Connect REST API Developer Guide and Apex Reference):
- "Orchestration Instances", `/connect/interaction/orchestration/instances`, GET, v54.0:
  `relatedRecordId` (v54.0) or `relatedOrchestrationId` (v66.0), one of them required;
  developer.salesforce.com/docs/atlas.en-us.chatterapi.meta/chatterapi/
  connect_resources_interaction_orchestration_instances.htm
- "Orchestration Instance Detail", `/connect/interaction/orchestration/instance/detail`, GET,
  v63.0: `instanceId` required; …/connect_resources_interaction_orchestration_instance_detail.htm
- Response bodies, with the version each property appeared: Orchestration Instance Collection
  (`instances`), Orchestration Instance, Stage Instance, Step Instance, Work Item —
  developer.salesforce.com/docs/platform/apex-ref/references/apex-ref/
  apex-connectapi-output-flow-orchestration-{instance-collection,instance,stage-instance,
  step-instance,work-item}.html (the ConnectApi output classes the REST bodies mirror).

What the documentation leaves open, and how the demo org fills it ([INF]):
- "a record configured as a context record for orchestration interactive steps": the runs
  with a work item whose RelatedRecordId is that record. `relatedOrchestrationId` names a run
  that is itself the context record (RelatedRecordId is polymorphic, FlowOrchestrationInstance
  among its targets), so it matches the same field.
- Runs newest first; stages by Position; steps and work items by creation.
- flowDefinitionId/Name: the FlowOrchestration whose ApiName is the run's developer name (the
  demo org models no FlowDefinition); completionTime: whole seconds from creation to the last
  change of an ended stage or step, null while it runs.
- Bad input: 400 INVALID_API_INPUT, an unknown run: 404 NOT_FOUND.
"""

from __future__ import annotations

from typing import Any

from . import ids
from .clock import ms_to_sf
from .errors import ApiError
from .lifecycle import RUN, STAGE, STEP, WORK
from .org import DemoOrg

INSTANCES_SINCE = 54.0
RELATED_ORCHESTRATION_SINCE = 66.0
DETAIL_SINCE = 63.0
ENDED = frozenset({"Completed", "Canceled", "Discontinued", "Error"})
NOT_FOUND = ApiError(404, "NOT_FOUND", "The requested resource does not exist")


def _bad_input(message: str) -> ApiError:
    return ApiError(400, "INVALID_API_INPUT", message)


def _id_param(query: dict[str, list[str]], name: str) -> str | None:
    raw = (query.get(name) or [""])[0].strip()
    if not raw:
        return None
    rid = ids.normalise(raw)
    if rid is None:
        raise _bad_input(f"Invalid parameter value for {name}: {raw}")
    return rid


def route(org: DemoOrg, method: str, segs: list[str], query: dict[str, list[str]],
          version: float) -> dict[str, Any]:
    """`segs`: the path after `connect/`. Raises 404 where this version has no such
    resource, as Salesforce does."""
    path = "/".join(segs)
    if path == "interaction/orchestration/instances" and version >= INSTANCES_SINCE:
        _get_only(method)
        record = _id_param(query, "relatedRecordId")
        orchestration = (_id_param(query, "relatedOrchestrationId")
                         if version >= RELATED_ORCHESTRATION_SINCE else None)
        if record is None and orchestration is None:
            needed = ("relatedRecordId or relatedOrchestrationId"
                      if version >= RELATED_ORCHESTRATION_SINCE else "relatedRecordId")
            raise _bad_input(f"Missing required parameter: {needed}")
        return {"instances": [_instance(org, run, version) for run in
                              _runs_for(org, [i for i in (record, orchestration) if i])]}
    if path == "interaction/orchestration/instance/detail" and version >= DETAIL_SINCE:
        _get_only(method)
        rid = _id_param(query, "instanceId")
        if rid is None:
            raise _bad_input("Missing required parameter: instanceId")
        with org.locked():
            visible = org.visible_store()
            visible.ensure_ids([rid])
            run = visible.get(RUN, rid)
            if run is None:
                raise NOT_FOUND
            return _instance(org, run, version)
    raise NOT_FOUND


def _get_only(method: str) -> None:
    if method != "GET":
        raise ApiError(405, "METHOD_NOT_ALLOWED",
                       f"HTTP Method '{method}' not allowed. Allowed are GET,HEAD")


def _runs_for(org: DemoOrg, context_ids: list[str]) -> list[dict[str, Any]]:
    with org.locked():
        visible = org.visible_store()
        visible.ensure_matching(WORK, "RelatedRecordId", context_ids)
        wanted = set(context_ids)
        step_ids = {w["StepInstanceId"] for w in visible.table(WORK).rows.values()
                    if w.get("RelatedRecordId") in wanted and w.get("StepInstanceId")}
        run_ids = {s["OrchestrationInstanceId"] for s in visible.table(STEP).rows.values()
                   if s["Id"] in step_ids}
        runs = [r for r in (visible.get(RUN, i) for i in run_ids) if r is not None]
    return sorted(runs, key=lambda r: (r["CreatedDate"], r["Id"]), reverse=True)


def _connect_date(ms: int) -> str:
    """Connect API datetimes are ISO 8601 in UTC with a Z (REST's are +0000)."""
    return ms_to_sf(ms).removesuffix("+0000") + "Z"


def _seconds(rec: dict[str, Any]) -> str | None:
    if rec.get("Status") not in ENDED:
        return None
    return str(max(0, (rec["LastModifiedDate"] - rec["CreatedDate"]) // 1000))


def _instance(org: DemoOrg, run: dict[str, Any], version: float) -> dict[str, Any]:
    with org.locked():
        visible = org.visible_store()
        visible.ensure_ids([run["Id"]])
        stages = sorted((s for s in visible.table(STAGE).rows.values()
                         if s["OrchestrationInstanceId"] == run["Id"]),
                        key=lambda s: (s.get("Position") or 0, s["Id"]))
        steps = sorted((s for s in visible.table(STEP).rows.values()
                        if s["OrchestrationInstanceId"] == run["Id"]),
                       key=lambda s: (s["CreatedDate"], s["Id"]))
        step_ids = {s["Id"] for s in steps}
        items = sorted((w for w in visible.table(WORK).rows.values()
                        if w.get("StepInstanceId") in step_ids),
                       key=lambda w: (w["CreatedDate"], w["Id"]))
        definition = next((o for o in visible.table("FlowOrchestration").rows.values()
                           if o.get("ApiName") == run.get("OrchestrationDeveloperName")), None)
        queues = {g["Id"] for g in visible.table("Group").rows.values()
                  if g.get("Type") == "Queue"}
    return {
        "flowDefinitionDeveloperName": run.get("OrchestrationDeveloperName"),
        "flowDefinitionId": definition["Id"] if definition else None,
        "flowDefinitionName": definition["Name"] if definition else None,
        "id": run["Id"],
        "interviewId": run.get("InterviewId"),
        "stageInstances": [_stage(stage, [s for s in steps if s["StageInstanceId"] ==
                                          stage["Id"]], items, queues, version)
                           for stage in stages],
        "status": run["Status"],
    }


def _stage(stage: dict[str, Any], steps: list[dict[str, Any]], items: list[dict[str, Any]],
           queues: set[str], version: float) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": stage["Id"], "label": stage["Label"], "name": stage["Name"],
        "status": stage["Status"],
        "stepInstances": [_step(step, [w for w in items if w["StepInstanceId"] == step["Id"]],
                                queues, version) for step in steps],
    }
    if version >= 63.0:
        out["completionTime"] = _seconds(stage)
    return dict(sorted(out.items()))


def _step(step: dict[str, Any], items: list[dict[str, Any]], queues: set[str],
          version: float) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": step["Id"], "label": step["Label"], "name": step["Name"],
        "status": step["Status"], "stepType": step.get("StepType"),
        "workItems": [_work_item(w, version) for w in items],
    }
    if version >= 63.0:
        latest = items[-1] if items else None
        assignee = latest.get("AssigneeId") if latest else None
        kind = None
        if assignee:
            kind = "Queue" if assignee in queues else (
                "Group" if assignee.startswith("00G") else "User")
        out |= {
            "assignedTo": assignee, "assigneeType": kind,
            "comments": None,  # a Comments output of the step's flow: the demo org has none
            "completedBy": latest["LastModifiedById"] if latest and
            latest.get("Status") == "Completed" else None,
            "completionTime": _seconds(step), "description": step.get("Description"),
        }
    return dict(sorted(out.items()))


def _work_item(w: dict[str, Any], version: float) -> dict[str, Any]:
    out: dict[str, Any] = {
        "assigneeId": w.get("AssigneeId"), "description": w.get("Description"),
        "id": w["Id"], "label": w.get("Label"), "relatedRecordId": w.get("RelatedRecordId"),
        "screenFlowDeveloperName": w.get("ScreenFlow"), "screenFlowId": None,
        "screenFlowInputs": w.get("ScreenFlowInputs"), "status": w["Status"],
    }
    if version >= 61.0:
        out |= {"createdDate": _connect_date(w["CreatedDate"]),
                "lastModifiedDate": _connect_date(w["LastModifiedDate"])}
    if version >= 62.0:
        out["flowType"] = w.get("FlowType")
    return dict(sorted(out.items()))
