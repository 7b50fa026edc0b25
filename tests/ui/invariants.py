"""Screen invariants any state of the app must hold, checked on what the terminal shows.

`check_screen(app)` is meant to be called after every key or resize of a long random walk (the
monkey test) as well as from ordinary Pilot tests, so it is cheap (a few milliseconds at
200x60): it renders the top screen once, through the compositor, to plain cells, and reads
everything else off those cells. It asks the widgets only where the screen cannot say:
where each table's columns start (to cut the screen into cells) and what a cell holds (to
see that all of it is on screen).

The invariants:
- the header (`#header`) takes at most two rows, and each of its rows on screen is one whole
  line of its text: nothing wrapped onto a second row, nothing cropped at the edge;
- the focused table (when a table has the focus and rows) shows its cursor row on screen:
  some row inside the table's visible area is drawn in the cursor's colours;
- every table cell on screen shows its whole text inside its column, and two cells side by
  side are separated by a blank cell: no content runs into the next column or loses
  characters at its edge.
"""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len
from rich.style import Style
from textual.app import App
from textual.errors import NoWidget
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import DataTable

__all__ = ["ScreenCells", "check_screen", "screen_text"]


class ScreenCells:
    """The top screen as rendered right now: one list of cells per row. A wide character
    takes its first cell; the cell after it holds ""."""

    def __init__(self, app: App[Any]) -> None:
        self.screen = app.screen
        self.strips: list[Strip] = self.screen._compositor.render_strips()
        self.width = self.screen.size.width
        self._cells: dict[int, list[str]] = {}

    def row(self, y: int) -> list[str]:
        cells = self._cells.get(y)
        if cells is None:
            text = self.strips[y].text
            if len(text) == self.width:  # no wide characters: one cell each
                cells = list(text)
            else:
                cells = []
                for ch in text:
                    cells.append(ch)
                    if not ch.isascii() and cell_len(ch) == 2:
                        cells.append("")
                cells += [" "] * (self.width - len(cells))
            self._cells[y] = cells
        return cells

    def text(self, y: int, x0: int = 0, x1: int | None = None) -> str:
        """What row y shows between columns x0 and x1 (screen cells, end excluded)."""
        return "".join(self.row(y)[x0:x1])

    def styles(self, y: int, x0: int, x1: int) -> list[Style]:
        """The style of each cell of row y between x0 and x1."""
        out: list[Style] = []
        for seg in self.strips[y]:
            style = seg.style or Style.null()
            out += [style] * cell_len(seg.text)
        return out[x0:x1]

    def lines(self) -> list[str]:
        return [self.text(y).rstrip() for y in range(len(self.strips))]


def screen_text(app: App[Any]) -> list[str]:
    """The screen's plain text, one string per row, trailing blanks removed."""
    return ScreenCells(app).lines()


def _visible(screen: Any, widget: Widget) -> Region | None:
    """The part of the widget the screen shows, or None when it shows none of it."""
    if not widget.display:
        return None
    try:
        geometry = screen.find_widget(widget)
    except NoWidget:
        return None
    region: Region = geometry.visible_region
    return region if region.width > 0 and region.height > 0 else None


def check_screen(app: App[Any], header: str | None = "#header") -> None:
    """Assert the invariants above on the app's top screen; the message says what broke,
    where, and shows the screen. `header` selects the header widget (None: do not check
    it)."""
    cells = ScreenCells(app)
    try:
        if header is not None:
            _check_header(cells, header)
        _check_tables(cells)
    except AssertionError as exc:
        shown = "\n".join(f"{y:2}|{line}" for y, line in enumerate(cells.lines()))
        raise AssertionError(f"{exc}\nscreen {cells.width}x{len(cells.strips)}:\n{shown}") \
            from None


def _check_header(cells: ScreenCells, selector: str) -> None:
    found = cells.screen.query(selector)
    if not found:
        return
    widget = found.first()
    region = _visible(cells.screen, widget)
    if region is None:
        return
    assert region.height <= 2, f"the header takes {region.height} rows"
    inner = widget.content_region
    lines = str(widget.render()).split("\n")
    assert len(lines) <= inner.height, (
        f"the header has {len(lines)} lines of text for {inner.height} rows")
    for i, line in enumerate(lines):
        shown = cells.text(inner.y + i, inner.x, inner.right).rstrip()
        assert cell_len(line.rstrip()) <= inner.width and shown == line.rstrip(), (
            f"header line {i + 1} does not fit its row ({cell_len(line)} cells for "
            f"{inner.width}): {line!r} shows as {shown!r}")


def _check_tables(cells: ScreenCells) -> None:
    screen = cells.screen
    focused = screen.focused
    for table in screen.query(DataTable):
        area = _visible(screen, table)
        if area is None:
            continue
        # the area rows and cells are drawn in: inside the scrollbars
        area = area.intersection(table.scrollable_content_region)
        top = table.scrollable_content_region.y
        _check_columns(table, cells, area, top)
        if table is focused and table.row_count and table.show_cursor:
            _check_cursor(table, cells, area, top)


def _check_columns(table: DataTable[Any], cells: ScreenCells, area: Region, top: int) -> None:
    pad = table.cell_padding
    x = table.scrollable_content_region.x - int(table.scroll_x)
    spans: list[tuple[int, int]] = []  # each column's content cells on screen
    for column in table.ordered_columns:
        width = column.get_render_width(table)
        spans.append((x + pad, x + width - pad))
        x += width
    header_rows = table.header_height if table.show_header else 0
    rows: list[tuple[int, list[Any]]] = []
    if header_rows:
        rows.append((top, [c.label for c in table.ordered_columns]))
    y = top + header_rows - int(table.scroll_y)
    for index, row in enumerate(table.ordered_rows):
        if y >= area.bottom:
            break
        if y >= top + header_rows and row.height == 1:
            rows.append((y, table.get_row_at(index)))
        y += row.height
    for y, values in rows:
        if not area.y <= y < area.bottom:
            continue
        row_cells = cells.row(y)
        previous_end: int | None = None  # the last cell a column's text took on this row
        for (x0, x1), value in zip(spans, values, strict=False):
            if x0 < area.x or x1 > area.right:
                continue  # only partly on screen (scrolled sideways)
            want = str(value).strip()
            shown = "".join(row_cells[x0:x1])
            got = shown.strip()
            assert got == want, (
                f"a {table.id or 'table'} cell at row {y}, columns {x0}-{x1} shows "
                f"{got!r} of {want!r}")
            if not want:
                previous_end = None
                continue
            first = x0 + len(shown) - len(shown.lstrip())  # blanks are one cell each
            assert previous_end is None or first > previous_end + 1, (
                f"{table.id or 'table'} row {y}: no blank between the cell ending at "
                f"{previous_end} and {want!r} at {first}")
            previous_end = x0 + cell_len(shown.rstrip()) - 1


def _check_cursor(table: DataTable[Any], cells: ScreenCells, area: Region, top: int) -> None:
    cursor = table.get_component_rich_style("datatable--cursor").bgcolor
    header_rows = table.header_height if table.show_header else 0
    for y in range(max(area.y, top + header_rows), area.bottom):
        if any(s.bgcolor == cursor for s in cells.styles(y, area.x, area.right)):
            return
    raise AssertionError(
        f"the focused {table.id or 'table'} does not show its cursor row "
        f"(row {table.cursor_row}, scrolled to {table.scroll_y}, rows "
        f"{area.y}-{area.bottom} on screen)")
