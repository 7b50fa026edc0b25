"""Version drift, pure: which orchestration version is active, and how many unfinished runs
are still on older ones.

A run's version is the `OrchestrationVersion` of its run-log rows (the run never changes
version); `FlowDefinitionVersionName` (v65) names it where the org has the field. No data
object lists a version's stages, so the report never says a stage was "removed": it says which
current stages of old-version runs have not been seen on any run of the active version (in the
run log). Every figure here is computed from values the engine read; nothing is fetched.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

OPEN_STATUSES = ("InProgress", "Suspended", "Error")
NOT_SEEN = "not seen on the active version"
LOG_VERSION = "FlowOrchestrationLog.OrchestrationVersion"


@dataclass(frozen=True)
class ActiveVersion:
    """One FlowOrchestration row: its developer name, label and active version."""
    orchestration: str
    label: str | None
    version_id: str | None
    number: int | None


@dataclass(frozen=True)
class OpenRun:
    """An InProgress, Suspended or Error run, with the version its run log names."""
    run_id: str
    orchestration: str
    status: str
    created: datetime
    version: int | None
    version_name: str | None = None
    current_stage: str | None = None


@dataclass(frozen=True)
class OlderVersion:
    number: int
    name: str | None
    counts: Mapping[str, int]  # status -> runs, for every status of OPEN_STATUSES
    oldest: datetime
    oldest_age_seconds: int
    run_ids: tuple[str, ...]
    unseen_stages: tuple[str, ...]  # current stages not seen on any active-version run

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class OrchestrationDrift:
    orchestration: str
    label: str | None
    active_number: int | None
    active_runs: int  # unfinished runs on the active version
    older: tuple[OlderVersion, ...]  # newest version first
    # unfinished runs on neither the active version nor an older one: their version (or the
    # active one) unknown, or newer than the active one (a version rolled back)
    unplaced: int = 0

    @property
    def title(self) -> str:
        return self.label or self.orchestration

    @property
    def older_runs(self) -> int:
        return sum(v.total for v in self.older)


@dataclass(frozen=True)
class VersionReport:
    orchestrations: tuple[OrchestrationDrift, ...]
    now: datetime
    # Fields this org lacks, as "Object.Field" (the report says what it could not tell).
    missing: tuple[str, ...] = field(default=())

    @property
    def drifting(self) -> tuple[OrchestrationDrift, ...]:
        return tuple(o for o in self.orchestrations if o.older)

    @property
    def older_runs(self) -> int:
        return sum(o.older_runs for o in self.orchestrations)

    def select(self, name: str) -> list[OrchestrationDrift]:
        """The orchestrations `name` means: its developer name exactly, else every one whose
        label or developer name contains it (case-insensitive)."""
        exact = [o for o in self.orchestrations if o.orchestration == name]
        if exact:
            return exact
        needle = name.casefold()
        return [o for o in self.orchestrations
                if needle in o.orchestration.casefold() or needle in (o.label or "").casefold()]

    def notes(self) -> list[str]:
        """One plain line per thing the org could not tell."""
        out: list[str] = []
        if "FlowOrchestration.ActiveVersionId" in self.missing:
            out.append("This org does not say which version is active "
                       "(FlowOrchestration.ActiveVersionId needs API v62): "
                       "runs are counted per version, none is called older.")
        if LOG_VERSION in self.missing:
            out.append("This org's run log has no OrchestrationVersion, or this user may not "
                       "read it: the version of each run is unknown, none is called older.")
        if "FlowOrchestrationInstance.CurrentStage" in self.missing:
            out.append("This org's runs have no CurrentStage (API v62): "
                       "stages not seen on the active version cannot be told.")
        return out


def build_report(actives: Iterable[ActiveVersion], runs: Iterable[OpenRun],
                 seen: Iterable[tuple[str, int, str]], now: datetime, *,
                 missing: Iterable[str] = ()) -> VersionReport:
    """The drift per orchestration. `seen`: (orchestration, version, stage) triples from the
    run log, every run's, finished or not. Orchestrations without unfinished runs are kept
    (with nothing older) so the active version of each still shows."""
    by_orch: dict[str, ActiveVersion] = {a.orchestration: a for a in actives}
    stages_seen: dict[tuple[str, int], set[str]] = {}
    for orch, version, stage in seen:
        stages_seen.setdefault((orch, version), set()).add(stage)
    open_by_orch: dict[str, list[OpenRun]] = {}
    for run in runs:
        open_by_orch.setdefault(run.orchestration, []).append(run)
    missing = tuple(sorted(set(missing)))
    known = LOG_VERSION not in missing  # else every run's version is unknown, not "older"
    names = sorted(set(by_orch) | set(open_by_orch))
    drifts = [_drift(by_orch.get(n, ActiveVersion(n, None, None, None)),
                     open_by_orch.get(n, []), stages_seen, now, known) for n in names]
    drifts.sort(key=lambda d: (-d.older_runs, d.title.casefold(), d.orchestration))
    return VersionReport(tuple(drifts), now, missing)


def _drift(active: ActiveVersion, runs: list[OpenRun],
           stages_seen: Mapping[tuple[str, int], set[str]], now: datetime,
           known: bool) -> OrchestrationDrift:
    current = active.number if known else None
    if current is None:
        return OrchestrationDrift(active.orchestration, active.label, active.number, 0, (),
                                  len(runs))
    on_active = [r for r in runs if r.version == current]
    older: dict[int, list[OpenRun]] = {}
    for r in runs:
        if r.version is not None and r.version < current:
            older.setdefault(r.version, []).append(r)
    active_stages = stages_seen.get((active.orchestration, current), set())
    versions = [_older(num, group, active_stages, now) for num, group in older.items()]
    versions.sort(key=lambda v: -(v.number or 0))
    placed = len(on_active) + sum(v.total for v in versions)
    return OrchestrationDrift(active.orchestration, active.label, active.number,
                              len(on_active), tuple(versions), len(runs) - placed)


def _older(number: int, runs: list[OpenRun], active_stages: set[str],
           now: datetime) -> OlderVersion:
    counts = {s: sum(r.status == s for r in runs) for s in OPEN_STATUSES}
    oldest = min(r.created for r in runs)
    unseen = sorted({r.current_stage for r in runs if r.current_stage}
                    - active_stages)
    name = next((r.version_name for r in runs if r.version_name), None)
    ids = tuple(r.run_id for r in sorted(runs, key=lambda r: (r.created, r.run_id)))
    return OlderVersion(number, name, counts, oldest,
                        max(0, int((now - oldest).total_seconds())), ids, tuple(unseen))


__all__ = ["NOT_SEEN", "OPEN_STATUSES", "ActiveVersion", "OlderVersion", "OpenRun",
           "OrchestrationDrift", "VersionReport", "build_report"]
