"""The 14-day window in which Salesforce lets an admin resume a failed orchestration run.

It counts from the run's failure: the Timestamp of its `FailInstance` run-log row
(FlowOrchestrationLog.Kind). The run's LastModifiedDate is no substitute: it moves whenever the
record is touched (a share, a field update, our own writes). This module is the one place the
TUI, `flowstage lint`, the `expiring` preset and the delete guard ask.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from .models import LogEntry

RESUME_WINDOW = timedelta(days=14)
FAIL_KIND = "FailInstance"


def failure_time(log: Iterable[LogEntry]) -> datetime | None:
    """When the run failed: its latest FailInstance row (a resumed run can fail again)."""
    times = [e.timestamp for e in log if e.kind == FAIL_KIND]
    return max(times) if times else None


def window_closes(failed_at: datetime | None) -> datetime | None:
    """When the window to resume a run that failed at `failed_at` closes."""
    return None if failed_at is None else failed_at + RESUME_WINDOW


def in_resume_window(failed_at: datetime | None, now: datetime) -> bool:
    """True while the failed run can still be resumed (an unknown failure time is not)."""
    closes = window_closes(failed_at)
    return closes is not None and now < closes


def closes_within(failed_at: datetime | None, now: datetime, horizon: timedelta) -> bool:
    """True when the window is still open and closes within `horizon` of `now`."""
    closes = window_closes(failed_at)
    return closes is not None and now < closes <= now + horizon


def failed_between(now: datetime, horizon: timedelta) -> tuple[datetime, datetime]:
    """The failure times (from, to] whose window closes within `horizon`: what a SOQL filter on
    FailInstance rows' Timestamp must ask for."""
    return now - RESUME_WINDOW, now - RESUME_WINDOW + horizon
