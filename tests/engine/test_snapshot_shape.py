"""What a snapshot looks like to the screen: the order of every table, which changes count
as changes, and what an idle poll refreshes. Orders are the documented ones: runs newest
first, stages by Position, steps and work items oldest first (ties by Id)."""

from __future__ import annotations

from dataclasses import replace

from flowstage_tui.emulator.clock import ManualClock
from flowstage_tui.emulator.org import DemoOrg
from flowstage_tui.engine.mirror import differs
from flowstage_tui.salesforce.capabilities import RUN, STAGE, STEP, WORK

from .conftest import make_engine
from .oracle import visible_rows


def test_every_table_is_in_its_documented_order(clock: ManualClock) -> None:
    org = DemoOrg(seed=5, runs=90, clock=clock, frozen=True)
    snap = make_engine(org, clock).poll_once().snapshot
    rows = visible_rows(org)
    assert [r.id for r in snap.runs] == [
        r["Id"] for r in sorted(rows[RUN].values(), key=lambda r: (r["CreatedDate"], r["Id"]),
                                reverse=True)]
    assert sum(len(v) for v in snap.stages.values()) == len(rows[STAGE])
    for run_id, stages in snap.stages.items():
        want = sorted((s for s in rows[STAGE].values()
                       if s["OrchestrationInstanceId"] == run_id),
                      key=lambda s: (s["Position"], s["Id"]))
        assert [s.id for s in stages] == [s["Id"] for s in want]
        assert [s.position for s in stages] == sorted(s.position for s in stages)
    for stage_id, steps in snap.steps.items():
        want = sorted((s for s in rows[STEP].values() if s["StageInstanceId"] == stage_id),
                      key=lambda s: (s["CreatedDate"], s["Id"]))
        assert [s.id for s in steps] == [s["Id"] for s in want]
    assert sum(len(v) for v in snap.steps.values()) == len(rows[STEP])
    for step_id, items in snap.work_items.items():
        want = sorted((w for w in rows[WORK].values() if w["StepInstanceId"] == step_id),
                      key=lambda w: (w["CreatedDate"], w["Id"]))
        assert [w.id for w in items] == [w["Id"] for w in want]
    assert sum(len(v) for v in snap.work_items.values()) == len(rows[WORK])
    multi = [s for s in snap.steps.values() if len(s) > 1]
    assert multi and any(len(v) > 1 for v in snap.stages.values())  # orders were tested


def test_an_idle_poll_keeps_the_tables_and_refreshes_when_it_was_taken(
        clock: ManualClock) -> None:
    org = DemoOrg(seed=5, runs=30, clock=clock, frozen=True)
    eng = make_engine(org, clock)
    first = eng.poll_once().snapshot
    clock.advance(15)
    res = eng.poll_once()
    second = res.snapshot
    assert res.changes.size == 0 and not res.changes.full
    assert second.runs is first.runs and second.stages is first.stages
    assert second.taken is not None and first.taken is not None
    assert (second.taken - first.taken).total_seconds() == 15
    assert dict(second.counts) == dict(first.counts) and second.more == first.more


def test_a_duration_or_elapsed_time_that_grew_is_not_a_change(clock: ManualClock) -> None:
    org = DemoOrg(seed=5, runs=30, clock=clock, frozen=True)
    snap = make_engine(org, clock).poll_once().snapshot
    run = snap.runs[0]
    assert not differs(run, replace(run, duration=(run.duration or 0) + 30))
    assert differs(run, replace(run, status="Error"))  # type: ignore[arg-type]
    assert differs(run, replace(run, duration=5, current_stage="Elsewhere"))
    item = next(w for group in snap.work_items.values() for w in group)
    assert not differs(item, replace(item, seconds_assigned=(item.seconds_assigned or 0) + 9,
                                      assigned_since=None))
    assert differs(item, replace(item, assignee_id="005NEW"))
    stage = next(s for group in snap.stages.values() for s in group)
    assert not differs(stage, stage)
    assert differs(stage, replace(stage, label="Renamed"))
