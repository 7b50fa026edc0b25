"""`flowstage lint`'s checks: what the org holds (read by engine/lint.py) → findings.

Pure: the data comes in read, the clock as `now`, the thresholds as LintSettings (the
profile's `[profiles.NAME.lint]` table). Each finding has a severity, one line saying what is
wrong, the command or key that fixes it, and a key that stays the same from one lint to the
next while the problem does (what `--since-last` compares).

The score: 100, less 10 per error, 3 per warning and 1 per info finding, never below 0.
It is a trend for a morning check, not a grade: one run left on an inactive user is as
urgent as ten.

The texts hold org data (names, labels): whoever shows them escapes them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import IntEnum

from .clusters import Cluster, Failure
from .models import Run
from .resume_window import closes_within, window_closes
from .work import (
    DEFAULT_STALE_AFTER,
    DEFAULT_STUCK_AFTER,
    FROZEN_UNKNOWN,
    Flag,
    WorkQueue,
    held_text,
)
from .work import short_duration as duration_text

DEFAULT_EXPIRING_WITHIN = timedelta(hours=48)
WEIGHTS = {"error": 10, "warning": 3, "info": 1}


class Severity(IntEnum):
    INFO = 1
    WARNING = 2
    ERROR = 3

    @property
    def word(self) -> str:
        return self.name.lower()

    @classmethod
    def of(cls, word: str) -> Severity:
        return cls[word.upper()]


SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True)
class Check:
    id: str
    severity: Severity
    title: str


CHECKS = (
    Check("expiring", Severity.ERROR, "Error runs whose resume window closes soon"),
    Check("bad-assignee", Severity.ERROR,
          "work items held by inactive, frozen or unresolvable assignees"),
    Check("stale", Severity.WARNING, "runs InProgress or Suspended with no progress"),
    Check("held-long", Severity.WARNING, "work items held too long"),
    Check("paused-interviews", Severity.WARNING, "paused interviews of ended runs"),
    Check("cluster-growth", Severity.WARNING, "failure clusters that grew since the last lint"),
    Check("old-versions", Severity.INFO, "runs on orchestration versions older than the "
          "active one"),
)
BY_ID = {c.id: c for c in CHECKS}


@dataclass(frozen=True)
class LintSettings:
    """The thresholds, from `[profiles.NAME.lint]` (checked on load)."""

    expiring_within: timedelta = DEFAULT_EXPIRING_WITHIN
    stale_after: timedelta = DEFAULT_STALE_AFTER
    held_after: timedelta = DEFAULT_STUCK_AFTER
    cluster_growth: int = 1  # a cluster grew when it has at least this many more runs


@dataclass(frozen=True)
class Finding:
    check: str
    severity: Severity
    key: str  # `check:subject`, stable while the problem lasts
    subject: str  # the Id (or fingerprint) the finding is about
    message: str
    fix: str

    @property
    def title(self) -> str:
        return BY_ID[self.check].title


@dataclass(frozen=True)
class PausedInterview:
    """An interview left Paused (or VersionPaused) on a run that has ended."""

    interview_id: str
    interview_status: str
    run_id: str
    run_name: str
    run_status: str
    run_title: str


@dataclass(frozen=True)
class OldVersionRuns:
    """Unfinished runs of one orchestration on a version older than its active one (from
    h-versions' VersionReport: engine/lint.py turns one into these)."""

    orchestration: str
    version: str  # "v3"; "an unknown version" when the run log named none
    active: str  # "v4"
    runs: int
    unseen_stages: tuple[str, ...] = ()  # their current stages no active-version run reached


@dataclass(frozen=True)
class LintData:
    """What the org said, for the checks. None: that check could not be made (`skipped`
    says why)."""

    now: datetime
    failures: Sequence[Failure] | None = None
    clusters: Sequence[Cluster] | None = None
    stale: Sequence[Run] | None = None
    paused: Sequence[PausedInterview] | None = None
    queue: WorkQueue | None = None
    versions: Sequence[OldVersionRuns] | None = None
    skipped: Mapping[str, str] = field(default_factory=dict)  # check id -> why not made
    notes: Mapping[str, str] = field(default_factory=dict)  # check id -> what it could not see


def _expiring(data: LintData, s: LintSettings) -> list[Finding]:
    out = []
    for f in data.failures or ():
        if not closes_within(f.failed_at, data.now, s.expiring_within):
            continue
        closes = window_closes(f.failed_at)
        assert closes is not None
        left = held_text(int((closes - data.now).total_seconds()))
        out.append(Finding(
            "expiring", Severity.ERROR, f"expiring:{f.run.id}", f.run.id,
            f"{f.run.name} ({f.run.title}) failed at {f.stage or '?'} / {f.step or '?'}; "
            f"its resume window closes in {left} ({closes:%Y-%m-%d %H:%M} UTC)",
            f"resume it in Setup before then, or `flowstage cancel {f.run.name} --write`"))
    return out


def _stale(data: LintData, s: LintSettings) -> list[Finding]:
    return [Finding(
        "stale", Severity.WARNING, f"stale:{r.id}", r.id,
        f"{r.name} ({r.title}) is {r.status} and unchanged for "
        f"{held_text(int((data.now - r.modified).total_seconds()))} (over "
        f"{duration_text(s.stale_after)})",
        f"`flowstage show {r.name}` to see what holds it; `flowstage cancel {r.name} --write` "
        "if it is dead")
        for r in data.stale or () if data.now - r.modified > s.stale_after]


def _paused(data: LintData) -> list[Finding]:
    return [Finding(
        "paused-interviews", Severity.WARNING, f"paused-interviews:{p.interview_id}",
        p.interview_id,
        f"interview {p.interview_id} is {p.interview_status} on {p.run_name} ({p.run_title}), "
        f"which is {p.run_status}: it blocks deleting that flow version",
        f"`flowstage interviews delete {p.interview_id} --confirm {p.run_name} --write`")
        for p in data.paused or ()]


BAD = (Flag.INACTIVE, Flag.FROZEN, Flag.UNRESOLVABLE, Flag.NO_ACTIVE_MEMBER)


def _work(data: LintData, s: LintSettings) -> list[Finding]:
    out: list[Finding] = []
    for row in data.queue.rows if data.queue else ():
        item = row.item
        fix = (f"`flowstage reassign {item.id} --to USER --write`, or R in the Work view "
               "(4)")
        where = f"{item.label} ({row.run_name or row.run_id or '?'}, {row.run_label or '?'})"
        bad = [f for f in BAD if f in row.flags]
        if bad:
            why = "; ".join(r for r in row.reasons  # frozen-unknown: the check's note says it
                            if not r.startswith("held ") and r != FROZEN_UNKNOWN)
            out.append(Finding("bad-assignee", Severity.ERROR, f"bad-assignee:{item.id}",
                               item.id, f"{where}: {why}", fix))
        if row.held_seconds > s.held_after.total_seconds():
            out.append(Finding(
                "held-long", Severity.WARNING, f"held-long:{item.id}", item.id,
                f"{where} held by {row.assignee_text} for {held_text(row.held_seconds)} "
                f"(over {duration_text(s.held_after)})", fix))
    return out


def _growth(data: LintData, s: LintSettings,
            before: Mapping[str, int] | None) -> list[Finding]:
    if before is None:  # the first lint: nothing to grow from (the counts are saved)
        return []
    out = []
    for c in data.clusters or ():
        was = before.get(c.fingerprint, 0)
        if c.count - was >= s.cluster_growth:
            out.append(Finding(
                "cluster-growth", Severity.WARNING, f"cluster-growth:{c.fingerprint}",
                c.fingerprint, f"{c.title()}: {was} → {c.count} Error runs since the last lint",
                f"`flowstage failures --cluster {c.fingerprint}` lists its runs"))
    return out


def _versions(data: LintData) -> list[Finding]:
    return [Finding(
        "old-versions", Severity.INFO, f"old-versions:{v.orchestration}:{v.version}",
        f"{v.orchestration} {v.version}",
        f"{v.runs} unfinished run{'s' * (v.runs != 1)} of {v.orchestration} on {v.version} "
        f"(active: {v.active})" + (
            f"; at stages not seen on the active version: {', '.join(v.unseen_stages)}"
            if v.unseen_stages else ""),
        f"`flowstage versions --orchestration {v.orchestration}`")
        for v in data.versions or () if v.runs]


@dataclass(frozen=True)
class LintReport:
    findings: tuple[Finding, ...]
    skipped: Mapping[str, str]  # check id -> why it was not made
    now: datetime
    notes: Mapping[str, str] = field(default_factory=dict)  # check id -> made only in part

    @property
    def score(self) -> int:
        return max(0, 100 - sum(WEIGHTS[f.severity.word] for f in self.findings))

    def of(self, check: str) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.check == check)

    def worst(self) -> Severity | None:
        return max((f.severity for f in self.findings), default=None)

    def counts(self) -> dict[str, int]:
        return {w: sum(f.severity.word == w for f in self.findings) for w in SEVERITIES}

    def only_new(self, seen: Iterable[str]) -> LintReport:
        """The findings whose key the previous lint did not report (`--since-last`)."""
        old = set(seen)
        return LintReport(tuple(f for f in self.findings if f.key not in old), self.skipped,
                          self.now, self.notes)


def run_checks(data: LintData, settings: LintSettings,
               clusters_before: Mapping[str, int] | None = None) -> LintReport:
    """Every check on `data`, errors first, then by check and subject (a stable order)."""
    found = (_expiring(data, settings) + _work(data, settings) + _stale(data, settings)
             + _paused(data) + _growth(data, settings, clusters_before) + _versions(data))
    order = {c.id: n for n, c in enumerate(CHECKS)}
    found.sort(key=lambda f: (-f.severity, order[f.check], f.subject))
    skipped = dict(data.skipped)
    if clusters_before is None:
        skipped.setdefault("cluster-growth", "no earlier lint of this profile to compare with "
                           "(the cluster sizes are saved for the next one)")
    return LintReport(tuple(found), skipped, data.now, dict(data.notes))


def cluster_counts(clusters: Iterable[Cluster]) -> dict[str, int]:
    return {c.fingerprint: c.count for c in clusters}


__all__ = ["BY_ID", "CHECKS", "SEVERITIES", "Check", "Finding", "LintData", "LintReport",
           "LintSettings", "OldVersionRuns", "PausedInterview", "Severity", "cluster_counts",
           "run_checks"]
