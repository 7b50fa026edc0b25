"""The engine's side of the stuck-work queue: every open work item of the org, kept current by
the poll the engine makes anyway.

While the Work view is open (work mode), the per-poll composite's work-item subrequest asks for
every item of the org changed since its watermark instead of the visible runs' (the first
poll after it opens asks for every open item too): an idle poll stays one call. Who the
assignees are (frozen, queue members) is read in one more call only when the set of assignees
grew, or when the last read is older than REFRESH_PEOPLE (a user frozen or a queue emptied
changes no work item).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from ..errors import QueryRefused
from ..salesforce import parse
from ..salesforce.capabilities import WORK
from ..salesforce.models import WorkItem
from ..salesforce.work import (
    DEFAULT_STUCK_AFTER,
    NOBODY,
    People,
    Place,
    WorkQueue,
    active_members,
    build_queue,
    frozen_from_logins,
)
from ..salesforce.work_queries import (
    ACTIVE,
    LOGINS,
    MEMBERS,
    REASSIGNED,
    WorkQueries,
    calls,
    place,
    reassigned_at,
)

if TYPE_CHECKING:
    from ..salesforce.client import SalesforceClient, SubResult

REFRESH_PEOPLE = timedelta(minutes=5)  # as often as the deletion check


@dataclass
class WorkTracker:
    """The open items and what is known of their assignees. Mutable, owned by the engine's
    thread; `copy()` for the engine's all-or-nothing polls, `queue()` for the snapshot."""

    on: bool = False
    loaded: bool = False  # the open items of the org have been read since work mode began
    items: dict[str, WorkItem] = field(default_factory=dict)
    places: dict[str, Place] = field(default_factory=dict)
    people: People = NOBODY
    reassigned: dict[tuple[str, str], datetime] = field(default_factory=dict)
    read_for: frozenset[str] = frozenset()  # the assignees `people` was read for
    read_at: datetime | None = None
    moved: set[str] = field(default_factory=set)  # items new or reassigned since the last read

    @property
    def ready(self) -> bool:
        """The queue can be shown: its items read, and who holds them (a queue shown before
        that would say nobody is frozen)."""
        return self.on and self.loaded and self.read_at is not None

    def copy(self) -> WorkTracker:
        return replace(self, items=dict(self.items), places=dict(self.places),
                       reassigned=dict(self.reassigned), moved=set(self.moved))

    def set_on(self, on: bool) -> None:
        """Opening starts from nothing (the next poll reads every open item); closing forgets
        the items, so memory and the poll go back to the visible runs' size."""
        if on == self.on:
            return
        fresh = WorkTracker(on=on)
        self.__dict__.update(fresh.__dict__)

    # ------------------------------------------------------------ the poll's subrequest
    def subrequest(self, q: WorkQueries, since: datetime) -> str | None:
        """The work-item query of this poll's composite, None when not in work mode (or the
        org has no work items: then its queue is empty, and known to be)."""
        if not self.on:
            return None
        if not q.available:
            self.loaded = True
            return None
        return q.changed(since) if self.loaded else q.open_or_changed(since)

    def load_subrequest(self, q: WorkQueries) -> str | None:
        """For a full load: every open item (the items of a reload start over)."""
        if not self.on:
            return None
        if not q.available:
            self.loaded = True
            return None
        self.items.clear()
        self.places.clear()
        return q.open_items()

    def apply(self, rows: Iterable[dict[str, Any]], read_at: datetime) -> None:
        """Work-item rows of this poll: an open one is (still) in the queue, any other left."""
        for rec in rows:
            item = parse.work_item(rec, read_at=read_at)
            if item.status != "Assigned":
                self.drop(item.id)
                continue
            old = self.items.get(item.id)
            if old is None or old.assignee_id != item.assignee_id:
                self.moved.add(item.id)
            self.items[item.id] = item
            self.places[item.id] = place(rec)
        self.loaded = True

    def drop(self, item_id: str) -> None:
        self.items.pop(item_id, None)
        self.places.pop(item_id, None)
        self.moved.discard(item_id)

    # ------------------------------------------------------------ who holds them
    def assignees(self) -> tuple[frozenset[str], frozenset[str]]:
        """(users, queues and groups) holding open items; unresolvable ones are neither."""
        users, groups = set(), set()
        for i in self.items.values():
            if i.assignee_type == "User":
                users.add(i.assignee_id)
            elif i.assignee_type in ("Queue", "Group"):
                groups.add(i.assignee_id)
        return frozenset(users), frozenset(groups)

    def people_due(self, now: datetime, has_elapsed: bool) -> bool:
        if not self.on or not self.loaded:
            return False
        users, groups = self.assignees()
        if not users | groups <= self.read_for:
            return True  # someone new holds an item (one fewer needs no question)
        if not has_elapsed and self.moved:
            return True  # the reassign log says how long the moved ones are held
        return self.read_at is None or now - self.read_at >= REFRESH_PEOPLE

    def refresh_people(self, client: SalesforceClient | None, q: WorkQueries | None,
                       now: datetime) -> None:
        """Read who the assignees are when due (see people_due); nothing otherwise."""
        if client is not None and q is not None and self.people_due(now, q.has_elapsed):
            self.read_people(client, q, now)

    def read_people(self, client: SalesforceClient, q: WorkQueries, now: datetime) -> None:
        """Frozen users, queue members, reassign times: one composite call (more only for
        hundreds of assignees). A refused UserLogin is "unknown (needs Manage Users)"; a
        refused GroupMember leaves the member counts unknown; neither fails the poll."""
        users, groups = self.assignees()
        runs = set() if q.has_elapsed else {i.run_id or self.places[i.id].run_id
                                            for i in self.items.values()}
        subs = q.people(users, groups, [r for r in runs if r])
        results: dict[str, SubResult] = {}
        for batch in calls(subs):
            results.update(client.composite(batch))
        frozen = _rows(client, results, LOGINS)
        members = _rows(client, results, MEMBERS)
        active = _rows(client, results, ACTIVE)
        counts: dict[str, int | None]
        if members is None or active is None:
            counts = dict.fromkeys(groups)
        else:
            counts = active_members(groups, members, (str(r["Id"]) for r in active))
        self.people = People(frozen="refused" if frozen is None else frozen_from_logins(frozen),
                             members=counts)
        if not q.has_elapsed:
            self.reassigned = reassigned_at(_rows(client, results, REASSIGNED) or [])
        self.read_for = users | groups
        self.read_at = now
        self.moved.clear()

    def queue(self, now: datetime, stuck_after: timedelta = DEFAULT_STUCK_AFTER) -> WorkQueue:
        return build_queue(self.items.values(), places=self.places, people=self.people,
                           reassigned=self.reassigned, now=now, stuck_after=stuck_after)


def _rows(client: SalesforceClient, results: dict[str, SubResult],
          kind: str) -> list[dict[str, Any]] | None:
    """Every row of the `kind:N` subrequests; None when the org refused one of them (the
    object is not visible to this user: INVALID_TYPE, INSUFFICIENT_ACCESS, …)."""
    out: list[dict[str, Any]] = []
    for ref in sorted(r for r in results if r.split(":")[0] == kind):
        try:
            out.extend(client.records(results[ref]))
        except QueryRefused:
            return None
    return out


def apply_deleted(tracker: WorkTracker, obj: str, ids: Sequence[str]) -> None:
    """Rows the deletion check found deleted: work items leave the queue."""
    if obj == WORK:
        for rid in ids:
            tracker.drop(rid)


__all__ = ["REFRESH_PEOPLE", "WorkTracker", "apply_deleted"]
