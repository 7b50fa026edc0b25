"""The one clock type: every layer asks "what time is it?" through a `Clock`, so tests, the
screenshots and the demo org's pinned time (FLOWSTAGE_DEMO_CLOCK) decide it from outside."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]  # an aware UTC moment


def system_clock() -> datetime:
    return datetime.now(UTC)


def utc_clock(seconds: Callable[[], float]) -> Clock:
    """A Clock reading a clock of POSIX seconds (the demo org's ManualClock, time.time)."""
    return lambda: datetime.fromtimestamp(seconds(), UTC)
