"""Formatting for people at a terminal: tables that fit it, short times and durations.

What scripts read (JSON, CSV, the run record) is in flowstage_tui/export.py, shared with the TUI.
"""

from __future__ import annotations

import shutil
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any


def short_time(dt: datetime | None) -> str:
    return "" if dt is None else dt.strftime("%Y-%m-%d %H:%M")


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
