"""Version drift, pure: counts per older version, oldest age, stages not seen on the active
version, and what an org lacking the fields makes the report say."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flowstage_tui.salesforce.versions import ActiveVersion, OpenRun, build_report

NOW = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)


def _run(rid: str, version: int | None, status: str = "InProgress", days: float = 1,
         stage: str | None = "Review", orch: str = "Onb") -> OpenRun:
    return OpenRun(rid, orch, status, NOW - timedelta(days=days), version, None, stage)


def test_older_versions_are_counted_by_status_with_their_oldest_age() -> None:
    runs = [_run("a", 7), _run("b", 6, "Suspended", 3), _run("c", 6, "Error", 9),
            _run("d", 5, days=20), _run("e", 6, days=2)]
    report = build_report([ActiveVersion("Onb", "Onboarding", "0jX1", 7)], runs, [], NOW)
    (drift,) = report.orchestrations
    assert drift.active_number == 7 and drift.active_runs == 1 and drift.older_runs == 4
    v6, v5 = drift.older
    assert v6.number == 6 and dict(v6.counts) == {"InProgress": 1, "Suspended": 1, "Error": 1}
    assert v6.oldest == NOW - timedelta(days=9) and v6.oldest_age_seconds == 9 * 86400
    assert v6.run_ids == ("c", "b", "e")  # oldest first
    assert v5.number == 5 and v5.total == 1
    assert report.drifting == (drift,) and report.older_runs == 4


def test_stages_not_seen_on_any_active_version_run() -> None:
    runs = [_run("a", 6, stage="Legal_Review"), _run("b", 6, stage="Review"),
            _run("c", 6, stage=None)]
    seen = [("Onb", 7, "Review"), ("Onb", 6, "Legal_Review"), ("Other", 7, "Legal_Review")]
    report = build_report([ActiveVersion("Onb", None, None, 7)], runs, seen, NOW)
    assert report.orchestrations[0].older[0].unseen_stages == ("Legal_Review",)


def test_no_drift_when_every_run_is_on_the_active_version() -> None:
    report = build_report([ActiveVersion("Onb", None, None, 7), ActiveVersion("Idle", None,
                                                                              None, 2)],
                          [_run("a", 7)], [], NOW)
    assert report.drifting == () and len(report.orchestrations) == 2


def test_unknown_active_version_calls_nothing_older_and_says_why() -> None:
    report = build_report([], [_run("a", 6), _run("b", 7)], [], NOW,
                          missing=["FlowOrchestration.ActiveVersionId"])
    (drift,) = report.orchestrations
    assert drift.older == () and drift.unplaced == 2 and drift.active_number is None
    assert any("ActiveVersionId" in n for n in report.notes())


def test_runs_of_unknown_or_newer_versions_are_not_called_older() -> None:
    """No StartInstance row (the log purged), or a version above the active one (rolled
    back): neither on the active version nor on an older one."""
    report = build_report([ActiveVersion("Onb", None, None, 7)],
                          [_run("a", None), _run("b", 8), _run("c", 6)], [], NOW)
    (drift,) = report.orchestrations
    assert [v.number for v in drift.older] == [6] and drift.unplaced == 2
    assert drift.active_runs == 0 and drift.older_runs == 1


def test_most_drifting_orchestration_first() -> None:
    runs = [_run("a", 1, orch="B"), _run("b", 1, orch="B"), _run("c", 1, orch="A")]
    report = build_report([ActiveVersion("A", None, None, 2), ActiveVersion("B", None, None, 2),
                           ActiveVersion("C", None, None, 2)], runs, [], NOW)
    assert [o.orchestration for o in report.orchestrations] == ["B", "A", "C"]


def test_an_unknown_run_log_calls_nothing_older() -> None:
    report = build_report([ActiveVersion("Onb", None, None, 7)], [_run("a", None)], [], NOW,
                          missing=["FlowOrchestrationLog.OrchestrationVersion"])
    (drift,) = report.orchestrations
    assert drift.older == () and drift.unplaced == 1 and drift.active_number == 7
    assert any("none is called older" in n for n in report.notes())


def test_select_by_developer_name_or_part_of_a_label() -> None:
    report = build_report([ActiveVersion("Onb", "Employee Onboarding", None, 7),
                           ActiveVersion("Onb_EMEA", "Onboarding EMEA", None, 2)], [], [], NOW)
    assert [o.orchestration for o in report.select("Onb")] == ["Onb"]
    assert {o.orchestration for o in report.select("onboarding")} == {"Onb", "Onb_EMEA"}
    assert report.select("nothing") == []
