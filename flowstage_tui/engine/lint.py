"""The engine's side of `flowstage lint`: read what the checks need in few calls.

- The Error runs with their interviews' error texts, and their Fail* run-log rows: what the
  failures view reads (engine/clusters.py), which gives each run's failure time for the
  resume window and the clusters for their growth: one query per 2,000 Error runs, one
  /composite per 750 of them.
- One /composite call for three queries: the stale runs (the `stale` preset's conditions),
  the ended runs whose interview is still Paused, and every open work item.
- One /composite call for who holds the items (frozen users, queue members), as
  `flowstage work` reads them.
- One /composite call for version drift (engine/versions.py read_versions).

So on a small org: connect, then five calls. An object or field the org does not show this
user skips the check that needs it (LintData.skipped says which and why); it fails nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..errors import QueryRefused
from ..salesforce import parse
from ..salesforce.capabilities import RUN, Capabilities
from ..salesforce.lint import LintData, LintSettings, OldVersionRuns, PausedInterview
from ..salesforce.models import RunStatus
from ..salesforce.parse import path
from ..salesforce.queries import RUN_FIELDS, QueryBuilder, RunFilter
from ..salesforce.soql import quote
from ..salesforce.versions import VersionReport
from ..salesforce.work_queries import WorkQueries

if TYPE_CHECKING:
    from ..salesforce.client import SalesforceClient

ENDED = (RunStatus.COMPLETED, RunStatus.CANCELED, RunStatus.DISCONTINUED)
PAUSED = ("Paused", "VersionPaused")


def stale_soql(caps: Capabilities, now: datetime, settings: LintSettings) -> str:
    flt = RunFilter(preset="stale", preset_from=now - settings.stale_after)
    where = QueryBuilder(caps, flt).run_where()
    fields = ", ".join(caps.select(RUN, RUN_FIELDS))
    return (f"SELECT {fields} FROM {RUN} WHERE {' AND '.join(where)} "
            "ORDER BY LastModifiedDate, Id")


def paused_soql(caps: Capabilities) -> str | None:
    """Ended runs whose interview is still paused (None: the org shows no interview status)."""
    if not caps.has_path(RUN, "Interview.InterviewStatus"):
        return None
    fields = ", ".join(caps.select(RUN, RUN_FIELDS))
    ended = ", ".join(quote(s) for s in ENDED)
    paused = ", ".join(quote(s) for s in PAUSED)
    return (f"SELECT {fields} FROM {RUN} WHERE Status IN ({ended}) AND "
            f"Interview.InterviewStatus IN ({paused}) ORDER BY CreatedDate, Id")


def paused_interview(rec: dict[str, Any]) -> PausedInterview:
    run = parse.run(rec)
    return PausedInterview(str(rec.get("InterviewId") or ""),
                           str(path(rec, "Interview.InterviewStatus") or ""), run.id, run.name,
                           str(run.status), run.title)


def old_versions(report: VersionReport) -> list[OldVersionRuns]:
    """The drift report as the old-versions check sees it: one entry per older version."""
    return [OldVersionRuns(d.orchestration,
                           f"v{v.number}" if v.number is not None else "an unknown version",
                           f"v{d.active_number}", v.total, tuple(v.unseen_stages))
            for d in report.drifting if d.active_number is not None for v in d.older if v.total]


def read_lint(client: SalesforceClient, caps: Capabilities, now: datetime,
              settings: LintSettings) -> LintData:
    """What every check needs."""
    from .clusters import read_failures
    from .versions import read_versions
    from .work import WorkTracker

    skipped: dict[str, str] = {}
    notes: dict[str, str] = {}

    def refused(checks: tuple[str, ...], exc: QueryRefused) -> None:
        for check in checks:
            skipped[check] = f"the org refused the query ({exc})"

    report = None
    try:
        report = read_failures(client, caps, now)
    except QueryRefused as exc:
        refused(("expiring", "cluster-growth"), exc)
    if report is not None and not report.run_log:
        skipped["expiring"] = ("the run log (FlowOrchestrationLog) could not be read, so no "
                               "failure time is known")
    subs = [("stale", stale_soql(caps, now, settings))]
    paused = paused_soql(caps)
    if paused is None:
        skipped["paused-interviews"] = "this org shows no FlowInterview.InterviewStatus"
    else:
        subs.append(("paused", paused))
    work = WorkQueries(caps)
    if work.available:
        subs.append(("work", work.open_items()))
    else:
        why = f"this org shows no FlowOrchestrationWorkItem at API v{caps.version}"
        skipped["bad-assignee"] = skipped["held-long"] = why
    res = client.composite(subs)
    stale = interviews = queue = None
    try:
        stale = [parse.run(r) for r in client.records(res["stale"])]
    except QueryRefused as exc:
        refused(("stale",), exc)
    if "paused" in res:
        try:
            interviews = [paused_interview(r) for r in client.records(res["paused"])]
        except QueryRefused as exc:
            refused(("paused-interviews",), exc)
    if "work" in res:
        try:
            tracker = WorkTracker(on=True)
            tracker.apply(client.records(res["work"]), read_at=now)
            tracker.read_people(client, work, now)
            queue = tracker.queue(now, settings.held_after)
        except QueryRefused as exc:
            refused(("bad-assignee", "held-long"), exc)
        if queue is not None and not queue.frozen_known:
            notes["bad-assignee"] = ("frozen users could not be checked (UserLogin needs the "
                                     "Manage Users permission)")
    versions: list[OldVersionRuns] | None = None
    try:
        drift = read_versions(client, caps, now)
    except QueryRefused as exc:
        refused(("old-versions",), exc)
    else:
        versions = old_versions(drift)
        if "FlowOrchestration.ActiveVersionId" in drift.missing:
            versions = None
            skipped["old-versions"] = ("this org does not say which version is active "
                                       "(FlowOrchestration.ActiveVersionId needs API v62)")
        elif "FlowOrchestrationLog.OrchestrationVersion" in drift.missing:
            versions = None
            skipped["old-versions"] = ("this org's run log names no OrchestrationVersion, so "
                                       "the version of a run is unknown")
    failures = [f for c in report.clusters for f in c.failures] \
        if report is not None and report.run_log else None
    return LintData(now=now, failures=failures,
                    clusters=report.clusters if report is not None else None, stale=stale,
                    paused=interviews, queue=queue,
                    versions=versions, skipped=skipped, notes=notes)


__all__ = ["old_versions", "paused_soql", "read_lint", "stale_soql"]
