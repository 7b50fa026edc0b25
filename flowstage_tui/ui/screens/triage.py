"""TriageScreen: one open org. Runs → stages → steps/work items, history, feed and error.

It owns the layout (wide, stacked under 110 columns, one pane under 20 rows), follows the
selection down the panes, and turns its keys into requests. It never talks to the org itself:
every request goes to its PollController's API thread (see OrgView and SyncView).
"""

from __future__ import annotations

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Input, Static, TabbedContent

from ...engine.budget import TabPlan
from ...engine.state import ChangeSet, HealthState, Snapshot
from ..messages import (
    FilterRequested,
    RefreshRequested,
    RunRequested,
    WriteRequested,
)
from ..poller import Background
from ..widgets.command_line import CommandLine, FilterBox, PaneInput
from ..widgets.detail import DetailPane, DetailScroll
from ..widgets.header import HeaderBar
from ..widgets.keybar import KeyBar
from ..widgets.org_tabs import OrgTabs
from ..widgets.runs import RunsTable
from ..widgets.stages import StagesTable
from ..widgets.steps import StepsTable
from ..widgets.work import WorkDetail, WorkTable
from .saved_views import SavedViews
from .triage_actions import TriageActions
from .triage_failures import TriageFailures
from .triage_versions import TriageVersions
from .triage_writes import TriageWrites
from .work_view import WorkView

SHORT_ROWS = 20  # below this many rows only the focused pane is shown
# From this many rows the Steps tab has a line for the context record; below it (80x24
# included) the steps keep their rows and the Detail pane's border names the record.
CONTEXT_LINE_ROWS = 25
TINY_ROWS = 9  # below this many the Detail pane's tabs lose their underline
TABS = ("tab-steps", "tab-history", "tab-feed", "tab-error")
PANES = ("runs-pane", "stages-pane", "detail")


class TriageScreen(SavedViews, TriageVersions, TriageFailures, TriageWrites, TriageActions,
                    WorkView):
    BINDINGS = [
        Binding("escape", "focus_pane('stages')", "Back", show=False, id="back"),
        Binding("1", "focus_pane('runs')", "Runs", show=False, id="pane.runs",
                tooltip="focus the Runs pane"),
        Binding("2", "focus_pane('stages')", "Stages", show=False, id="pane.stages",
                tooltip="focus the Stages pane"),
        Binding("3", "focus_pane('detail')", "Detail", show=False, id="pane.detail",
                tooltip="focus the Detail pane"),
        Binding("4", "work_view", "Work", show=False, id="pane.work",
                tooltip="the Work view: every open work item of the org, flagged (:work)"),
        Binding("left_square_bracket", "tab(-1)", "Prev tab", show=False, id="tab.prev",
                tooltip="previous detail tab"),
        Binding("right_square_bracket", "tab(1)", "Next tab", show=False, id="tab.next",
                tooltip="next detail tab: Steps, History, Feed, Error"),
        Binding("slash", "filter", "Filter", id="filter",
                tooltip="filter the runs on screen as you type (Esc clears)"),
        Binding("colon", "command_line", "Command", id="command",
                tooltip="command line (↑/↓ history, Tab completes; listed below)"),
        Binding("r", "refresh", "Refresh", id="refresh",
                tooltip="poll now (also retries when offline)"),
        Binding("p", "pause", "Pause", id="pause", tooltip="pause / resume polling"),
        *TriageActions.ACTION_BINDINGS,
        *TriageWrites.WRITE_BINDINGS,
    ]


    # ------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        yield OrgTabs()
        yield HeaderBar(id="header")
        with Vertical(id="body"):
            with Vertical(id="runs-pane", classes="pane"):
                yield FilterBox(placeholder="filter runs (Esc clears)", id="filter")
                yield Static(id="runs-empty", classes="hidden")
                yield RunsTable(id="runs")
            with Horizontal(id="lower"):
                with Vertical(id="stages-pane", classes="pane"):
                    yield StagesTable(id="stages")
                with TabbedContent(id="detail", initial="tab-steps"):
                    with DetailPane("Steps & work items", id="tab-steps"):
                        yield StepsTable(id="steps")
                        yield Static(id="context")
                    for name in ("History", "Feed", "Error"):
                        with DetailPane(name, id=f"tab-{name.lower()}"), DetailScroll():
                            yield Static(id=name.lower())
            with Vertical(id="work-view"):  # `4`: over the three panes above
                with Vertical(id="work-pane", classes="pane"):
                    yield FilterBox(placeholder="filter work items (Esc clears)",
                                    id="work-filter")
                    yield WorkTable(id="work")
                with WorkDetail(id="work-detail", classes="pane"):
                    yield Static(id="work-text")
        yield CommandLine(self.org.clock, self._completions, id="command",
                          stale_after=self.org.profile.stale_after,
                          read_only=self.org.read_only)
        yield KeyBar(id="keys")

    def _completions(self) -> tuple[list[str], list[str]]:
        return sorted({r.orchestration or "" for r in self.snapshot.runs} - {""}), \
            self._profiles()

    def on_mount(self) -> None:
        self.query_one("#runs-pane").border_title = "1 Runs"
        self.query_one("#stages-pane").border_title = "2 Stages"
        self.query_one("#detail").border_title = "3 Detail"
        self.query_one("#work-pane").border_title = "4 Work"
        self.query_one("#work-detail").border_title = "Work item"
        self._layout_for(self.app.size.width, self.app.size.height)
        self.restore_columns()
        if self.org.cached.runs:
            self.snapshot = Snapshot(self.org.cached.runs, {}, {}, {}, {}, {},
                                     self.run_filter, None, None)
        self.redraw(ChangeSet())
        self.focus_now(self.query_one(RunsTable))
        self.set_interval(1.0, self._tick)
        if self.poller is not None and self._autostart:
            # after the first frame: the API thread's imports and the demo org's generation
            # must not compete with it for the GIL
            self.call_after_refresh(self.poller.start)

    def _layout_for(self, width: int, height: int) -> None:
        if self.query(OrgTabs) and self.query_one(OrgTabs).has_class("several"):
            height -= 1  # the org tab bar's row is not the panes'

        self.set_class(width < 110, "narrow")
        # fewer than 20 rows: three panes would leave each a row or two, so only the pane
        # with the focus is shown, full height (1/2/3, Enter and Esc move between them)
        self.set_class(height < SHORT_ROWS, "short")
        self.set_class(height < TINY_ROWS, "tiny")
        self.set_class(height < CONTEXT_LINE_ROWS, "low")

    def relayout(self) -> None:
        """The tab bar came or went: the panes have a row more or less."""
        self._layout_for(self.app.size.width, self.app.size.height)

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        # Zoom the pane the focus is in now, not the event's widget: the event bubbles up one
        # parent at a time, so of two moves in one read (`:` line, Enter and Shift+Tab: the
        # steps, then the runs as the line closes) the one from deeper in the tree can come
        # last, and it zoomed the detail around the focused runs table.
        focused = self.focused
        if focused is None:
            return
        body = self.query_one("#body")
        for pane in PANES:
            if self.query_one(f"#{pane}") in focused.ancestors_with_self:
                for other in PANES:
                    body.set_class(other == pane, f"zoom-{other}")

    def on_resize(self, event: events.Resize) -> None:
        # The tables lay their columns out on their own Resize, for their own width; the
        # header, drawn for the app's width, waits for the App to have stored it.
        self._layout_for(event.size.width, event.size.height)
        self.call_next(self.render_header)
        self.call_next(self.show_context)  # the line, or the border when there is no room


    # ------------------------------------------------------------ this org's tab
    def on_unmount(self) -> None:
        """The tab closed or the app is quitting: the API thread ends (with what it holds)."""
        if self.poller is not None:
            self.poller.stop()

    def budget_plan(self) -> TabPlan:
        """What this tab does to the org's API budget as it stands (the `?` screen sums it
        with the other tabs on the org)."""
        return TabPlan(self.org.interval, self.org.polls_in_background,
                       front=self.is_active_tab, paused=self.paused,
                       work_view=self.work_state != "closed",
                       failures_view=self.failures_open,
                       error_runs=self.snapshot.counts.get("Error", 0))

    def set_background(self, background: bool) -> None:
        """Another org's tab is in front: poll at the slower background interval."""
        if self.poller is not None:
            self.poller.submit(Background(background))
        if not background and self.health.state == HealthState.REAUTH and \
                not self.reauth_shown:
            self.call_after_refresh(self.action_reauth_help)
        if not background:
            self.call_after_refresh(self.show_waiting_write)

    # ------------------------------------------------------------ selection
    @on(DataTable.RowHighlighted, "#runs")
    def _run_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._follow_cursor("run", str(event.row_key.value) if event.row_key else None)
        table = self.query_one(RunsTable)
        if table.cursor_row >= table.row_count - 5 and not self.local_filter:
            self.load_more()  # paged from the server as the user scrolls

    @on(RunsTable.MoreWanted)
    def _more_wanted(self) -> None:
        self.load_more()

    @on(DataTable.RowHighlighted, "#stages")
    def _stage_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._follow_cursor("stage", str(event.row_key.value) if event.row_key else None)

    @on(DataTable.RowHighlighted, "#steps")
    def _step_highlighted(self) -> None:
        self.show_context()

    @on(DataTable.RowSelected, "#runs")
    def _run_selected(self) -> None:  # a click on the highlighted row
        self.action_drill("stages")

    @on(DataTable.RowSelected, "#stages")
    def _stage_selected(self) -> None:
        self.action_drill("steps")

    @on(RunRequested)
    def _run_requested(self, message: RunRequested) -> None:
        self.close_work()  # the run is shown in the runs pane
        self.find_run(message.ident)


    # ------------------------------------------------------------ panes and inputs

    def action_drill(self, into: str) -> None:
        self.focus_now(self.query_one(StagesTable) if into == "stages"
                       else self.query_one(StepsTable))

    def action_focus_pane(self, pane: str) -> None:
        if self.work_state == "open":
            self.close_work()  # 1, 2, 3: back to the runs panes
        if pane == "runs":
            self.focus_now(self.query_one(RunsTable))
        elif pane == "stages":
            self.focus_now(self.query_one(StagesTable))
        else:
            active = self.query_one(TabbedContent).active
            self.focus_now(self.query_one(StepsTable) if active == "tab-steps"
                           else self.query_one(f"#{active} DetailScroll"))

    def action_tab(self, step: int) -> None:
        tabs = self.query_one(TabbedContent)
        current = TABS.index(tabs.active) if tabs.active in TABS else 0
        tabs.active = TABS[(current + step) % len(TABS)]
        self.action_focus_pane("detail")

    def action_clear_filter(self) -> None:
        if self.local_filter:
            self._set_local_filter("")
        elif self.back_to_work():  # Enter came here from the Work view
            return
        elif self.run_filter.preset is not None:
            # `:stale` / `:expiring` (and the words typed with them): back to the runs the
            # tab opened on, as the README's Esc "clears the filter"
            preset = self.run_filter.preset
            self.set_server_filter(self.org.run_filter)
            self.notify(f"Cleared the {preset} filter.", timeout=2)

    def action_filter(self) -> None:
        if self.work_state == "open":
            self.open_work_filter()
        else:
            self.query_one("#filter", FilterBox).open(self.local_filter)

    def action_command_line(self) -> None:
        self.prefill_command("")

    def prefill_command(self, text: str) -> None:
        self.query_one(CommandLine).open(text)

    @on(PaneInput.Closed)
    def _input_closed(self, event: PaneInput.Closed) -> None:
        if event.box.id == "work-filter":
            self.set_work_needle("")
        elif isinstance(event.box, FilterBox):
            self._set_local_filter("")
        self.focus_now(self.query_one(WorkTable) if self.work_state == "open"
                       else self.query_one(RunsTable))
        self.flush_pending()

    def _set_local_filter(self, text: str) -> None:
        self.local_filter = text
        self.redraw(ChangeSet(full=True))

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self._set_local_filter(event.value)

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        event.input.remove_class("open")
        self.focus_now(self.query_one(RunsTable))
        self.flush_pending()

    @on(FilterRequested)
    def _filter_requested(self, message: FilterRequested) -> None:
        self.close_work()  # the runs it asks for are shown in the runs pane
        self.set_server_filter(message.flt)

    @on(RefreshRequested)
    def _refresh_requested(self) -> None:
        self.action_refresh()

    @on(WriteRequested)
    def _write_requested(self, message: WriteRequested) -> None:
        if message.kind in ("resume", "suspend", "retry"):
            self.no_api(message.kind)
        else:
            self.action_write(message.kind)
