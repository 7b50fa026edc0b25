"""What the TUI's confirm dialog is built from: fresh reads, one line for each picked record
left out and why, the routing through engine/plans.py, and the name to type for a delete
that ends a run's resume window."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from flowstage_tui.emulator.org import DemoOrg
from flowstage_tui.engine import targets
from flowstage_tui.engine import write_plans as W
from flowstage_tui.engine.targets import AssigneeRefused
from flowstage_tui.salesforce.client import SalesforceClient
from flowstage_tui.salesforce.resume_window import in_resume_window

from .conftest import quiet_connection

RUN = "FlowOrchestrationInstance"


@pytest.fixture
def client(org: DemoOrg) -> SalesforceClient:
    client, _caps = quiet_connection(org).open()
    return client


def runs_with(org: DemoOrg, status: str, approval: bool = False) -> list[str]:
    return sorted(str(r["Id"]) for r in org.store.table(RUN).rows.values()
                  if r["Status"] == status and
                  str(r.get("FlowType") or "").startswith("Approval") == approval)


def now_of(org: DemoOrg) -> datetime:
    return datetime.fromtimestamp(org.clock(), UTC)


def test_cancel_leaves_out_runs_that_ended_and_routes_approval_runs(
        org: DemoOrg, client: SalesforceClient) -> None:
    live, done = runs_with(org, "InProgress")[0], runs_with(org, "Completed")[0]
    approval = runs_with(org, "InProgress", approval=True)[0]
    got = W.prepare_cancel(client, [live, done, approval, "0jERM000000zzzzAAA"])
    assert [r.record_id for r in got.requests] == [live, approval]
    assert got.requests[0].method == "PATCH" and got.requests[0].body == {"Status": "Canceled"}
    assert got.requests[1].path == "actions/standard/cancelApprovalSubmission"
    assert "Approval Admin" in got.notes[0]
    assert len(got.skipped) == 2 and "it is Completed already" in got.skipped[0]
    assert "no such run" in got.skipped[1]


def test_nudge_only_waiting_runs(org: DemoOrg, client: SalesforceClient) -> None:
    live, suspended = runs_with(org, "InProgress")[0], runs_with(org, "Suspended")[0]
    got = W.prepare_nudge(client, [live, suspended])
    assert [(r.method, r.path, r.body) for r in got.requests] == [
        ("POST", "sobjects/FlowOrchestrationEvent", {"OrchestrationInstanceId": live})]
    assert "it is Suspended" in got.skipped[0]


def test_reassign_leaves_out_closed_items_and_refuses_an_inactive_assignee(
        org: DemoOrg, client: SalesforceClient) -> None:
    def first(status: str) -> dict[str, Any]:
        rows = client.query("SELECT Id, AssigneeId FROM FlowOrchestrationWorkItem WHERE "
                            f"Status = '{status}' AND Assignee.Type = 'User' LIMIT 1")
        assert rows
        return rows[0]

    open_, closed = first("Assigned"), first("Completed")
    users = list(org.store.table("User").rows.values())
    target = next(u for u in users if u["IsActive"] and u["Id"] != open_["AssigneeId"]
                  and u.get("UserType") == "Standard")
    got = W.prepare_reassign(client, [open_["Id"], closed["Id"]], target["Id"])
    assert [r.record_id for r in got.requests] == [open_["Id"]]
    assert "it is Completed" in got.skipped[0] and len(got.skipped) == 1
    inactive = next(u for u in users if not u["IsActive"])
    with pytest.raises(AssigneeRefused, match="inactive"):
        W.prepare_reassign(client, [open_["Id"]], inactive["Id"])


def test_delete_asks_the_name_alone_and_leaves_in_window_runs_out_of_a_bulk_delete(
        org: DemoOrg, client: SalesforceClient) -> None:
    now = now_of(org)
    errors = runs_with(org, "Error")
    found = {t.run_id: t for t in targets.interviews_of(client, errors)}
    inside = next(r for r in errors if in_resume_window(found[r].failed_at, now))
    past = next(r for r in errors if not in_resume_window(found[r].failed_at, now))
    alone = W.prepare_delete(client, [inside], now)
    assert alone.typed_name == found[inside].run_name and "resume" in alone.typed_why
    assert [r.method for r in alone.requests] == ["DELETE"]
    bulk = W.prepare_delete(client, [inside, past, runs_with(org, "InProgress")[0]], now)
    assert [r.record_id for r in bulk.requests] == [found[past].interview_id]
    assert bulk.typed_name is None
    assert "on its own" in bulk.skipped[0] and "cancel the run first" in bulk.skipped[1]


def test_delete_leaves_out_an_interview_already_gone(org: DemoOrg,
                                                     client: SalesforceClient) -> None:
    """The run keeps naming its deleted interview (InterviewId), as in Salesforce: deleting
    it again would only be refused (404 ENTITY_IS_DELETED), so it is left out, saying so."""
    now = now_of(org)
    done = runs_with(org, "Completed")
    first = W.prepare_delete(client, done[:1], now)
    assert len(first.requests) == 1
    org.store.delete("FlowInterview", first.requests[0].record_id, org.now_ms())
    again = W.prepare_delete(client, done[:1], now)
    assert again.requests == () and "already deleted" in again.skipped[0]
    confirmed = W.prepare_delete(client, done[:1], now, confirmed=set())
    assert confirmed.requests == () and "already deleted" in confirmed.skipped[0]
