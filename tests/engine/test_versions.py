"""Version drift against the demo org: what it costs (counted in the org's request log), and
how it degrades on an org without the v62 fields."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from flowstage_tui.clock import utc_clock
from flowstage_tui.emulator.clock import ManualClock
from flowstage_tui.emulator.demo_data import DRIFT_AGO_MS, DRIFT_ORCHESTRATION, DRIFT_STAGES
from flowstage_tui.emulator.org import DemoOrg
from flowstage_tui.engine.versions import read_versions
from flowstage_tui.salesforce.client import SalesforceClient, SubResult
from flowstage_tui.salesforce.version_queries import ORCHS
from flowstage_tui.salesforce.versions import VersionReport

from .conftest import quiet_connection

DRIFT_STAGES_V8 = [new for new, _label in DRIFT_STAGES.values()]


def _read(org: DemoOrg, clock: ManualClock, api_cap: str | None = None,
          orchestration: str | None = None) -> tuple[VersionReport, list[str]]:
    client, caps = quiet_connection(org, api_cap=api_cap).open()
    mark = len(org.request_log)
    report = read_versions(client, caps, utc_clock(clock)(), orchestration=orchestration)
    paths = [r.path for r in org.request_log[mark:] for _ in range(r.counted)]
    return report, paths


def test_one_composite_call_for_the_whole_report(clock: ManualClock) -> None:
    org = DemoOrg(seed=7, runs=1000, clock=clock, frozen=True)
    report, paths = _read(org, clock)
    assert len(paths) == 1 and paths[0].endswith("/composite")
    assert report.missing == () and report.notes() == []
    assert all(o.active_number is not None for o in report.orchestrations)
    assert sum(o.active_runs + o.older_runs for o in report.orchestrations) > 0


def test_one_orchestration(clock: ManualClock) -> None:
    org = DemoOrg(seed=7, runs=300, clock=clock, frozen=True)
    report, paths = _read(org, clock, orchestration="Employee_Onboarding")
    assert len(paths) == 1
    assert [o.orchestration for o in report.orchestrations] == ["Employee_Onboarding"]


def test_an_org_before_v62_says_it_cannot_tell_the_active_version(clock: ManualClock) -> None:
    org = DemoOrg(seed=7, runs=300, clock=clock, frozen=True)
    report, paths = _read(org, clock, api_cap="60.0")
    assert len(paths) == 1
    assert "FlowOrchestration.ActiveVersionId" in report.missing
    assert "FlowOrchestrationInstance.CurrentStage" in report.missing
    assert all(o.older == () and o.active_number is None for o in report.orchestrations)
    assert sum(o.unplaced for o in report.orchestrations) > 0
    assert len(report.notes()) == 2


def test_an_unreadable_run_log_calls_no_run_older(clock: ManualClock) -> None:
    org = DemoOrg(seed=7, runs=300, clock=clock, frozen=True, run_log_access=False)
    report, paths = _read(org, clock)
    assert len(paths) == 1 and "FlowOrchestrationLog.OrchestrationVersion" in report.missing
    assert all(o.older == () and o.active_number is not None for o in report.orchestrations)
    assert sum(o.unplaced for o in report.orchestrations) > 0
    assert any("none is called older" in n for n in report.notes())


class _Refusing:
    """A client whose org refuses one subrequest of the composite (FlowOrchestration not
    readable by this user) and answers the rest."""

    def __init__(self, real: SalesforceClient, refused: str) -> None:
        self.real, self.refused = real, refused

    def composite(self, subs: Sequence[tuple[str, str]]) -> dict[str, SubResult]:
        answers = self.real.composite(subs)
        answers[self.refused] = SubResult(400, [{"errorCode": "INSUFFICIENT_ACCESS",
                                                 "message": "no"}])
        return answers

    def records(self, sub: SubResult) -> list[dict[str, Any]]:
        return self.real.records(sub)


def test_a_refused_orchestration_query_degrades_instead_of_failing(clock: ManualClock) -> None:
    org = DemoOrg(seed=7, runs=300, clock=clock, frozen=True)
    client, caps = quiet_connection(org).open()
    report = read_versions(cast("SalesforceClient", _Refusing(client, ORCHS)), caps,
                           utc_clock(clock)())
    assert "FlowOrchestration.ActiveVersionId" in report.missing and report.notes()
    assert all(o.older == () and o.active_number is None for o in report.orchestrations)
    assert len(report.orchestrations) == 7  # named by their runs


def test_the_demo_drift(clock: ManualClock) -> None:
    """Contract_Renewal v9 activated mid-month: its unfinished runs started before it are on
    v8 (their StartInstance rows say so), and v8's renamed stages are not seen on v9."""
    org = DemoOrg(seed=7, runs=2000, clock=clock, frozen=True)
    report, _ = _read(org, clock)
    (drift,) = report.drifting
    assert drift.orchestration == DRIFT_ORCHESTRATION and drift.active_number == 9
    (v8,) = drift.older
    assert v8.number == 8 and v8.total == len(v8.run_ids) > 10
    assert v8.unseen_stages and set(v8.unseen_stages) <= set(DRIFT_STAGES_V8)
    assert v8.oldest_age_seconds >= DRIFT_AGO_MS // 1000
    runs = org.store.table("FlowOrchestrationInstance").rows
    activated = utc_clock(clock)().timestamp() * 1000 - DRIFT_AGO_MS
    assert all(runs[i]["CreatedDate"] < activated for i in v8.run_ids)
