"""The SOQL flowstage sends, built from capabilities and a run filter.

Every user-typed value passes through `soql.quote`/`quote_like` (DESIGN.md rule 7).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from .capabilities import (
    LOG,
    RUN,
    RUN_FEED,
    STAGE,
    STAGE_FEED,
    STAGE_HISTORY,
    STAGE_SHARE,
    WORK,
    Capabilities,
)
from .models import Run
from .soql import datetime_literal, quote, quote_like

RUN_FIELDS = (
    "Id", "Name", "Status", "OrchestrationDeveloperName", "OrchestrationName",
    "OrchestrationLabel", "CurrentStage", "CreatedDate", "LastModifiedDate", "SystemModstamp",
    "Duration", "InterviewId", "IsDebugRun", "TriggeringRecord", "TriggeringRecordType",
    "Interview.InterviewStatus", "Interview.Error", "Interview.CurrentElement",
)
STAGE_FIELDS = ("Id", "OrchestrationInstanceId", "Name", "Label", "Position", "Status",
                "CreatedDate", "LastModifiedDate", "SystemModstamp")
STEP_FIELDS = ("Id", "OrchestrationInstanceId", "StageInstanceId", "Name", "Label", "Status",
               "StepType", "Description", "CreatedDate", "LastModifiedDate", "SystemModstamp")
# RelatedRecord.Type/Name: the context record's type and name through the polymorphic parent
# (real describes give RelatedRecordId relationshipName RelatedRecord), in the same query.
WORK_FIELDS = ("Id", "StepInstanceId", "StepInstance.OrchestrationInstanceId", "RelatedRecordId",
               "RelatedRecord.Type", "RelatedRecord.Name", "Label", "Status", "AssigneeId",
               "Assignee.Name", "Assignee.Type", "Assignee.IsActive", "CreatedDate",
               "LastModifiedDate", "SystemModstamp", "ElapsedTimeSinceAsgntInSec")
LOG_FIELDS = ("Id", "OrchestrationInstanceId", "Kind", "Timestamp", "StageName", "StepName",
              "Actor", "Assignee", "Duration", "Comments")


@dataclass(frozen=True)
class RunFilter:
    """What the user narrowed the runs list to. Empty means everything."""

    statuses: tuple[str, ...] = ()
    orchestration: str | None = None  # developer name, or part of the label
    since: datetime | None = None
    text: str | None = None  # part of the run name or orchestration label
    ids: tuple[str, ...] = ()  # these runs only (15- or 18-character Ids)

    def without_status(self) -> RunFilter:
        return replace(self, statuses=())

    def describe(self, local: bool = False) -> str:
        """One line for people; `local`: the since moment in this machine's zone (the screen)
        rather than UTC (the command line's output, as its other times)."""
        parts = []
        if self.statuses:
            parts.append("status=" + ",".join(self.statuses))
        if self.orchestration:
            parts.append(f"orch={self.orchestration}")
        if self.since:
            since = self.since.astimezone() if local else self.since
            parts.append(f"since={since:%Y-%m-%d %H:%M}")
        if self.text:
            parts.append(f"text={self.text}")
        if self.ids:
            parts.append("id=" + ",".join(self.ids))
        return " ".join(parts) or "all runs"

    def matches(self, run: Run) -> bool:
        """The same test as `where`, applied locally to a run we already hold."""
        if self.ids and run.id not in self.ids and run.id[:15] not in self.ids:
            return False
        if self.statuses and run.status not in self.statuses:
            return False
        if self.orchestration:
            needle = self.orchestration.lower()  # as `where`: in the developer name or label
            if needle not in (run.orchestration or "").lower() and \
                    needle not in (run.label or "").lower():
                return False
        if self.since and run.created < self.since:
            return False
        if self.text:
            needle = self.text.lower()
            if needle not in run.name.lower() and needle not in (run.label or "").lower() and \
                    needle not in (run.orchestration or "").lower():
                return False
        return True


@dataclass
class QueryBuilder:
    caps: Capabilities
    filter: RunFilter = field(default_factory=RunFilter)

    def fields(self, obj: str, wanted: Sequence[str]) -> str:
        return ", ".join(self.caps.select(obj, wanted))

    def run_where(self, flt: RunFilter | None = None, prefix: str = "") -> list[str]:
        f = self.filter if flt is None else flt
        out = []
        if f.ids:
            out.append(f"{prefix}Id IN ({', '.join(quote(i) for i in f.ids)})")
        if f.statuses:
            out.append(f"{prefix}Status IN ({', '.join(quote(s) for s in f.statuses)})")
        label = self.caps.has(RUN, "OrchestrationLabel")
        if f.orchestration:
            o = f.orchestration
            alts = [f"{prefix}OrchestrationDeveloperName = {quote(o)}"]
            alts.append(f"{prefix}OrchestrationDeveloperName LIKE {_contains(o)}")
            if label:
                alts.append(f"{prefix}OrchestrationLabel LIKE {_contains(o)}")
            out.append("(" + " OR ".join(alts) + ")")
        if f.since:
            out.append(f"{prefix}CreatedDate >= {datetime_literal(f.since)}")
        if f.text:
            t = f.text
            alts = [f"{prefix}Name LIKE {_contains(t)}",
                    f"{prefix}OrchestrationDeveloperName LIKE {_contains(t)}"]
            if label:
                alts.append(f"{prefix}OrchestrationLabel LIKE {_contains(t)}")
            out.append("(" + " OR ".join(alts) + ")")
        return out

    # ---------------------------------------------------------------- runs
    def runs_page(self, limit: int, before: tuple[datetime, str] | None = None) -> str:
        where = self.run_where()
        if before is not None:
            created, rid = before
            lit = datetime_literal(created)
            where.append(f"(CreatedDate < {lit} OR (CreatedDate = {lit} AND Id < {quote(rid)}))")
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        return (f"SELECT {self.fields(RUN, RUN_FIELDS)} FROM {RUN}{clause} "
                f"ORDER BY CreatedDate DESC, Id DESC LIMIT {limit}")

    def run_ids(self, limit: int) -> str:
        where = self.run_where()
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        return f"SELECT Id FROM {RUN}{clause} ORDER BY CreatedDate DESC, Id DESC LIMIT {limit}"

    def run_count(self) -> str:
        """How many runs match the filter (one aggregate row, `expr0`)."""
        where = self.run_where()
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        return f"SELECT COUNT(Id) FROM {RUN}{clause}"

    def runs_changed(self, since: datetime, oldest: datetime | None) -> str:
        where = [f"SystemModstamp > {datetime_literal(since)}"]
        if oldest is not None:
            where.append(f"CreatedDate >= {datetime_literal(oldest)}")
        return (f"SELECT {self.fields(RUN, RUN_FIELDS)} FROM {RUN} WHERE {' AND '.join(where)} "
                "ORDER BY SystemModstamp, Id")

    def status_counts(self) -> str:
        where = self.run_where(self.filter.without_status())
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        return f"SELECT Status, COUNT(Id) FROM {RUN}{clause} GROUP BY Status"

    # ---------------------------------------------------------------- children
    def children_of(self, obj: str, run_ids: Iterable[str]) -> str | None:
        ids = sorted(run_ids)
        if not ids or not self.caps.has(obj):
            return None
        id_list = ", ".join(quote(i) for i in ids)
        if obj == WORK:
            if not self.caps.has_path(WORK, "StepInstance.OrchestrationInstanceId"):
                return None
            return (f"SELECT {self.fields(WORK, WORK_FIELDS)} FROM {WORK} "
                    f"WHERE StepInstance.OrchestrationInstanceId IN ({id_list})")
        fields = STAGE_FIELDS if obj == STAGE else STEP_FIELDS
        return (f"SELECT {self.fields(obj, fields)} FROM {obj} "
                f"WHERE OrchestrationInstanceId IN ({id_list})")

    def children_changed(self, obj: str, since: datetime, oldest: datetime | None) -> str | None:
        if not self.caps.has(obj):
            return None
        lit = datetime_literal(since)
        if obj == WORK:
            if not self.caps.has_path(WORK, "StepInstance.OrchestrationInstanceId"):
                return None
            scope = "StepInstance.OrchestrationInstance.CreatedDate"
            fields: Sequence[str] = WORK_FIELDS
        else:
            scope = "OrchestrationInstance.CreatedDate"
            fields = STAGE_FIELDS if obj == STAGE else STEP_FIELDS
        where = [f"SystemModstamp > {lit}"]
        if oldest is not None:
            where.append(f"{scope} >= {datetime_literal(oldest)}")
        return (f"SELECT {self.fields(obj, fields)} FROM {obj} WHERE {' AND '.join(where)} "
                "ORDER BY SystemModstamp, Id")

    def deleted_since(self, obj: str, since: datetime) -> str | None:
        if not self.caps.has(obj):
            return None
        return (f"SELECT Id FROM {obj} WHERE IsDeleted = true AND "
                f"SystemModstamp > {datetime_literal(since)}")

    # ---------------------------------------------------------------- details
    def stage_history(self, stage_id: str) -> str | None:
        if not self.caps.has(STAGE_HISTORY):
            return None
        fields = self.fields(STAGE_HISTORY, ("Id", "ParentId", "Field", "OldValue", "NewValue",
                                             "CreatedDate", "CreatedBy.Name"))
        return (f"SELECT {fields} FROM {STAGE_HISTORY} WHERE ParentId = {quote(stage_id)} "
                "ORDER BY CreatedDate, Id")

    def stage_feed(self, stage_id: str) -> str | None:
        return self.feed(STAGE_FEED, stage_id)

    def run_feed(self, run_id: str) -> str | None:
        return self.feed(RUN_FEED, run_id)

    def feed(self, obj: str, parent_id: str) -> str | None:
        if not self.caps.has(obj):
            return None
        fields = self.fields(obj, ("Id", "ParentId", "Type", "Title", "Body", "LinkUrl",
                                   "IsRichText", "CreatedDate", "InsertedBy.Name"))
        return (f"SELECT {fields}, (SELECT Id, CommentBody, IsRichText, CreatedDate, "
                f"InsertedBy.Name FROM FeedComments ORDER BY CreatedDate) FROM {obj} "
                f"WHERE ParentId = {quote(parent_id)} ORDER BY CreatedDate DESC, Id DESC "
                "LIMIT 200")

    def run_log(self, run_id: str) -> str | None:
        """Every milestone of one run: the stage's own rows for its History tab, and every
        stage's start and end for the Stages pane."""
        if not self.caps.has(LOG):
            return None
        return (f"SELECT {self.fields(LOG, LOG_FIELDS)} FROM {LOG} WHERE "
                f"OrchestrationInstanceId = {quote(run_id)} ORDER BY Timestamp, Id")

    def stage_shares(self, stage_id: str) -> str | None:
        if not self.caps.has(STAGE_SHARE):
            return None
        return (f"SELECT UserOrGroupId, UserOrGroup.Name, AccessLevel, RowCause FROM "
                f"{STAGE_SHARE} WHERE ParentId = {quote(stage_id)}")


def _contains(text: str) -> str:
    inner = quote_like(text)[1:-1]
    return f"'%{inner}%'"
