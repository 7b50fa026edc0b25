"""The org tab bar: one label per open org, in its colour, with [RO]/[RW], health and errors.

Shown only while two or more orgs are open, on one line (80x24 keeps its rows otherwise).
"""

from __future__ import annotations

from collections.abc import Mapping

from rich.text import Text
from textual.widgets import Static

from ...engine.state import HealthState
from .. import present as P
from ..messages import OrgBadge
from .table import cut

# what a tab says about its org's health, in a word (nothing while all is well)
HEALTH_WORD = {
    HealthState.CONNECTING: ("…", "yellow"),
    HealthState.STALE: ("stale", "yellow"),
    HealthState.OFFLINE: ("offline", "bold red"),
    HealthState.ORG_ERROR: ("org errors", "bold red"),
    HealthState.REAUTH: ("re-auth", "bold red"),
    HealthState.LIMIT_LOW: ("API low", "yellow"),
    HealthState.LIMIT_EXHAUSTED: ("API used up", "bold red"),
}


def tabs_text(badges: Mapping[str, OrgBadge], active: str, width: int) -> Text:
    """`1 PROD RO ✖3   2 UAT RW offline`: the label of the org in front reversed in its
    colour; each tab cut to share the width when they do not all fit."""
    parts: list[Text] = []
    for n, (key, b) in enumerate(badges.items(), start=1):
        front = key == active
        tab = Text(f"{n}", style="bold" if front else "dim")
        # the org in front as the header shows its badge: reversed in its colour
        tab.append_text(P.literal(f" {b.label} ", f"bold reverse {b.color or 'cyan'}" if front
                                  else f"{b.color or 'cyan'}"))
        tab.append("RO" if b.read_only else "RW", style="dim" if b.read_only else "bold red")
        word = HEALTH_WORD.get(b.state)
        if word:
            tab.append(f" {word[0]}", style=word[1])
        if b.errors:
            tab.append(f" {P.glyph('Error')}{b.errors}", style=P.TEXT_STYLES.get("Error", ""))
        parts.append(tab)
    room = max(4, (width - 3 * len(parts)) // max(1, len(parts)))
    if sum(p.cell_len + 3 for p in parts) > width:
        parts = [cut(p, room) for p in parts]
    out = Text(no_wrap=True, overflow="ellipsis")
    for i, part in enumerate(parts):
        if i:
            out.append("   ")
        out.append_text(part)
    return out


class OrgTabs(Static):
    DEFAULT_CSS = """
    OrgTabs {
        height: 1;
        padding: 0 1;
        background: $panel;
        display: none;
    }
    OrgTabs.several {
        display: block;
    }
    """

    _shown: tuple[dict[str, OrgBadge], str] | None = None

    def show(self, badges: Mapping[str, OrgBadge], active: str) -> None:
        self.set_class(len(badges) > 1, "several")
        self._shown = (dict(badges), active)
        self.update(tabs_text(badges, active, max(10, self.size.width - 2 or 78)))

    def on_resize(self) -> None:
        shown = self._shown
        if shown is not None:
            self.update(tabs_text(shown[0], shown[1], max(10, self.size.width - 2)))
