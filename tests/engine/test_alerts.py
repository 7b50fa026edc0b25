"""Watch rules on the engine's snapshots, against the demo org: an alert is an edge (a run
entering a watched status, a work item starting to match), the first snapshot is the
baseline, and `orchestration` narrows as the run filter does."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from flowstage_tui.config.watch_rules import WatchRule
from flowstage_tui.emulator.clock import ManualClock
from flowstage_tui.emulator.org import DemoOrg
from flowstage_tui.engine.alerts import AlertWatch, RunAlert, WorkAlert, work_matches
from flowstage_tui.engine.state import Snapshot
from flowstage_tui.engine.sync import SyncEngine
from flowstage_tui.salesforce.work import Flag

from .conftest import make_engine

ERRORS = WatchRule(1, "failures", statuses=("Error",))


def fail(org: DemoOrg, run_id: str) -> None:
    with org.lock:
        record = org.store.get("FlowOrchestrationInstance", run_id)
        assert record is not None
        org.lifecycle.fail_run(record, org.now_ms(), "UNABLE_TO_LOCK_ROW: in a test\nline 2")


def poll(eng: SyncEngine, clock: ManualClock, seconds: float = 30) -> Snapshot:
    clock.advance(seconds)
    res = eng.poll_once()
    assert res.health.ok, res.health.message
    return res.snapshot


def test_a_run_entering_a_watched_status_alerts_once(org: DemoOrg, clock: ManualClock) -> None:
    eng = make_engine(org, clock)
    watch = AlertWatch((ERRORS,))
    first = eng.poll_once().snapshot
    assert any(str(r.status) == "Error" for r in first.runs)
    assert watch.evaluate(first) == []  # already failed when the watch began: the baseline
    run = next(r for r in first.runs if str(r.status) == "InProgress" and r.current_stage)
    fail(org, run.id)
    (alert,) = watch.evaluate(poll(eng, clock))
    assert isinstance(alert, RunAlert)
    assert alert.run.id == run.id and alert.previous == "InProgress"
    assert alert.error == "UNABLE_TO_LOCK_ROW: in a test"  # the first line
    assert alert.stage_label is not None
    assert watch.evaluate(poll(eng, clock)) == []  # still Error: no second alert


def test_orchestration_narrows_by_developer_name_or_label(org: DemoOrg,
                                                         clock: ManualClock) -> None:
    eng = make_engine(org, clock)
    first = eng.poll_once().snapshot
    run = next(r for r in first.runs if str(r.status) == "InProgress" and r.label)
    assert run.label and run.orchestration
    other = next(r.orchestration for r in first.runs if r.orchestration != run.orchestration)
    rules = (replace(ERRORS, index=1, orchestration=other),
             replace(ERRORS, index=2, orchestration=run.label.upper()[2:8]),
             replace(ERRORS, index=3, orchestration=run.orchestration.lower()))
    watch = AlertWatch(rules)
    watch.evaluate(first)
    fail(org, run.id)
    fired = [a.rule.index for a in watch.evaluate(poll(eng, clock))]
    assert fired == [2, 3]


def test_a_run_that_enters_the_window_by_changing_alerts(org: DemoOrg,
                                                         clock: ManualClock) -> None:
    """With a status filter (the profile's `status = "Error"`), a run that fails comes into
    the window rather than changing in it; one paged into view, long failed, does not."""
    eng = make_engine(org, clock)
    snap = eng.poll_once().snapshot
    failed = [r for r in snap.runs if str(r.status) == "Error"]
    assert failed and snap.taken is not None
    old, fresh = failed[-1], replace(failed[0], modified=snap.taken)
    assert old.modified < snap.taken - timedelta(minutes=5)
    before = replace(snap, runs=tuple(r for r in snap.runs if r.id not in (old.id, fresh.id)))
    after = replace(snap, runs=tuple(fresh if r.id == fresh.id else r for r in snap.runs),
                    taken=snap.taken + timedelta(seconds=15))
    watch = AlertWatch((ERRORS,))
    watch.evaluate(before)
    alerts = watch.evaluate(after)
    assert [a.run.id for a in alerts if isinstance(a, RunAlert)] == [fresh.id]
    assert isinstance(alerts[0], RunAlert) and alerts[0].previous is None


def test_a_work_item_held_past_the_rule_alerts_when_it_crosses(org: DemoOrg,
                                                              clock: ManualClock) -> None:
    eng = make_engine(org, clock)
    eng.set_work_mode(True)
    first = eng.poll_once().snapshot
    assert first.work is not None and first.work.rows
    row = first.work.rows[len(first.work.rows) // 2]
    rule = WatchRule(1, "held", held=timedelta(seconds=row.held_seconds + 20))
    watch = AlertWatch((rule,))
    assert watch.needs_work
    assert watch.evaluate(first) == []  # the baseline, though longer-held items match
    alerts = watch.evaluate(poll(eng, clock))
    crossed = [a for a in alerts if isinstance(a, WorkAlert)]
    assert row.item.id in {a.row.item.id for a in crossed}
    longer = {r.item.id for r in first.work.rows if r.held_seconds > row.held_seconds + 20}
    assert longer and not longer & {a.row.item.id for a in crossed}  # they matched already
    again = watch.evaluate(poll(eng, clock, 1))  # still held too long: no second alert
    assert row.item.id not in {a.row.item.id for a in again if isinstance(a, WorkAlert)}


def test_stuck_work_matches_flagged_items_narrowed_by_flags(org: DemoOrg,
                                                           clock: ManualClock) -> None:
    eng = make_engine(org, clock)
    eng.set_work_mode(True)
    queue = eng.poll_once().snapshot.work
    assert queue is not None
    flagged = [r for r in queue.rows if r.flags]
    clean = [r for r in queue.rows if not r.flags]
    assert flagged and clean
    anything = WatchRule(1, "stuck", stuck_work=True)
    inactive = WatchRule(2, "inactive", stuck_work=True, flags=("inactive",))
    assert all(work_matches(anything, r, None) for r in flagged)
    assert not any(work_matches(anything, r, None) for r in clean)
    assert {r.item.id for r in queue.rows if work_matches(inactive, r, None)} == \
        {r.item.id for r in queue.rows if Flag.INACTIVE in r.flags}
    both = WatchRule(3, "long and flagged", stuck_work=True, held=timedelta(days=3650))
    assert not any(work_matches(both, r, None) for r in queue.rows)  # every condition holds


def test_no_work_queue_yet_keeps_the_baseline_unset(org: DemoOrg, clock: ManualClock) -> None:
    """A poll without the queue (work mode off, or it failed) neither alerts nor makes a
    baseline: the first queue seen is still the baseline."""
    eng = make_engine(org, clock)
    rule = WatchRule(1, "stuck", stuck_work=True)
    watch = AlertWatch((rule,))
    assert watch.evaluate(eng.poll_once().snapshot) == []
    eng.set_work_mode(True)
    assert watch.evaluate(poll(eng, clock)) == []  # every flagged item: the baseline
