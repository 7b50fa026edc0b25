"""What the write commands and `audit` print, in every format the other commands have.

People get the plan (the exact requests) and a per-record table; scripts get JSON, JSON
lines or CSV on standard output with the plan and the question on standard error. Org text
(labels, Salesforce's messages) is shown with its control characters escaped.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any, TextIO

from ..export import clean_text, json_text
from ..salesforce import writes as w
from . import output as out

RESULT_COLUMNS = ("record_id", "label", "result", "status", "error_code", "message")
REQUEST_COLUMNS = ("record_id", "label", "method", "url", "body")
AUDIT_COLUMNS = ("time", "phase", "profile", "org_id", "user", "action", "record_ids",
                 "method", "path", "status", "error_code")
VERB = {"reassign": "reassign", "cancel": "cancel", "interviews": "delete the interview of",
        "nudge": "nudge"}


def plan(stream: TextIO, name: str, reqs: Sequence[w.WriteRequest], notes: Sequence[str],
         version: str, where: str) -> None:
    n = len(reqs)
    stream.write(f"Plan: {VERB[name]} {n} record{'s' if n != 1 else ''} in {clean_text(where)}\n")
    for note in notes:
        stream.write(f"  {note}\n")
    stream.write("Requests:\n")
    for line in w.preview(reqs, version):
        stream.write(f"  {clean_text(line)}\n")


def _request_rows(reqs: Sequence[w.WriteRequest], version: str) -> list[dict[str, Any]]:
    return [{"record_id": r.record_id, "label": r.label, "method": r.method,
             "url": r.url(version), "body": None if r.body is None else dict(r.body)}
            for r in reqs]


def dry_run(stream: TextIO, fmt: str, name: str, reqs: Sequence[w.WriteRequest],
            notes: Sequence[str], version: str, where: str, read_only: bool) -> None:
    if fmt == "table":
        plan(stream, name, reqs, notes, version, where)
        tail = " (the profile is read-only: sending needs --write)" if read_only else ""
        stream.write(f"Dry run: nothing sent{tail}.\n")
        return
    rows = _request_rows(reqs, version)
    calls = [{"method": c.method, "url": c.url(version), "body": c.body,
              "record_ids": [r.record_id for r in c.requests]}
             for c in w.plan_calls(reqs, version)]
    if fmt == "json":
        stream.write(json_text({"dry_run": True, "requests": rows, "calls": calls}))
    elif fmt == "jsonl":
        for row in rows:
            stream.write(json.dumps(row, ensure_ascii=False) + "\n")
    else:
        _csv(stream, REQUEST_COLUMNS, [{**r, "body": "" if r["body"] is None else
                                        w.body_json(r["body"])} for r in rows])


def _result(o: w.WriteOutcome) -> str:
    return "ok" if o.ok else "unknown" if o.unknown else "failed"


def _outcome_row(o: w.WriteOutcome) -> dict[str, Any]:
    return {"record_id": o.record_id, "label": o.label, "result": _result(o),
            "status": o.status, "error_code": o.error_code, "message": o.message}


def report(stream: TextIO, fmt: str, rep: w.WriteReport) -> None:
    rows = [_outcome_row(o) for o in rep.outcomes]
    if fmt == "json":
        stream.write(json_text({"summary": rep.summary(), "succeeded": len(rep.succeeded),
                                "failed": len(rep.failed), "unknown": len(rep.unknown),
                                "results": rows}))
    elif fmt == "jsonl":
        for row in rows:
            stream.write(json.dumps(row, ensure_ascii=False) + "\n")
    elif fmt == "csv":
        _csv(stream, RESULT_COLUMNS, rows)
    else:
        stream.write(out.table(
            ("RESULT", "RECORD", "LABEL", "HTTP", "CODE", "MESSAGE"),
            ((r["result"].upper(), r["record_id"], clean_text(r["label"]),
              "" if r["status"] is None else r["status"], r["error_code"] or "",
              clean_text(r["message"])) for r in rows), shrink=(5, 2)) + "\n")
        stream.write(rep.summary() + "\n")
        if rep.unknown:
            stream.write("An unknown outcome was not retried: check the record (its line says "
                         "what the org holds now) before sending again.\n")


def _csv(stream: TextIO, columns: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> None:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(columns), lineterminator="\n",
                            extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    stream.write(buf.getvalue())


def audit(stream: TextIO, fmt: str, entries: Sequence[Mapping[str, Any]], path: str) -> None:
    if fmt == "json":
        stream.write(json_text(list(entries)))
    elif fmt == "jsonl":
        for e in entries:
            stream.write(json.dumps(e, ensure_ascii=False) + "\n")
    elif fmt == "csv":
        _csv(stream, AUDIT_COLUMNS, [{**e, "record_ids": " ".join(
            map(str, e.get("record_ids") or []))} for e in entries])
    elif not entries:
        stream.write(f"No writes recorded ({path}).\n")
    else:
        stream.write(out.table(
            ("TIME (UTC)", "PHASE", "PROFILE", "ACTION", "RECORDS", "NAME", "RESULT",
             "REQUEST"),
            ((str(e.get("time", ""))[:19].replace("T", " "), e.get("phase", ""),
              clean_text(str(e.get("profile", ""))), e.get("action", ""),
              _records(e.get("record_ids")), clean_text(_names(e.get("labels"))),
              _status(e),
              clean_text(f"{e.get('method', '')} {_short(str(e.get('path', '')))}"))
             for e in entries), shrink=(7, 5)) + "\n")


def _short(path: str) -> str:
    """A request path without /services/data/vNN.N/ (the table is for people)."""
    return re.sub(r"^/services/data/v[\d.]+/", "", path)


def _records(ids: Any) -> str:
    ids = list(ids or [])
    return ids[0] if len(ids) == 1 else f"{len(ids)} records" if ids else ""


def _names(labels: Any) -> str:
    """The record name(s) the log has (older lines have none)."""
    names = [str(n) for n in (labels if isinstance(labels, list) else []) if n]
    return names[0] + (f" +{len(names) - 1}" if len(names) > 1 else "") if names else ""


def _status(e: Mapping[str, Any]) -> str:
    """What the write did, in words first: "ok", "failed CODE", "1 ok, 1 failed CODE",
    "unknown" — never a count that reads like success when the record was refused."""
    if e.get("phase") != "after":
        return "sending"
    code = str(e.get("error_code") or "")
    results = [r for r in e.get("results") or [] if isinstance(r, dict)]
    if results:
        good = sum(1 for r in results if r.get("ok"))
        unknown = sum(1 for r in results if not r.get("ok") and r.get("unknown"))
        bad = len(results) - good - unknown
        parts = [f"{good} ok"] if good and (bad or unknown) else []
        parts += [f"{bad} failed" if good or unknown or bad > 1 else "failed"] if bad else []
        parts += [f"{unknown} unknown" if len(results) > 1 else "unknown"] if unknown else []
        said = ", ".join(parts) or ("ok" if len(results) == 1 else f"all {good} ok")
        return f"{said} {code}".strip()
    outcome = str(e.get("outcome") or "")
    if outcome:
        return f"{outcome} {code}".strip()
    status = e.get("status")
    ok = isinstance(status, int) and 200 <= status < 300 and not code
    return "ok" if ok else f"failed {status or ''} {code}".replace("  ", " ").strip()
