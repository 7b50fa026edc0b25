"""The watermark overlap, against a demo org whose writes commit late and whose clock is not
the client's. Expected values are the org's own records (tests/engine/oracle.py), never a
second engine: a bug in query building or parsing would be on both sides of that."""

from __future__ import annotations

from datetime import timedelta

import pytest

from flowstage_tui.emulator.clock import ManualClock
from flowstage_tui.emulator.org import DemoOrg
from flowstage_tui.engine import sync
from flowstage_tui.engine.state import HealthState

from .conftest import make_engine
from .oracle import assert_mirror_is_org

PAGE = 100


def busy_org(clock: ManualClock, *, lag: float, skew: float = 0.0, seed: int = 11,
             feed_history: bool = True) -> DemoOrg:
    org = DemoOrg(seed=seed, runs=150, clock=clock, pace=1.5, clock_skew=skew,
                  feed_history=feed_history)
    org.faults.update(commit_lag_seconds=lag)
    return org


def follow(org: DemoOrg, clock: ManualClock, polls: int, every: float = 15.0) -> None:
    """Poll like the app does and hold the mirror to the org after every poll."""
    eng = make_engine(org, clock, page_size=PAGE)
    for n in range(polls):
        res = eng.poll_once()
        assert res.health.state == HealthState.LIVE, res.health.message
        try:
            assert_mirror_is_org(res.snapshot, org, page_size=PAGE)
        except AssertionError as exc:
            raise AssertionError(f"after poll {n}: {exc}") from exc
        clock.advance(every)


def test_late_commits_are_seen_with_their_original_modstamp(clock: ManualClock,
                                                             feed_history: bool) -> None:
    """Writes commit up to 20 s after their SystemModstamp, in another order than they were
    stamped: a poll between the two moves the watermark past a row it could not see yet.
    Re-reading 60 s before the watermark catches every one of them, for 20 minutes of a busy
    org."""
    org = busy_org(clock, lag=20, feed_history=feed_history)
    follow(org, clock, polls=80)
    assert org.store.journal is not None and org.store.journal.writes  # writes were pending


def test_without_the_overlap_late_commits_are_missed(clock: ManualClock,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """The scenario above is one that needs the overlap: with OVERLAP at 0 the mirror drifts
    from the org (if this starts passing, the demo org's commit lag stopped biting)."""
    monkeypatch.setattr(sync, "OVERLAP", timedelta(0))
    org = busy_org(clock, lag=20)
    with pytest.raises(AssertionError):
        follow(org, clock, polls=80)


@pytest.mark.parametrize("skew", [-45.0, 45.0], ids=["org-behind", "org-ahead"])
def test_converges_when_the_org_clock_is_not_the_clients(clock: ManualClock, skew: float,
                                                          feed_history: bool) -> None:
    """The org stamps rows with its own clock, 45 s behind or ahead of the client's: the
    engine's watermarks must be org time throughout (with late commits as well)."""
    org = busy_org(clock, lag=10, skew=skew, feed_history=feed_history)
    assert org.now_ms() == round(clock() * 1000 + skew * 1000)
    follow(org, clock, polls=60)


@pytest.mark.parametrize("skew", [-120.0, 120.0], ids=["org-behind", "org-ahead"])
def test_an_empty_first_load_starts_its_watermarks_on_the_org_clock(clock: ManualClock,
                                                                    skew: float) -> None:
    """A first load that finds nothing has no SystemModstamp to start from. Starting from the
    client's clock would, with the org 2 minutes behind, skip every run the org starts in
    its next 2 minutes (their stamps are older than the client's now less the overlap)."""
    org = DemoOrg(seed=3, runs=0, clock=clock, pace=5.0, clock_skew=skew)
    eng = make_engine(org, clock, page_size=PAGE)
    assert eng.poll_once().snapshot.runs == ()
    for _ in range(30):
        clock.advance(15)
        res = eng.poll_once()
        assert res.health.state == HealthState.LIVE, res.health.message
    assert res.snapshot.runs  # the org started runs meanwhile
    assert_mirror_is_org(res.snapshot, org, page_size=PAGE)
