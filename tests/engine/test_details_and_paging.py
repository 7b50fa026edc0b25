"""The detail tabs' one call and the older-runs page, each held against the demo org's own
records (read from its store, mapped by hand), not against a second engine."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from flowstage_tui.emulator.clock import ManualClock
from flowstage_tui.emulator.org import DemoOrg
from flowstage_tui.emulator.triage_data import STUCK_RUNS
from flowstage_tui.engine.state import HealthState
from flowstage_tui.errors import FlowstageError, QueryRefused
from flowstage_tui.salesforce.capabilities import RUN, STAGE, STEP, WORK
from flowstage_tui.salesforce.models import StageDetails, StageRun

from .conftest import make_engine
from .oracle import assert_mirror_is_org

LOG = "FlowOrchestrationLog"


def dt(epoch_ms: int | None) -> datetime | None:
    return None if epoch_ms is None else datetime.fromtimestamp(epoch_ms / 1000, UTC)


def rows(org: DemoOrg, obj: str, **match: Any) -> list[dict[str, Any]]:
    with org.lock:
        org.store.ensure_all()
        table = org.store.table(obj).rows.values()
        return [dict(r) for r in table if not r.get("IsDeleted")
                and all(r.get(k) == v for k, v in match.items())]


def user_name(org: DemoOrg, uid: str | None) -> str | None:
    found = rows(org, "User", Id=uid) or rows(org, "Group", Id=uid)
    return found[0]["Name"] if found else None


def details_by_hand(org: DemoOrg, stage: StageRun) -> dict[str, Any]:
    """What the detail tabs should hold for this stage, straight from the store: no history
    and no feed (None, not empty) where the org does not track them."""
    tracked = org.schema.feed_history
    hist = sorted(rows(org, f"{STAGE}History", ParentId=stage.id),
                  key=lambda h: (h["CreatedDate"], h["Id"]))

    def posts(obj: str, parent: str) -> list[tuple[Any, ...]]:
        found = sorted(rows(org, obj, ParentId=parent),
                       key=lambda p: (p["CreatedDate"], p["Id"]), reverse=True)[:200]
        out = []
        for p in found:
            comments = sorted(rows(org, "FeedComment", FeedItemId=p["Id"]),
                              key=lambda c: c["CreatedDate"])
            out.append((p["Id"], p["Type"], p["Body"], user_name(org, p["InsertedById"]),
                        dt(p["CreatedDate"]),
                        tuple((c["Id"], c["CommentBody"], user_name(org, c["InsertedById"]))
                              for c in comments)))
        return out

    log = sorted(rows(org, LOG, OrchestrationInstanceId=stage.run_id),
                 key=lambda e: (e["Timestamp"], e["Id"]))
    times: dict[str, list[datetime | None]] = {}
    for e in log:
        if e["StageName"] is None:
            continue
        span = times.setdefault(e["StageName"], [None, None])
        if e["Kind"] == "StartStage" and span[0] is None:
            span[0] = dt(e["Timestamp"])
        if e["Kind"] in ("EndStage", "FailStage", "DiscontinueStage"):
            span[1] = dt(e["Timestamp"])
    shares = sorted((user_name(org, s["UserOrGroupId"]) or s["UserOrGroupId"],
                     s["AccessLevel"], s["RowCause"])
                    for s in rows(org, f"{STAGE}Share", ParentId=stage.id))
    return {
        "history": [(h["Id"], h["Field"], h["OldValue"], h["NewValue"], dt(h["CreatedDate"]),
                     user_name(org, h["CreatedById"])) for h in hist] if tracked else None,
        "feed": posts(f"{RUN}Feed", stage.run_id) + posts(f"{STAGE}Feed", stage.id)
        if tracked else None,
        "log": [(e["Id"], e["Kind"], dt(e["Timestamp"]), e["StageName"], e["StepName"],
                 e["Actor"], e["Assignee"], e["Duration"], e["Comments"])
                for e in log if e["StageName"] in (None, stage.name)],
        "times": {k: tuple(v) for k, v in times.items()},
        "shares": shares,
    }


def details_got(d: StageDetails) -> dict[str, Any]:
    return {
        "history": None if d.history is None else [
            (h.id, h.field, h.old_value, h.new_value, h.created, h.created_by)
            for h in d.history],
        "feed": None if d.feed is None else [
            (p.id, p.type, p.body, p.author, p.created,
             tuple((c.id, c.body, c.author) for c in p.comments)) for p in d.feed],
        "log": [(e.id, e.kind, e.timestamp, e.stage_name, e.step_name, e.actor, e.assignee,
                 e.duration, e.comments) for e in d.log],
        "times": dict(d.stage_times),
        "shares": sorted(d.shares),
    }


@pytest.fixture
def frozen(clock: ManualClock, feed_history: bool) -> DemoOrg:
    """Each test here runs on both kinds of org: with Feed/History tracking and without."""
    return DemoOrg(seed=11, runs=150, clock=clock, frozen=True, feed_history=feed_history)


def test_every_stage_of_several_runs_has_exactly_the_orgs_details(
        frozen: DemoOrg, clock: ManualClock) -> None:
    """Without tracking the details call asks no Feed or History query (the objects do not
    exist: it would be refused) and says so with None; the run log and shares are the same."""
    eng = make_engine(frozen, clock)
    snap = eng.poll_once().snapshot
    checked = logged = 0
    kinds: set[str] = set()
    for run in snap.runs[:60]:
        for stage in snap.stages.get(run.id, ()):
            got = eng.fetch_details(stage.id)
            assert isinstance(got, StageDetails), got
            assert (got.stage_id, got.run_id) == (stage.id, run.id)
            assert details_got(got) == details_by_hand(frozen, stage)
            kinds |= {p.type for p in got.feed or ()}
            checked += 1
            logged += len(got.log)
    assert checked > 100 and logged > 500  # the oracle compared real content, not empty lists
    if frozen.schema.feed_history:
        assert {"TrackedChange"} <= kinds


def test_a_stage_not_on_screen_and_an_engine_not_connected(
        frozen: DemoOrg, clock: ManualClock) -> None:
    eng = make_engine(frozen, clock)
    got = eng.fetch_details("0jfNOPE")
    assert isinstance(got, QueryRefused) and str(got) == "That stage is no longer on screen."
    eng.poll_once()
    got = eng.fetch_details("0jfNOPE")
    assert isinstance(got, QueryRefused)


def test_a_failed_details_call_is_returned_not_raised(
        frozen: DemoOrg, clock: ManualClock) -> None:
    eng = make_engine(frozen, clock)
    snap = eng.poll_once().snapshot
    stage = next(s for group in snap.stages.values() for s in group)
    frozen.faults.update(offline=True)
    got = eng.fetch_details(stage.id)
    assert isinstance(got, FlowstageError)
    frozen.faults.update(offline=False)
    assert isinstance(eng.fetch_details(stage.id), StageDetails)


def test_older_pages_follow_without_a_gap_and_bring_their_children(
        frozen: DemoOrg, clock: ManualClock) -> None:
    eng = make_engine(frozen, clock, page_size=40)
    first = eng.poll_once()
    assert first.snapshot.more and len(first.snapshot.runs) == 40
    second = eng.load_more()
    assert second.calls == 2  # the page with its counts, then its children
    assert second.health.state == HealthState.LIVE
    assert second.changes.added.get(RUN) == frozenset(r.id for r in second.snapshot.runs[40:])
    assert second.changes.changed == {} and second.changes.removed == {}
    assert len(second.snapshot.runs) == 80 and second.snapshot.more
    assert_mirror_is_org(second.snapshot, frozen, page_size=80, margin=0)
    third = eng.load_more()
    fourth = eng.load_more()
    assert len(third.snapshot.runs) == 120 and third.snapshot.more
    assert len(fourth.snapshot.runs) == 150 + STUCK_RUNS and not fourth.snapshot.more  # the last 39
    assert_mirror_is_org(fourth.snapshot, frozen, page_size=150 + STUCK_RUNS, margin=0)
    # the loaded window is kept: an idle poll keeps every page, a reload brings them all back
    clock.advance(15)
    idle = eng.poll_once()
    assert len(idle.snapshot.runs) == 150 + STUCK_RUNS and idle.calls == 1
    eng.set_filter(eng.filter)  # the same filter: nothing to reload
    assert len(eng.poll_once().snapshot.runs) == 150 + STUCK_RUNS


def test_load_more_before_the_first_poll_is_the_first_poll(
        frozen: DemoOrg, clock: ManualClock) -> None:
    eng = make_engine(frozen, clock, page_size=40)
    result = eng.load_more()
    assert len(result.snapshot.runs) == 40 and result.changes.full
    assert_mirror_is_org(result.snapshot, frozen, page_size=40, margin=0)


def test_a_failed_page_changes_nothing_and_the_next_one_is_whole(
        frozen: DemoOrg, clock: ManualClock) -> None:
    eng = make_engine(frozen, clock, page_size=40)
    before = eng.poll_once().snapshot
    frozen.faults.update(offline=True)
    failed = eng.load_more()
    assert failed.snapshot is before or failed.snapshot.runs == before.runs
    assert failed.health.state == HealthState.OFFLINE and failed.calls == 0
    assert failed.changes.size == 0
    frozen.faults.update(offline=False)
    again = eng.load_more()
    assert len(again.snapshot.runs) == 80
    assert_mirror_is_org(again.snapshot, frozen, page_size=80, margin=0)
    assert {s["OrchestrationInstanceId"] for s in rows(frozen, STAGE)} >= {
        r.id for r in again.snapshot.runs}
    assert rows(frozen, STEP) and rows(frozen, WORK)


def test_who_a_stage_is_shared_with_by_name_or_id(frozen: DemoOrg, clock: ManualClock) -> None:
    """The demo org writes no stage shares of its own; these are what a real org has when a
    stage is shared by hand or with a queue: a user and a group (named), and a principal the
    API user cannot read (its Id stands in)."""
    eng = make_engine(frozen, clock)
    snap = eng.poll_once().snapshot
    stage = next(s for group in snap.stages.values() for s in group)
    user = rows(frozen, "User", IsActive=True)[0]
    group = rows(frozen, "Group")[0]
    with frozen.lock:
        for i, (who, level, cause) in enumerate([(user["Id"], "Edit", "Manual"),
                                                  (group["Id"], "Read", "Rule"),
                                                  ("005000000000XYZ", "Read", "Manual")]):
            frozen.store.insert(f"{STAGE}Share", {
                "Id": f"0jX00000000000{i}", "ParentId": stage.id, "UserOrGroupId": who,
                "AccessLevel": level, "RowCause": cause, "IsDeleted": False,
                "LastModifiedDate": frozen.now_ms(), "LastModifiedById": user["Id"]})
    got = eng.fetch_details(stage.id)
    assert isinstance(got, StageDetails)
    assert sorted(got.shares) == sorted([(user["Name"], "Edit", "Manual"),
                                         (group["Name"], "Read", "Rule"),
                                         ("005000000000XYZ", "Read", "Manual")])
    assert details_got(got)["shares"] == details_by_hand(frozen, stage)["shares"]
