"""The tables' common base: columns laid out for their own width, cells cut to fit."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.coordinate import Coordinate
from textual.widgets import DataTable


@dataclass(frozen=True)
class Col:
    """One column of a table layout: its key, header label and the cells its text may take
    (the table adds one blank after it, so neighbours never touch)."""

    key: str
    label: str
    room: int


class FitTable(DataTable[Any]):
    """A table that lays its columns out for its own width and keeps every cell inside them.

    Each subclass says which columns a width gets (`columns_for`) and how its rows read
    (`rendered_rows`); whenever the width gives other columns (a resize, the focus moving to
    another pane, a time mode with longer times), every row is rendered again for them: no
    row keeps the formatting of the width before. Every cell is cut to its column, ending
    with …, so no text runs into the next column or loses characters silently.

    It also never holds an empty Text: under NO_COLOR, Textual 8.2.8's monochrome filter
    fails on the style-less empty segment such a cell renders to.

    Its cursor row stays in view whenever the rows it can show change (a resize, shown
    again) or its rows are filled again: see `_keep_cursor_in_view`."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False, id="down",
                tooltip="move down in the focused list or text"),
        Binding("k", "cursor_up", "Up", show=False, id="up",
                tooltip="move up in the focused list or text"),
        Binding("g", "first_row", "Top", show=False, id="top", tooltip="first row"),
        Binding("G", "last_row", "Bottom", show=False, id="bottom",
                tooltip="last row (in Runs, also loads older runs)"),
    ]
    GAP = 1  # the blank after each column (cell_padding is 0)
    _layout: tuple[Col, ...] = ()
    _room: dict[str, int] = {}  # column key -> cells for its text; _fit replaces it
    _width: int | None = None  # the width the columns were laid out for
    _view_due = False  # the cursor row is to be brought into view at the next idle
    _view_top: float | None = None  # ...with the rows scrolled back to here, as far as it can

    def on_mount(self) -> None:
        self.cursor_type = "row"
        self.cell_padding = 0
        self._fit(self.size.width or self.app.size.width - 2)

    def on_resize(self, event: events.Resize) -> None:
        self._fit(event.size.width)
        # a pane that shrank (the focus moved to another one), or that is shown again after
        # display: none (Textual sends a Resize then too), keeps its cursor row in view
        self._keep_cursor_in_view()

    def _keep_cursor_in_view(self, top: float | None = None) -> None:
        """Bring the cursor row into view, scrolled to `top` (else where the view is) as far
        as that keeps it in view, once the table is idle: by then DataTable has measured rows
        just added (the scroll range is stale until it has), and the size is the one the
        screen shows. One request per idle, however many ask; the last `top` wins.

        Not with call_after_refresh: that callback is queued on the screen on top, not this
        table's, and a dialog closed before its next refresh drops it (a pane shrinking under
        the copy dialog kept a view for its old height); nor can it order itself after the
        row measurement, which happens in this table's own idle."""
        if top is not None:
            self._view_top = top
        self._view_due = True
        self.check_idle()

    def on_idle(self) -> None:
        if self._view_due:
            # this handler runs before DataTable's (subclass first), which measures rows just
            # added; a call_next runs after both, in the same pass
            self.call_next(self._cursor_into_view)

    def _cursor_into_view(self) -> None:
        if not self._view_due:
            return
        self._view_due = False
        top, self._view_top = self._view_top, None
        if not self.row_count:
            return
        # the rows on screen: inside the scrollbars (a horizontal one takes a row), under
        # the column labels; every row of these tables is one line high
        header = self.header_height if self.show_header else 0
        rows = max(1, self.scrollable_content_region.height - header)
        row = self.cursor_row
        y = self.scroll_y if top is None else top
        y = min(max(y, row - rows + 1), row)
        self.scroll_to(y=max(0, min(y, self.max_scroll_y)), animate=False, immediate=True)

    def action_first_row(self) -> None:
        if self.row_count:
            self.move_cursor(row=0)

    def action_last_row(self) -> None:
        if self.row_count:
            self.move_cursor(row=self.row_count - 1)

    def columns_for(self, width: int) -> tuple[Col, ...]:
        """The columns for `width` cells of text and gaps (the scrollbar's taken off)."""
        raise NotImplementedError

    def rendered_rows(self) -> Iterable[tuple[str, dict[str, Text]]]:
        """Every row of the data last shown, by key, its cells by column key, rendered for
        the columns in `_room`."""
        return ()

    def refit(self, refill: bool = True) -> bool:
        """Lay the columns out again for the current width (something they depend on other
        than the width has changed); True when they changed (and, with `refill`, every row
        was drawn again for them)."""
        return self._fit(self._width if self._width is not None else self.size.width, refill)

    def _fit(self, width: int, refill: bool = True) -> bool:
        self._width = width
        layout = self.columns_for(max(0, width - self.styles.scrollbar_size_vertical))
        if layout == self._layout:
            return False
        selected, scroll = self.selected_id, self.scroll_y
        self._layout = layout
        self._room = {c.key: c.room for c in layout}
        self.clear(columns=True)
        for c in layout:
            self.add_column(cut(Text(c.label or " "), c.room), key=c.key,
                            width=c.room + self.GAP)
        if refill:
            self._refill(selected, scroll=scroll)
        return True

    def _refill(self, selected: str | None, default: int = 0,
                scroll: float | None = None) -> None:
        """Replace every row with `rendered_rows()`; the cursor stays on `selected` (else
        goes to row `default`), and the view scrolls back to `scroll` as far as the cursor
        row stays in it."""
        self.clear()
        keys = []
        for key, cells in self.rendered_rows():
            self.add_row(*self._ordered(cells), key=key)
            keys.append(key)
        if keys:
            row = keys.index(selected) if selected in keys else min(default, len(keys) - 1)
            self.move_cursor(row=row, animate=False, scroll=False)
            self._keep_cursor_in_view(scroll)  # once the new rows are measured

    def _ordered(self, cells: Mapping[str, Text]) -> list[Text]:
        return [cells.get(c.key) or Text(" ") for c in self._layout]

    def add_row(self, *cells: Any, **kw: Any) -> Any:
        rooms = [c.room for c in self._layout]
        return super().add_row(*(_filled(_fit_cell(c, rooms[i] if i < len(rooms) else 0))
                                 for i, c in enumerate(cells)), **kw)

    def update_cell(self, row_key: Any, column_key: Any, value: Any, **kw: Any) -> None:
        room = self._room.get(str(column_key), 0)
        super().update_cell(row_key, column_key, _filled(_fit_cell(value, room)), **kw)

    def retime(self, now: datetime) -> None:
        """Ages and durations move with the clock: rewrite those of the rows on screen whose
        text has changed since they were drawn (a few cells a second, not the table)."""
        top = int(self.scroll_y)
        for index in range(top, min(self.row_count, top + self.size.height)):
            key = self.coordinate_to_cell_key(Coordinate(index, 0)).row_key
            for column, text in self.time_cells(str(key.value), now).items():
                room = self._room.get(column)
                if room is None:
                    continue  # not shown at this width
                text = _fit_cell(text, room)
                if str(self.get_cell(key, column)) != text.plain:
                    self.update_cell(key, column, text)

    def time_cells(self, key: str, now: datetime) -> dict[str, Text]:
        """The clock-driven cells of one row, by column key."""
        return {}

    @property
    def selected_id(self) -> str | None:
        """The key of the row under the cursor (a record Id), or None."""
        if not self.row_count:
            return None
        try:
            return str(self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value)
        except Exception:
            return None


def _filled(cell: Any) -> Any:
    return Text(" ") if isinstance(cell, Text) and not cell.plain else cell


def _fit_cell(cell: Any, room: int) -> Any:
    return cut(cell, room) if isinstance(cell, Text) and room > 0 else cell


def share(width: int, fixed: Mapping[str, int], flexible: Mapping[str, tuple[int, int]],
          drop: Iterable[str] = ()) -> dict[str, int] | None:
    """Room per column for `width` cells: the fixed columns get theirs, the flexible ones
    share what is left by weight, each at least its minimum (`flexible`: key -> (weight,
    minimum)); one blank follows each column. While the flexible ones would get less than
    their minimums, the columns in `drop` go, in that order. None when nothing fits."""
    fixed = dict(fixed)
    for gone in (None, *drop):
        if gone is not None:
            fixed.pop(gone, None)
        left = width - sum(fixed.values()) - FitTable.GAP * (len(fixed) + len(flexible))
        if left >= sum(m for _, m in flexible.values()):
            break
    else:
        return None
    weights = sum(w for w, _ in flexible.values()) or 1
    room = dict(fixed)
    keys = list(flexible)
    for n, key in enumerate(keys[:-1]):
        weight, minimum = flexible[key]
        later = sum(m for _, m in (flexible[k] for k in keys[n + 1:]))
        room[key] = min(max(minimum, left * weight // weights),
                        left - sum(room[k] for k in keys[:n]) - later)
    room[keys[-1]] = left - sum(room[k] for k in keys[:-1])
    return room



def cut(text: Text, width: int) -> Text:
    """Shorten org text to a column, ending with … when cut."""
    if text.cell_len <= width:
        return text
    out = text.copy()
    if width <= 1:
        out.truncate(0)
        out.append("…"[:max(0, width)])
        return out
    out.truncate(width - 1)
    out.rstrip()  # a wide character cut in half leaves a blank
    out.append("…")
    return out
