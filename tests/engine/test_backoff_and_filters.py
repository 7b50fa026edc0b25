"""When the engine polls again after a failure (the back-off schedule, with its jitter bounds),
what each failure tells the screen, and what a filter change or a retry does to the schedule.
Expected delays are computed by hand from the documented schedule: 5 s doubling to 300 s,
times a jitter drawn from [0.8, 1.2]."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from flowstage_tui.emulator.clock import ManualClock
from flowstage_tui.emulator.org import DemoOrg
from flowstage_tui.engine import sync
from flowstage_tui.engine.state import HealthState
from flowstage_tui.errors import (
    ApiLimitExceeded,
    AuthNeeded,
    FlowstageError,
    NetworkDown,
    OrgUnavailable,
    QueryRefused,
)
from flowstage_tui.salesforce.capabilities import RUN, STAGE
from flowstage_tui.salesforce.queries import RunFilter

from .conftest import make_engine


class EdgeRandom(random.Random):
    """Jitter at one end of its range, recording the range asked for."""

    def __init__(self, end: str) -> None:
        super().__init__(0)
        self.end = end
        self.asked: list[tuple[float, float]] = []

    def uniform(self, a: float, b: float) -> float:
        self.asked.append((a, b))
        return a if self.end == "low" else b


def seconds_to_next(eng: sync.SyncEngine, clock: ManualClock) -> float:
    assert eng.health.next_poll is not None
    return (eng.health.next_poll - datetime.fromtimestamp(clock(), UTC)).total_seconds()


@pytest.mark.parametrize(("end", "factor"), [("low", 0.8), ("high", 1.2)])
def test_offline_backs_off_doubling_to_five_minutes(clock: ManualClock, end: str,
                                                    factor: float) -> None:
    org = DemoOrg(seed=7, runs=20, clock=clock, frozen=True)
    eng = make_engine(org, clock)
    rng = EdgeRandom(end)
    eng.rng = rng
    eng.poll_once()
    org.faults.update(offline=True)
    got = []
    for _ in range(8):
        res = eng.poll_once()
        assert res.health.state == HealthState.OFFLINE
        got.append(round(seconds_to_next(eng, clock), 6))
        assert eng.next_delay() == pytest.approx(got[-1])
    assert got == [round(s * factor, 6) for s in (5, 10, 20, 40, 80, 160, 300, 300)]
    assert set(rng.asked) == {(0.8, 1.2)}
    assert eng.health.failures == 8
    org.faults.update(offline=False)
    res = eng.poll_once()
    assert res.health.state == HealthState.LIVE and res.health.failures == 0
    assert seconds_to_next(eng, clock) == 15.0  # back to the interval, no jitter


def engine_after_a_good_poll(clock: ManualClock) -> tuple[sync.SyncEngine, datetime]:
    org = DemoOrg(seed=7, runs=20, clock=clock, frozen=True)
    eng = make_engine(org, clock)
    eng.rng = EdgeRandom("low")
    eng.poll_once()
    good = eng.health.last_success
    assert good is not None
    clock.advance(40)
    return eng, good


def test_a_refused_query_is_stale_with_salesforces_words_and_the_soql(
        clock: ManualClock) -> None:
    eng, good = engine_after_a_good_poll(clock)
    eng._failed(QueryRefused("The org refused a query (INVALID_FIELD).", soql="SELECT Nope",
                             code="INVALID_FIELD", detail="No such column 'Nope'"))
    h = eng.health
    assert (h.state, h.message, h.detail, h.reason, h.failures, h.last_success) == (
        HealthState.STALE, "The org refused a query (INVALID_FIELD).",
        "No such column 'Nope'\nSELECT Nope", "", 1, good)
    assert h.api_used is not None and h.api_limit is not None and h.api_limit > h.api_used
    assert h.interval == 15.0 and h.reauth_command is None
    assert seconds_to_next(eng, clock) == 4.0
    eng._failed(QueryRefused("refused", soql=None, detail=None))
    assert eng.health.detail is None or eng.health.detail == ""
    eng._failed(QueryRefused("refused", soql="SELECT Id"))
    assert eng.health.detail == "SELECT Id"


def test_any_other_failure_is_stale_without_detail(clock: ManualClock) -> None:
    eng, good = engine_after_a_good_poll(clock)
    eng._failed(FlowstageError("Unexpected error while polling: KeyError('x')"))
    h = eng.health
    assert (h.state, h.detail, h.reason, h.last_success) == (HealthState.STALE, None, "", good)


def test_a_session_that_ended_waits_at_least_thirty_seconds_and_reconnects(
        clock: ManualClock) -> None:
    eng, good = engine_after_a_good_poll(clock)
    eng._failed(AuthNeeded("The session expired.", command="sf org login web -o prod"))
    h = eng.health
    assert (h.state, h.message, h.reauth_command, h.last_success) == (
        HealthState.REAUTH, "The session expired.", "sf org login web -o prod", good)
    assert seconds_to_next(eng, clock) == 30.0
    assert eng.client is None  # logs in again on the next attempt


def test_the_daily_limit_waits_five_minutes_and_says_so(clock: ManualClock) -> None:
    eng, _ = engine_after_a_good_poll(clock)
    eng._failed(ApiLimitExceeded())
    h = eng.health
    assert h.state == HealthState.LIMIT_EXHAUSTED
    assert seconds_to_next(eng, clock) == 300.0
    assert h.message == f"{ApiLimitExceeded()} Polling waits: next try in 5 min."
    eng.rng = EdgeRandom("high")
    for _ in range(8):
        eng._failed(ApiLimitExceeded())  # the back-off reached its cap: 300 s x 1.2
    assert seconds_to_next(eng, clock) == 360.0
    assert eng.health.message.endswith("Polling waits: next try in 6 min.")


def test_network_and_server_failures_name_their_reason(clock: ManualClock) -> None:
    eng, good = engine_after_a_good_poll(clock)
    eng._failed(NetworkDown("The org cannot be reached.", reason="no connection"))
    assert (eng.health.state, eng.health.reason, eng.health.last_success) == (
        HealthState.OFFLINE, "no connection", good)
    eng._failed(OrgUnavailable("The org answered 503.", reason="503"))
    assert (eng.health.state, eng.health.reason, eng.health.failures) == (
        HealthState.ORG_ERROR, "503", 2)


def test_before_any_poll_the_next_one_is_due_now(clock: ManualClock) -> None:
    eng = make_engine(DemoOrg(seed=7, runs=5, clock=clock, frozen=True), clock)
    assert eng.next_delay() == 0.0


def test_retry_now_polls_at_once_even_when_backing_off(clock: ManualClock) -> None:
    org = DemoOrg(seed=7, runs=20, clock=clock, frozen=True)
    eng = make_engine(org, clock)
    eng.poll_once()
    org.faults.update(offline=True)
    eng.poll_once()
    eng.poll_once()
    assert eng.next_delay() is not None and eng.next_delay() > 5  # type: ignore[operator]
    eng.retry_now()
    assert eng.next_delay() == 0.0


def test_a_new_filter_reloads_one_page_and_the_same_filter_changes_nothing(
        clock: ManualClock) -> None:
    org = DemoOrg(seed=7, runs=200, clock=clock, frozen=True)
    eng = make_engine(org, clock, page_size=30)
    eng.poll_once()
    eng.load_more()
    eng.load_more()
    assert len(eng.snapshot.runs) == 90
    clock.advance(15)
    eng.set_filter(RunFilter())  # the same filter: the next poll is the idle one
    res = eng.poll_once()
    assert res.calls == 1 and not res.changes.full and len(res.snapshot.runs) == 90
    flt = RunFilter(statuses=("Completed",))
    eng.set_filter(flt)
    assert eng.filter == flt
    clock.advance(15)
    res = eng.poll_once()
    assert res.changes.full and res.snapshot.filter == flt
    assert len(res.snapshot.runs) == 30  # one page again, not the three loaded before
    assert {r.status for r in res.snapshot.runs} == {"Completed"}


def test_a_failed_first_poll_after_connecting_still_reloads(clock: ManualClock) -> None:
    """The connection opened, then the load failed: the next good poll must be a full load
    (the rollback must not forget that the new connection needs one)."""
    org = DemoOrg(seed=7, runs=40, clock=clock, frozen=True)
    eng = make_engine(org, clock)
    org.faults.update(subrequest_error_rate=1.0)
    first = eng.poll_once()
    assert first.health.state == HealthState.STALE and not first.snapshot.runs
    org.faults.update(subrequest_error_rate=0.0)
    clock.advance(15)
    again = eng.poll_once()
    assert again.changes.full and len(again.snapshot.runs) == 40


def test_a_deleted_run_takes_its_error_and_children_and_nothing_else(
        clock: ManualClock) -> None:
    org = DemoOrg(seed=7, runs=120, clock=clock, frozen=True)
    eng = make_engine(org, clock, page_size=50)
    snap = eng.poll_once().snapshot
    victim = next(r.id for r in snap.runs if r.id in snap.errors)
    outside = org.store.table(RUN).rows  # a run beyond the loaded window, deleted too
    far = sorted(outside.values(), key=lambda r: (r["CreatedDate"], r["Id"]))[0]["Id"]
    assert snap.run(far) is None
    with org.lock:
        org.store.delete(RUN, victim, org.now_ms())
        org.store.delete(RUN, far, org.now_ms())
    clock.advance(6 * 60)
    res = eng.poll_once()
    assert res.changes.removed[RUN] == {victim}
    assert victim not in res.snapshot.errors
    assert victim not in res.snapshot.stages
    assert not any(s.run_id == victim for g in res.snapshot.stages.values() for s in g)
    assert res.changes.removed.get(STAGE, frozenset()) == {
        s.id for s in snap.stages.get(victim, ())}


def test_utc_now_is_aware() -> None:
    now = sync.utc_now()
    assert now.tzinfo is UTC
    assert abs(now - datetime.now(UTC)) < timedelta(minutes=1)
