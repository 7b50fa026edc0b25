"""The API-budget governor, and each engine's poll schedule that follows from it.

The daily API allowance belongs to the org, not to a tab: two tabs on the same org (same org
Id, same allowance) spend from one budget. So the usage an engine slows down for is kept by a
`BudgetGovernor` that every engine polling that org may share, on whatever thread it runs;
each engine counts its calls there and reports the usage its org's answers name. What stays
per engine is a `PollSchedule`: its failures and back-off (a network or login failure is that
connection's), when it polls next, how much slower than the profile's interval it may poll
(a background tab), and the health it shows.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from ..errors import (
    ApiLimitExceeded,
    AuthNeeded,
    FlowstageError,
    NetworkDown,
    OrgUnavailable,
    QueryRefused,
)
from .state import Health, HealthState

Clock = Callable[[], datetime]

ERROR_STORM = 5  # consecutive failures after which the next success reloads everything
BACKOFF_BASE = 5.0
BACKOFF_CAP = 300.0
GOVERNOR_SLOW = 0.80  # share of the daily allowance used from which polling slows to half
GOVERNOR_STOP = 0.95  # ... and from which it stops until the user asks for a poll


@dataclass(frozen=True)
class Pace:
    """How often the governor lets one engine poll, and what its health should say."""

    state: HealthState  # LIVE, LIMIT_LOW (slowed) or LIMIT_EXHAUSTED (suspended)
    interval: float
    message: str = ""

    @property
    def suspended(self) -> bool:
        return self.state == HealthState.LIMIT_EXHAUSTED


class BudgetGovernor:
    """One org's API usage as seen by every engine polling it. Thread-safe.

    Each answer's `Sforce-Limit-Info` names the org's usage, everyone's calls included; the
    newest reading wins (by the org's clock, and at the same second the higher count, so a
    reading that crossed with another on the way back cannot move usage backwards). Calls
    counted without a newer reading are added on top of it: an estimate that errs high, the
    safe side for a budget."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._used: int | None = None
        self._limit: int | None = None
        self._seen_at: datetime | None = None
        self._unseen = 0
        self._calls = 0

    def count(self, calls: int, used: int | None, limit: int | None,
              seen_at: datetime | None) -> None:
        """An engine made `calls` calls; its last answer said `used`/`limit` at `seen_at`."""
        with self._lock:
            self._calls += calls
            if used is not None and limit and self._newer(used, seen_at):
                self._used, self._limit, self._seen_at, self._unseen = used, limit, seen_at, 0
            else:
                self._unseen += calls

    def _newer(self, used: int, seen_at: datetime | None) -> bool:
        if self._used is None or seen_at is None or self._seen_at is None:
            return True
        return seen_at > self._seen_at or (seen_at == self._seen_at and used >= self._used)

    @property
    def calls(self) -> int:
        """Calls counted by every engine sharing this governor."""
        with self._lock:
            return self._calls

    def usage(self) -> tuple[int | None, int | None]:
        """(used, limit) of the daily allowance, or (None, None) before any org said."""
        with self._lock:
            if self._used is None:
                return None, None
            return self._used + self._unseen, self._limit

    def pace(self, interval: float) -> Pace:
        """The interval to poll at instead of `interval`, by the share of the allowance used."""
        used, limit = self.usage()
        share = used / limit if used is not None and limit else 0.0
        if share >= GOVERNOR_STOP:
            # the rest of the allowance belongs to the org's other integrations
            return Pace(HealthState.LIMIT_EXHAUSTED, interval,
                        f"API usage at {share:.0%} of the daily allowance: polling paused; "
                        "press r to poll once more.")
        if share >= GOVERNOR_SLOW:
            return Pace(HealthState.LIMIT_LOW, interval * 2,
                        f"API usage at {share:.0%}: polling every {interval * 2:.0f}s "
                        f"instead of {interval:.0f}s.")
        return Pace(HealthState.LIVE, interval)


class PollSchedule:
    """When one engine polls next, and its health. Owned by that engine's thread."""

    def __init__(self, clock: Clock, governor: BudgetGovernor, interval: float) -> None:
        self.clock = clock
        self.governor = governor
        self.interval = interval  # the profile's
        self.factor = 1.0  # times the profile's interval (a background tab polls slower)
        self.failures = 0
        self.last_success: datetime | None = None
        self.suspended = False  # by the budget governor, until retry_now()
        self.next_poll: datetime | None = None
        self.health = Health(HealthState.CONNECTING, "Connecting…", interval=interval)

    @property
    def base(self) -> float:
        return self.interval * self.factor

    @property
    def storm(self) -> bool:
        """So many failures in a row that what the mirror holds is not to be trusted."""
        return self.failures >= ERROR_STORM

    def next_delay(self) -> float | None:
        if self.suspended:
            return None
        if self.next_poll is None:
            return 0.0
        return max(0.0, (self.next_poll - self.clock()).total_seconds())

    def retry_now(self) -> None:
        self.suspended = False
        self.next_poll = self.clock()

    def set_factor(self, factor: float) -> None:
        """Poll every `factor` x the profile's interval. After a success the next poll moves
        at once (a tab brought to the front polls soon); a back-off keeps its schedule."""
        if factor <= 0:
            raise ValueError(f"an interval factor must be positive, not {factor}")
        self.factor = factor
        if self.last_success is not None and self.failures == 0 and not self.suspended:
            self._schedule(self.last_success)

    def succeeded(self) -> None:
        now = self.clock()
        self.failures = 0
        self.last_success = now
        self._schedule(now)

    def _schedule(self, since: datetime) -> None:
        pace = self.governor.pace(self.base)
        # a success under the stop line ends a suspension: polling must not stay paused (or
        # ignore the slow-down, as `flowstage watch` did) under a header that says live
        self.suspended = pace.suspended
        self.next_poll = since + timedelta(seconds=pace.interval)
        used, limit = self.governor.usage()
        self.health = Health(pace.state, pace.message, since,
                             None if self.suspended else self.next_poll, used, limit, 0,
                             pace.interval)

    def in_flight(self) -> None:
        """A request went out after a success was published: the screen must know, in case
        it hangs."""
        self.health = replace(self.health, in_flight_since=self.clock())

    def failed(self, exc: FlowstageError, rng: random.Random) -> None:
        """Back off: 5 s doubling to 5 min, with jitter, longer for a login or the limit."""
        now = self.clock()
        self.failures += 1
        used, limit = self.governor.usage()
        delay = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (self.failures - 1))
        delay *= rng.uniform(0.8, 1.2)
        detail = None
        command = None
        reason = ""
        message = str(exc)
        if isinstance(exc, AuthNeeded):
            state = HealthState.REAUTH
            command = exc.command
            delay = max(delay, 30.0)
        elif isinstance(exc, ApiLimitExceeded):
            state = HealthState.LIMIT_EXHAUSTED
            delay = max(delay, 300.0)
            message = f"{exc} Polling waits: next try in {round(delay / 60)} min."
        elif isinstance(exc, NetworkDown):
            state, reason = HealthState.OFFLINE, exc.reason
        elif isinstance(exc, OrgUnavailable):
            state, reason = HealthState.ORG_ERROR, exc.reason
        else:
            state = HealthState.STALE
            if isinstance(exc, QueryRefused):
                detail = "\n".join(x for x in (exc.detail, exc.soql) if x)
        self.next_poll = now + timedelta(seconds=delay)
        self.health = Health(state, message, self.last_success, self.next_poll, used, limit,
                             self.failures, self.base, detail, command, reason)
