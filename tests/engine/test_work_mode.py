"""Work mode against the demo org: every kind of stuck work in `Snapshot.work`, frozen unknown
without Manage Users, held time from the log on an org without the time since assignment, and
an idle poll that still costs exactly one call."""

from __future__ import annotations

from typing import Any

from flowstage_tui.emulator.clock import ManualClock
from flowstage_tui.emulator.org import DemoOrg
from flowstage_tui.emulator.permissions import ALL
from flowstage_tui.emulator.triage_data import DELETED_GROUP, FROZEN_NAMES, MEMBERLESS_QUEUE
from flowstage_tui.engine.state import HealthState
from flowstage_tui.engine.sync import SyncEngine
from flowstage_tui.salesforce.work import FROZEN_UNKNOWN, Flag, WorkQueue

from .conftest import make_engine


def counted_since(org: DemoOrg, mark: int) -> int:
    return sum(r.counted for r in org.request_log[mark:])


def queue_of(eng: SyncEngine) -> WorkQueue:
    work = eng.snapshot.work
    assert work is not None
    return work


def open_items(org: DemoOrg) -> set[str]:
    return {r["Id"] for r in org.store.table("FlowOrchestrationWorkItem").rows.values()
            if r["Status"] == "Assigned" and not r.get("IsDeleted")}


def test_every_flag_appears_with_its_reason(org: DemoOrg, clock: ManualClock) -> None:
    eng = make_engine(org, clock, page_size=20)
    eng.set_work_mode(True)
    res = eng.poll_once()
    assert res.health.state == HealthState.LIVE
    q = queue_of(eng)
    assert {r.item.id for r in q.rows} == open_items(org)  # the org's, not the window's
    assert {r.run_id for r in q.rows} - {r.id for r in eng.snapshot.runs}
    counts = q.counts()
    assert all(counts[f] for f in Flag), counts
    assert q.frozen_known
    by_flag = {f: [r for r in q.rows if f in r.flags] for f in Flag}
    assert {r.assignee_name for r in by_flag[Flag.FROZEN]} == set(FROZEN_NAMES)
    assert any("Linus Pauling is inactive (User.IsActive = false)" in r.reasons
               for r in by_flag[Flag.INACTIVE])
    (empty,) = by_flag[Flag.NO_ACTIVE_MEMBER]
    assert empty.assignee_name == MEMBERLESS_QUEUE and empty.member_count == 0
    assert empty.reasons[0] == f"queue {MEMBERLESS_QUEUE} has no active member"
    staffed = [r for r in q.rows if r.assignee_kind == "Queue" and r is not empty]
    assert staffed and all(r.member_count for r in staffed)
    # the deleted group: its Id stays on the item and names nothing any more
    (lost,) = {r.item.assignee_id for r in by_flag[Flag.UNRESOLVABLE]}
    assert lost.startswith("00G") and lost not in org.store.table("Group").rows
    assert DELETED_GROUP not in {r.assignee_name for r in q.rows}
    for r in q.rows:
        assert r.held_source == "ElapsedTimeSinceAsgntInSec"
        assert r.run_label and r.stage_label and r.step_label and r.run_name
        assert len(r.reasons) == len(r.flags)
    held = [r.held_seconds for r in q.rows]
    assert held == sorted(held, reverse=True)
    assert (max(held) > 24 * 3600) == bool(counts[Flag.STUCK])


def test_idle_poll_in_work_mode_is_exactly_one_call(org: DemoOrg, clock: ManualClock) -> None:
    eng = make_engine(org, clock)
    eng.poll_once()
    eng.set_work_mode(True)
    clock.advance(15)
    mark = len(org.request_log)
    eng.poll_once()  # the queue's first data: the widened composite, and who the people are
    assert counted_since(org, mark) == 2
    before = len(queue_of(eng).rows)
    for _ in range(3):
        clock.advance(15)
        mark = len(org.request_log)
        res = eng.poll_once()
        assert counted_since(org, mark) == 1 and res.calls == 1
        (call,) = org.request_log[mark:]
        assert call.path == "/services/data/v66.0/composite"
        assert res.changes.size == 0 and len(queue_of(eng).rows) == before


def test_the_poll_asks_the_whole_org_only_in_work_mode(org: DemoOrg, clock: ManualClock) -> None:
    sent: list[list[str]] = []
    eng = make_engine(org, clock)
    eng.poll_once()
    client = eng.client
    assert client is not None
    real = client.composite

    def spy(subs: Any, **kw: Any) -> Any:
        sent.append([q for _, q in subs])
        return real(subs, **kw)

    client.composite = spy  # type: ignore[method-assign,assignment]
    clock.advance(15)
    eng.poll_once()
    scoped = [q for q in sent[-1] if "FROM FlowOrchestrationWorkItem" in q]
    assert scoped and "StepInstance.OrchestrationInstance.CreatedDate >=" in scoped[0]
    eng.set_work_mode(True)
    clock.advance(15)
    eng.poll_once()
    first = [q for q in sent[-2] if "FROM FlowOrchestrationWorkItem" in q]
    assert len(sent[-2]) <= 5 and "Status = 'Assigned' OR SystemModstamp >" in first[0]
    assert "CreatedDate >=" not in first[0]
    clock.advance(15)
    eng.poll_once()
    widened = [q for q in sent[-1] if "FROM FlowOrchestrationWorkItem" in q]
    assert "Status = 'Assigned'" not in widened[0] and "CreatedDate >=" not in widened[0]
    eng.set_work_mode(False)
    clock.advance(15)
    eng.poll_once()
    assert eng.snapshot.work is None
    again = [q for q in sent[-1] if "FROM FlowOrchestrationWorkItem" in q]
    assert "StepInstance.OrchestrationInstance.CreatedDate >=" in again[0]


def test_a_full_load_brings_the_queue_in_its_first_call(org: DemoOrg,
                                                        clock: ManualClock) -> None:
    plain = make_engine(org, clock)
    mark = len(org.request_log)
    plain.poll_once()
    without = counted_since(org, mark)
    eng = make_engine(org, clock)
    eng.set_work_mode(True)
    mark = len(org.request_log)
    eng.poll_once()
    assert counted_since(org, mark) == without + 1  # who the assignees are
    assert len(queue_of(eng).rows) == len(open_items(org))


def test_without_manage_users_frozen_is_unknown_not_a_failure(clock: ManualClock) -> None:
    org = DemoOrg(seed=7, runs=300, clock=clock, frozen=True,
                  user_perms=ALL - {"ManageUsers"})
    eng = make_engine(org, clock)
    eng.set_work_mode(True)
    res = eng.poll_once()
    assert res.health.state == HealthState.LIVE
    q = queue_of(eng)
    assert not q.frozen_known and q.counts()[Flag.FROZEN] == 0
    users = [r for r in q.rows if r.assignee_kind == "User"]
    assert users and all(FROZEN_UNKNOWN in r.reasons for r in users)
    assert "frozen unknown" in q.counts_line()
    assert q.counts()[Flag.NO_ACTIVE_MEMBER] == 1  # GroupMember needs no permission


def test_changes_reach_the_queue(org: DemoOrg, clock: ManualClock) -> None:
    eng = make_engine(org, clock)
    eng.set_work_mode(True)
    eng.poll_once()
    q = queue_of(eng)
    (empty,) = [r for r in q.rows if Flag.NO_ACTIVE_MEMBER in r.flags]
    healthy = next(r for r in q.rows if not r.flags and r.assignee_kind == "User")
    client = eng.client
    assert client is not None
    client.sf.FlowOrchestrationWorkItem.update(empty.item.id,
                                               {"AssigneeId": healthy.item.assignee_id})
    clock.advance(15)
    mark = len(org.request_log)
    eng.poll_once()
    assert counted_since(org, mark) == 1  # the same assignees: no need to ask about them
    moved = next(r for r in queue_of(eng).rows if r.item.id == empty.item.id)
    assert moved.flags == frozenset() and moved.held_seconds < 60
    assert queue_of(eng).counts()[Flag.NO_ACTIVE_MEMBER] == 0


def test_no_elapsed_field_held_from_created_date_or_the_reassign_row(
        org: DemoOrg, clock: ManualClock) -> None:
    eng = make_engine(org, clock, api_cap="62.0")
    eng.set_work_mode(True)
    eng.poll_once()
    q = queue_of(eng)
    assert {r.held_source for r in q.rows} == {"CreatedDate"}
    target = next(r for r in q.rows if r.assignee_kind == "User" and not r.flags)
    other = next(r for r in q.rows if r.assignee_kind == "User" and not r.flags and
                 r.item.assignee_id != target.item.assignee_id)
    client = eng.client
    assert client is not None
    client.sf.FlowOrchestrationWorkItem.update(target.item.id,
                                               {"AssigneeId": other.item.assignee_id})
    clock.advance(15)
    mark = len(org.request_log)
    eng.poll_once()
    assert counted_since(org, mark) == 2  # the moved item's reassign row
    row = next(r for r in queue_of(eng).rows if r.item.id == target.item.id)
    assert row.held_source == "ReassignWorkItem log row" and row.held_seconds < 60


def test_the_queue_shows_only_once_its_holders_are_known(org: DemoOrg,
                                                         clock: ManualClock) -> None:
    """The first load hands the runs over early; a queue in that picture would say nobody is
    frozen, so it waits for the answer about the assignees."""
    seen: list[object] = []
    eng = make_engine(org, clock)
    eng.set_work_mode(True)
    res = eng.poll_once(progress=lambda early: seen.append(early.snapshot.work))
    assert seen == [None]
    assert res.snapshot.work is not None and res.snapshot.work.counts()[Flag.FROZEN]


def test_offline_keeps_the_last_queue(org: DemoOrg, clock: ManualClock) -> None:
    eng = make_engine(org, clock)
    eng.set_work_mode(True)
    eng.poll_once()
    before = queue_of(eng)
    org.faults.update(offline=True)
    clock.advance(15)
    res = eng.poll_once()
    assert res.health.state == HealthState.OFFLINE
    assert res.snapshot.work is before
    org.faults.update(offline=False)
    eng.retry_now()
    clock.advance(15)
    res = eng.poll_once()
    assert res.health.state == HealthState.LIVE
    assert [r.item.id for r in queue_of(eng).rows] == [r.item.id for r in before.rows]


def test_an_org_without_work_items_has_an_empty_queue(org: DemoOrg, clock: ManualClock) -> None:
    """At v53 there is no FlowOrchestrationWorkItem: the queue is known to be empty, not
    forever loading, and asking costs nothing."""
    eng = make_engine(org, clock, api_cap="53.0")
    eng.poll_once()
    eng.set_work_mode(True)
    clock.advance(15)
    mark = len(org.request_log)
    res = eng.poll_once()
    assert res.health.state == HealthState.LIVE
    assert counted_since(org, mark) == 1
    assert res.snapshot.work is not None and res.snapshot.work.rows == ()
