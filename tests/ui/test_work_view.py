"""Pilot tests of the Work view (`4`, `:work`): the org's open work items, flagged, against the
demo org (its stuck data: inactive and frozen holders, a memberless queue, a deleted group)."""

from __future__ import annotations

from typing import Any

import pytest

from flowstage_tui.emulator.clock import ManualClock
from flowstage_tui.emulator.org import DemoOrg
from flowstage_tui.engine.state import HealthState
from flowstage_tui.salesforce.work import FLAG_SHORT, Flag
from flowstage_tui.ui.app import FlowstageApp
from flowstage_tui.ui.commands_registry import complete
from flowstage_tui.ui.messages import PollDone
from flowstage_tui.ui.poller import Poll, Request, WorkMode
from flowstage_tui.ui.widgets.header import HeaderBar
from flowstage_tui.ui.widgets.markable import MARK_COLUMN
from flowstage_tui.ui.widgets.runs import RunsTable
from flowstage_tui.ui.widgets.stages import StagesTable
from flowstage_tui.ui.widgets.steps import StepsTable
from flowstage_tui.ui.widgets.table import Col
from flowstage_tui.ui.widgets.work import FLAG_WORDS, WorkTable

from .conftest import make_app, settle, tab
from .invariants import check_screen


def table(app: FlowstageApp) -> WorkTable:
    return tab(app).query_one(WorkTable)


def cells(app: FlowstageApp, column: str) -> list[str]:
    t = table(app)
    return [str(t.get_cell(row, column)) for row in t.rows]


def header(app: FlowstageApp) -> str:
    return str(tab(app).query_one(HeaderBar).render())


def detail(app: FlowstageApp) -> str:
    return str(tab(app).query_one("#work-text").render())


def focused(app: FlowstageApp) -> Any:
    return app.focused


def state(app: FlowstageApp) -> Any:
    """The view's state, looked up afresh (mypy must not narrow it across key presses)."""
    return tab(app).work_state


def grouped(app: FlowstageApp) -> Any:
    return table(app).grouped


def notes(app: FlowstageApp) -> list[str]:
    return [n.message for n in app._notifications]


async def open_work(app: FlowstageApp, pilot: Any) -> None:
    await settle(app, pilot)
    await pilot.press("4")
    await settle(app, pilot)


async def test_the_queue_shows_every_flag_longest_held_first(org: DemoOrg,
                                                             clock: ManualClock) -> None:
    app = make_app(org, clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_work(app, pilot)
        queue = tab(app).snapshot.work
        assert queue is not None and queue.frozen_known
        assert isinstance(focused(app), WorkTable)
        t = table(app)
        assert t.row_count == len(queue.rows) > 9
        flags = " ".join(cells(app, "Flags")).split()
        for flag in Flag:  # in words, short ones where the long ones do not fit
            assert FLAG_WORDS[flag] in flags or FLAG_SHORT[flag] in flags, flag
        held = [r.held_seconds for r in t.shown]
        assert held == sorted(held, reverse=True)
        # the flags read as words, each row's its own; queues say so, with their members
        for row, shown in zip(t.shown, cells(app, "Flags"), strict=True):
            assert set(shown.split()) in ({FLAG_WORDS[f] for f in row.flags},
                                          {FLAG_SHORT[f] for f in row.flags})
        assignees = cells(app, "Assignee")
        assert any(a.startswith("Vendor") and a.endswith("(queue 0)") for a in assignees)
        assert any("Tim O'Brien" in a for a in assignees)
        # the header's second line counts each flag; the pane says how many and the order
        top = header(app)
        assert "⚑" in top and "inactive" in top and "frozen" in top and "1 no-active-member" in top
        assert "longest held first" in str(tab(app).query_one("#work-pane").border_subtitle)
        # the Detail pane explains each flag of the selected item, and the held source
        first = t.shown[0]
        for reason in first.reasons:
            assert reason in detail(app)
        assert "ElapsedTimeSinceAsgntInSec" in detail(app)
        frozen = next(i for i, r in enumerate(t.shown) if Flag.FROZEN in r.flags)
        t.move_cursor(row=frozen)
        await pilot.pause()
        assert "is frozen (UserLogin.IsFrozen)" in detail(app)


async def test_frozen_unknown_without_manage_users_is_said_not_failed(
        clock: ManualClock) -> None:
    org = DemoOrg(seed=7, runs=300, clock=clock, frozen=True,
                  user_perms=frozenset({"ManageFlow", "ManageOrchestrationRuns"}))
    app = make_app(org, clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_work(app, pilot)
        assert tab(app).health.state == HealthState.LIVE
        queue = tab(app).snapshot.work
        assert queue is not None and not queue.frozen_known
        assert not any(Flag.FROZEN in r.flags for r in queue.rows)
        title = str(tab(app).query_one("#work-pane").border_title)
        assert "frozen: unknown (needs Manage Users)" in title
        user = next(i for i, r in enumerate(table(app).shown) if r.assignee_kind == "User")
        table(app).move_cursor(row=user)
        await pilot.pause()
        assert "frozen: unknown (needs Manage Users)" in detail(app)
        assert "frozen unknown" in header(app)
        assert not any("rror" in n for n in notes(app))


async def test_equals_groups_by_assignee_and_back(org: DemoOrg, clock: ManualClock) -> None:
    app = make_app(org, clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_work(app, pilot)
        before = [r.item.id for r in table(app).shown]
        await pilot.press("equals_sign")
        t = table(app)
        assert grouped(app)
        keys = [r.assignee_key for r in t.shown]
        # each assignee's items together, the first named with its count, the rest ditto
        assert all(keys.index(k) == i or keys[i - 1] == k for i, k in enumerate(keys))
        names = cells(app, "Assignee")
        tim = [i for i, r in enumerate(t.shown) if r.assignee_name == "Tim O'Brien"]
        assert len(tim) > 1
        assert "Tim O'Brien" in names[tim[0]] and f"·{len(tim)}" in names[tim[0]]
        assert all(names[i].strip() == "″" for i in tim[1:])
        assert "by assignee" in str(tab(app).query_one("#work-pane").border_subtitle)
        await pilot.press("g")
        assert t.cursor_row == 0  # g stays "first row"
        await pilot.press("equals_sign")
        assert not grouped(app) and [r.item.id for r in t.shown] == before


async def test_slash_filters_the_items_held_and_esc_clears(org: DemoOrg,
                                                           clock: ManualClock) -> None:
    app = make_app(org, clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_work(app, pilot)
        total = table(app).row_count
        await pilot.press("slash", *"vendor")
        await pilot.pause()
        shown = table(app).shown
        assert 0 < len(shown) < total
        assert all("vendor" in " ".join(filter(None, (r.assignee_name, r.run_label,
                                                      r.item.label, r.context))).lower()
                   for r in shown)
        assert "/vendor" in str(tab(app).query_one("#work-pane").border_subtitle)
        await pilot.press("enter")  # keeps the filter, back in the table
        assert isinstance(focused(app), WorkTable) and table(app).row_count == len(shown)
        await pilot.press("escape")  # clears the filter first...
        assert table(app).row_count == total and state(app) == "open"
        await pilot.press("escape")  # ...then closes the view
        assert state(app) == "closed" and isinstance(focused(app), RunsTable)


async def test_work_command_filters_and_bad_input_is_one_line(org: DemoOrg,
                                                              clock: ManualClock) -> None:
    app = make_app(org, clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        await pilot.press("colon", *"work flag=inactive", "enter")
        await settle(app, pilot)
        assert state(app) == "open"
        shown = table(app).shown
        assert shown and all(Flag.INACTIVE in r.flags for r in shown)
        assert "flag=inactive" in str(tab(app).query_one("#work-pane").border_subtitle)
        await pilot.press("colon", *"work held>10d", "enter")
        await settle(app, pilot)
        assert table(app).shown and all(r.held_seconds > 10 * 86400 for r in table(app).shown)
        await pilot.press("colon", *"work held>4x", "enter")
        await settle(app, pilot)
        bad = [n for n in notes(app) if "held" in n and "4x" in n]
        assert len(bad) == 1 and "\n" not in bad[0] and "flag=" in bad[0]  # names the grammar
        assert "held>10d" in str(tab(app).query_one("#work-pane").border_subtitle)  # kept
        await pilot.press("colon", *"work", "enter")
        await settle(app, pilot)
        assert table(app).row_count == len(tab(app).snapshot.work.rows)  # type: ignore[union-attr]


async def test_enter_goes_to_the_items_run_and_esc_comes_back(org: DemoOrg,
                                                              clock: ManualClock) -> None:
    app = make_app(org, clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_work(app, pilot)
        before = tab(app).run_filter
        t = table(app)
        t.move_cursor(row=1)
        await pilot.pause()
        row = t.shown[1]
        await pilot.press("enter")
        await settle(app, pilot)
        screen = tab(app)
        assert state(app) == "parked" and isinstance(focused(app), RunsTable)
        assert screen.query_one(RunsTable).selected_id == row.run_id
        stage = screen.query_one(StagesTable).selected_id
        assert stage is not None and row.item.step_id in {
            st.id for st in screen.snapshot.steps.get(stage, ())}
        assert screen.query_one(StepsTable).selected_id == row.item.id
        assert "⚑" not in header(app)  # the runs' counts are back on the header
        await pilot.press("escape")
        await settle(app, pilot)
        assert state(app) == "open" and isinstance(focused(app), WorkTable)
        assert t.selected_id == row.item.id
        assert screen.run_filter == before  # the runs pane's filter as it was


async def test_work_mode_is_on_while_the_view_is_open(org: DemoOrg, clock: ManualClock,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    sent: list[Request] = []
    polls: list[PollDone] = []
    app = make_app(org, clock)

    def hook(message: object) -> None:
        if isinstance(message, PollDone):
            polls.append(message)

    async with app.run_test(size=(120, 36), message_hook=hook) as pilot:
        await settle(app, pilot)
        poller = tab(app).poller
        assert poller is not None
        real = poller.submit

        def submit(request: Request) -> None:
            sent.append(request)
            real(request)

        monkeypatch.setattr(poller, "submit", submit)
        assert tab(app).snapshot.work is None
        await pilot.press("4")
        await settle(app, pilot)
        assert sent[:2] == [WorkMode(True), Poll(manual=True)]
        assert tab(app).snapshot.work is not None
        polls.clear()
        await pilot.press("r")  # an idle poll with the view open: still one call
        await settle(app, pilot)
        assert [p.result.calls for p in polls] == [1]
        # keys for the runs under the view are off while it covers them
        assert tab(app).check_action("next_error", ()) is False
        sent.clear()
        await pilot.press("1")  # 1, 2, 3 leave the view: work mode off
        await settle(app, pilot)
        assert sent == [WorkMode(False)] and isinstance(focused(app), RunsTable)
        assert state(app) == "closed"


@pytest.mark.parametrize(("size", "columns", "gone"), [
    ((120, 36), {"Flags", "Assignee", "Held", "Item", "Run", "Orchestration", "Stage"},
     set()),
    ((80, 24), {"Flags", "Assignee", "Held", "Item", "Run"}, {"Stage", "Step", "Context"}),
    ((60, 20), {"Flags", "Assignee", "Held", "Item"}, {"Run", "Stage", "Step"}),
])
async def test_columns_give_way_right_to_left(org: DemoOrg, clock: ManualClock,
                                              size: tuple[int, int], columns: set[str],
                                              gone: set[str]) -> None:
    app = make_app(org, clock)
    async with app.run_test(size=size) as pilot:
        await open_work(app, pilot)
        shown = {str(c.value) for c in table(app).columns}
        assert columns <= shown and not gone & shown
        assert next(iter(table(app).columns)).value == MARK_COLUMN  # first, at every size
        # the whole flag words or their short forms, never cut: they are the point
        assert not any("…" in c for c in cells(app, "Flags"))
        assert not any("…" in c for c in cells(app, "Held"))
        # a queue's kind and member count stay whole; its name is cut instead
        assert any(c.endswith("(queue 0)") for c in cells(app, "Assignee"))
        check_screen(app)  # whole cells, a two-row header, the cursor row in view
        await pilot.press("equals_sign")
        check_screen(app)
        counts = next(line for line in header(app).splitlines() if "⚑" in line)
        assert len(counts) <= size[0] and "…" not in counts  # short words, not cut
        assert "frozen" in counts and "stuck" in counts


def test_work_completion_offers_its_words_and_flags() -> None:
    assert complete("wo", [], []) == "work "
    assert complete("work fl", [], []) == "work flag="
    assert complete("work flag=ina", [], []) == "work flag=inactive"
    assert complete("work flag=no", [], []) == "work flag=no-active-member"
    assert complete("work held>24", [], []) == "work held>24h"
    assert complete("work flag=inactive,fr", [], []) == "work flag=inactive,frozen"
    assert complete("work assignee=Tim held", [], []) == "work assignee=Tim held"


async def test_stale_and_expiring_presets_filter_the_runs(org: DemoOrg,
                                                          clock: ManualClock) -> None:
    app = make_app(org, clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_work(app, pilot)
        await pilot.press("colon", *"stale", "enter")  # from the Work view: to the runs
        await settle(app, pilot)
        screen = tab(app)
        assert state(app) == "closed" and isinstance(focused(app), RunsTable)
        assert screen.snapshot.filter.preset == "stale"
        now = screen.org.clock()
        runs = screen.snapshot.runs
        assert runs and all(str(r.status) in ("InProgress", "Suspended") and
                            (now - r.modified).days >= 30 for r in runs)
        assert "preset=stale" in str(screen.query_one("#runs-pane").border_subtitle)
        await pilot.press("colon", *"expiring", "enter")
        await settle(app, pilot)
        assert screen.snapshot.filter.preset == "expiring"
        assert screen.snapshot.runs and all(str(r.status) == "Error"
                                            for r in screen.snapshot.runs)
        await pilot.press("escape")  # Esc clears the preset, as the README says
        await settle(app, pilot)
        assert screen.snapshot.filter == screen.org.run_filter
        assert "preset" not in str(screen.query_one("#runs-pane").border_subtitle)
        assert any(str(r.status) != "Error" for r in screen.snapshot.runs)
        await pilot.press("colon", *"runs pre", "tab")
        assert screen.query_one("#command").value == "runs preset="  # type: ignore[attr-defined]
        await pilot.press(*"st", "tab")
        assert screen.query_one("#command").value == "runs preset=stale"  # type: ignore[attr-defined]


async def test_an_empty_answer_says_no_runs_match_and_its_filter(org: DemoOrg,
                                                                  clock: ManualClock) -> None:
    app = make_app(org, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        screen = tab(app)
        note = screen.query_one("#runs-empty")
        assert note.has_class("hidden")  # runs on screen: nothing to say
        await pilot.press("colon", *"stale orch=zzz", "enter")
        await settle(app, pilot)
        assert screen.snapshot.filter.preset == "stale" and not screen.snapshot.runs
        said = str(note.render())
        assert not note.has_class("hidden") and note.region.height >= 1
        assert said.startswith("No runs match (") and "zzz" in said and "Esc" in said
        await pilot.press("escape")
        await settle(app, pilot)
        assert screen.snapshot.runs and note.has_class("hidden")


def test_help_lists_the_work_keys_and_commands() -> None:
    from flowstage_tui.ui.commands_registry import help_lines
    from flowstage_tui.ui.keys import help_rows

    rows = {bid: keys for keys, _does, bid in help_rows({})}
    assert rows["pane.work"] == "4" and rows["work.group"] == "="
    lines = "\n".join(help_lines())
    for command in (":work", ":stale", ":expiring"):
        assert command in lines


async def test_tab_reaches_the_explanation_and_esc_returns_to_the_table(
        org: DemoOrg, clock: ManualClock) -> None:
    from flowstage_tui.ui.widgets.work import WorkDetail

    app = make_app(org, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_work(app, pilot)
        await pilot.press("tab")
        assert isinstance(focused(app), WorkDetail)  # the hidden panes are skipped
        await pilot.press("escape")
        assert isinstance(focused(app), WorkTable) and state(app) == "open"


async def test_esc_clears_the_marks_then_the_text_then_leaves(org: DemoOrg,
                                                                clock: ManualClock) -> None:
    app = make_app(org, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_work(app, pilot)
        t = table(app)
        await pilot.press("slash", *"stuck", "enter")
        await settle(app, pilot)
        keys = [str(k.value) for k in t.rows]
        await pilot.press("g", "space", "j", "j", "V")
        assert t.marked == set(keys[:3])
        assert str(tab(app).query_one("#work-pane").border_title).startswith(
            "4 Work · 3 marked")
        await pilot.press("escape")  # the marks first
        assert not t.marked and state(app) == "open" and tab(app).work_needle == "stuck"
        assert str(tab(app).query_one("#work-pane").border_title) == "4 Work"
        assert all(str(t.get_cell(k, MARK_COLUMN)) == " " for k in keys[:3])
        await pilot.press("escape")  # then the `/` text
        assert state(app) == "open" and tab(app).work_needle == ""
        await pilot.press("escape")  # then the view
        assert state(app) == "closed" and isinstance(focused(app), RunsTable)


async def test_a_mark_goes_with_its_row(org: DemoOrg, clock: ManualClock) -> None:
    """A `/` text that hides a marked item drops its mark: a write reaches only what is on
    screen."""
    app = make_app(org, clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_work(app, pilot)
        t = table(app)
        first = t.shown[0]
        await pilot.press("g", "space")
        assert t.marked == {first.item.id}
        other = next(r for r in t.shown if r.assignee_text != first.assignee_text)
        tab(app).set_work_needle(other.assignee_text)
        await pilot.pause()
        assert first.item.id not in {r.item.id for r in t.shown} and not t.marked
        assert "marked" not in str(tab(app).query_one("#work-pane").border_title)


async def test_the_view_opened_before_the_api_thread_starts_still_gets_its_queue(
        org: DemoOrg, clock: ManualClock) -> None:
    app = make_app(org, clock, autostart=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        await pilot.press("4")  # the thread has not started: the mode waits for it
        poller = tab(app).poller
        assert poller is not None and not poller.started and poller.work_mode
        poller.start()
        await settle(app, pilot)
        assert tab(app).snapshot.work is not None and table(app).row_count > 9


async def test_y_copies_the_items_id_and_its_runs_and_context_records_urls(
        org: DemoOrg, clock: ManualClock) -> None:
    from flowstage_tui.ui.screens.dialogs import ChoiceScreen

    app = make_app(org, clock)
    copied: list[str] = []
    app.copy_to_clipboard = copied.append  # type: ignore[method-assign,assignment]
    async with app.run_test(size=(120, 36)) as pilot:
        await open_work(app, pilot)
        row = next(r for r in table(app).shown if r.item.context_type == "Account")
        table(app).move_cursor(row=table(app).shown.index(row))
        await pilot.press("y")
        assert isinstance(app.screen, ChoiceScreen)
        await pilot.press("enter")  # the work item's Id first
        await settle(app, pilot)
        await pilot.press("y", "down", "enter")
        await settle(app, pilot)
        await pilot.press("y", "down", "down", "enter")
        await settle(app, pilot)
        assert copied[0] == row.item.id
        assert copied[1].endswith(f"/lightning/r/FlowOrchestrationInstance/{row.run_id}/view")
        assert copied[2].endswith(f"/lightning/r/Account/{row.item.context_id}/view")
        assert any("Copied the context record's Lightning URL" in n for n in notes(app))


async def test_a_poll_rewrites_the_rows_that_changed_in_place(
        org: DemoOrg, clock: ManualClock, monkeypatch: pytest.MonkeyPatch) -> None:
    app = make_app(org, clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_work(app, pilot)
        t = table(app)
        t.move_cursor(row=3)
        await pilot.pause()
        refills: list[object] = []
        real = t._refill

        def refill(*args: Any, **kw: Any) -> None:
            refills.append(args)
            real(*args, **kw)

        monkeypatch.setattr(t, "_refill", refill)
        before = cells(app, "Held")
        clock.advance(3 * 3600)
        await pilot.press("r")
        await settle(app, pilot)
        after = cells(app, "Held")
        assert after != before and not refills  # held moved on; the table was not rebuilt
        assert t.cursor_row == 3
        assert [r.held_seconds for r in t.shown] == sorted(
            (r.held_seconds for r in t.shown), reverse=True)


def test_columns_fit_every_width_and_give_way_in_priority_order() -> None:
    from flowstage_tui.ui.widgets.work import PRIORITY

    order = [key for key, *_ in PRIORITY]
    for width in range(4, 260):
        layout = WorkTable().columns_for(width)
        assert sum(c.room + WorkTable.GAP for c in layout) <= width, width
        assert layout[0] == Col(MARK_COLUMN, "", 1), width  # first, one cell, at every width
        keys = {c.key for c in layout[1:]}
        if width >= 19:  # the kept columns are the first ones of the priority order
            assert keys == set(order[:len(keys)]), width
            least = {k: low for k, low, _good, _most in PRIORITY}
            assert all(c.room >= least[c.key] for c in layout[1:]), width
    assert {c.key for c in WorkTable().columns_for(250)} == {MARK_COLUMN, *order}


def test_flags_read_in_full_where_there_is_room() -> None:
    """At 120 columns the Flags column holds the long words (`inact`/`unres` only narrow)."""
    room = {c.key: c.room for c in WorkTable().columns_for(118)}
    assert room["Flags"] >= len("unresolvable stuck")
    assert room["Flags"] >= len("no-active-member stuck")
