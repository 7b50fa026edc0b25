"""Watch rules evaluated on each poll's snapshot: what changed into a state a rule names.

An alert is an edge, never a level: a run that enters a watched status, a work item that
starts matching a work rule. The first snapshot (and the first stuck-work queue) is the
baseline: what is already broken when the watch starts is for `flowstage work` and
`flowstage runs --status Error`, not a burst of alerts. Pure, no I/O: snapshots in, alerts
out; whoever holds the evaluator keeps it between polls.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ..config.watch_rules import WatchRule
from ..salesforce.clusters import FailureReport
from ..salesforce.models import Run
from ..salesforce.work import WorkQueue, WorkRow
from .cluster_growth import Growth, cluster_growth
from .state import Snapshot

# a run that comes into the window is news when it changed at most this long before the
# previous poll (older ones were only paged or filtered into view)
NEWS_SLACK = timedelta(minutes=5)


@dataclass(frozen=True)
class RunAlert:
    rule: WatchRule
    at: datetime | None
    run: Run
    previous: str | None  # the status it left; None when it came into the window so
    stage_label: str | None
    error: str | None  # the interview's error, its first line


@dataclass(frozen=True)
class WorkAlert:
    rule: WatchRule
    at: datetime | None
    row: WorkRow
    run: Run | None  # the item's run, when it is in the window


@dataclass(frozen=True)
class ClusterAlert:
    rule: WatchRule
    at: datetime | None
    growth: Growth


Alert = RunAlert | WorkAlert | ClusterAlert


def _contains(needle: str | None, *haystack: str | None) -> bool:
    if not needle:
        return True
    n = needle.lower()
    return any(n in (h or "").lower() for h in haystack)


def run_matches(rule: WatchRule, run: Run) -> bool:
    return str(run.status) in rule.statuses and _contains(rule.orchestration, run.orchestration,
                                                          run.label)


def work_matches(rule: WatchRule, row: WorkRow, run: Run | None) -> bool:
    if rule.orchestration and not _contains(rule.orchestration, row.run_label,
                                            run.orchestration if run else None,
                                            run.label if run else None):
        return False
    if rule.stuck_work:
        wanted = set(rule.flags) if rule.flags else None
        if not row.flags or (wanted is not None and not wanted & {str(f) for f in row.flags}):
            return False
    return rule.held is None or row.held_seconds > rule.held.total_seconds()


def run_alerts(rules: tuple[WatchRule, ...], before: Snapshot, after: Snapshot) -> list[Alert]:
    """Runs that entered a watched status between two snapshots, oldest rule first."""
    old = {r.id: r for r in before.runs}
    out: list[Alert] = []
    for rule in (r for r in rules if r.statuses):
        for run in reversed(after.runs):  # oldest first, as `watch` prints its events
            if not run_matches(rule, run):
                continue
            prev = old.get(run.id)
            if prev is not None:
                if prev.status == run.status:
                    continue
            elif before.taken is None or run.modified < before.taken - NEWS_SLACK:
                continue
            err = after.errors.get(run.id)
            label = next((s.label for s in after.stages.get(run.id, ())
                          if s.name == run.current_stage), None)
            first = (err.message or "").strip().splitlines()[0] if err and err.message \
                and err.message.strip() else None
            out.append(RunAlert(rule, after.taken, run,
                                str(prev.status) if prev is not None else None, label, first))
    return out


@dataclass
class AlertWatch:
    """The rules and what they matched last time. Mutable, owned by the poll loop."""

    rules: tuple[WatchRule, ...]
    _before: Snapshot | None = None
    _work_seen: dict[int, frozenset[str]] = field(default_factory=dict)  # rule -> item Ids
    _clusters_before: FailureReport | None = None

    @property
    def needs_work(self) -> bool:
        """A rule watches work items: the engine must keep the org's open ones."""
        return any(r.watches_work for r in self.rules)

    @property
    def needs_clusters(self) -> bool:
        """A rule watches failure clusters: the poll loop must read them now and then."""
        return any(r.clusters for r in self.rules)

    def evaluate_clusters(self, report: FailureReport) -> list[Alert]:
        """The clusters that gained runs since the previous read (the first: the baseline)."""
        before, self._clusters_before = self._clusters_before, report
        if before is None:
            return []
        return [ClusterAlert(rule, report.now, g) for rule in self.rules if rule.clusters
                for g in cluster_growth(before, report, rule.orchestration)]

    def evaluate(self, snap: Snapshot) -> list[Alert]:
        """The alerts from the previous snapshot to this one (a good poll's)."""
        out: list[Alert] = []
        if self._before is not None:
            out += run_alerts(self.rules, self._before, snap)
        self._before = snap
        if snap.work is not None:
            out += self._work_alerts(snap, snap.work)
        return out

    def _work_alerts(self, snap: Snapshot, queue: WorkQueue) -> list[Alert]:
        runs = {r.id: r for r in snap.runs}
        out: list[Alert] = []
        for rule in (r for r in self.rules if r.watches_work):
            matched = [row for row in reversed(queue.rows)  # the newest holds first
                       if work_matches(rule, row, runs.get(row.run_id or ""))]
            ids = frozenset(row.item.id for row in matched)
            seen = self._work_seen.get(rule.index)
            self._work_seen[rule.index] = ids
            if seen is None:
                continue  # the first queue: the baseline
            out += [WorkAlert(rule, snap.taken, row, runs.get(row.run_id or ""))
                    for row in matched if row.item.id not in seen]
        return out
