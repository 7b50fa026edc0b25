"""TriageWrites: the keys that change the org — R reassign, C cancel, D delete an interview,
U nudge — and the `:` commands beside them, with the marks they act on.

Every write goes the same way: the records picked (the marked rows, else the cursor row) are
read fresh on the org's API thread and turned into the exact requests (PrepareWrite); the
confirm dialog shows them verbatim, No by default; only a Yes sends them (SendWrites, audited
by send_writes); the result dialog says per record what happened, then a poll shows it.

A read-only tab (`[RO]`) hides these keys from the key bar, the help screen and the palette
(`check_action`): each key has a twin binding, same key and id (so a `[keymap]` moves both),
that is active exactly when the write is not and says in one line why.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.binding import Binding
from textual.widget import Widget

from ...errors import FlowstageError
from ...export import lightning_url
from ...salesforce.capabilities import RUN
from .. import present as P
from ..messages import AssigneesFound, WritePrepared, WritesDone
from ..widgets.detail import DetailScroll
from ..widgets.markable import MarkableTable
from ..widgets.runs import RunsTable
from ..widgets.steps import StepsTable
from ..widgets.work import WorkTable
from ..writes_thread import FindAssignees, PrepareWrite, SendWrites
from .assignee_picker import AssigneePicker, Choice
from .dialogs import MessageScreen
from .sync_view import SyncView
from .write_dialogs import (
    ConfirmWriteScreen,
    NoApiScreen,
    ResultLine,
    WritePlan,
    WriteResultScreen,
    grouped_holders,
    no_api_body,
)

if TYPE_CHECKING:
    from ...engine.write_plans import PreparedWrite
    from ...salesforce.writes import WriteReport

WRITES = ("reassign", "cancel", "delete", "nudge")
WRITE_IDS = frozenset(WRITES)  # the bindings' ids: hidden in a read-only tab
VERB = {"reassign": "Reassign", "cancel": "Cancel", "delete": "Delete the interview of",
        "nudge": "Nudge"}
# The action's name standing alone: a hint's "Delete: …", a result's "Delete: what the org
# answered" (VERB reads on only into its object: "Delete the interview of 2 runs?")
ACTION = {"reassign": "Reassign", "cancel": "Cancel", "delete": "Delete interviews",
          "nudge": "Nudge"}
NOUN = {"reassign": "work item", "cancel": "run", "delete": "run", "nudge": "run"}
WHERE = {"reassign": "R reassigns work items: focus Steps & work items (3) or the Work view's "
                     "table (4) first",
         "cancel": "C cancels runs: focus the Runs pane (1) first",
         "delete": "D deletes a finished or canceled run's interview: focus the Runs pane (1) "
                   "or the Error tab first",
         "nudge": "U nudges waiting runs: focus the Runs pane (1) first"}
SLOW_ANSWER = 1.5  # seconds before "Reading…" / "Sending…" is said
# C, D, U (and :resume & co.) in the Work view: it covers the runs pane, and no key acts on
# a run the user cannot see
COVERED = "the Work view covers the runs, and nothing acts on a run it hides: 1 goes back " \
    "to the Runs pane"
HOW_TO_WRITE = ("this profile is read-only: start flowstage with --write, or set read_only = "
                "false in the profile, to allow writes")


def _pair(key: str, kind: str, description: str, tooltip: str) -> list[Binding]:
    return [Binding(key, f"write('{kind}')", description, id=kind, tooltip=tooltip),
            Binding(key, f"write_hint('{kind}')", description, show=False, id=kind)]


class TriageWrites(SyncView):
    WRITE_BINDINGS = [
        *_pair("R", "reassign", "Reassign",
               "reassign the marked work items (else the one under the cursor) to a user, "
               "queue or group you pick; in Steps or the Work view (writes: previewed, "
               "confirmed, audited)"),
        *_pair("C", "cancel", "Cancel",
               "cancel the marked runs (else the selected one); in Runs (writes)"),
        *_pair("D", "delete", "Delete",
               "delete the paused or failed interview of the marked (else the selected) "
               "canceled or finished runs; in Runs or the Error tab (writes)"),
        *_pair("U", "nudge", "Nudge",
               "nudge waiting runs to re-evaluate (publish a FlowOrchestrationEvent); in Runs "
               "(writes)"),
    ]

    _write_busy: str | None = None  # the write being prepared or sent: one at a time
    _write_waiting: object = None  # an answer that came while another tab was in front
    _write_asked = 0  # answers asked for so far: a slow one's toast knows if it is stale
    _write_from: MarkableTable | None = None  # the table the write's records were picked in
    _pane_titles: dict[str, str] | None = None  # a pane's title before "· N marked"

    # ------------------------------------------------------------ which keys show
    def hidden_binding_ids(self) -> frozenset[str]:
        """The binding ids the help screen leaves out for this tab."""
        return WRITE_IDS if self.org.read_only else frozenset()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "write":
            return self._write_here(str(parameters[0]))
        if action == "write_hint":
            return not self._write_here(str(parameters[0]))
        return super().check_action(action, parameters)

    def _write_here(self, kind: str) -> bool:
        """The write key acts: the tab is writable and the focus is where it applies."""
        return not self.org.read_only and self._write_table(kind, focused_only=True) \
            is not None

    def _write_table(self, kind: str, focused_only: bool = False) -> MarkableTable | None:
        """The table a write acts on: the focused one, if it offers that write (D also from
        the Error tab: the selected run); else, from a `:` command, its usual table."""
        focused = self.focused
        if self.runs_hidden():
            # the Work view covers Runs and Steps: no write reaches their selection; a
            # reassign acts on the queue's marked items or its cursor item
            if kind != "reassign" or (focused_only and not isinstance(focused, WorkTable)):
                return None
            return self.query_one(WorkTable)
        if isinstance(focused, MarkableTable) and kind in focused.WRITES:
            return focused
        if kind == "delete" and isinstance(focused, DetailScroll) and \
                focused.parent is not None and focused.parent.id == "tab-error":
            return self.query_one(RunsTable)
        if focused_only:
            return None
        return self.query_one(StepsTable) if kind == "reassign" else self.query_one(RunsTable)

    def action_write_hint(self, kind: str) -> None:
        why = HOW_TO_WRITE if self.org.read_only else COVERED \
            if self.runs_hidden() and kind != "reassign" else None
        self.notify(P.one_line(f"{ACTION[kind]}: {why}." if why else f"{WHERE[kind]}."),
                    severity="warning", timeout=5)

    # ------------------------------------------------------------ marks
    @on(MarkableTable.MarksChanged)
    def _marks_changed(self, event: MarkableTable.MarksChanged) -> None:
        if isinstance(event.table, WorkTable):
            return  # WorkView draws that pane's title, marks included, on every poll
        pane = next((a for a in event.table.ancestors if isinstance(a, Widget)
                     and a.border_title), None)
        if pane is None:
            return
        if self._pane_titles is None:
            self._pane_titles = {}
        base = self._pane_titles.setdefault(pane.id or "", str(pane.border_title))
        pane.border_title = f"{base} · {event.count} marked" if event.count else base

    # ------------------------------------------------------------ the writes
    def action_write(self, kind: str) -> None:
        """R, C, D, U and their `:` commands: pick, prepare, confirm, send."""
        if self.org.read_only:
            self.action_write_hint(kind)
            return
        if self.poller is None:
            self.notify("No connection to this org: nothing can be written.", severity="error")
            return
        if self._write_busy is not None:
            self.notify(f"A {self._write_busy} is still being prepared or sent; wait for its "
                        "answer.", severity="warning", timeout=4)
            return
        table = self._write_table(kind)
        if table is None:  # `:cancel` & co. while the Work view covers the runs
            self.action_write_hint(kind)
            return
        ids = table.target_items()
        self._write_from = table
        if not ids:
            self.notify(f"Nothing to {kind}: no {NOUN[kind]} is marked or under the cursor.",
                        severity="warning", timeout=4)
            return
        if kind != "reassign":
            self._prepare(PrepareWrite(kind, tuple(ids)))
            return
        if isinstance(table, StepsTable):
            items = table.work_items(ids)
            if items and not any(str(wi.status) == "Assigned" for wi in items):
                self.notify("Only an Assigned work item can be reassigned: "
                            f"{'this one is' if len(items) == 1 else 'these are'} done.",
                            severity="warning", timeout=4)
                return
        many = P.count(len(ids), "work item")

        def chosen(choice: Choice | None) -> None:
            if choice is not None:
                self._prepare(PrepareWrite("reassign", tuple(ids), choice.id))

        self.app.push_screen(AssigneePicker(
            f"Reassign {many} to…",
            grouped_holders(table.holders(ids)) or [Text("unknown", style="dim")],
            self._search, delay=self.org.details_delay), chosen)

    def _search(self, text: str) -> None:
        if self.poller is not None:
            self.poller.submit(FindAssignees(text))

    def _prepare(self, request: PrepareWrite) -> None:
        assert self.poller is not None
        self._write_busy = request.action
        self.poller.submit(request)
        self._say_if_slow(f"Reading {P.count(len(request.ids), NOUN[request.action])} from "
                          "the org to show exactly what would be sent…")

    def _say_if_slow(self, text: str) -> None:
        """Say what the org is being asked, only when its answer is not there at once: the
        answer's dialog is what the user looks at, a toast over it only hides it."""
        asked = self._write_asked = self._write_asked + 1

        def still_waiting() -> None:
            if self._write_asked == asked:
                self.notify(text, timeout=3)

        self.set_timer(SLOW_ANSWER, still_waiting)

    def on_assignees_found(self, message: AssigneesFound) -> None:
        picker = self.app.screen
        if isinstance(picker, AssigneePicker) and self.is_active_tab:
            found = message.found if isinstance(message.found, FlowstageError) else [
                Choice(a.id, a.name, a.kind, a.username, a.active, a.dead_end, a.caveat)
                for a in message.found]
            picker.show_found(message.text, found)

    def on_write_prepared(self, message: WritePrepared) -> None:
        self._write_asked += 1  # answered: no "Reading…" toast over the dialog
        if not self.is_active_tab:
            self._write_waiting = message  # shown when this tab is in front again
            return
        prepared = message.prepared
        if isinstance(prepared, FlowstageError):
            self._write_busy = None
            self.notify(P.one_line(f"Nothing sent: {prepared}"), severity="error", timeout=8)
            return
        if not prepared.requests:
            self._write_busy = None
            body = Text("Nothing would be sent:\n\n")
            for line in prepared.skipped:
                body.append_text(P.literal(f"• {P.one_line(line)}\n"))
            self.app.push_screen(MessageScreen(f"Nothing to {message.action}", body))
            return
        self.app.push_screen(ConfirmWriteScreen(self._plan(prepared)),
                             lambda yes: self._confirmed(prepared, bool(yes)))

    def _plan(self, prepared: PreparedWrite) -> WritePlan:
        from ...salesforce.writes import plan_calls, preview

        n = len(prepared.requests)
        notes = (*prepared.notes, *(f"not sent: {s}" for s in prepared.skipped))
        typed, why = prepared.typed_name, prepared.typed_why
        if typed is None and n > 1:
            typed, why = str(n), f"This writes {n} records: type {n} to send."
        profile = self.org.profile
        org = self.snapshot.org.name if self.snapshot.org else self.org.cached.org_name
        names = self._run_names(prepared)
        what = names[0] if len(names) == 1 else P.count(n, NOUN[prepared.action])
        return WritePlan(
            title=f"{VERB[prepared.action]} {what}"
                  + (f" to {prepared.to}?" if prepared.to else "?"),
            names=names if len(names) > 1 else (),
            org_label=profile.label, org_color=profile.get("color"), org_name=org or "",
            lines=tuple(preview(prepared.requests, prepared.version)), count=n,
            calls=len(plan_calls(prepared.requests, prepared.version)), notes=tuple(notes),
            typed=typed, typed_why=why)

    def _run_names(self, prepared: PreparedWrite) -> tuple[str, ...]:
        """The runs a cancel, delete or nudge writes, as the CLI plan names them: `OR-0000300
        Employee Onboarding` (the label from the runs on screen, where the run is one)."""
        if NOUN[prepared.action] != "run":
            return ()
        titles = {r.name: r.title for r in self.snapshot.runs}
        return tuple(P.one_line(f"{r.label} {titles[r.label]}" if r.label in titles
                                else r.label) for r in prepared.requests)

    def _confirmed(self, prepared: PreparedWrite, yes: bool) -> None:
        if not yes or self.poller is None:
            self._write_busy = None
            self.notify("Nothing sent.", timeout=2)
            return
        named = self.org.profile.get("username")
        self.poller.submit(SendWrites(prepared.action, prepared.requests,
                                      self.org.profile.name, self.org.read_only,
                                      user=str(named) if named else None))
        if self._write_from is not None:  # its marks did their job (not another table's:
            self._write_from.clear_marks()  # the Work view's stay while Steps reassigns)
        self._say_if_slow(f"Sending {P.count(len(prepared.requests), 'write')}…")

    def on_writes_done(self, message: WritesDone) -> None:
        self._write_asked += 1
        self._write_busy = None
        report = message.report
        if not isinstance(report, FlowstageError):
            self.poll_now(manual=True, announce=False)  # the screen shows the new state
        if not self.is_active_tab:
            self._write_waiting = message
            what = report if isinstance(report, FlowstageError) else report.summary()
            self.notify(P.one_line(f"{self.org.profile.label}: {what}"), timeout=8)
            return
        self._show_result(message.action, report)

    def _show_result(self, action: str, report: WriteReport | FlowstageError) -> None:
        profile = self.org.profile
        if isinstance(report, FlowstageError):
            self.app.push_screen(MessageScreen("Nothing sent", P.literal(str(report))))
            return
        lines = [ResultLine(o.label, "ok" if o.ok else "unknown" if o.unknown else "failed",
                            o.message if o.ok or o.unknown or not o.error_code else
                            f"{o.error_code}: {o.message}") for o in report.outcomes]
        self.app.push_screen(WriteResultScreen(
            f"{ACTION[action]}: what the org answered", profile.label, profile.get("color"),
            report.summary(), lines), lambda _closed: self.flush_pending())

    def show_waiting_write(self) -> None:
        """This tab is in front again: the write answer that came while it was not."""
        waiting, self._write_waiting = self._write_waiting, None
        if isinstance(waiting, WritePrepared):
            self.on_write_prepared(waiting)
        elif isinstance(waiting, WritesDone):
            self._show_result(waiting.action, waiting.report)

    # ------------------------------------------------------------ no API
    def no_api(self, what: str) -> None:
        """`:resume`, `:suspend`, `:retry`: Salesforce documents no API for them."""
        if self.runs_hidden():
            self.notify(f":{what} is about the selected run: {COVERED}.",
                        severity="warning", timeout=5)
            return
        run = self.selected_run()
        if run is None:
            self.notify(f"Select a run first: :{what} says where Salesforce does it.",
                        severity="warning", timeout=4)
            return
        self.app.push_screen(NoApiScreen(f"{what.capitalize()} {P.one_line(run.name)}: not "
                                         "through the API", no_api_body(what, run.name,
                                                                        str(run.status)),
                                         lightning_url(self.instance_url(), RUN, run.id)))
