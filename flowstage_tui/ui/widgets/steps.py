"""Steps & work items: who holds each, and the context record they work on."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from rich.text import Text
from textual.binding import Binding

from ...salesforce.models import (
    StepRun,
    WorkItem,
)
from .. import present as P
from .markable import MARK_COLUMN, MarkableTable
from .table import Col, cut, share


class StepsTable(MarkableTable):
    """The stage's steps with their work items: who holds each, and for how long. The
    assignee takes the width the other columns leave; in a narrow pane the Type column goes
    (a step with an assignee is interactive), then the status shrinks to its glyph, so the
    whole name and Held stay on screen. Work items can be marked for a bulk reassign (R);
    a step's own row cannot."""

    BINDINGS = [
        Binding("escape", "unmark_or(\"screen.focus_pane('stages')\")", "Back", id="back"),
        # the work item's context record first: what its assignee opens
        Binding("y", "screen.copy('context')", "Copy", id="copy"),
        Binding("o", "screen.open_url('context')", "URL", show=False, id="url"),
    ]
    WRITES = ("reassign",)
    ROOM = {MARK_COLUMN: 1, "Step": 16, "Type": 11, "Status": 14, "Held": 6}
    ASSIGNEE = 28  # a 17-character name and ' ⚠ inactive'
    _shown: tuple[tuple[StepRun, ...], dict[str, tuple[WorkItem, ...]], datetime] | None = None
    _items: dict[str, WorkItem] = {}  # the work items on screen by Id; show() replaces it

    def columns_for(self, width: int) -> tuple[Col, ...]:
        room = share(width, self.ROOM, {"Assignee": (1, self.ASSIGNEE)}, drop=("Type",))
        if room is None:  # the status glyph only; the step label and the assignee share
            room = {MARK_COLUMN: 1, "Status": 1, "Held": self.ROOM["Held"]}
            left = width - sum(room.values()) - 5 * self.GAP
            if left < 12:  # and in a sliver of a terminal, no Held either
                del room["Held"]
                left += self.ROOM["Held"] + self.GAP
            room["Step"] = max(4, min(self.ROOM["Step"], left * 2 // 5))
            room["Assignee"] = max(4, left - room["Step"])
        order = (MARK_COLUMN, "Step", "Type", "Status", "Assignee", "Held")
        return tuple(Col(k, k if room[k] > 1 else "", room[k]) for k in order if k in room)

    def markable(self, key: str) -> bool:
        return key in self._items

    def unmarkable_text(self) -> str:
        return "Only work items can be marked (this step has none)."

    def work_items(self, keys: Iterable[str]) -> list[WorkItem]:
        """The work items of these row keys (a step's own row has none)."""
        return [self._items[k] for k in keys if k in self._items]

    def holders(self, keys: list[str]) -> list[Text]:
        return [holder_text(wi) for wi in self.work_items(keys)]

    def rendered_rows(self) -> Iterable[tuple[str, dict[str, Text]]]:
        if self._shown is None:
            return
        steps, items, now = self._shown
        assignee = self._room.get("Assignee", 20)
        glyph_only = self._room.get("Status", 14) < 14

        def row(st: StepRun, kind: str, who: Text, held: str, key: str) -> dict[str, Text]:
            # the step's status (Discontinued, Error...), not the item's: a cascade completes
            # the items of a failed or canceled step
            return {MARK_COLUMN: self.mark_cell(key), "Step": P.literal(st.label), "Type": Text(kind),
                    "Status": P.status_text(str(st.status), with_word=not glyph_only),
                    "Assignee": who, "Held": Text(held)}

        for st in steps:
            kind = "interactive" if st.interactive else (
                "async" if "Asynchronous" in st.step_type else "background")
            its = items.get(st.id, ())
            if not its:
                yield st.id, row(st, kind, Text("—", style="dim"), "", st.id)
            for wi in its:
                # what the name is comes first: it keeps its place, the name is cut instead
                tag = Text(" (queue)", style="dim") if wi.assignee_type == "Queue" else Text()
                if wi.assignee_active is False:
                    tag = Text(" ⚠ inactive", style="bold red")
                who = cut(P.literal(wi.assignee_name or wi.assignee_id),
                          max(1, assignee - tag.cell_len))
                who.append_text(tag)
                yield wi.id, row(st, kind, who, self.time_cells(wi.id, now)["Held"].plain, wi.id)

    def show(self, steps: tuple[StepRun, ...], items: dict[str, tuple[WorkItem, ...]],
             now: datetime) -> None:
        self._shown = (steps, items, now)
        self._items = {wi.id: wi for st in steps for wi in items.get(st.id, ())}
        self._refill(self.selected_id)

    def context_item(self) -> WorkItem | None:
        """The work item whose context record the tab shows: the one under the cursor; on a
        step's own row, the first of the stage's items that has one (a stage's items are
        about its run's record)."""
        key = self.selected_id
        item = self._items.get(key or "")
        if item is not None:
            return item if item.context_id else None
        return next((wi for wi in self._items.values() if wi.context_id), None)

    def time_cells(self, key: str, now: datetime) -> dict[str, Text]:
        wi = self._items.get(key)
        if wi is None:
            return {}
        if str(wi.status) != "Assigned":
            return {"Held": Text("done")}
        since = wi.assigned_since or wi.modified  # before v63: the last change is the best guess
        return {"Held": Text(P.short_span((now - since).total_seconds()))}


def holder_text(wi: WorkItem) -> Text:
    """Who holds a work item: the name, and whether it is a queue or an inactive user."""
    out = P.literal(wi.assignee_name or wi.assignee_id or "nobody", "bold")
    if wi.assignee_type in ("Queue", "Group"):
        out.append(f" ({wi.assignee_type.lower()})", style="dim")
    if wi.assignee_active is False:
        out.append(" ⚠ inactive", style="bold red")
    return out


def context_url(item: WorkItem, instance_url: str) -> str | None:
    """The context record's Lightning URL, when its type is known."""
    if not item.context_id or not item.context_type:
        return None
    return P.lightning_url(instance_url, item.context_type, item.context_id)


def context_text(item: WorkItem | None, instance_url: str, url: bool = True) -> Text:
    """One line under the steps: the record the assignee works on (name, type and, with
    `url`, its Lightning URL). Org text, so literal; cut at the pane's edge, the URL last."""
    out = Text(no_wrap=True, overflow="ellipsis")
    if item is None or not item.context_id:
        return out
    out.append("Context ", style="dim")
    out.append_text(P.literal(item.context_name or item.context_id, "bold"))
    out.append(f" · {P.one_line(item.context_type or 'unknown type')}", style="dim")
    link = context_url(item, instance_url) if url else None
    if link:
        out.append("  ")
        out.append(link, style="underline")
    return out
