"""SyncEngine contract tests against the demo org (in-process, real simple-salesforce)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from flowstage_tui.emulator.clock import ManualClock
from flowstage_tui.emulator.org import DemoOrg
from flowstage_tui.emulator.triage_data import STUCK_RUNS
from flowstage_tui.engine.state import ChangeSet, HealthState, Snapshot
from flowstage_tui.engine.sync import SyncEngine, stage_times
from flowstage_tui.salesforce.capabilities import RUN, STAGE, WORK
from flowstage_tui.salesforce.models import (
    OPEN_STATUSES,
    LogEntry,
    Run,
    RunStatus,
    WorkItem,
    WorkItemStatus,
)
from flowstage_tui.salesforce.queries import RunFilter

from .conftest import make_engine


def counted_since(org: DemoOrg, mark: int) -> int:
    return sum(r.counted for r in org.request_log[mark:])


def test_first_poll_loads_the_newest_page_with_children(live_org: DemoOrg,
                                                        clock: ManualClock) -> None:
    eng = make_engine(live_org, clock)
    res = eng.poll_once()
    assert res.health.state == HealthState.LIVE
    snap = res.snapshot
    assert len(snap.runs) == 200 and snap.more
    created = [r.created for r in snap.runs]
    assert created == sorted(created, reverse=True)
    assert sum(snap.counts.values()) == 300 + STUCK_RUNS
    run = snap.runs[0]
    stages = snap.stages[run.id]
    assert [s.position for s in stages] == list(range(1, len(stages) + 1))
    assert res.changes.full


def test_idle_poll_is_exactly_one_counted_call(clock: ManualClock) -> None:
    org = DemoOrg(seed=7, runs=300, clock=clock, frozen=True)
    eng = make_engine(org, clock)
    eng.poll_once()
    for _ in range(3):
        clock.advance(15)
        mark = len(org.request_log)
        res = eng.poll_once()
        assert counted_since(org, mark) == 1
        assert [r.path for r in org.request_log[mark:]] == ["/services/data/v66.0/composite"]
        assert res.changes.size == 0


def test_busy_minute_costs_one_call_per_poll(live_org: DemoOrg, clock: ManualClock) -> None:
    eng = make_engine(live_org, clock)
    eng.poll_once()
    clock.advance(1)
    eng.poll_once()
    mark = len(live_org.request_log)
    polls = 0
    changed = 0
    for _ in range(4):  # a minute at 15 s
        clock.advance(15)
        res = eng.poll_once()
        polls += 1
        changed += res.changes.size
    assert changed > 0  # the org really was busy
    assert counted_since(live_org, mark) <= polls + 1  # +1: the slower deletion check


def settled(item: Any) -> Any:
    """A row without the values Salesforce recomputes from the clock on every read (the
    Duration of an open run, the time since assignment of an open work item)."""
    if isinstance(item, Run) and item.status in OPEN_STATUSES:
        return replace(item, duration=None)
    if isinstance(item, WorkItem) and item.status == WorkItemStatus.ASSIGNED:
        return replace(item, seconds_assigned=None)
    return item


def settled_all(items: Any) -> Any:
    return None if items is None else tuple(settled(i) for i in items)


def mirror_matches_fresh(eng: SyncEngine, org: DemoOrg, clock: ManualClock) -> None:
    """The engine's mirror equals the demo org's records, read straight from its store (not
    through SOQL, the query builder or the parser) and turned into models field by field."""
    from collections import Counter
    from datetime import timedelta

    from flowstage_tui.salesforce.models import InterviewError, StageRun, StageStatus, StepRun

    def when(ms: int) -> datetime:
        return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=ms)

    flt = eng.filter
    assert not (flt.orchestration or flt.text), "this oracle filters by status, Id and since"

    def in_filter(rec: dict[str, Any], statuses: bool = True) -> bool:
        return ((not statuses or not flt.statuses or rec["Status"] in flt.statuses)
                and (not flt.ids or rec["Id"] in flt.ids or rec["Id"][:15] in flt.ids)
                and (flt.since is None or when(rec["CreatedDate"]) >= flt.since))

    with org.lock:
        org.store.ensure_all()
        table = {name: dict(org.store.table(name).rows) for name in (
            RUN, STAGE, "FlowOrchestrationStepInstance", "FlowOrchestrationWorkItem",
            "FlowInterview", "User", "Group")}
        # each work item's context record as the org holds it: (object, name)
        context = {w["Id"]: org.store.find(w["RelatedRecordId"]) if w["RelatedRecordId"] else None
                   for w in table["FlowOrchestrationWorkItem"].values()}
    steps_t, items_t = table["FlowOrchestrationStepInstance"], table["FlowOrchestrationWorkItem"]

    def run_of(rec: dict[str, Any]) -> Run:
        status = RunStatus(rec["Status"])
        duration = None if status in OPEN_STATUSES else rec["Duration"]
        return Run(id=rec["Id"], name=rec["Name"], status=status,
                   orchestration=rec["OrchestrationDeveloperName"],
                   label=rec["OrchestrationLabel"], current_stage=rec["CurrentStage"],
                   created=when(rec["CreatedDate"]), modified=when(rec["LastModifiedDate"]),
                   modstamp=when(rec["SystemModstamp"]), duration=duration,
                   interview_id=rec["InterviewId"], is_debug=rec["IsDebugRun"],
                   triggering_record=rec["TriggeringRecord"],
                   triggering_type=rec["TriggeringRecordType"])

    def stamps(rec: dict[str, Any]) -> dict[str, datetime]:
        return {"created": when(rec["CreatedDate"]), "modified": when(rec["LastModifiedDate"]),
                "modstamp": when(rec["SystemModstamp"])}

    matching = sorted((r for r in table[RUN].values() if in_filter(r)),
                      key=lambda r: (r["CreatedDate"], r["Id"]), reverse=True)
    got = eng.snapshot
    n = min(len(got.runs), len(matching))
    assert n >= min(eng.page_size, len(matching))  # at least the first page is held
    assert [r.id for r in got.runs[:n]] == [r["Id"] for r in matching[:n]]
    assert len({r.id for r in got.runs}) == len(got.runs)  # no duplicates
    if not got.more:
        assert len(got.runs) == len(matching)
    for rec in matching[:n]:
        rid = rec["Id"]
        assert settled(got.run(rid)) == run_of(rec)
        interview = table["FlowInterview"].get(rec["InterviewId"] or "")
        failed = interview is not None and (interview["Error"] or
                                            interview["InterviewStatus"] == "Error")
        assert got.errors.get(rid) == (InterviewError(
            run_id=rid, interview_id=rec["InterviewId"], status=interview["InterviewStatus"],
            message=interview["Error"], element=interview["CurrentElement"])
            if interview is not None and failed else None)
        stages = sorted((s for s in table[STAGE].values()
                         if s["OrchestrationInstanceId"] == rid),
                        key=lambda s: (s["Position"], s["Id"]))
        assert got.stages.get(rid, ()) == tuple(
            StageRun(id=s["Id"], run_id=rid, name=s["Name"], label=s["Label"],
                     position=s["Position"], status=StageStatus(s["Status"]), **stamps(s))
            for s in stages)
        for stage in stages:
            steps = sorted((st for st in steps_t.values() if st["StageInstanceId"] == stage["Id"]),
                           key=lambda st: (st["CreatedDate"], st["Id"]))
            assert got.steps.get(stage["Id"], ()) == tuple(
                StepRun(id=st["Id"], run_id=rid, stage_id=stage["Id"], name=st["Name"],
                        label=st["Label"], status=StageStatus(st["Status"]),
                        step_type=st["StepType"], description=st["Description"], **stamps(st))
                for st in steps)
            for st in steps:
                items = sorted((w for w in items_t.values() if w["StepInstanceId"] == st["Id"]),
                               key=lambda w: (w["CreatedDate"], w["Id"]))
                held = got.work_items.get(st["Id"], ())
                assert len(held) == len(items)
                for mine, w in zip(held, items, strict=True):
                    user = table["User"].get(w["AssigneeId"])
                    group = table["Group"].get(w["AssigneeId"])
                    who = user or group or {}
                    kind = "User" if user else "Queue" if who.get("Type") == "Queue" else \
                        "Group" if group else None
                    found = context[w["Id"]]
                    obj, ctx = found if found is not None else (None, {})
                    assert replace(mine, seconds_assigned=None, assigned_since=None) == WorkItem(
                        id=w["Id"], step_id=st["Id"], run_id=rid, label=w["Label"],
                        status=WorkItemStatus(w["Status"]), assignee_id=w["AssigneeId"],
                        assignee_name=who.get("Name"), assignee_type=kind,
                        assignee_active=user["IsActive"] if user else None, seconds_assigned=None,
                        created=when(w["CreatedDate"]), modified=when(w["LastModifiedDate"]),
                        modstamp=when(w["SystemModstamp"]), context_id=w["RelatedRecordId"],
                        context_type=obj, context_name=ctx.get("CaseNumber") or ctx.get("Name"))
                    if w["Status"] == "Assigned":  # read at some poll: within a second of it
                        assert mine.assigned_since is not None
                        assert abs(mine.assigned_since - when(w["_AssignedAt"])) < timedelta(
                            seconds=1)
                    else:
                        assert mine.seconds_assigned is None and mine.assigned_since is None
    assert dict(got.counts) == dict(Counter(
        r["Status"] for r in table[RUN].values() if in_filter(r, statuses=False)))


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_converges_after_faults(clock: ManualClock, seed: int) -> None:
    org = DemoOrg(seed=seed, runs=150, clock=clock, pace=2.0)
    eng = make_engine(org, clock, page_size=100, seed=seed)
    eng.poll_once()
    org.faults.update(latency_ms=200, jitter_ms=100, error_rate=0.2, drop_rate=0.1,
                      malformed_rate=0.1, session_expiry_calls=7)
    states = set()
    for _ in range(60):
        clock.advance(10)
        res = eng.poll_once()
        states.add(res.health.state)
    assert states & {HealthState.OFFLINE, HealthState.ORG_ERROR} and HealthState.LIVE in states
    org.faults.clear()
    for _ in range(2):
        clock.advance(10)
        eng.retry_now()
        res = eng.poll_once()
    assert res.health.state == HealthState.LIVE
    mirror_matches_fresh(eng, org, clock)


def test_filtered_view_follows_runs_into_and_out_of_the_filter(live_org: DemoOrg,
                                                                clock: ManualClock) -> None:
    eng = make_engine(live_org, clock, flt=RunFilter(statuses=("InProgress",)))
    eng.poll_once()
    for _ in range(40):
        clock.advance(15)
        eng.poll_once()
    assert all(r.status == RunStatus.IN_PROGRESS for r in eng.snapshot.runs)
    mirror_matches_fresh(eng, live_org, clock)


def test_deletions_are_caught(clock: ManualClock) -> None:
    org = DemoOrg(seed=7, runs=50, clock=clock, frozen=True)
    eng = make_engine(org, clock)
    eng.poll_once()
    victim = eng.snapshot.runs[3].id
    stage_ids = {s.id for s in eng.snapshot.stages[victim]}
    with org.lock:
        for sid in stage_ids:
            org.store.delete(STAGE, sid, org.now_ms())
        org.store.delete(RUN, victim, org.now_ms())
    clock.advance(6 * 60)
    res = eng.poll_once()
    assert victim in res.changes.removed[RUN]
    assert stage_ids <= res.changes.removed[STAGE]
    assert eng.snapshot.run(victim) is None


def test_old_api_version_and_no_feed_history(clock: ManualClock) -> None:
    org = DemoOrg(seed=7, runs=80, clock=clock, frozen=True, feed_history=False)
    eng = make_engine(org, clock, api_cap="55.0")
    res = eng.poll_once()
    assert res.health.state == HealthState.LIVE
    run = res.snapshot.runs[0]
    assert run.current_stage is None and run.duration is None and run.label is None
    assert run.orchestration  # the developer name still identifies the orchestration
    caps = eng.capabilities
    assert caps is not None and caps.version == "55.0"
    stage = res.snapshot.stages[run.id][0]
    details = eng.fetch_details(stage.id)
    assert not isinstance(details, Exception)
    assert details.history is None and details.feed is None  # the org has neither
    assert details.log == ()  # no real org has the run log before v60
    v60 = make_engine(org, clock, api_cap="60.0")
    v60.poll_once()
    later = v60.fetch_details(stage.id)
    assert not isinstance(later, Exception) and later.log  # from v60 it is there
    # interview error text (v62+) is not available, the failing stage still is
    errored = [r for r in res.snapshot.runs if r.status == RunStatus.ERROR]
    assert errored and all(res.snapshot.errors.get(r.id) is None or
                           res.snapshot.errors[r.id].message is None for r in errored)


def test_stage_details_in_one_call(clock: ManualClock) -> None:
    org = DemoOrg(seed=7, runs=120, clock=clock, frozen=True)
    eng = make_engine(org, clock)
    snap = eng.poll_once().snapshot
    errored = next(r for r in snap.runs if r.status == RunStatus.ERROR)
    stage = next(s for s in snap.stages[errored.id] if s.status == "Error")
    mark = len(org.request_log)
    details = eng.fetch_details(stage.id)
    assert counted_since(org, mark) == 1
    assert not isinstance(details, Exception)
    assert details.history is not None and details.history[0].field == "created"
    assert details.feed is not None and any(p.type == "TrackedChange" for p in details.feed)
    kinds = [e.kind for e in details.log]
    assert "FailStage" in kinds and "StartInstance" in kinds
    assert {e.stage_name for e in details.log} <= {stage.name, None}  # its rows, the run's
    # the same call brought every stage's start and end for the Stages pane
    assert set(details.stage_times) == {s.name for s in snap.stages[errored.id]
                                        if s.status != "NotStarted"}  # none for those yet
    started, ended = details.stage_times[stage.name]
    # the record was made with the run (NotStarted): the stage began at its StartStage
    assert stage.created == errored.created
    assert started == next(e.timestamp for e in details.log
                           if e.kind == "StartStage" and e.stage_name == stage.name)
    assert ended == stage.modified
    assert snap.errors[errored.id].message


def test_request_limit_exceeded_becomes_a_health_state(clock: ManualClock) -> None:
    org = DemoOrg(seed=7, runs=40, clock=clock, frozen=True)
    eng = make_engine(org, clock)
    eng.poll_once()
    org.api_limit = org.api_used
    clock.advance(15)
    res = eng.poll_once()
    assert res.health.state == HealthState.LIMIT_EXHAUSTED
    assert res.snapshot.runs  # the last good data stays
    assert (eng.next_delay() or 0) >= 240


def test_budget_governor_slows_then_suspends(clock: ManualClock) -> None:
    org = DemoOrg(seed=7, runs=40, clock=clock, frozen=True, api_limit=1000)
    eng = make_engine(org, clock)
    org.api_used = 850
    res = eng.poll_once()
    assert res.health.state == HealthState.LIMIT_LOW and res.health.interval == 30
    org.api_used = 960
    clock.advance(30)
    res = eng.poll_once()
    assert res.health.state == HealthState.LIMIT_EXHAUSTED
    assert eng.next_delay() is None  # suspended until the user asks
    eng.retry_now()
    assert eng.next_delay() == 0


def test_invalid_session_without_reauth_becomes_reauth_state(clock: ManualClock) -> None:
    org = DemoOrg(seed=7, runs=40, clock=clock, frozen=True)
    eng = make_engine(org, clock)
    eng.poll_once()

    def refuse() -> object:
        from flowstage_tui.errors import AuthNeeded

        raise AuthNeeded("The session expired; run `sf org login web -a demo`.",
                         command="sf org login web -a demo")

    eng.connection.login = refuse  # type: ignore[assignment]
    eng.connection.reauth = refuse  # type: ignore[assignment]
    assert eng.client is not None
    eng.client.reauth = refuse  # type: ignore[assignment]
    org.faults.update(session_expiry_calls=1)
    clock.advance(15)
    res = eng.poll_once()
    assert res.health.state == HealthState.REAUTH
    assert res.health.reauth_command == "sf org login web -a demo"
    assert res.snapshot.runs


def test_session_expiry_is_healed_by_reauth(clock: ManualClock) -> None:
    org = DemoOrg(seed=7, runs=40, clock=clock, frozen=True)
    eng = make_engine(org, clock)
    eng.poll_once()
    org.faults.update(session_expiry_calls=1)
    for _ in range(3):
        clock.advance(15)
        assert eng.poll_once().health.state == HealthState.LIVE


def test_keyset_paging_loads_older_runs(clock: ManualClock) -> None:
    org = DemoOrg(seed=7, runs=300, clock=clock, frozen=True)
    eng = make_engine(org, clock, page_size=100)
    first = eng.poll_once().snapshot
    more = eng.load_more()
    assert len(more.snapshot.runs) == 200
    ids = [r.id for r in more.snapshot.runs]
    assert ids[:100] == [r.id for r in first.runs] and len(set(ids)) == 200
    older = more.snapshot.runs[150]
    assert more.snapshot.stages[older.id]


def test_snapshot_is_immutable(clock: ManualClock) -> None:
    org = DemoOrg(seed=7, runs=20, clock=clock, frozen=True)
    snap: Snapshot = make_engine(org, clock).poll_once().snapshot
    with pytest.raises(TypeError):
        snap.stages["x"] = ()  # type: ignore[index]
    with pytest.raises(AttributeError):
        snap.runs = ()  # type: ignore[misc]


def test_stage_times_take_the_first_start_and_the_last_end() -> None:
    def entry(kind: str, minute: int, stage: str | None = "Review") -> LogEntry:
        return LogEntry(f"id{minute}", "run", kind, datetime(2026, 11, 28, 9, minute, tzinfo=UTC),
                        stage, None, None, None, None, None)

    log = (entry("StartInstance", 0, None), entry("StartStage", 1), entry("StartStep", 2),
           entry("FailStage", 3), entry("ResumeInstance", 4, None), entry("EndStage", 5),
           entry("StartStage", 6, "Ship"))
    times = stage_times(log)
    assert times["Review"] == (log[1].timestamp, log[5].timestamp)  # failed, resumed, ended
    assert times["Ship"] == (log[6].timestamp, None)
    # a stage whose first row is not its start (a work item assigned first, a log that
    # begins mid-stage) starts at its StartStage, or not at all
    late = (entry("AssignWorkItem", 1), entry("StartStage", 2), entry("EndStage", 3),
            entry("AssignWorkItem", 4, "Ship"), entry("DiscontinueStage", 5, "Ship"))
    assert stage_times(late) == {"Review": (late[1].timestamp, late[2].timestamp),
                                 "Ship": (None, late[4].timestamp)}


def test_a_work_item_joins_its_run_through_the_step_never_its_context_record(
        clock: ManualClock) -> None:
    """A work item row without the StepInstance path joins the run of the step the mirror
    holds; one with no step joins no run, even when its context record (RelatedRecordId) is
    a run the mirror holds: that is what the item is about, not where it belongs."""
    from flowstage_tui.engine.mirror import Changes

    org = DemoOrg(seed=7, runs=40, clock=clock, frozen=True)
    eng = make_engine(org, clock)
    snap = eng.poll_once().snapshot
    run = next(r for r in snap.runs if any(snap.steps.get(s.id) for s in snap.stages[r.id]))
    step = next(st for s in snap.stages[run.id] for st in snap.steps.get(s.id, ()))
    other = next(r for r in snap.runs if r.id != run.id)
    base = {"Status": "Assigned", "AssigneeId": org.admin_id, "Label": "x",
            "CreatedDate": "2026-11-27T10:00:00.000+0000",
            "LastModifiedDate": "2026-11-27T10:00:00.000+0000",
            "SystemModstamp": "2026-11-27T10:00:00.000+0000"}
    rows: list[dict[str, Any]] = [
        {**base, "Id": "0jRRM00000000AAAAA", "StepInstanceId": step.id,
         "RelatedRecordId": other.id},
        {**base, "Id": "0jRRM00000000AAAAB", "StepInstanceId": None, "StepInstance": None,
         "RelatedRecordId": other.id}]
    eng._m.apply_children(WORK, rows, Changes(), read_at=eng.clock())
    held = {wi.id: wi for items in eng._publish(ChangeSet(full=True)).snapshot
            .work_items.values() for wi in items}
    assert held["0jRRM00000000AAAAA"].run_id == run.id
    assert held["0jRRM00000000AAAAA"].context_id == other.id
    assert "0jRRM00000000AAAAB" not in held
