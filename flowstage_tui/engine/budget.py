"""What the current settings cost a day, in API calls and in share of the org's allowance.

Pure arithmetic over what each open tab on one org does (the tabs on one org spend one
daily allowance, as they share one BudgetGovernor): an idle poll is one call; the deletion
check one more every DELETION_EVERY; the Work view one more every REFRESH_PEOPLE (who holds
the items); the failures view one re-read every FAILURES_EVERY while it is open. A
background tab polls at its own, slower interval, a paused one not at all, and the
governor's thresholds apply to all of them (half the pace from GOVERNOR_SLOW, none from
GOVERNOR_STOP). The figure is for a quiet org: a busy poll that backfills a new run's
stages, a stage's details and load-more are what the user asks for, and come on top.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from .governor import GOVERNOR_SLOW, GOVERNOR_STOP
from .sync import DELETION_EVERY
from .work import REFRESH_PEOPLE

DAY = 86_400.0
# the failures view, and `flowstage watch --alert` with a cluster rule, re-read the clusters
# this often: reading them is a few calls each time (failure_read_calls), not one per poll
FAILURES_EVERY = timedelta(minutes=5)
ERROR_RUNS_PAGE = 2000  # Salesforce's query page of Error runs: one call each
LOG_RUNS_PER_CALL = 750  # runs whose Fail* log rows one /composite call reads (5 x 150)


def failure_read_calls(error_runs: int) -> int:
    """Calls one read of the failure clusters makes: a page of Error runs per 2,000, and one
    /composite call per 750 of them for their run-log rows."""
    n = max(0, error_runs)
    return max(1, math.ceil(n / ERROR_RUNS_PAGE)) + math.ceil(n / LOG_RUNS_PER_CALL)


@dataclass(frozen=True)
class TabPlan:
    """What one open tab on the org does, as its settings stand."""

    interval: float  # the profile's poll interval (the front tab's)
    background_interval: float  # when another org's tab is in front
    front: bool = True
    paused: bool = False
    work_view: bool = False
    failures_view: bool = False
    error_runs: int = 0  # the org's Error runs (the failures view reads all of them)

    @property
    def polling_every(self) -> float:
        return self.interval if self.front else self.background_interval


@dataclass(frozen=True)
class Budget:
    """The daily figure for the tabs on one org, split by what spends it."""

    polls: int
    deletion_checks: int
    work_view: int
    failures_view: int
    used: int | None
    limit: int | None
    front_interval: float | None  # the tab the figure is shown in; None: it is paused
    tabs: int
    slowed: bool  # the governor has halved the pace (usage over GOVERNOR_SLOW)
    stopped: bool  # ... or stopped polling (over GOVERNOR_STOP)

    @property
    def per_day(self) -> int:
        return self.polls + self.deletion_checks + self.work_view + self.failures_view

    @property
    def share(self) -> float | None:
        """The share of the org's daily allowance these calls are; None when unknown."""
        return self.per_day / self.limit if self.limit else None

    def headline(self) -> str:
        """`polling every 15s ≈ 6,048 calls/day (6.0% of this org's 100,000)`."""
        if self.stopped:
            what = "polling paused by the API budget (r polls once)"
        elif self.front_interval is None:
            what = "polling paused (p resumes)"
        else:
            what = f"polling every {_seconds(self.front_interval)}"
        if self.tabs > 1:
            what += f", {self.tabs - 1} more tab{'s' * (self.tabs > 2)} on this org"
        share = self.share
        limit = f"{share:.1%} of this org's {self.limit:,}" if share is not None and \
            self.limit else "the org's daily limit is not known yet"
        return f"{what} ≈ {self.per_day:,} calls/day ({limit})"

    def parts(self) -> str:
        """What the figure is made of: `polls 5,760 · deletion checks 288 · …`."""
        items = [("polls", self.polls), ("deletion checks", self.deletion_checks),
                 ("Work view", self.work_view), ("failures view", self.failures_view)]
        said = " · ".join(f"{name} {n:,}" for name, n in items if n)
        return said or "no calls while polling is paused"

    def usage_line(self) -> str:
        """Where the org's usage stands, and what the governor does about it."""
        if self.used is None or not self.limit:
            return "Used today: not known yet (every answer from the org says)."
        line = f"Used today: {self.used:,} of {self.limit:,} ({self.used / self.limit:.1%})."
        if self.stopped:
            return line + f" Over {GOVERNOR_STOP:.0%}: polling stopped until you press r."
        if self.slowed:
            return line + f" Over {GOVERNOR_SLOW:.0%}: polling at half the pace."
        return line + (f" Polling slows to half the pace at {GOVERNOR_SLOW:.0%} and stops at "
                       f"{GOVERNOR_STOP:.0%}.")


def _seconds(s: float) -> str:
    if s >= 60 and s % 60 == 0:
        return f"{s / 60:g}min"
    return f"{s:g}s"


def _per_day(every: float | None, cap: float | None = None) -> float:
    """How many times a day something done every `every` seconds happens (at most once per
    poll, when `cap` polls a day happen)."""
    if not every or every <= 0:
        return 0.0
    n = DAY / every
    return n if cap is None else min(n, cap)


def daily_budget(plans: Sequence[TabPlan], used: int | None = None,
                 limit: int | None = None, shown: int = 0) -> Budget:
    """The calls a day the tabs in `plans` (all on one org) make; `shown`: the index of the
    tab the figure is shown in. `used`/`limit`: the org's Sforce-Limit-Info, if known."""
    share = used / limit if used is not None and limit else 0.0
    slowed, stopped = GOVERNOR_SLOW <= share < GOVERNOR_STOP, share >= GOVERNOR_STOP
    polls = deletions = work = failures = 0.0
    for plan in plans:
        every = None if plan.paused or stopped else plan.polling_every * (2 if slowed else 1)
        n = _per_day(every)
        polls += n
        # checked on a poll when due: never more often than the polls themselves
        deletions += _per_day(None if every is None else DELETION_EVERY.total_seconds(), n)
        if plan.work_view:
            work += _per_day(None if every is None else REFRESH_PEOPLE.total_seconds(), n)
        if plan.failures_view:  # its own timer: paused polling does not stop it
            failures += _per_day(FAILURES_EVERY.total_seconds()) * failure_read_calls(
                plan.error_runs)
    front = plans[shown] if 0 <= shown < len(plans) else None
    front_every = None if front is None or front.paused or stopped else \
        front.polling_every * (2 if slowed else 1)
    return Budget(round(polls), round(deletions), round(work), round(failures), used, limit,
                  front_every, len(plans), slowed, stopped)


__all__ = ["DAY", "DELETION_EVERY", "FAILURES_EVERY", "REFRESH_PEOPLE", "Budget", "TabPlan",
           "daily_budget", "failure_read_calls"]
