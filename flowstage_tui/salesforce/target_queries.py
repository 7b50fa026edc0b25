"""SOQL for the writes' targets: assignees to pick, approval records, interviews, failures.

Every typed value goes through `soql.quote`/`quote_like` (DESIGN.md rule 7). Id lists are cut
into chunks so a query's URL stays well under the ~16 KB Salesforce accepts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from .soql import quote, quote_like

ID_CHUNK = 300  # 300 quoted 18-char Ids ≈ 7 KB URL-encoded: far under the URI limit
USER_FIELDS = "Id, Name, Username, IsActive"
GROUP_FIELDS = "Id, Name, Type"
ASSIGNABLE_GROUP_TYPES = ("Queue", "Regular")


def id_chunks(ids: Iterable[str], size: int = ID_CHUNK) -> list[list[str]]:
    unique = sorted(set(ids))
    return [unique[i:i + size] for i in range(0, len(unique), size)]


def _in(ids: Sequence[str]) -> str:
    return "(" + ", ".join(quote(i) for i in ids) + ")"


def _contains(text: str) -> str:
    return "'%" + quote_like(text)[1:-1] + "%'"


def active_users_like(text: str, limit: int) -> str:
    like = _contains(text)
    return (f"SELECT {USER_FIELDS} FROM User WHERE IsActive = true AND (Name LIKE {like} OR "
            f"Username LIKE {like}) ORDER BY Name, Id LIMIT {int(limit)}")


def groups_like(text: str, limit: int) -> str:
    types = ", ".join(quote(t) for t in ASSIGNABLE_GROUP_TYPES)
    return (f"SELECT {GROUP_FIELDS} FROM Group WHERE Type IN ({types}) AND Name LIKE "
            f"{_contains(text)} ORDER BY Name, Id LIMIT {int(limit)}")


def user_by_id(rid: str) -> str:
    return f"SELECT {USER_FIELDS} FROM User WHERE Id = {quote(rid)}"


def group_by_id(rid: str) -> str:
    return f"SELECT {GROUP_FIELDS} FROM Group WHERE Id = {quote(rid)}"


def approval_items_of(work_item_ids: Sequence[str]) -> str:
    return ("SELECT Id, FlowOrchestrationWorkItemId FROM ApprovalWorkItem WHERE Status = "
            f"'Assigned' AND FlowOrchestrationWorkItemId IN {_in(work_item_ids)}")


def approval_submissions_of(run_ids: Sequence[str]) -> str:
    return ("SELECT Id, FlowOrchestrationInstanceId, Status FROM ApprovalSubmission WHERE "
            f"FlowOrchestrationInstanceId IN {_in(run_ids)} ORDER BY CreatedDate, Id")


RUN_TARGET_FIELDS = "Id, Name, Status, InterviewId, Interview.InterviewStatus"


def runs_by_id(run_ids: Sequence[str]) -> str:
    return (f"SELECT {RUN_TARGET_FIELDS} FROM FlowOrchestrationInstance WHERE Id IN "
            f"{_in(run_ids)}")


def runs_by_interview(interview_ids: Sequence[str]) -> str:
    return (f"SELECT {RUN_TARGET_FIELDS} FROM FlowOrchestrationInstance WHERE InterviewId IN "
            f"{_in(interview_ids)}")


def failures_of(run_ids: Sequence[str]) -> str:
    return ("SELECT Id, OrchestrationInstanceId, Kind, Timestamp FROM FlowOrchestrationLog "
            f"WHERE Kind = 'FailInstance' AND OrchestrationInstanceId IN {_in(run_ids)} "
            "ORDER BY Timestamp, Id")


WORK_TARGET_FIELDS = ("Id, Label, Status, AssigneeId, Assignee.Name, "
                      "StepInstance.OrchestrationInstanceId")


def work_items_by_id(ids: Sequence[str]) -> str:
    return (f"SELECT {WORK_TARGET_FIELDS} FROM FlowOrchestrationWorkItem WHERE Id IN "
            f"{_in(ids)}")


def runs_by_name(names: Sequence[str]) -> str:
    return (f"SELECT {RUN_TARGET_FIELDS} FROM FlowOrchestrationInstance WHERE Name IN "
            f"{_in(names)}")


def users_named(text: str) -> str:
    """Users, active or not, whose Username or Name is exactly `text` (to say "inactive"
    rather than "not found" when someone names a user who left)."""
    return (f"SELECT {USER_FIELDS} FROM User WHERE Username = {quote(text)} OR Name = "
            f"{quote(text)} ORDER BY Name, Id LIMIT 5")


def logins_of(user_ids: Sequence[str]) -> str:
    """Whether the users are frozen (UserLogin needs Manage Users: refused without it)."""
    return f"SELECT UserId, IsFrozen FROM UserLogin WHERE UserId IN {_in(user_ids)}"


def members_of(group_ids: Sequence[str]) -> str:
    return f"SELECT GroupId, UserOrGroupId FROM GroupMember WHERE GroupId IN {_in(group_ids)}"


def active_members_of(group_ids: Sequence[str]) -> str:
    """The active users among the groups' members (a semi-join: one query, not two)."""
    return ("SELECT Id FROM User WHERE IsActive = true AND Id IN (SELECT UserOrGroupId FROM "
            f"GroupMember WHERE GroupId IN {_in(group_ids)})")
