"""The headless commands: runs, show, watch, snapshot (profiles and config: profiles.py)."""

from __future__ import annotations

import json
import sys
from datetime import timedelta
from typing import Any, TextIO

from ..errors import UsageError
from ..export import clean_text, csv_text, iso, json_text, lightning_url, run_record
from ..salesforce import parse
from ..salesforce.capabilities import (
    GROUP,
    INTERVIEW,
    LOG,
    RUN,
    RUN_FEED,
    RUN_HISTORY,
    STAGE,
    STAGE_FEED,
    STAGE_HISTORY,
    STEP,
    USER,
    WORK,
    Capabilities,
)
from ..salesforce.models import Run, StageStatus, WorkItem
from ..salesforce.queries import QueryBuilder, RunFilter
from ..salesforce.run_sort import DEFAULT_SORT, RunSort
from ..salesforce.soql import quote
from . import output as out
from .context import Context

# A run that appears in the window counts as "started" when it is at most this much older
# than the previous poll (older ones were only scrolled or filtered into view).
NEW_RUN_SLACK = timedelta(minutes=5)


def _open(ctx: Context) -> tuple[Any, Capabilities, Any]:
    conn = ctx.connection()
    client, caps = conn.open()
    return conn, caps, client


def fetch_runs(ctx: Context, flt: RunFilter, limit: int,
               sort: RunSort = DEFAULT_SORT) -> tuple[list[Run], str]:
    _, caps, client = _open(ctx)
    q = QueryBuilder(caps, flt, sort).runs_page(limit)
    rows = client.query(q)
    return [parse.run(r) for r in rows], client.credentials.instance_url


def cmd_runs(ctx: Context, flt: RunFilter, limit: int, fmt: str, exit_code: bool,
             stream: TextIO | None = None, sort: RunSort = DEFAULT_SORT) -> int:
    stream = stream or sys.stdout
    runs, instance = fetch_runs(ctx, flt, limit, sort)
    items = [run_record(r, instance) for r in runs]
    if fmt == "json":
        stream.write(json_text(items))
    elif fmt == "jsonl":
        for item in items:
            stream.write(json.dumps(item, ensure_ascii=False) + "\n")
    elif fmt == "csv":
        stream.write(csv_text(items))
    else:
        if not runs:
            stream.write(f"No runs match ({flt.describe()}).\n")
        else:
            stream.write(out.table(
                ("STATUS", "NAME", "ORCHESTRATION", "CURRENT STAGE", "STARTED (UTC)", "DURATION"),
                ((str(r.status), r.name, clean_text(r.title),
                  clean_text(r.current_stage), out.short_time(r.created),
                  out.duration_text(r.duration)) for r in runs), shrink=(2, 3)) + "\n")
    return 1 if exit_code and runs else 0


def _find_run(client: Any, caps: Capabilities, ident: str) -> dict[str, Any]:
    from ..salesforce.ids import normalise

    rid = normalise(ident) if len(ident) in (15, 18) else None
    if rid and rid.startswith("0jE"):
        soql = QueryBuilder(caps, RunFilter(ids=(rid,))).runs_page(1)
    else:
        soql = QueryBuilder(caps).run_named(ident)
    rows = client.query(soql)
    if not rows:
        raise UsageError(f"no orchestration run {ident!r} in this org; pass a run Id (0jE…) or "
                         "Name as shown by `flowstage runs`")
    row: dict[str, Any] = rows[0]
    return row


def gather_run(ctx: Context, ident: str) -> dict[str, Any]:
    """Everything about one run, as the documented `show` JSON."""
    _, caps, client = _open(ctx)
    instance = client.credentials.instance_url
    row = _find_run(client, caps, ident)
    run = parse.run(row)
    err = parse.interview_error(row)
    b = QueryBuilder(caps)
    stages = [parse.stage(r) for r in client.query(b.children_of(STAGE, [run.id]) or "")] \
        if caps.has(STAGE) else []
    steps = [parse.step(r) for r in client.query(b.children_of(STEP, [run.id]) or "")] \
        if caps.has(STEP) else []
    q_items = b.children_of(WORK, [run.id])
    items = [parse.work_item(r) for r in client.query(q_items)] if q_items else []
    q_log = b.run_log(run.id)
    log = [parse.log_entry(r) for r in client.query(q_log)] if q_log else []
    history: list[dict[str, Any]] | None = None
    feed: list[dict[str, Any]] | None = None
    parents = [run.id] + [s.id for s in stages]
    if caps.has(RUN_HISTORY) or caps.has(STAGE_HISTORY):
        history = []
        for obj in (RUN_HISTORY, STAGE_HISTORY):
            q = b.history_of(obj, parents)
            for r in client.query(q) if q else ():
                h = parse.history_entry(r)
                history.append({"parent_id": h.parent_id, "field": h.field,
                                "old": h.old_value, "new": h.new_value,
                                "at": iso(h.created), "by": h.created_by})
        history.sort(key=lambda h: h["at"] or "")
    if caps.has(RUN_FEED) or caps.has(STAGE_FEED):
        feed = []
        for obj in (RUN_FEED, STAGE_FEED):
            q = b.feed_of(obj, parents)
            for r in client.query(q) if q else ():
                p = parse.feed_post(r)
                feed.append({"id": p.id, "parent_id": p.parent_id, "type": p.type,
                             "title": p.title, "body": p.body, "rich_text": p.rich,
                             "link": p.link, "author": p.author, "at": iso(p.created),
                             "comments": [{"body": c.body, "rich_text": c.rich,
                                           "author": c.author, "at": iso(c.created)}
                                          for c in p.comments]})
        feed.sort(key=lambda f: f["at"] or "")
    result = run_record(run, instance)
    result["error"] = None if err is None else {
        "message": err.message, "interview_status": err.status, "element": err.element}
    from ..engine.sync import stage_times

    result["stages"] = []
    times = stage_times(tuple(log))
    for s in sorted(stages, key=lambda s: s.position):
        stage_steps = [st for st in steps if st.stage_id == s.id]
        # a stage that has not started has no start; one that has, its StartStage milestone
        # (the record was created with the run, NotStarted, on an org that makes them all)
        started = None if s.status == StageStatus.NOT_STARTED else (
            times.get(s.name, (None, None))[0] or s.created)
        result["stages"].append({
            "id": s.id, "position": s.position, "name": s.name, "label": s.label,
            "status": str(s.status), "started": iso(started), "ended": iso(s.ended),
            "url": lightning_url(instance, STAGE, s.id),
            "steps": [{"id": st.id, "name": st.name, "label": st.label, "status": str(st.status),
                       "type": st.step_type, "url": lightning_url(instance, STEP, st.id),
                       "work_items": [{"id": w.id, "status": str(w.status),
                                       "assignee": w.assignee_name,
                                       "assignee_type": w.assignee_type,
                                       "assignee_active": w.assignee_active,
                                       "assigned_seconds": w.seconds_assigned,
                                       "url": lightning_url(instance, WORK, w.id),
                                       "context": _context(w, instance)}
                                      for w in items if w.step_id == st.id]}
                      for st in stage_steps]})
    result["log"] = [{"kind": e.kind, "at": iso(e.timestamp), "stage": e.stage_name,
                      "step": e.step_name, "actor": e.actor, "assignee": e.assignee,
                      "duration_seconds": e.duration, "comments": e.comments} for e in log]
    result["history"] = history
    result["feed"] = feed
    return result


def _context(w: WorkItem, instance: str) -> dict[str, Any] | None:
    """The work item's context record (RelatedRecordId): what its assignee works on."""
    if not w.context_id:
        return None
    return {"id": w.context_id, "type": w.context_type, "name": w.context_name,
            "url": lightning_url(instance, w.context_type, w.context_id)
            if w.context_type else None}


def cmd_show(ctx: Context, ident: str, fmt: str, stream: TextIO | None = None) -> int:
    stream = stream or sys.stdout
    data = gather_run(ctx, ident)
    if fmt in ("json", "jsonl"):
        stream.write(json_text(data) if fmt == "json"
                     else json.dumps(data, ensure_ascii=False) + "\n")
        return 0
    if fmt == "csv":
        raise UsageError("show has no csv format; use --format table or json")
    w = stream.write
    c = clean_text
    w(f"{data['name']}  {data['status']}  {c(data['label'] or data['orchestration'])}\n")
    w(f"  Id        {data['id']}\n  Started   {data['created']}\n")
    w(f"  Duration  {out.duration_text(data['duration_seconds'])}\n")
    if data["current_stage"]:
        w(f"  Stage     {c(data['current_stage'])}\n")
    w(f"  URL       {data['url']}\n")
    if data["error"] and data["error"]["message"]:
        w("\nError\n")
        for line in c(data["error"]["message"]).splitlines():
            w(f"  {line}\n")
    w("\nStages\n")
    for s in data["stages"]:
        when = "not started" if s["status"] == "NotStarted" else \
            f"{s['started']} → {s['ended'] or 'running'}"
        w(f"  {s['position']:>2}. {s['status']:<12} {c(s['label'])}  ({when})\n")
        for st in s["steps"]:
            w(f"        - {st['status']:<12} {c(st['label'])} [{st['type']}]\n")
            for wi in st["work_items"]:
                inactive = " (inactive user)" if wi["assignee_active"] is False else ""
                about = wi["context"]
                on = f" — on {c(about['type'] or 'record')} {c(about['name'] or about['id'])}" \
                    if about else ""
                w(f"            work item {wi['status']}: {c(wi['assignee'])}{inactive}{on}\n")
    w("\nRun log\n")
    for e in data["log"]:
        where = " / ".join(x for x in (e["stage"], e["step"]) if x)
        w(f"  {e['at']}  {e['kind']:<16} {c(where)}\n")
    if data["history"] is None:
        w("\nHistory: this org has no History object for orchestration runs.\n")
    else:
        w("\nHistory\n")
        names = {data["id"]: "run"} | {s["id"]: f"stage {s['label']}" for s in data["stages"]}
        for h in data["history"]:
            what = names.get(h["parent_id"], h["parent_id"])
            change = "created" if h["field"] == "created" else \
                f"{h['field']}: {c(str(h['old']))} → {c(str(h['new']))}"
            w(f"  {h['at']}  {c(what)}: {change}\n")
    if data["feed"] is None:
        w("\nFeed: this org has no Feed object for orchestration runs.\n")
    else:
        w("\nFeed\n")
        for p in data["feed"]:
            w(f"  {p['at']}  {c(p['author'])} [{p['type']}] {c(p['body'] or p['title'] or '')}\n")
            for cm in p["comments"]:
                w(f"      ↳ {c(cm['author'])}: {c(cm['body'])}\n")
    return 0


def watch_events(prev: Any, snap: Any) -> list[dict[str, Any]]:
    """Lines worth telling a human (or a script) about, from one snapshot to the next."""
    events: list[dict[str, Any]] = []
    at = iso(snap.taken)
    before = {r.id: r for r in prev.runs} if prev else {}
    for run in reversed(snap.runs):
        old = before.get(run.id)
        if old is None:
            if prev is not None and prev.taken and run.created >= prev.taken - NEW_RUN_SLACK:
                events.append({"event": "run-started", "at": at, "run": run.name,
                               "orchestration": run.title})
            continue
        if old.status != run.status:
            ev: dict[str, Any] = {"event": "run-status", "at": at, "run": run.name,
                                  "from": str(old.status), "to": str(run.status)}
            if str(run.status) == "Error":
                err = snap.errors.get(run.id)
                ev["stage"] = run.current_stage  # the API name (scripts match on it)
                # and its label, which the text shows, as the TUI does
                ev["stage_label"] = next((s.label for s in snap.stages.get(run.id, ())
                                          if s.name == run.current_stage), None)
                ev["error"] = (err.message or "").splitlines()[0] if err and err.message else None
            events.append(ev)
        old_stages = {s.id: s for s in (prev.stages.get(run.id, ()) if prev else ())}
        for s in snap.stages.get(run.id, ()):
            o = old_stages.get(s.id)
            if o is None or o.status != s.status:
                events.append({"event": "stage-status", "at": at, "run": run.name,
                               "stage": s.label, "to": str(s.status)})
        for s in snap.stages.get(run.id, ()):
            for st in snap.steps.get(s.id, ()):
                old_items = {w.id: w for w in (prev.work_items.get(st.id, ()) if prev else ())}
                for w in snap.work_items.get(st.id, ()):
                    o2 = old_items.get(w.id)
                    if o2 is None or o2.assignee_id != w.assignee_id:
                        if str(w.status) == "Assigned":
                            events.append({"event": "work-item-assigned", "at": at,
                                           "run": run.name, "step": st.label,
                                           "assignee": w.assignee_name})
                    elif o2.status != w.status and str(w.status) == "Completed":
                        events.append({"event": "work-item-completed", "at": at,
                                       "run": run.name, "step": st.label,
                                       "assignee": w.assignee_name})
    return events


def event_text(ev: dict[str, Any]) -> str:
    c = clean_text
    kind = ev["event"]
    if kind == "run-started":
        return f"{ev['at']}  {ev['run']} started ({c(ev['orchestration'])})"
    if kind == "run-status":
        extra = ""
        if ev["to"] == "Error":
            extra = f" at stage {c(ev.get('stage_label') or ev.get('stage') or '?')}"
            if ev.get("error"):
                extra += f": {c(ev['error'])}"
        return f"{ev['at']}  {ev['run']} {ev['from']} → {ev['to']}{extra}"
    if kind == "stage-status":
        return f"{ev['at']}  {ev['run']} stage {c(ev['stage'])} → {ev['to']}"
    if kind == "work-item-assigned":
        return f"{ev['at']}  {ev['run']} work item '{c(ev['step'])}' assigned to " \
            f"{c(ev['assignee'])}"
    if kind == "work-item-completed":
        return f"{ev['at']}  {ev['run']} work item '{c(ev['step'])}' completed"
    return json.dumps(ev)


def cmd_watch(ctx: Context, flt: RunFilter, interval: float, fmt: str, count: int | None,
              stream: TextIO | None = None, alert: bool = False) -> int:
    """One line per change. With `alert`, the profile's watch rules too (cli/alerts.py):
    stdout then carries only JSON — the alerts, and with --format jsonl the events and polls
    beside them; a failed poll is said on stderr."""
    stream = stream or sys.stdout
    from ..engine.sync import SyncEngine

    runner = None
    if alert:
        from .alerts import AlertRunner

        if not ctx.profile.watch and ctx.config.profiles.get(ctx.profile.name) is not ctx.profile:
            raise UsageError("--alert: the built-in --demo profile has no watch rules; add a "
                             "profile with auth = \"demo\" and [[profiles.NAME.watch]] rules "
                             f"to {ctx.config.path}, then `flowstage watch -p NAME --alert` "
                             "(see README, Alerts)")
        if not ctx.profile.watch:
            raise UsageError(f"--alert: profile {ctx.profile.name!r} has no watch rules; add "
                             f"a [[profiles.{ctx.profile.name}.watch]] table to "
                             f"{ctx.config.path} (see README, Alerts)")
        runner = AlertRunner(ctx.profile, stream)
    engine = SyncEngine(ctx.connection(), clock=ctx.clock, flt=flt, interval=interval,
                        stuck_after=ctx.profile.stuck_after)
    if runner is not None and runner.needs_work:
        engine.set_work_mode(True)
    events_out = runner is None or fmt == "jsonl"
    prev = None
    polls = 0
    try:
        while count is None or polls < count:
            res = engine.poll_once()
            polls += 1
            events: list[dict[str, Any]] = (watch_events(prev, res.snapshot)
                                            if prev is not None and events_out else [])
            if res.health.ok:
                prev = res.snapshot
            for ev in events:
                stream.write((json.dumps(ev, ensure_ascii=False) if fmt == "jsonl"
                              else event_text(ev)) + "\n")
            if runner is not None and res.health.ok:
                client = engine.client
                instance = client.credentials.instance_url if client else None
                runner.poll(res.snapshot, instance)
                # the cluster rules' reads: a few calls each, every 5 minutes, not every poll
                if runner.needs_clusters and runner.cadence.due(ctx.clock()):
                    runner.read_clusters(engine, ctx.clock(), instance)
            if fmt == "jsonl":
                stream.write(json.dumps({
                    "event": "poll", "at": iso(ctx.clock()), "api_usage": res.health.api_used,
                    "api_limit": res.health.api_limit, "changes": res.changes.size,
                    "health": str(res.health.state), "calls": res.calls}) + "\n")
            elif not res.health.ok:
                (sys.stderr if runner is not None else stream).write(
                    f"{iso(ctx.clock())}  {res.health.state}: {res.health.message}\n")
            stream.flush()
            if count is not None and polls >= count:
                break
            delay = engine.next_delay()
            ctx.sleep(interval if delay is None else max(delay, 0.1))
    except KeyboardInterrupt:
        pass
    finally:
        if runner is not None:
            runner.close()
    return 0


def cmd_snapshot(ctx: Context, flt: RunFilter, limit: int,
                 stream: TextIO | None = None) -> int:
    """Runs and everything under them, in the demo org's data format (`--data` replays it)."""
    stream = stream or sys.stdout
    _, caps, client = _open(ctx)

    def all_fields(obj: str) -> str:
        return ", ".join(sorted(f for f in caps.fields.get(obj, ()) if f not in (
            "ElapsedTimeSinceAsgntInSec", "ElapsedTimeSinceCreationInSec")))

    def flat(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{k: v for k, v in r.items() if k != "attributes" and not isinstance(v, dict)}
                for r in rows]

    b = QueryBuilder(caps, flt)
    ids = [r["Id"] for r in client.query(b.run_ids(limit))]
    records: dict[str, list[dict[str, Any]]] = {}
    if not ids:
        raise UsageError(f"no runs match ({flt.describe()}); nothing to capture")
    total = len(ids)
    if len(ids) == limit:  # perhaps cut short: one more call to say so (not when all fit)
        rows = client.query(b.run_count())
        total = max(total, int(rows[0].get("expr0") or 0) if rows else 0)
    id_list = ", ".join(quote(i) for i in ids)

    def grab(obj: str, where: str) -> list[dict[str, Any]]:
        if not caps.has(obj):
            return []
        rows = flat(client.query(f"SELECT {all_fields(obj)} FROM {obj} WHERE {where}"))
        records.setdefault(obj, []).extend(rows)
        return rows

    runs = grab(RUN, f"Id IN ({id_list})")
    stages = grab(STAGE, f"OrchestrationInstanceId IN ({id_list})")
    grab(STEP, f"OrchestrationInstanceId IN ({id_list})")
    items = grab(WORK, f"StepInstance.OrchestrationInstanceId IN ({id_list})")
    grab(LOG, f"OrchestrationInstanceId IN ({id_list})")
    interviews = [r["InterviewId"] for r in runs if r.get("InterviewId")]
    if interviews:
        grab(INTERVIEW, f"Id IN ({', '.join(quote(i) for i in interviews)})")
    parent_ids = ids + [s["Id"] for s in stages]
    for chunk in range(0, len(parent_ids), 300):
        plist = ", ".join(quote(i) for i in parent_ids[chunk:chunk + 300])
        for obj in (RUN_HISTORY, STAGE_HISTORY):
            grab(obj, f"ParentId IN ({plist})")
        for obj in (RUN_FEED, STAGE_FEED):
            posts = grab(obj, f"ParentId IN ({plist})")
            if posts:
                pl = ", ".join(quote(p["Id"]) for p in posts)
                grab("FeedComment", f"FeedItemId IN ({pl})")
    assignees = {w["AssigneeId"] for w in items if w.get("AssigneeId")}
    user_ids = {i for i in assignees if i.startswith("005")}
    group_ids = {i for i in assignees if i.startswith("00G")}
    who = "UserType = 'AutomatedProcess'"
    if user_ids:
        who += f" OR Id IN ({', '.join(quote(i) for i in sorted(user_ids))})"
    grab(USER, who)
    if group_ids:
        grab(GROUP, f"Id IN ({', '.join(quote(i) for i in sorted(group_ids))})")
    grab("Organization", "Id != null")
    stream.write(json.dumps({"format": "flowstage-demo-org/1", "records": records},
                            ensure_ascii=False, indent=1) + "\n")
    if total > limit:
        sys.stderr.write(f"wrote {limit} of {total} runs; pass --limit {total} for all\n")
    return 0

