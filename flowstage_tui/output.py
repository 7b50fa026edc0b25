"""Formatting for the headless commands: tables that fit the terminal, stable JSON, CSV.

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
import shutil
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

RUN_COLUMNS = ("id", "name", "status", "orchestration", "label", "current_stage", "created",
               "modified", "duration_seconds", "url")


def short_time(dt: datetime | None) -> str:
    return "" if dt is None else dt.strftime("%Y-%m-%d %H:%M")


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


def duration_text(seconds: int | None) -> str:
    if seconds is None:
        return ""
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds}s"
    minutes, s = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{s:02d}s"
    hours, m = divmod(minutes, 60)
    if hours < 48:
        return f"{hours}h{m:02d}m"
    return f"{hours // 24}d{hours % 24:02d}h"


def run_record(run: Any, instance_url: str) -> dict[str, Any]:
    """The documented JSON shape of one run (RUN_COLUMNS), for every command and export."""
    return {"id": run.id, "name": run.name, "status": str(run.status),
            "orchestration": run.orchestration, "label": run.label,
            "current_stage": run.current_stage, "created": iso(run.created),
            "modified": iso(run.modified), "duration_seconds": run.duration,
            "url": lightning_url(instance_url, "FlowOrchestrationInstance", run.id)}


def width_of(text: str) -> int:
    """Terminal cells text takes: East Asian wide/full-width characters take two."""
    return sum(0 if unicodedata.combining(ch) else
               2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _cut(text: str, w: int) -> str:
    if width_of(text) <= w:
        return text + " " * (w - width_of(text))
    out, used = [], 0
    for ch in text:
        cw = width_of(ch)
        if used + cw > w - 1:
            break
        out.append(ch)
        used += cw
    return "".join(out) + "…" + " " * (w - 1 - used)


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]], width: int | None = None,
          shrink: Sequence[int] = ()) -> str:
    """A plain-text table no wider than the terminal; columns in `shrink` give way first."""
    data = [["" if v is None else str(v) for v in r] for r in rows]
    width = width or shutil.get_terminal_size((120, 24)).columns
    widths = [max([width_of(h)] + [width_of(r[i]) for r in data])
              for i, h in enumerate(headers)]
    total = sum(widths) + 2 * (len(widths) - 1)
    for i in shrink:
        if total <= width:
            break
        spare = total - width
        give = min(spare, max(0, widths[i] - 8))
        widths[i] -= give
        total -= give

    lines = ["  ".join(_cut(h, widths[i]) for i, h in enumerate(headers)).rstrip()]
    for r in data:
        lines.append("  ".join(_cut(v, widths[i]) for i, v in enumerate(r)).rstrip())
    return "\n".join(lines)


def to_csv(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(headers)
    for r in rows:
        writer.writerow(["" if v is None else v for v in r])
    return buf.getvalue()


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=False)


def clean_text(text: str | None) -> str:
    """Org text for a terminal: control characters (escape sequences) shown, not obeyed."""
    if text is None:
        return ""
    return "".join(ch if ch in "\n\t" or (ch >= " " and ch != "\x7f") else
                   f"\\x{ord(ch):02x}" for ch in text)
