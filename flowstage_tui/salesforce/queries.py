"""The SOQL flowstage sends, built from capabilities and a run filter, and the run filter's
vocabulary (statuses, ages, the `:runs` words) that people type it in.

Every user-typed value passes through `soql.quote`/`quote_like` (DESIGN.md rule 7).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

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
from .models import RUN_STATUSES, Run
from .presets import preset_bounds, preset_matches, preset_where
from .run_sort import DEFAULT_SORT, Cursor, RunSort
from .soql import datetime_literal, quote, quote_like
from .work import DEFAULT_STALE_AFTER

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
HISTORY_FIELDS = ("Id", "ParentId", "Field", "OldValue", "NewValue", "CreatedDate",
                  "CreatedBy.Name")
FEED_FIELDS = ("Id", "ParentId", "Type", "Title", "Body", "LinkUrl", "IsRichText", "CreatedDate",
               "InsertedBy.Name")
FEED_COMMENTS = ("(SELECT Id, CommentBody, IsRichText, CreatedDate, InsertedBy.Name FROM "
                 "FeedComments ORDER BY CreatedDate)")


# ---------------------------------------------------------------- the filter's vocabulary
# One rule for every place a person types a filter: --status/--since, a profile's `status` and
# `since` (config.store checks them on load), and the TUI's `:runs status= since=`.

_SINCE_RE = re.compile(r"^(\d+)\s*([mhdw])$")
MAX_AGE_MINUTES = 36525 * 1440  # a century: older than any org, well inside the calendar


def age_minutes(text: str) -> int:
    """`24h` -> 1440. ValueError (with the words to show) for anything else, and for ages the
    calendar cannot hold: the profile's `since`, --since and the TUI's `since=` all read it."""
    m = _SINCE_RE.match(text.strip().lower())
    if m is None:
        raise ValueError(f"{text!r} is not an age; write it like 30m, 24h, 7d or 2w")
    minutes = int(m.group(1)) * {"m": 1, "h": 60, "d": 1440, "w": 10080}[m.group(2)]
    if minutes > MAX_AGE_MINUTES:
        raise ValueError(f"{text!r} reaches back more than 100 years; write a shorter age like "
                         "30m, 24h, 7d or 2w")
    return minutes


def status_names(values: Any) -> tuple[str, ...]:
    """Run statuses from `Error,in progress` or a list of such; () for none given. ValueError
    (with the words to show) for an unknown one, or a list that names none."""
    if not values:
        return ()
    items = [values] if isinstance(values, str) else list(values)
    if not all(isinstance(i, str) for i in items):
        raise ValueError("must be a string or a list of strings, e.g. \"Error,InProgress\"")
    out = []
    for item in items:
        for part in item.split(","):
            part = part.strip()
            if not part:
                continue
            match = next((s for s in RUN_STATUSES
                          if s.lower() == part.lower().replace(" ", "")), None)
            if match is None:
                raise ValueError(f"unknown status {part!r}; use one of "
                                 + ", ".join(RUN_STATUSES))
            out.append(match)
    if not out:
        raise ValueError(f"no status in {', '.join(items)!r}; use one of "
                         + ", ".join(RUN_STATUSES))
    return tuple(dict.fromkeys(out))


class FilterError(ValueError):
    """A bad filter value. `field` (status, since, ...) lets each caller name it its own way:
    the command line as `--since:`, the TUI as `since:`."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


# the words of `:runs status=Error since=24h` (preset=stale|expiring: salesforce/presets.py)
LINE_KEYS = ("status", "since", "orch", "text", "preset")
MAX_VALUE = 200  # characters: longer is a paste gone wrong, and the query URL has a limit


@dataclass(frozen=True)
class RunFilter:
    """What the user narrowed the runs list to. Empty means everything."""

    statuses: tuple[str, ...] = ()
    orchestration: str | None = None  # developer name, or part of the label
    since: datetime | None = None
    text: str | None = None  # part of the run name or orchestration label
    ids: tuple[str, ...] = ()  # these runs only (15- or 18-character Ids)
    # `stale` or `expiring` (presets.py), with the bounds it was given at parse time: stale,
    # modified before preset_from; expiring, failed in (preset_from, preset_to]
    preset: str | None = None
    preset_from: datetime | None = None
    preset_to: datetime | None = None
    since_age: str | None = None  # `since` as typed (24h): what a saved view keeps

    @classmethod
    def parse(cls, *, status: Any = None, since: str | None = None,
              orchestration: str | None = None, text: str | None = None,
              now: datetime, preset: str | None = None,
              stale_after: timedelta = DEFAULT_STALE_AFTER) -> RunFilter:
        """The filter for typed values: `status` as status_names reads it, `since` an age
        (`24h`; None is no limit, "" a mistake), `now` the moment ages count back from,
        `preset` stale or expiring (`stale_after`: the profile's). FilterError names the
        field of a bad value."""
        try:
            statuses = status_names(status)
        except ValueError as exc:
            raise FilterError("status", str(exc)) from None
        bounds: tuple[datetime | None, datetime | None] = (None, None)
        if preset is not None:
            try:
                bounds = preset_bounds(preset.strip().lower(), now, stale_after)
            except ValueError as exc:
                raise FilterError("preset", str(exc)) from None
            preset = preset.strip().lower()
        start = None
        if since is not None:
            try:
                start = now - timedelta(minutes=age_minutes(since))
            except ValueError as exc:
                raise FilterError("since", str(exc)) from None
        return cls(statuses=statuses, orchestration=orchestration, since=start, text=text,
                   preset=preset, preset_from=bounds[0], preset_to=bounds[1],
                   since_age=since.strip().lower() if start is not None and since else None)

    @classmethod
    def parse_line(cls, line: str, now: datetime,
                   stale_after: timedelta = DEFAULT_STALE_AFTER) -> RunFilter:
        """`status=Error,InProgress since=24h orch="Employee Onboarding" text=OR-0001` →
        RunFilter. Quotes group words; so does a bare word after a value (`text=Loan
        Application`). ValueError with the words to show."""
        import shlex

        try:
            words = shlex.split(line)
        except ValueError:
            raise ValueError(f"Unclosed quote in {line!r}: write orch=\"Employee Onboarding\"") \
                from None
        values: dict[str, str] = {}
        last: str | None = None
        for word in words:
            key, eq, value = word.partition("=")
            if eq and key in LINE_KEYS:
                values[key] = value
                last = key
            elif not eq and last is not None:
                values[last] = f"{values[last]} {word}".strip()
            else:
                raise ValueError(f"Unknown filter {word!r}: use status=, since=, orch=, text=, "
                                 "preset=")
        for key, value in values.items():
            if len(value) > MAX_VALUE:
                raise ValueError(f"{key}= is {len(value)} characters long; give at most "
                                 f"{MAX_VALUE}")
        return cls.parse(status=values.get("status"), since=values.get("since") or None,
                         orchestration=values.get("orch") or None,
                         text=values.get("text") or None, now=now,
                         preset=values.get("preset") or None, stale_after=stale_after)

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
        if self.preset:
            parts.append(f"preset={self.preset}")
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
        return preset_matches(self, run)


@dataclass
class QueryBuilder:
    caps: Capabilities
    filter: RunFilter = field(default_factory=RunFilter)
    sort: RunSort = DEFAULT_SORT

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
        out.extend(preset_where(f, self.caps, prefix))
        return out

    # ---------------------------------------------------------------- runs
    def runs_page(self, limit: int, after: Cursor | None = None) -> str:
        """One page of runs in the sort's order; `after`: the last row's (value, Id) of the
        page before (keyset paging: OFFSET stops at 2,000)."""
        where = self.run_where()
        if after is not None:
            where.append(self.sort.after(after, self.caps))
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        return (f"SELECT {self.fields(RUN, RUN_FIELDS)} FROM {RUN}{clause} "
                f"ORDER BY {self.sort.order_by(self.caps)} LIMIT {limit}")

    def run_named(self, name: str) -> str:
        """The run whose Name (its OR-… autonumber) a person typed."""
        return (f"SELECT {self.fields(RUN, RUN_FIELDS)} FROM {RUN} WHERE Name = {quote(name)} "
                "LIMIT 1")

    def run_ids(self, limit: int) -> str:
        where = self.run_where()
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        return (f"SELECT Id FROM {RUN}{clause} ORDER BY {self.sort.order_by(self.caps)} "
                f"LIMIT {limit}")

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
        return (f"SELECT {self.fields(STAGE_HISTORY, HISTORY_FIELDS)} FROM {STAGE_HISTORY} "
                f"WHERE ParentId = {quote(stage_id)} ORDER BY CreatedDate, Id")

    def history_of(self, obj: str, parent_ids: Iterable[str]) -> str | None:
        """All field history of these records (a run and its stages), oldest first."""
        if not self.caps.has(obj):
            return None
        return (f"SELECT {self.fields(obj, HISTORY_FIELDS)} FROM {obj} WHERE ParentId IN "
                f"({', '.join(quote(i) for i in parent_ids)}) ORDER BY CreatedDate, Id")

    def stage_feed(self, stage_id: str) -> str | None:
        return self.feed(STAGE_FEED, stage_id)

    def run_feed(self, run_id: str) -> str | None:
        return self.feed(RUN_FEED, run_id)

    def feed(self, obj: str, parent_id: str) -> str | None:
        if not self.caps.has(obj):
            return None
        return (f"SELECT {self.fields(obj, FEED_FIELDS)}, {FEED_COMMENTS} FROM {obj} "
                f"WHERE ParentId = {quote(parent_id)} ORDER BY CreatedDate DESC, Id DESC "
                "LIMIT 200")

    def feed_of(self, obj: str, parent_ids: Iterable[str]) -> str | None:
        """Every post (with its comments) on these records, oldest first."""
        if not self.caps.has(obj):
            return None
        return (f"SELECT {self.fields(obj, FEED_FIELDS)}, {FEED_COMMENTS} FROM {obj} WHERE "
                f"ParentId IN ({', '.join(quote(i) for i in parent_ids)}) "
                "ORDER BY CreatedDate, Id")

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
