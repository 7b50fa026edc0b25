"""The stuck-work queue's logic: flags, their one-line reasons, where the held time comes from,
grouping and sorting, the header's counts line."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from flowstage_tui.salesforce.models import WorkItem, WorkItemStatus
from flowstage_tui.salesforce.work import (
    FLAG_SHORT,
    FROZEN_UNKNOWN,
    Flag,
    People,
    Place,
    WorkQueue,
    active_members,
    build_queue,
    frozen_from_logins,
    held_text,
    short_duration,
)
from flowstage_tui.salesforce.work_filter import parse_flag
from flowstage_tui.salesforce.work_queries import place, reassigned_at

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def item(n: int, *, assignee: str = "005A", name: str | None = "Ada Lovelace",
         kind: str | None = "User", active: bool | None = True,
         since: datetime | None = NOW - HOUR, created: datetime = NOW - 100 * HOUR,
         status: str = "Assigned", run: str | None = "0jE1") -> WorkItem:
    return WorkItem(
        id=f"0jR{n:03d}", step_id="0jL1", run_id=run, label=f"Item {n}",
        status=WorkItemStatus(status), assignee_id=assignee, assignee_name=name,
        assignee_type=kind, assignee_active=active, created=created, modified=created,
        modstamp=created, seconds_assigned=None if since is None else 3600,
        assigned_since=since, context_id="500A", context_type="Case", context_name="00001026")


def one(i: WorkItem, **kw: object) -> tuple[Flag, ...]:
    q = build_queue([i], now=NOW, **kw)  # type: ignore[arg-type]
    assert len(q.rows) == 1
    return tuple(sorted(q.rows[0].flags))


def test_a_healthy_item_has_no_flag_and_no_reason() -> None:
    q = build_queue([item(1)], now=NOW, people=People(frozen={"005A": False}, members={}))
    row = q.rows[0]
    assert row.flags == frozenset() and row.reasons == ()
    assert row.held_seconds == 3600 and row.held_source == "ElapsedTimeSinceAsgntInSec"
    assert row.context == "00001026 · Case"
    bare = replace(item(2), context_type=None, context_name=None)
    assert build_queue([bare], now=NOW).rows[0].context == "500A · unknown type"
    assert q.counts_line() == "⚑ none of 1 open items flagged"


def test_inactive_user() -> None:
    q = build_queue([item(1, name="Linus Pauling", active=False)], now=NOW)
    assert q.rows[0].flags == {Flag.INACTIVE}
    assert q.rows[0].reasons == ("Linus Pauling is inactive (User.IsActive = false)",)


def test_frozen_user_and_frozen_unknown() -> None:
    frozen = People(frozen={"005A": True}, members={})
    q = build_queue([item(1, name="Tim O'Brien")], now=NOW, people=frozen)
    assert q.rows[0].flags == {Flag.FROZEN}
    assert q.rows[0].reasons == ("Tim O'Brien is frozen (UserLogin.IsFrozen)",)
    refused = build_queue([item(1)], now=NOW, people=People(frozen="refused", members={}))
    assert refused.rows[0].flags == frozenset()
    assert refused.rows[0].reasons == (FROZEN_UNKNOWN,)
    assert FROZEN_UNKNOWN == "frozen: unknown (needs Manage Users)"
    assert not refused.frozen_known and "frozen unknown" in refused.counts_line()


@pytest.mark.parametrize(("assignee", "reason"), [
    ("", "no assignee (AssigneeId is empty)"),
    ("00GGONE", "the assignee 00GGONE resolves to nothing (deleted, or not visible to this "
     "user)")])
def test_unresolvable_assignee(assignee: str, reason: str) -> None:
    i = item(1, assignee=assignee, name=None, kind=None, active=None)
    q = build_queue([i], now=NOW)
    assert q.rows[0].flags == {Flag.UNRESOLVABLE} and q.rows[0].reasons == (reason,)
    assert q.rows[0].assignee_kind is None


def test_queue_without_an_active_member() -> None:
    queue = item(1, assignee="00GQ", name="Vendor Management", kind="Queue", active=None)
    empty = People(frozen={}, members={"00GQ": 0})
    q = build_queue([queue], now=NOW, people=empty)
    assert q.rows[0].flags == {Flag.NO_ACTIVE_MEMBER}
    assert q.rows[0].reasons == ("queue Vendor Management has no active member",)
    assert q.rows[0].member_count == 0
    staffed = build_queue([queue], now=NOW, people=People(frozen={}, members={"00GQ": 3}))
    assert staffed.rows[0].flags == frozenset() and staffed.rows[0].member_count == 3
    unknown = build_queue([queue], now=NOW, people=People(frozen={}, members={"00GQ": None}))
    assert unknown.rows[0].flags == frozenset() and unknown.rows[0].member_count is None


def test_stuck_after_the_profiles_threshold() -> None:
    old = item(1, since=NOW - 30 * HOUR)
    assert one(old) == (Flag.STUCK,)
    assert one(old, stuck_after=timedelta(days=2)) == ()
    q = build_queue([old], now=NOW)
    assert q.rows[0].reasons == ("held 1d 6h, longer than 24h (from "
                                 "ElapsedTimeSinceAsgntInSec)",)
    assert one(item(2, since=NOW - 24 * HOUR)) == ()  # longer than, not as long as


def test_held_from_created_date_or_the_last_reassign_row() -> None:
    created = NOW - 50 * HOUR
    i = item(1, since=None, created=created)
    where = {i.id: Place(run_id="0jE1", step_name="Review_Pricing")}
    q = build_queue([i], now=NOW, places=where)
    assert q.rows[0].held_source == "CreatedDate" and q.rows[0].held_seconds == 50 * 3600
    moved = {("0jE1", "Review_Pricing"): NOW - 2 * HOUR}
    q = build_queue([i], now=NOW, places=where, reassigned=moved)
    assert q.rows[0].held_source == "ReassignWorkItem log row"
    assert q.rows[0].held_seconds == 2 * 3600 and q.rows[0].flags == frozenset()
    # a reassign row older than the item is some earlier item's of the same step
    stale = {("0jE1", "Review_Pricing"): created - HOUR}
    q = build_queue([i], now=NOW, places=where, reassigned=stale)
    assert q.rows[0].held_source == "CreatedDate"
    assert "from CreatedDate" in q.rows[0].reasons[0]


def test_only_open_items_enter_and_longest_held_comes_first() -> None:
    items = [item(1, since=NOW - HOUR), item(2, since=NOW - 5 * HOUR),
             item(3, status="Completed"), item(4, since=NOW - 3 * HOUR)]
    q = build_queue(items, now=NOW)
    assert [r.item.id for r in q.rows] == ["0jR002", "0jR004", "0jR001"]


def test_group_by_assignee_worst_first() -> None:
    items = [item(1, since=NOW - HOUR), item(2, assignee="005B", name="Bo", since=NOW - 9 * HOUR),
             item(3, since=NOW - 4 * HOUR), item(4, assignee="", name=None, kind=None)]
    q = build_queue(items, now=NOW)
    groups = WorkQueue.group_by_assignee(q.rows)
    assert [(g.key, g.name, len(g.rows)) for g in groups] == [
        ("005B", "Bo", 1), ("005A", "Ada Lovelace", 2), ("(none)", "(no assignee)", 1)]
    assert [r.item.id for r in groups[1].rows] == ["0jR003", "0jR001"]
    assert q.group_by_assignee(()) == ()


def test_counts_and_counts_line() -> None:
    items = [item(1, active=False, since=NOW - 30 * HOUR), item(2, active=False),
             item(3, assignee="005F", name="F"),
             item(4, assignee="", name=None, kind=None),
             item(5, assignee="00GQ", name="Q", kind="Queue", active=None)]
    people = People(frozen={"005F": True}, members={"00GQ": 0})
    q = build_queue(items, now=NOW, people=people)
    assert q.counts() == {Flag.INACTIVE: 2, Flag.FROZEN: 1, Flag.UNRESOLVABLE: 1,
                          Flag.STUCK: 1, Flag.NO_ACTIVE_MEMBER: 1}
    assert q.counts_line() == ("⚑ 2 inactive · 1 frozen · 1 unresolvable · 1 stuck>24h · "
                               "1 no-active-member")


def test_no_active_member_counts_items_in_the_flags_word() -> None:
    """The header counts items, as for every flag, in the word `flag=` takes (it said
    "3 empty queue" for three items in one queue)."""
    items = [item(i, assignee=q, name=q, kind="Queue") for i, q in
             enumerate(("00GA", "00GA", "00GB"))]
    q = build_queue(items, now=NOW, people=People(frozen={}, members={"00GA": 0, "00GB": 0}))
    assert q.counts_line().endswith("3 no-active-member")
    assert "queue" not in q.counts_line()


def test_flag_words_are_the_values_and_one_short_form() -> None:
    """`flag=` takes the word the table shows, long or short; nothing else."""
    for flag in Flag:
        assert parse_flag(flag.value) is flag
        assert parse_flag(FLAG_SHORT[flag]) is flag
    assert parse_flag("No-Member") is Flag.NO_ACTIVE_MEMBER
    with pytest.raises(ValueError, match="no-active-member"):
        parse_flag("empty")


def test_durations_for_people() -> None:
    assert [short_duration(timedelta(seconds=s)) for s in (45, 5400, 86400, 172800, 90000)] \
        == ["45s", "90m", "24h", "2d", "25h"]
    assert [held_text(s) for s in (5, 420, 18720, 3 * 86400 + 4 * 3600, 86400)] == [
        "5s", "7m", "5h 12m", "3d 4h", "1d"]


def test_frozen_and_members_from_rows() -> None:
    assert frozen_from_logins([{"UserId": "005A", "IsFrozen": True},
                               {"UserId": "005B", "IsFrozen": False}]) == {
        "005A": True, "005B": False}
    members = [{"GroupId": "00GA", "UserOrGroupId": "005A"},
               {"GroupId": "00GA", "UserOrGroupId": "005B"},
               {"GroupId": "00GB", "UserOrGroupId": "005B"},
               {"GroupId": "00GC", "UserOrGroupId": "00GA"},  # a group inside a group
               {"GroupId": "00GZ", "UserOrGroupId": "005A"}]  # not asked about
    assert active_members(["00GA", "00GB", "00GC", "00GD"], members, ["005A"]) == {
        "00GA": 1, "00GB": 0, "00GC": None, "00GD": 0}


def test_place_and_reassign_rows_from_records() -> None:
    rec = {"StepInstance": {"Name": "Review_Pricing", "Label": "Review Pricing",
                            "StageInstance": {"Label": "Pricing Review"},
                            "OrchestrationInstanceId": "0jE1",
                            "OrchestrationInstance": {"Name": "OR-0000301",
                                                      "OrchestrationLabel": None,
                                                      "OrchestrationDeveloperName": "CR"}}}
    assert place(rec) == Place("0jE1", "OR-0000301", "CR", "Pricing Review", "Review_Pricing",
                               "Review Pricing")
    assert place({"StepInstance": None}) == Place()
    rows: list[dict[str, Any]] = [{"OrchestrationInstanceId": "0jE1", "StepName": "S", "Timestamp":
             "2026-11-27T10:00:00.000+0000"},
            {"OrchestrationInstanceId": "0jE1", "StepName": "S", "Timestamp":
             "2026-11-27T12:00:00.000+0000"},
            {"OrchestrationInstanceId": "0jE1", "StepName": None, "Timestamp": "x"}]
    assert reassigned_at(rows) == {("0jE1", "S"): datetime(2026, 11, 27, 12, tzinfo=UTC)}


def test_rows_are_values() -> None:
    q = build_queue([item(1)], now=NOW)
    with pytest.raises(AttributeError):
        q.rows[0].held_seconds = 1  # type: ignore[misc]
    assert replace(q.rows[0], held_seconds=1).held_seconds == 1


def test_people_queries_are_chunked_under_the_uri_limit_and_packed_five_a_call() -> None:
    from urllib.parse import quote_plus

    from flowstage_tui.salesforce.capabilities import Capabilities
    from flowstage_tui.salesforce.work_queries import COMPOSITE_QUERIES, WorkQueries, calls

    caps = Capabilities("62.0", {"FlowOrchestrationWorkItem": frozenset({"Id", "Status"}),
                                 "FlowOrchestrationLog": frozenset({"Id"})})
    users = [f"005{n:015d}" for n in range(400)]
    groups = [f"00G{n:015d}" for n in range(160)]
    subs = WorkQueries(caps).people(users, groups, reassigned_runs=["0jE1", "0jE'x"])
    refs = [ref for ref, _ in subs]
    assert refs == ["logins:0", "logins:1", "logins:2", "members:0", "active:0", "members:1",
                    "active:1", "reassigned:0"]
    for _, soql in subs:
        assert len(f"/services/data/v62.0/query?q={quote_plus(soql)}") < 16_384 // 2
    assert "'0jE\\'x'" in subs[-1][1]  # even Ids from the org go through the one quote()
    packed = calls(subs)
    assert [len(c) for c in packed] == [COMPOSITE_QUERIES, 3]
    assert [s for c in packed for s in c] == subs
    assert WorkQueries(caps).people([], []) == []
