"""Pilot tests of the triage screen against the demo org."""

from __future__ import annotations

import csv
import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from textual import events
from textual.widgets import DataTable, Input, Static, TabbedContent

from flowstage_tui.demo import DEMO_PROFILE
from flowstage_tui.emulator.clock import ManualClock
from flowstage_tui.emulator.demo_data import OrchestrationDef, StageDef, _bg
from flowstage_tui.emulator.org import DemoOrg
from flowstage_tui.emulator.triage_data import STUCK_RUNS
from flowstage_tui.engine.cache import load_runs, target_of
from flowstage_tui.engine.state import HealthState
from flowstage_tui.errors import AuthNeeded
from flowstage_tui.ui import present as P
from flowstage_tui.ui.app import FlowstageApp
from flowstage_tui.ui.messages import PollDone
from flowstage_tui.ui.screens.dialogs import ChoiceScreen, HelpScreen, MessageScreen
from flowstage_tui.ui.widgets.header import HeaderBar
from flowstage_tui.ui.widgets.runs import RunsTable
from flowstage_tui.ui.widgets.stages import StagesTable
from flowstage_tui.ui.widgets.steps import StepsTable

from .conftest import engine_of, make_app, settle, tab
from .test_terminal_notify import plain_terminal


def text_of(app: FlowstageApp, selector: str) -> str:
    widget = tab(app).query_one(selector, Static)
    return str(widget.render())


def focused(app: FlowstageApp) -> Any:
    """The focused widget, looked up afresh (mypy must not narrow it across key presses)."""
    return app.focused


def paused(app: FlowstageApp) -> Any:
    return tab(app).paused


def state(app: FlowstageApp) -> Any:
    return tab(app).health.state


def org_url(app: FlowstageApp) -> str:
    """The Lightning host of the demo org, as lightning_url makes it."""
    return P.lightning_url(tab(app).instance_url(), "X", "Y").split("/lightning/")[0]


def screen_lines(app: FlowstageApp) -> list[str]:
    from .invariants import screen_text
    return screen_text(app)


def header(app: FlowstageApp) -> str:
    return str(tab(app).query_one(HeaderBar).render())


async def test_first_screen_shows_runs_counts_and_the_selected_runs_stages(
        org: DemoOrg, clock: ManualClock) -> None:
    polls: list[PollDone] = []
    app = make_app(org, clock)
    async with app.run_test(size=(120, 36), message_hook=lambda m: polls.append(m)
                            if isinstance(m, PollDone) else None) as pilot:
        await settle(app, pilot)
        assert len(polls) == 1 and polls[0].result.health.state == HealthState.LIVE
        runs = tab(app).query_one(RunsTable)
        assert runs.row_count == 200
        assert runs.selected_id == tab(app).snapshot.runs[0].id
        top = header(app)
        assert "DEMO" in top and "[RO]" in top and "Acme Demo Org" in top
        errors = sum(r["Status"] == "Error"
                     for r in org.store.table("FlowOrchestrationInstance").rows.values())
        assert f"{errors} Error" in top and "updated" in top
        stages = tab(app).query_one(StagesTable)
        assert stages.row_count == len(tab(app).snapshot.stages[tab(app).snapshot.runs[0].id])


async def test_navigation_and_drill_down_to_every_tab(org: DemoOrg, clock: ManualClock) -> None:
    app = make_app(org, clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        runs = tab(app).query_one(RunsTable)
        await pilot.press("j", "j", "k")
        assert runs.cursor_row == 1
        await pilot.press("G")
        assert runs.cursor_row == 199
        await settle(app, pilot)
        assert runs.row_count == 300 + STUCK_RUNS  # the next page came from the server
        assert runs.cursor_row == 199  # and the cursor stayed
        await pilot.press("g")
        assert runs.cursor_row == 0
        await pilot.press("n")  # next errored run
        run = tab(app).selected_run()
        assert run is not None and str(run.status) == "Error"
        await pilot.press("enter")
        assert isinstance(focused(app), StagesTable)
        await settle(app, pilot)
        await pilot.press("enter")
        assert isinstance(focused(app), StepsTable)
        assert tab(app).query_one(StepsTable).row_count >= 1
        tabs = tab(app).query_one(TabbedContent)
        await pilot.press("right_square_bracket")
        await settle(app, pilot)
        assert tabs.active == "tab-history"
        history = text_of(app, "#history")
        assert "history" in history and "FailStage" in history
        await pilot.press("right_square_bracket")
        assert tabs.active == "tab-feed"
        assert "TrackedChange" in text_of(app, "#feed")
        await pilot.press("right_square_bracket")
        assert tabs.active == "tab-error"
        error = text_of(app, "#error")
        assert f"{run.name} failed at stage" in error
        closes = (run.modified + timedelta(days=14)).strftime("%Y-%m-%d %H:%M")  # TZ=UTC
        assert f"left of 14 days (closes {closes} UTC)" in error
        await pilot.press("escape")
        assert isinstance(focused(app), StagesTable)
        await pilot.press("escape")
        assert isinstance(focused(app), RunsTable)
        await pilot.press("3")
        await pilot.press("1")
        assert isinstance(focused(app), RunsTable)


def burst(app: FlowstageApp, *keys: str) -> None:
    """Keys as one read from the terminal delivers them: queued with no pause between."""
    names = {":": "colon", "/": "slash", "]": "right_square_bracket", " ": "space",
             "=": "equals_sign", "\r": "enter"}
    for char in keys:
        app.post_message(events.Key(names.get(char, char), None if char == "\r" else char))


async def test_keys_typed_ahead_of_the_screen_all_count(org: DemoOrg,
                                                        clock: ManualClock) -> None:
    """Over SSH keys arrive in bursts (and pasted text is one): every key must land where the
    key before it sent the focus, never on the pane that had it a moment ago."""
    app = make_app(org, clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        tabs = tab(app).query_one(TabbedContent)
        await pilot.press("3", "right_square_bracket")  # detail now remembers History
        assert tabs.active == "tab-history"
        await pilot.press("1")
        burst(app, "3", "]", "]")  # `3` must not undo the two tab changes after it
        await settle(app, pilot)
        assert tabs.active == "tab-error"
        assert app.focused is tab(app).query_one("#tab-error VerticalScroll")

        await pilot.press("1")
        burst(app, *":runs status=Error\r")  # `r`, `o`, `n` here are also app keys
        await settle(app, pilot)
        assert tab(app).snapshot.filter.statuses == ("Error",)
        assert not tab(app).paused and tab(app).query_one("#command", Input).value == ""

        burst(app, *"/loan")
        await settle(app, pilot)
        assert tab(app).local_filter == "loan"

async def test_times_are_shown_in_the_local_zone(org: DemoOrg, clock: ManualClock,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Asia/Kolkata")  # UTC+05:30 all year
    time.tzset()
    app = make_app(org, clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        run = tab(app).snapshot.runs[0]
        started = str(tab(app).query_one(RunsTable).get_row(run.id)[5])
        assert started == (run.created + timedelta(hours=5, minutes=30)).strftime("%m-%d %H:%M")
        await pilot.press("colon", *"runs since=24h", "enter")
        await settle(app, pilot)
        since = tab(app).snapshot.filter.since
        assert since is not None
        local = (since + timedelta(hours=5, minutes=30)).strftime("%Y-%m-%d %H:%M")
        assert f"since={local}" in str(tab(app).query_one("#runs-pane").border_subtitle)


async def test_filter_as_you_type_and_escape_clears(org: DemoOrg, clock: ManualClock) -> None:
    app = make_app(org, clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        await pilot.press("slash", *"loan")
        runs = tab(app).query_one(RunsTable)
        visible = tab(app).visible_runs()
        assert visible and all("loan" in r.title.lower() for r in visible)
        assert runs.row_count == len(visible) < 200
        await pilot.press("escape")
        assert runs.row_count == 200 and tab(app).local_filter == ""


async def test_command_line_filters_on_the_server_and_jumps_to_a_run(
        org: DemoOrg, clock: ManualClock) -> None:
    app = make_app(org, clock)
    said: list[str] = []
    real_notify = app.notify

    def notify(message: str, **kw: Any) -> None:
        said.append(message)
        real_notify(message, **kw)

    app.notify = notify  # type: ignore[method-assign]
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        await pilot.press("colon", *"runs status=Error", "enter")
        await settle(app, pilot)
        assert tab(app).snapshot.filter.statuses == ("Error",)
        # beside seven status counts there is no room in the header: the runs pane says it
        assert "status=Error" in str(tab(app).query_one("#runs-pane").border_subtitle)
        assert tab(app).snapshot.runs and all(str(r.status) == "Error" for r in tab(app).snapshot.runs)
        target = tab(app).snapshot.runs[5]
        await pilot.press("colon", *f"run {target.name}", "enter")
        await settle(app, pilot)
        assert tab(app).selected_run() == target
        await pilot.press("colon", "up")  # history
        assert tab(app).query_one("#command").value == f"run {target.name}"  # type: ignore[attr-defined]
        await pilot.press("escape", "colon", *"pro", "tab")
        assert tab(app).query_one("#command").value == "profile "  # type: ignore[attr-defined]
        await pilot.press("escape", "colon", *"runs sta", "tab")
        assert tab(app).query_one("#command").value == "runs status="  # type: ignore[attr-defined]
        await pilot.press("escape", "colon", *"nonsense", "enter")
        await pilot.pause()
        assert any(m.startswith("Unknown command :nonsense") for m in said), said
        await pilot.press("colon", "q", "enter")
    assert app.return_value == 0


async def test_export_csv_and_json(org: DemoOrg, clock: ManualClock, tmp_path: Path) -> None:
    app = make_app(org, clock, export_dir=tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        await pilot.press("e")
        assert isinstance(app.screen, ChoiceScreen)
        await pilot.press("enter")  # CSV is first
        await settle(app, pilot)
        export = tab(app).last_export
        assert export is not None and export.suffix == ".csv"
        rows = list(csv.DictReader(export.open()))
        assert len(rows) == 200 and rows[0]["name"] == tab(app).snapshot.runs[0].name
        assert rows[0]["url"].endswith(f"/FlowOrchestrationInstance/{rows[0]['id']}/view")
        await pilot.press("e", "down", "enter")
        await settle(app, pilot)
        export = tab(app).last_export
        assert export is not None and export.suffix == ".json"
        data = json.loads(export.read_text())
        assert [d["id"] for d in data] == [r.id for r in tab(app).snapshot.runs]


async def test_copy_payloads(org: DemoOrg, clock: ManualClock) -> None:
    app = make_app(org, clock)
    copied: list[str] = []
    app.copy_to_clipboard = copied.append  # type: ignore[method-assign,assignment]
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        run = tab(app).snapshot.runs[0]
        await pilot.press("y", "enter")
        await pilot.press("y", "down", "enter")
        await pilot.press("y", "j", "j", "enter")  # j/k move in dialogs as in the panes
        await pilot.press("y", "down", "j", "k", "down", "down", "enter")
        await pilot.press("o")
        assert copied[0] == run.id and copied[1] == run.name
        assert copied[2].endswith(f"/lightning/r/FlowOrchestrationInstance/{run.id}/view")
        assert json.loads(copied[3])["name"] == run.name
        assert copied[4] == copied[2]


async def test_steps_show_who_holds_it_and_an_inactive_holder(org: DemoOrg,
                                                                 clock: ManualClock) -> None:
    """A work item still assigned to a user who has since been deactivated: the triage case.
    At 120x36 the detail pane is half the width; the name is cut, never the warning."""
    with org.lock:
        org.store.ensure_all()
        steps_t = org.store.table("FlowOrchestrationStepInstance").rows
        runs_t = org.store.table("FlowOrchestrationInstance").rows

        def run_of(w: dict[str, object]) -> dict[str, object]:
            return runs_t[steps_t[str(w["StepInstanceId"])]["OrchestrationInstanceId"]]

        # the newest run's item: it is on the first page (the old stuck runs may not be)
        item = max((w for w in org.store.table("FlowOrchestrationWorkItem").rows.values()
                    if w["Status"] == "Assigned" and w["AssigneeId"].startswith("005")),
                   key=lambda w: int(str(run_of(w)["CreatedDate"])))
        org.store.update("User", item["AssigneeId"], {"IsActive": False}, org.now_ms(),
                         org.admin_id)
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
        cells = [str(c) for c in steps.get_row(item["Id"])]
        assert cells[-2].endswith("⚠ inactive")
        assert cells[-1] and cells[-1] != "done"  # how long they have held it
        # every column fits the pane: nothing hides off to the right
        assert steps.virtual_size.width <= steps.size.width


async def test_steps_tab_shows_the_work_items_context_record(org: DemoOrg,
                                                              clock: ManualClock) -> None:
    """A work item is about an Account: the Steps tab names it, its type and its Lightning
    URL, and `y` copies that URL. A work item on the same Account with no step (StepInstanceId
    null) is attached to no run: RelatedRecordId is never taken for the run."""
    work = "FlowOrchestrationWorkItem"
    with org.lock:
        org.store.ensure_all()
        item = next(w for w in sorted(org.store.table(work).rows.values(),
                                      key=lambda w: -w["CreatedDate"])
                    if w["Status"] == "Assigned" and w["RelatedRecordId"].startswith("001"))
        account = org.store.get("Account", item["RelatedRecordId"])
        assert account is not None
        orphan = {**item, "Id": org.minter.mint(org.schema.prefixes.work_item),
                  "StepInstanceId": None, "Label": "Orphan item"}
        org.store.insert(work, orphan)
    step = org.store.table("FlowOrchestrationStepInstance").rows[item["StepInstanceId"]]
    app = make_app(org, clock)
    copied: list[str] = []
    app.copy_to_clipboard = copied.append  # type: ignore[method-assign,assignment]
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(app, pilot)
        assert tab(app).select_run(step["OrchestrationInstanceId"])
        await settle(app, pilot)
        stages = tab(app).query_one(StagesTable)
        stages.move_cursor(row=stages.get_row_index(step["StageInstanceId"]))
        await settle(app, pilot)
        steps = tab(app).query_one(StepsTable)
        steps.focus()
        steps.move_cursor(row=steps.get_row_index(item["Id"]))
        await settle(app, pilot)
        url = (f"{org_url(app)}/lightning/r/Account/{account['Id']}/view")
        line = text_of(app, "#context")
        assert tab(app).query_one("#context").display
        assert account["Name"] in line and "· Account" in line
        assert any(account["Name"] in row and "Account" in row for row in screen_lines(app))
        held = [wi for items in tab(app).snapshot.work_items.values() for wi in items]
        assert orphan["Id"] not in {wi.id for wi in held}
        assert all(wi.run_id == step["OrchestrationInstanceId"] for wi in held
                   if wi.id == item["Id"])
        await pilot.press("y")
        assert isinstance(app.screen, ChoiceScreen)
        await pilot.press("enter")  # the context record's URL comes first in the steps
        await settle(app, pilot)
        assert copied[-1] == url
        await pilot.press("o")
        assert copied[-1] == url


async def test_ages_move_with_the_clock_between_polls(org: DemoOrg,
                                                     clock: ManualClock) -> None:
    """Age, Took, a running stage's times and Held grow every second without a poll, and
    Held counts from the assignment, not from when the row was read."""
    app = make_app(org, clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        await pilot.press("p")  # no polls from here on: only the clock moves
        runs, stages, steps = (tab(app).query_one(t) for t in (RunsTable, StagesTable, StepsTable))
        run = tab(app).snapshot.runs[0]
        assert str(run.status) == "InProgress"
        age = str(runs.get_cell(run.id, "Age"))
        item = next(k for k in steps.rows
                    if str(steps.get_cell(k, "Held")).strip() not in ("", "done"))
        held = str(steps.get_cell(item, "Held"))
        stage = stages.selected_id
        assert stage is not None
        took = str(stages.get_cell(stage, "Took"))
        clock.advance(3 * 3600)
        tab(app)._tick()
        await pilot.pause()
        assert str(runs.get_cell(run.id, "Age")) == P.short_span(
            (app.cfg.clock() - run.created).total_seconds()) != age
        assert str(runs.get_cell(run.id, "Took")) == str(runs.get_cell(run.id, "Age"))
        assert str(stages.get_cell(stage, "Took")) != took
        wi = next(w for items in tab(app).snapshot.work_items.values() for w in items
                  if w.id == item.value)
        assert wi.assigned_since is not None
        assert str(steps.get_cell(item, "Held")) == P.short_span(
            (app.cfg.clock() - wi.assigned_since).total_seconds()) != held
        await pilot.press("3", "right_square_bracket")  # History: '… ago' on every line
        history = text_of(app, "#history")
        clock.advance(3 * 3600)
        tab(app)._tick()
        await pilot.pause()
        assert text_of(app, "#history") != history and "ago" in text_of(app, "#history")


async def test_watch_rings_when_the_run_fails(org: DemoOrg, clock: ManualClock,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    plain_terminal(monkeypatch)  # notify = auto there: OSC 9 and the bell
    app = make_app(org, clock)
    bells: list[None] = []
    said: list[str] = []
    app.bell = lambda: bells.append(None)  # type: ignore[method-assign]
    real_notify = app.notify

    def notify(message: str, **kw: Any) -> None:
        said.append(message)
        real_notify(message, **kw)

    app.notify = notify  # type: ignore[method-assign]
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        run = tab(app).snapshot.runs[0]
        assert str(run.status) == "InProgress" and tab(app).selected_run() == run
        await pilot.press("w")
        assert any(m.startswith(f"Watching {run.name}") for m in said)
        clock.advance(30)
        tab(app).poll_now()  # nothing happened to it: no bell
        await settle(app, pilot)
        assert not bells
        with org.lock:
            record = org.store.get("FlowOrchestrationInstance", run.id)
            assert record is not None
            org.lifecycle.fail_run(record, org.now_ms(), "UNABLE_TO_LOCK_ROW: in a test")
        clock.advance(30)
        tab(app).poll_now()
        await settle(app, pilot)
        assert bells == [None]
        assert f"{run.name}: InProgress → Error" in said
        await pilot.press("w")  # and off again
        assert f"Stopped watching {run.name}." in said


async def test_pause_and_resume(org: DemoOrg, clock: ManualClock) -> None:
    polls: list[PollDone] = []
    app = make_app(org, clock)
    async with app.run_test(size=(120, 36), message_hook=lambda m: polls.append(m)
                            if isinstance(m, PollDone) else None) as pilot:
        await settle(app, pilot)
        await pilot.press("p")
        assert paused(app) and "paused" in header(app)
        poller = tab(app).poller
        assert poller is not None and poller.paused  # its API thread schedules no poll
        await pilot.press("p")
        await settle(app, pilot)
        assert not paused(app)
        assert len(polls) == 2


async def test_live_change_arrives_without_moving_the_cursor(clock: ManualClock) -> None:
    org = DemoOrg(seed=7, runs=300, clock=clock, pace=3.0)
    app = make_app(org, clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        runs = tab(app).query_one(RunsTable)
        await pilot.press("j", "j", "j", "j", "j")
        chosen = runs.selected_id
        changed = False
        for _ in range(6):
            clock.advance(20)
            tab(app).poll_now()
            await settle(app, pilot)
            changed = changed or bool(tab(app).marks)
            assert runs.selected_id == chosen
        assert changed  # rows really changed, and were marked
        assert tab(app).snapshot.runs[0].id != tab(app).snapshot.runs[5].id


async def test_offline_then_recovered(org: DemoOrg, clock: ManualClock) -> None:
    app = make_app(org, clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        org.faults.update(offline=True)
        clock.advance(20)
        tab(app).poll_now()
        await settle(app, pilot)
        assert state(app) == HealthState.OFFLINE
        assert "offline" in header(app) and "retry in" in header(app)
        assert tab(app).query_one(RunsTable).row_count == 200  # the last good data stays
        org.faults.clear()
        await pilot.press("r")
        await settle(app, pilot)
        assert state(app) == HealthState.LIVE and "updated" in header(app)


async def test_starts_on_the_cached_runs_and_keeps_them_while_offline(
        org: DemoOrg, clock: ManualClock, tmp_path: Path) -> None:
    """The first frame shows the last-known runs before any call; an org that cannot be
    reached must not wipe them, and the first good poll replaces them."""
    cache = tmp_path / "last-runs" / "demo.json"
    first = make_app(org, clock, cache_path=cache)
    async with first.run_test(size=(120, 36)) as pilot:
        await settle(first, pilot)
        known = tab(first).snapshot.runs
    last = load_runs(cache, target_of(DEMO_PROFILE.values))
    cached = last.runs
    assert [r.id for r in cached] == [r.id for r in known] and last.org_name == "Acme Demo Org"
    assert last.org_id == org.org_id

    app = make_app(org, clock, cache_path=cache, cached=last, autostart=False)
    used = org.api_used
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        runs = tab(app).query_one(RunsTable)
        assert runs.row_count == len(cached) and tab(app).stale_cache
        assert "last-known runs (stale)" in header(app) and "Acme Demo Org" in header(app)
        assert org.api_used == used  # all of that before any call
        org.faults.update(offline=True)
        poller = tab(app).poller
        assert poller is not None
        poller.start()
        await settle(app, pilot)
        assert state(app) == HealthState.OFFLINE
        assert runs.row_count == len(cached)  # still there
        assert "offline" in header(app) and "last-known runs" in header(app)
        org.faults.clear()
        await pilot.press("r")
        await settle(app, pilot)
        assert state(app) == HealthState.LIVE and "last-known" not in header(app)
        assert runs.row_count == 200 and "updated" in header(app)


async def test_reauth_dialog_names_the_command(org: DemoOrg, clock: ManualClock) -> None:
    app = make_app(org, clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)

        def refuse() -> object:
            raise AuthNeeded("The sf CLI has no login for 'prod'.",
                             command="sf org login web --alias prod")

        engine = engine_of(app)
        assert engine.client is not None
        engine.client.reauth = refuse  # type: ignore[assignment]
        engine.connection.login = refuse  # type: ignore[assignment]
        org.faults.update(session_expiry_calls=1)
        clock.advance(20)
        tab(app).poll_now()
        await settle(app, pilot)
        assert state(app) == HealthState.REAUTH
        assert isinstance(app.screen, MessageScreen)
        body = str(app.screen.body)
        assert "sf org login web --alias prod" in body
        assert "sf org login sfdx-url" in body
        await pilot.press("escape")
        assert "re-auth needed" in header(app)


async def test_org_without_feed_or_history(clock: ManualClock) -> None:
    org = DemoOrg(seed=7, runs=60, clock=clock, frozen=True, feed_history=False)
    app = make_app(org, clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        await pilot.press("2")
        await settle(app, pilot)
        assert "no History object" in text_of(app, "#history")
        assert "StartInstance" in text_of(app, "#history")  # run-log milestones still there
        assert "no Feed object" in text_of(app, "#feed")


async def test_org_at_api_v55(clock: ManualClock) -> None:
    org = DemoOrg(seed=7, runs=80, clock=clock, frozen=True)
    app = make_app(org, clock, api_cap="55.0")
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        assert tab(app).query_one(RunsTable).row_count == 80 + STUCK_RUNS
        await pilot.press("n")
        error = text_of(app, "#error")
        assert "failed" in error and "does not offer it" in error
        assert tab(app).query_one(StagesTable).row_count >= 1  # stages still come


async def test_empty_org(clock: ManualClock) -> None:
    org = DemoOrg(seed=7, runs=0, clock=clock, frozen=True)
    app = make_app(org, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert tab(app).query_one(RunsTable).row_count == 0
        await pilot.press("j", "enter", "n", "y", "o", "w", "3")
        assert state(app) == HealthState.LIVE
        assert "Select a run" in text_of(app, "#error")


async def test_run_with_40_stages(clock: ManualClock) -> None:
    org = DemoOrg(seed=7, runs=0, clock=clock, frozen=True)
    big = OrchestrationDef("Big_One", "Forty Stage Process", "OrchAutolnch", 1,
                           tuple(StageDef(f"S{i:02d}", f"Stage {i}", (_bg(f"T{i}", f"Task {i}"),))
                                 for i in range(40)))
    t = org.now_ms() - 40 * 60_000
    run = org.lifecycle.start_run(big, t)
    for i in range(39):
        stage = org.lifecycle.current_stage(run)
        assert stage is not None
        for step in org.lifecycle.steps(stage):
            org.lifecycle.complete_step(run, big, step, t + (i + 1) * 60_000)
    app = make_app(org, clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        stages = tab(app).query_one(StagesTable)
        assert stages.row_count == 40
        assert stages.cursor_row == 39  # opens on the running stage


async def test_80x24_stacks_the_panes(org: DemoOrg, clock: ManualClock) -> None:
    app = make_app(org, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert tab(app).has_class("narrow")
        runs = tab(app).query_one(RunsTable)
        assert runs.compact and runs.row_count == 200
        assert runs.virtual_size.width <= runs.size.width  # no sideways scrolling
        await pilot.press("colon", *"runs since=7d", "enter")
        await settle(app, pilot)
        since = tab(app).snapshot.filter.describe()
        assert since.startswith("since=") and since in str(tab(app).query_one("#runs-pane")
                                                            .border_subtitle)
        counts = header(app).split("\n")[1]
        # seven statuses: the counts as glyphs and numbers, the filter whole or not at all
        assert f"{P.glyph('Error')}7" in counts and f"{P.glyph('Completed')}32" in counts
        assert "filter:" not in counts or counts.endswith(f"filter: {since}")
        await pilot.press("n", "enter", "enter")
        assert isinstance(focused(app), DataTable)
        # offline at 80 columns: what is wrong stays on the first line, the counts on the second
        org.faults.update(offline=True)
        clock.advance(20)
        tab(app).poll_now()
        await settle(app, pilot)
        first, second = header(app).split("\n")
        assert "offline (no connection) · stale 20s · retry in" in first
        assert first.endswith("(r now)")
        assert len(first) <= 78 and f"{P.glyph('Error')}7" in second and len(second) <= 78


async def test_stacked_panes_give_the_focused_one_the_room(org: DemoOrg,
                                                           clock: ManualClock) -> None:
    app = make_app(org, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        runs, detail = tab(app).query_one(RunsTable), tab(app).query_one("#detail")
        await pilot.press("n", "n")
        low = detail.size.height
        await pilot.press("3", "right_square_bracket")  # reading the history
        await settle(app, pilot)
        assert detail.size.height >= low + 3
        # the runs pane shrank, and still shows the selected run
        assert runs.scroll_y <= runs.cursor_row < runs.scroll_y + runs.size.height - 1
        await pilot.press("1")
        await settle(app, pilot)
        assert detail.size.height == low


async def test_stage_times_come_from_the_run_log(org: DemoOrg, clock: ManualClock) -> None:
    """A finished stage whose record is touched again later (its LastModifiedDate moves) keeps
    the end its EndStage milestone says, once the run log is in."""
    app = make_app(org, clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        stage = next(st for r in tab(app).snapshot.runs if str(r.status) == "InProgress"
                     for st in tab(app).snapshot.stages.get(r.id, ()) if str(st.status) == "Completed")
        done = org.store.get("FlowOrchestrationStageInstance", stage.id)
        assert done is not None
        ended = done["LastModifiedDate"]
        clock.advance(3600)
        with org.lock:  # an hour later something touches the finished stage record
            org.store.update("FlowOrchestrationStageInstance", done["Id"],
                             {"Label": done["Label"]}, org.now_ms(), org.admin_id)
        tab(app).poll_now()
        await settle(app, pilot)
        assert tab(app).select_run(done["OrchestrationInstanceId"])
        await settle(app, pilot)
        table = tab(app).query_one(StagesTable)
        table.move_cursor(row=table.get_row_index(done["Id"]))
        await settle(app, pilot)
        await pilot.press("t")  # absolute times
        shown = datetime.fromtimestamp(ended / 1000, UTC).strftime("%m-%d %H:%M")
        assert str(table.get_cell(done["Id"], "Ended")) == shown


async def test_short_terminal_shows_only_the_focused_pane(org: DemoOrg,
                                                          clock: ManualClock) -> None:
    app = make_app(org, clock)
    async with app.run_test(size=(60, 15)) as pilot:
        await settle(app, pilot)

        def shown() -> list[str]:
            return [p for p in ("#runs-pane", "#stages-pane", "#detail")
                    if all(w.display for w in tab(app).query_one(p).ancestors_with_self
                           if w is not app.screen and w is not app)]

        assert shown() == ["#runs-pane"]
        assert tab(app).query_one(RunsTable).size.height >= 8  # not one row of three panes
        await pilot.press("n", "enter")
        assert shown() == ["#stages-pane"]
        await pilot.press("enter")
        assert shown() == ["#detail"]
        await pilot.press("colon")  # the command line keeps the pane it was opened over
        assert shown() == ["#detail"]
        await pilot.press("escape", "1")
        assert shown() == ["#runs-pane"]
    async with make_app(org, clock).run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert not tab(pilot.app).has_class("short")


async def test_help_lists_every_binding(org: DemoOrg, clock: ManualClock) -> None:
    app = make_app(org, clock, keymap={"refresh": "ctrl+r"})
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        ids = {row[2] for row in app.screen.rows}
        from flowstage_tui.ui.app import FlowstageApp as A

        assert {b.id for b in A.BINDINGS} <= ids  # type: ignore[union-attr]
        assert ("ctrl+r", "poll now (also retries when offline)", "refresh") in app.screen.rows
        await pilot.press("j", "j")
        assert app.screen.query_one("#help-body").scroll_y == 2
        assert all(desc[:1].islower() and len(desc) > 8 for _, desc, _ in app.screen.rows)
        await pilot.press("escape")
        await settle(app, pilot)
        mark = len(org.request_log)
        await pilot.press("ctrl+r")  # the remapped key polls now
        await settle(app, pilot)
        assert any(r.path.endswith("/composite") for r in org.request_log[mark:])


async def test_org_text_is_shown_literally(clock: ManualClock) -> None:
    org = DemoOrg(seed=7, runs=40, clock=clock, frozen=True)
    run = next(r for r in org.store.table("FlowOrchestrationInstance").rows.values())
    org.store.update("FlowOrchestrationInstance", run["Id"], {
        "OrchestrationLabel": "[bold red]PWNED[/] \x1b[2J evil"}, org.now_ms(), org.admin_id)
    app = make_app(org, clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        shown = next(r for r in tab(app).snapshot.runs if r.id == run["Id"])
        assert shown.label == "[bold red]PWNED[/] \x1b[2J evil"
        cells = tab(app).query_one(RunsTable).get_row(run["Id"])
        text = str(cells[2])
        assert "[bold red]PWNED" in text and "\x1b" not in text and "\\x1b" in text


async def test_clock_ticks_while_a_modal_is_open(org: DemoOrg, clock: ManualClock) -> None:
    """The 1-second tick (freshness, change marks) must not fail while a dialog covers the
    main screen, and data that arrives meanwhile waits for the dialog to close."""
    app = make_app(org, clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        await pilot.press("question_mark")
        clock.advance(20)
        tab(app).poll_now()
        await settle(app, pilot)
        tab(app)._tick()
        assert tab(app).pending is not None  # held back while the help is open
        await pilot.press("escape")
        tab(app)._tick()
        assert tab(app).pending is None


async def test_no_color_ansi_theme_and_ascii(org: DemoOrg, clock: ManualClock,
                                             monkeypatch: Any) -> None:
    """NO_COLOR, the terminal's own colours (ansi-dark) and FLOWSTAGE_ASCII=1 all work, in
    every pane and dialog."""
    from flowstage_tui.ui import present

    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setattr(present, "ASCII", True)
    app = make_app(org, clock, theme="ansi-dark")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        for key in ("n", "3", "right_square_bracket", "right_square_bracket",
                    "right_square_bracket", "question_mark", "escape"):
            await pilot.press(key)
            await settle(app, pilot)
        assert app.theme == "ansi-dark"
        failed = next(r for r in tab(app).snapshot.runs if r.status == "Error")
        cells = tab(app).query_one(RunsTable).get_row(failed.id)
        assert all(ord(ch) < 128 for ch in str(cells[1]))
        assert "X" in str(cells[1])  # the ASCII glyph for Error


async def test_profile_picker_and_switch(org: DemoOrg, clock: ManualClock) -> None:
    """Several profiles and none chosen: the app opens on a picker; `:profile NAME` switches."""
    from pathlib import Path

    from flowstage_tui.cli.tui import build_app
    from flowstage_tui.clock import utc_clock
    from flowstage_tui.config.store import Config, Profile
    from flowstage_tui.demo import DEMO_PROFILE
    from flowstage_tui.salesforce.connect import Connection

    from ..engine.conftest import quiet_connection

    chosen: list[str] = []

    def connect(profile: Profile) -> Connection:
        chosen.append(profile.name)
        return quiet_connection(org)

    store = Config(Path("config.toml"), True, None, {
        name: Profile(name, "demo", {"auth": "demo", "label": name.upper()})
        for name in ("uat", "prod")})
    app = build_app(connection=None, profile=DEMO_PROFILE, clock=utc_clock(clock),
                    profiles=store, connect=connect, pick_profile=True, rng_seed=0)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, ChoiceScreen)
        await pilot.press("down", "enter")
        await settle(app, pilot)
        assert chosen == ["prod"] and "PROD" in header(app)
        assert tab(app).query_one(RunsTable).row_count == 200
        await pilot.press("colon", *"profile uat", "enter")
        await settle(app, pilot)
        assert chosen == ["prod", "uat"] and "UAT" in header(app)
        await pilot.press("colon", *"profile nope", "enter")
        assert chosen == ["prod", "uat"]
