"""The demo org's data and live simulation obey one consistent state machine."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest

from flowstage_tui.emulator.clock import ManualClock, ms_to_sf
from flowstage_tui.emulator.lifecycle import BY_API_NAME, RUN, STAGE, STEP, WORK
from flowstage_tui.emulator.org import DemoOrg

# the run Status picklist of real describes: the demo org produces every value it declares
ALL_RUN_STATUSES = {"NotStarted", "InProgress", "Completed", "Error", "Discontinued", "Canceled",
                    "Suspended"}


def check_invariants(org: DemoOrg) -> None:
    store = org.store
    for run in store.table(RUN).rows.values():
        stages = store.children(STAGE, "OrchestrationInstanceId", run["Id"])
        open_stages = [s for s in stages if s["Status"] in ("InProgress", "Suspended")]
        steps = [st for s in stages for st in store.children(STEP, "StageInstanceId", s["Id"])]
        items = [w for st in steps for w in store.children(WORK, "StepInstanceId", st["Id"])]
        positions = sorted(s["Position"] for s in stages)
        assert positions == list(range(1, len(stages) + 1)), run["Name"]
        status = run["Status"]
        # every stage record is made with the run; none after the open (or last ended) one
        # has started, every one before it has completed
        assert len(stages) == len(BY_API_NAME[run["OrchestrationDeveloperName"]].stages)
        by_position = sorted(stages, key=lambda s: s["Position"])
        started = [s for s in by_position if s["Status"] != "NotStarted"]
        assert by_position[:len(started)] == started, run["Name"]
        assert all(s["Status"] == "Completed" for s in started[:-1]), run["Name"]
        if status == "NotStarted":
            assert not started and not steps and run["CurrentStage"] is None, run["Name"]
        if status in ("InProgress", "Suspended"):
            assert len(open_stages) == 1, run["Name"]
            assert run["CurrentStage"] == open_stages[0]["Name"]
            step_status = "Suspended" if status == "Suspended" else "InProgress"
            assert {st["Status"] for st in steps if st["StageInstanceId"] == open_stages[0][
                "Id"]} <= {step_status, "Completed"}, run["Name"]
        else:
            assert not open_stages, run["Name"]
            assert not [w for w in items if w["Status"] == "Assigned"], run["Name"]
            assert not [st for st in steps if st["Status"] == "InProgress"], run["Name"]
        if status == "Error":
            failed = [s for s in stages if s["Status"] == "Error"]
            assert len(failed) == 1 and run["CurrentStage"] == failed[0]["Name"]
            assert any(st["Status"] == "Error" for st in steps)
            interview = store.get("FlowInterview", run["InterviewId"])
            assert interview is None or interview["Error"]
        if status == "Completed":
            assert all(s["Status"] == "Completed" for s in stages)
            assert run["Duration"] is not None
        if status == "Discontinued":
            assert started[-1]["Status"] == "Discontinued" and run["Duration"] is not None
            assert "Discontinued" in {st["Status"] for st in steps}, run["Name"]


def test_generated_org_is_consistent_and_varied(org: DemoOrg) -> None:
    check_invariants(org)  # reads each run's parts through the store, as queries do
    org.write_all()
    statuses = Counter(r["Status"] for r in org.store.table(RUN).rows.values())
    assert set(statuses) == ALL_RUN_STATUSES
    orchestrations = {r["OrchestrationDeveloperName"] for r in org.store.table(RUN).rows.values()}
    assert len(orchestrations) >= 6
    users = org.store.table("User").rows.values()
    assert any(not u["IsActive"] for u in users)
    steps = org.store.table(STEP).rows.values()
    assert {"InteractiveStep", "BackgroundStep"} <= {s["StepType"] for s in steps}
    # every status the describes declare comes up: a suspended run's steps are Suspended,
    # stages after the current one NotStarted
    assert {"InProgress", "Completed", "Error", "Discontinued", "Canceled", "Suspended"} <= {
        s["Status"] for s in steps}
    assert {"NotStarted", "InProgress", "Completed", "Error", "Discontinued", "Canceled",
            "Suspended"} == {s["Status"] for s in org.store.table(STAGE).rows.values()}
    items = org.store.table(WORK).rows.values()
    assert {"005", "00G"} == {w["AssigneeId"][:3] for w in items}
    bodies = " ".join(p["Body"] or "" for p in
                      org.store.table("FlowOrchestrationInstanceFeed").rows.values())
    bodies += " ".join(p["Body"] or "" for p in
                       org.store.table("FlowOrchestrationStageInstanceFeed").rows.values())
    assert "[bold]" in bodies and "<p>" in bodies  # markup-looking text and rich text
    assert org.store.table("FeedComment").rows
    kinds = {lg["Kind"] for lg in org.store.table("FlowOrchestrationLog").rows.values()}
    assert {"StartInstance", "EndInstance", "FailInstance", "FailStep", "CancelInstance",
            "StartWorkItem", "EndWorkItem"} <= kinds


def test_same_seed_same_org(clock: ManualClock) -> None:
    a = DemoOrg(seed=11, runs=40, clock=clock, frozen=True).dump()
    b = DemoOrg(seed=11, runs=40, clock=clock, frozen=True).dump()
    c = DemoOrg(seed=12, runs=40, clock=clock, frozen=True).dump()
    assert a == b and a != c


def test_simulation_moves_the_org_and_keeps_it_consistent(clock: ManualClock) -> None:
    org = DemoOrg(seed=5, runs=60, clock=clock, pace=3.0)
    start = org.now_ms()
    with org.locked():
        pass
    before = {r["Id"]: r["SystemModstamp"] for r in org.store.table(RUN).rows.values()}
    for _ in range(20):  # ten minutes, in 30 s steps, as a polling client would see it
        clock.advance(30)
        with org.locked():
            pass
        check_invariants(org)
    after = org.store.table(RUN).rows
    new_runs = set(after) - set(before)
    changed = [rid for rid, ms in before.items() if rid in after and
               after[rid]["SystemModstamp"] > ms]
    assert new_runs and changed
    assert all(after[rid]["SystemModstamp"] > start for rid in new_runs)


def test_frozen_org_does_not_move(clock: ManualClock) -> None:
    org = DemoOrg(seed=5, runs=20, clock=clock, frozen=True)
    snap = json.dumps(org.dump())
    clock.advance(3600)
    with org.locked():
        pass
    assert json.dumps(org.dump()) == snap


def test_dump_and_load_round_trip(clock: ManualClock) -> None:
    first = DemoOrg(seed=9, runs=30, clock=clock, frozen=True)
    data = json.loads(first.dump_json())
    second = DemoOrg(data=data, clock=clock, frozen=True)
    assert second.dump() == first.dump()


def test_no_feed_history_org_has_no_tracking_objects(clock: ManualClock) -> None:
    org = DemoOrg(seed=1, runs=20, clock=clock, frozen=True, feed_history=False)
    assert org.schema.get("FlowOrchestrationInstanceFeed", 66.0) is None
    assert org.schema.get("FlowOrchestrationInstanceHistory", 66.0) is None
    assert "FlowOrchestrationInstanceFeed" not in org.store.tables


@pytest.mark.parametrize("runs", [0, 1])
def test_tiny_orgs(clock: ManualClock, runs: int) -> None:
    org = DemoOrg(seed=2, runs=runs, clock=clock, frozen=True)
    assert len(org.store.table(RUN).rows) == runs


def _by_object(org: DemoOrg) -> dict[str, dict[str, Any]]:
    return {obj: {r["Id"]: r for r in rows} for obj, rows in org.dump()["records"].items()}


def test_held_back_runs_are_written_exactly_as_planned(clock: ManualClock) -> None:
    """Generation plays each run's fate on a Planner and writes its records later: writing
    them must leave every run and interview row exactly as planned, for every fate."""
    org = DemoOrg(seed=5, runs=2000, clock=clock, frozen=True)
    planned = {rid: dict(r) for rid, r in org.store.table(RUN).rows.items()}
    interviews = {rid: dict(r) for rid, r in org.store.table("FlowInterview").rows.items()}
    assert org.store.deferred is not None and org.store.deferred.left == 2000
    org.write_all()
    assert org.store.deferred.left == 0
    assert dict(org.store.table(RUN).rows) == planned
    assert dict(org.store.table("FlowInterview").rows) == interviews
    statuses = Counter(r["Status"] for r in planned.values())
    assert set(statuses) == ALL_RUN_STATUSES
    check_invariants(org)


def test_the_order_runs_are_written_in_changes_nothing(clock: ManualClock) -> None:
    in_order = DemoOrg(seed=9, runs=150, clock=clock, frozen=True)
    piecemeal = DemoOrg(seed=9, runs=150, clock=clock, frozen=True)
    for run in reversed(list(piecemeal.store.table(RUN).rows.values())):
        piecemeal.store.children(STAGE, "OrchestrationInstanceId", run["Id"])
    assert _by_object(piecemeal) == _by_object(in_order)


def test_queries_see_held_back_records(clock: ManualClock) -> None:
    """Each way a query narrows what it reads (Ids, parents, a lookup one hop away, stamps,
    none at all) finds on a fresh org exactly what it finds once everything is written."""
    from .test_soql_engine import q

    written = DemoOrg(seed=3, runs=120, clock=clock, frozen=True)
    written.write_all()
    run = next(r for r in written.store.table(RUN).rows.values() if r["Status"] == "Error")
    stages = written.store.children(STAGE, "OrchestrationInstanceId", run["Id"])
    stage_ids = ", ".join(f"'{s['Id']}'" for s in stages)
    user = next(u for u in written.store.table("User").rows.values() if u["IsActive"]
                and u["UserType"] == "Standard" and u["Name"] != "Demo Admin")
    day_ago = ms_to_sf(written.now_ms() - 86_400_000)
    queries = [
        f"SELECT Id, Status FROM FlowOrchestrationStageInstance WHERE SystemModstamp > "
        f"{day_ago} ORDER BY Id",
        f"SELECT Id, Timestamp FROM FlowOrchestrationLog WHERE Timestamp >= {day_ago} "
        "ORDER BY Timestamp, Id",
        f"SELECT Id FROM FlowOrchestrationWorkItem WHERE AssigneeId = '{user['Id']}' ORDER BY Id",
        f"SELECT Id, Kind FROM FlowOrchestrationLog WHERE OrchestrationInstanceId = "
        f"'{run['Id']}' ORDER BY Id",
        f"SELECT Id, Field FROM FlowOrchestrationStageInstanceHistory WHERE ParentId IN "
        f"({stage_ids}) ORDER BY Id",
        f"SELECT Id, Error FROM FlowInterview WHERE Id = '{run['InterviewId']}'",
        f"SELECT Id FROM FlowOrchestrationWorkItem WHERE StepInstance.OrchestrationInstanceId "
        f"IN ('{run['Id']}') ORDER BY Id",
        f"SELECT Id, (SELECT Id FROM FeedComments) FROM FlowOrchestrationInstanceFeed WHERE "
        f"CreatedDate >= {day_ago} ORDER BY Id",
        "SELECT Status, COUNT(Id) FROM FlowOrchestrationWorkItem GROUP BY Status ORDER BY Status",
        "SELECT COUNT() FROM FlowOrchestrationStepInstance",
        f"SELECT Id, OrchestrationInstance.Name FROM FlowOrchestrationStepInstance WHERE "
        f"StageInstanceId = '{stages[0]['Id']}'",
    ]
    for text in queries:
        fresh = DemoOrg(seed=3, runs=120, clock=clock, frozen=True)
        assert q(fresh, text) == q(written, text), text
        assert fresh.store.deferred is not None
        if "WHERE" in text and "AssigneeId" not in text and "Timestamp >=" not in text:
            assert fresh.store.deferred.left > 0, f"wrote every run for: {text}"


def test_work_items_are_about_real_context_records(clock: ManualClock) -> None:
    """RelatedRecordId holds the record the assignee works on, as on a real org: the run's
    triggering record (a Contact, a Case, an Opportunity), the Account an autolaunched run was
    handed, or the run itself only where no record is given. Each resolves by Id through the
    REST API and by SOQL, and the run is never reached through it."""
    from flowstage_tui.emulator.adapter import DEMO_ORIGIN, demo_session

    org = DemoOrg(seed=5, runs=120, clock=clock, frozen=True, token="ctx")
    org.write_all()
    store = org.store
    kinds: Counter[str] = Counter()
    for wi in store.table(WORK).rows.values():
        step = store.get(STEP, wi["StepInstanceId"])
        assert step is not None
        run = store.get(RUN, step["OrchestrationInstanceId"])
        assert run is not None
        found = store.find(wi["RelatedRecordId"])
        assert found is not None, wi["RelatedRecordId"]
        kinds[found[0]] += 1
        if run["TriggeringRecord"]:
            assert wi["RelatedRecordId"] == run["TriggeringRecord"]
            assert found[0] == run["TriggeringRecordType"]
        elif found[0] == RUN:
            assert run["OrchestrationDeveloperName"] == "Contract_Renewal"
    assert {"Account", "Contact", "Case", "Opportunity"} <= set(kinds)
    assert kinds[RUN] < sum(kinds.values()) / 4  # the run itself is the exception
    s = demo_session(org)
    auth = {"Authorization": "Bearer ctx"}
    account = next(w["RelatedRecordId"] for w in store.table(WORK).rows.values()
                   if w["RelatedRecordId"].startswith("001"))
    got = s.get(f"{DEMO_ORIGIN}/services/data/v62.0/sobjects/Account/{account}", headers=auth)
    assert got.status_code == 200 and got.json()["Name"]
    rows = s.get(f"{DEMO_ORIGIN}/services/data/v62.0/query", headers=auth, params={
        "q": "SELECT RelatedRecord.Type, RelatedRecord.Name FROM FlowOrchestrationWorkItem "
             f"WHERE RelatedRecordId = '{account}'"}).json()["records"]
    assert rows and all(r["RelatedRecord"]["Type"] == "Account" and
                        r["RelatedRecord"]["Name"] == got.json()["Name"] for r in rows)
    case = s.get(f"{DEMO_ORIGIN}/services/data/v62.0/query", headers=auth, params={
        "q": "SELECT RelatedRecord.Name, RelatedRecordId FROM FlowOrchestrationWorkItem "
             "WHERE RelatedRecord.Type = 'Case' LIMIT 1"}).json()["records"][0]
    number = store.get("Case", case["RelatedRecordId"])
    assert number is not None and case["RelatedRecord"]["Name"] == number["CaseNumber"]
