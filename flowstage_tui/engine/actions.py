"""Sending the triage writes: once each, audited before and after, every answer an outcome.

One request travels as itself; several in /composite calls of 25 (allOrNone=false), each
subresponse mapped back to its record. Nothing here retries: a write whose answer was lost
is reported "outcome unknown" and its records are re-read (one composite call) to say what
the org holds now. Org refusals and network failures become outcomes, never exceptions; the
only exceptions are WritesRefused (read-only, checked before any call or audit line) and the
audit log's own I/O errors (a write that cannot be recorded is not sent).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..config.store import Profile
from ..errors import FlowstageError
from ..salesforce.client import WriteNotAnswered
from ..salesforce.soql import quote
from ..salesforce.target_queries import id_chunks
from ..salesforce.writes import (
    INTERVIEW,
    RUN,
    WORK_ITEM,
    PlannedCall,
    WriteOutcome,
    WriteReport,
    WriteRequest,
    outcome_of,
    plan_calls,
)
from .audit import AuditLog

if TYPE_CHECKING:
    from ..salesforce.client import SalesforceClient


class WritesRefused(FlowstageError):
    """The profile is read-only: nothing is sent."""

    exit_code = 2

    def __init__(self, profile: str) -> None:
        super().__init__(f"profile {profile!r} is read-only; pass --write, or set read_only = "
                         "false in the profile, to allow writes")


def send_writes(client: SalesforceClient, requests: Sequence[WriteRequest], *,
                audit: AuditLog, profile: Profile | str, org_id: str, user: str | None,
                read_only: bool | None = None) -> WriteReport:
    """Send `requests`; never raises for the org's or the network's failures.

    read_only: the session's decision (a `--write` flag overrides the profile); when None,
    the profile's own `read_only` decides (a bare name counts as read-only)."""
    name = profile.name if isinstance(profile, Profile) else profile
    locked = read_only if read_only is not None else (
        profile.read_only if isinstance(profile, Profile) else True)
    if locked:
        raise WritesRefused(name)
    context = {"profile": name, "org_id": org_id, "user": user}
    by_request: dict[int, WriteOutcome] = {}
    calls = plan_calls(requests, client.version)
    for number, planned in enumerate(calls, 1):
        outs = _send_call(client, planned, audit, context, f"{number}/{len(calls)}")
        for req, out in zip(planned.requests, outs, strict=True):
            by_request[id(req)] = out
    outcomes = [by_request[id(r)] for r in requests]
    unknown = [i for i, o in enumerate(outcomes) if o.unknown]
    if unknown:
        reread = reread_outcomes(client, [requests[i] for i in unknown],
                                 [outcomes[i] for i in unknown])
        for i, new in zip(unknown, reread, strict=True):
            outcomes[i] = new
    return WriteReport(tuple(outcomes))


def _entry(batch: Sequence[WriteRequest], method: str, path: str, body: Any,
           context: dict[str, Any], call: str, phase: str) -> dict[str, Any]:
    return {**context, "phase": phase, "call": call,
            "action": ",".join(sorted({r.action for r in batch})),
            "record_ids": [r.record_id for r in batch],
            "labels": [r.label for r in batch],  # the record names, for `flowstage audit`
            "method": method, "path": path, "body": body}


def _send_call(client: SalesforceClient, planned: PlannedCall, audit: AuditLog,
               context: dict[str, Any], call: str) -> list[WriteOutcome]:
    batch = planned.requests
    method, path = planned.method, planned.path
    body: Any = None if planned.body is None else dict(planned.body)
    url = planned.url(client.version)
    try:
        audit.record(_entry(batch, method, url, body, context, call, "before"))
    except OSError as exc:  # a write that cannot be recorded is not sent
        return [WriteOutcome(r.record_id, r.label, False, None, "AUDIT_LOG_FAILED",
                             f"not sent: the audit log {audit.path} cannot be written "
                             f"({exc.strerror or exc})") for r in batch]
    try:
        answer = client.send(method, path, body)
    except WriteNotAnswered as exc:
        outs = [_no_answer(r, exc) for r in batch]
        return _after(audit, outs, {**_entry(batch, method, url, None, context, call, "after"),
                                    "status": None, "error_code": "NO_ANSWER",
                                    "message": str(exc),
                                    "outcome": "unknown" if exc.maybe_sent else "not sent"})
    except FlowstageError as exc:  # the session was refused (nothing ran), no new one came
        outs = [WriteOutcome(r.record_id, r.label, False, 401, "INVALID_SESSION_ID",
                             f"not sent: {exc}") for r in batch]
        return _after(audit, outs, {**_entry(batch, method, url, None, context, call, "after"),
                                    "status": 401, "error_code": "INVALID_SESSION_ID"})
    if planned.kind == "composite":
        outs = _composite_outcomes(list(batch), answer.status, answer.body)
    elif planned.kind == "action":
        outs = _action_outcomes(list(batch), answer.status, answer.body)
    else:
        outs = [_direct_outcome(batch[0], answer.status, answer.body)]
    return _after(audit, outs, {
        **_entry(batch, method, url, None, context, call, "after"), "status": answer.status,
        "error_code": next((o.error_code for o in outs if o.error_code), None),
        "results": [{"record_id": o.record_id, "ok": o.ok, "status": o.status,
                     "error_code": o.error_code, "unknown": o.unknown} for o in outs]})


def _after(audit: AuditLog, outs: list[WriteOutcome],
           entry: dict[str, Any]) -> list[WriteOutcome]:
    """The "after" line; when it cannot be written the outcomes still stand (the write has
    happened or not), and each says the log lacks its answer."""
    try:
        audit.record(entry)
    except OSError as exc:
        note = f" (the audit log {audit.path} could not record the answer: " \
            f"{exc.strerror or exc})"
        return [WriteOutcome(o.record_id, o.label, o.ok, o.status, o.error_code,
                             o.message + note, o.unknown) for o in outs]
    return outs


def _action_outcomes(batch: list[WriteRequest], status: int, body: Any) -> list[WriteOutcome]:
    """An invocable action answers one result per input, in input order (sortOrder)."""
    if status >= 500:
        return [_direct_outcome(r, status, body) for r in batch]  # unknown: re-read
    if not isinstance(body, list):
        if status >= 300:  # the call itself was refused (an org without the action)
            return [outcome_of(r, status, body) for r in batch]
        return [WriteOutcome(r.record_id, r.label, False, status, None, "outcome unknown: "
                             "the org's answer is not a list of results", unknown=True)
                for r in batch]
    results: dict[int, Any] = {}
    for index, result in enumerate(body):
        order = result.get("sortOrder") if isinstance(result, dict) else None
        results[order if isinstance(order, int) else index] = result
    outs = []
    for i, req in enumerate(batch):
        if not isinstance(results.get(i), dict):
            outs.append(WriteOutcome(req.record_id, req.label, False, status, None,
                                     "outcome unknown: the org's answer left this record out",
                                     unknown=True))
        else:
            outs.append(outcome_of(req, 200 if results[i].get("isSuccess") else
                                   (status if status >= 300 else 400), [results[i]]))
    return outs


def _direct_outcome(req: WriteRequest, status: int, body: Any) -> WriteOutcome:
    if status >= 500:
        # A server error does not say whether the change was committed: re-read it.
        return WriteOutcome(req.record_id, req.label, False, status, f"HTTP {status}",
                            f"the org answered a server error (HTTP {status})", unknown=True)
    return outcome_of(req, status, body)


def _no_answer(req: WriteRequest, exc: WriteNotAnswered) -> WriteOutcome:
    if exc.maybe_sent:
        return WriteOutcome(req.record_id, req.label, False, None, None,
                            f"outcome unknown: {exc}", unknown=True)
    return WriteOutcome(req.record_id, req.label, False, None, "NOT_SENT",
                        f"not sent: {exc}")


def _composite_outcomes(batch: list[WriteRequest], status: int,
                        body: Any) -> list[WriteOutcome]:
    if status >= 500:
        return [_direct_outcome(r, status, body) for r in batch]
    answers = body.get("compositeResponse") if isinstance(body, dict) else None
    if status >= 300 or not isinstance(answers, list):
        # the composite call itself was refused: none of its subrequests ran
        return [outcome_of(r, status if status >= 300 else 502, body) for r in batch]
    by_ref = {a.get("referenceId"): a for a in answers if isinstance(a, dict)}
    outs = []
    for i, req in enumerate(batch):
        sub = by_ref.get(f"w{i}")
        if sub is None:
            outs.append(WriteOutcome(req.record_id, req.label, False, None, None,
                                     "outcome unknown: the org's answer left this record out",
                                     unknown=True))
            continue
        outs.append(_direct_outcome(req, int(sub.get("httpStatusCode") or 0), sub.get("body")))
    return outs


# ------------------------------------------------------------------ the re-read

def reread_outcomes(client: SalesforceClient, requests: Sequence[WriteRequest],
                    outcomes: Sequence[WriteOutcome]) -> list[WriteOutcome]:
    """After a lost answer: what the org holds now, in one composite call (a read, so it may
    be retried; the write never is). The outcomes stay unknown — the re-read says what
    happened, not which call did it — with the finding in their message."""
    subs: list[tuple[str, str]] = []
    for obj, action, fields in ((WORK_ITEM, "reassign", "Id, AssigneeId, Assignee.Name"),
                                (RUN, "cancel", "Id, Status"),
                                (INTERVIEW, "delete", "Id")):
        wanted = [r.record_id for r in requests if r.action == action]
        for n, chunk in enumerate(id_chunks(wanted)):
            subs.append((f"{action}{n}", f"SELECT {fields} FROM {obj} WHERE Id IN "
                         f"({', '.join(quote(i) for i in chunk)})"))
    rows: dict[str, dict[str, Any]] = {}
    failure: str | None = None
    try:
        for start in range(0, len(subs), 5):  # five queries a composite call
            part = subs[start:start + 5]
            res = client.composite(part)
            for ref, _soql in part:
                for row in client.records(res[ref]):
                    rows[str(row.get("Id"))] = row
    except FlowstageError as exc:
        failure = str(exc)
    out = []
    for req, old in zip(requests, outcomes, strict=True):
        found = _finding(req, rows, failure)
        out.append(WriteOutcome(old.record_id, old.label, old.ok, old.status, old.error_code,
                                f"{old.message}; {found}", unknown=True))
    return out


def _finding(req: WriteRequest, rows: dict[str, dict[str, Any]], failure: str | None) -> str:
    if req.action == "nudge":
        return "a published event cannot be read back: look at the run's current stage"
    if failure is not None:
        return f"re-reading it failed too ({failure}): look before sending again"
    row = rows.get(req.record_id)
    if req.action == "delete":
        return "the interview still exists" if row else "the interview is gone now"
    if row is None:
        return "the record cannot be read now"
    if req.action == "cancel":
        status = row.get("Status")
        return "the run is Canceled now" if status == "Canceled" else f"the run is still {status}"
    target = _target_assignee(req)
    holder = row.get("AssigneeId")
    name = (row.get("Assignee") or {}).get("Name") if isinstance(row.get("Assignee"), dict) \
        else None
    who = f"{name} ({holder})" if name else str(holder)
    if holder == target:
        return f"the work item is assigned to {who} now"
    return f"the work item is still assigned to {who}"


def _target_assignee(req: WriteRequest) -> str | None:
    body = req.body or {}
    if "AssigneeId" in body:
        return str(body["AssigneeId"])
    inputs = body.get("inputs")
    if isinstance(inputs, list) and inputs and isinstance(inputs[0], dict):
        return str(inputs[0].get("assigneeId"))
    return None
