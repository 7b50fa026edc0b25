"""`flowstage work`: the org's stuck-work queue, headless (read-only).

Every open work item of the org with its flags, in the TUI's Work view order (longest held
first). Three calls to the org: connect, the open items (with their place), who holds them.

JSON shape (stable): a list of {"id", "label", "flags": [...], "reasons": [...],
"held_seconds", "held_since", "held_source", "assignee": {"id", "name", "kind",
"member_count"}, "run": {"id", "name", "label"}, "stage", "step", "context": {"id", "type",
"name"} | null, "url"}.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, TextIO

from ..errors import FlowstageError, UsageError
from ..export import clean_text, csv_text, iso, json_text, lightning_url
from ..salesforce.work import FLAG_SHORT, Flag, WorkQueue, WorkRow, held_text
from ..salesforce.work_filter import WorkFilter, parse_flag
from . import output as out
from .context import Context

FORMATS = ("table", "json", "jsonl", "csv")
CSV_COLUMNS = ("id", "label", "flags", "held_seconds", "held_source", "assignee_id",
               "assignee", "assignee_kind", "member_count", "run_id", "run_name", "run_label",
               "stage", "step", "context_type", "context_name", "reasons", "url")
SHORT = {f: f.value for f in Flag}  # what `--flag` takes, the same words as the TUI


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.description = ("Every open work item of the org, with what holds it up: inactive, "
                     "frozen or unresolvable assignees, queues with no active member, items "
                     "held longer than the profile's stuck_after (24h). Read-only.")
    p.add_argument("--flag", action="append",
                   choices=list(dict.fromkeys([*Flag, *FLAG_SHORT.values()])), metavar="FLAG",
                   help="only items with this flag (repeat for any of several): "
                   + ", ".join(f.value for f in Flag) + " (or the TUI's short forms "
                   + ", ".join(s for f, s in FLAG_SHORT.items() if s != f.value) + ")")
    p.add_argument("--assignee", metavar="NAME", help="part of the assignee's name, or its Id")
    p.add_argument("--filter", metavar="WORDS", dest="work_filter",
                   help="the Work view's filter words: assignee=NAME held>4h held<2d "
                   "flag=inactive run=TEXT")
    p.add_argument("--format", choices=FORMATS, default="table",
                   help="table for people (default); json, jsonl or csv for scripts")
    p.add_argument("--exit-code", action="store_true",
                   help="exit 1 when any flagged item matched (for cron and monitoring)")


def work_filter(args: argparse.Namespace) -> WorkFilter:
    """--filter, narrowed by --flag and --assignee. A bad word is exit 2, naming it."""
    try:
        flt = WorkFilter.parse(args.work_filter or "")
    except FlowstageError as exc:
        raise UsageError(f"--filter: {exc}") from None
    if args.flag:
        flt = WorkFilter(flt.assignee, flt.held_over, flt.held_under,
                         flt.flags | {parse_flag(f) for f in args.flag}, flt.run)
    if args.assignee is not None:
        if not args.assignee.strip():
            raise UsageError("--assignee: empty; give part of a name or an Id")
        flt = WorkFilter(args.assignee.strip(), flt.held_over, flt.held_under, flt.flags,
                         flt.run)
    return flt


def fetch_queue(ctx: Context) -> tuple[WorkQueue, str, datetime]:
    """The org's queue, its instance URL (for links), and the moment it was read."""
    from ..engine.work import WorkTracker
    from ..salesforce.work_queries import WorkQueries

    client, caps = ctx.connection().open()
    queries = WorkQueries(caps)
    if not queries.available:
        raise FlowstageError(f"This org shows no FlowOrchestrationWorkItem at API v"
                             f"{caps.version} (work items need v54 or later and access to "
                             "them).")
    now = ctx.clock()
    tracker = WorkTracker(on=True)
    tracker.apply(client.query(queries.open_items()), read_at=now)
    tracker.read_people(client, queries, now)
    return tracker.queue(now, ctx.profile.stuck_after), client.credentials.instance_url, now


def record(row: WorkRow, instance: str, now: datetime) -> dict[str, Any]:
    i = row.item
    return {
        "id": i.id, "label": i.label,
        "flags": [f.value for f in Flag if f in row.flags], "reasons": list(row.reasons),
        "held_seconds": row.held_seconds,
        "held_since": iso(now - timedelta(seconds=row.held_seconds)),
        "held_source": row.held_source,
        "assignee": {"id": i.assignee_id or None, "name": row.assignee_name,
                     "kind": row.assignee_kind, "member_count": row.member_count},
        "run": {"id": row.run_id, "name": row.run_name, "label": row.run_label},
        "stage": row.stage_label, "step": row.step_label,
        "context": None if not i.context_id else
        {"id": i.context_id, "type": i.context_type, "name": i.context_name},
        "url": lightning_url(instance, "FlowOrchestrationWorkItem", i.id),
    }


def _flat(rec: dict[str, Any]) -> dict[str, Any]:
    ctx = rec["context"] or {}
    return {"id": rec["id"], "label": rec["label"], "flags": " ".join(rec["flags"]),
            "held_seconds": rec["held_seconds"], "held_source": rec["held_source"],
            "assignee_id": rec["assignee"]["id"], "assignee": rec["assignee"]["name"],
            "assignee_kind": rec["assignee"]["kind"],
            "member_count": rec["assignee"]["member_count"], "run_id": rec["run"]["id"],
            "run_name": rec["run"]["name"], "run_label": rec["run"]["label"],
            "stage": rec["stage"], "step": rec["step"], "context_type": ctx.get("type"),
            "context_name": ctx.get("name"), "reasons": "; ".join(rec["reasons"]),
            "url": rec["url"]}


def write(queue: WorkQueue, rows: Sequence[WorkRow], flt: WorkFilter, fmt: str, instance: str,
          now: datetime, stream: TextIO) -> None:
    records = [record(r, instance, now) for r in rows]
    if fmt == "json":
        stream.write(json_text(records))
    elif fmt == "jsonl":
        for rec in records:
            stream.write(json.dumps(rec, ensure_ascii=False) + "\n")
    elif fmt == "csv":
        stream.write(csv_text((_flat(rec) for rec in records), CSV_COLUMNS))
    else:
        stream.write(clean_text(queue.counts_line()) + "\n")
        if not rows:
            stream.write(f"No open work items match ({flt.describe()}).\n")
            return
        stream.write(out.table(
            ("FLAGS", "HELD", "ASSIGNEE", "WORK ITEM", "RUN", "ORCHESTRATION"),
            ((",".join(SHORT[f] for f in Flag if f in r.flags) or "-", held_text(r.held_seconds),
              clean_text(r.assignee_text) + (f" ({r.assignee_kind})"
                                             if r.assignee_kind not in (None, "User") else ""),
              clean_text(r.item.label), clean_text(r.run_name), clean_text(r.run_label))
             for r in rows), shrink=(5, 3, 2)) + "\n")
        if not queue.frozen_known:
            stream.write("Frozen users: unknown (UserLogin needs the Manage Users "
                         "permission).\n")


def cmd_work(ctx: Context, args: argparse.Namespace, stream: TextIO | None = None) -> int:
    stream = stream or sys.stdout
    flt = work_filter(args)
    queue, instance, now = fetch_queue(ctx)
    rows = [r for r in queue.rows if flt.matches(r)]
    write(queue, rows, flt, args.format, instance, now, stream)
    return 1 if args.exit_code and any(r.flags for r in rows) else 0
