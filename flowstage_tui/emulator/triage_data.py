"""The demo org's people-side records and the stuck work triage exists for.

One UserLogin per user (two active users frozen), queue memberships (Vendor Management holds
only inactive users), and a handful of runs written after the generated month, each stuck in
one of the ways admins meet in real orgs: a work item held by an inactive user, a frozen user,
a queue nobody active is in, a deleted group; runs InProgress or Suspended for more than 30
days; Error runs whose 14-day resume window closes within 48 hours; a run waiting on an
asynchronous step. They draw from their own generator and mint after the generated runs'
blocks, so every generated record keeps its Id and its fate. The live simulation keeps
producing more of the same (work items land on inactive and frozen users and on the
memberless queue, runs stall and fail), so `flowstage --demo` always has something to fix.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from .demo_data import DAY_MS, ERROR_TEXTS, HOUR_MS, MIN_MS, definition_at
from .lifecycle import BY_API_NAME, STEP
from .schema_triage import GROUP_MEMBER_PREFIX, USER_LOGIN_PREFIX
from .store import Record

if TYPE_CHECKING:
    from .org import DemoOrg

TRIAGE_SEED = 0x7A1A6E
# The stuck runs come with every demo-sized org (a deliberately tiny one stays as asked for);
# all are two days old or more, so the newest page of runs is the generated month's.
STUCK_RUNS_FROM = 50
STUCK_RUNS = 9
FROZEN_NAMES = ("Tim O'Brien", "Fatima Al-Sayed")  # active users whose login is frozen
MEMBERLESS_QUEUE = "Vendor Management"  # its only members are inactive users
DELETED_GROUP = "Deal Desk Overflow"  # a public group deleted while it held a work item


def user_logins(org: DemoOrg, users: list[Record], now: int) -> list[Record]:
    """One UserLogin per user (Salesforce keeps one for every user)."""
    out = []
    for u in users:
        frozen = u["Name"] in FROZEN_NAMES
        changed = now - 9 * DAY_MS if frozen else u["CreatedDate"]
        out.append({"Id": org.minter.mint(USER_LOGIN_PREFIX), "UserId": u["Id"],
                    "IsFrozen": frozen, "IsPasswordLocked": False,
                    "LastModifiedById": org.admin_id, "LastModifiedDate": changed})
    return out


def group_members(org: DemoOrg, users: list[Record], queues: list[Record],
                  rng: random.Random) -> list[Record]:
    people = [u for u in users if u["UserType"] == "Standard" and u["Id"] != org.admin_id]
    active = [u for u in people if u["IsActive"]]
    inactive = [u for u in people if not u["IsActive"]]
    out = []
    for q in queues:
        members = inactive if q["Name"] == MEMBERLESS_QUEUE else rng.sample(active, 3)
        for u in members:
            out.append({"Id": org.minter.mint(GROUP_MEMBER_PREFIX), "GroupId": q["Id"],
                        "UserOrGroupId": u["Id"], "SystemModstamp": q["CreatedDate"]})
    return out


def install_people(org: DemoOrg, now: int, rng: random.Random) -> None:
    store = org.store
    users = list(store.table("User").rows.values())
    queues = [g for g in store.table("Group").rows.values() if g.get("Type") == "Queue"]
    if not store.table("UserLogin").rows:
        store.bulk_insert("UserLogin", user_logins(org, users, now))
    if not store.table("GroupMember").rows:
        store.bulk_insert("GroupMember", group_members(org, users, queues, rng))


def _person(org: DemoOrg, name: str) -> Record:
    return next(u for u in org.store.table("User").rows.values() if u["Name"] == name)


def _queue(org: DemoOrg, name: str) -> Record:
    return next(g for g in org.store.table("Group").rows.values() if g["Name"] == name)


def _open_first_stage(org: DemoOrg, api_name: str, t0: int, holder: Record | None) -> Record:
    """Start a run at t0 with its work items going to `holder`; complete its first stage's
    background steps a few minutes later (so an interactive item is what holds it)."""
    lc = org.lifecycle
    orch = definition_at(BY_API_NAME[api_name], t0, lc.activated_at)
    lc.assign_to = holder
    try:
        run = lc.start_run(orch, t0)
        stage = lc.current_stage(run)
        if stage is not None:
            for s in lc.steps(stage):
                if s["StepType"] != "InteractiveStep" and s["Status"] == "InProgress":
                    lc.complete_step(run, orch, s, t0 + 3 * MIN_MS)
    finally:
        lc.assign_to = None
    return run


def install_stuck_runs(org: DemoOrg, now: int) -> None:
    lc = org.lifecycle
    store = org.store
    rng = random.Random(org.seed ^ TRIAGE_SEED)
    with lc.scope(org.minter, lc.counters, rng):
        admin = org.admin_id
        # A public group that held a work item and was deleted: an unresolvable assignee.
        # [INF] AssigneeId is not nillable, so the Id stays and resolves to nothing.
        gone: Record = {"Id": org.minter.mint("00G"), "Name": DELETED_GROUP,
                        "DeveloperName": DELETED_GROUP.replace(" ", "_"), "Type": "Regular",
                        "Email": None, "DoesSendEmailToMembers": False, "CreatedById": admin,
                        "CreatedDate": now - 90 * DAY_MS, "LastModifiedById": admin,
                        "LastModifiedDate": now - 90 * DAY_MS,
                        "SystemModstamp": now - 90 * DAY_MS}
        store.insert("Group", gone)
        inactive = _person(org, "Linus Pauling")
        frozen = _person(org, FROZEN_NAMES[1])
        # InProgress for 45 days, on an inactive user (the Pricing Review item)
        _open_first_stage(org, "Contract_Renewal", now - 45 * DAY_MS, inactive)
        # Suspended 38 days ago, its Sign Contract item with a frozen user
        run = _open_first_stage(org, "Employee_Onboarding", now - 38 * DAY_MS - 2 * HOUR_MS,
                                _person(org, FROZEN_NAMES[0]))
        lc.suspend_run(run, now - 38 * DAY_MS)
        # Three days with a frozen user
        _open_first_stage(org, "Customer_Onboarding_EMEA", now - 3 * DAY_MS, frozen)
        # An approval run held by the queue nobody active is in, and a healthy one
        _open_first_stage(org, "Vendor_Onboarding", now - 2 * DAY_MS - 2 * HOUR_MS,
                          _queue(org, MEMBERLESS_QUEUE))
        _open_first_stage(org, "Vendor_Onboarding", now - 2 * DAY_MS - 5 * HOUR_MS,
                          _queue(org, "Deal Desk"))
        # Held by the group deleted a day later
        _open_first_stage(org, "Quote_Approval", now - 4 * DAY_MS, gone)
        store.delete("Group", gone["Id"], now - 3 * DAY_MS)
        # Waiting three days on an asynchronous step whose completion event never came
        run = _open_first_stage(org, "Loan_Application", now - 3 * DAY_MS - 4 * HOUR_MS, None)
        stage = lc.current_stage(run)
        if stage is not None:
            for s in lc.steps(stage):
                lc._update(STEP, s, s["CreatedDate"], StepType="AsynchronousBackgroundStep")
        # Error runs whose resume window (14 days from FailInstance) closes in 18 and 36 hours
        for api_name, failed_ago in (("Case_Escalation", 13 * DAY_MS + 6 * HOUR_MS),
                                     ("Loan_Application", 12 * DAY_MS + 12 * HOUR_MS)):
            t0 = now - failed_ago - 20 * MIN_MS
            run = lc.start_run(definition_at(BY_API_NAME[api_name], t0, lc.activated_at), t0)
            lc.fail_run(run, now - failed_ago, rng.choice(ERROR_TEXTS))
