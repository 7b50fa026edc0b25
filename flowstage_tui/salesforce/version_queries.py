"""The SOQL behind version drift, and its cost: ONE /composite call (four query subrequests,
each paged by Salesforce when long):

- `orchs`: every FlowOrchestration with its ActiveVersionId and, through the ActiveVersion
  relationship, FlowOrchestrationVersion.VersionNumber (both v62; asked only at v62+);
- `seen`: the run log's (OrchestrationName, OrchestrationVersion, StageName) groups: the stages
  seen on each version, by any run (an aggregate: a handful of groups, not a row per run);
- `open`: the InProgress / Suspended / Error runs (their current stage, FlowDefinitionVersionName
  where the org has it);
- `start`: the StartInstance log row of each of those runs, for its OrchestrationVersion (a
  semi-join on the same statuses, so no Id list is sent).

FlowOrchestration is not one of the objects described at connect (that would cost every start a
describe); its fields are asked by API version, and a refusal degrades the report.
"""

from __future__ import annotations

from dataclasses import dataclass

from .capabilities import LOG, RUN, Capabilities
from .soql import quote
from .versions import OPEN_STATUSES

ORCHESTRATION = "FlowOrchestration"
ORCH_FIELDS = ("ApiName", "OrchestrationLabel", "ActiveVersionId", "ActiveVersion.VersionNumber")
OPEN_FIELDS = ("Id", "Status", "OrchestrationDeveloperName", "OrchestrationName", "CreatedDate",
               "CurrentStage", "FlowDefinitionVersionName")
START_KIND = "StartInstance"
ORCHS, SEEN, OPEN, START = "orchs", "seen", "open", "start"


def _statuses() -> str:
    return ", ".join(quote(s) for s in OPEN_STATUSES)


@dataclass(frozen=True)
class VersionQueries:
    caps: Capabilities

    @property
    def active_version(self) -> bool:
        """FlowOrchestration.ActiveVersionId and FlowOrchestrationVersion.VersionNumber: v62."""
        try:
            return float(self.caps.version) >= 62.0
        except ValueError:
            return False

    @property
    def log_versions(self) -> bool:
        return all(self.caps.has(LOG, f) for f in
                   ("OrchestrationVersion", "OrchestrationInstanceId", "Kind"))

    @property
    def log_stages(self) -> bool:
        return self.log_versions and self.caps.has(LOG, "StageName") \
            and self.caps.has(LOG, "OrchestrationName")

    def missing(self) -> list[str]:
        out = []
        if not self.active_version:
            out.append(f"{ORCHESTRATION}.ActiveVersionId")
        if not self.log_versions:
            out.append(f"{LOG}.OrchestrationVersion")
        if not self.caps.has(RUN, "CurrentStage"):
            out.append(f"{RUN}.CurrentStage")
        return out

    def subrequests(self, orchestration: str | None = None) -> list[tuple[str, str]]:
        """(reference, SOQL) for the one composite call; `orchestration` (a developer name)
        narrows every part to it."""
        subs: list[tuple[str, str]] = []
        one = quote(orchestration) if orchestration is not None else None
        if self.active_version:
            where = f" WHERE ApiName = {one}" if one else ""
            subs.append((ORCHS, f"SELECT {', '.join(ORCH_FIELDS)} FROM {ORCHESTRATION}{where} "
                               "ORDER BY ApiName"))
        if self.log_stages:
            where = "StageName != null" + (f" AND OrchestrationName = {one}" if one else "")
            subs.append((SEEN, "SELECT OrchestrationName, OrchestrationVersion, StageName "
                               f"FROM {LOG} WHERE {where} "
                               "GROUP BY OrchestrationName, OrchestrationVersion, StageName"))
        run_where = f"Status IN ({_statuses()})"
        if one:
            name = "OrchestrationName" if self.caps.has(RUN, "OrchestrationName") \
                else "OrchestrationDeveloperName"
            run_where += f" AND {name} = {one}"
        fields = ", ".join(self.caps.select(RUN, OPEN_FIELDS))
        subs.append((OPEN, f"SELECT {fields} FROM {RUN} WHERE {run_where} "
                           "ORDER BY CreatedDate, Id"))
        if self.log_versions:
            subs.append((START, "SELECT OrchestrationInstanceId, OrchestrationVersion "
                                f"FROM {LOG} WHERE Kind = {quote(START_KIND)} AND "
                                f"OrchestrationInstanceId IN (SELECT Id FROM {RUN} "
                                f"WHERE {run_where}) ORDER BY OrchestrationInstanceId"))
        return subs


__all__ = ["ORCH_FIELDS", "VersionQueries"]
