"""The objects triage needs beside the orchestration ones: who may log in (UserLogin), who is
in a queue (GroupMember) and the flow-approval records (ApprovalSubmission, ApprovalWorkItem).

Fields are the documented ones only (object reference pages, the apex-dev-tools stubs);
Advanced-Approvals-only fields (IsEligibleForSmartApproval, ApprovalChainName, ...) are left
out, as an org without that add-on has none of them.
"""

from __future__ import annotations

from .schema import CONTEXT_RECORD_TYPES, ChildRel, FieldDef, ObjectDef, _audit, _f, _fields

# Documented sample Ids (cancelApprovalSubmission: 9iPxx…, reassignApprovalWorkItem: 9jRDU…)
# give the two approval prefixes [INF: from samples, not from a key-prefix list].
APPROVAL_SUBMISSION_PREFIX = "9iP"
APPROVAL_WORK_ITEM_PREFIX = "9jR"
USER_LOGIN_PREFIX = "060"
GROUP_MEMBER_PREFIX = "011"
# [INF] The Status values: the action pages speak of "In progress or Suspended" submissions
# and "Assigned" work items; the rest follows the orchestration run's outcomes.
SUBMISSION_STATUS = ("Approved", "Canceled", "Error", "InProgress", "Recalled", "Rejected",
                     "Suspended")
APPROVAL_ITEM_STATUS = ("Approved", "Assigned", "Canceled", "Rejected")
OPEN_SUBMISSION = ("InProgress", "Suspended")


def _modified_only(since: float) -> list[FieldDef]:
    """UserLogin has LastModified* and no Created*/SystemModstamp (describe and stubs)."""
    return [
        _f("LastModifiedById", "reference", "Last Modified By ID", nillable=False, since=since,
           reference_to=("User",), relationship="LastModifiedBy"),
        _f("LastModifiedDate", "datetime", "Last Modified Date", nillable=False, since=since),
    ]


def triage_objects() -> list[ObjectDef]:
    # Object reference: "To access this object, you need the UserPermissions.ManageUsers
    # permission"; calls describeSObjects, query, retrieve, update (no getUpdated/Deleted).
    user_login = ObjectDef(
        "UserLogin", "User Login", "User Logins", USER_LOGIN_PREFIX, 29.0,
        _fields(
            _f("Id", "id", "User Login ID", since=29),
            _f("UserId", "reference", "User ID", since=29, reference_to=("User",),
               relationship="User"),
            _f("IsFrozen", "boolean", "Is Frozen", since=29, updateable=True),
            _f("IsPasswordLocked", "boolean", "Is Password Locked", since=29, updateable=True),
            *_modified_only(29.0),
        ),
        replicateable=False,
    )
    group_member = ObjectDef(
        "GroupMember", "Group Member", "Group Members", GROUP_MEMBER_PREFIX, 31.0,
        _fields(
            _f("Id", "id", "Group Member ID"),
            _f("GroupId", "reference", "Group ID", nillable=False, reference_to=("Group",),
               relationship="Group"),
            _f("UserOrGroupId", "reference", "User/Group ID", nillable=False,
               reference_to=("Group", "User"), relationship="UserOrGroup"),
            _f("SystemModstamp", "datetime", "System Modstamp", nillable=False),
        ),
    )
    related = dict(reference_to=CONTEXT_RECORD_TYPES, relationship="RelatedRecord")
    submission = ObjectDef(
        "ApprovalSubmission", "Approval Submission", "Approval Submissions",
        APPROVAL_SUBMISSION_PREFIX, 62.0,
        _fields(
            _f("Id", "id", "Approval Submission ID", since=62),
            _f("Name", "string", "Approval Submission Name", length=80, nillable=False,
               since=62, autonumber=True, id_lookup=True, can_group=False),
            *_audit(62.0),
            _f("Comments", "textarea", "Comments", length=32000, since=62),
            _f("DoesSendApprovalEmail", "boolean", "Send Approval Email", since=62),
            _f("FlowOrchestrationInstanceId", "reference", "Orchestration Run ID", since=62,
               reference_to=("FlowOrchestrationInstance",),
               relationship="FlowOrchestrationInstance"),
            _f("OwnerId", "reference", "Owner ID", nillable=False, since=62,
               reference_to=("Group", "User"), relationship="Owner"),
            _f("RelatedRecordId", "reference", "Related Record ID", since=62, **related),
            _f("RelatedRecordObjectName", "string", "Related Record Object Name", length=255,
               since=62),
            _f("Status", "picklist", "Status", length=255, nillable=False, since=62,
               picklist=SUBMISSION_STATUS),
            _f("SubmittedById", "reference", "Submitted By ID", since=62,
               reference_to=("User",), relationship="SubmittedBy"),
            _f("LastReferencedDate", "datetime", "Last Referenced Date", since=62),
            _f("LastViewedDate", "datetime", "Last Viewed Date", since=62),
        ),
        children=[ChildRel("ApprovalWorkItems", "ApprovalWorkItem", "ApprovalSubmissionId")],
    )
    # v61 per the object reference; its FlowOrchestrationWorkItemId link is documented with it.
    approval_item = ObjectDef(
        "ApprovalWorkItem", "Approval Work Item", "Approval Work Items",
        APPROVAL_WORK_ITEM_PREFIX, 61.0,
        _fields(
            _f("Id", "id", "Approval Work Item ID", since=61),
            _f("Name", "string", "Approval Work Item Name", length=255, nillable=False,
               since=61, autonumber=True, can_group=False),
            *_audit(61.0),
            _f("ApprovalConditionName", "string", "Approval Condition Name", length=255,
               since=61),
            _f("ApprovalSubmissionId", "reference", "Approval Submission ID", nillable=False,
               since=61, reference_to=("ApprovalSubmission",),
               relationship="ApprovalSubmission"),
            _f("AssignedToId", "reference", "Assigned To ID", since=61,
               reference_to=("Group", "Group", "User"), relationship="AssignedTo"),
            _f("Comments", "textarea", "Comments", length=32000, since=61),
            _f("FlowOrchestrationWorkItemId", "reference", "Orchestration Work Item ID",
               since=61, reference_to=("FlowOrchestrationWorkItem",),
               relationship="FlowOrchestrationWorkItem"),
            _f("RelatedRecordId", "reference", "Related Record ID", since=61, **related),
            _f("RelatedRecordObjectName", "string", "Related Record Object Name", length=255,
               since=61),
            _f("ReviewedById", "reference", "User ID", since=61, reference_to=("User",),
               relationship="ReviewedBy"),
            _f("ReviewedDate", "datetime", "Reviewed Date", since=61),
            _f("Status", "picklist", "Status", length=255, nillable=False, since=61,
               picklist=APPROVAL_ITEM_STATUS),
            _f("LastReferencedDate", "datetime", "Last Referenced Date", since=61),
            _f("LastViewedDate", "datetime", "Last Viewed Date", since=61),
        ),
    )
    return [user_login, group_member, submission, approval_item]


# Child relationships the new objects give existing ones, as real describes list them
# (tests/fixtures/real-describes: Group, User, Organization, FlowOrchestration*).
_ANY_RELATED = ("FlowOrchestrationInstance", "FlowOrchestrationVersion", "Organization", "User")
TRIAGE_CHILDREN: dict[str, list[ChildRel]] = {
    "Group": [ChildRel("GroupMembers", "GroupMember", "GroupId"),
              ChildRel("AssignedWorkItems", "ApprovalWorkItem", "AssignedToId")],
    "User": [ChildRel("UserLogins", "UserLogin", "UserId"),
             ChildRel("AssignedWorkItems", "ApprovalWorkItem", "AssignedToId"),
             ChildRel("ReviewedWorkItems", "ApprovalWorkItem", "ReviewedById")],
    "FlowOrchestrationWorkItem": [ChildRel("ApprovalWorkItems", "ApprovalWorkItem",
                                           "FlowOrchestrationWorkItemId")],
}
for _parent in _ANY_RELATED:
    TRIAGE_CHILDREN.setdefault(_parent, []).extend([
        ChildRel("ApprovalSubmissions", "ApprovalSubmission",
                 "FlowOrchestrationInstanceId" if _parent == "FlowOrchestrationInstance"
                 else "RelatedRecordId"),
        ChildRel("ApprovalWorkItems", "ApprovalWorkItem", "RelatedRecordId")])
