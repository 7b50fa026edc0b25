"""The lint checks (salesforce/lint.py) on hand-made data: each check's boundary, the score,
the order, `--since-last`'s comparison and the version-drift mapping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flowstage_tui.engine.lint import old_versions
from flowstage_tui.salesforce.clusters import Failure, build_clusters
from flowstage_tui.salesforce.lint import (
    LintData,
    LintSettings,
    OldVersionRuns,
    PausedInterview,
    Severity,
    run_checks,
)
from flowstage_tui.salesforce.models import Run, RunStatus, WorkItem, WorkItemStatus
from flowstage_tui.salesforce.resume_window import RESUME_WINDOW
from flowstage_tui.salesforce.versions import (
    OlderVersion,
    OrchestrationDrift,
    VersionReport,
)
from flowstage_tui.salesforce.work import People, build_queue

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
SETTINGS = LintSettings(expiring_within=timedelta(hours=48), stale_after=timedelta(days=30),
                        held_after=timedelta(hours=24), cluster_growth=2)


def run(n: int, status: RunStatus = RunStatus.ERROR, modified: datetime = NOW) -> Run:
    return Run(id=f"0jE{n:015d}", name=f"OR-{n:07d}", status=status,
               orchestration="Case_Escalation", label="Case Escalation", current_stage="Triage",
               created=modified - timedelta(hours=1), modified=modified, modstamp=modified,
               duration=None, interview_id=f"0Fo{n:015d}")


def failure(n: int, failed_ago: timedelta | None,
            message: str = "UNABLE_TO_LOCK_ROW: x") -> Failure:
    failed = None if failed_ago is None else NOW - failed_ago
    return Failure(run(n), message, "Triage", "Classify_Case", 3, failed, failed or NOW)


def item(n: int, assignee_id: str, *, name: str | None = "Ada", kind: str | None = "User",
         active: bool | None = True, held: timedelta = timedelta(hours=1)) -> WorkItem:
    since = NOW - held
    return WorkItem(id=f"0jR{n:015d}", step_id=None, run_id=f"0jE{n:015d}", label=f"Item {n}",
                    status=WorkItemStatus.ASSIGNED, assignee_id=assignee_id,
                    assignee_name=name, assignee_type=kind, assignee_active=active,
                    created=since, modified=since, modstamp=since,
                    seconds_assigned=int(held.total_seconds()), assigned_since=since)


def test_expiring_is_inside_the_horizon_only() -> None:
    """Closes in 47h: an error; in 49h: nothing; closed an hour ago: nothing (too late)."""
    fails = [failure(1, RESUME_WINDOW - timedelta(hours=47)),
             failure(2, RESUME_WINDOW - timedelta(hours=49)),
             failure(3, RESUME_WINDOW + timedelta(hours=1)), failure(4, None)]
    report = run_checks(LintData(NOW, failures=fails), SETTINGS, {})
    (found,) = report.of("expiring")
    assert found.subject == run(1).id and found.severity is Severity.ERROR
    assert "closes in 1d 23h (2026-11-30 08:00 UTC)" in found.message
    assert "flowstage cancel OR-0000001 --write" in found.fix


def test_stale_counts_from_the_last_change() -> None:
    runs = [run(1, RunStatus.IN_PROGRESS, NOW - timedelta(days=31)),
            run(2, RunStatus.SUSPENDED, NOW - timedelta(days=29))]
    (found,) = run_checks(LintData(NOW, stale=runs), SETTINGS, {}).of("stale")
    assert found.subject == run(1).id and "unchanged for 31d" in found.message


def test_work_items_by_assignee_and_by_time_held() -> None:
    items = [item(1, "005A", active=False), item(2, "005B", held=timedelta(hours=25)),
             item(3, "00GX", name=None, kind=None), item(4, "005C"), item(5, "005D")]
    queue = build_queue(items, people=People(frozen={"005D": True}, members={}), now=NOW)
    report = run_checks(LintData(NOW, queue=queue), SETTINGS, {})
    bad = {f.subject: f for f in report.of("bad-assignee")}
    assert set(bad) == {items[0].id, items[2].id, items[4].id}
    assert "inactive" in bad[items[0].id].message and "frozen" in bad[items[4].id].message
    assert "resolves to nothing" in bad[items[2].id].message
    (held,) = report.of("held-long")
    assert held.subject == items[1].id and "for 1d 1h (over 24h)" in held.message
    assert held.fix.startswith(f"`flowstage reassign {items[1].id} --to USER --write`")


def test_paused_interviews_point_to_the_delete_with_its_confirmation() -> None:
    paused = [PausedInterview("0Fo1", "Paused", "0jE1", "OR-0000001", "Canceled", "Renewal")]
    (found,) = run_checks(LintData(NOW, paused=paused), SETTINGS, {}).of("paused-interviews")
    assert found.fix == "`flowstage interviews delete 0Fo1 --confirm OR-0000001 --write`"


def test_cluster_growth_needs_the_previous_sizes_and_the_threshold() -> None:
    clusters = build_clusters([failure(n, timedelta(hours=n)) for n in range(1, 6)])
    (c,) = clusters
    data = LintData(NOW, clusters=clusters)
    first = run_checks(data, SETTINGS, None)
    assert not first.of("cluster-growth") and "cluster-growth" in first.skipped
    assert not run_checks(data, SETTINGS, {c.fingerprint: 4}).of("cluster-growth")  # +1 < 2
    (grew,) = run_checks(data, SETTINGS, {c.fingerprint: 3}).of("cluster-growth")
    assert "3 → 5" in grew.message and c.fingerprint in grew.fix
    (new,) = run_checks(data, SETTINGS, {}).of("cluster-growth")  # new since: from 0
    assert "0 → 5" in new.message


def test_score_order_and_only_new() -> None:
    data = LintData(NOW, failures=[failure(1, RESUME_WINDOW - timedelta(hours=1))],
                    stale=[run(2, RunStatus.IN_PROGRESS, NOW - timedelta(days=40))],
                    versions=[OldVersionRuns("Case_Escalation", "v3", "v4", 2, ("Triage",))])
    report = run_checks(data, SETTINGS, {})
    assert [f.severity for f in report.findings] == [Severity.ERROR, Severity.WARNING,
                                                     Severity.INFO]
    assert report.score == 100 - 10 - 3 - 1 and report.worst() is Severity.ERROR
    assert report.counts() == {"error": 1, "warning": 1, "info": 1}
    later = report.only_new(f.key for f in report.findings if f.check != "stale")
    assert [f.check for f in later.findings] == ["stale"]
    many = run_checks(LintData(NOW, stale=[run(n, RunStatus.IN_PROGRESS,
                                               NOW - timedelta(days=40))
                                           for n in range(50)]), SETTINGS, {})
    assert many.score == 0  # never below nothing
    assert "stages not seen on the active version: Triage" in report.of("old-versions")[0].message


def test_old_versions_from_the_drift_report() -> None:
    older = OlderVersion(3, None, {"InProgress": 2, "Suspended": 1, "Error": 0}, NOW, 0,
                         ("a", "b", "c"), ("Legacy_Review",))
    empty = OlderVersion(2, None, {"InProgress": 0, "Suspended": 0, "Error": 0}, NOW, 0, (),
                         ())
    report = VersionReport((OrchestrationDrift("Case_Escalation", None, 4, 5, (older, empty)),
                            OrchestrationDrift("Quote_Approval", None, 2, 3, ())), NOW)
    assert old_versions(report) == [OldVersionRuns("Case_Escalation", "v3", "v4", 3,
                                                   ("Legacy_Review",))]
