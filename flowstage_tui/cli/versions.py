"""`flowstage versions`: version drift per orchestration (read-only, one API call).

Per orchestration its active version and, per older version, how many InProgress / Suspended /
Error runs are still on it, the oldest one's age, and which of their current stages have not
been seen on any run of the active version (no object lists a version's stages, so nothing is
called "removed").

JSON shape (stable): a list of {"orchestration", "label", "active_version" (null: the org does
not say), "active_runs", "unplaced_runs" (on an unknown version, or one newer than the active),
"older": [{"version", "name", "in_progress", "suspended", "error", "runs", "oldest",
"oldest_age_seconds", "not_seen_on_active_version", "run_ids"}]}. jsonl and csv: one line per
older version (an orchestration without drift gives one line with empty version fields).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import shutil
import sys
from typing import Any, TextIO

from ..errors import UsageError
from ..export import clean_text, iso, json_text
from ..salesforce.versions import (
    NOT_SEEN,
    OPEN_STATUSES,
    OlderVersion,
    OrchestrationDrift,
    VersionReport,
)
from . import output as out
from .context import Context

FORMATS = ("table", "json", "jsonl", "csv")
CSV_COLUMNS = ("orchestration", "label", "active_version", "active_runs", "unplaced_runs",
               "version", "name", "in_progress", "suspended", "error", "runs", "oldest",
               "oldest_age_seconds", "not_seen_on_active_version", "run_ids")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.description = ("Version drift: per orchestration its active version, how many "
                     "InProgress / Suspended / Error runs are still on older versions, the "
                     "oldest one's age, and their current stages not seen on the active "
                     "version. Read-only, one API call.")
    p.add_argument("--orchestration", metavar="NAME",
                   help="orchestration developer name, or part of its label")
    p.add_argument("--format", choices=FORMATS, default="table",
                   help="table for people (default); json, jsonl or csv for scripts")


def _wanted(args: argparse.Namespace) -> str | None:
    if args.orchestration is None:
        return None
    name = str(args.orchestration).strip()
    if not name:
        raise UsageError("--orchestration: empty; give a developer name or part of a label")
    return name


def _older(v: OlderVersion) -> dict[str, Any]:
    return {"version": v.number, "name": v.name, "in_progress": v.counts.get("InProgress", 0),
            "suspended": v.counts.get("Suspended", 0), "error": v.counts.get("Error", 0),
            "runs": v.total, "oldest": iso(v.oldest), "oldest_age_seconds": v.oldest_age_seconds,
            "not_seen_on_active_version": list(v.unseen_stages), "run_ids": list(v.run_ids)}


def record(o: OrchestrationDrift) -> dict[str, Any]:
    return {"orchestration": o.orchestration, "label": o.label,
            "active_version": o.active_number, "active_runs": o.active_runs,
            "unplaced_runs": o.unplaced, "older": [_older(v) for v in o.older]}


def _rows(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One flat row per older version; an orchestration without drift gives one row."""
    rows = []
    for rec in records:
        head = {k: rec[k] for k in CSV_COLUMNS[:5]}
        for v in rec["older"] or [{}]:
            rows.append({**head, **{k: v.get(k) for k in CSV_COLUMNS[5:]}})
    return rows


def _version(number: int | None) -> str:
    return "?" if number is None else f"v{number}"


def _fit(text: str, width: int) -> str:
    return text if out.width_of(text) <= width else out._cut(text, width)


def _counts(v: OlderVersion) -> str:
    return ", ".join(f"{v.counts.get(s, 0)} {s}" for s in OPEN_STATUSES)


def _unplaced(o: OrchestrationDrift) -> str:
    return f", {o.unplaced} on an unknown or newer version" if o.unplaced else ""


def write_table(report: VersionReport, drifts: list[OrchestrationDrift], stream: TextIO) -> None:
    width = shutil.get_terminal_size((120, 24)).columns
    for note in report.notes():
        stream.write(note + "\n")
    if not drifts:
        stream.write("No orchestrations.\n")
        return
    drifting = [o for o in drifts if o.older]
    runs = sum(o.older_runs for o in drifting)
    if drifting:
        stream.write(f"{runs} unfinished run{'s' * (runs != 1)} on older versions of "
                     f"{len(drifting)} orchestration{'s' * (len(drifting) != 1)}.\n")
    elif not any(o.unplaced for o in drifts):
        stream.write("Every unfinished run is on its orchestration's active version.\n")
    for o in drifting:
        stream.write("\n" + _fit(f"{clean_text(o.title)} ({clean_text(o.orchestration)}) · "
                                 f"active {_version(o.active_number)}, {o.active_runs} "
                                 f"unfinished on it{_unplaced(o)}", width) + "\n")
        for v in o.older:
            name = f" ({clean_text(v.name)})" if v.name else ""
            stream.write(_fit(f"  {_version(v.number)}{name}: {v.total} run"
                              f"{'s' * (v.total != 1)} ({_counts(v)}) · oldest "
                              f"{out.duration_text(v.oldest_age_seconds)}", width) + "\n")
            unseen = ", ".join(clean_text(s) for s in v.unseen_stages) or "none"
            stream.write(_fit(f"      current stages {NOT_SEEN}: {unseen}", width) + "\n")
    rest = [o for o in drifts if not o.older]
    if rest:
        stream.write("\n" + ("On their active version only:\n" if drifting else ""))
        stream.write(out.table(
            ("ORCHESTRATION", "ACTIVE", "UNFINISHED"),
            ((clean_text(o.title), _version(o.active_number),
              o.active_runs + o.unplaced) for o in rest),
            width=width, shrink=(0,)) + "\n")
    if drifting:
        stream.write("\n`flowstage versions --format json` gives the older-version runs' Ids.\n")


def write(report: VersionReport, drifts: list[OrchestrationDrift], fmt: str,
          stream: TextIO) -> None:
    records = [record(o) for o in drifts]
    if fmt == "json":
        stream.write(json_text(records))
    elif fmt == "jsonl":
        for row in _rows(records):
            stream.write(json.dumps(row, ensure_ascii=False) + "\n")
    elif fmt == "csv":
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for row in _rows(records):
            row["not_seen_on_active_version"] = " ".join(row["not_seen_on_active_version"] or ())
            row["run_ids"] = " ".join(row["run_ids"] or ())
            writer.writerow(row)
        stream.write(buf.getvalue())
    else:
        write_table(report, drifts, stream)


def cmd_versions(ctx: Context, args: argparse.Namespace, stream: TextIO | None = None) -> int:
    from ..engine.versions import read_versions

    stream = stream or sys.stdout
    wanted = _wanted(args)
    client, caps = ctx.connection().open()
    report = read_versions(client, caps, ctx.clock())
    drifts = list(report.orchestrations)
    if wanted is not None:
        drifts = report.select(wanted)
        if not drifts:
            raise UsageError(f"--orchestration: no orchestration of this org is named or "
                             f"labelled {wanted!r}; `flowstage versions` lists them")
    write(report, drifts, args.format, stream)
    return 0
