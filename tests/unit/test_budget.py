"""The API budget in plain numbers (engine/budget.py): calls a day by interval, with the
deletion check, the Work view and the failures view; several tabs on one org summed against
its one allowance; the governor's thresholds; an org whose limit is not known yet."""

from __future__ import annotations

import pytest

from flowstage_tui.engine import budget, sync, work
from flowstage_tui.engine.budget import (
    FAILURES_EVERY,
    TabPlan,
    daily_budget,
    failure_read_calls,
)
from flowstage_tui.engine.governor import GOVERNOR_SLOW, GOVERNOR_STOP


def test_the_cadences_are_the_engines_own() -> None:
    assert budget.DELETION_EVERY is sync.DELETION_EVERY
    assert budget.REFRESH_PEOPLE is work.REFRESH_PEOPLE
    assert FAILURES_EVERY.total_seconds() == 300


@pytest.mark.parametrize(("interval", "polls", "deletions"), [
    (15, 5760, 288), (5, 17280, 288), (60, 1440, 288),
    (600, 144, 144),  # a deletion check rides on a poll: never more often than the polls
])
def test_calls_a_day_by_interval(interval: float, polls: int, deletions: int) -> None:
    b = daily_budget([TabPlan(interval, 4 * interval)], 1000, 100_000)
    assert (b.polls, b.deletion_checks, b.work_view, b.failures_view) == (polls, deletions, 0, 0)
    assert b.per_day == polls + deletions
    assert b.share == pytest.approx((polls + deletions) / 100_000)


def test_the_headline_says_interval_calls_and_share_of_the_orgs_limit() -> None:
    b = daily_budget([TabPlan(15, 60)], 1234, 100_000)
    assert b.headline() == "polling every 15s ≈ 6,048 calls/day (6.0% of this org's 100,000)"
    assert b.parts() == "polls 5,760 · deletion checks 288"
    assert b.usage_line() == ("Used today: 1,234 of 100,000 (1.2%). Polling slows to half the "
                              "pace at 80% and stops at 95%.")
    assert daily_budget([TabPlan(120, 480)], 0, 15_000).headline() == (
        "polling every 2min ≈ 1,008 calls/day (6.7% of this org's 15,000)")


def test_an_unknown_limit_is_said_not_guessed() -> None:
    for used, limit in ((None, None), (10, None), (10, 0)):
        b = daily_budget([TabPlan(15, 60)], used, limit)
        assert b.share is None and b.per_day == 6048
        assert b.headline().endswith("(the org's daily limit is not known yet)")
    assert daily_budget([TabPlan(15, 60)]).usage_line().startswith("Used today: not known")


def test_tabs_on_one_org_add_up_background_ones_at_their_slower_pace() -> None:
    front = TabPlan(15, 60)
    back = TabPlan(15, 60, front=False)
    b = daily_budget([front, back, back], 0, 100_000)
    assert b.polls == 5760 + 2 * 1440 and b.deletion_checks == 3 * 288 and b.tabs == 3
    assert b.headline().startswith("polling every 15s, 2 more tabs on this org ≈ 9,504 ")
    # the figure shown in a background tab says its own pace
    assert daily_budget([back, front], 0, 100_000, shown=0).front_interval == 60


def test_open_views_cost_their_extra_calls() -> None:
    b = daily_budget([TabPlan(15, 60, work_view=True)], 0, 100_000)
    assert b.work_view == 288 and b.parts() == "polls 5,760 · deletion checks 288 · Work view 288"
    f = daily_budget([TabPlan(15, 60, failures_view=True, error_runs=29)], 0, 100_000)
    assert f.failures_view == 288 * 2  # a page of Error runs and one call for their log rows
    assert failure_read_calls(0) == 1 and failure_read_calls(750) == 2
    assert failure_read_calls(751) == 3 and failure_read_calls(2001) == 2 + 3


def test_paused_polling_costs_nothing_but_the_failures_views_own_reads() -> None:
    b = daily_budget([TabPlan(15, 60, paused=True, work_view=True)], 0, 100_000)
    assert b.per_day == 0 and b.headline().startswith("polling paused (p resumes) ≈ 0 calls")
    assert b.parts() == "no calls while polling is paused"
    f = daily_budget([TabPlan(15, 60, paused=True, failures_view=True)], 0, 100_000)
    assert f.per_day == f.failures_view == 288


def test_the_governors_thresholds_halve_then_stop_the_pace() -> None:
    limit = 100_000
    slow = daily_budget([TabPlan(15, 60)], int(GOVERNOR_SLOW * limit), limit)
    assert slow.slowed and not slow.stopped and slow.polls == 2880
    assert slow.headline().startswith("polling every 30s ≈ 3,168 calls/day")
    assert slow.usage_line().endswith("Over 80%: polling at half the pace.")
    stop = daily_budget([TabPlan(15, 60)], int(GOVERNOR_STOP * limit), limit)
    assert stop.stopped and stop.per_day == 0
    assert stop.headline().startswith("polling paused by the API budget (r polls once)")
    assert stop.usage_line().endswith("Over 95%: polling stopped until you press r.")
