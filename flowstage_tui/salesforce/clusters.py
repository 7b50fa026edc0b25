"""Failure clusters: Error runs grouped by the fingerprint of their failure.

A run's failure is its interview's error text (FlowInterview.Error, v62+) and its place: the
orchestration, the failing stage and the failing step, which come from its `FailStep` run-log
row (steps carry no error field; the run's CurrentStage and the interview's CurrentElement
stand in where the org keeps no log). When the org has no error text (before v62), the
runs cluster by place alone, and the report says so.

Pure: rows go in parsed (cluster_queries.py asks for them), the clock comes in as `now`. The
texts are org data: whoever shows them escapes them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from textwrap import shorten
from typing import Any

from .fingerprint import error_codes, fingerprint, normalise
from .models import InterviewError, Run
from .parse import sf_datetime
from .resume_window import FAIL_KIND, in_resume_window

FAIL_STEP = "FailStep"
HOUR = timedelta(hours=1)
DEFAULT_HOURS = 24  # the sparkline's span: failures per hour over the last day


@dataclass(frozen=True)
class FailRow:
    """One FailInstance or FailStep run-log row, with the version the run was on."""

    run_id: str
    kind: str
    timestamp: datetime
    stage: str | None
    step: str | None
    version: int | None


def fail_row(rec: Mapping[str, Any]) -> FailRow | None:
    when = sf_datetime(rec.get("Timestamp"))
    run_id = rec.get("OrchestrationInstanceId")
    if when is None or not run_id:
        return None
    version = rec.get("OrchestrationVersion")
    return FailRow(str(run_id), str(rec.get("Kind") or ""), when, rec.get("StageName"),
                   rec.get("StepName"), version if isinstance(version, int) else None)


@dataclass(frozen=True)
class Failure:
    """One Error run as a cluster sees it."""

    run: Run
    message: str | None  # FlowInterview.Error; None when the org has none or gave none
    stage: str | None
    step: str | None
    version: int | None
    failed_at: datetime | None  # its latest FailInstance row: where the resume window counts
    seen: datetime  # when it failed as best known: FailInstance, FailStep, else modified

    @property
    def orchestration(self) -> str:
        return self.run.orchestration or self.run.label or "(unknown orchestration)"


def failure(run: Run, err: InterviewError | None, rows: Sequence[FailRow]) -> Failure:
    """The failure of `run` from its interview and its Fail* log rows (any order)."""
    mine = sorted((r for r in rows if r.run_id == run.id), key=lambda r: r.timestamp)
    fails = [r for r in mine if r.kind == FAIL_KIND]
    steps = [r for r in mine if r.kind == FAIL_STEP]
    last_step = steps[-1] if steps else None
    failed_at = fails[-1].timestamp if fails else None
    version = next((r.version for r in reversed(mine) if r.version is not None), None)
    stage = (last_step.stage if last_step else None) or (fails[-1].stage if fails else None) \
        or run.current_stage
    step = (last_step.step if last_step else None) or (fails[-1].step if fails else None) \
        or (err.element if err else None)
    seen = failed_at or (last_step.timestamp if last_step else None) or run.modified
    message = err.message if err is not None and err.message else None
    return Failure(run, message, stage, step, version, failed_at, seen)


@dataclass(frozen=True)
class Cluster:
    """The failures that share a fingerprint, newest first."""

    fingerprint: str
    by_text: bool  # False: no error text, clustered by (orchestration, stage, step) alone
    stage: str | None
    step: str | None
    normalised: str | None
    failures: tuple[Failure, ...]

    @property
    def count(self) -> int:
        return len(self.failures)

    @property
    def first_seen(self) -> datetime:
        return min(f.seen for f in self.failures)

    @property
    def last_seen(self) -> datetime:
        return max(f.seen for f in self.failures)

    @property
    def message(self) -> str | None:
        """One representative message in full: the newest failure's."""
        return self.failures[0].message

    @property
    def codes(self) -> tuple[str, ...]:
        return error_codes(self.message or "")

    @property
    def run_ids(self) -> tuple[str, ...]:
        return tuple(f.run.id for f in self.failures)

    @property
    def orchestrations(self) -> tuple[tuple[str, tuple[int, ...]], ...]:
        """(orchestration, the versions its failed runs were on), by name."""
        by: dict[str, set[int]] = {}
        for f in self.failures:
            versions = by.setdefault(f.orchestration, set())
            if f.version is not None:
                versions.add(f.version)
        return tuple((name, tuple(sorted(v))) for name, v in sorted(by.items()))

    def in_window(self, now: datetime) -> int | None:
        """How many can still be resumed (14 days from their FailInstance row); None when no
        failure time is known (the org keeps no run log this user may read)."""
        if all(f.failed_at is None for f in self.failures):
            return None
        return sum(in_resume_window(f.failed_at, now) for f in self.failures)

    def per_hour(self, now: datetime, hours: int = DEFAULT_HOURS) -> tuple[int, ...]:
        """Failures in each of the last `hours` hours, oldest first, the current hour last."""
        counts = [0] * hours
        for f in self.failures:
            ago = int((now - f.seen) // HOUR)
            if 0 <= ago < hours:
                counts[hours - 1 - ago] += 1
        return tuple(counts)

    def title(self) -> str:
        """`UNABLE_TO_LOCK_ROW in Account_Setup / Create_Billing_Account`: the first code (or
        the start of the text) and the place, for one-line lists."""
        what = self.codes[0] if self.codes else None
        if what is None:
            what = shorten(self.normalised or "", 60, placeholder="…") or "failed (no error text)"
        return f"{what} in {self.stage or '?'} / {self.step or '?'}"


def build_clusters(failures: Iterable[Failure]) -> tuple[Cluster, ...]:
    """Clusters, the biggest first (ties: the most recent, then the fingerprint)."""
    groups: dict[str, list[Failure]] = {}
    for f in failures:
        key = fingerprint(f.message, f.orchestration, f.stage, f.step)
        groups.setdefault(key, []).append(f)
    out = []
    for key, members in groups.items():
        members.sort(key=lambda f: (f.seen, f.run.id), reverse=True)
        first = members[0]
        out.append(Cluster(key, first.message is not None, first.stage, first.step,
                           normalise(first.message) if first.message is not None else None,
                           tuple(members)))
    return tuple(sorted(out, key=lambda c: (-c.count, -c.last_seen.timestamp(),
                                            c.fingerprint)))


def find_cluster(clusters: Iterable[Cluster], prefix: str) -> list[Cluster]:
    """The clusters whose fingerprint starts with `prefix` (people type the first few)."""
    p = prefix.strip().lower()
    return [c for c in clusters if p and c.fingerprint.startswith(p)]


SPARK = "▁▂▃▄▅▆▇█"
SPARK_ASCII = "_.-=+*#@"


def sparkline(counts: Sequence[int], ascii_only: bool = False) -> str:
    """One character per count, scaled to the largest; a space for none."""
    bars = SPARK_ASCII if ascii_only else SPARK
    top = max(counts, default=0)
    if top == 0:
        return " " * len(counts)
    return "".join(" " if n == 0 else bars[min(len(bars) - 1, (n * len(bars) - 1) // top)]
                   for n in counts)


@dataclass(frozen=True)
class FailureReport:
    """What `flowstage failures` and the failures view show, and what the org could not say."""

    clusters: tuple[Cluster, ...]
    error_text: bool  # the org has FlowInterview.Error (v62+)
    run_log: bool  # the run log was read (FailStep places, FailInstance times)
    now: datetime

    @property
    def failures(self) -> int:
        return sum(c.count for c in self.clusters)

    def notes(self) -> tuple[str, ...]:
        """One line per thing the org did not give, saying what that changes."""
        out = []
        if not self.error_text:
            out.append("This org has no FlowInterview.Error (it needs API v62 or later): runs "
                       "are clustered by orchestration, stage and step only.")
        if not self.run_log:
            out.append("The run log (FlowOrchestrationLog) could not be read: failing steps "
                       "come from the interviews, failure times from the runs' last change, "
                       "and the resume window is unknown.")
        return tuple(out)
