"""`flowstage failures`: the org's Error runs grouped into failure clusters (read-only).

A cluster is every run whose failure has one fingerprint: its interview's error text with Ids,
names, numbers, times and quoted values taken out, plus orchestration, stage and step
(salesforce/fingerprint.py). `--cluster FINGERPRINT` lists one cluster's runs as `runs` does,
read as they are now by `Id IN (…)` in chunks (one more call per 750 runs).

JSON shape (stable): a list of {"fingerprint", "count", "by_text", "codes", "first_seen",
"last_seen", "orchestrations": [{"name", "versions"}], "stage", "step", "in_resume_window"
(null: unknown), "per_hour" (the last 24 hours, oldest first), "message", "normalised",
"run_ids"}.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from datetime import timedelta
from typing import Any, TextIO

from ..errors import UsageError
from ..export import clean_text, csv_text, iso, json_text, run_record
from ..salesforce.clusters import Cluster, FailureReport, find_cluster, sparkline
from ..salesforce.models import Run
from ..salesforce.queries import age_minutes
from . import output as out
from .context import Context

FORMATS = ("table", "json", "jsonl", "csv")
CSV_COLUMNS = ("fingerprint", "count", "by_text", "codes", "first_seen", "last_seen",
               "orchestrations", "stage", "step", "in_resume_window", "per_hour", "message",
               "run_ids")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.description = ("The org's Error runs grouped by the fingerprint of their failure (error "
                     "text without Ids, names, numbers, times and quoted values, plus "
                     "orchestration, stage and step): count, first and last seen, versions, "
                     "failures per hour, how many can still be resumed, one message in full. "
                     "Read-only.")
    p.add_argument("--since", metavar="AGE", help="failed within, e.g. 30m, 24h, 7d")
    p.add_argument("--orchestration", metavar="NAME",
                   help="orchestration developer name, or part of its label")
    p.add_argument("--cluster", metavar="FINGERPRINT",
                   help="list the runs of one cluster (its fingerprint, or its first letters)")
    p.add_argument("--format", choices=FORMATS, default="table",
                   help="table for people (default); json, jsonl or csv for scripts")


def _since(args: argparse.Namespace, ctx: Context) -> Any:
    if args.since is None:
        return None
    try:
        return ctx.clock() - timedelta(minutes=age_minutes(args.since))
    except ValueError as exc:
        raise UsageError(f"--since: {exc}") from None


def _orchestration(args: argparse.Namespace) -> str | None:
    if args.orchestration is None:
        return None
    name = str(args.orchestration).strip()
    if not name:
        raise UsageError("--orchestration: empty; give a developer name or part of a label")
    return name


def _runs_prefix(args: argparse.Namespace) -> str | None:
    if args.cluster is None:
        return None
    prefix = str(args.cluster).strip().lower()
    if len(prefix) < 4 or any(c not in "0123456789abcdef" for c in prefix):
        raise UsageError(f"--cluster: {args.cluster!r} is not a fingerprint; give at least its first "
                         "4 characters as `flowstage failures` prints them")
    return prefix


def record(c: Cluster, report: FailureReport) -> dict[str, Any]:
    return {
        "fingerprint": c.fingerprint, "count": c.count, "by_text": c.by_text,
        "codes": list(c.codes), "first_seen": iso(c.first_seen), "last_seen": iso(c.last_seen),
        "orchestrations": [{"name": n, "versions": list(v)} for n, v in c.orchestrations],
        "stage": c.stage, "step": c.step, "in_resume_window": c.in_window(report.now),
        "per_hour": list(c.per_hour(report.now)), "message": c.message,
        "normalised": c.normalised, "run_ids": list(c.run_ids),
    }


def _flat(rec: dict[str, Any]) -> dict[str, Any]:
    flat = dict(rec)
    flat["codes"] = " ".join(rec["codes"])
    flat["orchestrations"] = "; ".join(
        o["name"] + (" v" + ",".join(str(v) for v in o["versions"]) if o["versions"] else "")
        for o in rec["orchestrations"])
    flat["per_hour"] = " ".join(str(n) for n in rec["per_hour"])
    flat["run_ids"] = " ".join(rec["run_ids"])
    flat.pop("normalised")
    return flat


def _where(c: Cluster) -> str:
    names = ", ".join(n + (" v" + ",".join(str(v) for v in vs) if vs else "")
                      for n, vs in c.orchestrations)
    return f"{names} · {c.stage or '?'} / {c.step or '?'}"


def _fit(text: str, width: int) -> str:
    return text if out.width_of(text) <= width else out._cut(text, width)


def write_table(report: FailureReport, stream: TextIO) -> None:
    width = shutil.get_terminal_size((120, 24)).columns
    ascii_only = os.environ.get("FLOWSTAGE_ASCII", "") not in ("", "0")
    for note in report.notes():
        stream.write(note + "\n")
    if not report.clusters:
        stream.write("No Error runs match.\n")
        return
    n = len(report.clusters)
    stream.write(f"{n} cluster{'s' * (n != 1)} of {report.failures} Error run"
                 f"{'s' * (report.failures != 1)}, biggest first.\n")
    for c in report.clusters:
        window = c.in_window(report.now)
        resumable = "resume window unknown" if window is None else f"{window} resumable"
        head = f"{c.fingerprint}  {c.count} run{'s' * (c.count != 1)} · {resumable}"
        stream.write("\n" + _fit(f"{head} · {clean_text(c.title())}", width) + "\n")
        stream.write(_fit(f"  {clean_text(_where(c))}", width) + "\n")
        stream.write(f"  first {out.short_time(c.first_seen)} · last "
                     f"{out.short_time(c.last_seen)} UTC\n")
        stream.write(f"  last 24h |{sparkline(c.per_hour(report.now), ascii_only)}|\n")
        message = c.message if c.message is not None else "(no error text)"
        for line in clean_text(message).splitlines() or [""]:
            stream.write(f"    {line}\n")
    stream.write("\n`flowstage failures --cluster FINGERPRINT` lists a cluster's runs.\n")


def write(report: FailureReport, fmt: str, stream: TextIO) -> None:
    records = [record(c, report) for c in report.clusters]
    if fmt == "json":
        stream.write(json_text(records))
    elif fmt == "jsonl":
        for rec in records:
            stream.write(json.dumps(rec, ensure_ascii=False) + "\n")
    elif fmt == "csv":
        stream.write(csv_text((_flat(rec) for rec in records), CSV_COLUMNS))
    else:
        write_table(report, stream)


def write_runs(c: Cluster, runs: list[Run], instance: str, fmt: str, stream: TextIO) -> None:
    """The cluster's runs as the org has them now (`runs` read them by Id)."""
    failed = {f.run.id: f.seen for f in c.failures}
    items = [run_record(r, instance) for r in runs]
    if fmt == "json":
        stream.write(json_text(items))
    elif fmt == "jsonl":
        for item in items:
            stream.write(json.dumps(item, ensure_ascii=False) + "\n")
    elif fmt == "csv":
        stream.write(csv_text(items))
    else:
        stream.write(f"{c.fingerprint}: {clean_text(c.title())}\n")
        stream.write(out.table(
            ("STATUS", "NAME", "ORCHESTRATION", "FAILED (UTC)", "ID"),
            ((str(r.status), r.name, clean_text(r.title), out.short_time(failed.get(r.id)), r.id)
             for r in runs), shrink=(2,)) + "\n")


def cmd_failures(ctx: Context, args: argparse.Namespace, stream: TextIO | None = None) -> int:
    from ..engine.clusters import read_failures, read_runs

    stream = stream or sys.stdout
    since, orchestration, prefix = _since(args, ctx), _orchestration(args), _runs_prefix(args)
    client, caps = ctx.connection().open()
    report = read_failures(client, caps, ctx.clock(), orchestration=orchestration, since=since)
    if prefix is None:
        write(report, args.format, stream)
        return 0
    found = find_cluster(report.clusters, prefix)
    if len(found) != 1:
        what = "no cluster" if not found else f"{len(found)} clusters"
        raise UsageError(f"--cluster: {what} of these failures starts with {prefix!r}; give a "
                         "fingerprint as `flowstage failures` prints it")
    runs = read_runs(client, caps, found[0].run_ids)
    write_runs(found[0], runs, client.credentials.instance_url, args.format, stream)
    return 0
