"""A status query on a run part writes only the held-back runs that could match it
(emulator/held_back.py), and answers exactly as if every run had been written first."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from flowstage_tui.emulator.clock import ManualClock, ms_to_sf
from flowstage_tui.emulator.lifecycle import OPEN_RUN, RUN, STAGE, STATUS_NEEDS_RUN, STEP, WORK
from flowstage_tui.emulator.org import DemoOrg
from flowstage_tui.salesforce.work_queries import QUEUE_FIELDS

from .test_soql_engine import q

APPROVAL_ITEM = "ApprovalWorkItem"
WORK_QUEUE = (f"SELECT {', '.join(QUEUE_FIELDS)} FROM {WORK} WHERE Status = 'Assigned' "
              "ORDER BY CreatedDate, Id")


def _run_of(org: DemoOrg, obj: str, rec: dict[str, Any]) -> str:
    store = org.store
    if obj == APPROVAL_ITEM:
        wi = store.get(WORK, rec["FlowOrchestrationWorkItemId"])
        assert wi is not None
        rec, obj = wi, WORK
    if obj == WORK:
        step = store.get(STEP, rec["StepInstanceId"])
        assert step is not None
        return str(step["OrchestrationInstanceId"])
    return str(rec["OrchestrationInstanceId"])


@pytest.mark.parametrize("seed", [3, 8, 21])
def test_the_rules_hold_for_every_generated_record(clock: ManualClock, seed: int) -> None:
    """STATUS_NEEDS_RUN against what the generator writes: every record with a listed Status
    belongs to a run whose planned status the rule allows, and every rule is met at least once
    (so the test sees each fate)."""
    org = DemoOrg(seed=seed, runs=1500, clock=clock, frozen=True)
    planned = {rid: org.store.table(RUN).rows[rid]["Status"] for rid in org._run_ids}
    org.write_all()
    seen: Counter[tuple[str, str]] = Counter()
    for obj, rules in STATUS_NEEDS_RUN.items():
        for rec in org.store.table(obj).rows.values():
            allowed = rules.get(rec["Status"])
            run = _run_of(org, obj, rec)
            if allowed is None or run not in planned:  # unlisted, or a triage run
                continue
            assert planned[run] in allowed, (obj, rec["Status"], planned[run])
            seen[(obj, rec["Status"])] += 1
    assert set(seen) == {(obj, v) for obj, rules in STATUS_NEEDS_RUN.items() for v in rules}


def _queries(org: DemoOrg) -> list[str]:
    minute_ago = ms_to_sf(org.now_ms() - 60_000)
    return [
        WORK_QUEUE,
        f"SELECT Id, Status FROM {WORK} WHERE Status IN ('Assigned') ORDER BY Id",
        f"SELECT Id, StepInstance.OrchestrationInstance.Name FROM {WORK} WHERE Status = "
        "'assigned' ORDER BY CreatedDate DESC, Id LIMIT 7",
        f"SELECT COUNT() FROM {WORK} WHERE Status = 'Assigned'",
        f"SELECT AssigneeId, COUNT(Id) FROM {WORK} WHERE Status = 'Assigned' GROUP BY "
        "AssigneeId ORDER BY AssigneeId",
        # the Work view's first poll: open items, or changed since its watermark
        f"SELECT Id, Status FROM {WORK} WHERE (Status = 'Assigned' OR SystemModstamp > "
        f"{minute_ago}) ORDER BY SystemModstamp, Id",
        f"SELECT Id FROM {WORK} WHERE Status = 'Assigned' AND AssigneeId != null ORDER BY Id",
        f"SELECT Id, Status FROM {STEP} WHERE Status IN ('Suspended', 'Discontinued') "
        "ORDER BY Id",
        f"SELECT Id, OrchestrationInstance.Status FROM {STAGE} WHERE Status = 'Error' "
        "ORDER BY Id",
        f"SELECT Id, Status FROM {APPROVAL_ITEM} WHERE Status = 'Assigned' ORDER BY Id",
        # what the rules cannot narrow: answered by writing everything, still the same
        f"SELECT COUNT() FROM {WORK} WHERE Status = 'Completed'",
        f"SELECT COUNT() FROM {WORK} WHERE Status = 'Assigned' OR Label LIKE 'Sign%'",
        f"SELECT COUNT() FROM {WORK} WHERE NOT Status = 'Completed'",
    ]


@pytest.mark.parametrize("seed", [3, 8, 21])
def test_status_queries_answer_as_if_every_run_were_written(clock: ManualClock,
                                                            seed: int) -> None:
    written = DemoOrg(seed=seed, runs=400, clock=clock, frozen=True)
    written.write_all()
    for text in _queries(written):
        fresh = DemoOrg(seed=seed, runs=400, clock=clock, frozen=True)
        assert q(fresh, text) == q(written, text), text


def test_the_work_queue_query_leaves_most_runs_held_back(clock: ManualClock) -> None:
    """It writes the runs planned InProgress or Suspended (the only ones that can hold an
    Assigned item), no more; the rest stay held back."""
    org = DemoOrg(seed=5, runs=2000, clock=clock, frozen=True)
    deferred = org.store.deferred
    assert deferred is not None
    open_runs = sum(org.store.table(RUN).rows[rid]["Status"] in OPEN_RUN for rid in org._run_ids)
    assert 0 < open_runs < 400
    rows = q(org, WORK_QUEUE)
    assert rows and all(r["Status"] == "Assigned" for r in rows)
    assert deferred.left == 2000 - open_runs
    minute_ago = ms_to_sf(org.now_ms() - 60_000)
    q(org, f"SELECT Id FROM {WORK} WHERE (Status = 'Assigned' OR SystemModstamp > "
           f"{minute_ago})")
    assert deferred.left > 1500


def test_the_live_simulation_keeps_the_answer_exact(clock: ManualClock) -> None:
    """Runs the simulation moves (completes steps, fails, cancels, suspends and resumes runs,
    reassigns items) are written before they change; a held-back run's records follow its
    planned status whatever its row says since. After an hour of events the open items are
    those of the same org written in full before the hour began."""
    other = ManualClock(clock())
    lazy = DemoOrg(seed=13, runs=400, clock=clock, pace=2.0)
    eager = DemoOrg(seed=13, runs=400, clock=other, pace=2.0)
    eager.write_all()
    for _ in range(12):
        for c in (clock, other):
            c.advance(300)
        for org in (lazy, eager):
            with org.locked():
                pass
    assert lazy.store.deferred is not None and lazy.store.deferred.left > 0
    text = f"SELECT Id, Status, AssigneeId FROM {WORK} WHERE Status = 'Assigned' ORDER BY Id"
    with lazy.locked(), eager.locked():
        assert q(lazy, text) == q(eager, text)
    assert lazy.store.deferred.left > 0


def test_a_held_back_run_canceled_leaves_the_queue(clock: ManualClock) -> None:
    """Canceling a run that was still held back writes it first, then cascades: its items
    are Completed and leave the answer, as on the org written in full."""
    lazy = DemoOrg(seed=4, runs=300, clock=clock, frozen=True)
    eager = DemoOrg(seed=4, runs=300, clock=clock, frozen=True)
    eager.write_all()
    deferred = lazy.store.deferred
    assert deferred is not None
    index = next(i for i, rid in enumerate(lazy._run_ids)
                 if lazy.store.table(RUN).rows[rid]["Status"] == "InProgress")
    run_id = lazy._run_ids[index]
    assert deferred.pending[index]
    text = (f"SELECT Id, Status, StepInstance.OrchestrationInstanceId FROM {WORK} WHERE "
            "Status = 'Assigned' ORDER BY Id")
    before = q(eager, text)
    assert any(r["StepInstance"]["OrchestrationInstanceId"] == run_id for r in before)
    for org in (lazy, eager):
        org.lifecycle.cancel_run(org.store.table(RUN).rows[run_id], org.now_ms(), org.admin_id)
    assert not deferred.pending[index]
    after = q(lazy, text)
    assert after == q(eager, text)
    assert not any(r["StepInstance"]["OrchestrationInstanceId"] == run_id for r in after)
    assert deferred.left > 200
