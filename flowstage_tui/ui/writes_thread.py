"""The writes' requests to an org's API thread, and what that thread does with them.

Three kinds, queued like a poll (DESIGN rule 5: writes go through the org's one API thread):
- FindAssignees: the assignee picker's type-ahead (a newer search supersedes an older one);
- PrepareWrite: fresh reads of the picked records and the exact requests for the confirm
  dialog (engine/write_plans.py);
- SendWrites: the confirmed requests, sent once through engine.actions.send_writes, which
  writes the audit log before and after each call. Never dropped, merged or retried.

Each answer goes back as a typed message of immutable values (ui/messages.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from textual.message import Message

from ..errors import FlowstageError
from .messages import AssigneesFound, WritePrepared, WritesDone

if TYPE_CHECKING:
    from ..engine.sync import SyncEngine
    from ..engine.write_plans import PreparedWrite
    from ..salesforce.client import SalesforceClient
    from ..salesforce.writes import WriteReport, WriteRequest


@dataclass(frozen=True)
class FindAssignees:
    text: str


@dataclass(frozen=True)
class PrepareWrite:
    action: str  # "reassign" | "cancel" | "delete" | "nudge"
    ids: tuple[str, ...]  # work items (reassign) or runs
    assignee_id: str | None = None


@dataclass(frozen=True)
class SendWrites:
    action: str
    requests: tuple[WriteRequest, ...]
    profile: str
    read_only: bool  # the session's decision (the profile, or --write)
    user: str | None = None  # the profile's username, when it names one
    audit_path: Path | None = None  # None: the state directory's audit log


WriteJob = FindAssignees | PrepareWrite | SendWrites

NOT_CONNECTED = "Not connected to the org yet; try again once the runs are in."


def handle_write(engine: SyncEngine, request: WriteJob, clock: Callable[[], datetime],
                 post: Callable[[Message], None]) -> None:
    """Do one writes' request on the API thread and post its answer."""
    client = engine.client
    if isinstance(request, FindAssignees):
        if client is None:
            post(AssigneesFound(request.text, FlowstageError(NOT_CONNECTED)))
            return
        from ..engine.targets import find_assignees

        try:
            post(AssigneesFound(request.text, tuple(find_assignees(client, request.text))))
        except FlowstageError as exc:
            post(AssigneesFound(request.text, exc))
        return
    if isinstance(request, PrepareWrite):
        post(WritePrepared(request.action, _prepare(engine, request, clock)))
        return
    post(WritesDone(request.action, _send(engine, request)))


def _prepare(engine: SyncEngine, request: PrepareWrite,
             clock: Callable[[], datetime]) -> PreparedWrite | FlowstageError:
    from ..engine import write_plans as W

    client = engine.client
    if client is None:
        return FlowstageError(NOT_CONNECTED)
    try:
        if request.action == "reassign":
            if request.assignee_id is None:
                return FlowstageError("No assignee chosen.")
            return W.prepare_reassign(client, request.ids, request.assignee_id)
        if request.action == "cancel":
            return W.prepare_cancel(client, request.ids)
        if request.action == "delete":
            return W.prepare_delete(client, request.ids, clock())
        return W.prepare_nudge(client, request.ids)
    except FlowstageError as exc:
        return exc


def _send(engine: SyncEngine, request: SendWrites) -> WriteReport | FlowstageError:
    from ..engine.actions import send_writes
    from ..engine.audit import AuditLog

    client, org = engine.client, engine.snapshot.org
    if client is None or org is None:
        return FlowstageError(NOT_CONNECTED + " Nothing was sent.")
    try:
        user = request.user or org.username or org.user_id or _session_user(client)
        return send_writes(client, request.requests, audit=AuditLog(request.audit_path),
                           profile=request.profile, org_id=org.org_id, user=user,
                           read_only=request.read_only)
    except FlowstageError as exc:
        return exc
    except OSError as exc:  # the audit log cannot be written: a write not recorded is not sent
        return FlowstageError(f"The audit log could not be written ({exc}); nothing more "
                              "was sent.")


def _session_user(client: SalesforceClient) -> str | None:
    """Who the session is, for the audit log, when the profile does not say: the user Id
    the identity URL ends in (/ORGID/USERID), one read (as `flowstage` on the command line
    finds it)."""
    try:
        who = client.restful("")
    except FlowstageError:
        return None
    identity = who.get("identity") if isinstance(who, dict) else None
    return str(identity).rstrip("/").rsplit("/", 1)[-1] if identity else None
