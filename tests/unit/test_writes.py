"""The writes as values: builders, the exact preview, how requests travel, outcomes, the
delete guard and the audit log's file."""

from __future__ import annotations

import json
import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from flowstage_tui.engine.audit import AuditLog
from flowstage_tui.salesforce import writes as w

V = "62.0"
WI = "0jRRM0000000B3R2AU"
RUN = "0jERM00000002GP2AY"
USER = "005RM0000000147YAA"
NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def test_the_builders_send_what_the_api_documents() -> None:
    r = w.reassign_request(WI, "Review Pricing", USER)
    assert (r.action, r.method, r.path, r.body, r.record_id) == (
        "reassign", "PATCH", f"sobjects/FlowOrchestrationWorkItem/{WI}", {"AssigneeId": USER},
        WI)
    a = w.reassign_request(WI, "Approve", USER, approval_work_item_id="9jR1",
                           comments="covering")
    assert (a.method, a.path, a.record_id) == (
        "POST", "actions/standard/reassignApprovalWorkItem", WI)
    assert a.body == {"inputs": [{"approvalWorkItemId": "9jR1", "assigneeId": USER,
                                  "comments": "covering"}]}
    assert w.cancel_request(RUN, "OR-1").body == {"Status": "Canceled"}
    assert w.cancel_request(RUN, "OR-1").path == f"sobjects/FlowOrchestrationInstance/{RUN}"
    c = w.cancel_request(RUN, "OR-1", approval_submission_id="0Xs1")
    assert (c.method, c.path, c.body) == ("POST", "actions/standard/cancelApprovalSubmission",
                                          {"inputs": [{"approvalSubmissionId": "0Xs1"}]})
    d = w.delete_interview_request("0Fo1", "OR-1")
    assert (d.method, d.path, d.body) == ("DELETE", "sobjects/FlowInterview/0Fo1", None)
    n = w.nudge_request(RUN, "OR-1")
    assert (n.method, n.path, n.body) == ("POST", "sobjects/FlowOrchestrationEvent",
                                          {"OrchestrationInstanceId": RUN})


def test_preview_shows_the_exact_requests_and_how_they_travel() -> None:
    one = [w.reassign_request(WI, "Review Pricing", USER)]
    assert w.preview(one, V) == [
        f'PATCH /services/data/v62.0/sobjects/FlowOrchestrationWorkItem/{WI} '
        f'{{"AssigneeId": "{USER}"}}',
        "1 record, 1 API call; never retried."]
    delete = w.preview([w.delete_interview_request("0Fo1", "x")], V)
    assert delete[0] == "DELETE /services/data/v62.0/sobjects/FlowInterview/0Fo1"
    many = [w.cancel_request(f"0jE{i:015d}", f"OR-{i}") for i in range(30)]
    lines = w.preview(many, V)
    assert len(lines) == 31 and lines[-1].startswith("30 records, 2 API calls: 2 /composite")
    assert "allOrNone=false" in lines[-1]


def test_approval_writes_travel_as_one_action_call_with_every_input() -> None:
    reqs = [w.reassign_request("0jR1", "a", USER),
            w.reassign_request("0jR2", "b", USER, approval_work_item_id="9jR2"),
            w.reassign_request("0jR3", "c", USER, approval_work_item_id="9jR3")]
    calls = w.plan_calls(reqs, V)
    assert [(c.kind, c.path, len(c.requests)) for c in calls] == [
        ("single", "sobjects/FlowOrchestrationWorkItem/0jR1", 1),
        ("action", "actions/standard/reassignApprovalWorkItem", 2)]
    assert calls[1].body == {"inputs": [
        {"approvalWorkItemId": "9jR2", "assigneeId": USER},
        {"approvalWorkItemId": "9jR3", "assigneeId": USER}]}
    lines = w.preview(reqs, V)
    assert lines[1] == ("POST /services/data/v62.0/actions/standard/reassignApprovalWorkItem "
                        + json.dumps(calls[1].body))
    assert lines[2].startswith("3 records, 2 API calls")


@pytest.mark.parametrize(("n", "calls"), [(0, 0), (1, 1), (2, 1), (25, 1), (26, 2), (51, 3)])
def test_calls_needed(n: int, calls: int) -> None:
    assert w.calls_needed(n) == calls
    reqs = [w.nudge_request(f"0jE{i:015d}", "r") for i in range(n)]
    assert len(w.plan_calls(reqs, V)) == calls


def test_composite_chunks_keep_order_and_name_each_subrequest() -> None:
    reqs = [w.nudge_request(f"0jE{i:015d}", "r") for i in range(27)]
    calls = w.plan_calls(reqs, V)
    assert [len(c.requests) for c in calls] == [25, 2]
    body = calls[1].body
    assert body is not None and body["allOrNone"] is False
    assert body["compositeRequest"] == [
        {"method": "POST", "url": "/services/data/v62.0/sobjects/FlowOrchestrationEvent",
         "referenceId": f"w{i}", "body": {"OrchestrationInstanceId": reqs[25 + i].record_id}}
        for i in range(2)]


def test_outcomes_read_salesforce_errors_and_action_results() -> None:
    req = w.cancel_request(RUN, "OR-1")
    assert w.outcome_of(req, 204, None).ok
    bad = w.outcome_of(req, 400, [{"errorCode": "FIELD_INTEGRITY_EXCEPTION",
                                   "message": "nope", "fields": []}])
    assert (bad.ok, bad.error_code, bad.message) == (False, "FIELD_INTEGRITY_EXCEPTION", "nope")
    act = w.cancel_request(RUN, "OR-1", approval_submission_id="0Xs1")
    refused = w.outcome_of(act, 200, [{"isSuccess": False, "errors": [
        {"statusCode": "INSUFFICIENT_ACCESS_OR_READONLY", "message": "need admin"}]}])
    assert (refused.ok, refused.error_code) == (False, "INSUFFICIENT_ACCESS_OR_READONLY")
    assert w.outcome_of(act, 200, [{"isSuccess": True, "errors": None}]).ok
    report = w.WriteReport((w.outcome_of(req, 204, None), bad,
                            w.WriteOutcome(RUN, "x", False, None, None, "lost", unknown=True)))
    assert (len(report.succeeded), len(report.failed), len(report.unknown)) == (1, 1, 1)
    assert report.summary() == "3 writes: 1 succeeded, 1 failed, 1 outcome unknown."
    assert [w.outcome_line(o) for o in report.outcomes] == [
        f"OK       {RUN}  OR-1: canceled",
        f"FAILED   {RUN}  OR-1: FIELD_INTEGRITY_EXCEPTION: nope",
        f"UNKNOWN  {RUN}  x: lost"]
    assert not report.all_ok


def test_the_delete_guard() -> None:
    inside = NOW - timedelta(days=13)
    outside = NOW - timedelta(days=15)
    for status in ("InProgress", "Suspended", "NotStarted"):
        refusal = w.delete_refusal(status, None, NOW)
        assert refusal is not None and status in refusal and "cancel the run first" in refusal
    assert w.delete_refusal(None, None, NOW) is not None
    for status in ("Completed", "Canceled", "Error"):
        assert w.delete_refusal(status, inside, NOW) is None
    assert w.needs_typed_name("Error", inside, NOW)
    assert not w.needs_typed_name("Error", outside, NOW)
    assert not w.needs_typed_name("Error", None, NOW)  # no failure row: no window to lose
    assert not w.needs_typed_name("Canceled", inside, NOW)
    assert "1d00h" in w.window_text(inside, NOW)
    assert w.window_text(outside, NOW) == "its resume window is closed"


def test_approval_routing_maps() -> None:
    assert w.approvals_available("62.0") and not w.approvals_available("61.0")
    assert w.approval_item_map([{"Id": "9jR1", "FlowOrchestrationWorkItemId": "0jR1"},
                                {"Id": "9jR2", "FlowOrchestrationWorkItemId": None}]) == {
        "0jR1": "9jR1"}
    assert w.approval_submission_map([{"Id": "0Xs1", "FlowOrchestrationInstanceId": RUN}]) == {
        RUN: "0Xs1"}


def test_the_audit_log_appends_private_lines_and_survives_a_torn_one(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "state" / "audit.jsonl")
    assert log.entries() == []
    log.record({"action": "cancel", "phase": "before", "access_token": "00D!secret",
                "Authorization": "Bearer x"})
    log.record({"action": "cancel", "phase": "after", "status": 204})
    assert stat.S_IMODE(os.stat(log.path).st_mode) == 0o600
    assert "secret" not in log.path.read_text() and "Bearer" not in log.path.read_text()
    with log.path.open("ab") as f:
        f.write(b'{"action": "nudge", "pha')  # a crash in the middle of a line
    entries = log.entries()
    assert [(e["action"], e["phase"]) for e in entries] == [("cancel", "before"),
                                                            ("cancel", "after")]
    assert all("time" in e for e in entries)
    log.record({"action": "nudge", "phase": "before"})  # begins a line of its own
    assert [e["action"] for e in log.entries()] == ["cancel", "cancel", "nudge"]


def test_delete_requests_refuse_the_whole_batch_on_one_refusal() -> None:
    from flowstage_tui.engine.plans import DeleteRefused, delete_check, delete_requests
    from flowstage_tui.engine.targets import InterviewTarget

    def target(status: str, failed_days: float | None, name: str) -> InterviewTarget:
        failed = None if failed_days is None else NOW - timedelta(days=failed_days)
        return InterviewTarget(f"0Fo{name}", "Error", f"0jE{name}", name, status, failed)

    done, fresh, open_run = (target("Canceled", None, "OR-1"), target("Error", 2, "OR-2"),
                             target("InProgress", None, "OR-3"))
    assert [r.record_id for r in delete_requests([done], NOW)] == ["0FoOR-1"]
    with pytest.raises(DeleteRefused, match="type the run's name \\(OR-2\\)"):
        delete_requests([done, fresh], NOW)
    assert len(delete_requests([done, fresh], NOW, {"OR-2"})) == 2
    why = delete_check(fresh, NOW, (), how="pass --confirm {name}")
    assert why is not None and why.endswith("pass --confirm OR-2 to delete it anyway")
    with pytest.raises(DeleteRefused, match="its run is InProgress"):
        delete_requests([open_run], NOW, {"OR-3"})  # a typed name does not open that door
