"""The `:runs` presets for the runs that are the other face of stuck work.

- `stale`: InProgress or Suspended, and not modified for the profile's `stale_after` (30 days).
  LastModifiedDate, not CreatedDate: a run that moves writes its record at every stage start
  and end (CurrentStage) and status change, so a long orchestration that keeps moving is not
  stale, while one suspended a month ago is, however recently it started. Not SystemModstamp
  either: Salesforce moves that for system work (sharing recalculation) that is no progress.
  A person editing the record hides it for a while; that is the honest cost.
- `expiring`: Error runs whose 14-day resume window closes within 48 hours, counted from the
  run's FailInstance log row (resume_window.py: never LastModifiedDate, which moves whenever the
  record is touched). One query: a semi-join on FlowOrchestrationLog for a FailInstance row in
  the window, and an anti-join dropping runs that failed again after it (resumed and failed
  anew: their window restarted). Without the run log (FlowOrchestrationLog not visible to the
  user) it cannot be told, and the preset says so rather than guessing.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from ..errors import QueryRefused
from .capabilities import LOG, Capabilities
from .models import OPEN_STATUSES, Run, RunStatus
from .resume_window import FAIL_KIND, failed_between
from .soql import datetime_literal, quote

if TYPE_CHECKING:
    from .queries import RunFilter

PRESETS = ("stale", "expiring")
EXPIRING_HORIZON = timedelta(hours=48)


def preset_bounds(name: str, now: datetime,
                  stale_after: timedelta) -> tuple[datetime, datetime | None]:
    """`stale`: (modified before, None); `expiring`: the failure times (from, to] whose window
    closes within 48 hours. ValueError naming the presets for another name."""
    if name == "stale":
        return now - stale_after, None
    if name == "expiring":
        return failed_between(now, EXPIRING_HORIZON)
    raise ValueError(f"unknown preset {name!r}; use one of {', '.join(PRESETS)}")


def preset_where(flt: RunFilter, caps: Capabilities, prefix: str = "") -> list[str]:
    """The preset's WHERE conditions (none without a preset)."""
    if flt.preset is None or flt.preset_from is None:
        return []
    if flt.preset == "stale":
        statuses = ", ".join(quote(s) for s in sorted(OPEN_STATUSES))
        return [f"{prefix}Status IN ({statuses})",
                f"{prefix}LastModifiedDate < {datetime_literal(flt.preset_from)}"]
    if not caps.has(LOG):
        raise QueryRefused("The expiring preset counts from each run's FailInstance log row, "
                           "and this org does not show this user FlowOrchestrationLog; ask "
                           "for access to the run log.", code="INVALID_TYPE")
    assert flt.preset_to is not None
    lo, hi = datetime_literal(flt.preset_from), datetime_literal(flt.preset_to)
    fail = f"FROM {LOG} WHERE Kind = {quote(FAIL_KIND)} AND Timestamp"
    return [f"{prefix}Status = {quote(RunStatus.ERROR)}",
            f"{prefix}Id IN (SELECT OrchestrationInstanceId {fail} > {lo} AND Timestamp "
            f"<= {hi})",
            f"{prefix}Id NOT IN (SELECT OrchestrationInstanceId {fail} > {hi})"]


def preset_matches(flt: RunFilter, run: Run) -> bool:
    """The preset's test on a run already held (an incremental poll's changed runs).

    For `expiring` the run's failure time is not on the run: a run modified after the window's
    failure range (it has just failed, or been touched since) is taken as not matching; the
    next full reload asks the log again."""
    if flt.preset is None or flt.preset_from is None:
        return True
    if flt.preset == "stale":
        return run.status in OPEN_STATUSES and run.modified < flt.preset_from
    return run.status == RunStatus.ERROR and flt.preset_to is not None and \
        run.modified <= flt.preset_to
