"""Record storage for the demo org: live rows, deleted rows, the delete log and indexes.

Values are kept in Python form (datetimes as epoch milliseconds) and formatted on the way out.
Every mutation bumps the table's `generation`, which query caches key on.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from .ids import BlockMinter

Record = dict[str, Any]


class Deferred:
    """Generated runs whose child records are not written yet.

    A generated run's stages, steps, work items, log, history, feed and shares are written
    the first time anything could see them (DemoOrg._write_children): an Id
    names its run (BlockMinter.block_of), and `horizon` bounds every timestamp a run's
    children will carry, so a query can say which runs it needs. A run is written once,
    always to the same records, whichever query asks first.
    """

    def __init__(self, horizons: list[int], write: Callable[[int], None],
                 statuses: list[str] | None = None) -> None:
        self.horizons = horizons
        self.pending = bytearray(b"\x01") * len(horizons)
        self.left = len(horizons)
        self.newest_first = sorted(range(len(horizons)), key=horizons.__getitem__, reverse=True)
        self.write = write
        # each run's Status as planned: what its held-back records follow (held_back.py)
        self.statuses = statuses
        self._by_status: dict[str, list[int]] | None = None

    def by_status(self) -> dict[str, list[int]]:
        """Run indexes by planned status."""
        if self._by_status is None:
            groups: dict[str, list[int]] = defaultdict(list)
            for index, status in enumerate(self.statuses or ()):
                groups[status].append(index)
            self._by_status = dict(groups)
        return self._by_status

    def take(self, index: int | None) -> None:
        if index is not None and 0 <= index < len(self.pending) and self.pending[index]:
            self.pending[index] = 0
            self.left -= 1
            self.write(index)


@dataclass
class Table:
    name: str
    rows: dict[str, Record] = field(default_factory=dict)
    deleted: dict[str, Record] = field(default_factory=dict)
    # (record Id, deleted at ms) in deletion order: what getDeleted reads.
    delete_log: list[tuple[str, int]] = field(default_factory=list)
    generation: int = 0
    # field name -> parent Id -> child Ids (reference fields only, built on demand)
    indexes: dict[str, dict[str, list[str]]] = field(default_factory=dict)


@dataclass
class Write:
    """One journaled write: when it happened, when it commits, and the row before it."""

    obj: str
    rid: str
    at: int  # the write's timestamp (its SystemModstamp)
    commits: int  # when queries start to see it
    before: Record | None  # a copy of the live row before the write; None: there was none


class Journal:
    """Writes that have not committed yet, for the demo org's commit lag.

    On a busy org a transaction takes its SystemModstamp when it starts and becomes visible
    when it commits, up to `lag_ms` later; transactions commit in a different order than
    they started. `commit_delay(at)` says how long the transaction stamped `at` takes (every
    write with one timestamp is one transaction). A row's writes commit in order (the row
    lock): a write never commits before an earlier write to the same row.
    """

    def __init__(self, lag_ms: int, commit_delay: Callable[[int], int]) -> None:
        self.lag_ms = lag_ms
        self.commit_delay = commit_delay
        self.writes: list[Write] = []
        self._last_commit: dict[tuple[str, str], int] = {}

    def note(self, obj: str, rid: str, at: int, before: Record | None,
             commits: int | None = None) -> None:
        key = (obj, rid)
        when = at + self.commit_delay(at) if commits is None else commits
        when = max(when, self._last_commit.get(key, when))
        self._last_commit[key] = when
        self.writes.append(Write(obj, rid, at, when, None if before is None else dict(before)))

    def pending(self, now_ms: int) -> dict[tuple[str, str], Write]:
        """Forget what has committed by now; per row, its first write still pending."""
        self.writes = [w for w in self.writes if w.commits > now_ms]
        self._last_commit = {k: v for k, v in self._last_commit.items() if v > now_ms}
        first: dict[tuple[str, str], Write] = {}
        for w in self.writes:
            first.setdefault((w.obj, w.rid), w)
        return first


class Store:
    """All records of the org, by object API name. One lock guards every mutation."""

    def __init__(self) -> None:
        self.tables: dict[str, Table] = {}
        # With a commit lag: every write since, so that a query can be answered as of before
        # the writes that have not committed yet (visible_at).
        self.journal: Journal | None = None
        # True while writing what must be visible at once (an API call's write: its response
        # comes after the commit).
        self.commit_now: bool = False
        self.lock = threading.RLock()
        # Any Id -> object name, for polymorphic lookups and Feed/History parents.
        self.owner_of: dict[str, str] = {}
        self.deferred: Deferred | None = None
        # Objects whose rows all belong to one run (what Deferred holds back), and for each
        # the fields (Id included) whose values are Ids of that run or of its parts.
        self.run_parts: frozenset[str] = frozenset()
        self.run_links: dict[str, frozenset[str]] = {}

    # ------------------------------------------------------------ deferred runs
    def defers(self, obj: str) -> bool:
        d = self.deferred
        return d is not None and d.left > 0 and obj in self.run_parts

    def ensure_ids(self, ids: Iterable[str]) -> None:
        """Write the children of the runs these Ids (of runs or of their parts) belong to."""
        d = self.deferred
        if d is not None and d.left:
            for rid in ids:
                d.take(BlockMinter.block_of(rid))

    def ensure_matching(self, obj: str, fname: str, values: Iterable[str]) -> None:
        """Write what a lookup of obj by `fname IN values` could find."""
        if fname in self.run_links.get(obj, ()):
            self.ensure_ids(values)
        else:  # e.g. work items by AssigneeId: any run may hold them
            self.ensure_all()

    def ensure_since(self, ms: int) -> None:
        """Write every held-back run whose children could carry a timestamp >= ms."""
        d = self.deferred
        if d is not None and d.left:
            horizons, pending = d.horizons, d.pending
            for index in d.newest_first:
                if horizons[index] < ms:
                    break
                if pending[index]:
                    d.take(index)

    def ensure_runs(self, indexes: Iterable[int]) -> None:
        """Write these held-back runs (by index), in index order."""
        d = self.deferred
        if d is not None and d.left:
            for index in sorted(indexes):
                d.take(index)

    def ensure_all(self) -> None:
        d = self.deferred
        if d is not None and d.left:
            for index in range(len(d.pending)):
                d.take(index)

    def table(self, name: str) -> Table:
        t = self.tables.get(name)
        if t is None:
            t = self.tables[name] = Table(name)
        return t

    def _journal(self, obj: str, rid: str, at: int | None, before: Record | None) -> None:
        j = self.journal
        if j is not None and at is not None:
            j.note(obj, rid, at, before, commits=at if self.commit_now else None)

    def insert(self, obj: str, rec: Record) -> None:
        t = self.table(obj)
        rid = rec["Id"]
        if self.journal is not None:
            at = rec.get("SystemModstamp") or rec.get("LastModifiedDate") or \
                rec.get("CreatedDate")
            self._journal(obj, rid, at if isinstance(at, int) else None, t.rows.get(rid))
        t.rows[rid] = rec
        self.owner_of[rid] = obj
        if t.indexes:
            for fname, index in t.indexes.items():
                parent = rec.get(fname)
                if parent is not None:
                    index.setdefault(parent, []).append(rid)
        t.generation += 1

    def bulk_insert(self, obj: str, recs: list[Record]) -> None:
        """Insert many rows at once (generation and loading); indexes are rebuilt lazily."""
        t = self.table(obj)
        rows = t.rows
        owner = self.owner_of
        for rec in recs:
            rid = rec["Id"]
            rows[rid] = rec
            owner[rid] = obj
        t.indexes.clear()
        t.generation += 1

    def get(self, obj: str, rid: str) -> Record | None:
        t = self.tables.get(obj)
        rec = None if t is None else t.rows.get(rid)
        if rec is None and self.defers(obj):
            self.ensure_ids((rid,))
            t = self.tables.get(obj)
            rec = None if t is None else t.rows.get(rid)
        return rec

    def find(self, rid: str) -> tuple[str, Record] | None:
        """Look up a live record by Id alone."""
        obj = self.owner_of.get(rid)
        if obj is None and self.deferred is not None and self.deferred.left:
            self.ensure_ids((rid,))
            obj = self.owner_of.get(rid)
        if obj is None:
            return None
        rec = self.tables[obj].rows.get(rid)
        return None if rec is None else (obj, rec)

    def update(self, obj: str, rid: str, changes: Record, now_ms: int, user_id: str) -> Record:
        t = self.tables[obj]
        rec = t.rows[rid]
        self._journal(obj, rid, now_ms, rec)
        for fname in t.indexes:
            if fname in changes and changes[fname] != rec.get(fname):
                t.indexes.pop(fname, None)
                break
        rec.update(changes)
        if "LastModifiedDate" in rec:
            rec["LastModifiedDate"] = now_ms
            rec["LastModifiedById"] = user_id
        if "SystemModstamp" in rec:
            rec["SystemModstamp"] = now_ms
        t.generation += 1
        return rec

    def delete(self, obj: str, rid: str, now_ms: int) -> None:
        t = self.tables[obj]
        self._journal(obj, rid, now_ms, t.rows[rid])
        rec = t.rows.pop(rid)
        rec["IsDeleted"] = True
        if "SystemModstamp" in rec:
            rec["SystemModstamp"] = now_ms
        t.deleted[rid] = rec
        t.delete_log.append((rid, now_ms))
        for fname, index in t.indexes.items():
            parent = rec.get(fname)
            if parent is not None and parent in index:
                try:
                    index[parent].remove(rid)
                except ValueError:
                    pass
        t.generation += 1

    def children(self, obj: str, fname: str, parent_id: str) -> list[Record]:
        if self.defers(obj):
            self.ensure_matching(obj, fname, (parent_id,))
        t = self.tables.get(obj)
        if t is None:
            return []
        index = t.indexes.get(fname)
        if index is None:
            built: dict[str, list[str]] = defaultdict(list)
            for rid, rec in t.rows.items():
                parent = rec.get(fname)
                if parent is not None:
                    built[parent].append(rid)
            index = t.indexes[fname] = dict(built)
        rows = t.rows
        return [rows[rid] for rid in index.get(parent_id, ()) if rid in rows]

    def purge_deleted_before(self, cutoff_ms: int) -> None:
        """Drop delete-log entries older than the recycle-bin window (15 days)."""
        for t in self.tables.values():
            if t.delete_log and t.delete_log[0][1] < cutoff_ms:
                keep = [(rid, ms) for rid, ms in t.delete_log if ms >= cutoff_ms]
                for rid, _ in t.delete_log[: len(t.delete_log) - len(keep)]:
                    t.deleted.pop(rid, None)
                t.delete_log = keep


class StoreView(Store):
    """The store as queries see it while some writes have not committed: each row as it was
    before its first pending write (absent if that write created it, still live if it
    deleted it), delete-log entries of pending deletions left out. Read-only; tables no
    pending write touches are the store's own."""

    def __init__(self, store: Store, journal: Journal, now_ms: int) -> None:
        super().__init__()
        self._store = store
        self._journal_of = journal
        self._now_ms = now_ms
        self._left = -1
        self.lock = store.lock
        self.owner_of = store.owner_of  # find() then looks in this view's rows
        self.deferred = store.deferred
        self.run_parts = store.run_parts
        self.run_links = store.run_links
        self._build()

    def _build(self) -> None:
        store = self._store
        self._left = store.deferred.left if store.deferred is not None else 0
        by_table: dict[str, list[Write]] = defaultdict(list)
        for w in self._journal_of.pending(self._now_ms).values():
            by_table[w.obj].append(w)
        self.tables = dict(store.tables)
        for name, writes in by_table.items():
            real = store.tables.get(name)
            if real is None:
                continue
            t = Table(name, dict(real.rows), dict(real.deleted), generation=real.generation)
            hidden: set[str] = set()
            for w in writes:
                t.deleted.pop(w.rid, None)
                if w.before is None:
                    t.rows.pop(w.rid, None)
                else:
                    t.rows[w.rid] = w.before
                hidden.add(w.rid)
            first_at = {w.rid: w.at for w in writes}
            t.delete_log = [(rid, ms) for rid, ms in real.delete_log
                            if rid not in hidden or ms < first_at[rid]]
            self.tables[name] = t

    def _refresh(self) -> None:
        """A held-back run was just written into the store: show its rows here too."""
        d = self._store.deferred
        if d is not None and d.left != self._left:
            self._build()

    def table(self, name: str) -> Table:
        t = self.tables.get(name)
        if t is None:
            t = self.tables[name] = self._store.table(name)
        return t

    def defers(self, obj: str) -> bool:
        return self._store.defers(obj)

    def ensure_ids(self, ids: Iterable[str]) -> None:
        self._store.ensure_ids(ids)
        self._refresh()

    def ensure_matching(self, obj: str, fname: str, values: Iterable[str]) -> None:
        self._store.ensure_matching(obj, fname, values)
        self._refresh()

    def ensure_since(self, ms: int) -> None:
        self._store.ensure_since(ms)
        self._refresh()

    def ensure_runs(self, indexes: Iterable[int]) -> None:
        self._store.ensure_runs(indexes)
        self._refresh()

    def ensure_all(self) -> None:
        self._store.ensure_all()
        self._refresh()

    def _read_only(self, *_args: Any, **_kw: Any) -> Any:
        raise TypeError("a StoreView is read-only: write to the store")

    insert = bulk_insert = update = delete = purge_deleted_before = _read_only


def visible_at(store: Store, now_ms: int) -> Store:
    """What a query at now_ms sees: the store itself, or a view without uncommitted writes."""
    j = store.journal
    if j is None or not j.pending(now_ms):
        return store
    return StoreView(store, j, now_ms)
