"""The budget governor's arithmetic, without an org: which usage reading counts when several
engines report, what calls without a newer reading add, the pace at each threshold, and a
poll schedule's success when no answer has named the usage yet."""

from __future__ import annotations

import random
import threading
from datetime import UTC, datetime, timedelta

import pytest

from flowstage_tui.engine.governor import BudgetGovernor, Pace, PollSchedule
from flowstage_tui.engine.state import HealthState
from flowstage_tui.errors import NetworkDown

T0 = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
T1 = T0 + timedelta(seconds=1)


def test_before_any_reading_usage_is_unknown_and_polling_is_not_slowed() -> None:
    gov = BudgetGovernor()
    assert gov.usage() == (None, None) and gov.calls == 0
    gov.count(3, None, None, T0)  # answers that named no usage
    gov.count(2, 100, 0, T0)  # nor does a limit of 0
    assert gov.usage() == (None, None) and gov.calls == 5
    assert gov.pace(15.0) == Pace(HealthState.LIVE, 15.0)


def test_the_newest_reading_wins_and_a_crossed_one_only_adds_its_calls() -> None:
    gov = BudgetGovernor()
    gov.count(2, 500, 1000, T0)
    assert gov.usage() == (500, 1000)
    gov.count(1, 510, 1000, T1)
    assert gov.usage() == (510, 1000)
    # a reading taken before the last one arrives late: usage does not go back; the calls
    # it reports are added (perhaps twice: the estimate errs high, the safe side)
    gov.count(1, 505, 1000, T0)
    assert gov.usage() == (511, 1000)
    # at the same second the higher count is the later one
    gov.count(1, 509, 1000, T1)
    assert gov.usage() == (512, 1000)
    gov.count(1, 520, 1000, T1)
    assert gov.usage() == (520, 1000)
    # calls whose answers named no usage are added to the last reading
    gov.count(4, None, None, None)
    assert gov.usage() == (524, 1000)
    # a reading without the org's time is taken as it comes
    gov.count(1, 400, 2000, None)
    assert gov.usage() == (400, 2000)
    assert gov.calls == 11


@pytest.mark.parametrize(("used", "state", "interval", "message"), [
    (799, HealthState.LIVE, 20.0, ""),
    (800, HealthState.LIMIT_LOW, 40.0, "API usage at 80%: polling every 40s instead of 20s."),
    (949, HealthState.LIMIT_LOW, 40.0, "API usage at 95%: polling every 40s instead of 20s."),
    (950, HealthState.LIMIT_EXHAUSTED, 20.0,
     "API usage at 95% of the daily allowance: polling paused; press r to poll once more."),
    (1000, HealthState.LIMIT_EXHAUSTED, 20.0,
     "API usage at 100% of the daily allowance: polling paused; press r to poll once more."),
])
def test_the_pace_at_each_threshold(used: int, state: HealthState, interval: float,
                                    message: str) -> None:
    gov = BudgetGovernor()
    gov.count(1, used, 1000, T0)
    pace = gov.pace(20.0)
    assert pace == Pace(state, interval, message)
    assert pace.suspended is (state == HealthState.LIMIT_EXHAUSTED)


def test_engines_on_two_threads_count_every_call() -> None:
    gov = BudgetGovernor()

    def spend() -> None:
        for i in range(2000):
            gov.count(1, i, 10_000, None)

    workers = [threading.Thread(target=spend) for _ in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert gov.calls == 4000
    used, limit = gov.usage()
    assert limit == 10_000 and used is not None and used <= 1999 + 2000


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def test_a_success_with_usage_unknown_is_live_at_the_interval() -> None:
    clock = Clock()
    schedule = PollSchedule(clock, BudgetGovernor(), 15.0)
    assert schedule.health.state == HealthState.CONNECTING and schedule.next_delay() == 0.0
    schedule.succeeded()
    h = schedule.health
    assert (h.state, h.message, h.api_used, h.api_limit, h.interval) == (
        HealthState.LIVE, "", None, None, 15.0)
    assert h.last_success == T0 and h.next_poll == T0 + timedelta(seconds=15)
    assert schedule.next_delay() == 15.0 and not schedule.suspended


def test_a_failure_reports_the_usage_last_known_and_the_slower_interval() -> None:
    clock = Clock()
    gov = BudgetGovernor()
    gov.count(1, 300, 1000, T0)
    schedule = PollSchedule(clock, gov, 15.0)
    schedule.set_factor(4)  # before any success: nothing to move yet
    assert schedule.next_delay() == 0.0
    schedule.failed(NetworkDown("gone", reason="no connection"), random.Random(0))
    h = schedule.health
    assert (h.state, h.api_used, h.api_limit, h.interval, h.failures) == (
        HealthState.OFFLINE, 300, 1000, 60.0, 1)
    assert not schedule.storm
    for _ in range(4):
        schedule.failed(NetworkDown("gone"), random.Random(0))
    stormy = schedule.storm  # five in a row: the next success reloads everything
    schedule.succeeded()
    assert (stormy, schedule.storm, schedule.health.interval) == (True, False, 60.0)
