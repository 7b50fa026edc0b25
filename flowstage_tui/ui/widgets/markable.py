"""Marking rows for a bulk action: one feature every table that writes act on shares (Runs,
Steps & work items, and the Work queue)."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.binding import Binding
from textual.message import Message

from .table import FitTable

MARK_GLYPH = "+"  # plain ASCII: readable without colour and under FLOWSTAGE_ASCII
MARK_COLUMN = "mark"


class MarkableTable(FitTable):
    """A table whose rows can be marked: `space` marks or unmarks the cursor row, `V` marks
    every row from the last mark to the cursor, and Esc clears the marks before it does what
    it did before (`action_unmark_or`). The writes act on `target_items()`: the marked rows,
    else the cursor row.

    Marks are row keys (record Ids). They live as long as their rows: a refill that drops a
    row drops its mark, so a write never reaches a record that is no longer on screen. A
    subclass draws `mark_cell(key)` in a narrow first column (`MARK_COLUMN`) and may refuse
    rows (`markable`: a step's own row in Steps is not a work item)."""

    BINDINGS = [
        Binding("space", "toggle_mark", "Mark", show=False, id="mark",
                tooltip="mark / unmark the row for a bulk write (R, C, D, U in a writable "
                "tab act on every marked row); the pane's title counts them, Esc clears them"),
        Binding("V", "mark_range", "Mark range", show=False, id="mark.range",
                tooltip="mark every row from the last mark to the cursor"),
    ]

    class MarksChanged(Message):
        """The marks of `table` changed: its pane's title says how many."""

        def __init__(self, table: MarkableTable, count: int) -> None:
            super().__init__()
            self.table = table
            self.count = count

        @property
        def control(self) -> MarkableTable:
            return self.table

    # the writes whose keys act on this table's rows (TriageWrites asks): "reassign" for
    # tables of work items, "cancel", "delete", "nudge" for tables of runs
    WRITES: tuple[str, ...] = ()

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.marked: set[str] = set()
        self._anchor: str | None = None  # the last row marked: where V starts

    # ------------------------------------------------------------ what subclasses say
    def markable(self, key: str) -> bool:
        """Whether the row `key` may be marked (every row, unless a subclass says not)."""
        return True

    def holders(self, keys: list[str]) -> list[Text]:
        """Who holds the work of these rows now, one line each (the assignee picker shows
        them); a table of work items says, others have none."""
        return []

    def mark_cell(self, key: str) -> Text:
        """The mark column's cell of row `key`."""
        return Text(MARK_GLYPH, style="bold") if key in self.marked else Text(" ")

    # ------------------------------------------------------------ keys
    def action_toggle_mark(self) -> None:
        key = self.selected_id
        if key is None:
            return
        if not self.markable(key):
            self.app.notify(self.unmarkable_text(), timeout=3)
            return
        if key in self.marked:
            self.marked.discard(key)
            self._anchor = None if self._anchor == key else self._anchor
        else:
            self.marked.add(key)
            self._anchor = key
        self._redraw_marks({key})

    def unmarkable_text(self) -> str:
        return "This row cannot be marked."

    def action_mark_range(self) -> None:
        keys = self.row_keys()
        here = self.selected_id
        if here is None:
            return
        start = keys.index(self._anchor) if self._anchor in keys else keys.index(here)
        end = keys.index(here)
        low, high = min(start, end), max(start, end)
        added = {k for k in keys[low:high + 1] if self.markable(k)} - self.marked
        self.marked |= added
        self._anchor = here if self.markable(here) else self._anchor
        self._redraw_marks(added)

    async def action_unmark_or(self, action: str) -> None:
        """Esc: clear the marks; only with none left does it back out (`action`)."""
        if self.marked:
            self.clear_marks()
        else:
            await self.run_action(action)

    # ------------------------------------------------------------ state
    def clear_marks(self) -> None:
        gone, self.marked, self._anchor = set(self.marked), set(), None
        self._redraw_marks(gone)

    def target_items(self) -> list[str]:
        """What a write acts on: the marked rows in their order on screen, else the cursor
        row (when it may be marked); [] when there is neither."""
        if self.marked:
            return [k for k in self.row_keys() if k in self.marked]
        key = self.selected_id
        return [key] if key is not None and self.markable(key) else []

    def row_keys(self) -> list[str]:
        return [str(k.value) for k in self.rows]

    def _redraw_marks(self, keys: set[str]) -> None:
        if MARK_COLUMN in self._room:
            present = set(self.row_keys())
            for key in keys & present:
                self.update_cell(key, MARK_COLUMN, self.mark_cell(key))
        self.post_message(self.MarksChanged(self, len(self.marked)))

    def prune_marks(self) -> None:
        """Drop the marks of rows no longer shown (call after the rows changed)."""
        if not self.marked:
            return
        kept = self.marked & set(self.row_keys())
        if kept != self.marked:
            self.marked = kept
            self._anchor = self._anchor if self._anchor in kept else None
            self.post_message(self.MarksChanged(self, len(kept)))

    def _refill(self, selected: str | None, default: int = 0,
                scroll: float | None = None) -> None:
        super()._refill(selected, default, scroll)
        self.prune_marks()
