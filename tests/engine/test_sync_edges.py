"""Engine edges the convergence tests pass over: the deletion check's cadence and look-back,
what an incremental poll asks for, and the runs window at exactly its limit. (A refused
subrequest's body in every shape: tests/unit/test_client_subrequests.py.)"""

from __future__ import annotations

import random
from typing import Any

from flowstage_tui.clock import utc_clock
from flowstage_tui.emulator.clock import ManualClock
from flowstage_tui.emulator.demo_data import ORCHESTRATIONS
from flowstage_tui.emulator.org import DemoOrg
from flowstage_tui.engine.sync import SyncEngine
from flowstage_tui.salesforce.capabilities import RUN, STAGE, STEP, WORK

from .conftest import make_engine, quiet_connection


def counted_since(org: DemoOrg, mark: int) -> int:
    return sum(r.counted for r in org.request_log[mark:])


def test_idle_polls_cost_one_call_and_a_second_every_five_minutes(clock: ManualClock) -> None:
    org = DemoOrg(seed=7, runs=40, clock=clock, frozen=True)
    eng = make_engine(org, clock)
    eng.poll_once()
    costs = []
    for _ in range(44):  # eleven minutes at 15 s
        clock.advance(15)
        mark = len(org.request_log)
        eng.poll_once()
        costs.append(counted_since(org, mark))
    # the deletion check rides along at exactly 5:00 and 10:00 after the load, no sooner
    assert [i for i, c in enumerate(costs) if c == 2] == [19, 39]
    assert set(costs) == {1, 2}


def test_a_deletion_between_two_checks_is_caught_by_the_second(clock: ManualClock) -> None:
    org = DemoOrg(seed=7, runs=40, clock=clock, frozen=True)
    eng = make_engine(org, clock)
    eng.poll_once()
    clock.advance(5 * 60)
    eng.poll_once()  # the first deletion check: nothing deleted
    clock.advance(60)
    victim = eng.snapshot.runs[5].id
    with org.lock:
        org.store.delete(RUN, victim, org.now_ms())
    clock.advance(4 * 60 + 30)  # the next check looks back past the last one, not a minute
    res = eng.poll_once()
    assert res.changes.removed.get(RUN) == frozenset({victim})
    assert eng.snapshot.run(victim) is None


def record_composites(eng: SyncEngine) -> list[list[tuple[str, str]]]:
    """The subrequests of every composite call the engine's client makes from now on."""
    client = eng.client
    assert client is not None
    sent: list[list[tuple[str, str]]] = []
    real = client.composite

    def spy(subs: Any, **kw: Any) -> Any:
        sent.append(list(subs))
        return real(subs, **kw)

    client.composite = spy  # type: ignore[method-assign,assignment]
    return sent


def test_an_incremental_poll_asks_only_for_children_of_runs_in_the_window(
        clock: ManualClock) -> None:
    org = DemoOrg(seed=7, runs=120, clock=clock, frozen=True)
    eng = make_engine(org, clock, page_size=40)
    eng.poll_once()
    sent = record_composites(eng)
    clock.advance(15)
    eng.poll_once()
    (subs,) = sent
    assert [ref for ref, _ in subs] == ["runs", "counts", STAGE, STEP, WORK]
    oldest = min(r.created for r in eng.snapshot.runs)
    lit = oldest.strftime("%Y-%m-%dT%H:%M:%S.") + f"{oldest.microsecond // 1000:03d}Z"
    queries = dict(subs)
    assert f"OrchestrationInstance.CreatedDate >= {lit}" in queries[STAGE]
    assert f"OrchestrationInstance.CreatedDate >= {lit}" in queries[STEP]
    assert f"StepInstance.OrchestrationInstance.CreatedDate >= {lit}" in queries[WORK]
    # older runs exist beyond the window: changed runs are asked for within it too
    assert f"CreatedDate >= {lit}" in queries["runs"]


def test_with_every_run_loaded_changed_runs_are_asked_for_whatever_their_age(
        clock: ManualClock) -> None:
    """An older run that starts to match the filter must show up: nothing is older than the
    window when the window holds them all."""
    org = DemoOrg(seed=7, runs=30, clock=clock, frozen=True)
    eng = make_engine(org, clock, page_size=40)
    assert not eng.poll_once().snapshot.more
    sent = record_composites(eng)
    clock.advance(15)
    eng.poll_once()
    assert "CreatedDate >=" not in dict(sent[0])["runs"]


def test_the_window_at_exactly_its_limit_does_not_claim_older_runs(clock: ManualClock) -> None:
    org = DemoOrg(seed=7, runs=20, clock=clock, frozen=True)
    eng = SyncEngine(quiet_connection(org), clock=utc_clock(clock),
                     page_size=30, margin=0, rng=random.Random(0))
    first = eng.poll_once().snapshot
    assert len(first.runs) == 20 and not first.more

    def start(n: int) -> None:
        with org.lock:
            for i in range(n):
                org.lifecycle.start_run(ORCHESTRATIONS[i % len(ORCHESTRATIONS)],
                                        org.now_ms() + i)

    start(10)
    clock.advance(15)
    full = eng.poll_once().snapshot
    assert len(full.runs) == 30 and not full.more  # 30 = the limit: nothing older exists
    start(1)
    clock.advance(15)
    over = eng.poll_once().snapshot
    assert len(over.runs) == 30 and over.more  # the oldest went out of the window
    assert over.run(first.runs[-1].id) is None
