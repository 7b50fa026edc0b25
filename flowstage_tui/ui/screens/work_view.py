"""WorkView: the org's stuck-work queue (`4`, `:work`), over the runs panes.

The view is closed, open (on screen, over the runs, stages and detail panes) or parked: Enter
went to an item's run in the runs pane, and Esc there comes back. While it is open or parked
the engine's work mode is on (its per-poll work-item query covers every open item of the
org, still in the one composite call); closing it turns the mode off.
"""

from __future__ import annotations

from typing import Literal

from rich.text import Text
from textual import on
from textual.widgets import DataTable, Input, Static

from ...engine.state import PollResult
from ...export import lightning_url
from ...salesforce.capabilities import RUN
from ...salesforce.queries import RunFilter
from ...salesforce.work import FLAG_ORDER as COUNT_ORDER
from ...salesforce.work import FLAG_SHORT
from ...salesforce.work_filter import WorkFilter
from .. import present as P
from ..messages import WorkRequested
from ..poller import Poll, WorkMode
from ..widgets.command_line import FilterBox
from ..widgets.markable import MarkableTable
from ..widgets.runs import RunsTable
from ..widgets.stages import StagesTable
from ..widgets.steps import StepsTable, context_url
from ..widgets.work import HELD_MARKS, WorkTable, work_detail_text
from .dialogs import ChoiceScreen
from .sync_view import SyncView

# the screen's keys that act on the selected run: off while the Work view covers the runs
RUNS_ONLY = frozenset({"next_error", "copy", "open_url", "export", "watch_run", "tab"})
WorkState = Literal["closed", "open", "parked"]


class WorkView(SyncView):
    work_state: WorkState = "closed"
    work_filter: WorkFilter | None = None
    work_needle = ""  # the `/` text
    _work_return: RunFilter | None = None  # the runs filter before Enter went to a run
    _work_target: tuple[str, str | None, str] | None = None  # run, step, item to select

    # ------------------------------------------------------------ opening and closing
    def action_work_view(self) -> None:
        """`4`: the Work view (back from a run Enter went to, too)."""
        if self.work_state == "closed":
            self._work_mode(True)
        self._show_work()

    def _work_mode(self, on: bool) -> None:
        if self.poller is not None:
            self.poller.submit(WorkMode(on))
            if on:  # the queue's first data now, not at the next scheduled poll
                self.poller.submit(Poll(manual=True))

    def _show_work(self) -> None:
        if self.work_state == "parked" and self._work_return is not None and \
                self._work_return != self.run_filter:
            self.set_server_filter(self._work_return)  # Enter asked the org for the run
        self.work_state = "open"
        self._work_return = self._work_target = None
        self.query_one("#body").add_class("work-open")
        self.draw_work()
        self.focus_now(self.query_one(WorkTable))

    def close_work(self) -> None:
        """Back to the runs panes, for good: the engine leaves work mode."""
        if self.work_state == "closed":
            return
        self.work_state = "closed"
        self._work_return = self._work_target = None
        self._work_mode(False)
        self.query_one("#body").remove_class("work-open")
        self.query_one("#work-filter", FilterBox).remove_class("open")
        focused = self.focused
        if focused is not None and self.query_one("#work-view") in focused.ancestors:
            self.focus_now(self.query_one(RunsTable))  # not a hidden table
        self.render_header()

    def action_work_back(self) -> None:
        """Esc in the Work view: clears the `/` text first, then closes the view."""
        if self.work_needle:
            self.set_work_needle("")
            return
        self.close_work()
        self.focus_now(self.query_one(RunsTable))

    def back_to_work(self) -> bool:
        """Esc in the runs pane after Enter went there from the Work view: back to it."""
        if self.work_state != "parked":
            return False
        self._show_work()
        return True

    def runs_hidden(self) -> bool:
        return self.work_state == "open"

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # (the write keys C, D, U ask runs_hidden in TriageWrites: one action, `write`,
        # serves R too, which acts on the queue here)
        if self.work_state == "open" and action in RUNS_ONLY:
            return False  # not the run under the hidden cursor
        return super().check_action(action, parameters)

    @on(WorkRequested)
    def _work_requested(self, message: WorkRequested) -> None:
        self.work_filter = message.flt
        self.action_work_view()

    # ------------------------------------------------------------ Enter: the item's run
    def action_work_open_run(self) -> None:
        row = self.query_one(WorkTable).selected_row
        if row is None:
            return
        if row.run_id is None:
            self.notify("This work item names no run (its step's run is not readable).",
                        severity="warning", timeout=4)
            return
        self.work_state = "parked"
        self._work_return = self.run_filter
        self._work_target = (row.run_id, row.item.step_id, row.item.id)
        self.query_one("#body").remove_class("work-open")
        self.render_header()
        self.find_run(row.run_id)  # on screen at once, else asked of the org
        self._aim_at_target()

    def _aim_at_target(self) -> None:
        """Once the run is selected and its stages are in: its item's stage, and the item in
        the steps below it."""
        target = self._work_target
        if target is None or self.query_one(RunsTable).selected_id != target[0]:
            return
        run_id, step_id, item_id = target
        stage_id = next((s.id for s in self.snapshot.stages.get(run_id, ())
                         if any(st.id == step_id for st in self.snapshot.steps.get(s.id, ()))),
                        None)
        if stage_id is None:
            return  # its stages have not come yet: the next poll result tries again
        self._work_target = None
        self.show_run(run_id)
        stages = self.query_one(StagesTable)
        stages.move_cursor(row=stages.get_row_index(stage_id), animate=False)
        self.show_stage(stage_id)
        steps = self.query_one(StepsTable)
        if item_id in (str(k.value) for k in steps.rows):
            steps.move_cursor(row=steps.get_row_index(item_id), animate=False)
            self.show_context()

    def apply(self, result: PollResult) -> None:
        super().apply(result)
        if self.work_state == "open":
            self.draw_work()
        elif self._work_target is not None:
            self._aim_at_target()

    def action_work_copy(self) -> None:
        """`y` in the Work view: the item's Id, its run's or its context record's Lightning
        URL (OSC 52: over SSH the clipboard is the way out to a browser)."""
        row = self.query_one(WorkTable).selected_row
        if row is None:
            self.notify("No work item selected to copy.", severity="warning", timeout=3)
            return
        base = self.instance_url()
        item = row.item
        choices = {"id": (item.id, "the work item's Id")}
        options: list[tuple[str, str | Text]] = [("id", f"Work item Id   {item.id}")]
        if row.run_id:
            choices["run"] = (lightning_url(base, RUN, row.run_id), "the run's Lightning URL")
            options.append(("run", P.literal(
                f"Run URL        {row.run_name or row.run_id}")))
        link = context_url(item, base)
        if link and item.context_id:
            choices["context"] = (link, "the context record's Lightning URL")
            options.append(("context", P.literal(f"Context URL    {row.context or ''}")))

        def chosen(key: str | None) -> None:
            if key in choices:
                text, what = choices[key]
                self.app.copy_to_clipboard(text)
                self.notify(f"Copied {what}: {P.one_line(text)}", timeout=4)

        self.app.push_screen(ChoiceScreen(
            f"Copy from {P.one_line(item.label or item.id)}", options), chosen)

    # ------------------------------------------------------------ drawing
    def draw_work(self) -> None:
        queue = self.snapshot.work
        table = self.query_one(WorkTable)
        table.show(queue, self.work_needle, self.work_filter)
        pane = self.query_one("#work-pane")
        pane.border_title = self._work_title()
        pane.border_subtitle = self._work_subtitle()
        self.show_work_item()
        self.render_header()

    def _work_title(self) -> Text:
        queue = self.snapshot.work
        title = Text("4 Work")
        marked = len(self.query_one(WorkTable).marked)
        if marked:
            title.append(f" · {marked} marked")
        if queue is not None and not queue.frozen_known:
            title.append(" · frozen: unknown (needs Manage Users)", style="yellow")
        return title

    @on(MarkableTable.MarksChanged, "#work")
    def _work_marks_changed(self) -> None:
        # this pane's title is drawn here, on every poll, with the marks in it (the other
        # panes' titles are TriageWrites')
        self.query_one("#work-pane").border_title = self._work_title()

    def _work_subtitle(self) -> Text:
        queue = self.snapshot.work
        table = self.query_one(WorkTable)
        if queue is None:
            return Text("reading every open work item…")
        parts = [f"{table.row_count}/{len(queue.rows)}" if table.row_count != len(queue.rows)
                 else P.count(len(queue.rows), "open item"),
                 "by assignee" if table.grouped else "longest held first"]
        if self.work_filter is not None:
            parts.append(P.one_line(self.work_filter.describe()))
        if self.work_needle:
            parts.append(f"/{P.one_line(self.work_needle)}")
        marks = {r.held_source for r in table.shown} & set(HELD_MARKS)
        legend = {"CreatedDate": "≈ since created", "ReassignWorkItem log row":
                  "↻ since reassigned"}
        parts += [legend[m] for m in sorted(marks)]
        return Text(" · ".join(parts))

    def show_work_item(self) -> None:
        self.query_one("#work-text", Static).update(
            work_detail_text(self.query_one(WorkTable).selected_row))

    def header_work_line(self) -> Text | None:
        """The header's second line while the view is open: the count of each flag."""
        if self.work_state != "open":
            return None
        queue = self.snapshot.work
        if queue is None:
            return Text("⚑ reading the work queue…", style="dim")
        flagged = any(r.flags for r in queue.rows)
        line = queue.counts_line()
        if flagged and len(line) > self.app.size.width - 2:  # the flags' short words
            counts = queue.counts()
            parts = [f"{counts[f]} {FLAG_SHORT[f]}" for f in COUNT_ORDER if counts.get(f)]
            if not queue.frozen_known:  # where counts_line says it
                parts.insert(min(1, len(parts)), "frozen ?")
            line = "⚑ " + " · ".join(parts)
        return Text(line, style="bold yellow" if flagged else "green")

    @on(DataTable.RowHighlighted, "#work")
    def _work_highlighted(self) -> None:
        self.show_work_item()

    @on(WorkTable.Regrouped)
    def _regrouped(self) -> None:
        self.query_one("#work-pane").border_subtitle = self._work_subtitle()
        self.show_work_item()

    # ------------------------------------------------------------ `/` in the Work view
    def open_work_filter(self) -> None:
        self.query_one("#work-filter", FilterBox).open(self.work_needle)

    def set_work_needle(self, text: str) -> None:
        self.work_needle = text
        self.draw_work()

    @on(Input.Changed, "#work-filter")
    def _work_filter_changed(self, event: Input.Changed) -> None:
        self.set_work_needle(event.value)

    @on(Input.Submitted, "#work-filter")
    def _work_filter_submitted(self, event: Input.Submitted) -> None:
        event.input.remove_class("open")
        self.focus_now(self.query_one(WorkTable))
