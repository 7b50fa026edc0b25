"""The SOQL of the stuck-work queue, and what its answers mean.

- The open items come with their place (step, stage, run) through parent paths, in the same
  query: their runs are mostly ones the runs pane never loaded.
- Who holds them: the frozen state of the users (UserLogin, which needs Manage Users: refused
  means "unknown", never a failure) and the active members of the queues and groups
  (GroupMember, with a semi-join for the active users), in one composite call.
- Where the org lacks ElapsedTimeSinceAsgntInSec (before v63), the newest ReassignWorkItem
  log row of each item's run and step says when it last changed hands.

Every value reaching SOQL goes through `soql.quote` (DESIGN rule 7); Id lists are cut into
chunks that keep each query's URL far below the REST URI limit (16,384 characters).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .capabilities import LOG, WORK, Capabilities
from .parse import path, sf_datetime
from .queries import WORK_FIELDS
from .soql import datetime_literal, quote
from .work import Place

# Parent paths giving each item's place, beside the fields the Steps tab reads.
PLACE_FIELDS = (
    "StepInstance.Name", "StepInstance.Label", "StepInstance.StageInstance.Label",
    "StepInstance.OrchestrationInstance.Name",
    "StepInstance.OrchestrationInstance.OrchestrationLabel",
    "StepInstance.OrchestrationInstance.OrchestrationDeveloperName",
)
QUEUE_FIELDS = (*WORK_FIELDS, *PLACE_FIELDS)
OPEN = "Status = 'Assigned'"
ID_CHUNK = 150  # quoted and URL-encoded, ~28 characters each: ~4,200 per list
COMPOSITE_QUERIES = 5  # query subrequests one /composite call may carry
REASSIGN_KIND = "ReassignWorkItem"
LOGINS, MEMBERS, ACTIVE, REASSIGNED = "logins", "members", "active", "reassigned"


def chunks(ids: Iterable[str], size: int = ID_CHUNK) -> list[list[str]]:
    ordered = sorted(set(ids))
    return [ordered[i:i + size] for i in range(0, len(ordered), size)]


def _ids(ids: Sequence[str]) -> str:
    return ", ".join(quote(i) for i in ids)


@dataclass(frozen=True)
class WorkQueries:
    caps: Capabilities

    @property
    def available(self) -> bool:
        """The org has work items this user can read (v54+)."""
        return self.caps.has(WORK)

    @property
    def has_elapsed(self) -> bool:
        return self.caps.has(WORK, "ElapsedTimeSinceAsgntInSec")

    def _select(self) -> str:
        return ", ".join(self.caps.select(WORK, QUEUE_FIELDS))

    def open_items(self) -> str:
        """Every open item of the org."""
        return f"SELECT {self._select()} FROM {WORK} WHERE {OPEN} ORDER BY CreatedDate, Id"

    def open_or_changed(self, since: datetime) -> str:
        """Every open item, and every item changed since `since` (an item completed since
        then must leave the queue): the first poll with the Work view open."""
        return (f"SELECT {self._select()} FROM {WORK} WHERE ({OPEN} OR SystemModstamp > "
                f"{datetime_literal(since)}) ORDER BY SystemModstamp, Id")

    def changed(self, since: datetime) -> str:
        """Every item of the org changed since `since`: the Work view's per-poll subrequest,
        in place of the visible runs' items (what it returns covers those too)."""
        return (f"SELECT {self._select()} FROM {WORK} WHERE SystemModstamp > "
                f"{datetime_literal(since)} ORDER BY SystemModstamp, Id")

    def people(self, user_ids: Iterable[str], group_ids: Iterable[str],
               reassigned_runs: Iterable[str] = ()) -> list[tuple[str, str]]:
        """The subrequests (reference Id, SOQL) saying who the assignees are: frozen users,
        queue and group members, the active users among those, and (only for orgs without
        the time since assignment) the runs' ReassignWorkItem rows. References carry the
        chunk number: `logins:0`, `members:0`, …"""
        subs: list[tuple[str, str]] = []
        for n, chunk in enumerate(chunks(user_ids)):
            subs.append((f"{LOGINS}:{n}", "SELECT UserId, IsFrozen FROM UserLogin WHERE "
                         f"UserId IN ({_ids(chunk)})"))
        for n, chunk in enumerate(chunks(group_ids)):
            subs.append((f"{MEMBERS}:{n}", "SELECT GroupId, UserOrGroupId FROM GroupMember "
                         f"WHERE GroupId IN ({_ids(chunk)})"))
            subs.append((f"{ACTIVE}:{n}", "SELECT Id FROM User WHERE IsActive = true AND Id "
                         "IN (SELECT UserOrGroupId FROM GroupMember WHERE GroupId IN "
                         f"({_ids(chunk)}))"))
        if self.caps.has(LOG):
            for n, chunk in enumerate(chunks(reassigned_runs)):
                subs.append((f"{REASSIGNED}:{n}", "SELECT OrchestrationInstanceId, StepName, "
                             f"Timestamp FROM {LOG} WHERE Kind = {quote(REASSIGN_KIND)} AND "
                             f"OrchestrationInstanceId IN ({_ids(chunk)}) ORDER BY Timestamp"))
        return subs


def calls(subs: Sequence[tuple[str, str]]) -> list[list[tuple[str, str]]]:
    """Subrequests packed into composite calls of at most five queries each."""
    return [list(subs[i:i + COMPOSITE_QUERIES]) for i in range(0, len(subs), COMPOSITE_QUERIES)]


def place(rec: Mapping[str, Any]) -> Place:
    """Where a work-item row sits, from its parent paths (null hops give None)."""
    r = dict(rec)
    return Place(
        run_id=path(r, "StepInstance.OrchestrationInstanceId"),
        run_name=path(r, "StepInstance.OrchestrationInstance.Name"),
        run_label=path(r, "StepInstance.OrchestrationInstance.OrchestrationLabel")
        or path(r, "StepInstance.OrchestrationInstance.OrchestrationDeveloperName"),
        stage_label=path(r, "StepInstance.StageInstance.Label"),
        step_name=path(r, "StepInstance.Name"),
        step_label=path(r, "StepInstance.Label") or path(r, "StepInstance.Name"))


def reassigned_at(rows: Iterable[Mapping[str, Any]]) -> dict[tuple[str, str], datetime]:
    """ReassignWorkItem rows -> (run Id, step name) -> the newest one's Timestamp."""
    out: dict[tuple[str, str], datetime] = {}
    for r in rows:
        run_id, step, when = r.get("OrchestrationInstanceId"), r.get("StepName"), \
            sf_datetime(r.get("Timestamp"))
        if run_id and step and when is not None:
            key = (str(run_id), str(step))
            if key not in out or when > out[key]:
                out[key] = when
    return out
