"""The stuck-work queue: every open work item of the org, with who holds it, for how long, and
what is wrong with that (the flags), each said in one line for the Detail pane.

Pure: rows go in already parsed (work_queries.py reads them), a clock value comes in as `now`.
The texts are plain strings holding org data (names): whoever shows them escapes them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Literal

from .models import WorkItem

DEFAULT_STUCK_AFTER = timedelta(hours=24)
DEFAULT_STALE_AFTER = timedelta(days=30)

HeldSource = Literal["ElapsedTimeSinceAsgntInSec", "CreatedDate", "ReassignWorkItem log row"]
FROZEN_UNKNOWN = "frozen: unknown (needs Manage Users)"


class Flag(StrEnum):
    INACTIVE = "inactive"
    FROZEN = "frozen"
    UNRESOLVABLE = "unresolvable"
    STUCK = "stuck"
    NO_ACTIVE_MEMBER = "no-active-member"  # a queue or group with no active member


FLAG_ORDER = (Flag.INACTIVE, Flag.FROZEN, Flag.UNRESOLVABLE, Flag.STUCK, Flag.NO_ACTIVE_MEMBER)
# A flag reads as its value everywhere (table, CLI, header, `flag=`); this short form only
# where a column is too narrow for it, the same everywhere, and `flag=` takes it too.
FLAG_SHORT = {Flag.INACTIVE: "inact", Flag.FROZEN: "frozen", Flag.UNRESOLVABLE: "unres",
              Flag.STUCK: "stuck", Flag.NO_ACTIVE_MEMBER: "no-member"}


@dataclass(frozen=True)
class Place:
    """Where a work item sits, from the parent paths of its row (its run may be one the runs
    pane never loaded)."""

    run_id: str | None = None
    run_name: str | None = None  # the OR-… autonumber
    run_label: str | None = None  # the orchestration's label (or developer name)
    stage_label: str | None = None
    step_name: str | None = None  # API name: what run-log rows call the step
    step_label: str | None = None


@dataclass(frozen=True)
class People:
    """What the org said about the assignees.

    `frozen`: user Id -> UserLogin.IsFrozen; "refused" when the org would not show UserLogin
    (it needs Manage Users). `members`: queue/group Id -> how many active users are in it
    (None: cannot tell, e.g. it holds other groups or roles)."""

    frozen: Mapping[str, bool] | Literal["refused"]
    members: Mapping[str, int | None]

    @property
    def frozen_known(self) -> bool:
        return self.frozen != "refused"


NOBODY = People(frozen={}, members={})


@dataclass(frozen=True)
class WorkRow:
    item: WorkItem
    run_id: str | None
    run_label: str | None
    stage_label: str | None
    step_label: str | None
    assignee_name: str | None
    assignee_kind: str | None  # "User" | "Queue" | "Group" | None (resolves to nothing)
    member_count: int | None  # queues/groups: active members; None unknown (or a user)
    held_seconds: int
    held_source: HeldSource
    context: str | None  # the context record as the Steps tab shows it
    flags: frozenset[Flag]
    reasons: tuple[str, ...]  # one line per flag (and one for an unknown frozen state)
    run_name: str | None = None

    @property
    def assignee_key(self) -> str:
        return self.item.assignee_id or "(none)"

    @property
    def assignee_text(self) -> str:
        return self.assignee_name or self.item.assignee_id or "(no assignee)"


@dataclass(frozen=True)
class AssigneeGroup:
    """The rows one assignee holds, for the grouped view."""

    key: str  # the AssigneeId ("(none)" for an empty one)
    name: str
    kind: str | None
    member_count: int | None
    rows: tuple[WorkRow, ...]

    @property
    def longest(self) -> int:
        return max((r.held_seconds for r in self.rows), default=0)


@dataclass(frozen=True)
class WorkQueue:
    rows: tuple[WorkRow, ...]
    frozen_known: bool
    stuck_after: timedelta

    def counts(self) -> dict[Flag, int]:
        out = dict.fromkeys(FLAG_ORDER, 0)
        for row in self.rows:
            for flag in row.flags:
                out[flag] += 1
        return out

    def counts_line(self) -> str:
        """`⚑ 3 inactive · 2 frozen · 1 unresolvable · 7 stuck>24h · 3 no-active-member`:
        how many items carry each flag that occurs, in the flag's own word (frozen said
        unknown when UserLogin was refused)."""
        counts = self.counts()
        words = {f: f.value for f in FLAG_ORDER}
        words[Flag.STUCK] = f"stuck>{short_duration(self.stuck_after)}"
        parts = [f"{counts[f]} {words[f]}" for f in FLAG_ORDER if counts[f]]
        if not self.frozen_known:
            parts.insert(min(1, len(parts)), "frozen unknown")
        if not parts:
            return f"⚑ none of {len(self.rows)} open items flagged"
        return "⚑ " + " · ".join(parts)

    @staticmethod
    def sorted_by_held(rows: Iterable[WorkRow]) -> tuple[WorkRow, ...]:
        """Longest held first (ties: oldest item first, then Id, so the order is stable)."""
        return tuple(sorted(rows, key=lambda r: (-r.held_seconds, r.item.created, r.item.id)))

    @staticmethod
    def group_by_assignee(rows: Iterable[WorkRow]) -> tuple[AssigneeGroup, ...]:
        """One group per assignee, the one holding the longest-held item first; rows in each
        longest held first."""
        by: dict[str, list[WorkRow]] = {}
        for row in rows:
            by.setdefault(row.assignee_key, []).append(row)
        groups = []
        for key, members in by.items():
            first = members[0]
            groups.append(AssigneeGroup(key, first.assignee_text, first.assignee_kind,
                                        first.member_count, WorkQueue.sorted_by_held(members)))
        return tuple(sorted(groups, key=lambda g: (-g.longest, g.name.lower(), g.key)))


def short_duration(d: timedelta | float) -> str:
    """24h, 30d, 90m, 45s: the largest unit that divides it, days from two on (for labels
    like stuck>24h: a day is said as people set it, in hours)."""
    seconds = int(d.total_seconds() if isinstance(d, timedelta) else d)
    for unit, size in (("d", 86_400), ("h", 3_600), ("m", 60)):
        if seconds and seconds % size == 0 and (unit != "d" or seconds >= 2 * size):
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def held_text(seconds: int) -> str:
    """3d 4h, 5h 12m, 7m, 40s: two units at most, for the reason lines and the table."""
    if seconds < 60:
        return f"{max(0, seconds)}s"
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes = rest // 60
    if days:
        return f"{days}d {hours}h" if hours else f"{days}d"
    if hours:
        return f"{hours}h {minutes}m" if minutes else f"{hours}h"
    return f"{minutes}m"


def context_text(item: WorkItem) -> str | None:
    """The context record as the Steps tab shows it: `00001026 · Case` (its Id when the name
    did not come, "unknown type" when the type did not)."""
    if item.context_id is None:
        return None
    return f"{item.context_name or item.context_id} · {item.context_type or 'unknown type'}"


def held_since(item: WorkItem, place: Place | None,
               reassigned: Mapping[tuple[str, str], datetime]) -> tuple[datetime, HeldSource]:
    """When the current holder got the item, and which field says so: the time since
    assignment where the org has it (v63+), else the last ReassignWorkItem log row of its
    run and step, else the item's CreatedDate."""
    if item.assigned_since is not None:
        return item.assigned_since, "ElapsedTimeSinceAsgntInSec"
    run_id = item.run_id or (place.run_id if place else None)
    step = place.step_name if place else None
    if run_id and step:
        moved = reassigned.get((run_id, step))
        if moved is not None and moved >= item.created:
            return moved, "ReassignWorkItem log row"
    return item.created, "CreatedDate"


def _unresolvable(item: WorkItem) -> bool:
    """No Id, or an Id naming nothing this user can see (a deleted group or user): the
    polymorphic Assignee then comes back null, without a name or a type."""
    return not item.assignee_id or (item.assignee_name is None and item.assignee_type is None)


def work_row(item: WorkItem, *, place: Place | None, people: People,
             reassigned: Mapping[tuple[str, str], datetime], now: datetime,
             stuck_after: timedelta) -> WorkRow:
    since, source = held_since(item, place, reassigned)
    held = max(0, int((now - since).total_seconds()))
    kind = None if _unresolvable(item) else item.assignee_type
    name = item.assignee_name
    who = name or item.assignee_id
    flags: list[Flag] = []
    reasons: list[str] = []
    members: int | None = None
    if kind is None:
        flags.append(Flag.UNRESOLVABLE)
        reasons.append("no assignee (AssigneeId is empty)" if not item.assignee_id else
                       f"the assignee {item.assignee_id} resolves to nothing (deleted, or "
                       "not visible to this user)")
    elif kind == "User":
        if item.assignee_active is False:
            flags.append(Flag.INACTIVE)
            reasons.append(f"{who} is inactive (User.IsActive = false)")
        if people.frozen == "refused":
            reasons.append(FROZEN_UNKNOWN)
        elif people.frozen.get(item.assignee_id):
            flags.append(Flag.FROZEN)
            reasons.append(f"{who} is frozen (UserLogin.IsFrozen)")
    else:
        members = people.members.get(item.assignee_id)
        if members == 0:
            flags.append(Flag.NO_ACTIVE_MEMBER)
            reasons.append(f"{kind.lower()} {who} has no active member")
    if held > stuck_after.total_seconds():
        flags.append(Flag.STUCK)
        reasons.append(f"held {held_text(held)}, longer than {short_duration(stuck_after)} "
                       f"(from {source})")
    return WorkRow(
        item=item, run_id=item.run_id or (place.run_id if place else None),
        run_label=place.run_label if place else None,
        stage_label=place.stage_label if place else None,
        step_label=place.step_label if place else None,
        assignee_name=name, assignee_kind=kind, member_count=members,
        held_seconds=held, held_source=source, context=context_text(item),
        flags=frozenset(flags), reasons=tuple(reasons),
        run_name=place.run_name if place else None)


def build_queue(items: Iterable[WorkItem], *, places: Mapping[str, Place] | None = None,
                people: People = NOBODY,
                reassigned: Mapping[tuple[str, str], datetime] | None = None,
                now: datetime, stuck_after: timedelta = DEFAULT_STUCK_AFTER) -> WorkQueue:
    """The queue of the open (Assigned) items among `items`, longest held first.

    `places`: item Id -> where it sits; `reassigned`: (run Id, step name) -> the newest
    ReassignWorkItem log row's Timestamp (read only where the org lacks the time since
    assignment)."""
    where = places or {}
    moved = reassigned or {}
    rows = [work_row(i, place=where.get(i.id), people=people, reassigned=moved, now=now,
                     stuck_after=stuck_after)
            for i in items if i.status == "Assigned"]
    return WorkQueue(WorkQueue.sorted_by_held(rows), people.frozen_known, stuck_after)


def frozen_from_logins(rows: Iterable[Mapping[str, object]]) -> dict[str, bool]:
    """UserLogin rows -> user Id -> IsFrozen."""
    return {str(r["UserId"]): bool(r.get("IsFrozen")) for r in rows if r.get("UserId")}


def active_members(group_ids: Iterable[str], members: Iterable[Mapping[str, object]],
                   active_users: Iterable[str]) -> dict[str, int | None]:
    """Queue/group Id -> its active user members. GroupMember rows name users (005…) and
    other groups or roles; a group with no active user but some non-user member is unknown
    (None), not empty: its nested group may have people in it."""
    active = set(active_users)
    out: dict[str, int | None] = {}
    nested: set[str] = set()
    for gid in group_ids:
        out[gid] = 0
    for m in members:
        gid, who = str(m.get("GroupId") or ""), str(m.get("UserOrGroupId") or "")
        if gid not in out:
            continue
        if not who.startswith("005"):
            nested.add(gid)
        elif who in active:
            out[gid] = (out[gid] or 0) + 1
    for gid in nested:
        if out[gid] == 0:
            out[gid] = None
    return out
