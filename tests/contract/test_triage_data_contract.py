"""The demo org's triage data and its permission switch, through the real simple-salesforce:
every kind of stuck work is there to be found with the queries an admin would write, and a
user without Manage Users meets UserLogin as real orgs show an object it cannot see."""

from __future__ import annotations

from typing import Any

import pytest
from simple_salesforce.exceptions import SalesforceMalformedRequest, SalesforceResourceNotFound

from flowstage_tui.emulator.permissions import ALL, parse_user_perms

from .conftest import Transport

DAY = 86_400


def error_code(exc: Any) -> str:
    return str(exc.content[0]["errorCode"])


def open_items(sf: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = sf.query_all(
        "SELECT Id, AssigneeId, Assignee.Type, Assignee.IsActive, ElapsedTimeSinceAsgntInSec, "
        "StepInstance.OrchestrationInstance.Status FROM FlowOrchestrationWorkItem "
        "WHERE Status = 'Assigned'")["records"]
    return rows


def test_every_kind_of_stuck_work_item_is_there(sf: Any) -> None:
    items = open_items(sf)
    frozen = {r["UserId"] for r in sf.query_all(
        "SELECT UserId FROM UserLogin WHERE IsFrozen = true")["records"]}
    assert frozen
    members = sf.query_all("SELECT GroupId, UserOrGroupId FROM GroupMember")["records"]
    active = {u["Id"] for u in sf.query_all("SELECT Id FROM User WHERE IsActive = true")[
        "records"]}
    by_queue: dict[str, set[str]] = {}
    for m in members:
        by_queue.setdefault(m["GroupId"], set()).add(m["UserOrGroupId"])
    queues = {q["Id"] for q in sf.query_all("SELECT Id FROM Group WHERE Type = 'Queue'")[
        "records"]}
    memberless = {q for q in queues if not by_queue.get(q, set()) & active}
    assert memberless and memberless < queues
    held_by = {
        "inactive": [i for i in items if i["Assignee"] and i["Assignee"]["Type"] == "User"
                     and not i["Assignee"]["IsActive"]],
        "frozen": [i for i in items if i["AssigneeId"] in frozen],
        "memberless queue": [i for i in items if i["AssigneeId"] in memberless],
        "unresolvable": [i for i in items if i["Assignee"] is None],
        "held > 24h": [i for i in items if i["ElapsedTimeSinceAsgntInSec"] > DAY],
    }
    assert all(held_by.values()), {k: len(v) for k, v in held_by.items()}
    # the unresolvable one names a group that is gone: the Id is in the recycle bin
    gone = held_by["unresolvable"][0]["AssigneeId"]
    with pytest.raises(SalesforceResourceNotFound):
        sf.Group.get(gone)


def test_stale_runs_and_closing_resume_windows(sf: Any) -> None:
    stale = sf.query_all("SELECT Id, Status FROM FlowOrchestrationInstance WHERE Status IN "
                         "('InProgress', 'Suspended') AND CreatedDate < LAST_N_DAYS:30")[
        "records"]
    assert {r["Status"] for r in stale} == {"InProgress", "Suspended"}
    fails = sf.query_all("SELECT OrchestrationInstanceId, Timestamp FROM FlowOrchestrationLog "
                         "WHERE Kind = 'FailInstance' AND Timestamp < LAST_N_DAYS:12 AND "
                         "Timestamp = LAST_N_DAYS:14")["records"]
    assert len(fails) >= 2
    runs = sf.query_all("SELECT Id, Status FROM FlowOrchestrationInstance WHERE Id IN ('" +
                        "','".join(f["OrchestrationInstanceId"] for f in fails) + "')")[
        "records"]
    assert {r["Status"] for r in runs} == {"Error"}


def test_approval_runs_have_submissions_and_approval_work_items(sf: Any) -> None:
    subs = sf.query_all("SELECT Id, Status, FlowOrchestrationInstance.OrchestrationDeveloperName, "
                        "FlowOrchestrationInstance.Status, (SELECT Status, AssignedToId, "
                        "FlowOrchestrationWorkItem.Status, FlowOrchestrationWorkItem.AssigneeId "
                        "FROM ApprovalWorkItems) FROM ApprovalSubmission")["records"]
    assert subs
    # Vendor_Onboarding is the demo org's one approval orchestration (ApprovalOrchAutolnch)
    assert {s["FlowOrchestrationInstance"]["OrchestrationDeveloperName"] for s in subs} == {
        "Vendor_Onboarding"}
    mirror = {"InProgress": "InProgress", "Suspended": "Suspended", "Completed": "Approved",
              "Error": "Error", "Canceled": "Canceled", "Discontinued": "Canceled"}
    for s in subs:
        assert s["Status"] == mirror[s["FlowOrchestrationInstance"]["Status"]]
        for item in (s["ApprovalWorkItems"] or {"records": []})["records"]:
            work = item["FlowOrchestrationWorkItem"]
            if item["Status"] == "Assigned":
                assert work["Status"] == "Assigned" and item["AssignedToId"] == work["AssigneeId"]
            else:
                assert work["Status"] == "Completed"
    assert any(s["Status"] == "InProgress" for s in subs)


def test_without_manage_users_userlogin_is_an_object_the_user_cannot_see(
        sf: Any, transport: Transport) -> None:
    transport.org.set_permissions(ALL - {"ManageUsers"})
    with pytest.raises(SalesforceMalformedRequest) as err:
        sf.query("SELECT UserId FROM UserLogin WHERE IsFrozen = true")
    assert error_code(err.value) == "INVALID_TYPE"
    body: Any = err.value.content
    assert "sObject type 'UserLogin' is not supported" in body[0]["message"]
    with pytest.raises(SalesforceResourceNotFound):
        sf.UserLogin.describe()
    names = {o["name"] for o in sf.describe()["sobjects"]}
    assert "UserLogin" not in names and "GroupMember" in names
    with pytest.raises(SalesforceMalformedRequest):  # nor through User's child relationship
        sf.query("SELECT (SELECT IsFrozen FROM UserLogins) FROM User")
    transport.org.set_permissions(ALL)
    assert sf.query("SELECT COUNT() FROM UserLogin")["totalSize"] == sf.query(
        "SELECT COUNT() FROM User")["totalSize"]


def test_permissions_are_switched_at_run_time_through_the_control_path(
        sf: Any, transport: Transport) -> None:
    url = f"{transport.origin}/__flowstage/permissions"
    s = transport.session()
    auth = {"Authorization": f"Bearer {sf.session_id}"}
    resp = s.post(url, json={"user_perms": "ManageFlow, approvaladmin"}, headers=auth)
    assert resp.status_code == 200
    assert resp.json()["user_perms"] == ["ApprovalAdmin", "ManageFlow"]
    assert transport.org.permissions == {"ManageFlow", "ApprovalAdmin"}
    bad = s.post(url, json={"user_perms": "ManageFlow,Bogus"}, headers=auth)
    assert bad.status_code == 400 and "'Bogus' is not a permission" in bad.json()[0]["message"]
    assert transport.org.permissions == {"ManageFlow", "ApprovalAdmin"}  # refused: unchanged
    resp = s.post(url, json={"user_perms": []}, headers=auth)
    assert resp.json()["user_perms"] == []
    assert s.post(url, json={"user_perms": "all"}, headers=auth).json()["user_perms"] == sorted(
        ALL)


@pytest.mark.parametrize(("text", "perms"), [
    ("all", ALL), ("NONE", frozenset()), (" ManageUsers ,manageflow", {"ManageUsers",
                                                                         "ManageFlow"}),
    ("ApprovalAdmin,ApprovalAdmin", {"ApprovalAdmin"})])
def test_user_perms_grammar(text: str, perms: frozenset[str]) -> None:
    assert parse_user_perms(text) == perms


@pytest.mark.parametrize("text", ["", "Bogus", "all,ManageFlow", "ManageFlow,,ApprovalAdmin",
                                  "none,"])
def test_user_perms_refused(text: str) -> None:
    with pytest.raises(ValueError, match="write all, none, or a comma list"):
        parse_user_perms(text)
