"""The Connect REST API's orchestration resources in the demo org (issue 12), held to
Salesforce's documentation, not to the demo org's own code.

The fields below are written out by hand from the documentation, with the API version each
property is documented from:
- "Orchestration Instances" and "Orchestration Instance Detail" (Connect REST API Developer
  Guide, chatterapi connect_resources_interaction_orchestration_instances.htm and
  connect_resources_interaction_orchestration_instance_detail.htm): the resources, v54.0 and
  v63.0; relatedRecordId v54.0, relatedOrchestrationId v66.0, instanceId v63.0;
- ConnectApi.OrchestrationInstanceCollection, OrchestrationInstance, OrchestrationStageInstance,
  OrchestrationStepInstance, OrchestrationWorkItem (Apex Reference,
  apex-connectapi-output-flow-orchestration-*.html): the response bodies.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests

from flowstage_tui.emulator.adapter import DEMO_ORIGIN, demo_session
from flowstage_tui.emulator.clock import ManualClock
from flowstage_tui.emulator.org import DemoOrg

COLLECTION = {"instances": 54.0}
INSTANCE = {"flowDefinitionDeveloperName": 54.0, "flowDefinitionId": 54.0,
            "flowDefinitionName": 54.0, "id": 54.0, "interviewId": 54.0,
            "stageInstances": 54.0, "status": 54.0}
STAGE = {"completionTime": 63.0, "id": 54.0, "label": 54.0, "name": 54.0, "status": 54.0,
         "stepInstances": 54.0}
STEP = {"assignedTo": 63.0, "assigneeType": 63.0, "comments": 63.0, "completedBy": 63.0,
        "completionTime": 63.0, "description": 63.0, "id": 54.0, "label": 54.0, "name": 54.0,
        "status": 54.0, "stepType": 54.0, "workItems": 54.0}
WORK_ITEM = {"assigneeId": 54.0, "createdDate": 61.0, "description": 54.0, "flowType": 62.0,
             "id": 54.0, "label": 54.0, "lastModifiedDate": 61.0, "relatedRecordId": 54.0,
             "screenFlowDeveloperName": 54.0, "screenFlowId": 54.0, "screenFlowInputs": 54.0,
             "status": 54.0}
ORCHESTRATION_STATUS = {"Canceled", "Completed", "Discontinued", "Error", "InProgress",
                        "NotStarted", "Suspended"}
STEP_TYPES = {"AsynchronousBackgroundStep", "ApprovalStep", "BackgroundStep", "InteractiveStep",
              "ManagedContentRoleInteractiveStep",
              "ManagedContentVariantAutoPublishBackgroundStep",
              "ManagedContentVariantAutoUnpublishBackgroundStep",
              "ManagedContentVariantSetLockBackgroundStep",
              "ManagedContentVariantSetReadyBackgroundStep", "MuleSoftStep"}
ASSIGNEE_TYPES = {"Group", "Invalid", "Queue", "User", None}
INSTANCES = "connect/interaction/orchestration/instances"
DETAIL = "connect/interaction/orchestration/instance/detail"


def documented(fields: dict[str, float], version: float) -> set[str]:
    return {name for name, since in fields.items() if since <= version}


class Api:
    def __init__(self, org: DemoOrg) -> None:
        self.org = org
        self.s = demo_session(org)
        with org.lock:
            self.auth = {"Authorization": f"Bearer {org.new_session().token}"}

    def get(self, version: float, path: str, **params: str) -> requests.Response:
        return self.s.get(f"{DEMO_ORIGIN}/services/data/v{version:.1f}/{path}", params=params,
                          headers=self.auth)

    def query(self, soql: str) -> list[dict[str, Any]]:
        r = self.get(66.0, "query", q=soql)
        assert r.status_code == 200, r.text
        out: list[dict[str, Any]] = r.json()["records"]
        return out


@pytest.fixture
def api(clock: ManualClock) -> Api:
    return Api(DemoOrg(seed=3, runs=12, clock=clock, frozen=True))


def a_context_record(api: Api) -> str:
    rows = api.query("SELECT RelatedRecordId FROM FlowOrchestrationWorkItem "
                     "WHERE RelatedRecordId != null ORDER BY CreatedDate LIMIT 1")
    return str(rows[0]["RelatedRecordId"])


def check_shape(run: dict[str, Any], version: float) -> int:
    """Every level has exactly the documented properties of this version; returns how many
    work items the tree holds."""
    assert set(run) == documented(INSTANCE, version)
    assert run["status"] in ORCHESTRATION_STATUS
    items = 0
    for stage in run["stageInstances"]:
        assert set(stage) == documented(STAGE, version)
        assert stage["status"] in ORCHESTRATION_STATUS
        for step in stage["stepInstances"]:
            assert set(step) == documented(STEP, version)
            assert step["status"] in ORCHESTRATION_STATUS | {"Suspended"}
            assert step["stepType"] in STEP_TYPES
            if version >= 63.0:
                assert step["assigneeType"] in ASSIGNEE_TYPES
            for item in step["workItems"]:
                assert set(item) == documented(WORK_ITEM, version)
                items += 1
    return items


@pytest.mark.parametrize("version", [54.0, 60.0, 61.0, 62.0, 63.0, 66.0])
def test_instances_for_a_context_record_have_the_documented_shape(api: Api,
                                                                  version: float) -> None:
    record = a_context_record(api)
    r = api.get(version, INSTANCES, relatedRecordId=record)
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == documented(COLLECTION, version)
    assert body["instances"]
    items = sum(check_shape(run, version) for run in body["instances"])
    assert items >= 1
    assert any(item["relatedRecordId"] == record for run in body["instances"]
               for stage in run["stageInstances"] for step in stage["stepInstances"]
               for item in step["workItems"])


@pytest.mark.parametrize("version", [63.0, 64.0, 66.0])
def test_instance_detail_has_the_documented_shape_and_the_records_facts(api: Api,
                                                                       version: float) -> None:
    """The tree is the org's records: stages in Position order, each step under its stage,
    each work item under its step — the same rows SOQL returns."""
    run = api.query("SELECT Id, Status, InterviewId FROM FlowOrchestrationInstance "
                    "ORDER BY CreatedDate LIMIT 1")[0]
    r = api.get(version, DETAIL, instanceId=run["Id"])
    assert r.status_code == 200, r.text
    tree = r.json()
    check_shape(tree, version)
    assert (tree["id"], tree["status"], tree["interviewId"]) == (run["Id"], run["Status"],
                                                                 run["InterviewId"])
    stages = api.query("SELECT Id, Name, Label, Status FROM FlowOrchestrationStageInstance "
                       f"WHERE OrchestrationInstanceId = '{run['Id']}' ORDER BY Position")
    assert [(s["id"], s["name"], s["label"], s["status"]) for s in tree["stageInstances"]] == \
        [(s["Id"], s["Name"], s["Label"], s["Status"]) for s in stages]
    steps = api.query("SELECT Id, StageInstanceId, StepType FROM FlowOrchestrationStepInstance "
                      f"WHERE OrchestrationInstanceId = '{run['Id']}'")
    served = {(step["id"], stage["id"], step["stepType"]) for stage in tree["stageInstances"]
              for step in stage["stepInstances"]}
    assert served == {(s["Id"], s["StageInstanceId"], s["StepType"]) for s in steps}
    items = api.query("SELECT Id, StepInstanceId, AssigneeId, Status FROM "
                      "FlowOrchestrationWorkItem WHERE StepInstance.OrchestrationInstanceId = "
                      f"'{run['Id']}'")
    served_items = {(w["id"], step["id"], w["assigneeId"], w["status"])
                    for stage in tree["stageInstances"] for step in stage["stepInstances"]
                    for w in step["workItems"]}
    assert served_items == {(w["Id"], w["StepInstanceId"], w["AssigneeId"], w["Status"])
                            for w in items}


@pytest.mark.parametrize(("version", "path", "params"), [
    (53.0, INSTANCES, {"relatedRecordId": "001000000000001AAA"}),
    (31.0, INSTANCES, {"relatedRecordId": "001000000000001AAA"}),
    (62.0, DETAIL, {"instanceId": "0jE000000000001AAA"}),
    (54.0, DETAIL, {"instanceId": "0jE000000000001AAA"}),
])
def test_versions_without_the_resource_answer_404(api: Api, version: float, path: str,
                                                  params: dict[str, str]) -> None:
    r = api.get(version, path, **params)
    assert r.status_code == 404
    assert r.json()[0]["errorCode"] == "NOT_FOUND"


def test_related_orchestration_id_is_a_parameter_from_v66(api: Api) -> None:
    """Before v66 the parameter does not exist: without relatedRecordId the request lacks
    its required parameter."""
    run_id = api.query("SELECT Id FROM FlowOrchestrationInstance LIMIT 1")[0]["Id"]
    early = api.get(65.0, INSTANCES, relatedOrchestrationId=run_id)
    assert early.status_code == 400 and early.json()[0]["errorCode"] == "INVALID_API_INPUT"
    assert api.get(66.0, INSTANCES, relatedOrchestrationId=run_id).status_code == 200


@pytest.mark.parametrize(("path", "params", "status"), [
    (INSTANCES, {}, 400),
    (INSTANCES, {"relatedRecordId": "not-an-id"}, 400),
    (DETAIL, {}, 400),
    (DETAIL, {"instanceId": "0jE000000000001AAA"}, 404),
])
def test_bad_input_and_unknown_runs(api: Api, path: str, params: dict[str, str],
                                    status: int) -> None:
    r = api.get(66.0, path, **params)
    assert r.status_code == status
    assert r.json()[0]["errorCode"] == ("NOT_FOUND" if status == 404 else "INVALID_API_INPUT")


def test_a_record_no_run_uses_has_no_instances(api: Api) -> None:
    r = api.get(66.0, INSTANCES, relatedRecordId="001000000000001AAA")
    assert r.status_code == 200 and r.json() == {"instances": []}


def test_a_connect_call_is_one_api_call(api: Api) -> None:
    before = api.org.api_used
    api.get(66.0, INSTANCES, relatedRecordId=a_context_record(api))
    assert api.org.api_used == before + 2  # the SOQL lookup, then the Connect call
    r = api.s.post(f"{DEMO_ORIGIN}/services/data/v66.0/{INSTANCES}", headers=api.auth)
    assert r.status_code == 405
