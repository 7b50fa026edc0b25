"""The engine's side of failure clusters: read the org's Error runs and their Fail* run-log
rows (see salesforce/cluster_queries.py for the cost) and group them.

One call per page of Error runs (2,000 a page), then one /composite call per 750 of them for
their log rows. A refused log query (the run log follows the run's sharing, or needs Manage
Flow) degrades the report, it does not fail it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from ..errors import QueryRefused
from ..salesforce import parse
from ..salesforce.capabilities import Capabilities
from ..salesforce.cluster_queries import ClusterQueries
from ..salesforce.clusters import FailRow, FailureReport, build_clusters, fail_row, failure
from ..salesforce.models import Run
from ..salesforce.work_queries import calls

if TYPE_CHECKING:
    from ..salesforce.client import SalesforceClient


def read_failures(client: SalesforceClient, caps: Capabilities, now: datetime, *,
                  orchestration: str | None = None,
                  since: datetime | None = None) -> FailureReport:
    """The clusters of the org's Error runs (of `orchestration`; failed at or after `since`)."""
    q = ClusterQueries(caps)
    rows = client.query(q.errored_runs(orchestration, since))
    runs = [(parse.run(r), parse.interview_error(r)) for r in rows]
    log: list[FailRow] = []
    read_log = q.run_log
    for batch in calls(q.fail_rows(run.id for run, _ in runs)):
        if not read_log:
            break
        for sub in client.composite(batch).values():
            try:
                recs = client.records(sub)
            except QueryRefused:
                read_log, log = False, []
                break
            log.extend(r for r in (fail_row(rec) for rec in recs) if r is not None)
    by_run: dict[str, list[FailRow]] = {}
    for row in log:
        by_run.setdefault(row.run_id, []).append(row)
    failures = [failure(run, err, by_run.get(run.id, ())) for run, err in runs]
    if since is not None:
        failures = [f for f in failures if f.seen >= since]
    return FailureReport(build_clusters(failures), q.error_text, read_log, now)


def read_runs(client: SalesforceClient, caps: Capabilities, run_ids: Sequence[str]) -> list[Run]:
    """A cluster's runs as they are now (a resumed one is no longer Error), by `Id IN (…)` in
    chunks, five to a /composite call; newest first."""
    runs: list[Run] = []
    for batch in calls(ClusterQueries(caps).runs_by_id(run_ids)):
        for sub in client.composite(batch).values():
            runs.extend(parse.run(r) for r in client.records(sub))
    return sorted(runs, key=lambda r: (r.created, r.id), reverse=True)


__all__ = ["read_failures", "read_runs"]
