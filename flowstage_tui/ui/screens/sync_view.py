"""SyncView: turns the org's poll results into what is on screen, and keeps it drawn."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Literal

from rich.text import Text
from textual.widgets import Input, Static, TabbedContent

from ...engine.state import ChangeSet, HealthState, PollResult, Snapshot
from ...errors import FlowstageError
from ...salesforce.capabilities import RUN, STAGE
from ...salesforce.queries import RunFilter
from ...salesforce.run_sort import DEFAULT_SORT
from .. import present as P
from ..messages import (
    ApiFailed,
    ApiIdle,
    DetailsReady,
    MoreLoaded,
    PollDone,
    PollProgress,
    PollStarted,
)
from ..terminal_app import TerminalApp
from ..widgets.detail import DetailScroll, error_text, feed_text, history_text
from ..widgets.runs import CHANGE_MARK_SECONDS, RunsTable
from ..widgets.stages import StagesTable
from ..widgets.steps import StepsTable, context_text
from .org_view import OrgView

RUN_ID = re.compile(r"0jE[0-9A-Za-z]{12}(?:[0-9A-Za-z]{3})?")  # FlowOrchestrationInstance


class SyncView(OrgView):
    # ------------------------------------------------------------ results
    def on_api_idle(self, message: ApiIdle) -> None:
        if self.poller is not None:
            self.poller.idle(message)

    def on_api_failed(self, message: ApiFailed) -> None:
        from ..crash import write_crash_log

        where = write_crash_log(self.crash_log, message.error)
        self.notify(f"Internal error while talking to the org ({type(message.error).__name__})"
                    + (f"; the traceback is in {where}" if where else "") + ".",
                    severity="error", timeout=10)

    def on_poll_started(self, message: PollStarted) -> None:
        self.polling = True
        # the header says "waiting for the org, 34s" if this one hangs
        self.health = replace(self.health, in_flight_since=message.at)

    def on_poll_progress(self, message: PollProgress) -> None:
        self._receive(message.result)

    def on_poll_done(self, message: PollDone) -> None:
        self.polling = False
        result = message.result
        self._receive(result)
        if result.health.state == HealthState.REAUTH and not self.is_busy():
            if self.is_active_tab:
                self.action_reauth_help()  # a background tab shows a badge instead
        if message.announce and result.health.ok:
            self.notify("Refreshed.", timeout=2)
        self.render_header()

    def on_more_loaded(self, message: MoreLoaded) -> None:
        self.loading_more = False
        self._receive(message.result)
        self.render_header()

    def _receive(self, result: PollResult) -> None:
        self.health = result.health
        org = result.snapshot.org
        if self.stale_cache and org is not None and org.org_id != self.org.cached.org_id:
            self.stale_cache = False  # the profile now reaches another org: not its runs
            self.snapshot = Snapshot.empty(self.run_filter)
            self.redraw(ChangeSet(full=True))
        if result.health.ok:
            self.stale_cache = False
            self.reauth_shown = False
        elif self.stale_cache:  # no good poll yet: keep the last-known runs, say what is wrong
            self.render_header()
            return
        if self.is_busy():
            self.pending = result  # data arrived; the screen waits for the user
        else:
            self.apply(result)

    def is_busy(self) -> bool:
        """A dialog is open over this tab, or the user is typing: keep the screen still."""
        if self.is_active_tab and self.app.screen is not self:
            return True
        focused = self.focused
        return isinstance(focused, Input) and bool(focused.value)

    def runs_hidden(self) -> bool:
        """Another view covers the runs pane (the Work view): nothing may act on the run
        selected under it, which the user cannot see."""
        return False

    def flush_pending(self) -> None:
        if self.pending is not None and not self.is_busy():
            pending, self.pending = self.pending, None
            self.apply(pending)

    def apply(self, result: PollResult) -> None:
        before = self.snapshot
        self.snapshot = result.snapshot
        now = self.org.clock()
        marked = result.changes.ids(RUN) if not result.changes.full else frozenset()
        for rid in marked:
            self.marks[rid] = now.timestamp() + CHANGE_MARK_SECONDS
        self.notify_watched(before, result.snapshot)
        if result.changes.size or result.changes.full or before.runs != result.snapshot.runs:
            self.redraw(result.changes)
        else:
            self.render_header()  # nothing moved: leave the tables (and the user) alone
        if self._open_run and result.snapshot.runs:
            ident, self._open_run = self._open_run, None
            self.find_run(ident)
        elif self._seek is not None and result.snapshot.filter == self.run_filter:
            ident, previous = self._seek
            self._seek = None
            if not self.select_run(ident):
                self.notify(f"Run {P.one_line(ident)} not found in this org; back to "
                            f"{P.one_line(previous.describe(local=True))}.", severity="warning",
                            timeout=6)
                self.set_server_filter(previous)
        stage_id = self.query_one(StagesTable).selected_id
        if stage_id and (stage_id in result.changes.ids(STAGE) or self.details_for != stage_id):
            self.request_details(stage_id)

    def on_details_ready(self, message: DetailsReady) -> None:
        if isinstance(message.details, FlowstageError):
            self._show_texts({"history": Text(f"Could not load details: {message.details}",
                                              style="yellow")})
            return
        self.details = message.details
        self.details_for = message.stage_id
        stages = self.query_one(StagesTable)
        stages.use_log_times(message.details.run_id, message.details.stage_times)
        stages.retime(self.org.clock())
        if stages.selected_id == message.stage_id:
            self.show_stage(message.stage_id)


    # ------------------------------------------------------------ drawing

    def redraw(self, changes: ChangeSet) -> None:
        now = self.org.clock()
        live_marks = {k for k, until in self.marks.items() if until > now.timestamp()}
        table = self.query_one(RunsTable)
        changed = None if changes.full else set(changes.ids(RUN))
        drawn = (self.snapshot.filter, self.snapshot.sort, self.local_filter)
        new_list = self._drawn_filter != drawn
        self._drawn_filter = drawn
        table.show(self.visible_runs(), now, self.relative, live_marks,
                   dict(self.snapshot.errors), changed, self.snapshot.stages,
                   from_top=new_list)
        more = "+" if self.snapshot.more else ""
        order = "" if self.snapshot.sort == DEFAULT_SORT else \
            f" · by {self.snapshot.sort.describe()}"
        self.query_one("#runs-pane").border_subtitle = Text(
            f"{table.row_count}{more}{order} · {self.filter_text()}")
        self._say_if_none(table.row_count == 0 and self.snapshot.taken is not None)
        self.show_run(table.selected_id)
        self.render_header()

    def _say_if_none(self, none: bool) -> None:
        """An answer with no run in it says so in the runs pane, with its filter and the key
        that clears it (blank panes read as "still loading" or "broken")."""
        note = self.query_one("#runs-empty", Static)
        note.set_class(not none, "hidden")
        if not none:
            return
        shown = self.filter_text()
        if shown == "all runs":
            note.update(Text("No orchestration runs in this org."))
            return
        clears = bool(self.local_filter) or self.snapshot.filter.preset is not None
        how = "Esc clears it" if clears else ":runs sets another filter"
        note.update(Text(f"No runs match ({shown}): {how}."))

    def show_run(self, run_id: str | None) -> None:
        run = self.snapshot.run(run_id) if run_id else None
        stages = self.snapshot.stages.get(run_id, ()) if run_id else ()
        table = self.query_one(StagesTable)
        table.show(stages, run, self.org.clock(), self.relative)
        self.query_one("#stages-pane").border_subtitle = (
            P.literal(f"{run.name} · {P.count(len(stages), 'stage')}") if run else "")
        self.show_stage(table.selected_id)

    def show_stage(self, stage_id: str | None) -> None:
        if stage_id != self._stage_shown:  # another stage's text starts at its top
            self._stage_shown = stage_id
            for scroll in self.query(DetailScroll):
                scroll.scroll_home(animate=False)
        now = self.org.clock()
        steps = self.snapshot.steps.get(stage_id, ()) if stage_id else ()
        self.query_one(StepsTable).show(steps, dict(self.snapshot.work_items), now)
        self.show_context()
        self._show_texts(self._detail_texts(now))
        if stage_id and self.details_for != stage_id:
            if self._details_timer is not None:
                self._details_timer.stop()  # type: ignore[attr-defined]
                self._details_timer = None
            if self.org.details_delay <= 0:
                self.request_details(stage_id)
            else:
                self._details_timer = self.set_timer(self.org.details_delay,
                                                     lambda: self.request_details(stage_id))

    def _detail_texts(self, now: datetime, only: str | None = None) -> dict[str, Text]:
        """The History, Feed and Error tabs' text for the selection ('28s ago' included)."""
        stage_id = self.query_one(StagesTable).selected_id
        details = self.details if self.details_for == stage_id else None
        run = self.selected_run()
        makers: dict[str, Callable[[], Text]] = {
            "history": lambda: history_text(details, run, now, self.relative),
            "feed": lambda: feed_text(details, now, self.relative),
            "error": lambda: error_text(run, self.snapshot, now, details)}
        return {name: make() for name, make in makers.items() if only in (None, name)}

    def _show_texts(self, texts: dict[str, Text]) -> None:
        for name, text in texts.items():
            if self._texts.get(name) != text.plain:  # unchanged text: no re-layout
                self._texts[name] = text.plain
                self.query_one(f"#{name}", Static).update(text)


    def show_context(self) -> None:
        """The context record of the work item under the cursor (or of the stage's items),
        on the line under the steps; no line when there is none."""
        item = self.query_one(StepsTable).context_item()
        line = self.query_one("#context", Static)
        line.set_class(item is None, "empty")  # a class, not display: `.low` hides it too
        if item is not None:
            line.update(context_text(item, self.instance_url()))
        # no room for the line (`.low`): the pane's border names the record (y/o copy its URL)
        low = self.has_class("low") and item is not None
        self.query_one("#detail").border_subtitle = context_text(item, "", url=False) \
            if low else ""

    def _tick(self) -> None:
        if self._follow is not None and self._follow_on is not self.app.screen:
            self._apply_follow()  # its callback went to a dialog that has closed since
        now = self.org.clock()
        stamp = now.timestamp()
        expired = [k for k, until in self.marks.items() if until <= stamp]
        for k in expired:
            del self.marks[k]
        if not self.is_busy():
            if expired:
                self.redraw(ChangeSet(changed={RUN: frozenset(expired)}))
            for table in (RunsTable, StagesTable, StepsTable):
                self.query_one(table).retime(now)
            tab = str(self.query_one(TabbedContent).active).removeprefix("tab-")
            if tab != "steps":  # the tab on screen says '28s ago' too
                self._show_texts(self._detail_texts(now, only=tab))
        self.render_header()
        self.flush_pending()


    def find_run(self, ident: str) -> None:
        """Select a run on screen, or ask the org for it; say so when the org has none."""
        if self.select_run(ident):
            return
        self._seek = (ident, self.run_filter)
        self.set_server_filter(RunFilter(ids=(ident,)) if RUN_ID.fullmatch(ident)
                               else RunFilter(text=ident))

    def select_run(self, ident: str) -> bool:
        table = self.query_one(RunsTable)
        for index, run in enumerate(self.visible_runs()):
            if ident in (run.id, run.id[:15], run.name):
                table.move_cursor(row=index)
                self.focus_now(table)
                return True
        return False

    def _follow_cursor(self, kind: Literal["run", "stage"], rid: str | None) -> None:
        """Fill the panes below a moved cursor after the cursor's own repaint, once per frame:
        holding j over thousands of runs moves the cursor at once and redraws the panes for
        the row it stops on, not for every row it passed."""
        pending = self._follow
        self._follow = (kind, rid) if pending is None or pending[0] == kind or kind == "run" \
            else pending
        # Textual runs the callback on the screen on top now; a dialog that closes before its
        # next refresh drops it, and the panes would stop following: schedule again then.
        if pending is None or self._follow_on is not self.app.screen:
            self._follow_on = self.app.screen
            self.call_after_refresh(self._apply_follow)

    def _apply_follow(self) -> None:
        pending, self._follow = self._follow, None
        if pending is None or not self.is_attached:
            return
        # the row under the cursor now, not the one the event named: a highlight queued
        # before a refill (a `/` filter typed fast) names a run the list no longer holds
        if pending[0] == "run":
            self.show_run(self.query_one(RunsTable).selected_id)
        else:
            self.show_stage(self.query_one(StagesTable).selected_id)

    def terminal_notify(self, title: str, body: str) -> None:
        """The terminal's own notification (or the bell), by this profile's `notify`."""
        app = self.app
        if isinstance(app, TerminalApp):
            app.terminal_notify(title, body, self.org.profile.notify)
        else:
            app.bell()

    def notify_watched(self, before: Snapshot, after: Snapshot) -> None:
        for rid in list(self.watched):
            old, new = before.run(rid), after.run(rid)
            if old is None or new is None:
                continue
            if new.status != old.status or new.current_stage != old.current_stage:
                stage = P.stage_label(new, after.stages.get(rid, ())) or new.current_stage
                what = f"{new.name}: {old.status} → {new.status}" if new.status != old.status \
                    else f"{new.name} moved to stage {stage}"
                severity: Literal["information", "warning", "error"] = (
                    "error" if str(new.status) == "Error" else "information")
                self.notify(P.one_line(what), title="Watched run", severity=severity,
                            timeout=10)
                self.terminal_notify("flowstage: watched run", what)
