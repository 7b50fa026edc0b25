"""Reloads of a window that grew past one page: after an error storm every loaded page comes
back, and "load more" after the session ended reconnects and reloads the same pages rather
than fetching a page onto a mirror it no longer trusts. Expected windows come from the org's
own records (tests/engine/oracle.py)."""

from __future__ import annotations

import pytest

from flowstage_tui.emulator.clock import ManualClock
from flowstage_tui.emulator.org import DemoOrg
from flowstage_tui.emulator.triage_data import STUCK_RUNS
from flowstage_tui.engine.governor import ERROR_STORM
from flowstage_tui.engine.state import HealthState
from flowstage_tui.errors import AuthNeeded
from flowstage_tui.salesforce.capabilities import RUN

from .conftest import make_engine
from .oracle import assert_mirror_is_org

PAGE = 30


@pytest.fixture
def org(clock: ManualClock) -> DemoOrg:
    return DemoOrg(seed=7, runs=150, clock=clock, frozen=True)


def test_a_reload_after_an_error_storm_brings_back_every_loaded_page(
        org: DemoOrg, clock: ManualClock) -> None:
    eng = make_engine(org, clock, page_size=PAGE)
    eng.poll_once()
    eng.load_more()
    eng.load_more()
    assert len(eng.snapshot.runs) == 3 * PAGE
    org.faults.update(offline=True)
    for _ in range(ERROR_STORM):
        clock.advance(15)
        assert eng.poll_once().health.state == HealthState.OFFLINE
    org.faults.update(offline=False)
    clock.advance(15)
    res = eng.poll_once()
    assert res.health.state == HealthState.LIVE and res.changes.full
    assert res.calls == 4  # three pages of runs (the first with the counts), their children
    assert len(res.snapshot.runs) == 3 * PAGE and res.snapshot.more
    assert_mirror_is_org(res.snapshot, org, page_size=3 * PAGE, margin=0)


def test_a_reload_stops_at_the_last_page_the_org_has(org: DemoOrg, clock: ManualClock) -> None:
    eng = make_engine(org, clock, page_size=40)
    eng.poll_once()
    for _ in range(4):
        eng.load_more()
    assert len(eng.snapshot.runs) == 150 + STUCK_RUNS and not eng.snapshot.more
    eng._failed(AuthNeeded("The session expired."))
    res = eng.poll_once()
    assert res.changes.full and len(res.snapshot.runs) == 150 + STUCK_RUNS and not res.snapshot.more
    # five pages were loaded (40, 40, 40, 39 and an empty one); the reload asks for four:
    # three calls to connect (versions, org and objects, describes), 4 pages, their children
    assert res.calls == 3 + 4 + 1
    assert_mirror_is_org(res.snapshot, org, page_size=150 + STUCK_RUNS, margin=0)


def test_load_more_after_the_session_ended_reconnects_and_reloads(
        org: DemoOrg, clock: ManualClock) -> None:
    eng = make_engine(org, clock, page_size=PAGE)
    eng.poll_once()
    eng.load_more()
    held = [r.id for r in eng.snapshot.runs]
    eng._failed(AuthNeeded("The session expired."))
    dropped = eng.client is None
    res = eng.load_more()
    assert dropped and eng.client is not None and res.health.state == HealthState.LIVE
    assert res.changes.full  # a reload of the pages loaded, not a third page
    assert [r.id for r in res.snapshot.runs] == held
    assert res.changes.added.get(RUN) == frozenset(held)
    assert_mirror_is_org(res.snapshot, org, page_size=2 * PAGE, margin=0)
