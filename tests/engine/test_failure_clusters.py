"""Failure clusters against the demo org: what they cost (counted in its request log), and how
they degrade on an org without FlowInterview.Error or without the run log."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, cast

from flowstage_tui.clock import utc_clock
from flowstage_tui.emulator.clock import ManualClock
from flowstage_tui.emulator.demo_data import DEPLOYED_STEP
from flowstage_tui.emulator.org import DemoOrg
from flowstage_tui.engine.clusters import read_failures, read_runs
from flowstage_tui.salesforce.capabilities import LOG, RUN
from flowstage_tui.salesforce.client import SalesforceClient, SubResult
from flowstage_tui.salesforce.cluster_queries import ClusterQueries
from flowstage_tui.salesforce.clusters import FailureReport

from .conftest import quiet_connection


def _read(org: DemoOrg, clock: ManualClock,
          since: datetime | None = None) -> tuple[FailureReport, list[str]]:
    client, caps = quiet_connection(org).open()
    mark = len(org.request_log)
    report = read_failures(client, caps, utc_clock(clock)(), since=since)
    paths = [r.path for r in org.request_log[mark:] for _ in range(r.counted)]
    return report, paths


def test_one_query_for_the_runs_and_one_composite_per_750_of_them(clock: ManualClock) -> None:
    """1,000 runs, ~100 Error runs: the error texts ride on the runs query (one page), the
    Fail* rows come in one composite (chunks of 150 runs): two calls, never one per run."""
    org = DemoOrg(seed=7, runs=1000, clock=clock, frozen=True)
    report, paths = _read(org, clock)
    errors = report.failures
    assert errors > 80
    assert len(paths) == 2 and "/query" in paths[0] and paths[1].endswith("/composite")
    assert all(f.failed_at is not None and f.step for c in report.clusters
               for f in c.failures)


def test_every_chunk_stays_far_under_the_uri_limit(clock: ManualClock) -> None:
    org = DemoOrg(seed=7, runs=40, clock=clock, frozen=True)
    _client, caps = quiet_connection(org).open()
    ids = [f"0jERM{n:010d}AAA" for n in range(1000)]
    subs = ClusterQueries(caps).fail_rows(ids)
    assert len(subs) == 7 and all(len(soql) < 8_000 for _, soql in subs)
    assert sorted(i for _, soql in subs for i in ids if f"'{i}'" in soql) == sorted(ids)


def test_the_deploy_cluster_and_since(clock: ManualClock) -> None:
    org = DemoOrg(seed=7, runs=300, clock=clock, frozen=True)
    report, _ = _read(org, clock)
    top = report.clusters[0]
    assert top.step == DEPLOYED_STEP and top.count >= 3 and top.codes == ("UNABLE_TO_LOCK_ROW",)
    assert len({f.message for f in top.failures}) == top.count  # each names its own record
    now = utc_clock(clock)()
    recent, _ = _read(org, clock, since=now - timedelta(days=2))
    assert all(f.seen >= now - timedelta(days=2) for c in recent.clusters
               for f in c.failures)
    assert 0 < recent.failures < report.failures


def test_an_org_before_v62_clusters_by_place_and_says_so(clock: ManualClock) -> None:
    org = DemoOrg(seed=7, runs=300, clock=clock, frozen=True, max_version=61.0)
    client, caps = quiet_connection(org).open()
    assert not caps.has_path(RUN, "Interview.Error")
    report = read_failures(client, caps, utc_clock(clock)())
    assert not report.error_text and report.notes()
    assert all(not c.by_text and c.message is None for c in report.clusters)
    places = [(c.failures[0].orchestration, c.stage, c.step) for c in report.clusters]
    assert len(places) == len(set(places))  # one cluster per place


def test_a_refused_run_log_degrades_the_report(clock: ManualClock) -> None:
    org = DemoOrg(seed=7, runs=300, clock=clock, frozen=True, run_log_access=False)
    client, caps = quiet_connection(org).open()
    report = read_failures(client, caps, utc_clock(clock)())
    assert report.failures > 0 and any("run log" in n for n in report.notes())
    assert not caps.has(LOG) and not report.run_log
    assert all(c.in_window(report.now) is None for c in report.clusters)


def test_a_clusters_runs_are_read_by_id_in_chunks(clock: ManualClock) -> None:
    """Enter on a cluster / --cluster: its runs by Id IN (...), 150 Ids a chunk, five chunks
    a composite call: 900 Ids (the real ones among them) in two calls."""
    org = DemoOrg(seed=7, runs=1000, clock=clock, frozen=True)
    report, _ = _read(org, clock)
    real = [i for c in report.clusters for i in c.run_ids]
    ids = real + [f"0jERM{n:010d}AAA" for n in range(900 - len(real))]
    client, caps = quiet_connection(org).open()
    mark = len(org.request_log)
    runs = read_runs(client, caps, ids)
    assert sum(r.counted for r in org.request_log[mark:]) == 2
    assert sorted(r.id for r in runs) == sorted(real)
    assert [r.created for r in runs] == sorted((r.created for r in runs), reverse=True)


def test_one_call_per_page_of_error_runs(clock: ManualClock) -> None:
    """Pages of 40 rows: the Error runs query costs one call per page (their error texts on
    the same rows); the log rows one composite per 750 runs, plus the further pages of each
    chunk's answer (two rows a run: FailStep and FailInstance). Never one call per run."""
    org = DemoOrg(seed=7, runs=1000, clock=clock, frozen=True)
    org.faults.update(query_batch_size=40)
    report, paths = _read(org, clock)
    pages = -(-report.failures // 40)
    chunks = [min(150, report.failures - i) for i in range(0, report.failures, 150)]
    more = sum(-(-2 * n // 40) - 1 for n in chunks)
    assert sum(p.endswith("/composite") for p in paths) == -(-len(chunks) // 5) == 1
    assert len(paths) == pages + 1 + more < report.failures / 5


class _RefusingLog:
    """A client whose org answers the runs and refuses the run-log subrequests (the log
    follows the run's sharing, or needs Manage Flow)."""

    def __init__(self, real: SalesforceClient) -> None:
        self.real = real

    def query(self, soql: str) -> list[dict[str, Any]]:
        return self.real.query(soql)

    def composite(self, subs: Sequence[tuple[str, str]]) -> dict[str, SubResult]:
        return {ref: SubResult(400, [{"errorCode": "INSUFFICIENT_ACCESS", "message": "no"}])
                for ref, _ in subs}

    def records(self, sub: SubResult) -> list[dict[str, Any]]:
        return self.real.records(sub)


def test_a_refused_log_query_degrades_instead_of_failing(clock: ManualClock) -> None:
    org = DemoOrg(seed=7, runs=300, clock=clock, frozen=True)
    client, caps = quiet_connection(org).open()
    report = read_failures(cast("SalesforceClient", _RefusingLog(client)), caps,
                           utc_clock(clock)())
    assert report.failures == 29 and not report.run_log and report.notes()
    assert all(c.in_window(report.now) is None for c in report.clusters)
