"""FlowstageApp: the triage screen. It never builds I/O: build_app() hands it a connection.

The sync engine lives on worker threads (one call at a time, under a lock); results come back
as messages; the next poll is scheduled when the last one finishes (Dolphie's pattern).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import signal
import sys
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from rich.text import Text
from textual import events, on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.driver import Driver
from textual.widget import Widget
from textual.widgets import DataTable, Input, Static, TabbedContent

from ..config.store import Profile
from ..engine.cache import CachedRuns
from ..engine.state import ChangeSet, Health, HealthState, PollResult, Snapshot
from ..engine.sync import SyncEngine
from ..errors import FlowstageError
from ..export import lightning_url, run_record, save_runs
from ..salesforce.capabilities import RUN, STAGE
from ..salesforce.connect import Connection
from ..salesforce.models import Run, StageDetails
from ..salesforce.queries import RunFilter
from . import present as P
from .commands_registry import COMMANDS, complete
from .messages import DetailsReady, PollDone, PollProgress
from .screens import ChoiceScreen, HelpScreen, MessageScreen
from .widgets import (
    CHANGE_MARK_SECONDS,
    DetailPane,
    HeaderBar,
    KeyBar,
    RunsTable,
    StagesTable,
    StepsTable,
    context_text,
    context_url,
    error_text,
    feed_text,
    history_text,
)

Switcher = Callable[[str], tuple[Profile, Connection]]


SHORT_ROWS = 20  # below this many rows only the focused pane is shown
RUN_ID = re.compile(r"0jE[0-9A-Za-z]{12}(?:[0-9A-Za-z]{3})?")  # FlowOrchestrationInstance
HANG_UP_EXIT = 129  # 128 + SIGHUP, as a shell reports a process the hang-up ended
HANG_UP_GRACE = 3.0  # seconds a clean exit may take after a hang-up before a hard one
# From this many rows the Steps tab has a line for the context record; below it (80x24
# included) the steps keep their rows and the Detail pane's border names the record.
CONTEXT_LINE_ROWS = 25
TINY_ROWS = 9  # below this many the Detail pane's tabs lose their underline


@dataclass
class AppConfig:
    """Everything build_app() decides; the App only reads it."""

    connection: Connection | None
    profile: Profile
    clock: Callable[[], datetime]
    read_only: bool = True
    run_filter: RunFilter = field(default_factory=RunFilter)
    interval: float = 15.0
    open_run: str | None = None
    keymap: dict[str, str] = field(default_factory=dict)
    theme: str | None = None
    cached: CachedRuns = field(default_factory=CachedRuns)  # the profile's last-known runs
    cache_path: Path | None = None
    export_dir: Path | None = None
    profiles: tuple[str, ...] = ()
    switcher: Switcher | None = None
    pick_profile: bool = False
    autostart: bool = True
    rng_seed: int | None = None  # fixes the back-off jitter (tests, screenshots)
    page_size: int = 200
    # seconds a stage stays selected before its history and feed are fetched (0: at once,
    # which tests and screenshots use so that no timer decides what they show)
    details_delay: float = 0.3
    crash_log: Path | None = None  # where a crash's traceback goes (never to the screen)


class FlowstageCommands(Provider):
    """The command palette, built from the same registry as the `:` command line."""

    async def discover(self) -> Hits:
        app = self.app
        assert isinstance(app, FlowstageApp)
        for spec in COMMANDS:
            yield DiscoveryHit(f":{spec.usage}", lambda s=spec: app.prefill_command(s.name),
                               help=spec.help)

    async def search(self, query: str) -> Hits:
        app = self.app
        assert isinstance(app, FlowstageApp)
        matcher = self.matcher(query)
        for spec in COMMANDS:
            score = matcher.match(f"{spec.name} {spec.help}")
            if score > 0:
                yield Hit(score, matcher.highlight(f":{spec.usage}"),
                          lambda s=spec: app.prefill_command(s.name), help=spec.help)


class FlowstageApp(App[int]):
    CSS_PATH = "flowstage.tcss"
    TITLE = "flowstage"
    COMMANDS = App.COMMANDS | {FlowstageCommands}
    ENABLE_COMMAND_PALETTE = True

    BINDINGS = [
        Binding("j", "cursor('down')", "Down", show=False, id="down",
                tooltip="move down in the focused list or text"),
        Binding("k", "cursor('up')", "Up", show=False, id="up",
                tooltip="move up in the focused list or text"),
        Binding("g", "edge('top')", "Top", show=False, id="top",
                tooltip="first row"),
        Binding("G", "edge('bottom')", "Bottom", show=False, id="bottom",
                tooltip="last row (in Runs, also loads older runs)"),
        Binding("enter", "drill", "Open", id="drill",
                tooltip="open: runs → stages → steps"),
        Binding("escape", "go_back", "Back", id="back",
                tooltip="back out one level; closes the filter or command line"),
        Binding("1", "focus_pane('runs')", "Runs", show=False, id="pane.runs",
                tooltip="focus the Runs pane"),
        Binding("2", "focus_pane('stages')", "Stages", show=False, id="pane.stages",
                tooltip="focus the Stages pane"),
        Binding("3", "focus_pane('detail')", "Detail", show=False, id="pane.detail",
                tooltip="focus the Detail pane"),
        Binding("left_square_bracket", "tab(-1)", "Prev tab", show=False, id="tab.prev",
                tooltip="previous detail tab"),
        Binding("right_square_bracket", "tab(1)", "Next tab", show=False, id="tab.next",
                tooltip="next detail tab: Steps, History, Feed, Error"),
        Binding("slash", "filter", "Filter", id="filter",
                tooltip="filter the runs on screen as you type (Esc clears)"),
        Binding("colon", "command_line", "Command", id="command",
                tooltip="command line (↑/↓ history, Tab completes; listed below)"),
        Binding("question_mark", "help", "Help", id="help",
                tooltip="this list"),
        Binding("r", "refresh", "Refresh", id="refresh",
                tooltip="poll now (also retries when offline)"),
        Binding("p", "pause", "Pause", id="pause",
                tooltip="pause / resume polling"),
        Binding("n", "next_error", "Next error", id="error.next",
                tooltip="next errored run"),
        Binding("N", "next_error(-1)", "Prev error", show=False, id="error.prev",
                tooltip="previous errored run"),
        Binding("y", "copy", "Copy", id="copy",
                tooltip="copy Id, Name, Lightning URL or the row as JSON (OSC 52, works over SSH)"),
        Binding("o", "open_url", "URL", show=False, id="url",
                tooltip="show and copy the Lightning URL"),
        Binding("e", "export", "Export", show=False, id="export",
                tooltip="export the runs on screen to CSV or JSON (the path is shown)"),
        Binding("t", "toggle_time", "Times", show=False, id="times",
                tooltip="relative / absolute times (absolute in the local time zone)"),
        Binding("w", "watch_run", "Watch", show=False, id="watch",
                tooltip="watch the run: notification and bell when it changes stage or fails"),
        Binding("a", "reauth_help", "Re-auth", show=False, id="reauth",
                tooltip="how to log in again, when the org needs it"),
        Binding("q", "quit_app", "Quit", id="quit",
                tooltip="quit flowstage"),
        Binding("ctrl+q", "quit_app", "Quit", show=False, priority=True, id="quit.force",
                tooltip="quit, even from the command line or a dialog"),
        Binding("ctrl+c", "how_to_quit", "How to quit", show=False, id="quit.hint",
                tooltip="says how to quit (a stray Ctrl+C never ends a triage session)"),
    ]

    def get_driver_class(self) -> type[Driver]:
        driver = super().get_driver_class()
        if P.ASCII:
            from .ascii import ascii_driver

            return ascii_driver(driver)
        return driver

    def get_key_display(self, binding: Binding) -> str:
        shown = super().get_key_display(binding)
        return binding.key if P.ASCII and not shown.isascii() else shown  # ⏎ -> enter

    def notify(self, message: str, *, title: str = "", severity: Any = "information",
               timeout: float | None = None, markup: bool = False) -> None:
        """Notifications carry what users typed and what the org holds: never markup."""
        super().notify(message, title=title, severity=severity, timeout=timeout,
                       markup=markup)

    def _handle_exception(self, error: Exception) -> None:
        """A bug must not look like success, nor show secrets: Textual prints a traceback with
        local variables (a token or password among them) and the shell would see exit 0. The
        traceback goes to the log file without locals; the terminal gets one line; exit 1."""
        where = write_crash_log(self.cfg.crash_log, error)
        super()._handle_exception(error)  # sets the return code, closes the app
        self._exit_renderables[:] = [Text(
            f"flowstage stopped on an internal error ({type(error).__name__}); "
            + (f"the traceback is in {where}" if where else "the traceback could not be "
               "written") + ". Please report it.")]

    def __init__(self, config: AppConfig) -> None:
        super().__init__()
        self.cfg = config
        self.engine: SyncEngine | None = None
        self._lock = threading.Lock()
        self._key_sent_to: deque[tuple[events.Key, Widget | None]] = deque(maxlen=64)
        self._texts: dict[str, str] = {}  # what the History, Feed and Error tabs show
        self.snapshot: Snapshot = Snapshot.empty(config.run_filter)
        self.health = Health(HealthState.CONNECTING, "Connecting…", interval=config.interval)
        self.relative = True
        self.paused = False
        self.polling = False
        self.stale_cache = bool(config.cached.runs)
        self.marks: dict[str, float] = {}
        self.watched: set[str] = set()
        self.pending: PollResult | None = None
        self.details: StageDetails | None = None
        self.details_for: str | None = None
        self.command_history: list[str] = []
        self._history_pos = 0
        self._poll_timer: Any = None
        self._details_timer: Any = None
        self.local_filter = ""
        self.last_export: Path | None = None
        self.last_copied: str | None = None
        self.loading_more = False
        self._main_screen: Any = None
        self._follow: tuple[Literal["run", "stage"], str | None] | None = None
        self._open_run = config.open_run  # --run: selected once the first runs are in
        self._seek: tuple[str, RunFilter] | None = None  # a :run the org was asked for
        self._drawn_filter: tuple[RunFilter, str] | None = None  # what the runs list shows
        self._follow_on: object = None  # the screen the pending follow was handed to
        self._tty: int | None = None  # the terminal we draw on, watched for a hang-up
        self.hung_up = False

    # ------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        yield HeaderBar(id="header")
        with Vertical(id="body"):
            with Vertical(id="runs-pane", classes="pane"):
                yield Input(placeholder="filter runs (Esc clears)", id="filter")
                yield RunsTable(id="runs")
            with Horizontal(id="lower"):
                with Vertical(id="stages-pane", classes="pane"):
                    yield StagesTable(id="stages")
                with TabbedContent(id="detail", initial="tab-steps"):
                    with DetailPane("Steps & work items", id="tab-steps"):
                        yield StepsTable(id="steps")
                        yield Static(id="context")
                    with DetailPane("History", id="tab-history"):
                        with VerticalScroll():
                            yield Static(id="history")
                    with DetailPane("Feed", id="tab-feed"):
                        with VerticalScroll():
                            yield Static(id="feed")
                    with DetailPane("Error", id="tab-error"):
                        with VerticalScroll():
                            yield Static(id="error")
        yield Input(placeholder=":runs status=Error since=24h · :run NAME · :profile NAME · :q",
                    id="command")
        yield KeyBar(id="keys")

    def _q(self, selector: Any, expect: Any = None) -> Any:
        """Query the main screen, whichever screen is on top (a modal, or none at exit)."""
        base = self.screen_stack[0] if self.screen_stack else self.screen
        if self._main_screen is not None:
            base = self._main_screen
        return base.query_one(selector, expect) if expect else base.query_one(selector)

    def on_mount(self) -> None:
        self._main_screen = self.screen
        self._q("#runs-pane").border_title = "1 Runs"
        self._q("#stages-pane").border_title = "2 Stages"
        self._q("#detail").border_title = "3 Detail"
        if self.cfg.theme:
            try:
                self.theme = self.cfg.theme
            except Exception:
                self.notify(f"Unknown theme {self.cfg.theme!r}; using the default.",
                            severity="warning")
        if self.cfg.keymap:
            self.set_keymap(self.cfg.keymap)
        self._layout_for(self.size.width, self.size.height)
        if self.cfg.cached.runs:
            self.snapshot = Snapshot(self.cfg.cached.runs, {}, {}, {}, {}, {},
                                     self.cfg.run_filter, None, None)
        self.redraw(ChangeSet())
        self._focus(self._q(RunsTable))
        self.set_interval(1.0, self._tick)
        self._watch_for_hang_up()
        if self.cfg.pick_profile:
            self.call_after_refresh(self.pick_profile)
        elif self.cfg.connection is not None and self.cfg.autostart:
            # after the first frame: the worker's imports and the demo org's generation must
            # not compete with it for the GIL
            self.call_after_refresh(self.start_engine, self.cfg.connection)

    def _layout_for(self, width: int, height: int) -> None:
        self.set_class(width < 110, "narrow")
        # fewer than 20 rows: three panes would leave each a row or two, so only the pane
        # with the focus is shown, full height (1/2/3, Enter and Esc move between them)
        self.set_class(height < SHORT_ROWS, "short")
        self.set_class(height < TINY_ROWS, "tiny")
        self.set_class(height < CONTEXT_LINE_ROWS, "low")

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        # Zoom the pane the focus is in now, not the event's widget: the event bubbles up one
        # parent at a time, so of two moves in one read (`:` line, Enter and Shift+Tab: the
        # steps, then the runs as the line closes) the one from deeper in the tree can come
        # last, and it zoomed the detail around the focused runs table.
        focused = (self._main_screen or self.screen).focused
        if focused is None:
            return
        body = self._q("#body")
        for pane in ("runs-pane", "stages-pane", "detail"):
            if self._q(f"#{pane}") in focused.ancestors_with_self:
                for other in ("runs-pane", "stages-pane", "detail"):
                    body.set_class(other == pane, f"zoom-{other}")

    def on_resize(self, event: events.Resize) -> None:
        # This handler runs before Textual's own App._on_resize has stored the new size:
        # self.size is still the old one here (it made the layout one resize behind). The
        # event carries the new size; the header, drawn from self.size, waits for it.
        # The tables lay their columns out on their own Resize, for their own width.
        self._layout_for(event.size.width, event.size.height)
        self.call_next(self.render_header)
        self.call_next(self.show_context)  # the line, or the border when there is no room

    def _watch_for_hang_up(self) -> None:
        """When the SSH link drops the terminal is gone: stop asking the org for anything and
        exit, even where SIGHUP was set to be ignored (the default would have killed us)."""
        if self.is_headless or threading.current_thread() is not threading.main_thread():
            return
        stdin = sys.__stdin__
        if stdin is not None and stdin.isatty():
            self._tty = stdin.fileno()
        asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, self.hang_up)

    def hang_up(self) -> None:
        if self.hung_up:
            return
        self.hung_up = True
        if self._poll_timer is not None:
            self._poll_timer.stop()
            self._poll_timer = None
        # There is no terminal to restore; a request still in flight must not keep the
        # process alive for its read timeout.
        timer = threading.Timer(HANG_UP_GRACE, os._exit, (HANG_UP_EXIT,))
        timer.daemon = True
        timer.start()
        self.exit(HANG_UP_EXIT, return_code=HANG_UP_EXIT)

    # ------------------------------------------------------------ engine and polling
    def start_engine(self, connection: Connection) -> None:
        self.engine = SyncEngine(connection, clock=self.cfg.clock, flt=self.cfg.run_filter,
                                 interval=self.cfg.interval, page_size=self.cfg.page_size,
                                 rng=random.Random(self.cfg.rng_seed))
        self.poll_now()

    def poll_now(self, manual: bool = False, announce: bool | None = None) -> None:
        """Poll at once. `manual`: even when backing off; `announce`: say "Refreshed." (what
        r does; a filter change shows its answer instead)."""
        if self.engine is None or self.polling or self.hung_up:
            return
        if self._poll_timer is not None:
            self._poll_timer.stop()
            self._poll_timer = None
        self.polling = True
        # the header says "waiting for the org, 34s" if this one hangs
        self.health = replace(self.health, in_flight_since=self.cfg.clock())
        self._poll_worker(manual, manual if announce is None else announce)

    @work(thread=True, exit_on_error=False, group="poll")
    def _poll_worker(self, manual: bool, announce: bool) -> None:
        assert self.engine is not None
        with self._lock:
            if manual:
                self.engine.retry_now()
            result = self.engine.poll_once(self._progress)
            delay = self.engine.next_delay()
        message = PollDone(result, announce)
        message.delay = delay  # type: ignore[attr-defined]
        self.post_message(message)

    def on_poll_done(self, message: PollDone) -> None:
        self.polling = False
        self.loading_more = False
        if self._screen_gone() or self.hung_up:
            return
        result = message.result
        self._receive(result)
        if not result.health.ok and result.health.state == HealthState.REAUTH and \
                not self.is_busy():
            self.action_reauth_help()
        if message.manual and result.health.ok:
            self.notify("Refreshed.", timeout=2)
        self.render_header()
        delay = getattr(message, "delay", self.cfg.interval)
        if not self.paused and delay is not None:
            self._poll_timer = self.set_timer(max(0.5, delay), self.poll_now)

    def _progress(self, part: PollResult) -> None:
        """On the poll worker: hand the runs to the screen, and let it paint them before this
        thread takes the CPU back for the rest of the load (a second or so at most)."""
        message = PollProgress(part)
        self.post_message(message)
        message.painted.wait(1.0)

    def on_poll_progress(self, message: PollProgress) -> None:
        if self._screen_gone():
            message.painted.set()
            return
        self._receive(message.result)
        self.call_after_refresh(message.painted.set)

    def _receive(self, result: PollResult) -> None:
        self.health = result.health
        org = result.snapshot.org
        if self.stale_cache and org is not None and org.org_id != self.cfg.cached.org_id:
            self.stale_cache = False  # the profile now reaches another org: not its runs
            self.snapshot = Snapshot.empty(self.cfg.run_filter)
            self.redraw(ChangeSet(full=True))
        if result.health.ok:
            self.stale_cache = False
        elif self.stale_cache:  # no good poll yet: keep the last-known runs, say what is wrong
            self.render_header()
            return
        if self.is_busy():
            self.pending = result  # data arrived; the screen waits for the user
        else:
            self.apply(result)

    def is_busy(self) -> bool:
        """A modal is open or the user is typing: keep the screen still."""
        if len(self.screen_stack) > 1:
            return True
        focused = self.focused
        return isinstance(focused, Input) and bool(focused.value)

    def flush_pending(self) -> None:
        if self.pending is not None and not self.is_busy():
            pending, self.pending = self.pending, None
            self.apply(pending)

    def apply(self, result: PollResult) -> None:
        before = self.snapshot
        self.snapshot = result.snapshot
        now = self.cfg.clock()
        marked = result.changes.ids(RUN) if not result.changes.full else frozenset()
        for rid in marked:
            self.marks[rid] = now.timestamp() + CHANGE_MARK_SECONDS
        self._notify_watched(before, result.snapshot)
        if result.changes.size or result.changes.full or before.runs != result.snapshot.runs:
            self.redraw(result.changes)
        else:
            self.render_header()  # nothing moved: leave the tables (and the user) alone
        if self._open_run and result.snapshot.runs:
            ident, self._open_run = self._open_run, None
            self.find_run(ident)
        elif self._seek is not None and result.snapshot.filter == self.cfg.run_filter:
            ident, previous = self._seek
            self._seek = None
            if not self.select_run(ident):
                self.notify(f"Run {P.one_line(ident)} not found in this org; back to "
                            f"{P.one_line(previous.describe(local=True))}.", severity="warning",
                            timeout=6)
                self.set_server_filter(previous)
        if self.cfg.cache_path is not None and result.health.ok and result.snapshot.runs and (
                result.changes.full or result.changes.ids(RUN)):  # write only what changed
            from ..engine.cache import save_runs, target_of

            save_runs(self.cfg.cache_path, result.snapshot.runs, result.snapshot.org,
                      target_of(self.cfg.profile.values))
        stage_id = self._q(StagesTable).selected_id
        if stage_id and (stage_id in result.changes.ids(STAGE) or self.details_for != stage_id):
            self.request_details(stage_id)

    def _notify_watched(self, before: Snapshot, after: Snapshot) -> None:
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
                self.bell()

    # ------------------------------------------------------------ drawing
    def visible_runs(self) -> list[Run]:
        runs = list(self.snapshot.runs)
        needle = self.local_filter.lower()
        if needle:
            runs = [r for r in runs if needle in r.name.lower() or needle in r.title.lower()
                    or needle in str(r.status).lower() or needle in (r.current_stage or "")
                    .lower()]
        return runs

    def redraw(self, changes: ChangeSet) -> None:
        now = self.cfg.clock()
        live_marks = {k for k, until in self.marks.items() if until > now.timestamp()}
        table = self._q(RunsTable)
        changed = None if changes.full else set(changes.ids(RUN))
        new_list = self._drawn_filter != (self.snapshot.filter, self.local_filter)
        self._drawn_filter = (self.snapshot.filter, self.local_filter)
        table.show(self.visible_runs(), now, self.relative, live_marks,
                   dict(self.snapshot.errors), changed, self.snapshot.stages,
                   from_top=new_list)
        runs_pane = self._q("#runs-pane")
        more = "+" if self.snapshot.more else ""
        runs_pane.border_subtitle = Text(f"{table.row_count}{more} · {self.filter_text()}")
        self.show_run(table.selected_id)
        self.render_header()

    def filter_text(self) -> str:
        """The server filter and, when one is applied, the `/` filter on the rows held."""
        shown = P.one_line(self.snapshot.filter.describe(local=True))  # typed: any bytes
        if not self.local_filter:
            return shown
        local = f"/{P.one_line(self.local_filter)}"
        return local if shown == "all runs" else f"{shown} {local}"

    def render_header(self) -> None:
        org = self.snapshot.org.name if self.snapshot.org else self.cfg.cached.org_name
        self._q(HeaderBar).render_header(
            label=self.cfg.profile.label, color=self.cfg.profile.get("color"),
            read_only=self.cfg.read_only, org=org, health=self.health,
            counts=dict(self.snapshot.counts), now=self.cfg.clock(), paused=self.paused,
            stale_cache=self.stale_cache, filter_text=self.filter_text(),
            width=self.size.width)

    def show_run(self, run_id: str | None) -> None:
        run = self.snapshot.run(run_id) if run_id else None
        now = self.cfg.clock()
        stages = self.snapshot.stages.get(run_id, ()) if run_id else ()
        table = self._q(StagesTable)
        table.show(stages, run, now, self.relative)
        pane = self._q("#stages-pane")
        pane.border_subtitle = (P.literal(f"{run.name} · {P.count(len(stages), 'stage')}")
                                if run else "")  # org text: never markup
        self.show_stage(table.selected_id)

    def show_stage(self, stage_id: str | None) -> None:
        now = self.cfg.clock()
        steps = self.snapshot.steps.get(stage_id, ()) if stage_id else ()
        self._q(StepsTable).show(steps, dict(self.snapshot.work_items), now)
        self.show_context()
        self._show_texts(self._detail_texts(now))
        if stage_id and self.details_for != stage_id:
            if self._details_timer is not None:
                self._details_timer.stop()
                self._details_timer = None
            if self.cfg.details_delay <= 0:
                self.request_details(stage_id)
            else:
                self._details_timer = self.set_timer(self.cfg.details_delay,
                                                     lambda: self.request_details(stage_id))

    def _detail_texts(self, now: datetime, only: str | None = None) -> dict[str, Text]:
        """The History, Feed and Error tabs' text for the selection ('28s ago' included)."""
        stage_id = self._q(StagesTable).selected_id
        details = self.details if self.details_for == stage_id else None
        run = self.selected_run()
        makers: dict[str, Callable[[], Text]] = {
            "history": lambda: history_text(details, run, now, self.relative),
            "feed": lambda: feed_text(details, now, self.relative),
            "error": lambda: error_text(run, self.snapshot, now)}
        return {name: make() for name, make in makers.items() if only in (None, name)}

    def _show_texts(self, texts: dict[str, Text]) -> None:
        for name, text in texts.items():
            if self._texts.get(name) != text.plain:  # unchanged text: no re-layout
                self._texts[name] = text.plain
                self._q(f"#{name}", Static).update(text)

    def selected_run(self) -> Run | None:
        rid = self._q(RunsTable).selected_id
        return self.snapshot.run(rid) if rid else None

    def _screen_gone(self) -> bool:
        """True while starting or shutting down: messages from workers may still arrive."""
        main = self._main_screen
        return not self.is_running or main is None or not main.is_attached

    def _tick(self) -> None:
        if self._screen_gone():
            return
        if self._tty is not None and not os.isatty(self._tty):
            self.hang_up()  # the terminal went away and SIGHUP was ignored (nohup, a wrapper)
            return
        if self._follow is not None and self._follow_on is not self.screen:
            self._apply_follow()  # its callback went to a dialog that has closed since
        now = self.cfg.clock()
        stamp = now.timestamp()
        expired = [k for k, until in self.marks.items() if until <= stamp]
        for k in expired:
            del self.marks[k]
        if not self.is_busy():
            if expired:
                self.redraw(ChangeSet(changed={RUN: frozenset(expired)}))
            for table in (RunsTable, StagesTable, StepsTable):
                self._q(table).retime(now)
            tab = str(self._q(TabbedContent).active).removeprefix("tab-")
            if tab != "steps":  # the tab on screen says '28s ago' too
                self._show_texts(self._detail_texts(now, only=tab))
        self.render_header()
        self.flush_pending()

    # ------------------------------------------------------------ details
    def request_details(self, stage_id: str) -> None:
        if self.engine is None or self.engine.client is None or self.hung_up:
            return
        self._details_worker(stage_id)

    @work(thread=True, exit_on_error=False, group="details")
    def _details_worker(self, stage_id: str) -> None:
        assert self.engine is not None
        with self._lock:
            details = self.engine.fetch_details(stage_id)
        self.post_message(DetailsReady(stage_id, details))

    def on_details_ready(self, message: DetailsReady) -> None:
        if self._screen_gone():
            return
        if isinstance(message.details, FlowstageError):
            self._show_texts({"history": Text(f"Could not load details: {message.details}",
                                              style="yellow")})
            return
        self.details = message.details
        self.details_for = message.stage_id
        stages = self._q(StagesTable)
        stages.use_log_times(message.details.run_id, message.details.stage_times)
        stages.retime(self.cfg.clock())
        if stages.selected_id == message.stage_id:
            self.show_stage(message.stage_id)

    # ------------------------------------------------------------ selection events
    @on(DataTable.RowHighlighted, "#runs")
    def _run_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._follow_cursor("run", str(event.row_key.value) if event.row_key else None)
        table = self._q(RunsTable)
        if table.cursor_row >= table.row_count - 5 and not self.local_filter:
            self.load_more()  # paged from the server as the user scrolls

    @on(DataTable.RowHighlighted, "#stages")
    def _stage_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._follow_cursor("stage", str(event.row_key.value) if event.row_key else None)

    @on(DataTable.RowHighlighted, "#steps")
    def _step_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.show_context()

    def show_context(self) -> None:
        """The context record of the work item under the cursor (or of the stage's items),
        on the line under the steps; no line when there is none."""
        item = self._q(StepsTable).context_item()
        line = self._q("#context", Static)
        line.set_class(item is None, "empty")  # a class, not display: `.low` hides it too
        if item is not None:
            line.update(context_text(item, self.instance_url()))
        # no room for the line (`.low`): the pane's border names the record (y/o copy its URL)
        low = self.has_class("low") and item is not None
        self._q("#detail").border_subtitle = context_text(item, "", url=False) if low else ""

    def _follow_cursor(self, kind: Literal["run", "stage"], rid: str | None) -> None:
        """Fill the panes below a moved cursor after the cursor's own repaint, once per frame:
        holding j over thousands of runs moves the cursor at once and redraws the panes for
        the row it stops on, not for every row it passed."""
        pending = self._follow
        self._follow = (kind, rid) if pending is None or pending[0] == kind or kind == "run" \
            else pending
        # Textual runs the callback on the screen on top now; a dialog that closes before its
        # next refresh drops it, and the panes would stop following: schedule again then.
        if pending is None or self._follow_on is not self.screen:
            self._follow_on = self.screen
            self.call_after_refresh(self._apply_follow)

    def _apply_follow(self) -> None:
        pending, self._follow = self._follow, None
        if pending is None or self._screen_gone():
            return
        kind, rid = pending
        if kind == "run":
            self.show_run(rid)
        else:
            self.show_stage(rid)

    @on(DataTable.RowSelected, "#runs")
    def _run_selected(self, event: DataTable.RowSelected) -> None:
        self._focus(self._q(StagesTable))

    @on(DataTable.RowSelected, "#stages")
    def _stage_selected(self, event: DataTable.RowSelected) -> None:
        self._focus(self._q(StepsTable))

    def find_run(self, ident: str) -> None:
        """Select a run on screen, or ask the org for it; say so when the org has none."""
        if self.select_run(ident):
            return
        self._seek = (ident, self.cfg.run_filter)
        self.set_server_filter(RunFilter(ids=(ident,)) if RUN_ID.fullmatch(ident)
                               else RunFilter(text=ident))

    def select_run(self, ident: str) -> bool:
        table = self._q(RunsTable)
        for index, run in enumerate(self.visible_runs()):
            if ident in (run.id, run.id[:15], run.name):
                table.move_cursor(row=index)
                self._focus(table)
                return True
        return False

    # ------------------------------------------------------------ actions
    def _table(self) -> DataTable[Any] | None:
        focused = self.focused
        return focused if isinstance(focused, DataTable) else None

    def action_cursor(self, direction: str) -> None:
        table = self._table()
        if table is not None:
            (table.action_cursor_down if direction == "down" else table.action_cursor_up)()
        elif isinstance(self.focused, VerticalScroll):
            self.focused.scroll_relative(y=1 if direction == "down" else -1)

    def action_edge(self, edge: str) -> None:
        table = self._table()
        if table is not None and table.row_count:
            table.move_cursor(row=0 if edge == "top" else table.row_count - 1)
        if edge == "bottom" and table is self._q(RunsTable):
            self.load_more()

    def action_drill(self) -> None:
        focused = self.focused
        if isinstance(focused, RunsTable):
            self._focus(self._q(StagesTable))
        elif isinstance(focused, StagesTable):
            self._focus(self._q(StepsTable))

    def action_go_back(self) -> None:
        focused = self.focused
        if focused is None:
            self._focus(self._q(StagesTable))
        elif isinstance(focused, Input):
            self._close_input(focused)
        elif isinstance(focused, RunsTable) and self.local_filter:
            self._set_local_filter("")
        elif isinstance(focused, StagesTable):
            self._focus(self._q(RunsTable))
        elif focused is not None and (self._q("#detail") in focused.ancestors or
                                      isinstance(focused, TabbedContent)):
            self._focus(self._q(StagesTable))

    def action_focus_pane(self, pane: str) -> None:
        if pane == "runs":
            self._focus(self._q(RunsTable))
        elif pane == "stages":
            self._focus(self._q(StagesTable))
        else:
            active = self._q(TabbedContent).active
            if active == "tab-steps":
                self._focus(self._q(StepsTable))
            else:
                self._focus(self._q(f"#{active} VerticalScroll"))

    def _focus(self, widget: Widget) -> None:
        """Focus at once. Widget.focus() defers to the message queue, behind keys already
        read: in a burst (`:runs status=Error` typed fast or pasted, `3 ] ]` over SSH) the
        keys after `:` would reach the runs table as bindings instead of the command line."""
        widget.screen.set_focus(widget)

    def action_tab(self, step: int) -> None:
        tabs = self._q(TabbedContent)
        order = ["tab-steps", "tab-history", "tab-feed", "tab-error"]
        current = order.index(tabs.active) if tabs.active in order else 0
        tabs.active = order[(current + step) % len(order)]
        self.action_focus_pane("detail")

    def action_filter(self) -> None:
        box = self._q("#filter", Input)
        box.add_class("open")
        box.value = self.local_filter
        self._focus(box)

    def action_command_line(self) -> None:
        self.prefill_command("")

    def prefill_command(self, text: str) -> None:
        box = self._q("#command", Input)
        box.add_class("open")
        box.value = f"{text} " if text else ""
        box.cursor_position = len(box.value)
        self._history_pos = len(self.command_history)
        self._focus(box)

    def _close_input(self, box: Input) -> None:
        if box.id == "filter":
            self._set_local_filter("")
        box.value = ""
        box.remove_class("open")
        self._focus(self._q(RunsTable))
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
        self._focus(self._q(RunsTable))
        self.flush_pending()

    async def on_event(self, event: events.Event) -> None:
        """Keys that came in one read (a burst after a stalled SSH link, fast typing) are all
        queued on the widget focused at that moment, before the first of them has run. When
        one moves the focus (`:`, `/`, `3`, `?`), the rest come back here still bound for the
        old widget, where `q` would quit and `r`, `n`, `o` would act. Send them on to where the
        focus is now, in the order they came."""
        if isinstance(event, events.Key):
            if not event.is_forwarded:
                self._key_sent_to.append((event, self.focused))
            else:
                sent_to = next((w for e, w in self._key_sent_to if e is event), None)
                if sent_to is not None and sent_to is not self.focused:
                    self.post_message(events.Key(event.key, event.character))
                    return
        await super().on_event(event)

    def on_key(self, event: Any) -> None:
        """History (up/down) and completion (tab) for the command line only."""
        box = self.focused
        if not (isinstance(box, Input) and box.id == "command"):
            return
        if event.key in ("up", "down") and self.command_history:
            step = -1 if event.key == "up" else 1
            self._history_pos = max(0, min(len(self.command_history),
                                           self._history_pos + step))
            box.value = (self.command_history[self._history_pos]
                         if self._history_pos < len(self.command_history) else "")
            box.cursor_position = len(box.value)
            event.stop()
        elif event.key == "tab":
            orchestrations = sorted({r.orchestration or "" for r in self.snapshot.runs} - {""})
            box.value = complete(box.value, orchestrations, list(self.cfg.profiles))
            box.cursor_position = len(box.value)
            event.stop()
            event.prevent_default()

    @on(Input.Submitted, "#command")
    def _command_submitted(self, event: Input.Submitted) -> None:
        line = event.value.strip().lstrip(":")
        self._close_input(event.input)
        if line:
            self.command_history.append(line)
            self.run_command(line)

    def run_command(self, line: str) -> None:
        name, _, rest = line.partition(" ")
        rest = rest.strip()
        if name in ("q", "quit"):
            self.exit(0)
        elif name == "refresh":
            self.action_refresh()
        elif name == "errors":
            self.set_server_filter(RunFilter(statuses=("Error",)))
        elif name == "runs":
            try:
                flt = parse_runs_args(rest, self.cfg.clock())
            except ValueError as exc:
                self.notify(str(exc), severity="error")
                return
            self.set_server_filter(flt)
        elif name == "run":
            if not rest:
                self.notify("Usage: :run <Id or Name>", severity="warning")
            else:
                self.find_run(rest.strip("'\""))
        elif name == "profile":
            self.switch_profile(rest)
        else:
            self.notify(f"Unknown command :{P.one_line(name)} — try :runs, :run, :profile, :q",
                        severity="error")

    def set_server_filter(self, flt: RunFilter) -> None:
        self.cfg.run_filter = flt
        if self.engine is None:
            return
        self._set_filter_worker(flt)

    @work(thread=True, exit_on_error=False, group="poll")
    def _set_filter_worker(self, flt: RunFilter) -> None:
        assert self.engine is not None
        with self._lock:
            self.engine.set_filter(flt)
        self.call_from_thread(self.poll_now, True, False)

    def switch_profile(self, name: str) -> None:
        if not name:
            self.pick_profile()
            return
        if self.cfg.switcher is None or name not in self.cfg.profiles:
            known = ", ".join(self.cfg.profiles) or "none"
            self.notify(f"No profile {name!r} (profiles: {known}).", severity="error")
            return
        try:
            profile, connection = self.cfg.switcher(name)
        except FlowstageError as exc:
            self.notify(str(exc), severity="error")
            return
        self.cfg.profile = profile
        self.cfg.read_only = profile.read_only
        self.snapshot = Snapshot.empty(self.cfg.run_filter)
        self.details = None
        self.details_for = None
        self.health = Health(HealthState.CONNECTING, "Connecting…")
        self.redraw(ChangeSet(full=True))
        self.start_engine(connection)

    def pick_profile(self) -> None:
        def chosen(name: str | None) -> None:
            if name:
                self.switch_profile(name)
            elif self.engine is None:
                self.exit(0)

        self.push_screen(ChoiceScreen("Open which profile?",
                                      [(p, p) for p in self.cfg.profiles]), chosen)

    def action_help(self) -> None:
        rows = []
        for binding in self.BINDINGS:
            assert isinstance(binding, Binding)
            keys = self._keys_for(binding)
            rows.append((keys, binding.tooltip or binding.description, binding.id or ""))
        rows.append(("ctrl+p", "command palette, built from the same commands as :",
                     "(textual)"))
        rows.append(("tab / shift+tab", "next / previous pane", "(textual)"))
        rows.append(("arrows, pgup/pgdn", "move in lists, a page at a time", "(textual)"))
        self.push_screen(HelpScreen(rows, [f":{c.usage}  — {c.help}" for c in COMMANDS]))

    def _keys_for(self, binding: Binding) -> str:
        keys = self.cfg.keymap.get(binding.id or "", binding.key)
        for name, shown in (("question_mark", "?"), ("slash", "/"), ("colon", ":"),
                            ("left_square_bracket", "["), ("right_square_bracket", "]")):
            keys = keys.replace(name, shown)
        return keys

    def action_refresh(self) -> None:
        if self.engine is None:
            return
        if self.polling:
            self.notify("A poll is already running.", timeout=2)
            return
        self.poll_now(manual=True)

    def action_pause(self) -> None:
        self.paused = not self.paused
        if self.paused:
            if self._poll_timer is not None:
                self._poll_timer.stop()
                self._poll_timer = None
            self.notify("Polling paused — press p to resume.", timeout=3)
        else:
            self.notify("Polling resumed.", timeout=2)
            self.poll_now()
        self.render_header()

    def action_next_error(self, step: int = 1) -> None:
        runs = self.visible_runs()
        table = self._q(RunsTable)
        if not runs:
            return
        start = table.cursor_row
        for offset in range(1, len(runs) + 1):
            index = (start + step * offset) % len(runs)
            if str(runs[index].status) == "Error":
                table.move_cursor(row=index)
                self._focus(table)
                return
        self.notify("No errored runs on screen.", timeout=3)

    def _copy(self, text: str, what: str) -> None:
        self.copy_to_clipboard(text)
        self.last_copied = text
        shown = text if len(text) <= 120 else text[:117] + "…"
        self.notify(f"Copied {what}: {P.one_line(shown)}", timeout=4)

    def action_copy(self) -> None:
        run = self.selected_run()
        if run is None:
            self.notify("Nothing selected to copy.", severity="warning")
            return
        # in the steps, the work item's context record comes first: what its assignee opens
        item = self._q(StepsTable).context_item() if isinstance(self.focused, StepsTable) \
            else None
        context: list[tuple[str, str | Text]] = []
        if item is not None and item.context_id:
            what = P.one_line(f"{item.context_type or 'record'} {item.context_name or ''}")
            if context_url(item, self.instance_url()):
                context.append(("context-url", P.literal(f"Context URL {what}")))
            context += [("context-id", P.literal(f"Context Id  {item.context_id}")),
                        ("context-name", P.literal(f"Context     {what}"))]

        def chosen(key: str | None) -> None:
            if item is not None and key and key.startswith("context-"):
                if key == "context-url":
                    self._copy(context_url(item, self.instance_url()) or "",
                               "context record's Lightning URL")
                elif key == "context-id":
                    self._copy(item.context_id or "", "context record Id")
                else:
                    self._copy(item.context_name or item.context_id or "",
                               "context record name")
            elif key == "id":
                self._copy(run.id, "Id")
            elif key == "name":
                self._copy(run.name, "Name")
            elif key == "url":
                self._copy(self.url_for(RUN, run.id), "Lightning URL")
            elif key == "json":
                self._copy(json.dumps(run_record(run, self.instance_url()),
                                      ensure_ascii=False), "row as JSON")

        self.push_screen(ChoiceScreen(f"Copy from {run.name}", [*context,
            ("id", f"Id          {run.id}"), ("name", f"Name        {run.name}"),
            ("url", "Lightning URL"), ("json", "Row as JSON")]), chosen)

    def instance_url(self) -> str:
        org = self.snapshot.org
        return org.instance_url if org else "https://login.salesforce.com"

    def url_for(self, sobject: str, record_id: str) -> str:
        return lightning_url(self.instance_url(), sobject, record_id)

    def action_open_url(self) -> None:
        focused = self.focused
        item = focused.context_item() if isinstance(focused, StepsTable) else None
        ctx_url = context_url(item, self.instance_url()) if item is not None else None
        if isinstance(focused, StagesTable) and focused.selected_id:
            url = self.url_for(STAGE, focused.selected_id)
        elif ctx_url:
            url = ctx_url  # in the steps: the record the assignee works on
        else:
            run = self.selected_run()
            if run is None:
                return
            url = self.url_for(RUN, run.id)
        self._copy(url, "URL (open it in your browser)")

    def action_export(self) -> None:
        def chosen(fmt: str | None) -> None:
            if fmt:
                path = self.export(fmt)
                self.notify(f"Exported {len(self.visible_runs())} runs to {path}", timeout=8)

        self.push_screen(ChoiceScreen("Export the runs on screen as", [
            ("csv", "CSV"), ("json", "JSON")]), chosen)

    def export(self, fmt: str) -> Path:
        from ..config.paths import state_dir

        self.last_export = save_runs(self.visible_runs(), self.instance_url(),
                                     self.cfg.export_dir or state_dir() / "exports", fmt,
                                     self.cfg.clock())
        return self.last_export

    def action_toggle_time(self) -> None:
        self.relative = not self.relative
        self.redraw(ChangeSet(full=True))
        zone = P.local(self.cfg.clock()).strftime("%Z")
        self.notify("Times: " + ("relative" if self.relative else f"absolute ({zone})"),
                    timeout=2)

    def action_watch_run(self) -> None:
        run = self.selected_run()
        if run is None:
            return
        if run.id in self.watched:
            self.watched.discard(run.id)
            self.notify(f"Stopped watching {P.one_line(run.name)}.", timeout=3)
        else:
            self.watched.add(run.id)
            self.notify(f"Watching {P.one_line(run.name)}: you will hear a bell when it "
                        "changes stage or fails.", timeout=4)

    def action_reauth_help(self) -> None:
        if self.health.state != HealthState.REAUTH:
            self.notify("The session is fine; nothing to re-authenticate.", timeout=3)
            return
        body = Text()
        body.append(P.clean_text(self.health.message) + "\n\n")
        command = self.health.reauth_command
        if command:
            body.append("Run this in another terminal, then press r here:\n\n")
            body.append(f"  {command}\n", style="bold")
            alias = command.split("--alias ")[-1].split()[0] if "--alias " in command else "ALIAS"
            body.append("\nOver SSH with no browser:\n\n", style="dim")
            body.append(f"  sf org login sfdx-url --sfdx-url-file FILE --alias {alias}\n",
                        style="bold")
        else:
            body.append("Press r to try again once that is done. A new value in an "
                        "environment variable needs a restart: flowstage reads them when it "
                        "starts.", style="dim")
        self.push_screen(MessageScreen("Re-authentication needed", body))

    async def action_quit_app(self) -> None:
        self.exit(0)

    def action_how_to_quit(self) -> None:
        keys = " or ".join(self._keys_for(b) for b in self.BINDINGS
                           if isinstance(b, Binding) and b.action == "quit_app")
        self.notify(f"Ctrl+C does not quit flowstage: press {keys} to quit.", timeout=4)

    def load_more(self) -> None:
        if self.engine is None or not self.snapshot.more or self.loading_more:
            return
        self.loading_more = True
        self.health = replace(self.health, in_flight_since=self.cfg.clock())
        self._more_worker()

    @work(thread=True, exit_on_error=False, group="poll")
    def _more_worker(self) -> None:
        assert self.engine is not None
        with self._lock:
            result = self.engine.load_more()
        self.post_message(PollDone(result))


def parse_runs_args(text: str, now: datetime) -> RunFilter:
    """The `:runs` words as a RunFilter (the grammar lives with RunFilter, in salesforce/)."""
    return RunFilter.parse_line(text, now)


def write_crash_log(path: Path | None, error: BaseException) -> Path | None:
    """Append the traceback to the log file, with no local variables (they may hold a token).
    None when there is no log file or it cannot be written."""
    if path is None:
        return None
    import traceback
    from datetime import UTC

    from .. import __version__

    text = "".join(traceback.format_exception(error))
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as fh:
            fh.write(f"{stamp} CRASH flowstage {__version__}\n{text}\n")
    except OSError:
        return None
    return path
