"""One org's API budget shared by two engines (two tabs on the same org, each on its own API
thread), a tab that polls slower in the background, and a suspension that ends when usage
falls. Expected intervals come from the documented thresholds: 15 s, doubled from 80 % of the
daily allowance, paused from 95 %."""

from __future__ import annotations

import threading

import pytest

from flowstage_tui.emulator.clock import ManualClock
from flowstage_tui.emulator.org import DemoOrg
from flowstage_tui.engine.governor import BudgetGovernor
from flowstage_tui.engine.state import HealthState, PollResult
from flowstage_tui.engine.sync import SyncEngine
from flowstage_tui.errors import NetworkDown

from .conftest import make_engine


def poll_on_own_thread(eng: SyncEngine) -> PollResult:
    """As a tab's API thread would: the poll runs on a thread of its own."""
    out: list[PollResult] = []
    worker = threading.Thread(target=lambda: out.append(eng.poll_once()))
    worker.start()
    worker.join()
    (result,) = out
    return result


def test_two_engines_sharing_one_governor_slow_down_together(clock: ManualClock) -> None:
    org = DemoOrg(seed=7, runs=40, clock=clock, frozen=True, api_limit=1000)
    gov = BudgetGovernor()
    tabs = [make_engine(org, clock, governor=gov), make_engine(org, clock, governor=gov)]
    assert all(t.governor is gov for t in tabs)
    calls = 0
    for used, state, interval in [(500, HealthState.LIVE, 15.0),
                                  (850, HealthState.LIMIT_LOW, 30.0),
                                  (960, HealthState.LIMIT_EXHAUSTED, 15.0)]:
        org.api_used = used  # the org's other integrations spend meanwhile
        clock.advance(15)
        for eng in tabs:
            eng.retry_now()
            res = poll_on_own_thread(eng)
            calls += res.calls
            assert (res.health.state, res.health.interval) == (state, interval), used
        for eng in tabs:
            assert (eng.next_delay() is None) is (state == HealthState.LIMIT_EXHAUSTED)
            assert eng.health.api_limit == 1000
        # both tabs' calls are counted, against the usage the org named last
        assert gov.calls == calls
        assert gov.usage() == (org.api_used, 1000)


def test_a_tab_brought_to_the_front_is_paced_by_what_the_other_tab_saw(
        clock: ManualClock) -> None:
    """The background tab last polled below 80 %; meanwhile the front tab saw usage pass it.
    Brought to the front, the first tab slows down for that too, before its next call."""
    org = DemoOrg(seed=7, runs=40, clock=clock, frozen=True, api_limit=1000)
    gov = BudgetGovernor()
    front, back = make_engine(org, clock, governor=gov), make_engine(org, clock, governor=gov)
    back.set_interval_factor(4)
    front.poll_once()
    back.poll_once()
    assert back.next_delay() == 60.0 and back.health.state == HealthState.LIVE
    org.api_used = 850
    clock.advance(15)
    assert front.poll_once().health.state == HealthState.LIMIT_LOW
    back.set_interval_factor(1)  # the user switches tabs
    assert (back.health.state, back.health.interval) == (HealthState.LIMIT_LOW, 30.0)
    assert back.next_delay() == 15.0  # 30 s after its last poll, which was 15 s ago


def test_a_background_tab_polls_four_times_slower_and_comes_back(clock: ManualClock) -> None:
    org = DemoOrg(seed=7, runs=20, clock=clock, frozen=True)
    eng = make_engine(org, clock)
    eng.poll_once()
    assert eng.next_delay() == 15.0
    eng.set_interval_factor(4)  # to the background: the next poll moves out at once
    assert eng.next_delay() == 60.0 and eng.health.interval == 60.0
    clock.advance(60)
    res = eng.poll_once()
    assert res.health.state == HealthState.LIVE and res.health.interval == 60.0
    assert eng.next_delay() == 60.0
    clock.advance(20)
    eng.set_interval_factor(1)  # back to the front: due 15 s after the last poll, so now
    assert eng.next_delay() == 0.0 and eng.health.interval == 15.0
    with pytest.raises(ValueError):
        eng.set_interval_factor(0)


def test_a_backing_off_tab_keeps_its_schedule_when_sent_to_the_background(
        clock: ManualClock) -> None:
    """The back-off follows the failures; the slower interval applies from the next success."""
    org = DemoOrg(seed=7, runs=20, clock=clock, frozen=True)
    eng = make_engine(org, clock)
    eng.poll_once()
    eng._failed(NetworkDown("The org cannot be reached.", reason="no connection"))
    before = eng.next_delay()
    next_poll = eng.health.next_poll
    eng.set_interval_factor(4)
    assert eng.next_delay() == before and eng.health.next_poll == next_poll
    assert eng.health.state == HealthState.OFFLINE
    assert eng.poll_once().health.interval == 60.0


def test_a_success_under_the_stop_line_ends_the_suspension(clock: ManualClock) -> None:
    """Suspended at 96 %, then usage falls (it is a rolling 24-hour count) and a poll comes
    without r (as `flowstage watch` polls): polling resumes at the governed pace, not paused
    under a header that says the org is fine."""
    org = DemoOrg(seed=7, runs=20, clock=clock, frozen=True, api_limit=1000)
    eng = make_engine(org, clock)
    eng.poll_once()
    org.api_used = 960
    clock.advance(15)
    assert eng.poll_once().health.state == HealthState.LIMIT_EXHAUSTED
    assert eng.next_delay() is None
    org.api_used = 850
    clock.advance(15)
    res = eng.poll_once()
    assert res.health.state == HealthState.LIMIT_LOW
    assert eng.next_delay() == 30.0 and res.health.next_poll is not None


def test_without_a_governor_given_each_engine_has_its_own(clock: ManualClock) -> None:
    org = DemoOrg(seed=7, runs=5, clock=clock, frozen=True)
    a, b = make_engine(org, clock), make_engine(org, clock)
    assert a.governor is not b.governor
    a.poll_once()
    assert b.governor.calls == 0 and b.governor.usage() == (None, None)
    assert a.governor.calls > 0


def test_details_and_pages_are_counted_too(clock: ManualClock) -> None:
    org = DemoOrg(seed=7, runs=60, clock=clock, frozen=True)
    eng = make_engine(org, clock, page_size=20)
    calls = eng.poll_once().calls
    calls += eng.load_more().calls
    stage = next(s for group in eng.snapshot.stages.values() for s in group)
    client = eng.client
    assert client is not None
    before = client.stats.calls
    eng.fetch_details(stage.id)
    calls += client.stats.calls - before
    assert eng.governor.calls == calls == client.stats.calls
