"""`flowstage lint`'s reader against the demo org: what it costs (counted in the org's request
log), that the org yields the findings, and a paused interview of a canceled run."""

from __future__ import annotations

from dataclasses import replace

from flowstage_tui.clock import utc_clock
from flowstage_tui.emulator.clock import ManualClock
from flowstage_tui.emulator.lifecycle import INTERVIEW
from flowstage_tui.emulator.org import DemoOrg
from flowstage_tui.engine.lint import read_lint
from flowstage_tui.salesforce.capabilities import RUN
from flowstage_tui.salesforce.lint import LintData, LintSettings, run_checks

from .conftest import quiet_connection


def _read(org: DemoOrg, clock: ManualClock) -> tuple[LintData, list[str]]:
    client, caps = quiet_connection(org).open()
    mark = len(org.request_log)
    data = read_lint(client, caps, utc_clock(clock)(), LintSettings())
    return data, [r.path for r in org.request_log[mark:] for _ in range(r.counted)]


def test_five_calls_after_connect(clock: ManualClock) -> None:
    """The Error runs (one query), their Fail* rows (one composite), stale runs + paused
    interviews + open work items (one composite), who holds the items (one composite), the
    version drift (one composite): never one per run or per item."""
    org = DemoOrg(seed=7, runs=300, clock=clock, frozen=True)
    data, paths = _read(org, clock)
    assert len(paths) == 5, paths
    assert "/query" in paths[0] and all(p.endswith("/composite") for p in paths[1:])
    assert data.queue is not None and data.stale is not None and data.paused is not None
    assert data.versions is not None and not data.skipped


def test_the_demo_org_yields_the_findings(clock: ManualClock) -> None:
    org = DemoOrg(seed=7, runs=300, clock=clock, frozen=True)
    data, _ = _read(org, clock)
    report = run_checks(data, LintSettings(), clusters_before={})
    checks = {f.check for f in report.findings}
    assert {"expiring", "bad-assignee", "stale", "held-long", "cluster-growth",
            "old-versions"} <= checks  # paused-interviews: see the test below
    # the two Error runs of triage_data.py close in 18h and 36h: both inside 48h
    assert len(report.of("expiring")) >= 2


def test_a_paused_interview_of_a_canceled_run(clock: ManualClock) -> None:
    """The demo org links a run to its interview by FlowOrchestrationInstance.InterviewId;
    an interview left Paused on a Canceled run is found through that parent path."""
    org = DemoOrg(seed=7, runs=300, clock=clock, frozen=True)
    org.write_all()
    runs = org.store.table(RUN).rows
    canceled = next(r for r in sorted(runs.values(), key=lambda r: r["Id"])
                    if r["Status"] == "Canceled" and r.get("InterviewId"))
    ms = int(clock() * 1000)
    org.store.update(INTERVIEW, canceled["InterviewId"], {"InterviewStatus": "Paused"}, ms,
                     org.admin_id)
    data, _ = _read(org, clock)
    report = run_checks(data, LintSettings(), clusters_before={})
    (found,) = report.of("paused-interviews")
    assert found.subject == canceled["InterviewId"]
    assert f"--confirm {canceled['Name']} --write" in found.fix


def test_no_interview_status_skips_the_check(clock: ManualClock) -> None:
    """An org that does not show this user FlowInterview: the check says why it was not
    made, and the others still run."""
    org = DemoOrg(seed=7, runs=60, clock=clock, frozen=True)
    client, caps = quiet_connection(org).open()
    caps = replace(caps, fields={k: v for k, v in caps.fields.items() if k != INTERVIEW})
    data = read_lint(client, caps, utc_clock(clock)(), LintSettings())
    assert data.paused is None and "paused-interviews" in data.skipped
