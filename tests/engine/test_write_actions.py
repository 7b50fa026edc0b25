"""send_writes and the targets against the in-process demo org: one call or /composite,
per-record outcomes with Salesforce's codes, the audit log before and after, never a retry,
and a lost answer reported unknown then re-read."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import requests

from flowstage_tui.emulator.adapter import EmulatorAdapter
from flowstage_tui.emulator.clock import ManualClock
from flowstage_tui.emulator.org import DemoOrg
from flowstage_tui.emulator.permissions import ALL
from flowstage_tui.engine import targets
from flowstage_tui.engine import write_plans as W
from flowstage_tui.engine.actions import WritesRefused, send_writes
from flowstage_tui.engine.audit import AuditLog
from flowstage_tui.errors import OrgUnavailable
from flowstage_tui.salesforce import writes as w
from flowstage_tui.salesforce.client import SalesforceClient, TimeoutSession

from .conftest import quiet_connection


class LosingAdapter(EmulatorAdapter):
    """The demo org's transport, but the answer to a write is lost after the org applied it
    (`lose_after`), or the connection is refused before anything is sent (`refuse`)."""

    lose_after = False
    refuse = False

    def send(self, request: requests.PreparedRequest, *args: Any,
             **kw: Any) -> requests.Response:
        # the re-read is a /composite of GET queries: only the writes are lost
        body = request.body or b""
        text = body.decode() if isinstance(body, bytes) else body
        is_write = request.method != "GET" and '"method": "GET"' not in text
        if self.refuse and is_write:
            raise requests.exceptions.ConnectionError(
                ConnectionRefusedError(111, "Connection refused"), request=request)
        resp = super().send(request, *args, **kw)
        if self.lose_after and is_write:
            raise requests.exceptions.ReadTimeout("read timed out", request=request)
        return resp


def status_of(org: DemoOrg, run_id: str) -> str:
    row = org.store.get("FlowOrchestrationInstance", run_id)
    assert row is not None
    return str(row["Status"])


def open_client(org: DemoOrg, adapter: EmulatorAdapter | None = None) -> SalesforceClient:
    conn = quiet_connection(org)
    if adapter is not None:
        def session() -> TimeoutSession:
            s = TimeoutSession()
            s.mount("https://", adapter)
            return s
        conn.session_factory = session
    client, _caps = conn.open()
    return client


@pytest.fixture
def client(org: DemoOrg) -> SalesforceClient:
    return open_client(org)


@pytest.fixture
def audit(tmp_path: Path) -> AuditLog:
    return AuditLog(tmp_path / "audit.jsonl")


def send(client: SalesforceClient, reqs: list[w.WriteRequest], audit: AuditLog) -> w.WriteReport:
    return send_writes(client, reqs, audit=audit, profile="demo", org_id="00Ddemo",
                       user="admin@demo", read_only=False)


def rows(client: SalesforceClient, soql: str) -> list[dict[str, Any]]:
    return client.query(soql)


def plain_items(client: SalesforceClient, n: int) -> list[dict[str, Any]]:
    """Open work items of runs that are not approval runs (plain PATCH reassigns)."""
    return rows(client, "SELECT Id, Label, AssigneeId FROM FlowOrchestrationWorkItem WHERE "
                "Status = 'Assigned' AND (NOT StepInstance.OrchestrationInstance.FlowType "
                "LIKE 'Approval%') "
                f"ORDER BY Id LIMIT {n}")


def active_user(client: SalesforceClient) -> str:
    return str(rows(client, "SELECT Id FROM User WHERE IsActive = true AND UserType = "
                    "'Standard' ORDER BY Id LIMIT 1")[0]["Id"])


def open_runs(client: SalesforceClient, n: int) -> list[dict[str, Any]]:
    return rows(client, "SELECT Id, Name FROM FlowOrchestrationInstance WHERE Status = "
                f"'InProgress' AND (NOT FlowType LIKE 'Approval%') ORDER BY Id LIMIT {n}")


def test_read_only_refuses_before_any_call_or_audit_line(client: SalesforceClient,
                                                         audit: AuditLog) -> None:
    run = open_runs(client, 1)[0]
    before = client.stats.calls
    with pytest.raises(WritesRefused, match="--write"):
        send_writes(client, [w.cancel_request(run["Id"], run["Name"])], audit=audit,
                    profile="demo", org_id="00D", user=None)  # a bare name is read-only
    assert client.stats.calls == before and audit.entries() == []


def test_one_write_is_one_call_audited_before_and_after(client: SalesforceClient,
                                                        audit: AuditLog) -> None:
    run = open_runs(client, 1)[0]
    before = client.stats.calls
    report = send(client, [w.cancel_request(run["Id"], run["Name"])], audit)
    assert client.stats.calls - before == 1
    assert report.all_ok and report.outcomes[0].status == 204
    assert rows(client, "SELECT Status FROM FlowOrchestrationInstance WHERE Id = "
                f"'{run['Id']}'")[0]["Status"] == "Canceled"
    first, last = audit.entries()
    assert (first["phase"], last["phase"]) == ("before", "after")
    assert first["method"] == "PATCH" and first["body"] == {"Status": "Canceled"}
    assert first["path"] == f"/services/data/v{client.version}/sobjects/" \
        f"FlowOrchestrationInstance/{run['Id']}"
    assert first["record_ids"] == [run["Id"]] and first["profile"] == "demo"
    assert first["org_id"] == "00Ddemo" and first["user"] == "admin@demo"
    assert last["status"] == 204 and last["results"][0]["ok"] is True


def test_bulk_goes_through_composite_and_reports_each_record(client: SalesforceClient,
                                                             audit: AuditLog) -> None:
    items = plain_items(client, 27)
    assert len(items) == 27
    good = active_user(client)
    inactive = str(rows(client, "SELECT Id FROM User WHERE IsActive = false LIMIT 1")[0]["Id"])
    reqs = [w.reassign_request(i["Id"], i["Label"], inactive if n == 3 else good)
            for n, i in enumerate(items)]
    before = client.stats.calls
    report = send(client, reqs, audit)
    assert client.stats.calls - before == 2  # 25 + 2
    assert [o.record_id for o in report.outcomes] == [i["Id"] for i in items]
    assert len(report.succeeded) == 26 and len(report.failed) == 1
    bad = report.failed[0]
    assert bad.record_id == items[3]["Id"] and bad.error_code == "INACTIVE_OWNER_OR_USER"
    assert bad.message == "operation performed with inactive user"
    entries = audit.entries()
    assert [(e["phase"], e["call"], len(e["record_ids"])) for e in entries] == [
        ("before", "1/2", 25), ("after", "1/2", 25), ("before", "2/2", 2), ("after", "2/2", 2)]
    assert entries[0]["path"].endswith("/composite")


def test_refusals_come_back_with_salesforces_code(org: DemoOrg, client: SalesforceClient,
                                                  audit: AuditLog) -> None:
    run = open_runs(client, 2)
    org.set_permissions(ALL - {"ManageOrchestrationRuns"})
    report = send(client, [w.cancel_request(r["Id"], r["Name"]) for r in run], audit)
    assert [o.error_code for o in report.failed] == ["INSUFFICIENT_ACCESS_OR_READONLY"] * 2
    assert report.summary() == "2 writes: 0 succeeded, 2 failed."


def test_approval_writes_use_the_actions(org: DemoOrg, client: SalesforceClient,
                                         audit: AuditLog) -> None:
    items = rows(client, "SELECT Id, Label, AssigneeId FROM FlowOrchestrationWorkItem WHERE "
                 "Status = 'Assigned' AND StepInstance.OrchestrationInstance.FlowType "
                 "LIKE 'Approval%' "
                 "ORDER BY Id LIMIT 3")
    mapping = targets.approval_ids(client, [i["Id"] for i in items] + [
        i["Id"] for i in plain_items(client, 2)])
    assert set(mapping) == {i["Id"] for i in items}
    good = active_user(client)
    reqs = [w.reassign_request(i["Id"], i["Label"], good,
                               approval_work_item_id=mapping[i["Id"]]) for i in items]
    org.set_permissions(ALL - {"ApprovalAdmin"})
    refused = send(client, reqs, audit)
    assert [o.error_code for o in refused.outcomes] == ["INSUFFICIENT_ACCESS_OR_READONLY"] * 3
    org.set_permissions(ALL)
    before = client.stats.calls
    report = send(client, reqs, audit)
    assert report.all_ok and client.stats.calls - before == 1
    after = rows(client, "SELECT AssigneeId FROM FlowOrchestrationWorkItem WHERE Id IN ("
                 + ", ".join(f"'{i['Id']}'" for i in items) + ")")
    assert {r["AssigneeId"] for r in after} == {good}
    runs = rows(client, "SELECT Id, Name FROM FlowOrchestrationInstance WHERE Status = "
                "'InProgress' AND FlowType LIKE 'Approval%' ORDER BY Id LIMIT 1")
    subs = targets.approval_submissions(client, [runs[0]["Id"]])
    cancel = send(client, [w.cancel_request(runs[0]["Id"], runs[0]["Name"],
                                            approval_submission_id=subs[runs[0]["Id"]])], audit)
    assert cancel.all_ok
    assert rows(client, "SELECT Status FROM FlowOrchestrationInstance WHERE Id = "
                f"'{runs[0]['Id']}'")[0]["Status"] == "Canceled"


def test_a_lost_answer_is_unknown_and_re_read(org: DemoOrg, audit: AuditLog) -> None:
    adapter = LosingAdapter(org, sleep=lambda _s: None)
    client = open_client(org, adapter)
    run_a, run_b = open_runs(client, 2)
    adapter.lose_after = True
    before = client.stats.calls
    report = send(client, [w.cancel_request(run_a["Id"], run_a["Name"])], audit)
    out = report.outcomes[0]
    assert out.unknown and not out.ok and report.unknown == (out,)
    assert "outcome unknown" in out.message and "the run is Canceled now" in out.message
    # one write (never retried) and one re-read
    assert client.stats.calls - before <= 2
    assert status_of(org, run_a["Id"]) == "Canceled"
    assert audit.entries()[-1]["outcome"] == "unknown"
    adapter.lose_after = False
    adapter.refuse = True
    refused = send(client, [w.cancel_request(run_b["Id"], run_b["Name"])], audit)
    assert refused.failed[0].error_code == "NOT_SENT" and not refused.unknown
    assert status_of(org, run_b["Id"]) == "InProgress"


def test_a_dropped_write_is_not_retried_and_the_re_read_says_still(org: DemoOrg,
                                                                    audit: AuditLog) -> None:
    client = open_client(org)
    run = open_runs(client, 1)[0]
    org.faults.update(drop_rate=1.0)
    report = send(client, [w.cancel_request(run["Id"], run["Name"])], audit)
    org.faults.clear()
    out = report.outcomes[0]
    assert out.unknown and "re-reading it failed too" in out.message
    assert [e["phase"] for e in audit.entries()] == ["before", "after"]
    assert status_of(org, run["Id"]) == "InProgress"


def test_a_server_error_on_a_write_is_sent_once(org: DemoOrg, audit: AuditLog) -> None:
    client = open_client(org)
    run = open_runs(client, 1)[0]
    seen: list[str] = []
    client.session.on_response.append(lambda r: seen.append(r.request.method or ""))
    org.faults.update(error_rate=1.0)
    report = send(client, [w.cancel_request(run["Id"], run["Name"])], audit)
    org.faults.clear()
    assert seen.count("PATCH") == 1  # and the re-read (a GET) may be retried
    assert report.outcomes[0].unknown and report.outcomes[0].status in (500, 503)


def test_find_assignees_escapes_and_finds_users_queues_and_groups(
        client: SalesforceClient) -> None:
    found = targets.find_assignees(client, "a")
    kinds = {a.kind for a in found}
    assert "User" in kinds and all(a.active for a in found)
    queues = targets.find_assignees(client, "Vendor Management")
    assert [(a.kind, a.name) for a in queues] == [("Queue", "Vendor Management")]
    assert targets.find_assignees(client, "O'Brien")[0].name == "Tim O'Brien"
    assert targets.find_assignees(client, "%") == []  # a literal percent, not a wildcard
    assert targets.find_assignees(client, "Linus") == []  # inactive users are not offered
    few = targets.find_assignees(client, "e", limit=4)  # many users match, and queues too
    assert len(few) == 4 and few[-1].kind in ("Queue", "Group") and few[0].kind == "User"


def test_check_assignee(client: SalesforceClient) -> None:
    inactive = str(rows(client, "SELECT Id FROM User WHERE IsActive = false LIMIT 1")[0]["Id"])
    with pytest.raises(targets.AssigneeRefused, match="inactive user"):
        targets.check_assignee(client, inactive)
    with pytest.raises(targets.AssigneeRefused, match="names no user"):
        targets.check_assignee(client, "005RM000000zzzzYAA")
    queue = targets.find_assignees(client, "Deal Desk")[0]
    assert targets.check_assignee(client, queue.id) == queue


def test_frozen_users_and_memberless_queues_are_refused_and_marked(
        client: SalesforceClient) -> None:
    """A frozen user and a queue whose members are all inactive would hold the work as
    surely as an inactive user: the picker's list marks them, the check refuses them."""
    frozen = targets.find_assignees(client, "Tim O'Brien")[0]
    assert frozen.frozen is True and frozen.dead_end is not None
    with pytest.raises(targets.AssigneeRefused, match="frozen user"):
        targets.check_assignee(client, frozen.id)
    with pytest.raises(targets.AssigneeRefused, match="frozen user"):
        targets.resolve_assignee(client, "Tim O'Brien")
    empty = targets.find_assignees(client, "Vendor Management")[0]
    assert empty.members == 0 and empty.dead_end == "a queue with no active member"
    with pytest.raises(targets.AssigneeRefused, match="queue with no active member"):
        targets.check_assignee(client, empty.id)
    with pytest.raises(targets.AssigneeRefused, match="pick an active, unfrozen user"):
        targets.resolve_assignee(client, "vendor management")
    staffed = targets.find_assignees(client, "Deal Desk")[0]
    assert staffed.members and staffed.dead_end is None
    fine = targets.find_assignees(client, "a")
    assert [a for a in fine if a.kind == "User" and a.frozen is False]


def test_frozen_state_unknown_without_manage_users_is_allowed(org: DemoOrg,
                                                              client: SalesforceClient) -> None:
    """UserLogin is refused without Manage Users: frozen is unknown, said, and allowed."""
    org.set_permissions(ALL - {"ManageUsers"})
    frozen = targets.find_assignees(client, "Tim O'Brien")[0]
    assert frozen.frozen is None and frozen.caveat == targets.FROZEN_UNKNOWN
    assert targets.check_assignee(client, frozen.id).caveat == targets.FROZEN_UNKNOWN
    assert targets.resolve_assignee(client, "Tim O'Brien").id == frozen.id
    items = [str(i["Id"]) for i in plain_items(client, 1)]
    prepared = W.prepare_reassign(client, items, frozen.id)
    assert prepared.requests and any(targets.FROZEN_UNKNOWN in n for n in prepared.notes)
    with pytest.raises(targets.AssigneeRefused, match="no active member"):
        targets.check_assignee(client, targets.find_assignees(client, "Vendor Management")[0].id)


def test_interviews_of_runs_and_their_failure_time(client: SalesforceClient) -> None:
    run = rows(client, "SELECT Id, InterviewId FROM FlowOrchestrationInstance WHERE Status = "
               "'Error' AND InterviewId != null ORDER BY Id LIMIT 1")[0]
    (found,) = targets.interviews_of(client, [run["Id"]])
    assert found.interview_id == run["InterviewId"] and found.run_status == "Error"
    assert found.failed_at is not None
    back = targets.runs_of_interviews(client, [run["InterviewId"]])
    assert back[run["InterviewId"]] == found


def test_restful_retries_reads_only(org: DemoOrg) -> None:
    client = open_client(org)
    seen: list[str] = []
    client.session.on_response.append(lambda r: seen.append(r.request.method or ""))
    org.faults.update(error_rate=1.0)
    with pytest.raises(OrgUnavailable):
        client.restful("sobjects/FlowOrchestrationEvent", method="POST",
                       json={"OrchestrationInstanceId": "0jERM000000zzzzAAA"})
    with pytest.raises(OrgUnavailable):
        client.restful("limits")
    org.faults.clear()
    assert seen.count("POST") == 1 and seen.count("GET") == 3


def test_an_expired_session_is_renewed_and_the_write_sent_once(
        org: DemoOrg, clock: ManualClock, audit: AuditLog) -> None:
    """A refused session runs nothing, so the write goes again after logging in again."""
    client = open_client(org)
    run = open_runs(client, 1)[0]
    seen: list[tuple[str, int]] = []
    client.session.on_response.append(lambda r: seen.append((r.request.method or "",
                                                             r.status_code)))
    org.faults.update(session_expiry_seconds=60)
    clock.advance(61)
    report = send(client, [w.cancel_request(run["Id"], run["Name"])], audit)
    org.faults.clear()
    assert report.all_ok and status_of(org, run["Id"]) == "Canceled"
    assert [s for s in seen if s[0] == "PATCH"] == [("PATCH", 401), ("PATCH", 204)]


def test_an_audit_log_that_cannot_be_written_stops_the_write(
        org: DemoOrg, client: SalesforceClient, tmp_path: Path) -> None:
    run = open_runs(client, 1)[0]
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("")
    before = client.stats.calls
    report = send(client, [w.cancel_request(run["Id"], run["Name"])],
                  AuditLog(blocked / "audit.jsonl"))
    assert client.stats.calls == before  # nothing sent
    assert report.failed[0].error_code == "AUDIT_LOG_FAILED"
    assert report.failed[0].message.startswith("not sent: the audit log")
    assert status_of(org, run["Id"]) == "InProgress"


class AfterFails(AuditLog):
    def record(self, entry: Mapping[str, Any]) -> None:
        if entry.get("phase") == "after":
            raise OSError(28, "No space left on device")
        super().record(entry)


def test_an_answer_the_log_cannot_record_is_still_reported(
        org: DemoOrg, client: SalesforceClient, tmp_path: Path) -> None:
    run = open_runs(client, 1)[0]
    report = send(client, [w.cancel_request(run["Id"], run["Name"])],
                  AfterFails(tmp_path / "audit.jsonl"))
    assert report.all_ok and "could not record the answer: No space left" in \
        report.outcomes[0].message
    assert status_of(org, run["Id"]) == "Canceled"


def test_the_re_read_after_many_lost_answers_is_chunked(
        org: DemoOrg, audit: AuditLog, monkeypatch: pytest.MonkeyPatch) -> None:
    from flowstage_tui.engine import actions
    from flowstage_tui.salesforce.target_queries import id_chunks

    adapter = LosingAdapter(org, sleep=lambda _s: None)
    client = open_client(org, adapter)
    runs = open_runs(client, 6)
    monkeypatch.setattr(actions, "id_chunks", lambda ids: id_chunks(ids, 1))
    adapter.lose_after = True
    before = client.stats.calls
    report = send(client, [w.cancel_request(r["Id"], r["Name"]) for r in runs], audit)
    assert len(report.unknown) == 6
    assert all("the run is Canceled now" in o.message for o in report.outcomes)
    assert client.stats.calls - before == 2  # re-reads of 5 + 1 (the lost write: no answer)


def test_plans_route_approval_records_to_their_actions(client: SalesforceClient) -> None:
    from flowstage_tui.engine import plans

    approval = rows(client, "SELECT Id, Label FROM FlowOrchestrationWorkItem WHERE Status = "
                    "'Assigned' AND StepInstance.OrchestrationInstance.FlowType LIKE "
                    "'Approval%' ORDER BY Id LIMIT 1")[0]
    plain = plain_items(client, 1)[0]
    reqs = plans.reassign_requests(client, [(plain["Id"], plain["Label"]),
                                            (approval["Id"], approval["Label"])],
                                   active_user(client), comments="covering")
    assert [r.method for r in reqs] == ["PATCH", "POST"]
    assert reqs[0].body == {"AssigneeId": active_user(client)}  # no comments on a PATCH
    assert reqs[1].body is not None and reqs[1].body["inputs"][0]["comments"] == "covering"
    runs = rows(client, "SELECT Id, Name FROM FlowOrchestrationInstance WHERE Status = "
                "'InProgress' ORDER BY FlowType LIMIT 1") + open_runs(client, 1)
    cancels = plans.cancel_requests(client, [(r["Id"], r["Name"]) for r in runs])
    assert [c.path for c in cancels] == ["actions/standard/cancelApprovalSubmission",
                                         f"sobjects/FlowOrchestrationInstance/{runs[1]['Id']}"]


def test_a_server_error_inside_a_composite_is_unknown_not_failed(
        org: DemoOrg, client: SalesforceClient, audit: AuditLog) -> None:
    """The demo org's subrequest fault answers 500 after the change was made: reporting it
    "failed" would invite sending it again."""
    runs = open_runs(client, 2)
    org.faults.update(subrequest_error_rate=1.0)
    report = send(client, [w.cancel_request(r["Id"], r["Name"]) for r in runs], audit)
    org.faults.clear()
    assert len(report.unknown) == 2 and not report.failed
    assert all(o.status == 500 and "server error" in o.message for o in report.outcomes)
    assert [status_of(org, r["Id"]) for r in runs] == ["Canceled", "Canceled"]
