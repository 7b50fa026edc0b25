"""Version drift against the demo org: what it costs (counted in the org's request log), and
how it degrades on an org without the v62 fields."""

from __future__ import annotations

from flowstage_tui.clock import utc_clock
from flowstage_tui.emulator.clock import ManualClock
from flowstage_tui.emulator.org import DemoOrg
from flowstage_tui.engine.versions import read_versions
from flowstage_tui.salesforce.versions import VersionReport

from .conftest import quiet_connection


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
