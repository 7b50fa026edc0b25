"""Failure clusters from parsed rows: grouping, the place from FailStep rows, the resume
window from FailInstance rows, failures per hour, and the sparkline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flowstage_tui.salesforce.cluster_queries import ClusterQueries
from flowstage_tui.salesforce.clusters import (
    FailRow,
    build_clusters,
    fail_row,
    failure,
    find_cluster,
    sparkline,
)
from flowstage_tui.salesforce.models import InterviewError, Run, RunStatus

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
LOCK = "UNABLE_TO_LOCK_ROW: unable to obtain exclusive access to this record: {}"


def _run(n: int, orch: str = "Orch", stage: str | None = "Stage") -> Run:
    t = NOW - timedelta(days=1)
    return Run(id=f"0jE{n:015d}", name=f"OR-{n:07d}", status=RunStatus.ERROR, orchestration=orch,
               label=None, current_stage=stage, created=t, modified=NOW, modstamp=NOW,
               duration=None, interview_id=f"0Fo{n:015d}")


def _err(run: Run, text: str | None, element: str | None = "Element") -> InterviewError:
    return InterviewError(run.id, run.interview_id or "", "Error", text, element)


def _rows(run: Run, failed: datetime, step: str = "Step", version: int = 3) -> list[FailRow]:
    return [FailRow(run.id, "FailStep", failed, "Stage", step, version),
            FailRow(run.id, "FailInstance", failed, "Stage", step, version)]


def test_texts_that_differ_in_ids_are_one_cluster_with_their_versions() -> None:
    failures = []
    for n, rid in enumerate(["001RM0000abcDEF", "001RM0000zyx987", "001RM0000qqqQQQ"]):
        run = _run(n)
        failures.append(failure(run, _err(run, LOCK.format(rid)),
                                _rows(run, NOW - timedelta(hours=n), version=3 + n % 2)))
    other = _run(9)
    failures.append(failure(other, _err(other, "FIELD_CUSTOM_VALIDATION_EXCEPTION: no"),
                            _rows(other, NOW - timedelta(hours=30))))
    big, small = build_clusters(failures)
    assert (big.count, small.count) == (3, 1)
    assert big.orchestrations == (("Orch", (3, 4)),) and big.codes == ("UNABLE_TO_LOCK_ROW",)
    assert big.message == LOCK.format("001RM0000abcDEF")  # the newest, in full
    assert big.per_hour(NOW, 4) == (0, 1, 1, 1)
    assert small.per_hour(NOW) == (0,) * 24
    assert big.first_seen == NOW - timedelta(hours=2) and big.last_seen == NOW
    assert find_cluster([big, small], big.fingerprint[:5]) == [big]


def test_the_place_comes_from_failstep_else_the_run_and_interview() -> None:
    run = _run(1, stage="Current")
    logged = failure(run, _err(run, "x"), _rows(run, NOW, step="Logged_Step"))
    assert (logged.stage, logged.step, logged.version) == ("Stage", "Logged_Step", 3)
    bare = failure(run, _err(run, "x", element="Element"), [])
    assert (bare.stage, bare.step, bare.failed_at, bare.seen) == ("Current", "Element", None,
                                                                  NOW)


def test_the_resume_window_counts_from_failinstance() -> None:
    fresh, old = _run(1), _run(2)
    clusters = build_clusters([
        failure(fresh, _err(fresh, "A_B"), _rows(fresh, NOW - timedelta(days=13))),
        failure(old, _err(old, "A_B"), _rows(old, NOW - timedelta(days=15)))])
    assert len(clusters) == 1 and clusters[0].in_window(NOW) == 1
    unknown = build_clusters([failure(fresh, _err(fresh, "A_B"), [])])
    assert unknown[0].in_window(NOW) is None


def test_no_text_clusters_by_place() -> None:
    a, b, c = _run(1), _run(2), _run(3, orch="Other")
    clusters = build_clusters([failure(r, None, _rows(r, NOW)) for r in (a, b, c)])
    assert sorted(x.count for x in clusters) == [1, 2]
    assert all(not x.by_text and "no error text" in x.title() for x in clusters)


def test_fail_row_skips_rows_without_a_time_or_run() -> None:
    assert fail_row({"Kind": "FailStep", "OrchestrationInstanceId": "0jE1"}) is None
    row = fail_row({"Kind": "FailStep", "OrchestrationInstanceId": "0jE1",
                    "Timestamp": "2026-11-28T09:00:00.000+0000", "OrchestrationVersion": 2})
    assert row is not None and row.version == 2 and row.timestamp == NOW


def test_sparkline() -> None:
    assert sparkline([0, 1, 2, 4]) == " ▂▄█"
    assert sparkline([0, 0]) == "  "
    assert sparkline([1, 8], ascii_only=True) == "_@"


def test_the_errored_runs_query_quotes_what_people_type() -> None:
    from flowstage_tui.salesforce.capabilities import Capabilities

    caps = Capabilities("66.0", {"FlowOrchestrationInstance": frozenset(
        {"Id", "Status", "OrchestrationDeveloperName", "LastModifiedDate", "CreatedDate"})})
    soql = ClusterQueries(caps).errored_runs("O'Brien_%", NOW)
    assert "'O\\'Brien_%'" in soql and "LIKE '%O\\'Brien\\_\\%%'" in soql
    assert "Status = 'Error'" in soql and "LastModifiedDate >= 2026-11-28T09:00:00.000Z" in soql
    assert ClusterQueries(caps).fail_rows(["a"]) == []  # no run log in this org
