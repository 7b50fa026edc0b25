"""The write commands: reassign, cancel, interviews delete, nudge; and `audit`, which reads.

Each write command checks its input, reads its targets (one or two calls), prints the plan
(the exact requests, engine.actions sends what salesforce.writes previews), asks unless --yes
(never without a terminal), sends through engine.actions.send_writes (audited, never
retried) and reports per record. Exit 0 when every write succeeded, 1 when any failed or its
outcome is unknown (or the user said no), 2 on bad input or a read-only profile.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TextIO

from ..errors import UsageError
from ..export import clean_text
from ..salesforce import writes as w
from ..salesforce.ids import normalise
from . import write_output as show

if TYPE_CHECKING:
    from ..engine.targets import RunTarget
    from ..engine.write_plans import PreparedWrite
    from ..salesforce.client import SalesforceClient
    from .context import Context

FORMATS = ("table", "json", "jsonl", "csv")
PREFIX = {"work item": "0jR", "run": "0jE", "interview": "0Fo"}


def configure_parser(p: argparse.ArgumentParser, name: str,
                     add_common: Callable[[argparse.ArgumentParser], None],
                     parser_class: type[argparse.ArgumentParser]) -> None:
    """The options of `name` (one of WRITE_COMMANDS or "audit")."""
    if name == "audit":
        p.description = ("The audit log: every write flowstage sent, before and after (JSON "
                         "lines in the state directory). Reads only.")
        add_common(p)
        p.add_argument("--limit", type=_count, default=50, help="the last N entries (50)")
        p.add_argument("--format", choices=FORMATS, default="table",
                       help="table for people (default); json, jsonl or csv for scripts")
        return
    target = p
    if name == "interviews":
        p.description = "Flow interviews of orchestration runs."
        sub = p.add_subparsers(dest="action", required=True, parser_class=parser_class)
        target = sub.add_parser("delete", help="delete the interview of a canceled or "
                                "finished run (needs Manage Flow)")
        target.description = (
            "Delete the paused or failed interview of a canceled or finished run (DELETE "
            "sobjects/FlowInterview/{id}). An Error run's interview inside its 14-day resume "
            "window is refused unless --confirm names the run: deleting it ends any resume.")
        target.add_argument("ids", nargs="+", metavar="INTERVIEW",
                            help="interview Id (0Fo…), or a run (0jE… or its Name) for its "
                            "interview")
        target.add_argument("--confirm", action="append", default=[], metavar="RUN_NAME",
                            help="the run's name, typed: allows deleting the interview of an "
                            "Error run still inside its resume window (once per run)")
    elif name == "reassign":
        p.description = ("Reassign work items (PATCH FlowOrchestrationWorkItem AssigneeId; "
                         "an approval work item through reassignApprovalWorkItem).")
        p.add_argument("ids", nargs="+", metavar="WORKITEM", help="work item Id (0jR…)")
        p.add_argument("--to", required=True, metavar="USER",
                       help="an active user, queue or group: Id, username or name")
        p.add_argument("--comments", metavar="TEXT",
                       help="comments for approval work items (the action records them)")
    elif name == "cancel":
        p.description = ("Cancel orchestration runs (PATCH FlowOrchestrationInstance Status "
                         "Canceled; an approval run by cancelApprovalSubmission).")
        p.add_argument("ids", nargs="+", metavar="RUN", help="run Id (0jE…) or Name")
    elif name == "nudge":
        p.description = ("Nudge waiting runs to re-evaluate their current stage (POST "
                         "FlowOrchestrationEvent).")
        p.add_argument("ids", nargs="+", metavar="RUN", help="run Id (0jE…) or Name")
    add_common(target)
    mode = target.add_mutually_exclusive_group()
    mode.add_argument("--write", action="store_true",
                      help="allow writes for this command (each is previewed and confirmed); "
                      "or set read_only = false in the profile")
    mode.add_argument("--read-only", action="store_true", help="refuse every write")
    target.add_argument("--dry-run", action="store_true",
                        help="print the exact requests and send nothing (needs no --write)")
    target.add_argument("-y", "--yes", action="store_true",
                        help="send without asking (scripts; without a terminal it is required)")
    target.add_argument("--format", choices=FORMATS, default="table",
                        help="table for people (default); json, jsonl or csv for scripts")


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected 1 or more, got {text!r}")
    return value


# ------------------------------------------------------------------ input

def record_ids(values: Sequence[str], kind: str) -> list[str]:
    """Ids the user typed, normalised to 18 characters; a wrong one is exit 2 naming it."""
    out: list[str] = []
    for value in values:
        rid = normalise(value.strip())
        if rid is None or not rid.startswith(PREFIX[kind]):
            article = "an" if kind[0] in "aeiou" else "a"
            raise UsageError(f"{value!r} is not {article} {kind} Id ({PREFIX[kind]}…, 15 or 18 "
                             "characters)")
        out.append(rid)
    return list(dict.fromkeys(out))


def _runs(client: SalesforceClient, values: Sequence[str]) -> list[RunTarget]:
    """Runs named by Id or Name, in the order given; any not found is exit 2."""
    from ..engine import targets

    ids = {v: str(normalise(v)) for v in values
           if normalise(v) is not None and v.startswith("0jE")}
    by_id = targets.runs(client, list(ids.values()))
    by_name = targets.runs_named(client, [v for v in values if v not in ids])
    found: dict[str, RunTarget] = {}
    missing: list[str] = []
    for v in values:
        run = by_id.get(ids[v]) if v in ids else by_name.get(v)
        if run is None:
            missing.append(v)
        else:
            found.setdefault(run.id, run)
    if missing:
        raise UsageError(f"no orchestration run {listed([repr(m) for m in missing])} in this org; "
                         "pass run Ids (0jE…) or Names as `flowstage runs` shows them")
    return list(found.values())


LISTED = 10  # ids/lines an error names before "… and N more": one line, never 200 KB


def listed(values: Sequence[str], sep: str = ", ") -> str:
    """`values` joined, the first LISTED of them and how many more."""
    head = sep.join(values[:LISTED])
    more = len(values) - LISTED
    return f"{head}{sep.rstrip()} … and {more:,} more" if more > 0 else head


def build_requests(ctx: Context, client: SalesforceClient, name: str,
                   args: argparse.Namespace) -> tuple[PreparedWrite, list[str]]:
    """What engine.write_plans prepares (the TUI's one source of truth: fresh reads, records
    the org would refuse or that would change nothing left out, one line each), and the
    plan's lines about the records (current holder, run)."""
    from ..engine import targets
    from ..engine import write_plans as wp

    if name == "reassign":
        ids = record_ids(args.ids, "work item")
        if not args.to.strip():
            raise UsageError("--to: empty; pass an active user's username, name or Id, or a "
                             "queue's or group's name or Id")
        assignee = targets.resolve_assignee(client, args.to)
        items = targets.work_items(client, ids)
        missing = [i for i in ids if i not in items]
        if missing:
            raise UsageError(f"no work item {listed(missing)} in this org; pass work item "
                             "Ids (0jR…) as `flowstage show RUN` lists them")
        prepared = wp.prepare_reassign(client, ids, assignee.id, comments=args.comments,
                                       checked=assignee)
        sent = {r.record_id for r in prepared.requests}
        notes = [f"{i}  {clean_text(items[i].label)} ({items[i].status}): "
                 f"{clean_text(items[i].assignee_name or items[i].assignee_id or 'nobody')} → "
                 f"{clean_text(assignee.describe())}" for i in ids if i in sent]
        return prepared, notes
    if name in ("cancel", "nudge"):
        runs = _runs(client, args.ids)
        prepare = wp.prepare_cancel if name == "cancel" else wp.prepare_nudge
        prepared = prepare(client, [r.id for r in runs])
        sent = {r.record_id for r in prepared.requests}
        return prepared, [f"{r.id}  {r.name} ({r.status})" for r in runs if r.id in sent]
    return _delete_requests(ctx, client, args)


def _delete_requests(ctx: Context, client: SalesforceClient,
                     args: argparse.Namespace) -> tuple[PreparedWrite, list[str]]:
    from ..engine import targets
    from ..engine import write_plans as wp

    interview_ids = [v for v in args.ids if v.startswith("0Fo")]
    run_words = [v for v in args.ids if v not in interview_ids]
    found = targets.runs_of_interviews(client, record_ids(interview_ids, "interview"))
    missing = [v for v in record_ids(interview_ids, "interview") if v not in found]
    if missing:
        raise UsageError(f"no interview {listed(missing)} belongs to an orchestration run "
                         "in this org; flowstage deletes only runs' interviews")
    named = _runs(client, run_words) if run_words else []
    run_ids = list(dict.fromkeys([*(t.run_id for t in found.values()), *(r.id for r in named)]))
    names = {t.run_name for t in found.values()} | {r.name for r in named}
    wrong = [c for c in args.confirm if c not in names]
    if wrong:
        raise UsageError(f"--confirm {listed(wrong)}: wrong, it names no run being deleted "
                         "here; pass --confirm with the run's Name exactly (OR-…)")
    now = client.server_time or ctx.clock()
    prepared = wp.prepare_delete(client, run_ids, now, confirmed=set(args.confirm),
                                 how="pass --confirm {name}")
    targets_now = {t.interview_id: t for t in targets.interviews_of(client, run_ids)}
    notes = []
    for r in prepared.requests:
        t = targets_now.get(r.record_id)
        if t is not None:
            window = f", {w.window_text(t.failed_at, now)}" if t.run_status == "Error" else ""
            notes.append(f"{t.interview_id}  interview of {t.run_name} ({t.run_status}"
                         f"{window})")
    return prepared, notes


# ------------------------------------------------------------------ the command

def cmd_write(ctx: Context, name: str, args: argparse.Namespace,
              stream: TextIO | None = None, stdin: TextIO | None = None) -> int:
    from ..engine.actions import WritesRefused, send_writes
    from ..engine.audit import AuditLog

    stream = stream or sys.stdout
    stdin = stdin or sys.stdin
    if ctx.read_only and not args.dry_run:
        raise WritesRefused(ctx.profile.name)  # before any call
    if not args.yes and not args.dry_run and not _is_terminal(stdin):
        raise UsageError("no terminal to confirm on: pass --yes to send without asking, or "
                         "--dry-run to see the requests")
    conn = ctx.connection()
    client, _caps = conn.open()
    prepared, notes = build_requests(ctx, client, name, args)
    left_out = [clean_text(line) for line in prepared.skipped]
    if not prepared.requests:
        raise UsageError(f"nothing to send: {listed(left_out, '; ')}")
    reqs = list(prepared.requests)
    notes = [*notes, *(clean_text(n) for n in prepared.notes),
             *(f"left out: {line}" for line in left_out)]
    org_name = conn.org.name if conn.org is not None else "the org"
    where = f"{ctx.profile.label} ({org_name})"
    plan_to = stream if args.format == "table" else sys.stderr
    if args.dry_run:
        if args.format != "table":  # the requests go to stdout; what was left out, aside
            for line in left_out:
                sys.stderr.write(f"left out: {line}\n")
        show.dry_run(stream, args.format, name, reqs, notes, client.version, where,
                     ctx.read_only)
        return 0
    show.plan(plan_to, name, reqs, notes, client.version, where)
    if not args.yes and not _confirm(f"Send {len(reqs)} request(s) to {where}? [y/N] ", stdin):
        plan_to.write("Nothing sent.\n")
        return 1
    org_id = conn.org.org_id if conn.org is not None else "unknown-org"
    report = send_writes(client, reqs, audit=AuditLog(clock=ctx.clock), profile=ctx.profile,
                         org_id=org_id, user=_user(ctx, client), read_only=ctx.read_only)
    show.report(stream, args.format, report)
    return 0 if report.all_ok else 1


def _is_terminal(stdin: TextIO) -> bool:
    """Someone who can answer: standard input is a terminal (a closed one is not)."""
    try:
        return stdin.isatty()
    except (AttributeError, ValueError):
        return False


def _confirm(question: str, stdin: TextIO) -> bool:
    sys.stderr.write(question)
    sys.stderr.flush()
    answer = stdin.readline()
    return answer.strip().lower() in ("y", "yes")


def _user(ctx: Context, client: SalesforceClient) -> str | None:
    """Who writes, for the audit log: the profile's username, else the session's user Id
    (the identity URL ends in /ORGID/USERID), at the cost of one call."""
    from ..errors import FlowstageError

    named = ctx.profile.get("username")
    if named:
        return str(named)
    try:
        who = client.restful("")
    except FlowstageError:
        return None
    identity = who.get("identity") if isinstance(who, dict) else None
    return str(identity).rstrip("/").rsplit("/", 1)[-1] if identity else None


def cmd_audit(ctx_profile: str | None, limit: int, fmt: str,
              stream: TextIO | None = None) -> int:
    from ..engine.audit import AuditLog

    log = AuditLog()
    entries = log.entries()
    if ctx_profile is not None:
        entries = [e for e in entries if e.get("profile") == ctx_profile]
    show.audit(stream or sys.stdout, fmt, entries[-limit:], str(log.path))
    return 0
