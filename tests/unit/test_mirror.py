"""The mirror on its own, with rows written by hand: what each edit marks, how children join
their runs, the window's trim, where watermarks start, and the snapshot it publishes (its
fast path when nothing moved, its order, work items without a step)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from flowstage_tui.engine.mirror import Changes, Mirror
from flowstage_tui.engine.state import ChangeSet, Snapshot
from flowstage_tui.salesforce.capabilities import RUN, STAGE, STEP, WORK
from flowstage_tui.salesforce.models import (
    InterviewError,
    Run,
    RunStatus,
    StageRun,
    StageStatus,
    WorkItem,
    WorkItemStatus,
)
from flowstage_tui.salesforce.queries import RunFilter

T0 = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def sf(minutes: float) -> str:
    return at(minutes).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def run(rid: str, created: float, status: RunStatus = RunStatus.IN_PROGRESS,
        duration: int | None = None, modstamp: float | None = None) -> Run:
    return Run(id=rid, name=rid, status=status, orchestration="O", label=None,
               current_stage=None, created=at(created), modified=at(created),
               modstamp=at(created if modstamp is None else modstamp), duration=duration,
               interview_id=None)


def stage_row(sid: str, run_id: str, position: int, modstamp: float = 0) -> dict[str, Any]:
    return {"Id": sid, "OrchestrationInstanceId": run_id, "Name": sid, "Position": position,
            "Status": "InProgress", "CreatedDate": sf(0), "SystemModstamp": sf(modstamp)}


def step_row(sid: str, run_id: str, stage_id: str, created: float) -> dict[str, Any]:
    return {"Id": sid, "OrchestrationInstanceId": run_id, "StageInstanceId": stage_id,
            "Name": sid, "Status": "InProgress", "CreatedDate": sf(created),
            "SystemModstamp": sf(created)}


def work_row(wid: str, step_id: str | None, run_id: str | None, created: float,
             elapsed: int | None = None) -> dict[str, Any]:
    return {"Id": wid, "StepInstanceId": step_id,
            "StepInstance": {"OrchestrationInstanceId": run_id} if run_id else None,
            "Status": "Assigned", "AssigneeId": "005x", "CreatedDate": sf(created),
            "SystemModstamp": sf(created), "ElapsedTimeSinceAsgntInSec": elapsed}


def marks(changes: Changes) -> dict[str, dict[str, set[str]]]:
    return {"added": changes.added, "changed": changes.changed, "removed": changes.removed}


def test_a_run_is_added_changed_only_for_real_and_its_error_follows() -> None:
    m, c = Mirror(), Changes()
    m.put_run(run("r1", 0), None, c)
    assert marks(c) == {"added": {RUN: {"r1"}}, "changed": {}, "removed": {}}
    c = Changes()
    m.put_run(run("r1", 0, duration=30), None, c)  # a duration that grew: not a change
    m.put_run(run("r1", 0, duration=31), None, c)
    assert marks(c) == {"added": {}, "changed": {}, "removed": {}}
    err = InterviewError("r1", "0Fo1", "Error", "boom", None)
    m.put_run(run("r1", 0, duration=31), err, c)  # the same run, now with an error
    assert c.changed == {RUN: {"r1"}} and m.errors == {"r1": err}
    c = Changes()
    m.put_run(run("r1", 0, duration=31), None, c)  # the error went
    assert c.changed == {RUN: {"r1"}} and m.errors == {}


def test_children_join_their_run_and_rows_of_other_runs_only_move_the_watermark() -> None:
    m, c = Mirror(), Changes()
    m.put_run(run("r1", 0), None, c)
    c = Changes()
    m.apply_children(STAGE, [stage_row("s1", "r1", 1, 5), stage_row("sx", "other", 1, 9)], c,
                     read_at=at(10))
    assert set(m.stages) == {"s1"} and c.added == {STAGE: {"s1"}}
    assert m.watermarks == {STAGE: at(9)}  # the row not kept was still read
    m.apply_children(STEP, [step_row("p1", "r1", "s1", 1)], c, read_at=at(10))
    # a work item row without the parent path joins the run of the step the mirror holds
    m.apply_children(WORK, [work_row("w1", "p1", None, 2, elapsed=60),
                            work_row("w2", None, None, 2)], c, read_at=at(10))
    assert set(m.items) == {"w1"} and m.items["w1"].run_id == "r1"
    assert m.items["w1"].assigned_since == at(9)  # read at 10:10, assigned a minute before
    c = Changes()
    m.apply_children(WORK, [work_row("w1", "p1", "r1", 2, elapsed=90)], c, read_at=at(10.5))
    assert marks(c) == {"added": {}, "changed": {}, "removed": {}}  # only the clock moved
    m.apply_children(STAGE, [{**stage_row("s1", "r1", 1, 6), "Status": "Completed"}], c,
                     read_at=at(11))
    assert c.changed == {STAGE: {"s1"}}


def test_a_run_dropped_takes_its_error_and_children_and_nothing_else() -> None:
    m, c = Mirror(), Changes()
    for rid in ("r1", "r2"):
        m.put_run(run(rid, 0), InterviewError(rid, "0Fo", "Error", "x", None), c)
        m.apply_children(STAGE, [stage_row(f"s-{rid}", rid, 1)], c, read_at=at(1))
        m.apply_children(STEP, [step_row(f"p-{rid}", rid, f"s-{rid}", 1)], c, read_at=at(1))
        m.apply_children(WORK, [work_row(f"w-{rid}", f"p-{rid}", rid, 1)], c, read_at=at(1))
    c = Changes()
    m.drop_run("r1", c)
    assert c.removed == {RUN: {"r1"}, STAGE: {"s-r1"}, STEP: {"p-r1"}, WORK: {"w-r1"}}
    assert set(m.runs) == set(m.errors) == {"r2"}
    assert (set(m.stages), set(m.steps), set(m.items)) == ({"s-r2"}, {"p-r2"}, {"w-r2"})
    c = Changes()
    m.drop_child(STAGE, "nope", c)  # not held: no mark
    assert c.removed == {}


def test_the_window_keeps_its_newest_runs() -> None:
    m, c = Mirror(), Changes()
    for i in range(5):
        m.put_run(run(f"r{i}", i), None, c)
    m.put_run(run("r4b", 4), None, c)  # same CreatedDate as r4: the Id breaks the tie
    c = Changes()
    m.trim(6, c)
    at_limit = (dict(c.removed), m.more)
    m.trim(3, c)
    assert at_limit == ({}, False)  # at the limit, nothing goes
    assert set(m.runs) == {"r4", "r4b", "r3"} and m.more
    assert c.removed == {RUN: {"r0", "r1", "r2"}}
    assert m.last_key() == (at(3), "r3") and m.oldest_created() == at(3)
    assert Mirror().last_key() is None and Mirror().oldest_created() is None


def test_watermarks_start_at_the_newest_change_seen_or_the_org_clock() -> None:
    m, c = Mirror(), Changes()
    m.start_watermarks(at(99))
    assert m.watermarks == dict.fromkeys((RUN, STAGE, STEP, WORK), at(99))
    assert m.deleted_mark == at(99)
    m.put_run(run("r1", 0, modstamp=3), None, c)
    m.apply_children(STAGE, [stage_row("s1", "r1", 1, modstamp=7)], c, read_at=at(8))
    m.start_watermarks(at(99))
    assert m.watermarks == dict.fromkeys((RUN, STAGE, STEP, WORK), at(7))
    assert m.deleted_mark == at(7)
    m.bump(RUN, at(5))  # never backwards
    assert m.watermarks[RUN] == at(7)


def test_a_copy_is_left_alone_by_later_edits() -> None:
    m, c = Mirror(), Changes()
    m.put_run(run("r1", 0), None, c)
    m.start_watermarks(at(1))
    saved = m.copy()
    m.put_run(run("r2", 1), None, c)
    m.bump(RUN, at(5))
    m.counts["Error"] = 3
    assert set(saved.runs) == {"r1"} and saved.watermarks[RUN] == at(0)
    assert saved.counts == {}
    old, new = saved, m
    c = Changes()
    Mirror(runs={"r2": new.runs["r2"]}).note_removed_since(old, c)
    assert c.removed == {RUN: {"r1"}}


FLT = RunFilter()


def published(m: Mirror, prev: Snapshot | None = None,
              changes: ChangeSet | None = None, flt: RunFilter = FLT,
              taken: datetime = T0) -> Snapshot:
    return m.snapshot(prev or Snapshot.empty(flt), changes or ChangeSet(full=True), flt=flt,
                      org=None, taken=taken)


def filled() -> Mirror:
    m, c = Mirror(), Changes()
    m.put_run(run("r1", 0), None, c)
    m.put_run(run("r2", 1), None, c)
    m.apply_children(STAGE, [stage_row("s2", "r1", 2), stage_row("s1", "r1", 1),
                             stage_row("s0", "r1", 1)], c, read_at=at(5))
    m.apply_children(STEP, [step_row("p2", "r1", "s1", 2), step_row("p1", "r1", "s1", 1)], c,
                     read_at=at(5))
    m.apply_children(WORK, [work_row("w2", "p1", "r1", 2), work_row("w1", "p1", "r1", 1)], c,
                     read_at=at(5))
    m.apply_counts([{"Status": "InProgress", "expr0": 2}, {"Status": "Error", "expr0": None}])
    return m


def test_the_snapshot_in_screen_order() -> None:
    snap = published(filled())
    assert [r.id for r in snap.runs] == ["r2", "r1"]  # newest first
    assert [s.id for s in snap.stages["r1"]] == ["s0", "s1", "s2"]  # Position, then Id
    assert [s.id for s in snap.steps["s1"]] == ["p1", "p2"]  # oldest first
    assert [w.id for w in snap.work_items["p1"]] == ["w1", "w2"]
    assert dict(snap.counts) == {"InProgress": 2, "Error": 0}
    assert (snap.filter, snap.taken, snap.more) == (FLT, T0, False)


def test_a_work_item_without_a_step_is_published_under_no_step() -> None:
    m = filled()
    orphan = WorkItem(id="w9", step_id=None, run_id="r1", label=None,
                      status=WorkItemStatus.ASSIGNED, assignee_id="005x", assignee_name=None,
                      assignee_type=None, assignee_active=None, created=at(0),
                      modified=at(0), modstamp=at(0), seconds_assigned=None)
    m.items["w9"] = orphan
    assert published(m).work_items[""] == (orphan,)


def test_when_nothing_moved_the_tables_are_kept_and_only_counts_and_time_refresh() -> None:
    m = filled()
    first = published(m)
    m.apply_counts([{"Status": "InProgress", "expr0": 5}])
    m.more = True
    same = published(m, first, ChangeSet(), taken=at(1))
    assert same.runs is first.runs and same.stages is first.stages
    assert same.steps is first.steps and same.work_items is first.work_items
    assert (dict(same.counts), same.taken, same.more) == ({"InProgress": 5}, at(1), True)


def test_the_tables_are_rebuilt_whenever_something_may_have_moved() -> None:
    m = filled()
    first = published(m)
    moved = ChangeSet(changed={STAGE: frozenset({"s1"})})
    assert published(m, first, moved).stages is not first.stages
    assert published(m, first, ChangeSet(full=True)).stages is not first.stages
    never = replace(first, taken=None)  # as if never published
    assert published(m, never, ChangeSet()).stages is not first.stages
    other = RunFilter(statuses=("Error",))
    again = published(m, first, ChangeSet(), flt=other)
    assert again.filter == other and again.stages is not first.stages
    # the fast path trusts the change marks (every edit makes one): an unmarked edit of a
    # child goes unseen, a run count that moved does not
    stage_s0 = m.stages.pop("s0")
    assert published(m, first, ChangeSet()).stages is first.stages
    m.stages["s0"] = stage_s0
    del m.runs["r2"]
    fewer = published(m, first, ChangeSet())
    assert [r.id for r in fewer.runs] == ["r1"]


def test_a_stage_row_with_its_status_as_a_model() -> None:
    m, c = Mirror(), Changes()
    m.put_run(run("r1", 0), None, c)
    m.apply_children(STAGE, [stage_row("s1", "r1", 3)], c, read_at=at(1))
    assert m.stages["s1"] == StageRun(id="s1", run_id="r1", name="s1", label="s1", position=3,
                                      status=StageStatus.IN_PROGRESS, created=at(0),
                                      modified=datetime(1970, 1, 1, tzinfo=UTC),
                                      modstamp=at(0))
