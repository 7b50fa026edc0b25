"""The screen checker itself: it passes a sound screen and names each broken invariant."""

from __future__ import annotations

import pytest
from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets import DataTable, Static

from .invariants import check_screen, screen_text


class Sample(App[None]):
    """A header and a table, nothing else: each test breaks one invariant."""

    CSS = "#header { height: auto; max-height: 3; padding: 0 1; } DataTable { height: 1fr; }"

    def __init__(self, header: str, cells: list[tuple[str, str]], padding: int = 1,
                 width: int = 6) -> None:
        super().__init__()
        self.header, self.cells, self.padding, self.width = header, cells, padding, width

    def compose(self) -> ComposeResult:
        yield Static(Text(self.header), id="header")
        yield DataTable(id="table")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.cell_padding = self.padding
        table.cursor_type = "row"
        table.add_column("A", key="a", width=self.width)
        table.add_column("B", key="b", width=self.width)
        for a, b in self.cells:
            table.add_row(a, b)
        table.focus()


ROWS = [(f"a{i}", f"b{i}") for i in range(40)]


async def test_a_sound_screen_passes() -> None:
    app = Sample("flowstage", ROWS)
    async with app.run_test(size=(40, 12)) as pilot:
        await pilot.pause()
        check_screen(app)
        assert screen_text(app)[0] == " flowstage"


async def test_a_wrapped_header_is_named() -> None:
    app = Sample("a header line far too long for a terminal this narrow", ROWS)
    async with app.run_test(size=(40, 12)) as pilot:
        await pilot.pause()
        with pytest.raises(AssertionError, match="header line 1 does not fit its row"):
            check_screen(app)
        check_screen(app, header=None)


async def test_a_cursor_row_out_of_view_is_named() -> None:
    app = Sample("flowstage", ROWS)
    async with app.run_test(size=(40, 12)) as pilot:
        await pilot.pause()
        table = app.query_one(DataTable)
        table.move_cursor(row=30)
        await pilot.pause()
        check_screen(app)
        table.scroll_to(y=0, animate=False)
        await pilot.pause()
        with pytest.raises(AssertionError, match="does not show its cursor row"):
            check_screen(app)


async def test_a_cell_cut_at_its_column_edge_is_named() -> None:
    app = Sample("flowstage", [("11-27 06:41", "x")], width=10)
    async with app.run_test(size=(40, 12)) as pilot:
        await pilot.pause()
        with pytest.raises(AssertionError, match="shows '11-27 06:4' of '11-27 06:41'"):
            check_screen(app)


async def test_cells_without_a_blank_between_them_are_named() -> None:
    app = Sample("flowstage", [("06:41", "11-28")], padding=0, width=5)
    async with app.run_test(size=(40, 12)) as pilot:
        await pilot.pause()
        assert "06:4111-28" in "".join(screen_text(app))
        with pytest.raises(AssertionError, match="no blank between"):
            check_screen(app)
