"""What the engine promises where the demo org's ordinary behaviour never tests it: late commits,
error storms, paged composite answers, picklist values Salesforce adds later, the budget
governor's thresholds and status counts under a status filter. Expected values come from the
org's own records (brute force) or from the documented thresholds, never from the engine."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from flowstage_tui.emulator.clock import ManualClock, sf_to_ms
from flowstage_tui.emulator.org import DemoOrg
from flowstage_tui.emulator.triage_data import STUCK_RUNS
from flowstage_tui.engine.state import HealthState, Snapshot
from flowstage_tui.engine.sync import SyncEngine
from flowstage_tui.salesforce.capabilities import RUN, STAGE, STEP, WORK
from flowstage_tui.salesforce.client import SubResult
from flowstage_tui.salesforce.models import RunStatus
from flowstage_tui.salesforce.queries import RunFilter

from .conftest import make_engine
from .oracle import assert_mirror_is_org


def newest_modstamp(snap: Snapshot) -> datetime:
    """The newest SystemModstamp the engine has seen: where its watermarks start."""
    rows: list[Any] = list(snap.runs)
    for table in (snap.stages, snap.steps, snap.work_items):
        for group in table.values():
            rows.extend(group)
    newest: datetime = max(r.modstamp for r in rows)
    return newest


def ms(when: datetime) -> int:
    return int(when.timestamp() * 1000)


def store_rows(org: DemoOrg, obj: str) -> list[dict[str, Any]]:
    with org.lock:
        org.store.ensure_all()
        return list(org.store.table(obj).rows.values())


# ---------------------------------------------------------------- commit lag (OVERLAP)
def test_a_change_committed_after_the_poll_that_passed_its_modstamp_is_still_seen(
        clock: ManualClock) -> None:
    """On a busy org a transaction's SystemModstamp is taken when it starts and the row becomes
    visible when it commits, seconds later: a poll in between moves the watermark past a row
    it could not see. The demo org commits instantly, so the test writes such a row itself:
    modified 30 s before the watermark, visible only after that poll."""
    org = DemoOrg(seed=7, runs=50, clock=clock, frozen=True)
    eng = make_engine(org, clock)
    first = eng.poll_once().snapshot
    clock.advance(15)
    assert eng.poll_once().changes.size == 0
    victim = next(r for r in first.runs if r.status == RunStatus.IN_PROGRESS)
    lagged = newest_modstamp(first) - timedelta(seconds=30)
    with org.lock:
        org.store.update(RUN, victim.id, {"Status": "Completed"}, ms(lagged), org.admin_id)
    clock.advance(15)
    res = eng.poll_once()
    assert res.health.state == HealthState.LIVE
    assert victim.id in res.changes.changed[RUN]
    run = res.snapshot.run(victim.id)
    assert run is not None and run.status == RunStatus.COMPLETED


# ---------------------------------------------------------------- composite error subresponses
Outcomes = list[list[int]]


def record_subresponses(eng: SyncEngine) -> Outcomes:
    """Every composite call's subresponse statuses, poll by poll (read, not changed)."""
    client = eng.client
    assert client is not None
    seen: Outcomes = []
    real = client.composite

    def composite(subs: Any, **kw: Any) -> dict[str, SubResult]:
        res = real(subs, **kw)
        seen.append([r.status for r in res.values()])
        return res

    client.composite = composite  # type: ignore[method-assign,assignment]
    return seen


def test_one_failed_subrequest_makes_the_poll_stale_and_a_good_poll_recovers(
        clock: ManualClock, feed_history: bool) -> None:
    """The org answers the composite call 200 with one subrequest failed (500 inside) and
    the others fine: the poll is STALE, saying which query, and keeps the last good data;
    the next poll whose subrequests all succeed is LIVE again, with a mirror that matches
    the org (which kept changing meanwhile)."""
    org = DemoOrg(seed=5, runs=120, clock=clock, pace=2.0, feed_history=feed_history)
    eng = make_engine(org, clock, page_size=100)
    eng.poll_once()
    seen = record_subresponses(eng)
    org.faults.update(subrequest_error_rate=0.3)
    mixed = recovered = 0
    previous = HealthState.LIVE
    for _ in range(20):
        clock.advance(15)
        eng.retry_now()
        before = eng.snapshot
        calls = len(seen)
        res = eng.poll_once()
        statuses = [s for call in seen[calls:] for s in call]
        failed = any(s >= 400 for s in statuses)
        if failed:
            assert res.health.state == HealthState.STALE, res.health
            assert "UNKNOWN_EXCEPTION" in res.health.message
            assert res.health.detail and "SELECT" in res.health.detail  # the query refused
            assert res.snapshot is before  # the last good data stays, untouched
            mixed += any(s == 200 for s in statuses)
        else:
            assert res.health.state == HealthState.LIVE, res.health.message
            assert_mirror_is_org(res.snapshot, org, page_size=100)
            recovered += previous == HealthState.STALE
        previous = res.health.state
    assert mixed and recovered  # both paths really ran
    org.faults.update(subrequest_error_rate=0.0)
    clock.advance(15)
    eng.retry_now()
    res = eng.poll_once()
    assert res.health.state == HealthState.LIVE and res.health.failures == 0
    assert_mirror_is_org(res.snapshot, org, page_size=100)


def test_a_poll_refused_midway_applies_nothing_and_loses_no_change(
        clock: ManualClock, feed_history: bool) -> None:
    """Runs come back, the stages subrequest fails: nothing of that poll may stick. Before,
    its runs were written into the mirror (and their watermark moved), so the next good poll
    found them unchanged and never reported them: the runs table kept the old row."""
    org = DemoOrg(seed=7, runs=40, clock=clock, frozen=True, feed_history=feed_history)
    eng = make_engine(org, clock)
    snap = eng.poll_once().snapshot
    run = next(r for r in snap.runs if r.status == RunStatus.IN_PROGRESS)
    stage = next(s for s in snap.stages[run.id] if s.status == "InProgress")
    clock.advance(5)
    with org.lock:
        org.store.update(RUN, run.id, {"Status": "Error"}, org.now_ms(), org.admin_id)
        org.store.update(STAGE, stage.id, {"Status": "Error"}, org.now_ms(), org.admin_id)
    client = eng.client
    assert client is not None
    real = client.composite

    def stages_refused(subs: Any, **kw: Any) -> dict[str, SubResult]:
        res = real(subs, **kw)
        res[STAGE] = SubResult(500, [{"errorCode": "UNKNOWN_EXCEPTION", "message": "boom"}],
                               res[STAGE].soql)
        return res

    client.composite = stages_refused  # type: ignore[method-assign,assignment]
    clock.advance(10)
    failed = eng.poll_once()
    assert failed.health.state == HealthState.STALE
    client.composite = real  # type: ignore[method-assign]
    clock.advance(15)
    eng.retry_now()
    res = eng.poll_once()
    assert res.health.state == HealthState.LIVE
    assert run.id in res.changes.ids(RUN) and stage.id in res.changes.ids(STAGE)
    after = res.snapshot.run(run.id)
    assert after is not None and after.status == RunStatus.ERROR
    assert_mirror_is_org(res.snapshot, org, page_size=200)


# ---------------------------------------------------------------- error storm
def hard_delete(org: DemoOrg, obj: str, rid: str) -> None:
    """Delete a row and empty it from the recycle bin (Database.emptyRecycleBin): queryAll
    never names it; only a reload can tell it is gone."""
    with org.lock:
        org.store.delete(obj, rid, org.now_ms())
        table = org.store.table(obj)
        table.deleted.pop(rid)
        table.delete_log = [(i, t) for i, t in table.delete_log if i != rid]


@pytest.mark.parametrize(("failures", "reloads"), [(4, False), (5, True), (6, True)])
def test_the_first_good_poll_after_five_failures_in_a_row_reloads_everything(
        clock: ManualClock, failures: int, reloads: bool) -> None:
    """After a long outage the incremental window cannot be trusted (missed deletions, a
    watermark from long ago): from the fifth consecutive failure on, the next success is a full
    load, and the mirror is the org's again, a run deleted for good meanwhile gone; fewer
    failures resume incrementally."""
    org = DemoOrg(seed=7, runs=40, clock=clock, frozen=True)
    eng = make_engine(org, clock)
    victim = eng.poll_once().snapshot.runs[5].id
    org.faults.update(error_rate=1.0)
    for _ in range(failures):
        clock.advance(15)
        assert not eng.poll_once().health.ok
    hard_delete(org, RUN, victim)
    org.faults.clear()
    clock.advance(15)
    eng.retry_now()
    res = eng.poll_once()
    assert res.health.state == HealthState.LIVE
    assert res.changes.full is reloads
    if reloads:
        assert victim in res.changes.removed[RUN] and res.snapshot.run(victim) is None
        assert_mirror_is_org(res.snapshot, org, page_size=200)
    else:  # what the reload is for: nothing else can see this deletion
        assert res.snapshot.run(victim) is not None


# ---------------------------------------------------------------- deletions
def test_after_weeks_asleep_the_first_poll_resyncs_and_drops_what_the_bin_forgot(
        clock: ManualClock, feed_history: bool) -> None:
    """A laptop closed for 16 days: a run deleted on its first day left the recycle bin
    after 15, so queryAll cannot name it. The first poll after waking reloads (not the one
    after it), and the deleted run is gone from it."""
    org = DemoOrg(seed=7, runs=40, clock=clock, frozen=True, feed_history=feed_history)
    eng = make_engine(org, clock)
    snap = eng.poll_once().snapshot
    victim = snap.runs[2].id
    clock.advance(86_400)
    with org.lock:
        org.store.delete(RUN, victim, org.now_ms())
    clock.advance(15 * 86_400)
    res = eng.poll_once()
    assert res.health.state == HealthState.LIVE
    assert res.changes.full and victim in res.changes.removed[RUN]
    assert res.snapshot.run(victim) is None
    assert_mirror_is_org(res.snapshot, org, page_size=200)


def test_a_quiet_org_polled_for_weeks_is_never_reloaded(clock: ManualClock) -> None:
    """Nothing changes in the org for 20 days while the client keeps polling (and checking
    deletions): its newest SystemModstamp grows old, but nothing was missed, so no poll is a
    full reload (each used to be, from day 15 on, for as long as the org stayed quiet)."""
    org = DemoOrg(seed=7, runs=40, clock=clock, frozen=True)
    eng = make_engine(org, clock)
    eng.poll_once()
    for _ in range(20 * 4):
        clock.advance(6 * 3600)
        res = eng.poll_once()
        assert res.health.state == HealthState.LIVE
        assert not res.changes.full


def test_deleting_only_children_drops_exactly_those(clock: ManualClock,
                                                     feed_history: bool) -> None:
    """Two stages of a run are deleted (with their steps and work items, as Salesforce
    cascades), the run and its other stages stay: the deletion check drops exactly the
    deleted rows, nothing of the rest."""
    org = DemoOrg(seed=7, runs=50, clock=clock, frozen=True, feed_history=feed_history)
    eng = make_engine(org, clock)
    snap = eng.poll_once().snapshot
    run = next(r for r in snap.runs if len(snap.stages.get(r.id, ())) >= 3)
    doomed = snap.stages[run.id][:2]
    steps = [st for s in doomed for st in snap.steps.get(s.id, ())]
    items = [w for st in steps for w in snap.work_items.get(st.id, ())]
    assert steps  # the cascade has something to drop below the stages
    with org.lock:
        for obj, rows in ((WORK, items), (STEP, steps), (STAGE, doomed)):
            for row in rows:
                org.store.delete(obj, row.id, org.now_ms())
    clock.advance(6 * 60)  # past the deletion check's 5 minutes
    res = eng.poll_once()
    assert res.health.state == HealthState.LIVE
    assert res.changes.removed.get(STAGE) == frozenset(s.id for s in doomed)
    assert res.changes.removed.get(STEP) == frozenset(s.id for s in steps)
    assert res.changes.removed.get(WORK, frozenset()) == {w.id for w in items}
    assert RUN not in res.changes.removed and res.snapshot.run(run.id) is not None
    assert [s.id for s in res.snapshot.stages[run.id]] == \
        [s.id for s in snap.stages[run.id][2:]]
    assert_mirror_is_org(res.snapshot, org, page_size=200)


# ---------------------------------------------------------------- budget governor
@pytest.mark.parametrize(("used", "state", "interval"), [
    (790, HealthState.LIVE, 15), (799, HealthState.LIVE, 15),
    (800, HealthState.LIMIT_LOW, 30), (810, HealthState.LIMIT_LOW, 30),
    (940, HealthState.LIMIT_LOW, 30), (949, HealthState.LIMIT_LOW, 30),
    (950, HealthState.LIMIT_EXHAUSTED, 15), (960, HealthState.LIMIT_EXHAUSTED, 15),
])
def test_budget_governor_slows_from_80_percent_and_stops_from_95(
        clock: ManualClock, used: int, state: HealthState, interval: float) -> None:
    org = DemoOrg(seed=7, runs=40, clock=clock, frozen=True, api_limit=1000)
    eng = make_engine(org, clock)
    eng.poll_once()
    org.api_used = used - 1  # the idle poll itself is the one call that reaches `used`
    clock.advance(15)
    res = eng.poll_once()
    assert (res.health.api_used, res.health.api_limit) == (used, 1000)
    assert res.health.state == state
    assert res.health.interval == interval
    assert (eng.next_delay() is None) is (state == HealthState.LIMIT_EXHAUSTED)


# ---------------------------------------------------------------- unknown picklist values
def test_a_run_status_salesforce_adds_later_reaches_the_snapshot(clock: ManualClock) -> None:
    """A new Status value in a future release must not break every poll: it passes through as
    a status the app does not know, on the incremental path and on a full load."""
    org = DemoOrg(seed=7, runs=40, clock=clock, frozen=True)
    eng = make_engine(org, clock)
    victim = eng.poll_once().snapshot.runs[0].id
    clock.advance(1)
    with org.lock:
        org.store.update(RUN, victim, {"Status": "Paused"}, org.now_ms(), org.admin_id)
    for engine in (eng, make_engine(org, clock)):
        clock.advance(15)
        res = engine.poll_once()
        assert res.health.state == HealthState.LIVE, res.health.message
        run = res.snapshot.run(victim)
        assert run is not None and run.status == "Paused" and not run.status.known


# ---------------------------------------------------------------- paged composite results
def test_paged_composite_subresults_bring_every_row(clock: ManualClock,
                                                     feed_history: bool) -> None:
    """The org answers every query in batches of 40 rows (Salesforce may send fewer than it
    was asked for): each composite subresult comes back done=false with a nextRecordsUrl,
    which the engine follows, on the full load and on the incremental poll alike."""
    org = DemoOrg(seed=7, runs=300, clock=clock, pace=1.0, feed_history=feed_history)
    org.faults.update(query_batch_size=40)
    total = 300 + STUCK_RUNS  # the demo org's stuck runs come on top of the 300
    eng = make_engine(org, clock, page_size=total)
    mark = len(org.request_log)
    res = eng.poll_once()
    assert res.health.state == HealthState.LIVE, res.health.message
    more = [r.path for r in org.request_log[mark:] if "/query/" in r.path]
    assert len(more) > 300 // 40  # the runs alone take 8 batches; stages and steps more
    assert_mirror_is_org(res.snapshot, org, page_size=total)
    runs = store_rows(org, RUN)
    assert {r.id for r in res.snapshot.runs} == {r["Id"] for r in runs}
    got = {s.id for group in res.snapshot.stages.values() for s in group}
    assert got == {s["Id"] for s in store_rows(org, STAGE)}
    clock.advance(120)  # a busy two minutes: more than 40 rows change
    mark = len(org.request_log)
    res = eng.poll_once()
    assert any("/query/" in r.path for r in org.request_log[mark:])
    assert_mirror_is_org(res.snapshot, org, page_size=300)


# ---------------------------------------------------------------- status counts
SINCE = datetime(2026, 11, 20, tzinfo=UTC)


@pytest.mark.parametrize("flt", [
    RunFilter(statuses=("Error",)),
    RunFilter(statuses=("InProgress", "Suspended")),
    RunFilter(statuses=("Completed",), since=SINCE),
], ids=["error", "open", "completed-since"])
def test_status_counts_under_a_status_filter_count_every_status(
        org: DemoOrg, clock: ManualClock, flt: RunFilter) -> None:
    """The status bar's counts answer "how many of each" for the rest of the filter: the
    status filter itself must not narrow them (else every other status reads 0)."""
    since_ms = sf_to_ms(f"{SINCE:%Y-%m-%dT%H:%M:%SZ}") if flt.since else None
    expected = Counter(str(r["Status"]) for r in store_rows(org, RUN)
                       if since_ms is None or r["CreatedDate"] >= since_ms)
    assert len(expected) >= 3  # several statuses, or the test shows nothing
    eng = make_engine(org, clock, flt=flt)
    assert dict(eng.poll_once().snapshot.counts) == dict(expected)
    clock.advance(15)
    assert dict(eng.poll_once().snapshot.counts) == dict(expected)  # the incremental query too
