"""SyncEngine: mirrors the runs the user is looking at, one cheap poll at a time.

- A full load fetches the current page of runs (keyset-paged, newest first) with the status
  counts in one `/composite` call, then their stages, steps and work items in a second.
- An incremental poll asks each object only for rows whose SystemModstamp passed its
  watermark (minus an overlap margin, deduplicated by Id): runs, stages, steps, work items and
  the status counts in ONE `/composite` call. An idle org costs exactly one API call.
- Deletions are caught at a slower cadence with queryAll (IsDeleted rows), one call.
- Failures never escape: they become a Health state, with capped exponential backoff.
- Time comes from an injected clock; the engine never sleeps (the caller schedules polls).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import TYPE_CHECKING, Any
from urllib.parse import quote_plus

from ..errors import (
    ApiLimitExceeded,
    AuthNeeded,
    FlowstageError,
    NetworkDown,
    OrgUnavailable,
    QueryRefused,
)
from ..salesforce import parse
from ..salesforce.capabilities import (
    RUN,
    STAGE,
    STEP,
    WORK,
    Capabilities,
)
from ..salesforce.connect import Connection
from ..salesforce.models import (
    InterviewError,
    LogEntry,
    Run,
    StageDetails,
    StageRun,
    StepRun,
    WorkItem,
)
from ..salesforce.queries import QueryBuilder, RunFilter
from .state import ChangeSet, Health, HealthState, PollResult, Snapshot

if TYPE_CHECKING:
    from ..salesforce.client import SalesforceClient, SubResult

Clock = Callable[[], datetime]

OVERLAP = timedelta(seconds=60)  # re-read this much before each watermark: skew, commit lag
DELETION_EVERY = timedelta(minutes=5)
DELETE_LOG_WINDOW = timedelta(days=15)  # queryAll sees deleted rows this long (recycle bin)
ERROR_STORM = 5  # consecutive failures after which the next success reloads everything
BACKOFF_BASE = 5.0
BACKOFF_CAP = 300.0
GOVERNOR_SLOW = 0.80
GOVERNOR_STOP = 0.95


# Fields Salesforce recomputes from the clock on every read (and what we derive from them,
# to within the second a read takes): not a change worth marking.
_VOLATILE: dict[type, dict[str, None]] = {
    Run: {"duration": None}, WorkItem: {"seconds_assigned": None, "assigned_since": None}}


def _differs(old: Any, new: Any) -> bool:
    """A real change, not just a duration or elapsed time that grew since the last read."""
    if old == new:
        return False
    volatile = _VOLATILE.get(type(old))
    if volatile is None:
        return True
    return bool(replace(old, **volatile) != replace(new, **volatile))


_STAGE_ENDS = {"EndStage", "FailStage", "DiscontinueStage"}


def stage_times(log: tuple[LogEntry, ...]) -> dict[str, tuple[datetime | None, datetime | None]]:
    """Each stage's start (its first StartStage) and end (its last End/Fail/DiscontinueStage),
    from the run log in time order: a stage record's LastModifiedDate moves whenever the record
    is touched again, the milestones do not."""
    times: dict[str, tuple[datetime | None, datetime | None]] = {}
    for e in log:
        if e.stage_name is None:
            continue
        start, end = times.get(e.stage_name, (None, None))
        if e.kind == "StartStage" and start is None:
            start = e.timestamp
        elif e.kind in _STAGE_ENDS:
            end = e.timestamp
        times[e.stage_name] = (start, end)
    return times


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class _Mirror:
    runs: dict[str, Run] = field(default_factory=dict)
    errors: dict[str, InterviewError] = field(default_factory=dict)
    stages: dict[str, StageRun] = field(default_factory=dict)
    steps: dict[str, StepRun] = field(default_factory=dict)
    items: dict[str, WorkItem] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    more: bool = False

    def table(self, obj: str) -> dict[str, Any]:
        tables: dict[str, dict[str, Any]] = {RUN: self.runs, STAGE: self.stages,
                                             STEP: self.steps, WORK: self.items}
        return tables[obj]


class _Changes:
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


class SyncEngine:
    """Owned by one worker thread; every public method returns values, never raises."""

    def __init__(self, connection: Connection, *, clock: Clock = utc_now,
                 flt: RunFilter | None = None, page_size: int = 200, margin: int = 50,
                 interval: float = 15.0, rng: random.Random | None = None) -> None:
        self.connection = connection
        self.clock = clock
        self.filter = flt or RunFilter()
        self.page_size = page_size
        self.margin = margin
        self.interval = interval
        self.rng = rng or random.Random()
        self._m = _Mirror()
        self._client: SalesforceClient | None = None
        self._caps: Capabilities | None = None
        self._builder: QueryBuilder | None = None
        self._watermarks: dict[str, datetime] = {}
        self._deleted_mark: datetime | None = None
        self._last_deletion_check: datetime | None = None
        self._needs_full = True
        self._loaded_pages = 1
        self._failures = 0
        self._last_success: datetime | None = None
        self._suspended = False  # by the budget governor, until retry_now()
        self._health = Health(HealthState.CONNECTING, "Connecting…", interval=interval)
        self._snapshot = Snapshot.empty(self.filter)
        self._next_poll: datetime | None = None

    # ------------------------------------------------------------ public
    @property
    def health(self) -> Health:
        return self._health

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

    def retry_now(self) -> None:
        """Poll at once, even when backing off or suspended by the budget governor."""
        self._suspended = False
        self._next_poll = self.clock()

    def next_delay(self) -> float | None:
        """Seconds until the caller should poll again; None: wait for the user (suspended)."""
        if self._suspended:
            return None
        if self._next_poll is None:
            return 0.0
        return max(0.0, (self._next_poll - self.clock()).total_seconds())

    def poll_once(self, progress: Callable[[PollResult], None] | None = None) -> PollResult:
        """One poll: connect if needed, then a full or incremental sync. Never raises.

        On the first load, `progress` receives the runs (with counts) as soon as they arrive,
        before their stages, steps and work items: the user sees runs one call sooner."""
        calls_before = self._client.stats.calls if self._client else 0
        saved = self._checkpoint()
        try:
            if self._client is None:
                self._connect()
            if self._failures >= ERROR_STORM or self._deletions_forgotten():
                self._needs_full = True
            if self._needs_full:
                changes = self._full_load(progress)
            else:
                pending = self._incremental()
                if self._deletion_due():
                    self._check_deletions(pending)
                changes = pending.freeze()
            self._succeeded()
            result = self._publish(changes)
        except FlowstageError as exc:
            self._rollback(saved)
            self._failed(exc)
            result = PollResult(self._snapshot, ChangeSet(), self._health)
        except Exception as exc:  # a bug must not kill the app's polling; nor is it the org's
            self._rollback(saved)
            self._failed(FlowstageError(f"Unexpected error while polling: {exc!r}"))
            result = PollResult(self._snapshot, ChangeSet(), self._health)
        calls = (self._client.stats.calls if self._client else 0) - calls_before
        return PollResult(result.snapshot, result.changes, result.health, calls)

    def load_more(self) -> PollResult:
        """Fetch the next (older) page of runs with their children."""
        calls_before = self._client.stats.calls if self._client else 0
        saved = self._checkpoint()
        try:
            if self._client is None or self._needs_full:
                return self.poll_once()
            changes = _Changes()
            oldest = self._oldest_key()
            runs = self._fetch_runs_page(oldest)
            for run, err in runs:
                self._put_run(run, err, changes)
            self._m.more = len(runs) >= self.page_size
            self._backfill([r.id for r, _ in runs], changes)
            self._loaded_pages += 1
            result = self._publish(changes.freeze())
        except FlowstageError as exc:
            self._rollback(saved)
            self._failed(exc)
            result = PollResult(self._snapshot, ChangeSet(), self._health)
        calls = (self._client.stats.calls if self._client else 0) - calls_before
        return PollResult(result.snapshot, result.changes, result.health, calls)

    def fetch_details(self, stage_id: str) -> StageDetails | FlowstageError:
        """History, feed (with comments), log rows and shares of one stage: ONE call."""
        stage = self._m.stages.get(stage_id)
        if stage is None or self._client is None or self._builder is None:
            return QueryRefused("That stage is no longer on screen.")
        b = self._builder
        subs = [(ref, q) for ref, q in (
            ("history", b.stage_history(stage_id)), ("feed", b.stage_feed(stage_id)),
            ("run_feed", b.run_feed(stage.run_id)),
            ("log", b.run_log(stage.run_id)), ("shares", b.stage_shares(stage_id)),
        ) if q]
        try:
            res = self._client.composite(subs) if subs else {}
            history = feed = None
            if "history" in res:
                history = tuple(parse.history_entry(r) for r in self._rows(res["history"]))
            if "feed" in res or "run_feed" in res:
                feed = tuple(parse.feed_post(r) for ref in ("run_feed", "feed") if ref in res
                             for r in self._rows(res[ref]))
            run_log = tuple(parse.log_entry(r) for r in self._rows(res["log"])) \
                if "log" in res else ()
            shares = tuple((parse.path(r, "UserOrGroup.Name") or r.get("UserOrGroupId") or "",
                            r.get("AccessLevel") or "", r.get("RowCause") or "")
                           for r in self._rows(res["shares"])) if "shares" in res else ()
        except FlowstageError as exc:
            return exc
        log = tuple(e for e in run_log if e.stage_name in (None, stage.name))
        return StageDetails(stage_id, stage.run_id, history, feed, log, shares,
                            stage_times(run_log))

    # ------------------------------------------------------------ all or nothing
    def _checkpoint(self) -> tuple[Any, ...]:
        """The mirror and watermarks as the last published snapshot left them. A poll is
        applied whole or not at all: one that fails midway (its third subrequest refused,
        its backfill call lost) must not leave runs half-applied, their change marks lost
        and their watermarks moved past rows never fetched."""
        m = self._m
        mirror = _Mirror(dict(m.runs), dict(m.errors), dict(m.stages), dict(m.steps),
                         dict(m.items), dict(m.counts), m.more)
        return (mirror, dict(self._watermarks), self._deleted_mark, self._last_deletion_check,
                self._needs_full)

    def _rollback(self, saved: tuple[Any, ...]) -> None:
        needs_full = self._needs_full  # a reload found necessary (new connection) stays so
        (self._m, self._watermarks, self._deleted_mark, self._last_deletion_check,
         self._needs_full) = saved
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
        self._caps = caps
        self._builder = QueryBuilder(caps, self.filter)
        self._needs_full = True

    # ------------------------------------------------------------ loads
    def _rows(self, sub: SubResult) -> list[dict[str, Any]]:
        if not sub.ok:
            body = sub.body if isinstance(sub.body, list) else []
            first = body[0] if body and isinstance(body[0], dict) else {}
            code = str(first.get("errorCode", sub.status))
            if code == "INVALID_SESSION_ID":
                raise AuthNeeded()
            if code == "REQUEST_LIMIT_EXCEEDED":
                raise ApiLimitExceeded()
            raise QueryRefused(f"The org refused a query ({code}).", soql=sub.soql, code=code,
                               detail=str(first.get("message", "")))
        assert self._client is not None
        result: dict[str, Any] = sub.body if isinstance(sub.body, dict) else {}
        if result.get("done") is False and sub.soql:
            return self._client.query_more_pages(result, sub.soql)
        return list(result.get("records") or [])

    def _fetch_runs_page(self, before: tuple[datetime, str] | None,
                         with_counts: bool = False) -> list[tuple[Run, InterviewError | None]]:
        assert self._builder is not None and self._client is not None
        subs = [("runs", self._builder.runs_page(self.page_size, before))]
        if with_counts:
            subs.append(("counts", self._builder.status_counts()))
        res = self._client.composite(subs)
        rows = self._rows(res["runs"])
        if with_counts:
            self._apply_counts(self._rows(res["counts"]))
        return [(parse.run(r), parse.interview_error(r)) for r in rows]

    def _apply_counts(self, rows: Iterable[dict[str, Any]]) -> None:
        self._m.counts = {str(r.get("Status")): int(r.get("expr0") or 0) for r in rows}

    def _full_load(self, progress: Callable[[PollResult], None] | None = None) -> ChangeSet:
        assert self._builder is not None
        self._builder.filter = self.filter
        old = self._m
        first = not old.runs and self._snapshot.taken is None
        self._m = _Mirror()
        changes = _Changes()
        pages = self._loaded_pages
        runs = self._fetch_runs_page(None, with_counts=True)
        for run, err in runs:
            self._put_run(run, err, changes)
        more = len(runs) >= self.page_size
        while more and pages > 1:
            batch = self._fetch_runs_page(self._oldest_key())
            for run, err in batch:
                self._put_run(run, err, changes)
            more = len(batch) >= self.page_size
            pages -= 1
        self._m.more = more
        if first and progress is not None and self._m.runs:
            # Nothing on screen yet: show the runs now. (A reload keeps the old tables until
            # it has everything, so the stages pane never blinks empty.) The call for their
            # children starts now: the screen must know it is in flight, in case it hangs.
            self._succeeded()
            self._health = replace(self._health, in_flight_since=self.clock())
            progress(self._publish(changes.freeze(full=True)))
        self._backfill(list(self._m.runs), changes)
        # Watermarks start at the newest modification this load saw, for every object; with
        # nothing seen, at the org's clock (its Date header), never ours: with the org behind,
        # ours would skip what the org writes until it catches up.
        newest = max((x.modstamp for t in (self._m.runs, self._m.stages, self._m.steps,
                                           self._m.items) for x in t.values()),
                     default=self._org_now())
        self._watermarks = {obj: newest for obj in (RUN, STAGE, STEP, WORK)}
        self._deleted_mark = newest
        self._last_deletion_check = self.clock()
        self._needs_full = False
        for obj in (RUN, STAGE, STEP, WORK):
            for rid in old.table(obj):
                if rid not in self._m.table(obj):
                    changes.note("removed", obj, rid)
        return changes.freeze(full=True)

    def _backfill(self, run_ids: list[str], changes: _Changes) -> None:
        """Stages, steps and work items of these runs, in one call (paged if large)."""
        assert self._builder is not None and self._client is not None
        if not run_ids:
            return
        for chunk_start in range(0, len(run_ids), 200):
            chunk = run_ids[chunk_start:chunk_start + 200]
            subs = [(obj, q) for obj in (STAGE, STEP, WORK)
                    if (q := self._builder.children_of(obj, chunk))]
            res = self._client.composite(subs)
            for obj in (STAGE, STEP, WORK):
                if obj in res:
                    self._apply_children(obj, self._rows(res[obj]), changes)

    def _incremental(self) -> _Changes:
        assert self._builder is not None and self._client is not None
        b = self._builder
        oldest = self._oldest_created()
        marks = {obj: self._watermarks[obj] - OVERLAP for obj in (RUN, STAGE, STEP, WORK)}
        # With the whole filter loaded, an older run that starts to match must show up too.
        run_scope = oldest if self._m.more else None
        subs: list[tuple[str, str]] = [("runs", b.runs_changed(marks[RUN], run_scope)),
                                       ("counts", b.status_counts())]
        for obj in (STAGE, STEP, WORK):
            q = b.children_changed(obj, marks[obj], oldest)
            if q:
                subs.append((obj, q))
        res = self._client.composite(subs)
        changes = _Changes()
        newly_visible: list[str] = []
        for rec in self._rows(res["runs"]):
            run, err = parse.run(rec), parse.interview_error(rec)
            self._bump(RUN, run.modstamp)
            if self.filter.matches(run):
                if run.id not in self._m.runs and run.created < marks[RUN]:
                    newly_visible.append(run.id)  # an older run that now matches the filter
                self._put_run(run, err, changes)
            elif run.id in self._m.runs:
                self._drop_run(run.id, changes)
        self._apply_counts(self._rows(res["counts"]))
        for obj in (STAGE, STEP, WORK):
            if obj in res:
                self._apply_children(obj, self._rows(res[obj]), changes)
        if newly_visible:
            self._backfill(newly_visible, changes)
        self._trim(changes)
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

    def _check_deletions(self, changes: _Changes) -> None:
        """queryAll for rows deleted since the last check; ONE call at a slower cadence."""
        assert self._builder is not None and self._client is not None
        mark = self._deleted_mark or self._org_now()
        b = self._builder
        subs = [(obj, q) for obj in (RUN, STAGE, STEP, WORK)
                if (q := b.deleted_since(obj, mark - OVERLAP))]
        res = self._client.composite([(ref, f"queryAll?q={quote_plus(q)}") for ref, q in subs])
        for obj in (RUN, STAGE, STEP, WORK):
            if obj not in res:
                continue
            for rec in self._rows(res[obj]):
                rid = rec["Id"]
                if obj == RUN and rid in self._m.runs:
                    self._drop_run(rid, changes)
                elif rid in self._m.table(obj):
                    self._drop_child(obj, rid, changes)
        # next time, look back from the newest change this mirror has seen (the watermarks
        # only move forward, so this is never before this check's own mark)
        self._deleted_mark = max(self._watermarks.values())
        self._last_deletion_check = self.clock()

    # ------------------------------------------------------------ mirror edits
    def _bump(self, obj: str, stamp: datetime) -> None:
        self._watermarks[obj] = max(stamp, self._watermarks.get(obj, stamp))

    def _put_run(self, run: Run, err: InterviewError | None, changes: _Changes) -> None:
        old = self._m.runs.get(run.id)
        if old is None:
            changes.note("added", RUN, run.id)
        elif _differs(old, run) or self._m.errors.get(run.id) != err:
            changes.note("changed", RUN, run.id)
        self._m.runs[run.id] = run
        if err is not None:
            self._m.errors[run.id] = err
        else:
            self._m.errors.pop(run.id, None)

    def _drop_run(self, run_id: str, changes: _Changes) -> None:
        self._m.runs.pop(run_id, None)
        self._m.errors.pop(run_id, None)
        changes.note("removed", RUN, run_id)
        for obj in (STAGE, STEP, WORK):
            table = self._m.table(obj)
            for cid in [cid for cid, c in table.items() if c.run_id == run_id]:
                self._drop_child(obj, cid, changes)

    def _drop_child(self, obj: str, rid: str, changes: _Changes) -> None:
        if self._m.table(obj).pop(rid, None) is not None:
            changes.note("removed", obj, rid)

    def _apply_children(self, obj: str, rows: list[dict[str, Any]], changes: _Changes) -> None:
        read_at = self.clock()  # these rows were read just now, in one response
        makers: dict[str, Callable[[dict[str, Any]], Any]] = {
            STAGE: parse.stage, STEP: parse.step,
            WORK: lambda rec: parse.work_item(rec, read_at=read_at)}
        maker = makers[obj]
        table = self._m.table(obj)
        for rec in rows:
            item = maker(rec)
            self._bump(obj, item.modstamp)
            if obj == WORK and item.run_id is None and item.step_id in self._m.steps:
                # the run comes through the step (never RelatedRecordId, the context record):
                # the row lacked the parent path, the step we hold knows its run
                item = replace(item, run_id=self._m.steps[item.step_id].run_id)
            if item.run_id not in self._m.runs:
                continue
            old = table.get(item.id)
            if old is None:
                changes.note("added", obj, item.id)
            elif _differs(old, item):
                changes.note("changed", obj, item.id)
            table[item.id] = item

    def _org_now(self) -> datetime:
        told = self._client.server_time if self._client is not None else None
        return told if told is not None else self.clock()

    def _oldest_key(self) -> tuple[datetime, str] | None:
        if not self._m.runs:
            return None
        oldest = min(self._m.runs.values(), key=lambda r: (r.created, r.id))
        return oldest.created, oldest.id

    def _oldest_created(self) -> datetime | None:
        key = self._oldest_key()
        return key[0] if key else None

    def _trim(self, changes: _Changes) -> None:
        limit = self.page_size * self._loaded_pages + self.margin
        if len(self._m.runs) <= limit:
            return
        ordered = sorted(self._m.runs.values(), key=lambda r: (r.created, r.id), reverse=True)
        for run in ordered[limit:]:
            self._drop_run(run.id, changes)
        self._m.more = True

    # ------------------------------------------------------------ outcome
    def _publish(self, changes: ChangeSet) -> PollResult:
        m = self._m
        prev = self._snapshot
        if not changes.size and not changes.full and prev.taken is not None and \
                prev.filter == self.filter and len(prev.runs) == len(m.runs):
            # nothing moved: keep the tables, refresh only what always changes
            self._snapshot = replace(prev, counts=MappingProxyType(dict(m.counts)),
                                     taken=self.clock(), more=m.more)
            return PollResult(self._snapshot, changes, self._health)
        runs = tuple(sorted(m.runs.values(), key=lambda r: (r.created, r.id), reverse=True))
        stages: dict[str, list[StageRun]] = {}
        for s in m.stages.values():
            stages.setdefault(s.run_id, []).append(s)
        steps: dict[str, list[StepRun]] = {}
        for st in m.steps.values():
            steps.setdefault(st.stage_id, []).append(st)
        items: dict[str, list[WorkItem]] = {}
        for wi in m.items.values():
            items.setdefault(wi.step_id or "", []).append(wi)
        self._snapshot = Snapshot(
            runs=runs,
            stages=MappingProxyType({k: tuple(sorted(v, key=lambda s: (s.position, s.id)))
                                     for k, v in stages.items()}),
            steps=MappingProxyType({k: tuple(sorted(v, key=lambda s: (s.created, s.id)))
                                    for k, v in steps.items()}),
            work_items=MappingProxyType({k: tuple(sorted(v, key=lambda w: (w.created, w.id)))
                                         for k, v in items.items()}),
            errors=MappingProxyType(dict(m.errors)), counts=MappingProxyType(dict(m.counts)),
            filter=self.filter, org=self.connection.org, taken=self.clock(), more=m.more)
        return PollResult(self._snapshot, changes, self._health)

    def _usage(self) -> tuple[int | None, int | None]:
        if self._client is None:
            return None, None
        return self._client.usage.used, self._client.usage.limit

    def _succeeded(self) -> None:
        now = self.clock()
        self._failures = 0
        self._last_success = now
        used, limit = self._usage()
        share = used / limit if used is not None and limit else 0.0
        interval = self.interval
        state, message = HealthState.LIVE, ""
        if share >= GOVERNOR_STOP:
            # the rest of the allowance belongs to the org's other integrations
            self._suspended = True
            state = HealthState.LIMIT_EXHAUSTED
            message = (f"API usage at {share:.0%} of the daily allowance: polling paused; "
                       "press r to poll once more.")
        elif share >= GOVERNOR_SLOW:
            interval *= 2
            state = HealthState.LIMIT_LOW
            message = f"API usage at {share:.0%}: polling every {interval:.0f}s instead of " \
                f"{self.interval:.0f}s."
        self._next_poll = now + timedelta(seconds=interval)
        self._health = Health(state, message, now, None if self._suspended else self._next_poll,
                              used, limit, 0, interval)

    def _failed(self, exc: FlowstageError) -> None:
        now = self.clock()
        self._failures += 1
        used, limit = self._usage()
        delay = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (self._failures - 1))
        delay *= self.rng.uniform(0.8, 1.2)
        detail = None
        command = None
        reason = ""
        message = str(exc)
        if isinstance(exc, AuthNeeded):
            state = HealthState.REAUTH
            command = exc.command
            self._client = None  # reconnect (and log in again) on the next attempt
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
        self._next_poll = now + timedelta(seconds=delay)
        self._health = Health(state, message, self._last_success, self._next_poll, used, limit,
                              self._failures, self.interval, detail, command, reason)
