"""The writes in the TUI against the in-process demo org: marking, R C D U through the picker
and the confirm dialog (the exact requests on screen, No by default, the count or the run's
name typed), the result dialog per record, the org's state and the audit log afterwards, and
a read-only tab that shows none of it and sends nothing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from textual.widgets import Button, Input, OptionList, Static

from flowstage_tui.emulator.clock import ManualClock
from flowstage_tui.emulator.org import DemoOrg
from flowstage_tui.emulator.permissions import ALL
from flowstage_tui.engine import targets
from flowstage_tui.engine.audit import AuditLog
from flowstage_tui.salesforce.models import Run, WorkItem
from flowstage_tui.salesforce.resume_window import in_resume_window
from flowstage_tui.salesforce.work import Flag
from flowstage_tui.ui.app import FlowstageApp
from flowstage_tui.ui.commands_registry import help_lines, shown_commands
from flowstage_tui.ui.screens.assignee_picker import AssigneePicker
from flowstage_tui.ui.screens.dialogs import HelpScreen, MessageScreen
from flowstage_tui.ui.screens.write_dialogs import (
    ConfirmWriteScreen,
    NoApiScreen,
    WriteResultScreen,
)
from flowstage_tui.ui.widgets.keybar import KeyBar
from flowstage_tui.ui.widgets.markable import MARK_COLUMN
from flowstage_tui.ui.widgets.runs import RunsTable
from flowstage_tui.ui.widgets.stages import StagesTable
from flowstage_tui.ui.widgets.steps import StepsTable
from flowstage_tui.ui.widgets.work import WorkTable

from .conftest import engine_of, make_app, settle, tab

RUN = "FlowOrchestrationInstance"
ITEM = "FlowOrchestrationWorkItem"
V = "/services/data/v66.0"


def writable(org: DemoOrg, clock: ManualClock, read_only: bool = False,
             **kw: Any) -> tuple[FlowstageApp, list[str]]:
    """The app with writes allowed (as --write does), and what it says in notifications."""
    app = make_app(org, clock, read_only=read_only, **kw)
    said: list[str] = []
    real = app.notify

    def notify(message: str, **kw: Any) -> None:
        said.append(message)
        real(message, **kw)

    app.notify = notify  # type: ignore[method-assign]
    return app, said


def status(org: DemoOrg, run_id: str) -> str:
    row = org.store.get(RUN, run_id)
    assert row is not None
    return str(row["Status"])


def audit() -> list[dict[str, Any]]:
    return AuditLog().entries()  # the state directory's log (isolated per test)


def focused(app: FlowstageApp) -> Any:
    """Looked up afresh: mypy must not narrow it across key presses."""
    return app.focused


def front(app: FlowstageApp) -> Any:
    return app.screen


def text(app: FlowstageApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


def keybar(app: FlowstageApp) -> str:
    return str(tab(app).query_one(KeyBar).render())


def open_runs(app: FlowstageApp, org: DemoOrg, n: int, approval: bool = False) -> list[Run]:
    """`n` InProgress runs on screen, of approval orchestrations or not."""
    runs = [r for r in tab(app).visible_runs() if str(r.status) == "InProgress" and
            str((org.store.get(RUN, r.id) or {}).get("FlowType") or "")
            .startswith("Approval") == approval]
    assert len(runs) >= n
    return runs[:n]


async def select(app: FlowstageApp, pilot: Any, run: Run) -> None:
    assert tab(app).select_run(run.name)
    await pilot.pause()


async def confirm_dialog(app: FlowstageApp, pilot: Any) -> ConfirmWriteScreen:
    await settle(app, pilot)
    screen = app.screen
    assert isinstance(screen, ConfirmWriteScreen), (
        str(screen.body) if isinstance(screen, MessageScreen) else type(screen).__name__)
    return screen


async def send(app: FlowstageApp, pilot: Any) -> WriteResultScreen:
    """Move to Send and press it, then wait for the org's answer."""
    await pilot.press("tab", "enter")
    await settle(app, pilot)
    screen = app.screen
    assert isinstance(screen, WriteResultScreen), type(screen).__name__
    return screen


# ---------------------------------------------------------------- marking

async def test_space_marks_v_marks_a_range_and_esc_clears_marks_before_backing_out(
        org: DemoOrg, clock: ManualClock) -> None:
    app = make_app(org, clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        runs = tab(app).query_one(RunsTable)
        pane = tab(app).query_one("#runs-pane")
        keys = runs.row_keys()
        await pilot.press("space")
        assert runs.marked == {keys[0]} and str(pane.border_title) == "1 Runs · 1 marked"
        assert str(runs.get_cell(keys[0], "mark")) == "+"  # readable without colour
        await pilot.press("j", "j", "j", "V")
        assert runs.marked == set(keys[:4])
        assert runs.target_items() == keys[:4]
        await pilot.press("space")  # unmarks the cursor row
        assert runs.marked == set(keys[:3]) and "3 marked" in str(pane.border_title)
        # Esc: the marks go first, the `/` filter stays; then Esc clears the filter
        tab(app).local_filter = "OR-"
        await pilot.press("escape")
        assert runs.marked == set() and str(pane.border_title) == "1 Runs"
        assert tab(app).local_filter == "OR-"
        assert runs.target_items() == [runs.selected_id]  # no marks: the cursor row
        await pilot.press("escape")
        assert tab(app).local_filter == ""

        # in Steps only work items can be marked; Esc clears them, then goes to Stages
        item = next(i for its in tab(app).snapshot.work_items.values() for i in its)
        await open_item(app, pilot, item)
        steps = tab(app).query_one(StepsTable)
        await pilot.press("space")
        assert steps.marked == {item.id}
        assert "1 marked" in str(tab(app).query_one("#detail").border_title)
        await pilot.press("escape")
        assert not steps.marked and focused(app) is steps
        await pilot.press("escape")
        assert focused(app) is tab(app).query_one(StagesTable)


async def open_item(app: FlowstageApp, pilot: Any, item: WorkItem) -> None:
    """Select the work item's run and stage and put the Steps cursor on it."""
    snap = tab(app).snapshot
    stage_id = next(sid for sid, steps in snap.steps.items()
                    if any(st.id == item.step_id for st in steps))
    run = snap.run(item.run_id or "")
    assert run is not None
    await select(app, pilot, run)
    await settle(app, pilot)
    stages = tab(app).query_one(StagesTable)
    stages.move_cursor(row=[str(k.value) for k in stages.rows].index(stage_id))
    await settle(app, pilot)
    steps = tab(app).query_one(StepsTable)
    steps.move_cursor(row=steps.row_keys().index(item.id))
    tab(app).focus_now(steps)
    await pilot.pause()


# ---------------------------------------------------------------- read-only

async def test_a_read_only_tab_hides_the_writes_and_sends_nothing(
        org: DemoOrg, clock: ManualClock) -> None:
    app, said = writable(org, clock, read_only=True)  # the demo profile without --write
    async with app.run_test(size=(160, 36)) as pilot:
        await settle(app, pilot)
        run = open_runs(app, org, 1)[0]
        await select(app, pilot, run)
        assert "Cancel" not in keybar(app) and "Nudge" not in keybar(app)
        for key in ("C", "D", "U"):
            await pilot.press(key)
        await settle(app, pilot)
        assert [m.split(":")[0] for m in said[-3:]] == ["Cancel", "Delete interviews",
                                                         "Nudge"]
        assert all("--write" in m and "read_only = false" in m for m in said[-3:])
        assert app.screen is tab(app)  # no dialog
        await pilot.press("colon", *"cancel", "enter")
        await settle(app, pilot)
        assert "--write" in said[-1]
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        ids = {row[2] for row in app.screen.rows}
        assert not ids & {"reassign", "cancel", "delete", "nudge"}
        assert {"mark", "mark.range"} <= ids
        assert not any(":cancel" in line for line in app.screen.commands)
        await pilot.press("escape")
    assert status(org, run.id) == "InProgress" and audit() == []
    assert "cancel" not in {c.name for c in shown_commands(read_only=True)}
    assert any(":cancel" in line for line in help_lines(read_only=False))


async def test_palette_and_help_offer_the_writes_only_in_a_writable_tab(
        org: DemoOrg, clock: ManualClock) -> None:
    from flowstage_tui.ui.palette import FlowstageCommands

    for read_only in (True, False):
        app = make_app(org, clock, read_only=read_only)
        async with app.run_test(size=(120, 36)) as pilot:
            await settle(app, pilot)
            provider = FlowstageCommands(app.screen)
            names = [hit.text async for hit in provider.discover()]
            assert any(":cancel" in str(n) for n in names) is (not read_only)
            assert any(":resume" in str(n) for n in names)  # not a write: always there
            await pilot.press("question_mark")
            assert isinstance(app.screen, HelpScreen)
            ids = {row[2] for row in app.screen.rows}
            assert ({"reassign", "cancel", "delete", "nudge"} <= ids) is (not read_only)


# ---------------------------------------------------------------- cancel

async def test_a_bulk_cancel_lists_the_runs_by_name_capped(org: DemoOrg,
                                                           clock: ManualClock) -> None:
    app, _said = writable(org, clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        runs = open_runs(app, org, 10)
        for run in runs:
            await select(app, pilot, run)
            await pilot.press("space")
        await pilot.press("C")
        dialog = await confirm_dialog(app, pilot)
        assert "Cancel 10 runs?" in text(app, "#dialog-title")
        preview = text(app, "#write-preview")
        names = [line[2:] for line in preview.splitlines() if line.startswith("• ")]
        assert len(names) == 8 and "… and 2 more" in preview
        assert names == list(dialog.plan.names[:8])
        assert preview.index("… and 2 more") < preview.index("Will send exactly:")
        marked = {f"{r.name} {r.title}" for r in runs}
        assert set(dialog.plan.names) == marked
        await pilot.press("escape")
        await settle(app, pilot)


async def test_cancel_shows_the_exact_request_defaults_to_no_then_sends_and_audits(
        org: DemoOrg, clock: ManualClock) -> None:
    app, said = writable(org, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        run = open_runs(app, org, 1)[0]
        await select(app, pilot, run)
        assert "C Cancel" in keybar(app)
        await pilot.press("C")
        dialog = await confirm_dialog(app, pilot)
        request = f'PATCH {V}/sobjects/{RUN}/{run.id} {{"Status": "Canceled"}}'
        assert request in text(app, "#write-preview")
        assert "1 API call" in text(app, "#write-preview")
        assert "DEMO" in text(app, "#dialog-title")
        # the run by name, as the CLI plan says it
        assert f"Cancel {run.name} {run.title}?" in text(app, "#dialog-title")
        assert app.focused is dialog.query_one("#write-no", Button)
        await pilot.press("enter")  # the default: No
        await settle(app, pilot)
        assert app.screen is tab(app) and "Nothing sent." in said
        assert status(org, run.id) == "InProgress" and audit() == []

        await pilot.press("C")
        await confirm_dialog(app, pilot)
        await pilot.press("escape")  # Esc is No too
        await settle(app, pilot)
        assert status(org, run.id) == "InProgress" and audit() == []

        await pilot.press("C")
        await confirm_dialog(app, pilot)
        result = await send(app, pilot)
        assert f"✔ {run.name}  canceled" in text(app, "#write-result")
        assert "1 succeeded, 0 failed" in result.summary
        assert status(org, run.id) == "Canceled"
        await pilot.press("escape")
        await settle(app, pilot)
        shown = tab(app).snapshot.run(run.id)
        assert shown is not None and str(shown.status) == "Canceled"  # polled after
    phases = [(e["phase"], e["method"], e["record_ids"]) for e in audit()]
    assert phases == [("before", "PATCH", [run.id]), ("after", "PATCH", [run.id])]
    assert audit()[0]["profile"] == "demo" and audit()[0]["org_id"].startswith("00D")
    assert str(audit()[0]["user"]).startswith("005")  # who sent it: the session's user
    assert audit()[1]["status"] == 204


async def test_bulk_cancel_needs_the_count_typed(org: DemoOrg, clock: ManualClock) -> None:
    app, said = writable(org, clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        picked = open_runs(app, org, 2)
        for run in picked:
            await select(app, pilot, run)
            await pilot.press("space")
        assert "2 marked" in str(tab(app).query_one("#runs-pane").border_title)
        await pilot.press("C")
        dialog = await confirm_dialog(app, pilot)
        preview = text(app, "#write-preview")
        for run in picked:
            assert f'PATCH {V}/sobjects/{RUN}/{run.id} {{"Status": "Canceled"}}' in preview
        assert "2 records, 1 API call" in preview and "/composite" in preview
        assert app.focused is dialog.query_one("#write-typed", Input)
        assert dialog.query_one("#write-yes", Button).disabled
        await pilot.press("3", "enter")  # the wrong count: nothing sent, still asking
        await pilot.pause()
        assert app.screen is dialog and "nothing sent" in said[-1]
        await pilot.press("backspace", "2")
        assert not dialog.query_one("#write-yes", Button).disabled
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, WriteResultScreen)
        assert "2 succeeded" in app.screen.summary
        assert not tab(app).query_one(RunsTable).marked  # the marks did their job
    assert [status(org, r.id) for r in picked] == ["Canceled", "Canceled"]
    assert [e["path"] for e in audit()] == [f"{V}/composite"] * 2


async def test_enter_on_an_empty_count_is_no(org: DemoOrg, clock: ManualClock) -> None:
    app, _said = writable(org, clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        picked = open_runs(app, org, 2)
        for run in picked:
            await select(app, pilot, run)
            await pilot.press("space")
        await pilot.press("C")
        await confirm_dialog(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.screen is tab(app)
    assert [status(org, r.id) for r in picked] == ["InProgress", "InProgress"] and not audit()


async def test_a_partial_failure_is_reported_per_record(org: DemoOrg,
                                                        clock: ManualClock) -> None:
    """Without Approval Admin the approval run's cancelApprovalSubmission is refused; the
    plain run's PATCH goes through."""
    org.set_permissions(ALL - {"ApprovalAdmin"})
    app, _said = writable(org, clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        plain = open_runs(app, org, 1)[0]
        approval = open_runs(app, org, 1, approval=True)[0]
        for run in (plain, approval):
            await select(app, pilot, run)
            await pilot.press("space")
        await pilot.press("C")
        dialog = await confirm_dialog(app, pilot)
        preview = text(app, "#write-preview")
        assert f"POST {V}/actions/standard/cancelApprovalSubmission" in preview
        assert "Approval Admin" in text(app, "#write-notes")
        assert dialog.plan.count == 2 and dialog.plan.calls == 2
        await pilot.press("2", "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, WriteResultScreen)
        shown = text(app, "#write-result")
        assert f"✔ {plain.name}  canceled" in shown
        assert f"✖ {approval.name}  " in shown
        failed = next(o for o in app.screen.lines if o.label == approval.name)
        assert failed.state == "failed" and failed.text.split(":")[0].isupper()
        assert "1 succeeded, 1 failed" in app.screen.summary
    assert status(org, plain.id) == "Canceled" and status(org, approval.id) == "InProgress"
    assert len([e for e in audit() if e["phase"] == "after"]) == 2


# ---------------------------------------------------------------- nudge and delete

async def test_nudge_publishes_an_event_for_the_run(org: DemoOrg, clock: ManualClock) -> None:
    app, _said = writable(org, clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        run = open_runs(app, org, 1)[0]
        await select(app, pilot, run)
        await pilot.press("U")
        await confirm_dialog(app, pilot)
        assert (f'POST {V}/sobjects/FlowOrchestrationEvent {{"OrchestrationInstanceId": '
                f'"{run.id}"}}') in text(app, "#write-preview")
        await send(app, pilot)
        assert f"✔ {run.name}  event published" in text(app, "#write-result")
    published = [r for r in org.request_log if r.method == "POST" and
                 r.path.endswith("/sobjects/FlowOrchestrationEvent")]
    assert len(published) == 1 and published[0].status == 201
    assert [e["phase"] for e in audit()] == ["before", "after"]


def error_runs(app: FlowstageApp) -> tuple[Run, Run]:
    """An Error run on screen inside its resume window, and one past it."""
    client = engine_of(app).client
    assert client is not None
    errors = [r for r in tab(app).visible_runs() if str(r.status) == "Error"]
    found = {t.run_id: t for t in targets.interviews_of(client, [r.id for r in errors])}
    now: datetime = tab(app).org.clock()
    inside = [r for r in errors if r.id in found and in_resume_window(found[r.id].failed_at, now)]
    past = [r for r in errors if r.id in found and
            not in_resume_window(found[r.id].failed_at, now)]
    assert inside and past
    return inside[0], past[0]


async def test_delete_inside_the_resume_window_needs_the_runs_name(
        org: DemoOrg, clock: ManualClock) -> None:
    app, _said = writable(org, clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        inside, past = error_runs(app)
        interview = inside.interview_id
        assert interview
        await select(app, pilot, inside)
        await pilot.press("D")
        dialog = await confirm_dialog(app, pilot)
        assert f"DELETE {V}/sobjects/FlowInterview/{interview}" in text(app, "#write-preview")
        assert dialog.plan.typed == inside.name
        assert "resume" in text(app, "#write-typed-why")
        await pilot.press(*"OR-1", "enter")  # not its name
        await pilot.pause()
        assert app.screen is dialog and org.store.get("FlowInterview", interview) is not None
        dialog.query_one("#write-typed", Input).value = inside.name
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, WriteResultScreen)
        assert "interview deleted" in text(app, "#write-result")
        # the title reads as a sentence (it said "Delete the interview of: what the org …")
        assert text(app, "#dialog-title").endswith("DEMO  Delete interviews: what the org answered")
        await pilot.press("escape")
        await settle(app, pilot)

        # past the window: no name to type; from the Error tab as from the runs pane
        await select(app, pilot, past)
        await pilot.press("3", "right_square_bracket", "right_square_bracket",
                          "right_square_bracket")
        assert app.focused is not None and app.focused.parent is not None
        assert app.focused.parent.id == "tab-error"
        await pilot.press("D")
        dialog = await confirm_dialog(app, pilot)
        assert dialog.plan.typed is None
        await send(app, pilot)
    assert org.store.get("FlowInterview", interview) is None
    assert past.interview_id and org.store.get("FlowInterview", past.interview_id) is None
    assert [e["method"] for e in audit()] == ["DELETE"] * 4


async def test_delete_of_a_running_runs_interview_is_refused_before_sending(
        org: DemoOrg, clock: ManualClock) -> None:
    app, _said = writable(org, clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        run = open_runs(app, org, 1)[0]
        await select(app, pilot, run)
        await pilot.press("D")
        await settle(app, pilot)
        assert isinstance(app.screen, MessageScreen)
        assert "cancel the run first" in str(app.screen.body)
    assert audit() == []


# ---------------------------------------------------------------- reassign

def held_item(app: FlowstageApp, org: DemoOrg) -> WorkItem:
    """An Assigned work item of a run on screen, held by an active user, of a run that is not
    an approval orchestration (those are reassigned through their ApprovalWorkItem)."""
    shown = {r.id for r in tab(app).visible_runs()
             if not str((org.store.get(RUN, r.id) or {}).get("FlowType") or "")
             .startswith("Approval")}
    return next(i for its in tab(app).snapshot.work_items.values() for i in its
                if str(i.status) == "Assigned" and i.assignee_type == "User" and
                i.assignee_active and i.run_id in shown and i.step_id)


async def test_reassign_through_the_picker(org: DemoOrg, clock: ManualClock) -> None:
    app, _said = writable(org, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        item = held_item(app, org)
        await open_item(app, pilot, item)
        assert "R Reassign" in keybar(app)
        await pilot.press("R")
        await settle(app, pilot)
        picker = app.screen
        assert isinstance(picker, AssigneePicker)
        assert (item.assignee_name or "") in text(app, "#picker-holders")
        name = "Alan Turing" if item.assignee_name == "Grace Hopper" else "Grace Hopper"
        await pilot.press(*name.split()[0].lower())
        await settle(app, pilot)
        grace = next(c for c in picker.found.values() if c.name == name)
        assert picker.query_one(OptionList).option_count == len(picker.found) >= 1
        await pilot.press("enter")
        await confirm_dialog(app, pilot)
        assert (f'PATCH {V}/sobjects/{ITEM}/{item.id} {{"AssigneeId": "{grace.id}"}}'
                in text(app, "#write-preview"))
        assert f"Reassign 1 work item to {name} (User)?" in text(app, "#dialog-title")
        await send(app, pilot)
        assert "reassigned" in text(app, "#write-result")
    row = org.store.get(ITEM, item.id)
    assert row is not None and row["AssigneeId"] == grace.id
    assert [e["phase"] for e in audit()] == ["before", "after"]


async def test_picker_marks_and_refuses_a_frozen_user_and_a_memberless_queue(
        org: DemoOrg, clock: ManualClock) -> None:
    """The demo org's frozen Tim O'Brien and its Vendor Management queue (only inactive
    members) are marked as dead ends in the list, and Enter on them keeps the picker open
    saying why, in one line: the admin is not offered work that would sit untouched."""
    app, said = writable(org, clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        item = held_item(app, org)
        await open_item(app, pilot, item)
        await pilot.press("R")
        await settle(app, pilot)
        picker = app.screen
        assert isinstance(picker, AssigneePicker)
        for typed, why in (("O'Brien", "frozen user"), ("Vendor Man", "no active member")):
            picker.query_one(Input).value = typed
            await settle(app, pilot)
            options = picker.query_one(OptionList)
            assert options.option_count == 1
            assert why in str(options.get_option_at_index(0).prompt)
            await pilot.press("enter")
            await settle(app, pilot)
            assert app.screen is picker and why in said[-1] and "\n" not in said[-1]
    row = org.store.get(ITEM, item.id)
    assert row is not None and row["AssigneeId"] == item.assignee_id and audit() == []


async def test_reassign_to_an_inactive_user_is_refused_in_one_line(
        org: DemoOrg, clock: ManualClock) -> None:
    app, said = writable(org, clock)
    inactive = next(u for u in org.store.table("User").rows.values() if not u["IsActive"])
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        item = held_item(app, org)
        await open_item(app, pilot, item)
        await pilot.press("R")
        await settle(app, pilot)
        assert isinstance(app.screen, AssigneePicker)
        app.screen.query_one(Input).value = str(inactive["Id"])
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        assert front(app) is tab(app)
        assert "inactive" in said[-1] and said[-1].startswith("Nothing sent")
        assert "\n" not in said[-1]
    row = org.store.get(ITEM, item.id)
    assert row is not None and row["AssigneeId"] == item.assignee_id and audit() == []


# ---------------------------------------------------------------- no API

async def test_resume_says_there_is_no_api_and_offers_the_url(
        org: DemoOrg, clock: ManualClock) -> None:
    app, said = writable(org, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        run = open_runs(app, org, 1)[0]
        await select(app, pilot, run)
        await pilot.press("colon", *"resume", "enter")
        await pilot.pause()
        assert isinstance(app.screen, NoApiScreen)
        body = text(app, "#dialog-body")
        assert "no documented API" in body and "Orchestration Runs" in body
        assert f"/lightning/r/{RUN}/{run.id}/view" in body
        await pilot.press("y")
        assert said[-1].startswith("Copied the run's Lightning URL")
    assert audit() == []


async def test_a_screens_notifications_never_read_markup(org: DemoOrg,
                                                         clock: ManualClock) -> None:
    """Widget.notify passes markup=True; the write messages carry org text (names, error
    messages), so the App turns it off for every notification."""
    app = make_app(org, clock, read_only=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        tab(app).notify("Nothing sent: [bold]Jane[/bold] is inactive")
        await pilot.pause()
        last = list(app._notifications)[-1]
        assert last.message == "Nothing sent: [bold]Jane[/bold] is inactive"
        assert last.markup is False


async def test_a_lost_answer_is_outcome_unknown_with_what_the_re_read_found(
        org: DemoOrg, clock: ManualClock) -> None:
    """The org applies the cancel but its answer never arrives: no retry, the result says
    'outcome unknown' and what re-reading the run found (it is Canceled now)."""
    import requests

    from flowstage_tui.cli.tui import build_app
    from flowstage_tui.clock import utc_clock
    from flowstage_tui.demo import DEMO_PROFILE
    from flowstage_tui.emulator.adapter import EmulatorAdapter
    from flowstage_tui.salesforce.client import TimeoutSession

    from ..engine.conftest import quiet_connection

    class LosingAdapter(EmulatorAdapter):
        def send(self, request: requests.PreparedRequest, *args: Any,
                 **kw: Any) -> requests.Response:
            resp = super().send(request, *args, **kw)
            if request.method == "PATCH":
                raise requests.exceptions.ReadTimeout("read timed out", request=request)
            return resp

    conn = quiet_connection(org)

    def session() -> TimeoutSession:
        s = TimeoutSession()
        s.mount("https://", LosingAdapter(org, sleep=lambda _s: None))
        return s

    conn.session_factory = session
    app = build_app(connection=conn, profile=DEMO_PROFILE, clock=utc_clock(clock),
                    rng_seed=0, details_delay=0, read_only=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        run = open_runs(app, org, 1)[0]
        await select(app, pilot, run)
        await pilot.press("C")
        await confirm_dialog(app, pilot)
        result = await send(app, pilot)
        assert "1 outcome unknown" in result.summary
        shown = text(app, "#write-result")
        assert f"? {run.name}  outcome unknown" in shown
        assert "the run is Canceled now" in shown
    patches = [r for r in org.request_log if r.method == "PATCH"]
    assert len(patches) == 1  # never retried
    assert status(org, run.id) == "Canceled"


async def test_a_remapped_write_key_moves_with_its_read_only_twin(
        org: DemoOrg, clock: ManualClock) -> None:
    for read_only in (False, True):
        app, said = writable(org, clock, read_only=read_only, keymap={"cancel": "x"})
        async with app.run_test(size=(120, 36)) as pilot:
            await settle(app, pilot)
            await pilot.press("C")  # its old key does nothing now
            await settle(app, pilot)
            assert front(app) is tab(app) and not any("Cancel" in m for m in said)
            await pilot.press("x")
            await settle(app, pilot)
            if read_only:
                assert front(app) is tab(app) and "--write" in said[-1]
            else:
                assert isinstance(front(app), ConfirmWriteScreen)


async def test_an_answer_for_a_tab_behind_waits_for_it(clock: ManualClock) -> None:
    """The confirm dialog of a write prepared in one org's tab never opens over another's:
    it waits until its own tab is in front again."""
    from flowstage_tui.config.store import Profile

    from .conftest import make_tabs

    one = DemoOrg(seed=7, runs=60, clock=clock, frozen=True)
    two = DemoOrg(seed=11, runs=30, clock=clock, frozen=True)
    app = make_tabs([
        (one, Profile("one", "one", {"auth": "demo", "label": "ONE", "read_only": False})),
        (two, Profile("two", "two", {"auth": "demo", "label": "TWO", "read_only": False}))],
        clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        first = tab(app)
        run = open_runs(app, one, 1)[0]
        await select(app, pilot, run)
        first.action_write("cancel")
        app.go_to("org:two")  # before the answer is read
        await settle(app, pilot)
        assert tab(app).org.profile.name == "two" and front(app) is tab(app)
        app.go_to("org:one")
        await settle(app, pilot)
        dialog = front(app)
        assert isinstance(dialog, ConfirmWriteScreen) and "ONE" in text(app, "#dialog-title")
        assert run.id in text(app, "#write-preview")


# ---------------------------------------------------------------- from the Work view (4)

def work(app: FlowstageApp) -> WorkTable:
    return tab(app).query_one(WorkTable)


async def open_work(app: FlowstageApp, pilot: Any) -> WorkTable:
    await settle(app, pilot)
    await pilot.press("4")
    await settle(app, pilot)
    assert isinstance(focused(app), WorkTable)
    return work(app)


async def test_reassign_marked_items_from_the_work_view(org: DemoOrg,
                                                        clock: ManualClock) -> None:
    """The two longest-held items (an inactive and a frozen holder, in the demo org), marked
    with space and V, go to an active user through the picker and the confirm dialog; the
    queue shows them with their new holder, held from 0, the holders' flags gone."""
    app, _said = writable(org, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        table = await open_work(app, pilot)
        first, second = table.shown[:2]
        assert {Flag.INACTIVE, Flag.FROZEN} <= first.flags | second.flags
        pane = tab(app).query_one("#work-pane")
        await pilot.press("g", "space", "j", "V")
        assert table.marked == {first.item.id, second.item.id}
        assert str(table.get_cell(first.item.id, MARK_COLUMN)) == "+"
        assert str(pane.border_title).startswith("4 Work · 2 marked")
        await pilot.press("R")
        await settle(app, pilot)
        picker = front(app)
        assert isinstance(picker, AssigneePicker)
        assert "Reassign 2 work items to" in text(app, "#dialog-title")
        holders = text(app, "#picker-holders")
        for row in (first, second):
            assert (row.assignee_name or "") in holders
        assert "inactive" in holders and "frozen" in holders
        name = next(n for n in ("Grace Hopper", "Alan Turing")
                    if n not in (first.assignee_name, second.assignee_name))
        await pilot.press(*name.split()[0].lower())
        await settle(app, pilot)
        chosen = next(c for c in picker.found.values() if c.name == name)
        await pilot.press("enter")
        dialog = await confirm_dialog(app, pilot)
        preview = text(app, "#write-preview")
        for row in (first, second):
            assert (f'PATCH {V}/sobjects/{ITEM}/{row.item.id} '
                    f'{{"AssigneeId": "{chosen.id}"}}') in preview
        assert "2 records, 1 API call" in preview
        assert f"Reassign 2 work items to {name} (User)?" in text(app, "#dialog-title")
        assert app.focused is dialog.query_one("#write-typed", Input)  # bulk: type the count
        await pilot.press("2", "enter")
        await settle(app, pilot)
        result = front(app)
        assert isinstance(result, WriteResultScreen) and "2 succeeded" in result.summary
        await pilot.press("escape")
        await settle(app, pilot)
        assert front(app) is tab(app) and tab(app).work_state == "open"
        assert not work(app).marked and str(pane.border_title) == "4 Work"
        moved = {r.item.id: r for r in work(app).shown}
        for row in (first, second):
            now = moved[row.item.id]
            assert now.assignee_name == name and now.held_seconds == 0
            assert not now.flags & {Flag.INACTIVE, Flag.FROZEN}
            assert name in str(work(app).get_cell(row.item.id, "Assignee"))
    for row in (first, second):
        stored = org.store.get(ITEM, row.item.id)
        assert stored is not None and stored["AssigneeId"] == chosen.id
    entries = audit()
    assert [e["phase"] for e in entries] == ["before", "after"]
    assert set(entries[0]["record_ids"]) == {first.item.id, second.item.id}
    assert entries[0]["path"] == f"{V}/composite"


async def test_c_d_u_in_the_work_view_never_reach_the_hidden_run(
        org: DemoOrg, clock: ManualClock) -> None:
    """The Work view covers the runs pane, whose cursor still sits on a run: neither the
    keys nor their `:` twins (nor :resume) act on it; each says why in one line."""
    app, said = writable(org, clock)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        run = open_runs(app, org, 1)[0]
        await select(app, pilot, run)
        await open_work(app, pilot)
        assert tab(app).selected_run() == run  # still selected under the view
        bar = keybar(app)
        assert "R Reassign" in bar
        assert not any(w in bar for w in ("Cancel", "Delete", "Nudge"))
        for key in ("C", "D", "U"):
            before = len(said)
            await pilot.press(key)
            await settle(app, pilot)
            assert front(app) is tab(app) and len(said) == before + 1
            assert "Work view covers the runs" in said[-1] and "\n" not in said[-1]
            assert not said[-1].startswith("Delete the interview of:"), said[-1]
        for command in ("cancel", "delete", "nudge", "resume"):
            await pilot.press("colon", *command, "enter")
            await settle(app, pilot)
            assert front(app) is tab(app), command
            assert "Work view covers the runs" in said[-1], command
        assert tab(app).work_state == "open"
    assert status(org, run.id) == "InProgress" and audit() == []


async def test_reassign_in_the_work_view_is_hidden_in_a_read_only_tab(
        org: DemoOrg, clock: ManualClock) -> None:
    app, said = writable(org, clock, read_only=True)
    async with app.run_test(size=(120, 36)) as pilot:
        table = await open_work(app, pilot)
        await pilot.press("space")  # marking is reading: it works in [RO] too
        assert len(table.marked) == 1
        assert "Reassign" not in keybar(app)
        await pilot.press("R")
        await settle(app, pilot)
        assert front(app) is tab(app)  # no picker
        assert said[-1].startswith("Reassign:") and "--write" in said[-1]
    assert audit() == []


async def test_reassign_command_in_the_work_view_acts_on_the_queue_not_steps(
        org: DemoOrg, clock: ManualClock) -> None:
    """`:reassign` with the focus on the explanation below the table: the queue's cursor
    item, never the hidden Steps tab's."""
    app, _said = writable(org, clock)
    async with app.run_test(size=(120, 36)) as pilot:
        table = await open_work(app, pilot)
        row = table.selected_row
        assert row is not None
        await pilot.press("tab")  # the Work item explanation
        assert not isinstance(focused(app), WorkTable)
        assert "Reassign" not in keybar(app)  # R is the table's key
        await pilot.press("colon", *"reassign", "enter")
        await settle(app, pilot)
        picker = front(app)
        assert isinstance(picker, AssigneePicker) and len(picker.holders) == 1
        assert (row.assignee_name or row.item.assignee_id) in text(app, "#picker-holders")
        await pilot.press("escape")
        await settle(app, pilot)
    assert audit() == []


async def test_a_reassign_in_steps_leaves_the_work_views_marks(org: DemoOrg,
                                                              clock: ManualClock) -> None:
    """Marks clear on the table the write was picked in only: items marked in the Work view,
    then Enter to another item's run and R in Steps there, come back still marked."""
    app, _said = writable(org, clock)
    async with app.run_test(size=(120, 36)) as pilot:
        table = await open_work(app, pilot)
        await pilot.press("g", "space", "j", "space", "j")
        marked = set(table.marked)
        assert len(marked) == 2
        row = next(r for r in table.shown[2:] if r.assignee_kind == "User" and
                   r.assignee_name not in ("Grace Hopper", None) and
                   not r.flags & {Flag.INACTIVE, Flag.FROZEN})
        table.move_cursor(row=table.row_keys().index(row.item.id))
        await pilot.press("enter")  # to its run, its stage and the item in Steps
        await settle(app, pilot)
        steps = tab(app).query_one(StepsTable)
        assert tab(app).work_state == "parked" and steps.selected_id == row.item.id
        tab(app).focus_now(steps)
        await pilot.pause()
        await pilot.press("R")
        await settle(app, pilot)
        assert isinstance(front(app), AssigneePicker)
        await pilot.press(*"grace")
        await settle(app, pilot)
        await pilot.press("enter")
        await confirm_dialog(app, pilot)
        assert row.item.id in text(app, "#write-preview")
        assert not any(k in text(app, "#write-preview") for k in marked)
        await send(app, pilot)
        await pilot.press("escape")
        await settle(app, pilot)
        await pilot.press("4")
        await settle(app, pilot)
        assert tab(app).work_state == "open" and work(app).marked == marked
        assert "2 marked" in str(tab(app).query_one("#work-pane").border_title)
    stored = org.store.get(ITEM, row.item.id)
    assert stored is not None and stored["AssigneeId"] != row.item.assignee_id
