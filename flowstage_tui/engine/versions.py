"""The engine's side of version drift: one /composite call (see salesforce/version_queries.py)
turned into a VersionReport. A refused part (FlowOrchestration not readable, the run log
needing Manage Flow) degrades the report and says what is missing; it does not fail it."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..errors import QueryRefused
from ..salesforce import parse
from ..salesforce.capabilities import Capabilities
from ..salesforce.version_queries import OPEN, ORCHESTRATION, ORCHS, SEEN, START, VersionQueries
from ..salesforce.versions import ActiveVersion, OpenRun, VersionReport, build_report

if TYPE_CHECKING:
    from ..salesforce.client import SalesforceClient, SubResult


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def read_versions(client: SalesforceClient, caps: Capabilities, now: datetime, *,
                  orchestration: str | None = None) -> VersionReport:
    """The version drift of the org (of one orchestration, by developer name): one API call."""
    q = VersionQueries(caps)
    missing = q.missing()
    subs = client.composite(q.subrequests(orchestration))

    def rows(ref: str, lacks: str) -> list[dict[str, Any]] | None:
        sub: SubResult | None = subs.get(ref)
        if sub is None:
            return None
        try:
            return client.records(sub)
        except QueryRefused:
            missing.append(lacks)
            return None

    actives = [ActiveVersion(str(r.get("ApiName") or ""), _str(r.get("OrchestrationLabel")),
                             _str(r.get("ActiveVersionId")),
                             _int(parse.path(r, "ActiveVersion.VersionNumber")))
               for r in rows(ORCHS, f"{ORCHESTRATION}.ActiveVersionId") or []
               if r.get("ApiName")]
    seen = [(str(r["OrchestrationName"]), v, str(r["StageName"]))
            for r in rows(SEEN, "FlowOrchestrationLog.StageName") or []
            if (v := _int(r.get("OrchestrationVersion"))) is not None
            and r.get("OrchestrationName") and r.get("StageName")]
    version_of = {str(r["OrchestrationInstanceId"]): _int(r.get("OrchestrationVersion"))
                  for r in rows(START, "FlowOrchestrationLog.OrchestrationVersion") or []
                  if r.get("OrchestrationInstanceId")}
    runs = []
    for r in client.records(subs[OPEN]):
        created = parse.sf_datetime(r.get("CreatedDate"))
        name = _str(r.get("OrchestrationName")) or _str(r.get("OrchestrationDeveloperName"))
        if created is None or name is None:
            continue
        rid = str(r.get("Id"))
        runs.append(OpenRun(rid, name, str(r.get("Status")), created, version_of.get(rid),
                            _str(r.get("FlowDefinitionVersionName")),
                            _str(r.get("CurrentStage"))))
    return build_report(actives, runs, seen, now, missing=missing)


__all__ = ["read_versions"]
