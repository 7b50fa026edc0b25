"""The deletion check (queryAll for IsDeleted rows, every five minutes): it looks back from
its mark less the overlap, reads every batch of a long answer, and goes on past an object the
org does not have. Expected removals are the rows the test itself deleted."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from flowstage_tui.emulator.clock import ManualClock
from flowstage_tui.emulator.org import DemoOrg
from flowstage_tui.engine.state import Snapshot
from flowstage_tui.salesforce.capabilities import RUN, STAGE, STEP, WORK

from .conftest import make_engine

CHECK = 5 * 60  # seconds between two deletion checks


def newest_modstamp(snap: Snapshot) -> datetime:
    rows: list[Any] = list(snap.runs)
    for table in (snap.stages, snap.steps, snap.work_items):
        for group in table.values():
            rows.extend(group)
    newest: datetime = max(r.modstamp for r in rows)
    return newest


def test_deletions_beyond_one_batch_of_the_answer_are_all_caught(clock: ManualClock) -> None:
    """queryAll answers in batches (2,000 rows; fewer for wide rows): a check that read only
    the first would keep the rest on screen until the next full reload."""
    org = DemoOrg(seed=7, runs=40, clock=clock, frozen=True)
    eng = make_engine(org, clock)
    snap = eng.poll_once().snapshot
    victims = frozenset(r.id for r in snap.runs[:5])
    with org.lock:
        for rid in victims:
            org.store.delete(RUN, rid, org.now_ms())
    org.faults.update(query_batch_size=2)
    clock.advance(CHECK)
    res = eng.poll_once()
    assert res.changes.removed.get(RUN) == victims
    assert not victims & {r.id for r in res.snapshot.runs}


def test_a_deletion_stamped_just_before_the_mark_is_caught(clock: ManualClock) -> None:
    """A deletion whose transaction began before the last check and committed after it
    carries a SystemModstamp older than the check's mark: the overlap reaches back for it."""
    org = DemoOrg(seed=7, runs=40, clock=clock, frozen=True)
    eng = make_engine(org, clock)
    snap = eng.poll_once().snapshot
    clock.advance(CHECK)
    eng.poll_once()  # a first check: nothing deleted; its mark is the newest change seen
    victim = snap.runs[3].id
    late = newest_modstamp(snap) - timedelta(seconds=30)
    with org.lock:
        org.store.delete(RUN, victim, int(late.timestamp() * 1000))
    clock.advance(CHECK)
    res = eng.poll_once()
    assert res.changes.removed.get(RUN) == frozenset({victim})


def test_an_object_the_org_lacks_does_not_end_the_check_early(clock: ManualClock) -> None:
    """An org (or API version) without stage instances: the check asks for no stages, and
    still looks at the steps and work items that come after them."""
    org = DemoOrg(seed=7, runs=40, clock=clock, frozen=True)
    eng = make_engine(org, clock)
    real_open = eng.connection.open

    def open_without_stages() -> Any:
        client, caps = real_open()
        fields = {k: v for k, v in caps.fields.items() if k != STAGE}
        return client, replace(caps, fields=fields)

    eng.connection.open = open_without_stages  # type: ignore[method-assign]
    snap = eng.poll_once().snapshot
    assert eng.capabilities is not None and not eng.capabilities.has(STAGE)
    assert not snap.stages
    step = next(st for steps in snap.steps.values() for st in steps)
    item = next(wi for items in snap.work_items.values() for wi in items
                if wi.step_id != step.id)
    with org.lock:
        org.store.delete(STEP, step.id, org.now_ms())
        org.store.delete(WORK, item.id, org.now_ms())
    clock.advance(CHECK)
    res = eng.poll_once()
    assert res.changes.removed.get(STEP) == frozenset({step.id})
    assert item.id in res.changes.removed.get(WORK, frozenset())
