"""Runs as records for people's other tools: the documented JSON shape, CSV and JSON text, and
the export file the TUI writes. One module for the command line and the TUI, so that
`flowstage runs --format csv` and the TUI's `e` (export) can never drift apart.

JSON shapes (documented in `flowstage --help`, stable across releases):
- run: {"id", "name", "status", "orchestration", "label", "current_stage", "created",
  "modified", "duration_seconds", "url"}
- show: run fields plus "error", "stages" [{..., "steps": [{..., "work_items": [{...,
  "context": {"id", "type", "name", "url"} | null}]}]}], "log", "history", "feed"
- watch event: {"event": "run-started" | "run-status" | "stage-status" | "work-item-assigned"
  | "work-item-completed" | "poll", "at", ...}
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .salesforce.models import Run

RUN_COLUMNS = ("id", "name", "status", "orchestration", "label", "current_stage", "created",
               "modified", "duration_seconds", "url")


def iso(dt: datetime | None) -> str | None:
    return None if dt is None else dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def lightning_url(instance_url: str, sobject: str, record_id: str) -> str:
    """The Lightning Experience URL of a record (My Domain hosts map to lightning.force.com)."""
    parts = urlsplit(instance_url)
    host = parts.hostname or ""
    if host.endswith(".my.salesforce.com"):
        host = host[: -len(".my.salesforce.com")] + ".lightning.force.com"
    elif host.endswith(".salesforce.com"):
        host = host[: -len(".salesforce.com")] + ".lightning.force.com"
    netloc = host + (f":{parts.port}" if parts.port else "")
    return f"{parts.scheme or 'https'}://{netloc}/lightning/r/{sobject}/{record_id}/view"


def run_record(run: Run, instance_url: str) -> dict[str, Any]:
    """The documented JSON shape of one run (RUN_COLUMNS), for every command and export."""
    return {"id": run.id, "name": run.name, "status": str(run.status),
            "orchestration": run.orchestration, "label": run.label,
            "current_stage": run.current_stage, "created": iso(run.created),
            "modified": iso(run.modified), "duration_seconds": run.duration,
            "url": lightning_url(instance_url, "FlowOrchestrationInstance", run.id)}


def clean_text(text: str | None) -> str:
    """Org text for a terminal: control characters (escape sequences) shown, not obeyed."""
    if text is None:
        return ""
    return "".join(ch if ch in "\n\t" or (ch >= " " and ch != "\x7f") else
                   f"\\x{ord(ch):02x}" for ch in text)


def csv_text(records: Iterable[Mapping[str, Any]],
             columns: Sequence[str] = RUN_COLUMNS) -> str:
    """Records as CSV: a header of `columns` (run records' by default), None as an empty
    cell, one "\\n" per line (what `runs --format csv` has always printed; csv readers and
    spreadsheets take it)."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    writer.writerows(records)
    return buf.getvalue()


def json_text(value: Any) -> str:
    """Indented JSON with its own line end; non-ASCII kept as it is (names are people's)."""
    return json.dumps(value, ensure_ascii=False, indent=2) + "\n"


def save_runs(runs: Iterable[Run], instance_url: str, directory: Path, fmt: str,
              at: datetime) -> Path:
    """Write the runs to a new `flowstage-runs-STAMP.csv|json` in directory; its path."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"flowstage-runs-{at.strftime('%Y%m%d-%H%M%S')}.{fmt}"
    records = [run_record(r, instance_url) for r in runs]
    path.write_text(json_text(records) if fmt == "json" else csv_text(records),
                    encoding="utf-8", newline="")
    return path
