"""Layout and column fitting: the panes follow every resize at once, every row is drawn for
the width it is shown at, and every cell fits its column in both time modes."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Literal

import pytest
from rich.cells import cell_len
from textual.app import App
from textual.errors import NoWidget
from textual.geometry import Region
from textual.widget import Widget
from textual.widgets import DataTable

from flowstage_tui.emulator.clock import ManualClock
from flowstage_tui.emulator.org import DemoOrg
from flowstage_tui.ui import present as P
from flowstage_tui.ui.app import FlowstageApp
from flowstage_tui.ui.screens.triage import SHORT_ROWS
from flowstage_tui.ui.widgets.runs import RunsTable
from flowstage_tui.ui.widgets.stages import StagesTable
from flowstage_tui.ui.widgets.steps import StepsTable

from .conftest import make_app, settle, tab
from .invariants import ScreenCells
from .invariants import check_screen as check_all
from .monkey import send


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


def placed(app: App[Any], selector: str) -> Region | None:
    """Where the screen shows the widget, or None when it is not shown."""
    widget: Widget = tab(app).query_one(selector)
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
    """The table's rows as text, or [] when it is not on screen (a hidden table lays its
    columns out when it is shown again)."""
    if placed(table.app, f"#{table.id}") is None:
        return []
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


async def test_layout_follows_each_resize_at_once(org: DemoOrg, clock: ManualClock) -> None:
    """Defect 4: the arrangement of the panes is the one for the size just set, not for the
    size before it, whichever way the size changes."""
    app = make_app(org, clock)
    async with app.run_test(size=SIZES[0]) as pilot:
        await settle(app, pilot)
        runs = tab(app).query_one(RunsTable)
        runs.move_cursor(row=120)  # far down: the cursor row must stay on screen
        await settle(app, pilot)
        selected = runs.selected_id
        for width, height in SIZES:
            await resize(pilot, width, height)
            assert app.screen.size == (width, height)
            assert arrangement(app) == expected(width, height), (width, height)
            assert runs.selected_id == selected
            check_screen(app)


async def test_a_resized_screen_matches_one_started_at_that_size(org: DemoOrg,
                                                                 clock: ManualClock) -> None:
    """Defect 5: after any resize the panes show what an app started at that size shows:
    every row of every table re-rendered for the new widths, not only the rows that change
    later."""
    fresh: dict[tuple[int, int], tuple[dict[str, list[str]], list[list[list[str]]]]] = {}
    sizes = SIZES[1:6]
    for size in sizes:
        app = make_app(org, clock)
        async with app.run_test(size=size) as pilot:
            await settle(app, pilot)
            cells = ScreenCells(app)
            fresh[size] = ({p: pane_text(app, cells, p) for p in ("#runs-pane", "#lower")},
                           [rows_of(tab(app).query_one(t)) for t in (RunsTable, StagesTable,
                                                                 StepsTable)])
    app = make_app(org, clock)
    async with app.run_test(size=SIZES[0]) as pilot:
        await settle(app, pilot)
        for size in sizes:
            await resize(pilot, *size)
            cells = ScreenCells(app)
            panes, rows = fresh[size]
            for pane, lines in panes.items():
                assert pane_text(app, cells, pane) == lines, (size, pane)
            assert [rows_of(tab(app).query_one(t)) for t in (RunsTable, StagesTable,
                                                         StepsTable)] == rows, size


async def test_runs_start_column_is_redrawn_when_the_table_narrows(org: DemoOrg,
                                                                   clock: ManualClock) -> None:
    """Defect 5 as reported: 120 → 100 columns leaves yesterday's rows reading '11-27' and
    today's '08:49' in the short Start column, and 100 → 120 gives every row its full
    'MM-DD HH:MM' and its status word back."""
    app = make_app(org, clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        table = tab(app).query_one(RunsTable)
        now = app.cfg.clock()
        for size in ((100, 30), (120, 36), (80, 24), (120, 36)):
            await resize(pilot, *size)
            for run in tab(app).snapshot.runs:
                started = str(table.get_cell(run.id, "Started"))
                status = str(table.get_cell(run.id, "Status"))
                if size[0] >= 110:
                    assert started == run.created.strftime("%m-%d %H:%M"), size
                    assert status.endswith(str(run.status)), size
                else:
                    assert started == run.created.strftime(
                        "%H:%M" if (now - run.created).total_seconds() < 86400 else "%m-%d")
                    assert status.strip() and not status.endswith(str(run.status)), size


def fits(table: DataTable[Any]) -> None:
    """Every cell of every row (on screen or not) fits its column, leaving the blank that
    separates it from the next; and the columns fit the table: no sideways scrolling."""
    columns = table.ordered_columns
    for i in range(table.row_count):
        for n, (column, cell) in enumerate(zip(columns, table.get_row_at(i), strict=True)):
            room = column.content_width if column.auto_width else column.width
            if table.cell_padding == 0 and n < len(columns) - 1:
                room -= 1
            assert cell_len(str(cell)) <= room, (table.id, column.key.value, str(cell), room)
    assert table.virtual_size.width <= table.scrollable_content_region.width, table.id


def run_with_finished_stages(app: FlowstageApp) -> str:
    return next(r.id for r in tab(app).snapshot.runs if str(r.status) == "InProgress"
                and sum(str(s.status) == "Completed"
                        for s in tab(app).snapshot.stages.get(r.id, ())) >= 2)


@pytest.mark.parametrize("width", [60, 80, 100, 120])
async def test_every_cell_fits_its_column_in_both_time_modes(org: DemoOrg, clock: ManualClock,
                                                             width: int) -> None:
    """Defect 6: with `t` (absolute times) the Stages pane's Started and Ended ran together
    and lost digits ('11-27 06:411-28 07:22'). In both modes, at every width, every cell of
    the three tables fits its column with a blank before the next one."""
    app = make_app(org, clock)
    async with app.run_test(size=(width, 36)) as pilot:
        await settle(app, pilot)
        assert tab(app).select_run(run_with_finished_stages(app))
        await pilot.press("enter")  # the stages pane has the focus
        await settle(app, pilot)
        for mode in ("relative", "absolute", "relative"):
            assert tab(app).relative == (mode == "relative")
            for table in (RunsTable, StagesTable, StepsTable):
                fits(tab(app).query_one(table))
            check_screen(app)
            stages = tab(app).query_one(StagesTable)
            ended = [str(c) for c in stages.get_column("Ended")]
            if mode == "absolute":
                assert any(len(e) == len("11-27 06:41") for e in ended), ended
            await pilot.press("t")
            await settle(app, pilot)


@pytest.mark.parametrize("size", [(80, 24), (100, 30), (120, 36)])
async def test_runs_names_take_the_room_the_fixed_columns_leave(
        org: DemoOrg, clock: ManualClock, size: tuple[int, int]) -> None:
    """Low: at 100 columns the Runs table left ~28 columns empty while it cut names. The
    columns fill the table, the orchestration and stage names share what the fixed ones
    leave, and a name that is cut ends with …"""
    app = make_app(org, clock)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        table = tab(app).query_one(RunsTable)
        used = sum(c.get_render_width(table) for c in table.ordered_columns)
        room = table.scrollable_content_region.width
        assert room - 2 <= used <= room, (used, room)
        labels = {s.name: s.label for ss in tab(app).snapshot.stages.values() for s in ss}
        for run in tab(app).snapshot.runs:
            for column, full in (("Orchestration", run.title),
                                 ("Stage", labels.get(run.current_stage or "", ""))):
                shown = str(table.get_cell(run.id, column)).strip()
                assert shown == full or (shown.endswith("…") and full.startswith(
                    shown[:-1])), (column, shown, full)
        if size[0] >= 100:  # the longest demo orchestration name is whole
            assert "Quote Approval [Enterprise]" in {
                str(table.get_cell(r.id, "Orchestration")) for r in tab(app).snapshot.runs}
        check_screen(app)


async def test_an_inactive_holder_keeps_the_warning_and_the_name(org: DemoOrg,
                                                                clock: ManualClock) -> None:
    """Low: at 120x36 the half-width Detail pane cut assignees to 'Linu… ⚠ inactive'. The
    assignee column takes the room the others leave: the whole name and the warning."""
    with org.lock:
        org.store.ensure_all()
        users = org.store.table("User").rows
        item = next(w for w in org.store.table("FlowOrchestrationWorkItem").rows.values()
                    if w["Status"] == "Assigned" and w["AssigneeId"].startswith("005")
                    and len(users[w["AssigneeId"]]["Name"]) >= 14)
        org.store.update("User", item["AssigneeId"], {"IsActive": False}, org.now_ms(),
                         org.admin_id)
        name = users[item["AssigneeId"]]["Name"]
    stage_id = org.store.table("FlowOrchestrationStepInstance").rows[
        item["StepInstanceId"]]["StageInstanceId"]
    run_id = org.store.table("FlowOrchestrationStageInstance").rows[stage_id][
        "OrchestrationInstanceId"]
    app = make_app(org, clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        assert tab(app).select_run(run_id)
        await settle(app, pilot)
        stages = tab(app).query_one(StagesTable)
        stages.move_cursor(row=stages.get_row_index(stage_id))
        await settle(app, pilot)
        steps = tab(app).query_one(StepsTable)
        assert str(steps.get_cell(item["Id"], "Assignee")) == f"{name} ⚠ inactive"
        fits(steps)
        for size in ((100, 30), (80, 24), (60, 20)):  # narrower: the name is cut, the warning not
            await resize(pilot, *size)
            shown = str(steps.get_cell(item["Id"], "Assignee"))
            assert shown.endswith(" ⚠ inactive"), (size, shown)
            who = shown.removesuffix(" ⚠ inactive")
            assert who == name or (who.endswith("…") and name.startswith(who[:-1])), size
            fits(steps)
            check_screen(app)


async def test_runs_stage_column_shows_the_stage_label(org: DemoOrg, clock: ManualClock) -> None:
    """Low: the Runs "Stage" column showed API names ('Prepare_Pap…') where the Stages pane
    shows labels ('Prepare Paperwork'): it shows the label of the run's current stage."""
    app = make_app(org, clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        table = tab(app).query_one(RunsTable)
        checked = 0
        for run in tab(app).snapshot.runs:
            stage = next((s for s in tab(app).snapshot.stages.get(run.id, ())
                          if s.name == run.current_stage), None)
            if stage is not None:
                shown = str(table.get_cell(run.id, "Stage"))
                assert shown == stage.label or (shown.endswith("…") and stage.label.startswith(
                    shown[:-1])), shown
                checked += 1
        assert checked > 50
        # a run whose stages are not in (yet): its API name, in italics, not a made-up label
        run = next(r for r in tab(app).snapshot.runs if r.current_stage)
        cell = table.row_cells(run, app.cfg.clock(), False, ())["Stage"]
        assert cell.plain == run.current_stage
        assert any(span.style == "italic" for span in cell.spans)
        # shown so, it gets its label when the stages come, though the run did not change
        now, runs = app.cfg.clock(), list(tab(app).snapshot.runs)
        table.show(runs, now, True, set(), {}, None, {})
        assert str(table.get_cell(run.id, "Stage")) == run.current_stage
        table.show(runs, now, True, set(), {}, set(), tab(app).snapshot.stages)
        assert str(table.get_cell(run.id, "Stage")) == P.stage_label(
            run, tab(app).snapshot.stages[run.id])


async def test_watch_notification_names_the_stage_by_its_label(org: DemoOrg,
                                                               clock: ManualClock) -> None:
    """Low: 'moved to stage Prepare_Paperwork' in the watch notification: the label, as the
    Stages pane shows it."""
    app = make_app(org, clock)
    said: list[str] = []
    app.bell = lambda: None  # type: ignore[method-assign]
    app.notify = lambda message, **kw: said.append(message)  # type: ignore[method-assign]
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        after = tab(app).snapshot
        run = next(r for r in after.runs if str(r.status) == "InProgress"
                   and len(after.stages.get(r.id, ())) >= 2
                   and after.stages[r.id][0].name != r.current_stage)
        first, current = after.stages[run.id][0], next(
            s for s in after.stages[run.id] if s.name == run.current_stage)
        assert first.name != current.name
        before = replace(after, runs=tuple(replace(r, current_stage=first.name)
                                           if r.id == run.id else r for r in after.runs))
        tab(app).watched.add(run.id)
        tab(app).notify_watched(before, after)
        assert said == [f"{run.name} moved to stage {current.label}"]


@pytest.mark.parametrize("size", [(120, 36), (100, 30), (80, 24), (60, 20), (120, 20),
                                  (40, 10), (120, 15), (20, 8)])
async def test_every_pane_shows_rows_whichever_has_the_focus(
        org: DemoOrg, clock: ManualClock, size: tuple[int, int]) -> None:
    """Stacked at 20 rows, the stages pane kept 3 rows when the detail had the focus (30% of
    the lower half: its border and column labels, no stage); in a short terminal the
    focused stages pane took 55% of the body (the stacked zoom rule) and showed no stage
    either. Whichever pane has the focus, the focused table shows its cursor row and every
    table on screen shows at least one row under its labels."""
    app = make_app(org, clock)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        assert tab(app).select_run(run_with_finished_stages(app))
        await settle(app, pilot)
        for pane in ("1", "2", "3", "2", "1"):
            await pilot.press(pane)
            await settle(app, pilot)
            for table in tab(app).query(DataTable):
                region = placed(app, f"#{table.id}")
                if region is not None:
                    assert region.height >= 2, (pane, table.id, region)
                    fits(table)
            check_screen(app)


def shows_cursor_row(app: FlowstageApp, table: DataTable[Any], column: str) -> bool:
    """Whether the screen shows, under the table's column labels, the `column` cell of its
    cursor row (focused or not)."""
    region = placed(app, f"#{table.id}")
    if region is None or not table.row_count:
        return False
    row = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
    text = str(table.get_cell(row, column)).strip()
    cells = ScreenCells(app)
    return any(text in cells.text(y, region.x, region.right)
               for y in range(region.y + table.header_height, region.bottom))


async def test_a_pane_shrunk_under_a_dialog_keeps_its_cursor_row_in_view(
        org: DemoOrg, clock: ManualClock) -> None:
    """Monkey seed 6 (78x48): with the last run selected, `3 y Esc` in one read moves the
    focus to the detail and opens and closes the copy dialog. The runs pane shrank while
    the dialog was on top; the runs table asked for its cursor row to be scrolled into view
    after the next refresh, a callback Textual queues on the top screen, and the dialog
    went with it. The table kept the view of its taller pane, the selected run below it;
    back in the runs table (`:` then Enter and Shift+Tab in one read), it did not show its
    cursor row."""
    app = make_app(org, clock)
    async with app.run_test(size=(78, 48)) as pilot:
        await settle(app, pilot)
        runs = tab(app).query_one(RunsTable)
        for _ in range(2):  # the last row, of the first page and then of the next
            await pilot.press("G")
            await settle(app, pilot)
        assert runs.cursor_row == runs.row_count - 1 > 200
        tall = runs.size.height
        await send(app, pilot, ["3", "y", "escape"])
        await settle(app, pilot)
        assert app.screen is app.screen_stack[0] and runs.size.height < tall
        assert shows_cursor_row(app, runs, "Run"), runs.scroll_y
        await send(app, pilot, ["colon"])
        await settle(app, pilot)
        await send(app, pilot, ["enter", "shift+tab"])
        await settle(app, pilot)
        assert app.focused is runs
        check_screen(app)


async def test_the_pane_with_the_focus_is_zoomed_after_two_moves_in_one_read(
        org: DemoOrg, clock: ManualClock) -> None:
    """Monkey seed 6: Enter and Shift+Tab on the command line in one read move the focus to
    the steps table (Shift+Tab), then to the runs table (the line closing). Each move's
    DescendantFocus bubbles up to the app one parent at a time; the steps' comes from deeper
    and arrived last, so the detail was zoomed while the runs table had the focus, its
    pane at its shortest."""
    app = make_app(org, clock)
    async with app.run_test(size=(78, 48)) as pilot:
        await settle(app, pilot)
        runs_pane = tab(app).query_one("#runs-pane")
        focused_height = runs_pane.size.height
        await send(app, pilot, ["colon"])
        await settle(app, pilot)
        await send(app, pilot, ["enter", "shift+tab"])
        await settle(app, pilot)
        assert app.focused is tab(app).query_one(RunsTable)
        assert tab(app).query_one("#body").has_class("zoom-runs-pane")
        assert runs_pane.size.height == focused_height
        check_screen(app)


async def test_the_lower_panes_follow_the_cursor_after_a_dialog_closed_in_the_same_read(
        org: DemoOrg, clock: ManualClock) -> None:
    """`j y Esc` in one read: the follow-up that fills the Stages pane went to the copy
    dialog, which closed before running it, and the panes stopped following for good."""
    app = make_app(org, clock)
    async with app.run_test(size=(78, 48)) as pilot:
        await settle(app, pilot)
        await send(app, pilot, ["j", "y", "escape"])
        await settle(app, pilot)
        tab(app)._tick()
        await settle(app, pilot)
        await send(app, pilot, ["j"])
        await settle(app, pilot)
        runs = tab(app).query_one(RunsTable)
        subtitle = str(tab(app).query_one("#stages-pane").border_subtitle)
        run = tab(app).snapshot.run(str(runs.selected_id))
        assert run is not None
        assert subtitle.startswith(run.name), (run.name, subtitle)


async def test_new_runs_show_above_the_cursor_when_the_list_is_at_its_top(
        org: DemoOrg, clock: ManualClock) -> None:
    """Found by a new user: a run that started while they watched the top of the list sat
    above it, hidden; the header counted it, the screen did not."""
    from flowstage_tui.emulator.demo_data import ORCHESTRATIONS

    app = make_app(org, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        runs = tab(app).query_one(RunsTable)
        top = runs.selected_id
        clock.advance(60)
        with org.lock:
            new = org.lifecycle.start_run(ORCHESTRATIONS[0], org.now_ms())
        tab(app).poll_now()
        await settle(app, pilot)
        assert runs.selected_id == top and runs.scroll_y == 0  # the cursor stays on its run
        assert str(new["Name"]) in "\n".join(ScreenCells(app).lines())


async def test_a_new_server_filter_shows_its_list_from_the_top(
        org: DemoOrg, clock: ManualClock) -> None:
    app = make_app(org, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        runs = tab(app).query_one(RunsTable)
        for _ in range(30):
            await pilot.press("j")
        await settle(app, pilot)
        tab(app).set_server_filter(tab(app).snapshot.filter.__class__(since=tab(app).snapshot.runs[-1].created))
        await settle(app, pilot)
        assert runs.cursor_row == 0 and runs.scroll_y == 0
        assert runs.selected_id == tab(app).snapshot.runs[0].id
