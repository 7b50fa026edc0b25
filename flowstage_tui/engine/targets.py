"""What the writes act on, read from the org: assignees to pick, approval records behind work
items and runs, the runs behind interviews (with their failure time for the delete guard).

Reads only; each function costs one call (or one per chunk of a few hundred Ids); finding
or checking an assignee costs two (who, then whether they can take work: with_state).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..errors import QueryRefused, UsageError
from ..salesforce import target_queries as tq
from ..salesforce.parse import path, sf_datetime
from ..salesforce.work import active_members, frozen_from_logins
from ..salesforce.writes import (
    approval_item_map,
    approval_submission_map,
    approvals_available,
)

if TYPE_CHECKING:
    from ..salesforce.client import SalesforceClient

# The org answers these when an object is absent or hidden from the user (an older API
# version, no flow approvals): the writes go the plain REST way then.
ABSENT_CODES = frozenset({"INVALID_TYPE", "NOT_FOUND", "INVALID_FIELD"})


@dataclass(frozen=True)
class Assignee:
    id: str
    name: str
    kind: str  # "User", "Queue" or "Group"
    username: str | None = None
    active: bool = True
    frozen: bool | None = None  # users: UserLogin.IsFrozen; None unknown (or not a user)
    members: int | None = None  # queues/groups: active user members; None unknown
    caveat: str | None = None  # what could not be checked (frozen state without Manage Users)

    def describe(self) -> str:
        extra = f" <{self.username}>" if self.username else ""
        return f"{self.name}{extra} ({self.kind} {self.id})"

    @property
    def dead_end(self) -> str | None:
        """Why work given to this assignee would sit untouched (None: it would not)."""
        if self.kind == "User" and not self.active:
            return "an inactive user"
        if self.kind == "User" and self.frozen:
            return "a frozen user (UserLogin.IsFrozen: they cannot log in)"
        if self.kind != "User" and self.members == 0:
            return f"a {self.kind.lower()} with no active member"
        return None

    def refusal(self) -> str:
        """The one line refusing a dead end (dead_end must not be None)."""
        return (f"{self.name} ({self.id}) is {self.dead_end} and cannot take work; pick an "
                "active, unfrozen user or a queue or group with active members")


class AssigneeRefused(UsageError):
    """The chosen assignee cannot take work (inactive, unknown)."""


def _user(row: dict[str, Any]) -> Assignee:
    return Assignee(str(row["Id"]), str(row.get("Name") or ""), "User",
                    row.get("Username"), bool(row.get("IsActive")))


def _group(row: dict[str, Any]) -> Assignee:
    kind = "Queue" if row.get("Type") == "Queue" else "Group"
    return Assignee(str(row["Id"]), str(row.get("Name") or ""), kind)


def find_assignees(client: SalesforceClient, text: str, limit: int = 20) -> list[Assignee]:
    """Active users (Name or Username containing `text`), then queues and public groups
    (Name containing it): one composite call, and one more (with_state) saying which users
    are frozen and which queues have no active member. Users first, each part by name."""
    res = client.composite([("users", tq.active_users_like(text, limit)),
                            ("groups", tq.groups_like(text, limit))])
    users = [_user(r) for r in client.records(res["users"])]
    groups = [_group(r) for r in client.records(res["groups"])]
    # many matching users must not hide every queue: a quarter of the list is kept for them
    n_groups = min(len(groups), max(limit - len(users), limit // 4))
    return with_state(client, users[:limit - n_groups] + groups[:n_groups])


FROZEN_UNKNOWN = "frozen state unknown (UserLogin needs the Manage Users permission)"


def with_state(client: SalesforceClient, found: Sequence[Assignee]) -> list[Assignee]:
    """`found` with whether each user is frozen and how many active members each queue or
    group has: one composite call (none for an empty list). A refused UserLogin (no Manage
    Users) leaves frozen unknown, said in `caveat`; a refused GroupMember leaves the member
    counts unknown; neither refuses anyone."""
    users = [a.id for a in found if a.kind == "User"][:tq.ID_CHUNK]
    groups = [a.id for a in found if a.kind != "User"][:tq.ID_CHUNK]
    subs = ([("logins", tq.logins_of(users))] if users else []) + (
        [("members", tq.members_of(groups)), ("active", tq.active_members_of(groups))]
        if groups else [])
    if not subs:
        return list(found)
    res = client.composite(subs)

    def rows(ref: str) -> list[dict[str, Any]] | None:
        try:
            return client.records(res[ref]) if ref in res else []
        except QueryRefused:
            return None

    logins, members, active = rows("logins"), rows("members"), rows("active")
    frozen = frozen_from_logins(logins) if logins is not None else None
    counts = active_members(groups, members, (str(r["Id"]) for r in active)) \
        if members is not None and active is not None else {}
    out: list[Assignee] = []
    for a in found:
        if a.kind == "User":
            out.append(replace(a, frozen=frozen.get(a.id, False)) if frozen is not None
                       else replace(a, caveat=FROZEN_UNKNOWN))
        else:
            out.append(replace(a, members=counts.get(a.id)))
    return out


def check_assignee(client: SalesforceClient, rid: str) -> Assignee:
    """The user, queue or group `rid` names, refused (AssigneeRefused, one line) when it is
    an inactive user or names neither (Salesforce would refuse the write anyway), or when the
    work would sit there untouched: a frozen user, a queue or group with no active member.
    The one check the picker (through write_plans) and `reassign --to` both pass through."""
    res = client.composite([("user", tq.user_by_id(rid)), ("group", tq.group_by_id(rid))])
    users = client.records(res["user"])
    groups = client.records(res["group"])
    if users:
        found = _user(users[0])
    elif groups and groups[0].get("Type") in tq.ASSIGNABLE_GROUP_TYPES:
        found = _group(groups[0])
    else:
        found = None
    if found is not None:
        if found.active:  # an inactive user needs no second question
            found = with_state(client, [found])[0]
        if found.dead_end is not None:
            raise AssigneeRefused(found.refusal())
        return found
    raise AssigneeRefused(f"{rid} names no user, queue or public group in this org; pass an "
                          "Id, a username or a name")


def _rows(client: SalesforceClient, soqls: Sequence[str]) -> list[dict[str, Any]]:
    """Rows of several queries (the chunks of one Id list), five per composite call."""
    out: list[dict[str, Any]] = []
    for start in range(0, len(soqls), 5):
        part = soqls[start:start + 5]
        res = client.composite([(f"q{i}", s) for i, s in enumerate(part)])
        for i in range(len(part)):
            out.extend(client.records(res[f"q{i}"]))
    return out


def _optional_rows(client: SalesforceClient, soqls: Sequence[str]) -> list[dict[str, Any]]:
    try:
        return _rows(client, soqls)
    except QueryRefused as exc:
        if exc.code in ABSENT_CODES:
            return []
        raise


def approval_ids(client: SalesforceClient, work_item_ids: Sequence[str]) -> dict[str, str]:
    """Work item Id → the open ApprovalWorkItem behind it, for the approval work items among
    `work_item_ids` (none before v62, or where the org has no flow approvals)."""
    if not work_item_ids or not approvals_available(client.version):
        return {}
    soqls = [tq.approval_items_of(c) for c in tq.id_chunks(work_item_ids)]
    return approval_item_map(_optional_rows(client, soqls))


def approval_submissions(client: SalesforceClient, run_ids: Sequence[str]) -> dict[str, str]:
    """Run Id → its ApprovalSubmission, for the approval runs among `run_ids` (an open
    submission preferred when a run has several)."""
    if not run_ids or not approvals_available(client.version):
        return {}
    soqls = [tq.approval_submissions_of(c) for c in tq.id_chunks(run_ids)]
    rows = _optional_rows(client, soqls)
    rows.sort(key=lambda r: r.get("Status") in ("InProgress", "Suspended"))  # open ones last
    return approval_submission_map(rows)


@dataclass(frozen=True)
class InterviewTarget:
    """A run's interview, with what the delete guard needs: the run's status and failure."""

    interview_id: str
    interview_status: str | None
    run_id: str
    run_name: str
    run_status: str
    failed_at: datetime | None


def _targets(client: SalesforceClient, runs: list[dict[str, Any]]) -> list[InterviewTarget]:
    run_ids = [str(r["Id"]) for r in runs]
    failed: dict[str, datetime] = {}
    if run_ids:
        for row in _rows(client, [tq.failures_of(c) for c in tq.id_chunks(run_ids)]):
            when = sf_datetime(row.get("Timestamp"))
            rid = str(row.get("OrchestrationInstanceId"))
            if when is not None and (rid not in failed or when > failed[rid]):
                failed[rid] = when  # the latest: a resumed run can fail again
    return [InterviewTarget(str(r["InterviewId"]), path(r, "Interview.InterviewStatus"),
                            str(r["Id"]), str(r.get("Name") or ""), str(r.get("Status") or ""),
                            failed.get(str(r["Id"])))
            for r in runs if r.get("InterviewId")]


def interviews_of(client: SalesforceClient, run_ids: Sequence[str]) -> list[InterviewTarget]:
    """The interview of each run (FlowOrchestrationInstance.InterviewId) that still has one."""
    if not run_ids:
        return []
    runs = _rows(client, [tq.runs_by_id(c) for c in tq.id_chunks(run_ids)])
    return _targets(client, runs)


def runs_of_interviews(client: SalesforceClient,
                       interview_ids: Sequence[str]) -> dict[str, InterviewTarget]:
    """Interview Id → its run, for `flowstage interviews delete INTERVIEW…`."""
    if not interview_ids:
        return {}
    runs = _rows(client, [tq.runs_by_interview(c) for c in tq.id_chunks(interview_ids)])
    return {t.interview_id: t for t in _targets(client, runs)}


@dataclass(frozen=True)
class WorkItemTarget:
    id: str
    label: str
    status: str
    assignee_id: str | None
    assignee_name: str | None
    run_id: str | None


def work_items(client: SalesforceClient, ids: Sequence[str]) -> dict[str, WorkItemTarget]:
    """The named work items, with their current holder (shown beside the new one)."""
    if not ids:
        return {}
    rows = _rows(client, [tq.work_items_by_id(c) for c in tq.id_chunks(ids)])
    return {str(r["Id"]): WorkItemTarget(str(r["Id"]), str(r.get("Label") or ""),
                                         str(r.get("Status") or ""), r.get("AssigneeId"),
                                         path(r, "Assignee.Name"),
                                         path(r, "StepInstance.OrchestrationInstanceId"))
            for r in rows}


@dataclass(frozen=True)
class RunTarget:
    id: str
    name: str
    status: str
    interview_id: str | None


def _run_target(r: dict[str, Any]) -> RunTarget:
    return RunTarget(str(r["Id"]), str(r.get("Name") or ""), str(r.get("Status") or ""),
                     r.get("InterviewId"))


def runs(client: SalesforceClient, ids: Sequence[str]) -> dict[str, RunTarget]:
    """The named runs by Id."""
    if not ids:
        return {}
    rows = _rows(client, [tq.runs_by_id(c) for c in tq.id_chunks(ids)])
    return {str(r["Id"]): _run_target(r) for r in rows}


def runs_named(client: SalesforceClient, names: Sequence[str]) -> dict[str, RunTarget]:
    """The named runs by Name (OR-0000123), keyed by Name."""
    if not names:
        return {}
    rows = _rows(client, [tq.runs_by_name(c) for c in tq.id_chunks(names)])
    return {str(r.get("Name")): _run_target(r) for r in rows}


def resolve_assignee(client: SalesforceClient, text: str) -> Assignee:
    """`--to`: an Id (checked), or exactly one active user's username or name, or a queue's
    or group's name (case-insensitive). Anything else is an AssigneeRefused naming the
    candidates (a part of a name), or why (inactive, unknown)."""
    from ..salesforce.ids import normalise

    rid = normalise(text) if len(text) in (15, 18) else None
    if rid is not None and rid[:3] in ("005", "00G"):
        return check_assignee(client, rid)
    candidates = find_assignees(client, text)
    wanted = text.casefold()
    exact = [c for c in candidates
             if c.name.casefold() == wanted or (c.username or "").casefold() == wanted]
    if len(exact) == 1:
        if exact[0].dead_end is not None:
            raise AssigneeRefused(f"--to: {exact[0].refusal()}")
        return exact[0]
    pick = exact or candidates
    if pick:
        # a part of a name is a question, not an answer: a typo must not pick a colleague
        if len(pick) == 1:
            one = pick[0]
            who = f"{one.name} <{one.username}>" if one.username else one.describe()
            if one.dead_end is not None:  # no use asking for the whole name of a dead end
                raise AssigneeRefused(f"--to {text!r} matches only {who}, who is "
                                      f"{one.dead_end} and cannot take work; pick an active, "
                                      "unfrozen user or a queue or group with active members")
            raise AssigneeRefused(f"--to {text!r} is a partial name: did you mean {who}? pass "
                                  "the whole name, username or Id")
        listed = "; ".join(c.describe() for c in pick[:8])
        more = f" and {len(pick) - 8} more" if len(pick) > 8 else ""
        what = f"names {len(pick)} of them" if exact else "is a partial name matching"
        raise AssigneeRefused(f"--to {text!r} {what}: {listed}{more}; pass the "
                              f"{'username or Id' if exact else 'whole name, username or Id'}")
    gone = [_user(r) for r in client.query(tq.users_named(text))]
    if gone:
        raise AssigneeRefused(f"--to: {gone[0].describe()} is an inactive user and cannot take "
                              "work; pick an active user, a queue or a group")
    raise AssigneeRefused(f"--to {text!r} matches no active user, queue or public group; try "
                          "part of a name or username")
