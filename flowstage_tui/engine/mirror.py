"""The mirror: the runs in the window with their stages, steps and work items, the watermarks
that say how far each object has been read, and the change marks a poll collects.

Pure bookkeeping: no I/O and no clock. Whoever reads the org hands the rows in (with the
moment they were read, where a value depends on it) and asks for the snapshot to publish.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from types import MappingProxyType
from typing import Any

from ..salesforce import parse
from ..salesforce.capabilities import RUN, STAGE, STEP, WORK, Capabilities
from ..salesforce.models import InterviewError, OrgInfo, Run, StageRun, StepRun, WorkItem
from ..salesforce.queries import RunFilter
from ..salesforce.run_sort import DEFAULT_SORT, Cursor, RunSort
from .state import ChangeSet, Snapshot

OBJECTS = (RUN, STAGE, STEP, WORK)
CHILDREN = (STAGE, STEP, WORK)

# Fields Salesforce recomputes from the clock on every read (and what we derive from them,
# to within the second a read takes): not a change worth marking.
_VOLATILE: dict[type, dict[str, None]] = {
    Run: {"duration": None}, WorkItem: {"seconds_assigned": None, "assigned_since": None}}


def differs(old: Any, new: Any) -> bool:
    """A real change, not just a duration or elapsed time that grew since the last read."""
    if old == new:
        return False
    volatile = _VOLATILE.get(type(old))
    if volatile is None:
        return True
    return bool(replace(old, **volatile) != replace(new, **volatile))


class Changes:
    """Ids added, changed and removed per object, collected while a poll is applied."""

    def __init__(self) -> None:
        self.added: dict[str, set[str]] = {}
        self.changed: dict[str, set[str]] = {}
        self.removed: dict[str, set[str]] = {}

    def note(self, kind: str, obj: str, rid: str) -> None:
        getattr(self, kind).setdefault(obj, set()).add(rid)

    def freeze(self, full: bool = False) -> ChangeSet:
        def fz(d: dict[str, set[str]]) -> Mapping[str, frozenset[str]]:
            return MappingProxyType({k: frozenset(v) for k, v in d.items() if v})

        return ChangeSet(fz(self.added), fz(self.changed), fz(self.removed), full)


@dataclass
class Mirror:
    runs: dict[str, Run] = field(default_factory=dict)
    errors: dict[str, InterviewError] = field(default_factory=dict)
    stages: dict[str, StageRun] = field(default_factory=dict)
    steps: dict[str, StepRun] = field(default_factory=dict)
    items: dict[str, WorkItem] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    more: bool = False  # older runs exist beyond the window
    # per object, the newest SystemModstamp read (org time): the next poll asks past it
    watermarks: dict[str, datetime] = field(default_factory=dict)
    deleted_mark: datetime | None = None  # the deletion check looks back from here
    # the order of the window (the server's ORDER BY): trimming and the cursor follow it
    sort: RunSort = DEFAULT_SORT
    caps: Capabilities | None = None  # which field Orchestration sorts by

    def table(self, obj: str) -> dict[str, Any]:
        tables: dict[str, dict[str, Any]] = {RUN: self.runs, STAGE: self.stages,
                                             STEP: self.steps, WORK: self.items}
        return tables[obj]

    def copy(self) -> Mirror:
        """A copy whose tables this one's edits leave alone (the rows are immutable)."""
        return Mirror(dict(self.runs), dict(self.errors), dict(self.stages), dict(self.steps),
                      dict(self.items), dict(self.counts), self.more, dict(self.watermarks),
                      self.deleted_mark, self.sort, self.caps)

    # ------------------------------------------------------------ watermarks
    def bump(self, obj: str, stamp: datetime) -> None:
        self.watermarks[obj] = max(stamp, self.watermarks.get(obj, stamp))

    def start_watermarks(self, fallback: datetime, floor: datetime | None = None) -> None:
        """After a full load, every object's watermark (and the deletion mark) starts at the
        newest modification the load saw, or at `fallback` (the org's clock) if it saw none;
        never before `floor`. (A window sorted by anything but newest-first need not hold the
        org's newest changes: its watermarks start at the org's clock, or the first poll would
        re-read every change since the window's newest.)"""
        newest = max((x.modstamp for obj in OBJECTS for x in self.table(obj).values()),
                     default=fallback)
        if floor is not None:
            newest = max(newest, floor)
        self.watermarks = dict.fromkeys(OBJECTS, newest)
        self.deleted_mark = newest

    # ------------------------------------------------------------ edits
    def put_run(self, run: Run, err: InterviewError | None, changes: Changes) -> None:
        old = self.runs.get(run.id)
        if old is None:
            changes.note("added", RUN, run.id)
        elif differs(old, run) or self.errors.get(run.id) != err:
            changes.note("changed", RUN, run.id)
        self.runs[run.id] = run
        if err is not None:
            self.errors[run.id] = err
        else:
            self.errors.pop(run.id, None)

    def drop_run(self, run_id: str, changes: Changes) -> None:
        """A run leaves, with its error and every child."""
        self.runs.pop(run_id, None)
        self.errors.pop(run_id, None)
        changes.note("removed", RUN, run_id)
        for obj in CHILDREN:
            table = self.table(obj)
            for cid in [cid for cid, c in table.items() if c.run_id == run_id]:
                self.drop_child(obj, cid, changes)

    def drop_child(self, obj: str, rid: str, changes: Changes) -> None:
        if self.table(obj).pop(rid, None) is not None:
            changes.note("removed", obj, rid)

    def apply_children(self, obj: str, rows: Iterable[dict[str, Any]], changes: Changes, *,
                       read_at: datetime) -> None:
        """Stage, step or work item rows, read at `read_at` in one response. Rows of runs
        outside the window move the watermark but are not kept."""
        makers: dict[str, Callable[[dict[str, Any]], Any]] = {
            STAGE: parse.stage, STEP: parse.step,
            WORK: lambda rec: parse.work_item(rec, read_at=read_at)}
        maker = makers[obj]
        table = self.table(obj)
        for rec in rows:
            item = maker(rec)
            self.bump(obj, item.modstamp)
            if obj == WORK and item.run_id is None and item.step_id in self.steps:
                # the run comes through the step (never RelatedRecordId, the context record):
                # the row lacked the parent path, the step we hold knows its run
                item = replace(item, run_id=self.steps[item.step_id].run_id)
            if item.run_id not in self.runs:
                continue
            old = table.get(item.id)
            if old is None:
                changes.note("added", obj, item.id)
            elif differs(old, item):
                changes.note("changed", obj, item.id)
            table[item.id] = item

    def apply_counts(self, rows: Iterable[dict[str, Any]]) -> None:
        self.counts = {str(r.get("Status")): int(r.get("expr0") or 0) for r in rows}

    def trim(self, limit: int, changes: Changes) -> None:
        """Keep the first `limit` runs in the sort's order: the window grows by what the org
        starts, not forever."""
        if len(self.runs) <= limit:
            return
        ordered = self.ordered()
        for run in ordered[limit:]:
            self.drop_run(run.id, changes)
        self.more = True

    def note_removed_since(self, old: Mirror, changes: Changes) -> None:
        """After a reload into this mirror: what `old` held and this one does not is gone."""
        for obj in OBJECTS:
            for rid in old.table(obj):
                if rid not in self.table(obj):
                    changes.note("removed", obj, rid)

    # ------------------------------------------------------------ reading
    def ordered(self) -> list[Run]:
        return self.sort.ordered(list(self.runs.values()), self.caps)

    def last_run(self) -> Run | None:
        """The window's last run in the sort's order: the next page starts after it."""
        if not self.runs:
            return None
        pick = min if self.sort.descending else max
        return pick(self.runs.values(), key=lambda r: self.sort.rank(r, self.caps))

    def last_key(self) -> Cursor | None:
        last = self.last_run()
        return None if last is None else self.sort.cursor(last, self.caps)

    def beyond_window(self, run: Run, edge: Run | None) -> bool:
        """`run` sorts after `edge` (the window's last run) while more runs exist past the
        window: it belongs to a page not loaded, not at the end of this one."""
        return self.more and edge is not None and run.id != edge.id and \
            self.sort.comes_after(run, edge, self.caps)

    def oldest_created(self) -> datetime | None:
        """The earliest start in the window, whatever the sort: children are read back to it."""
        return min((r.created for r in self.runs.values()), default=None)

    def snapshot(self, prev: Snapshot, changes: ChangeSet, *, flt: RunFilter,
                 org: OrgInfo | None, taken: datetime) -> Snapshot:
        """The snapshot to publish after `changes`, `prev` being the last one published."""
        if not changes.size and not changes.full and prev.taken is not None and \
                prev.filter == flt and prev.sort == self.sort and \
                len(prev.runs) == len(self.runs):
            # nothing moved: keep the tables, refresh only what always changes
            return replace(prev, counts=MappingProxyType(dict(self.counts)), taken=taken,
                           more=self.more)
        runs = tuple(self.ordered())
        stages: dict[str, list[StageRun]] = {}
        for s in self.stages.values():
            stages.setdefault(s.run_id, []).append(s)
        steps: dict[str, list[StepRun]] = {}
        for st in self.steps.values():
            steps.setdefault(st.stage_id, []).append(st)
        items: dict[str, list[WorkItem]] = {}
        for wi in self.items.values():
            items.setdefault(wi.step_id or "", []).append(wi)
        return Snapshot(
            runs=runs,
            stages=MappingProxyType({k: tuple(sorted(v, key=lambda s: (s.position, s.id)))
                                     for k, v in stages.items()}),
            steps=MappingProxyType({k: tuple(sorted(v, key=lambda s: (s.created, s.id)))
                                    for k, v in steps.items()}),
            work_items=MappingProxyType({k: tuple(sorted(v, key=lambda w: (w.created, w.id)))
                                         for k, v in items.items()}),
            errors=MappingProxyType(dict(self.errors)),
            counts=MappingProxyType(dict(self.counts)),
            filter=flt, org=org, taken=taken, more=self.more, sort=self.sort)
