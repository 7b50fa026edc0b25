"""The History and Feed tabs of an org without Feed/History tracking, as most real orgs are
(`DemoOrg(feed_history=False)`, `flowstage --demo --no-feed-history`): the History tab is the
run log's timeline (run, stage, step and work-item events), the Feed tab says plainly that the
org keeps no feed. Expected rows come from the org's own store, not from the app."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from rich.color import Color
from textual.widgets import Static, TabbedContent

from flowstage_tui.emulator.clock import ManualClock
from flowstage_tui.emulator.org import DemoOrg
from flowstage_tui.ui.app import FlowstageApp
from flowstage_tui.ui.widgets.stages import StagesTable

from .conftest import make_app, settle, tab
from .invariants import ScreenCells, check_screen

NOTE = "This org has no History object for orchestration stages (field tracking is off)"


def tab_text(app: FlowstageApp, name: str) -> str:
    return str(tab(app).query_one(f"#{name}", Static).render())


async def open_tab(app: FlowstageApp, pilot: Any, *keys: str) -> None:
    """The first errored run (`n`), the detail pane (`3`), then the tab keys."""
    await settle(app, pilot)
    for key in ("n", "3", *keys):
        await pilot.press(key)
        await settle(app, pilot)


def store_log(org: DemoOrg, run_id: str, stage_name: str) -> list[tuple[str, str, str]]:
    """The run's log rows the stage's History tab is for: (minute, kind, step), oldest first."""
    with org.lock:
        org.store.ensure_all()
        rows = [r for r in org.store.table("FlowOrchestrationLog").rows.values()
                if r["OrchestrationInstanceId"] == run_id
                and r["StageName"] in (None, stage_name)]
    return sorted((datetime.fromtimestamp(r["Timestamp"] / 1000, UTC).strftime("%m-%d %H:%M"),
                   str(r["Kind"]), str(r["StepName"] or "")) for r in rows)


def timeline(text: str) -> list[tuple[str, str, str, str]]:
    """The tab's rows in absolute-time mode: (minute, source, kind, step)."""
    rows = []
    for line in text.splitlines():
        if line[13:21] in ("history ", "run log "):
            kind, _, rest = line[22:].partition("  ")
            step = rest.split("  ")[0] if rest and not rest.startswith(("by ", "→")) else ""
            rows.append((line[:13].strip(), line[13:21].strip(), kind, step))
    return rows


def org_of(clock: ManualClock, tracking: bool) -> DemoOrg:
    return DemoOrg(seed=7, runs=60, clock=clock, frozen=True, feed_history=tracking)


async def test_the_history_tab_without_tracking_is_the_run_logs_timeline(
        clock: ManualClock) -> None:
    """The errored run's failed stage: the note (a fact, not an error), then every run-log
    row of the run and the stage in time order: the run's and stage's milestones, each step
    started and failed or discontinued, the work item handed to its assignee. Exactly the
    run-log rows the same org with tracking on shows; only its 'history' rows are missing."""
    shown: dict[bool, list[tuple[str, str, str, str]]] = {}
    for tracking in (True, False):
        org = org_of(clock, tracking)
        app = make_app(org, clock)
        async with app.run_test(size=(120, 36)) as pilot:
            await open_tab(app, pilot, "right_square_bracket", "t")
            assert tab(app).query_one(TabbedContent).active == "tab-history"
            text = tab_text(app, "history")
            assert "Could not load details" not in text
            assert text.startswith(NOTE) is (not tracking), text[:200]
            shown[tracking] = timeline(text)
            run, stage_id = tab(app).selected_run(), tab(app).query_one(StagesTable).selected_id
            assert run is not None
            stage = next(s for s in tab(app).snapshot.stages[run.id] if s.id == stage_id)
            assert str(stage.status) == "Error"
            logged = store_log(org, run.id, stage.name)
            check_screen(app)
    rows = shown[False]
    assert {source for _, source, _, _ in rows} == {"run log"}
    assert rows == [r for r in shown[True] if r[1] == "run log"]
    assert sorted((at, kind, step) for at, _, kind, step in rows) == logged
    assert [at for at, *_ in rows] == sorted(at for at, *_ in rows)  # oldest first
    kinds = [kind for _, _, kind, _ in rows]
    assert kinds[0] == "StartInstance" and kinds[-1] == "FailInstance"
    assert {"StartStage", "StartStep", "StartWorkItem", "FailStep", "FailStage"} <= set(kinds)
    assert all(step for _, _, kind, step in rows if kind.endswith(("Step", "WorkItem")))


async def test_a_work_item_event_names_its_assignee_on_the_timeline(clock: ManualClock) -> None:
    """'StartWorkItem  <step>  → <assignee>': who the work went to is on the History tab
    even with no History object."""
    org = org_of(clock, False)
    app = make_app(org, clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_tab(app, pilot, "right_square_bracket")
        line = next(x for x in tab_text(app, "history").splitlines() if "StartWorkItem" in x)
        assert "→ " in line and line.split("→ ")[1].strip(), line


def colour_on_screen(app: FlowstageApp, word: str) -> Color:
    """The foreground colour the screen draws `word` in (its first cell), on the first row
    that shows it."""
    cells = ScreenCells(app)
    for y in range(len(cells.strips)):
        x = cells.text(y).find(word)
        if x >= 0:
            color = cells.styles(y, x, x + 1)[0].color
            assert color is not None
            return color
    raise AssertionError(f"{word!r} is not on screen")


async def test_the_feed_tab_without_tracking_says_so_plainly(clock: ManualClock) -> None:
    """One sentence saying the org has no Feed object for runs or stages, never the 'Could
    not load' error; in italic, in the ANSI theme's yellow as the History tab's note is (it
    was Textual's own #ffff00, the whole Text styled at once); at 80x24 as at 120x36."""
    org = org_of(clock, False)
    app = make_app(org, clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_tab(app, pilot, "right_square_bracket", "right_square_bracket")
        assert tab(app).query_one(TabbedContent).active == "tab-feed"
        text = tab_text(app, "feed")
        assert text == ("This org has no Feed object for orchestration runs or stages (feed "
                        "tracking is off): there are no posts to show.")
        yellow = Color.parse("yellow").get_truecolor(app.ansi_theme)
        assert colour_on_screen(app, "no Feed object").get_truecolor() == yellow
        check_screen(app)
        await pilot.resize_terminal(80, 24)
        await settle(app, pilot)
        assert "there are no posts to show." in " ".join(ScreenCells(app).lines())
        check_screen(app)


async def test_the_run_log_source_is_not_drawn_in_the_error_red(clock: ManualClock) -> None:
    """The 'run log' label on every History row was magenta, which the default dark ANSI
    theme (Monokai) draws in the same red as Error and FailStep: every row looked like a
    failure. It is drawn in another colour than Error's, and the failed step still in red."""
    org = org_of(clock, False)
    app = make_app(org, clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_tab(app, pilot, "right_square_bracket")
        red = Color.parse("red").get_truecolor(app.ansi_theme)
        label = colour_on_screen(app, "run log").get_truecolor(app.ansi_theme)
        failed = colour_on_screen(app, "FailStep").get_truecolor(app.ansi_theme)
        assert failed == red  # the failure stands out...
        assert label != red  # ...and only the failure


@pytest.mark.parametrize("tracking", [False, True], ids=["no-tracking", "tracking-on"])
async def test_with_no_run_log_either_the_history_tab_says_what_there_is(
        clock: ManualClock, tracking: bool) -> None:
    """A user without Manage Flow or View All Data reads no run log. Without tracking the
    History tab said 'showing run-log milestones only' over 'Nothing recorded for this stage
    yet': it says there is no run log either and where the stage's steps are. With tracking
    the field history still fills it."""
    org = DemoOrg(seed=7, runs=60, clock=clock, frozen=True, feed_history=tracking,
                  run_log_access=False)
    app = make_app(org, clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_tab(app, pilot, "right_square_bracket")
        text = tab_text(app, "history")
        assert "run log" not in timeline_sources(text)
        if tracking:
            assert timeline_sources(text) == {"history"}
        else:
            assert text.startswith(NOTE) and "no run-log milestones for this stage" in text
            assert "Steps & work items tab" in text
            assert "showing run-log milestones" not in text and "yet" not in text
        check_screen(app)


def timeline_sources(text: str) -> set[str]:
    return {line[13:21].strip() for line in text.splitlines()
            if line[13:21] in ("history ", "run log ")}
