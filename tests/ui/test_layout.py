"""Layout and column fitting: the panes follow every resize at once, every row is drawn for
the width it is shown at, and every cell fits its column in both time modes."""

from __future__ import annotations

from typing import Any, Literal

from textual.errors import NoWidget
from textual.geometry import Region
from textual.widget import Widget
from textual.widgets import DataTable

from flowstage_tui.emulator.clock import ManualClock
from flowstage_tui.emulator.org import DemoOrg
from flowstage_tui.ui.app import SHORT_ROWS, FlowstageApp

from .conftest import make_app, settle
from .invariants import ScreenCells
from .invariants import check_screen as check_all


# The header's own fit (its status counts are cut at 60 columns) is another part of issue 10
# (defect 8); these tests check the tables and the cursor, the monkey test checks it all.
def check_screen(app: FlowstageApp) -> None:
    check_all(app, header=None)


Arrangement = Literal["beside", "stacked", "one pane"]

# both ways across the 110-column and 20-row thresholds, and back again
SIZES = [(120, 36), (60, 20), (40, 10), (120, 36), (100, 30), (80, 24), (120, 36), (60, 20),
         (100, 30), (40, 10), (80, 24)]


async def resize(pilot: Any, width: int, height: int) -> None:
    """Resize the terminal and wait until the screen has been laid out at the new size."""
    app = pilot.app
    await pilot.resize_terminal(width, height)
    for _ in range(20):  # Textual passes the size on to the screen after a short timer
        await pilot.pause()
        if app.screen.size == (width, height) and app._resize_event is None:
            break
    await settle(app, pilot)


def placed(app: FlowstageApp, selector: str) -> Region | None:
    """Where the screen shows the widget, or None when it is not shown."""
    widget: Widget = app.query_one(selector)
    try:
        region = app.screen.find_widget(widget).visible_region
    except NoWidget:
        return None
    return region if widget.display and region.area else None


def arrangement(app: FlowstageApp) -> Arrangement:
    runs, stages, detail = (placed(app, p) for p in ("#runs-pane", "#stages-pane", "#detail"))
    if stages and detail and runs:
        assert runs.bottom <= min(stages.y, detail.y)
        if stages.y == detail.y and stages.right <= detail.x:
            return "beside"
        assert stages.x == detail.x and stages.bottom <= detail.y, (stages, detail)
        return "stacked"
    assert sum(p is not None for p in (runs, stages, detail)) == 1, (runs, stages, detail)
    return "one pane"


def expected(width: int, height: int) -> Arrangement:
    if height < SHORT_ROWS:
        return "one pane"
    return "beside" if width >= 110 else "stacked"


def pane_text(app: FlowstageApp, cells: ScreenCells, selector: str) -> list[str]:
    region = placed(app, selector)
    if region is None:
        return []
    return [cells.text(y, region.x, region.right) for y in range(region.y, region.bottom)]


def rows_of(table: DataTable[Any]) -> list[list[str]]:
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


async def test_layout_follows_each_resize_at_once(org: DemoOrg, clock: ManualClock) -> None:
    """Defect 4: the arrangement of the panes is the one for the size just set, not for the
    size before it, whichever way the size changes."""
    app = make_app(org, clock)
    async with app.run_test(size=SIZES[0]) as pilot:
        await settle(app, pilot)
        for width, height in SIZES:
            await resize(pilot, width, height)
            assert app.screen.size == (width, height)
            assert arrangement(app) == expected(width, height), (width, height)
