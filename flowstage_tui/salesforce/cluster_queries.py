"""The SOQL behind failure clusters, and its cost.

- The Error runs in one query (paged by Salesforce, 2,000 rows a page), their interviews' error
  texts riding on each row through the `Interview.Error` parent path: one query per page of
  errored runs, never one per run. (The text is a textarea: SOQL cannot filter or group on it,
  so the grouping happens here.)
- Their FailInstance and FailStep run-log rows by `OrchestrationInstanceId IN (…)`, the Ids
  cut into chunks far under the URI limit, five chunks to a /composite call.

Every value reaching SOQL goes through `soql.quote` (DESIGN rule 7).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from .capabilities import LOG, RUN, Capabilities
from .clusters import FAIL_STEP
from .queries import RUN_FIELDS, QueryBuilder, RunFilter
from .resume_window import FAIL_KIND
from .soql import datetime_literal, quote
from .work_queries import chunks

FAIL_LOG_FIELDS = ("OrchestrationInstanceId", "Kind", "Timestamp", "StageName", "StepName",
                   "OrchestrationVersion")
FAILS = "fails"
RUNS = "runs"


@dataclass(frozen=True)
class ClusterQueries:
    caps: Capabilities

    @property
    def error_text(self) -> bool:
        return self.caps.has_path(RUN, "Interview.Error")

    @property
    def run_log(self) -> bool:
        return self.caps.has(LOG, "Kind") and self.caps.has(LOG, "OrchestrationInstanceId")

    def errored_runs(self, orchestration: str | None = None,
                     since: datetime | None = None) -> str:
        """Every Error run (of one orchestration), newest first. `since`: changed since then
        (a run's last change is at or after its failure: a superset the caller narrows by
        the failure time)."""
        where = QueryBuilder(self.caps, RunFilter(orchestration=orchestration)).run_where()
        where.append("Status = 'Error'")
        if since is not None:
            where.append(f"LastModifiedDate >= {datetime_literal(since)}")
        fields = ", ".join(self.caps.select(RUN, RUN_FIELDS))
        return (f"SELECT {fields} FROM {RUN} WHERE {' AND '.join(where)} "
                "ORDER BY CreatedDate DESC, Id DESC")

    def fail_rows(self, run_ids: Iterable[str]) -> list[tuple[str, str]]:
        """(reference `fails:N`, SOQL) per chunk of runs: their FailInstance and FailStep rows."""
        if not self.run_log:
            return []
        fields = ", ".join(self.caps.select(LOG, FAIL_LOG_FIELDS))
        kinds = f"{quote(FAIL_KIND)}, {quote(FAIL_STEP)}"
        return [(f"{FAILS}:{n}", f"SELECT {fields} FROM {LOG} WHERE Kind IN ({kinds}) AND "
                 f"OrchestrationInstanceId IN ({', '.join(quote(i) for i in chunk)}) "
                 "ORDER BY Timestamp, Id")
                for n, chunk in enumerate(chunks(run_ids))]

    def runs_by_id(self, run_ids: Iterable[str]) -> list[tuple[str, str]]:
        """(reference `runs:N`, SOQL) per chunk: a cluster's runs as they are now, newest
        first within each chunk (the run list is its own, not a filter SOQL can say)."""
        fields = ", ".join(self.caps.select(RUN, RUN_FIELDS))
        return [(f"{RUNS}:{n}", f"SELECT {fields} FROM {RUN} WHERE Id IN "
                 f"({', '.join(quote(i) for i in chunk)}) ORDER BY CreatedDate DESC, Id DESC")
                for n, chunk in enumerate(chunks(run_ids))]
