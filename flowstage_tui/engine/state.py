"""Immutable values the engine hands out: snapshots, change sets, health."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType

from ..salesforce.models import (
    InterviewError,
    OrgInfo,
    Run,
    StageRun,
    StepRun,
    WorkItem,
)
from ..salesforce.queries import RunFilter
from ..salesforce.run_sort import DEFAULT_SORT, RunSort
from ..salesforce.work import WorkQueue


class HealthState(StrEnum):
    CONNECTING = "connecting"
    LIVE = "live"
    STALE = "stale"  # the last poll failed but not for a network reason (e.g. a refused query)
    OFFLINE = "offline"  # no connection, the connection dropped, or no answer in time
    ORG_ERROR = "org-error"  # the org answered, with a server error (5xx) or garbage
    REAUTH = "reauth"
    LIMIT_LOW = "limit-low"  # usage above the governor's first threshold: polling slowed
    LIMIT_EXHAUSTED = "limit-exhausted"  # REQUEST_LIMIT_EXCEEDED, or suspended by the governor


@dataclass(frozen=True)
class Health:
    state: HealthState
    message: str = ""
    last_success: datetime | None = None
    next_poll: datetime | None = None
    api_used: int | None = None
    api_limit: int | None = None
    failures: int = 0
    interval: float = 15.0
    detail: str | None = None  # Salesforce's own message / the SOQL, for the detail view
    reauth_command: str | None = None
    reason: str = ""  # why OFFLINE / ORG_ERROR, in a word or two: "no connection", "503"
    # a request to the org started then and has not come back (set by whoever sent it)
    in_flight_since: datetime | None = None

    @property
    def ok(self) -> bool:
        return self.state in (HealthState.LIVE, HealthState.LIMIT_LOW)


EMPTY: Mapping[str, frozenset[str]] = MappingProxyType({})


@dataclass(frozen=True)
class ChangeSet:
    """Ids added, changed and removed per object since the previous snapshot."""

    added: Mapping[str, frozenset[str]] = field(default_factory=lambda: EMPTY)
    changed: Mapping[str, frozenset[str]] = field(default_factory=lambda: EMPTY)
    removed: Mapping[str, frozenset[str]] = field(default_factory=lambda: EMPTY)
    full: bool = False  # everything was reloaded (filter change, resync)

    @property
    def size(self) -> int:
        return sum(len(v) for m in (self.added, self.changed, self.removed) for v in m.values())

    def ids(self, obj: str) -> frozenset[str]:
        return (self.added.get(obj, frozenset()) | self.changed.get(obj, frozenset())
                | self.removed.get(obj, frozenset()))


@dataclass(frozen=True)
class Snapshot:
    """Everything on screen, as of one poll. Never mutated after it is made."""

    runs: tuple[Run, ...]
    stages: Mapping[str, tuple[StageRun, ...]]  # run id -> stages by Position
    steps: Mapping[str, tuple[StepRun, ...]]  # stage id -> steps
    work_items: Mapping[str, tuple[WorkItem, ...]]  # step id -> work items
    errors: Mapping[str, InterviewError]  # run id -> interview error
    counts: Mapping[str, int]  # status -> runs in the org matching the filter (minus status)
    filter: RunFilter
    org: OrgInfo | None
    taken: datetime | None
    more: bool = False  # older runs exist beyond the loaded window
    # every open work item of the org, while the Work view is open (SyncEngine.set_work_mode)
    work: WorkQueue | None = None
    sort: RunSort = DEFAULT_SORT  # the order of `runs`, as the server sorted them

    @classmethod
    def empty(cls, flt: RunFilter | None = None) -> Snapshot:
        return cls((), MappingProxyType({}), MappingProxyType({}), MappingProxyType({}),
                   MappingProxyType({}), MappingProxyType({}), flt or RunFilter(), None, None)

    def run(self, run_id: str) -> Run | None:
        return next((r for r in self.runs if r.id == run_id), None)


@dataclass(frozen=True)
class PollResult:
    snapshot: Snapshot
    changes: ChangeSet
    health: Health
    calls: int = 0  # API calls this poll made (by the client's count)
