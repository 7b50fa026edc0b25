"""The triage writes through the real simple-salesforce: what each sends, what the demo org
answers (Salesforce's codes and shapes), and the org's state afterwards."""

from __future__ import annotations

from typing import Any

import pytest
from simple_salesforce.exceptions import SalesforceMalformedRequest, SalesforceResourceNotFound

from flowstage_tui.emulator.permissions import ALL

from .conftest import Transport

RUN = "FlowOrchestrationInstance"


def error_code(exc: Any) -> str:
    return str(exc.content[0]["errorCode"])


def one(sf: Any, soql: str) -> dict[str, Any]:
    rows: list[dict[str, Any]] = sf.query(soql)["records"]
    assert rows, soql
    return rows[0]


def open_item(sf: Any) -> dict[str, Any]:
    return one(sf, "SELECT Id, AssigneeId, StepInstance.OrchestrationInstanceId, "
               "ElapsedTimeSinceAsgntInSec FROM FlowOrchestrationWorkItem WHERE Status = "
               "'Assigned' AND ElapsedTimeSinceAsgntInSec > 86400 AND Assignee.Type = 'User' "
               "AND StepInstance.OrchestrationInstance.OrchestrationDeveloperName != "
               "'Vendor_Onboarding' LIMIT 1")


def active_user(sf: Any, other_than: str) -> str:
    return str(one(sf, "SELECT Id FROM User WHERE IsActive = true AND UserType = 'Standard' "
                   f"AND Id != '{other_than}' LIMIT 1")["Id"])


def test_reassign_resets_the_time_held_and_logs(sf: Any) -> None:
    item = open_item(sf)
    target = active_user(sf, item["AssigneeId"])
    assert sf.FlowOrchestrationWorkItem.update(item["Id"], {"AssigneeId": target}) == 204
    after = one(sf, "SELECT AssigneeId, ElapsedTimeSinceAsgntInSec, "
                f"ElapsedTimeSinceCreationInSec FROM FlowOrchestrationWorkItem "
                f"WHERE Id = '{item['Id']}'")
    assert after["AssigneeId"] == target and after["ElapsedTimeSinceAsgntInSec"] == 0
    assert after["ElapsedTimeSinceCreationInSec"] >= item["ElapsedTimeSinceAsgntInSec"]
    run_id = item["StepInstance"]["OrchestrationInstanceId"]
    log = one(sf, "SELECT Kind, Assignee, AssigneeType FROM FlowOrchestrationLog WHERE "
              f"OrchestrationInstanceId = '{run_id}' ORDER BY Timestamp DESC, Name DESC LIMIT 1")
    assert log["Kind"] == "ReassignWorkItem" and log["AssigneeType"] == "User"
    inactive = one(sf, "SELECT Id FROM User WHERE IsActive = false LIMIT 1")["Id"]
    with pytest.raises(SalesforceMalformedRequest) as err:
        sf.FlowOrchestrationWorkItem.update(item["Id"], {"AssigneeId": inactive})
    assert error_code(err.value) == "INACTIVE_OWNER_OR_USER"
    body: Any = err.value.content
    assert body[0]["message"] == "operation performed with inactive user"
    with pytest.raises(SalesforceMalformedRequest) as err:
        sf.FlowOrchestrationWorkItem.update(item["Id"], {"AssigneeId": "005RM000000zzzzYAA"})
    assert error_code(err.value) == "INVALID_CROSS_REFERENCE_KEY"


def test_without_manage_orchestration_runs_cancel_and_reassign_are_refused(
        sf: Any, transport: Transport) -> None:
    item = open_item(sf)
    run_id = item["StepInstance"]["OrchestrationInstanceId"]
    transport.org.set_permissions(ALL - {"ManageOrchestrationRuns"})
    target = active_user(sf, item["AssigneeId"])
    for obj, rid, change in ((sf.FlowOrchestrationInstance, run_id, {"Status": "Canceled"}),
                             (sf.FlowOrchestrationWorkItem, item["Id"], {"AssigneeId": target})):
        with pytest.raises(SalesforceMalformedRequest) as err:
            obj.update(rid, change)
        body: Any = err.value.content
        assert body == [{"message": "insufficient access rights on object id",
                                      "errorCode": "INSUFFICIENT_ACCESS_OR_READONLY",
                                      "fields": []}]
    assert one(sf, f"SELECT Status FROM {RUN} WHERE Id = '{run_id}'")["Status"] == "InProgress"
    assert one(sf, "SELECT AssigneeId FROM FlowOrchestrationWorkItem WHERE "
               f"Id = '{item['Id']}'")["AssigneeId"] == item["AssigneeId"]


def test_delete_the_interview_of_an_error_run(sf: Any, transport: Transport) -> None:
    run = one(sf, f"SELECT Id, InterviewId FROM {RUN} WHERE Status = 'Error' AND "
              "Interview.InterviewStatus = 'Error' LIMIT 1")
    transport.org.set_permissions(ALL - {"ManageFlow"})
    with pytest.raises(SalesforceMalformedRequest) as err:
        sf.FlowInterview.delete(run["InterviewId"])
    assert error_code(err.value) == "INSUFFICIENT_ACCESS_OR_READONLY"
    transport.org.set_permissions(ALL)
    assert sf.FlowInterview.delete(run["InterviewId"]) == 204
    with pytest.raises(SalesforceResourceNotFound) as gone:
        sf.FlowInterview.delete(run["InterviewId"])
    content: Any = gone.value.content
    assert content == [{"message": "entity is deleted",
                                   "errorCode": "ENTITY_IS_DELETED", "fields": []}]
    after = one(sf, f"SELECT Status, Interview.Id FROM {RUN} WHERE Id = '{run['Id']}'")
    assert after["Status"] == "Error" and after["Interview"] is None  # no resume left
    deleted = sf.query_all(f"SELECT IsDeleted FROM FlowInterview WHERE Id = "
                           f"'{run['InterviewId']}'", include_deleted=True)["records"]
    assert deleted == [{"attributes": deleted[0]["attributes"], "IsDeleted": True}]


def test_nudge_publishes_and_the_waiting_step_proceeds(sf: Any) -> None:
    waiting = one(sf, "SELECT Id, OrchestrationInstanceId FROM FlowOrchestrationStepInstance "
                  "WHERE StepType = 'AsynchronousBackgroundStep' AND Status = 'InProgress' "
                  "AND OrchestrationInstance.Status = 'InProgress' LIMIT 1")
    run_id = waiting["OrchestrationInstanceId"]
    kinds_before = sf.query(f"SELECT COUNT() FROM FlowOrchestrationLog WHERE "
                            f"OrchestrationInstanceId = '{run_id}'")["totalSize"]
    answer = sf.FlowOrchestrationEvent.create({"OrchestrationInstanceId": run_id})
    assert answer["success"] is True and answer["id"].startswith("e01")
    assert answer["errors"][0]["statusCode"] == "OPERATION_ENQUEUED"
    step = one(sf, "SELECT Status FROM FlowOrchestrationStepInstance WHERE "
               f"Id = '{waiting['Id']}'")
    assert step["Status"] == "Completed"
    logs = sf.query(f"SELECT Kind FROM FlowOrchestrationLog WHERE OrchestrationInstanceId = "
                    f"'{run_id}' ORDER BY Timestamp, Name")["records"]
    assert len(logs) > kinds_before and "EndStep" in {r["Kind"] for r in logs[kinds_before:]}
    # a string, not a lookup: a run that does not exist is published all the same
    assert sf.FlowOrchestrationEvent.create(
        {"OrchestrationInstanceId": "0jERM000000zzzzAAA"})["success"] is True
    with pytest.raises(SalesforceMalformedRequest) as err:
        sf.FlowOrchestrationEvent.create({"OrchestrationInstanceId": run_id, "Bogus": "1"})
    assert error_code(err.value) == "INVALID_FIELD"
    with pytest.raises(SalesforceMalformedRequest) as err:
        sf.FlowOrchestrationEvent.create({"OrchestrationInstanceId": run_id,
                                          "StepStatus": "Completed"})
    assert error_code(err.value) == "REQUIRED_FIELD_MISSING"


def action(sf: Any, name: str, inputs: list[dict[str, Any]]) -> Any:
    return sf.session.post(f"{sf.base_url}actions/standard/{name}", headers=sf.headers,
                           json={"inputs": inputs})


def test_reassign_approval_work_item_action(sf: Any, transport: Transport) -> None:
    item = one(sf, "SELECT Id, AssignedToId, FlowOrchestrationWorkItemId FROM "
               "ApprovalWorkItem WHERE Status = 'Assigned' LIMIT 1")
    target = active_user(sf, item["AssignedToId"])
    listed = sf.session.get(f"{sf.base_url}actions/standard", headers=sf.headers).json()
    assert {"reassignApprovalWorkItem", "cancelApprovalSubmission"} <= {
        a["name"] for a in listed["actions"]}
    transport.org.set_permissions(ALL - {"ApprovalAdmin"})
    refused = action(sf, "reassignApprovalWorkItem",
                     [{"approvalWorkItemId": item["Id"], "assigneeId": target}])
    assert refused.status_code == 400
    body = refused.json()
    assert body[0]["isSuccess"] is False and body[0]["actionName"] == "reassignApprovalWorkItem"
    assert body[0]["errors"][0]["statusCode"] == "INSUFFICIENT_ACCESS_OR_READONLY"
    transport.org.set_permissions(ALL)
    done = action(sf, "reassignApprovalWorkItem", [
        {"approvalWorkItemId": item["Id"], "assigneeId": target, "comments": "covering"},
        {"approvalWorkItemId": item["Id"]}])
    assert done.status_code == 200
    first, second = done.json()
    assert set(first) == {"actionName", "errors", "invocationId", "isSuccess", "outcome",
                          "outputValues", "sortOrder", "version"}
    assert first["isSuccess"] is True and first["errors"] is None
    assert second["isSuccess"] is False
    assert second["errors"][0]["statusCode"] == "REQUIRED_FIELD_MISSING"
    after = one(sf, "SELECT AssignedToId, Comments, FlowOrchestrationWorkItem.AssigneeId, "
                "FlowOrchestrationWorkItem.ElapsedTimeSinceAsgntInSec FROM ApprovalWorkItem "
                f"WHERE Id = '{item['Id']}'")
    assert after["AssignedToId"] == target and after["Comments"] == "covering"
    assert after["FlowOrchestrationWorkItem"]["AssigneeId"] == target
    assert after["FlowOrchestrationWorkItem"]["ElapsedTimeSinceAsgntInSec"] == 0


def test_cancel_approval_submission_action(sf: Any) -> None:
    sub = one(sf, "SELECT Id, FlowOrchestrationInstanceId FROM ApprovalSubmission WHERE "
              "Status = 'InProgress' LIMIT 1")
    done = action(sf, "cancelApprovalSubmission", [{"approvalSubmissionId": sub["Id"]}])
    assert done.status_code == 200 and done.json()[0]["isSuccess"] is True
    after = one(sf, "SELECT Status, FlowOrchestrationInstance.Status, (SELECT Status FROM "
                f"ApprovalWorkItems) FROM ApprovalSubmission WHERE Id = '{sub['Id']}'")
    assert after["Status"] == "Canceled"
    assert after["FlowOrchestrationInstance"]["Status"] == "Canceled"
    assert "Assigned" not in {i["Status"] for i in after["ApprovalWorkItems"]["records"]}
    again = action(sf, "cancelApprovalSubmission", [{"approvalSubmissionId": sub["Id"]}])
    assert again.status_code == 400
    assert again.json()[0]["errors"][0]["statusCode"] == "FIELD_INTEGRITY_EXCEPTION"


def test_mixed_composite_batch_answers_per_subrequest(sf: Any) -> None:
    runs = sf.query(f"SELECT Id, InterviewId FROM {RUN} WHERE Status = 'InProgress' "
                    "ORDER BY CreatedDate LIMIT 2")["records"]
    done = one(sf, f"SELECT InterviewId FROM {RUN} WHERE Status = 'Completed' AND "
               "Interview.Id != null LIMIT 1")
    v = f"/services/data/v{sf.sf_version}"
    subs = [
        {"method": "PATCH", "url": f"{v}/sobjects/{RUN}/{runs[0]['Id']}",
         "referenceId": "cancel", "body": {"Status": "Canceled"}},
        {"method": "PATCH", "url": f"{v}/sobjects/{RUN}/{runs[1]['Id']}",
         "referenceId": "bad_status", "body": {"Status": "Completed"}},
        {"method": "DELETE", "url": f"{v}/sobjects/FlowInterview/{done['InterviewId']}",
         "referenceId": "delete"},
        {"method": "DELETE", "url": f"{v}/sobjects/FlowInterview/{done['InterviewId']}",
         "referenceId": "delete_again"},
        {"method": "POST", "url": f"{v}/sobjects/FlowOrchestrationEvent",
         "referenceId": "nudge", "body": {"OrchestrationInstanceId": runs[1]["Id"]}},
    ]
    answer = sf.restful("composite", method="POST",
                        json={"allOrNone": False, "compositeRequest": subs})
    got = {r["referenceId"]: r for r in answer["compositeResponse"]}
    assert [got[k]["httpStatusCode"] for k in ("cancel", "bad_status", "delete",
                                               "delete_again", "nudge")] == [
        204, 400, 204, 404, 201]
    assert got["bad_status"]["body"][0]["errorCode"] == "FIELD_INTEGRITY_EXCEPTION"
    assert got["delete_again"]["body"][0]["errorCode"] == "ENTITY_IS_DELETED"
    assert got["nudge"]["body"]["success"] is True
    statuses = {r["Id"]: r["Status"] for r in sf.query(
        f"SELECT Id, Status FROM {RUN} WHERE Id IN ('{runs[0]['Id']}', '{runs[1]['Id']}')")[
        "records"]}
    assert statuses == {runs[0]["Id"]: "Canceled", runs[1]["Id"]: "InProgress"}


def test_canceling_a_suspended_run_completes_its_suspended_steps_work(sf: Any) -> None:
    """A Suspended run's running steps are Suspended too (suspend_run): a cancel must end them
    and their open work items as it does for InProgress ones, or the run is Canceled while it
    still holds work."""
    item = one(sf, "SELECT Id, StepInstanceId, StepInstance.OrchestrationInstanceId "
               "FROM FlowOrchestrationWorkItem WHERE Status = 'Assigned' AND "
               "StepInstance.Status = 'Suspended' LIMIT 1")
    run_id = item["StepInstance"]["OrchestrationInstanceId"]
    assert sf.FlowOrchestrationInstance.update(run_id, {"Status": "Canceled"}) == 204
    step = one(sf, f"SELECT Status FROM FlowOrchestrationStepInstance WHERE Id = "
               f"'{item['StepInstanceId']}'")
    left = one(sf, f"SELECT Status FROM FlowOrchestrationWorkItem WHERE Id = '{item['Id']}'")
    assert step["Status"] == "Canceled" and left["Status"] == "Completed"
