"""SyncEngine: mirrors the runs the user is looking at, one cheap poll at a time.

- A full load fetches the current page of runs (keyset-paged, newest first) with the status
  counts in one `/composite` call, then their stages, steps and work items in a second.
- An incremental poll asks each object only for rows whose SystemModstamp passed its
  watermark (minus an overlap margin, deduplicated by Id): runs, stages, steps, work items and
  the status counts in ONE `/composite` call. An idle org costs exactly one API call.
- Deletions are caught at a slower cadence with queryAll (IsDeleted rows), one call.
- Failures never escape: they become a Health state, with capped exponential backoff.
- Time comes from an injected clock; the engine never sleeps (the caller schedules polls).

This module orchestrates; the pieces are beside it: `mirror` (the rows, watermarks and change
marks, pure), `governor` (API budget, back-off, the poll schedule), `details` (one stage's
history, feed, log and shares).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from ..errors import AuthNeeded, FlowstageError, QueryRefused
from ..salesforce import parse
from ..salesforce.capabilities import RUN, WORK, Capabilities
from ..salesforce.connect import Connection
from ..salesforce.models import InterviewError, Run, StageDetails
from ..salesforce.queries import QueryBuilder, RunFilter
from ..salesforce.run_sort import DEFAULT_SORT, Cursor, RunSort
from ..salesforce.work import DEFAULT_STUCK_AFTER
from ..salesforce.work_queries import WorkQueries
from .details import fetch_details, stage_times
from .governor import BudgetGovernor, PollSchedule
from .mirror import CHILDREN, OBJECTS, Changes, Mirror
from .state import ChangeSet, Health, PollResult, Snapshot
from .work import WorkTracker, apply_deleted

if TYPE_CHECKING:  # the client drags in requests: the first frame must not wait for it
    from ..salesforce.client import SalesforceClient

__all__ = ["BudgetGovernor", "SyncEngine", "stage_times", "utc_now"]

Clock = Callable[[], datetime]

OVERLAP = timedelta(seconds=60)  # re-read this much before each watermark: skew, commit lag
DELETION_EVERY = timedelta(minutes=5)
DELETE_LOG_WINDOW = timedelta(days=15)  # queryAll sees deleted rows this long (recycle bin)


def utc_now() -> datetime:
    return datetime.now(UTC)


class SyncEngine:
    """Owned by one worker thread; every public method returns values, never raises.

    `governor`: the API budget this engine spends from. Engines polling the same org (two
    tabs on one org Id) should share one, so that each slows down for their combined usage;
    by default an engine has its own."""

    def __init__(self, connection: Connection, *, clock: Clock = utc_now,
                 flt: RunFilter | None = None, page_size: int = 200, margin: int = 50,
                 interval: float = 15.0, rng: random.Random | None = None,
                 governor: BudgetGovernor | None = None,
                 stuck_after: timedelta = DEFAULT_STUCK_AFTER,
                 sort: RunSort = DEFAULT_SORT) -> None:
        self.connection = connection
        self.clock = clock
        self.filter = flt or RunFilter()
        self.sort = sort
        self.page_size = page_size
        self.margin = margin
        self.rng = rng or random.Random()
        self.governor = governor or BudgetGovernor()
        self._schedule = PollSchedule(clock, self.governor, interval)
        self._m = Mirror()
        self._client: SalesforceClient | None = None
        self._counted = 0  # the client's calls already counted with the governor
        self._caps: Capabilities | None = None
        self._builder: QueryBuilder | None = None
        self._last_deletion_check: datetime | None = None
        self._needs_full = True
        self._loaded_pages = 1
        self._snapshot = Snapshot.empty(self.filter)
        self.stuck_after = stuck_after  # the profile's: a work item held longer is stuck
        self._work = WorkTracker()
        self._wq: WorkQueries | None = None

    # ------------------------------------------------------------ public
    @property
    def health(self) -> Health:
        return self._schedule.health

    @property
    def snapshot(self) -> Snapshot:
        return self._snapshot

    @property
    def capabilities(self) -> Capabilities | None:
        return self._caps

    @property
    def client(self) -> SalesforceClient | None:
        return self._client

    def set_filter(self, flt: RunFilter) -> None:
        """A new filter means a new window: the next poll reloads."""
        if flt != self.filter:
            self.filter = flt
            self._needs_full = True
            self._loaded_pages = 1

    def set_sort(self, sort: RunSort) -> None:
        """A new order means a new window (the server sorts, the keyset follows): reload."""
        if sort != self.sort:
            self.sort = sort
            self._needs_full = True
            self._loaded_pages = 1

    def set_work_mode(self, on: bool) -> None:
        """While on (the Work view is open), polls keep every open work item of the org in
        `Snapshot.work`; still one call per idle poll (engine/work.py)."""
        self._work.set_on(on)

    def retry_now(self) -> None:
        """Poll at once, even when backing off or suspended by the budget governor."""
        self._schedule.retry_now()

    def next_delay(self) -> float | None:
        """Seconds until the caller should poll again; None: wait for the user (suspended)."""
        return self._schedule.next_delay()

    def set_interval_factor(self, factor: float) -> None:
        """Poll every `factor` x the profile's interval: 4 for a tab in the background, 1 when
        it comes back to the front (its next poll then moves up at once)."""
        self._schedule.set_factor(factor)

    def poll_once(self, progress: Callable[[PollResult], None] | None = None) -> PollResult:
        """One poll: connect if needed, then a full or incremental sync. Never raises.

        On the first load, `progress` receives the runs (with counts) as soon as they arrive,
        before their stages, steps and work items: the user sees runs one call sooner."""
        calls_before = self._client.stats.calls if self._client else 0
        saved = self._checkpoint()
        try:
            if self._client is None:
                self._connect()
            if self._schedule.storm or self._deletions_forgotten():
                self._needs_full = True
            if self._needs_full:
                changes = self._full_load(progress)
            else:
                pending = self._incremental()
                if self._deletion_due():
                    self._check_deletions(pending)
                changes = pending.freeze()
            self._work.refresh_people(self._client, self._wq, self.clock())
            self._succeeded()
            result = self._publish(changes)
        except FlowstageError as exc:
            self._rollback(saved)
            self._failed(exc)
            result = PollResult(self._snapshot, ChangeSet(), self.health)
        except Exception as exc:  # a bug must not kill the app's polling; nor is it the org's
            self._rollback(saved)
            self._failed(FlowstageError(f"Unexpected error while polling: {exc!r}"))
            result = PollResult(self._snapshot, ChangeSet(), self.health)
        calls = (self._client.stats.calls if self._client else 0) - calls_before
        return PollResult(result.snapshot, result.changes, result.health, calls)

    def load_more(self) -> PollResult:
        """Fetch the next (older) page of runs with their children."""
        calls_before = self._client.stats.calls if self._client else 0
        saved = self._checkpoint()
        try:
            if self._client is None or self._needs_full:
                return self.poll_once()
            changes = Changes()
            runs = self._fetch_runs_page(self._m.last_key())
            for run, err in runs:
                self._m.put_run(run, err, changes)
            self._m.more = len(runs) >= self.page_size
            self._backfill([r.id for r, _ in runs], changes)
            self._loaded_pages += 1
            self._count()
            result = self._publish(changes.freeze())
        except FlowstageError as exc:
            self._rollback(saved)
            self._failed(exc)
            result = PollResult(self._snapshot, ChangeSet(), self.health)
        calls = (self._client.stats.calls if self._client else 0) - calls_before
        return PollResult(result.snapshot, result.changes, result.health, calls)

    def fetch_details(self, stage_id: str) -> StageDetails | FlowstageError:
        """History, feed (with comments), log rows and shares of one stage: ONE call."""
        stage = self._m.stages.get(stage_id)
        if stage is None or self._client is None or self._builder is None:
            return QueryRefused("That stage is no longer on screen.")
        details = fetch_details(self._client, self._builder, stage)
        self._count()
        return details

    # ------------------------------------------------------------ all or nothing
    def _checkpoint(self) -> tuple[Any, ...]:
        """The mirror as the last published snapshot left it. A poll is applied whole or not
        at all: one that fails midway (its third subrequest refused, its backfill call lost)
        must not leave runs half-applied, their change marks lost and their watermarks moved
        past rows never fetched."""
        return self._m.copy(), self._last_deletion_check, self._needs_full, self._work.copy()

    def _rollback(self, saved: tuple[Any, ...]) -> None:
        needs_full = self._needs_full  # a reload found necessary (new connection) stays so
        self._m, self._last_deletion_check, self._needs_full, work = saved
        work.set_on(self._work.on)  # a mode switched meanwhile stays switched
        self._work = work
        self._needs_full = self._needs_full or needs_full

    # ------------------------------------------------------------ connect
    def _connect(self) -> None:
        try:
            client, caps = self.connection.open()
        except AuthNeeded as exc:
            # A login that could not reach the org is the network's fault, not the
            # credentials': say offline, not "re-auth needed".
            import requests  # here, not at import time: the first frame must not wait

            from ..salesforce.client import network_error

            cause = exc.__cause__
            if isinstance(cause, requests.RequestException):
                raise network_error(cause) from exc
            raise
        self._client = client
        self._counted = 0  # what connecting cost is counted with the first poll
        self._caps = caps
        self._builder = QueryBuilder(caps, self.filter, self.sort)
        self._wq = WorkQueries(caps)
        self._needs_full = True

    # ------------------------------------------------------------ loads
    def _fetch_runs_page(self, after: Cursor | None,
                         with_counts: bool = False) -> list[tuple[Run, InterviewError | None]]:
        assert self._builder is not None and self._client is not None
        subs = [("runs", self._builder.runs_page(self.page_size, after))]
        if with_counts:
            subs.append(("counts", self._builder.status_counts()))
            if self._wq is not None and (q := self._work.load_subrequest(self._wq)):
                subs.append(("work", q))  # the whole queue comes with the first call
        res = self._client.composite(subs)
        rows = self._client.records(res["runs"])
        if with_counts:
            self._m.apply_counts(self._client.records(res["counts"]))
            if "work" in res:
                self._work.apply(self._client.records(res["work"]), self.clock())
        return [(parse.run(r), parse.interview_error(r)) for r in rows]

    def _full_load(self, progress: Callable[[PollResult], None] | None = None) -> ChangeSet:
        assert self._builder is not None
        self._builder.filter = self.filter
        self._builder.sort = self.sort
        old = self._m
        first = not old.runs and self._snapshot.taken is None
        self._m = Mirror(sort=self.sort, caps=self._caps)
        changes = Changes()
        pages = self._loaded_pages
        runs = self._fetch_runs_page(None, with_counts=True)
        for run, err in runs:
            self._m.put_run(run, err, changes)
        more = len(runs) >= self.page_size
        while more and pages > 1:
            batch = self._fetch_runs_page(self._m.last_key())
            for run, err in batch:
                self._m.put_run(run, err, changes)
            more = len(batch) >= self.page_size
            pages -= 1
        self._m.more = more
        if first and progress is not None and self._m.runs:
            # Nothing on screen yet: show the runs now. (A reload keeps the old tables until
            # it has everything, so the stages pane never blinks empty.) The call for their
            # children starts now: the screen must know it is in flight, in case it hangs.
            self._succeeded()
            self._schedule.in_flight()
            progress(self._publish(changes.freeze(full=True)))
        self._backfill(list(self._m.runs), changes)
        # Watermarks start at the newest modification this load saw, for every object; with
        # nothing seen, at the org's clock (its Date header), never ours: with the org behind,
        # ours would skip what the org writes until it catches up.
        now = self._org_now()
        self._m.start_watermarks(now, floor=None if self.sort == DEFAULT_SORT else now)
        self._last_deletion_check = self.clock()
        self._needs_full = False
        self._m.note_removed_since(old, changes)
        return changes.freeze(full=True)

    def _backfill(self, run_ids: list[str], changes: Changes) -> None:
        """Stages, steps and work items of these runs, in one call (paged if large)."""
        assert self._builder is not None and self._client is not None
        if not run_ids:
            return
        for chunk_start in range(0, len(run_ids), 200):
            chunk = run_ids[chunk_start:chunk_start + 200]
            subs = [(obj, q) for obj in CHILDREN
                    if (q := self._builder.children_of(obj, chunk))]
            res = self._client.composite(subs)
            read_at = self.clock()  # these rows were read just now, in one response
            for obj in CHILDREN:
                if obj in res:
                    self._m.apply_children(obj, self._client.records(res[obj]), changes,
                                           read_at=read_at)

    def _incremental(self) -> Changes:
        assert self._builder is not None and self._client is not None
        b, m = self._builder, self._m
        oldest = m.oldest_created()
        marks = {obj: m.watermarks[obj] - OVERLAP for obj in OBJECTS}
        # With the whole filter loaded, an older run that starts to match must show up too.
        # Started order: the window is a CreatedDate range, asked of the server. Other orders
        # (Modified moves a run as it changes) are bounded here, against the window's edge.
        run_scope = oldest if m.more and self.sort.key == "created" else None
        edge = m.last_run()
        subs: list[tuple[str, str]] = [("runs", b.runs_changed(marks[RUN], run_scope)),
                                       ("counts", b.status_counts())]
        for obj in CHILDREN:
            q = b.children_changed(obj, marks[obj], oldest)
            if obj == WORK and self._wq is not None:
                # the Work view: every item of the org (the visible runs' among them)
                q = self._work.subrequest(self._wq, marks[obj]) or q
            if q:
                subs.append((obj, q))
        res = self._client.composite(subs)
        read_at = self.clock()
        changes = Changes()
        newly_visible: list[str] = []
        for rec in self._client.records(res["runs"]):
            run, err = parse.run(rec), parse.interview_error(rec)
            m.bump(RUN, run.modstamp)
            if self.filter.matches(run) and not m.beyond_window(run, edge):
                if run.id not in m.runs and run.created < marks[RUN]:
                    newly_visible.append(run.id)  # an older run that now matches the filter
                m.put_run(run, err, changes)
            elif run.id in m.runs:
                m.drop_run(run.id, changes)
        m.apply_counts(self._client.records(res["counts"]))
        for obj in CHILDREN:
            if obj in res:
                rows = self._client.records(res[obj])
                m.apply_children(obj, rows, changes, read_at=read_at)
                if obj == WORK and self._work.on:
                    self._work.apply(rows, read_at)
        if newly_visible:
            self._backfill(newly_visible, changes)
        m.trim(self.page_size * self._loaded_pages + self.margin, changes)
        return changes

    def _deletion_due(self) -> bool:
        last = self._last_deletion_check
        return last is None or self.clock() - last >= DELETION_EVERY

    def _deletions_forgotten(self) -> bool:
        """The last deletion check is older than the recycle bin keeps deleted rows (asleep
        for weeks): queryAll can no longer name everything deleted since, so resync now, in
        this poll. A quiet org whose newest change is weeks old is not that: the checks kept
        running meanwhile."""
        last = self._last_deletion_check
        return last is not None and self.clock() - last > DELETE_LOG_WINDOW - DELETION_EVERY

    def _check_deletions(self, changes: Changes) -> None:
        """queryAll for rows deleted since the last check; ONE call at a slower cadence."""
        assert self._builder is not None and self._client is not None
        m = self._m
        mark = m.deleted_mark or self._org_now()
        b = self._builder
        subs = [(obj, q) for obj in OBJECTS if (q := b.deleted_since(obj, mark - OVERLAP))]
        res = self._client.composite(subs, include_deleted=True)
        for obj in OBJECTS:
            if obj not in res:
                continue
            deleted = self._client.records(res[obj])
            apply_deleted(self._work, obj, [rec["Id"] for rec in deleted])
            for rec in deleted:
                rid = rec["Id"]
                if obj == RUN and rid in m.runs:
                    m.drop_run(rid, changes)
                elif rid in m.table(obj):
                    m.drop_child(obj, rid, changes)
        # next time, look back from the newest change this mirror has seen (the watermarks
        # only move forward, so this is never before this check's own mark)
        m.deleted_mark = max(m.watermarks.values())
        self._last_deletion_check = self.clock()

    def _org_now(self) -> datetime:
        told = self._client.server_time if self._client is not None else None
        return told if told is not None else self.clock()

    # ------------------------------------------------------------ outcome
    def _publish(self, changes: ChangeSet) -> PollResult:
        taken = self.clock()
        snap = self._m.snapshot(self._snapshot, changes, flt=self.filter,
                                org=self.connection.org, taken=taken)
        work = self._work.queue(taken, self.stuck_after) if self._work.ready else None
        self._snapshot = replace(snap, work=work) if work is not snap.work else snap
        return PollResult(self._snapshot, changes, self.health)

    def _count(self) -> None:
        """Count the calls made since the last count with the governor, with the usage the
        org's last answer named."""
        c = self._client
        if c is None:
            return
        calls, self._counted = c.stats.calls - self._counted, c.stats.calls
        self.governor.count(calls, c.usage.used, c.usage.limit, c.server_time)

    def _succeeded(self) -> None:
        self._count()
        self._schedule.succeeded()

    def _failed(self, exc: FlowstageError) -> None:
        self._count()
        self._schedule.failed(exc, self.rng)
        if isinstance(exc, AuthNeeded):
            self._client = None  # reconnect (and log in again) on the next attempt
