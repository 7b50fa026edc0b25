"""How things look: glyphs, colours, times and bars. Pure functions (tested without a screen)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from datetime import datetime

from rich.text import Text

from ..export import clean_text as clean_text
from ..export import lightning_url as lightning_url
from ..salesforce.models import Run, StageRun

ASCII = os.environ.get("FLOWSTAGE_ASCII", "") not in ("", "0")

# Status glyphs and their ASCII twins (the same ones ascii.py's driver would write; chosen
# here too so that a table cell itself holds the ASCII glyph under FLOWSTAGE_ASCII=1).
GLYPHS = {
    "InProgress": ("▶", ">"), "Error": ("✖", "X"), "Suspended": ("⏸", "="),
    "Completed": ("✔", "+"), "Canceled": ("⊘", "/"), "Discontinued": ("↷", "~"),
    "NotStarted": ("·", "."), "Assigned": ("●", "*"),
}
# Rich styles for Text objects (theme variables are not available inside Text).
TEXT_STYLES = {
    "InProgress": "bold cyan", "Error": "bold red", "Suspended": "yellow", "Completed": "green",
    "Canceled": "dim", "Discontinued": "blue", "NotStarted": "italic dim",
    "Assigned": "yellow",
}


def glyph(status: str) -> str:
    pair = GLYPHS.get(status, ("?", "?"))
    return pair[1] if ASCII else pair[0]


def status_text(status: str, with_word: bool = True) -> Text:
    """Glyph (and word) in the status colour. Unknown statuses are shown as they are, word
    included even where known ones show only their glyph: "?" alone would say nothing."""
    word = with_word or (status not in GLYPHS and status != "")
    label = f"{glyph(status)} {status}" if word else glyph(status)
    return Text(label, style=TEXT_STYLES.get(status, ""))


def one_line(text: str | None) -> str:
    """Text for a header, a title or a notification: escapes shown, tabs and line breaks
    made spaces, so it stays on its one line."""
    return clean_text(text).replace("\t", " ").replace("\n", " ")


def literal(text: str | None, style: str = "") -> Text:
    """Org text as data: Rich markup stays literal, control characters are made visible."""
    return Text(clean_text(text), style=style)


def ago(when: datetime | None, now: datetime) -> str:
    if when is None:
        return ""
    return short_span((now - when).total_seconds()) + " ago"


def short_span(seconds: float | None) -> str:
    if seconds is None:
        return ""
    s = int(max(0, seconds))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m"
    if s < 48 * 3600:
        return f"{s // 3600}h{(s % 3600) // 60:02d}m"
    return f"{s // 86400}d{(s % 86400) // 3600:02d}h"


def stage_label(run: Run, stages: Iterable[StageRun]) -> str | None:
    """The label of the run's current stage, as the Stages pane shows it: CurrentStage holds
    the stage's API name, so it is looked up among the run's stages. "" when the run is on
    no stage; None when its stages are not loaded (yet) or do not have it."""
    if not run.current_stage:
        return ""
    return next((s.label for s in stages if s.name == run.current_stage), None)


def local(dt: datetime) -> datetime:
    """A stamp in this machine's time zone (TZ), as the admin reads the clock on the wall.
    Exports and `flowstage runs` keep UTC (labelled), for scripts."""
    return dt.astimezone()


def count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def when(dt: datetime | None, now: datetime, relative: bool) -> str:
    if dt is None:
        return ""
    if relative:
        return ago(dt, now)
    return local(dt).strftime("%m-%d %H:%M")


def bar(seconds: float | None, longest: float, width: int) -> str:
    """A bar whose length is the share of the longest stage; at least one cell when > 0."""
    if not seconds or longest <= 0 or width <= 0:
        return ""
    cells = max(1, round(width * seconds / longest))
    return "█" * min(width, cells)  # FLOWSTAGE_ASCII: the driver writes it as # (ascii.py)


def html_to_text(body: str) -> str:
    """Rich-text feed bodies (HTML) as readable plain text."""
    import html
    import re

    text = re.sub(r"(?i)<br\s*/?>|</p>|</li>", "\n", body)
    text = re.sub(r"(?i)<li[^>]*>", "• ", text)
    text = re.sub(r"<[^>]+>", "", text)
    return html.unescape(text).strip()
