"""The one resume-window function: counted from the FailInstance row, not LastModifiedDate."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flowstage_tui.salesforce.models import LogEntry
from flowstage_tui.salesforce.resume_window import (
    closes_within,
    failed_between,
    failure_time,
    in_resume_window,
    window_closes,
)

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def entry(kind: str, at: datetime) -> LogEntry:
    return LogEntry("0jE1", "0jF1", kind, at, None, None, None, None, None, None)


def test_failure_time_is_the_latest_fail_instance_row() -> None:
    log = [entry("StartInstance", T0 - timedelta(days=3)), entry("FailInstance", T0),
           entry("ResumeInstance", T0 + timedelta(hours=1)),
           entry("FailInstance", T0 + timedelta(hours=2)),
           entry("FailStep", T0 + timedelta(hours=3))]
    assert failure_time(log) == T0 + timedelta(hours=2)
    assert failure_time([entry("EndInstance", T0)]) is None


def test_window_is_fourteen_days_from_the_failure() -> None:
    assert window_closes(T0) == T0 + timedelta(days=14)
    assert window_closes(None) is None
    assert in_resume_window(T0, T0 + timedelta(days=13, hours=23))
    assert not in_resume_window(T0, T0 + timedelta(days=14))
    assert not in_resume_window(None, T0)


def test_closes_within_a_horizon() -> None:
    now = T0 + timedelta(days=13)
    assert closes_within(T0, now, timedelta(hours=48))
    assert not closes_within(T0, now, timedelta(hours=12))
    assert not closes_within(T0, T0 + timedelta(days=15), timedelta(hours=48))  # closed
    lo, hi = failed_between(now, timedelta(hours=48))
    assert lo < T0 <= hi
