"""What the engine promises where the demo org's ordinary behaviour never tests it: late commits,
error storms, paged composite answers, picklist values Salesforce adds later, the budget
governor's thresholds and status counts under a status filter. Expected values come from the
org's own records (brute force) or from the documented thresholds, never from the engine."""

from __future__ import annotations

import json
import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from flowstage_tui.emulator.adapter import EmulatorAdapter
from flowstage_tui.emulator.clock import ManualClock, sf_to_ms
from flowstage_tui.emulator.org import DemoOrg
from flowstage_tui.engine.state import HealthState, Snapshot
from flowstage_tui.engine.sync import SyncEngine
from flowstage_tui.salesforce.capabilities import RUN, STAGE
from flowstage_tui.salesforce.client import SubResult, TimeoutSession
from flowstage_tui.salesforce.models import RunStatus
from flowstage_tui.salesforce.queries import RunFilter

from .conftest import make_engine, quiet_connection
from .oracle import assert_mirror_is_org


def newest_modstamp(snap: Snapshot) -> datetime:
    """The newest SystemModstamp the engine has seen: where its watermarks start."""
    rows: list[Any] = list(snap.runs)
    for table in (snap.stages, snap.steps, snap.work_items):
        for group in table.values():
            rows.extend(group)
    newest: datetime = max(r.modstamp for r in rows)
    return newest


def ms(when: datetime) -> int:
    return int(when.timestamp() * 1000)


def store_rows(org: DemoOrg, obj: str) -> list[dict[str, Any]]:
    with org.lock:
        org.store.ensure_all()
        return list(org.store.table(obj).rows.values())


# ---------------------------------------------------------------- commit lag (OVERLAP)
def test_a_change_committed_after_the_poll_that_passed_its_modstamp_is_still_seen(
        clock: ManualClock) -> None:
    """On a busy org a transaction's SystemModstamp is taken when it starts and the row becomes
    visible when it commits, seconds later: a poll in between moves the watermark past a row
    it could not see. The demo org commits instantly, so the test writes such a row itself:
    modified 30 s before the watermark, visible only after that poll."""
    org = DemoOrg(seed=7, runs=50, clock=clock, frozen=True)
    eng = make_engine(org, clock)
    first = eng.poll_once().snapshot
    clock.advance(15)
    assert eng.poll_once().changes.size == 0
    victim = next(r for r in first.runs if r.status == RunStatus.IN_PROGRESS)
    lagged = newest_modstamp(first) - timedelta(seconds=30)
    with org.lock:
        org.store.update(RUN, victim.id, {"Status": "Completed"}, ms(lagged), org.admin_id)
    clock.advance(15)
    res = eng.poll_once()
    assert res.health.state == HealthState.LIVE
    assert victim.id in res.changes.changed[RUN]
    run = res.snapshot.run(victim.id)
    assert run is not None and run.status == RunStatus.COMPLETED


# ---------------------------------------------------------------- composite error subresponses
Outcomes = list[list[int]]


def record_subresponses(eng: SyncEngine) -> Outcomes:
    """Every composite call's subresponse statuses, poll by poll (read, not changed)."""
    client = eng.client
    assert client is not None
    seen: Outcomes = []
    real = client.composite

    def composite(subs: Any, **kw: Any) -> dict[str, SubResult]:
        res = real(subs, **kw)
        seen.append([r.status for r in res.values()])
        return res

    client.composite = composite  # type: ignore[method-assign,assignment]
    return seen


def test_one_failed_subrequest_makes_the_poll_stale_and_a_good_poll_recovers(
        clock: ManualClock) -> None:
    """The org answers the composite call 200 with one subrequest failed (500 inside) and
    the others fine: the poll is STALE, saying which query, and keeps the last good data;
    the next poll whose subrequests all succeed is LIVE again, with a mirror that matches
    the org (which kept changing meanwhile)."""
    org = DemoOrg(seed=5, runs=120, clock=clock, pace=2.0)
    eng = make_engine(org, clock, page_size=100)
    eng.poll_once()
    seen = record_subresponses(eng)
    org.faults.update(subrequest_error_rate=0.3)
    mixed = recovered = 0
    previous = HealthState.LIVE
    for _ in range(20):
        clock.advance(15)
        eng.retry_now()
        before = eng.snapshot
        calls = len(seen)
        res = eng.poll_once()
        statuses = [s for call in seen[calls:] for s in call]
        failed = any(s >= 400 for s in statuses)
        if failed:
            assert res.health.state == HealthState.STALE, res.health
            assert "UNKNOWN_EXCEPTION" in res.health.message
            assert res.health.detail and "SELECT" in res.health.detail  # the query refused
            assert res.snapshot is before  # the last good data stays, untouched
            mixed += any(s == 200 for s in statuses)
        else:
            assert res.health.state == HealthState.LIVE, res.health.message
            assert_mirror_is_org(res.snapshot, org, page_size=100)
            recovered += previous == HealthState.STALE
        previous = res.health.state
    assert mixed and recovered  # both paths really ran
    org.faults.update(subrequest_error_rate=0.0)
    clock.advance(15)
    eng.retry_now()
    res = eng.poll_once()
    assert res.health.state == HealthState.LIVE and res.health.failures == 0
    assert_mirror_is_org(res.snapshot, org, page_size=100)


def test_a_poll_refused_midway_applies_nothing_and_loses_no_change(
        clock: ManualClock) -> None:
    """Runs come back, the stages subrequest fails: nothing of that poll may stick. Before,
    its runs were written into the mirror (and their watermark moved), so the next good poll
    found them unchanged and never reported them: the runs table kept the old row."""
    org = DemoOrg(seed=7, runs=40, clock=clock, frozen=True)
    eng = make_engine(org, clock)
    snap = eng.poll_once().snapshot
    run = next(r for r in snap.runs if r.status == RunStatus.IN_PROGRESS)
    stage = next(s for s in snap.stages[run.id] if s.status == "InProgress")
    clock.advance(5)
    with org.lock:
        org.store.update(RUN, run.id, {"Status": "Error"}, org.now_ms(), org.admin_id)
        org.store.update(STAGE, stage.id, {"Status": "Error"}, org.now_ms(), org.admin_id)
    client = eng.client
    assert client is not None
    real = client.composite

    def stages_refused(subs: Any, **kw: Any) -> dict[str, SubResult]:
        res = real(subs, **kw)
        res[STAGE] = SubResult(500, [{"errorCode": "UNKNOWN_EXCEPTION", "message": "boom"}],
                               res[STAGE].soql)
        return res

    client.composite = stages_refused  # type: ignore[method-assign,assignment]
    clock.advance(10)
    failed = eng.poll_once()
    assert failed.health.state == HealthState.STALE
    client.composite = real  # type: ignore[method-assign]
    clock.advance(15)
    eng.retry_now()
    res = eng.poll_once()
    assert res.health.state == HealthState.LIVE
    assert run.id in res.changes.ids(RUN) and stage.id in res.changes.ids(STAGE)
    after = res.snapshot.run(run.id)
    assert after is not None and after.status == RunStatus.ERROR
    assert_mirror_is_org(res.snapshot, org, page_size=200)


# ---------------------------------------------------------------- error storm
@pytest.mark.parametrize(("failures", "reloads"), [(4, False), (5, True), (6, True)])
def test_the_first_good_poll_after_five_failures_in_a_row_reloads_everything(
        clock: ManualClock, failures: int, reloads: bool) -> None:
    """After a long outage the incremental window cannot be trusted (missed deletions, a
    watermark from long ago): from the fifth consecutive failure on, the next success is a full
    load; fewer failures resume incrementally."""
    org = DemoOrg(seed=7, runs=40, clock=clock, frozen=True)
    eng = make_engine(org, clock)
    eng.poll_once()
    org.faults.update(error_rate=1.0)
    for _ in range(failures):
        clock.advance(15)
        assert not eng.poll_once().health.ok
    org.faults.clear()
    clock.advance(15)
    eng.retry_now()
    res = eng.poll_once()
    assert res.health.state == HealthState.LIVE
    assert res.changes.full is reloads


# ---------------------------------------------------------------- budget governor
@pytest.mark.parametrize(("used", "state", "interval"), [
    (790, HealthState.LIVE, 15), (799, HealthState.LIVE, 15),
    (800, HealthState.LIMIT_LOW, 30), (810, HealthState.LIMIT_LOW, 30),
    (940, HealthState.LIMIT_LOW, 30), (949, HealthState.LIMIT_LOW, 30),
    (950, HealthState.LIMIT_EXHAUSTED, 15), (960, HealthState.LIMIT_EXHAUSTED, 15),
])
def test_budget_governor_slows_from_80_percent_and_stops_from_95(
        clock: ManualClock, used: int, state: HealthState, interval: float) -> None:
    org = DemoOrg(seed=7, runs=40, clock=clock, frozen=True, api_limit=1000)
    eng = make_engine(org, clock)
    eng.poll_once()
    org.api_used = used - 1  # the idle poll itself is the one call that reaches `used`
    clock.advance(15)
    res = eng.poll_once()
    assert (res.health.api_used, res.health.api_limit) == (used, 1000)
    assert res.health.state == state
    assert res.health.interval == interval
    assert (eng.next_delay() is None) is (state == HealthState.LIMIT_EXHAUSTED)


# ---------------------------------------------------------------- unknown picklist values
def test_a_run_status_salesforce_adds_later_reaches_the_snapshot(clock: ManualClock) -> None:
    """A new Status value in a future release must not break every poll: it passes through as
    a status the app does not know, on the incremental path and on a full load."""
    org = DemoOrg(seed=7, runs=40, clock=clock, frozen=True)
    eng = make_engine(org, clock)
    victim = eng.poll_once().snapshot.runs[0].id
    clock.advance(1)
    with org.lock:
        org.store.update(RUN, victim, {"Status": "Paused"}, org.now_ms(), org.admin_id)
    for engine in (eng, make_engine(org, clock)):
        clock.advance(15)
        res = engine.poll_once()
        assert res.health.state == HealthState.LIVE, res.health.message
        run = res.snapshot.run(victim)
        assert run is not None and run.status == "Paused" and not run.status.known


# ---------------------------------------------------------------- paged composite results
class SmallBatchAdapter(EmulatorAdapter):
    """Asks for 200-row batches inside every composite query subrequest (what a real org may
    send anyway, its batch size is only a hint), so that the subresults come back paged."""

    def send(self, request: requests.PreparedRequest, *args: Any,
             **kwargs: Any) -> requests.Response:
        if request.url and request.url.endswith("/composite") and request.body:
            raw = request.body.decode() if isinstance(request.body, bytes) else request.body
            body = json.loads(raw)
            for sub in body["compositeRequest"]:
                sub["httpHeaders"] = {"Sforce-Query-Options": "batchSize=200"}
            request.body = json.dumps(body).encode()
        return super().send(request, *args, **kwargs)


def test_paged_composite_subresults_bring_every_row(clock: ManualClock) -> None:
    org = DemoOrg(seed=7, runs=300, clock=clock, frozen=True)
    conn = quiet_connection(org)

    def session() -> TimeoutSession:
        s = TimeoutSession()
        s.mount("https://", SmallBatchAdapter(org, sleep=lambda _s: None))
        return s

    conn.session_factory = session
    eng = SyncEngine(conn, clock=lambda: datetime.fromtimestamp(clock(), UTC), page_size=300,
                     rng=random.Random(0))
    res = eng.poll_once()
    assert res.health.state == HealthState.LIVE, res.health.message
    runs = store_rows(org, RUN)
    stages = store_rows(org, STAGE)
    assert len(runs) == 300 and len(stages) > 400  # both answers span more than one batch
    assert {r.id for r in res.snapshot.runs} == {r["Id"] for r in runs}
    got = {s.id for group in res.snapshot.stages.values() for s in group}
    assert got == {s["Id"] for s in stages}


# ---------------------------------------------------------------- status counts
SINCE = datetime(2026, 11, 20, tzinfo=UTC)


@pytest.mark.parametrize("flt", [
    RunFilter(statuses=("Error",)),
    RunFilter(statuses=("InProgress", "Suspended")),
    RunFilter(statuses=("Completed",), since=SINCE),
], ids=["error", "open", "completed-since"])
def test_status_counts_under_a_status_filter_count_every_status(
        org: DemoOrg, clock: ManualClock, flt: RunFilter) -> None:
    """The status bar's counts answer "how many of each" for the rest of the filter: the
    status filter itself must not narrow them (else every other status reads 0)."""
    since_ms = sf_to_ms(f"{SINCE:%Y-%m-%dT%H:%M:%SZ}") if flt.since else None
    expected = Counter(str(r["Status"]) for r in store_rows(org, RUN)
                       if since_ms is None or r["CreatedDate"] >= since_ms)
    assert len(expected) >= 3  # several statuses, or the test shows nothing
    eng = make_engine(org, clock, flt=flt)
    assert dict(eng.poll_once().snapshot.counts) == dict(expected)
    clock.advance(15)
    assert dict(eng.poll_once().snapshot.counts) == dict(expected)  # the incremental query too
