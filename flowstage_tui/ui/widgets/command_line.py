"""The `:` command line and the `/` filter box: inputs that own their keys.

The command line keeps its own history (up/down) and completion (tab), and runs a line by
calling its `command_<name>` method (Frogmouth's omnibox), which posts a typed message for the
screen or the App to act on. Its commands are the registry's (commands_registry.COMMANDS).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from textual.binding import Binding
from textual.message import Message
from textual.widgets import Input

from ...errors import FlowstageError
from ...salesforce.queries import RunFilter
from ...salesforce.work import DEFAULT_STALE_AFTER
from ...salesforce.work_filter import WorkFilter
from .. import present as P
from ..commands_registry import COMMANDS, complete, parse_runs_args
from ..messages import (
    CloseOrgRequested,
    ColumnsRequested,
    FailuresRequested,
    FilterRequested,
    OrgRequested,
    QuitRequested,
    RefreshRequested,
    RunRequested,
    VersionsRequested,
    ViewRequested,
    ViewSaveRequested,
    WorkRequested,
    WriteRequested,
)

# what completion offers: the orchestrations of the runs held, and the profiles
Completions = Callable[[], tuple[list[str], list[str]]]


class PaneInput(Input):
    """An input that opens over its pane and closes with Esc."""

    BINDINGS = [Binding("escape", "close", "Close", show=False)]

    class Closed(Message):
        def __init__(self, box: PaneInput) -> None:
            super().__init__()
            self.box = box

    def open(self, value: str = "") -> None:
        self.add_class("open")
        self.value = value
        self.cursor_position = len(value)
        self.screen.set_focus(self)  # at once: see TriageScreen.focus_now

    def action_close(self) -> None:
        self.value = ""
        self.remove_class("open")
        self.post_message(self.Closed(self))


class FilterBox(PaneInput):
    """`/`: filters the runs held as you type."""


class CommandLine(PaneInput):
    BINDINGS = [Binding("up", "history(-1)", "Older command", show=False),
                Binding("down", "history(1)", "Newer command", show=False),
                Binding("tab", "complete", "Complete", show=False)]

    def __init__(self, clock: Callable[[], datetime], completions: Completions,
                 id: str | None = None,  # noqa: A002 (Textual's name)
                 stale_after: timedelta = DEFAULT_STALE_AFTER, read_only: bool = True) -> None:
        super().__init__(placeholder=":runs status=Error since=24h · :run NAME · :work · "
                         ":open / :profile NAME · :q", id=id)
        self._read_only = read_only  # a read-only tab's completion offers no write commands
        self._clock = clock
        self._completions = completions
        self._stale_after = stale_after  # the profile's, for :stale and preset=stale
        self.history: list[str] = []
        self._pos = 0

    def open(self, value: str = "") -> None:
        self._pos = len(self.history)
        super().open(f"{value} " if value else "")

    def action_history(self, step: int) -> None:
        if not self.history:
            return
        self._pos = max(0, min(len(self.history), self._pos + step))
        self.value = self.history[self._pos] if self._pos < len(self.history) else ""
        self.cursor_position = len(self.value)

    def action_complete(self) -> None:
        orchestrations, profiles = self._completions()
        self.value = complete(self.value, orchestrations, profiles, self._read_only)
        self.cursor_position = len(self.value)

    async def action_submit(self) -> None:
        line = self.value.strip().lstrip(":")
        self.action_close()
        if line:
            self.history.append(line)
            self.run_line(line)

    def run_line(self, line: str) -> None:
        name, _, rest = line.partition(" ")
        spec = next((c for c in COMMANDS if name in (c.name, *c.aliases)), None)
        if spec is None:
            known = ", ".join(f":{c.name}" for c in COMMANDS if c.name != "q")
            self.app.notify(f"Unknown command :{P.one_line(name)} — try {known}, :q",
                            severity="error")
            return
        getattr(self, f"command_{spec.name}")(rest.strip())

    # ------------------------------------------------------------ the commands
    def command_runs(self, rest: str) -> None:
        try:
            flt = parse_runs_args(rest, self._clock(), self._stale_after)
        except ValueError as exc:
            self.app.notify(P.one_line(str(exc)), severity="error")
            return
        self.post_message(FilterRequested(flt))

    def command_stale(self, rest: str) -> None:
        self.command_runs(f"preset=stale {rest}")  # :stale orch=NAME narrows it

    def command_expiring(self, rest: str) -> None:
        self.command_runs(f"preset=expiring {rest}")

    def command_errors(self, rest: str) -> None:
        self.post_message(FilterRequested(RunFilter(statuses=("Error",))))

    def command_work(self, rest: str) -> None:
        try:
            flt = WorkFilter.parse(rest) if rest else None
        except FlowstageError as exc:
            self.app.notify(P.one_line(str(exc)), severity="error")
            return
        self.post_message(WorkRequested(flt))

    def command_failures(self, rest: str) -> None:
        from datetime import timedelta

        from ...salesforce.queries import age_minutes

        key, eq, value = rest.partition("=")
        if rest and (not eq or key.strip() != "since"):
            self.app.notify("Usage: :failures [since=24h]", severity="warning")
            return
        try:
            since = self._clock() - timedelta(minutes=age_minutes(value)) if rest else None
        except ValueError as exc:
            self.app.notify(f"since: {exc}", severity="error")
            return
        self.post_message(FailuresRequested(since))

    def command_versions(self, rest: str) -> None:
        key, eq, value = rest.partition("=")
        name = value.strip().strip("'\"")
        if rest and (not eq or key.strip() != "orch" or not name):
            self.app.notify("Usage: :versions [orch=NAME]", severity="warning")
            return
        self.post_message(VersionsRequested(name or None))

    def command_columns(self, rest: str) -> None:
        self.post_message(ColumnsRequested(rest))

    def command_save(self, rest: str) -> None:
        from ...config.views import check_name

        if not rest:
            self.app.notify("Usage: :save NAME (letters, digits, _ and -)", severity="warning")
            return
        try:
            name = check_name(rest)
        except ValueError as exc:
            self.app.notify(P.one_line(str(exc)), severity="error")
            return
        self.post_message(ViewSaveRequested(name))

    def command_view(self, rest: str) -> None:
        if not rest:
            self.app.notify("Usage: :view NAME", severity="warning")
        else:
            self.post_message(ViewRequested(rest))

    def command_run(self, rest: str) -> None:
        if not rest:
            self.app.notify("Usage: :run <Id or Name>", severity="warning")
        else:
            self.post_message(RunRequested(rest.strip("'\"")))

    def command_profile(self, rest: str) -> None:
        self.post_message(OrgRequested(rest))

    def command_open(self, rest: str) -> None:
        self.post_message(OrgRequested(rest))

    def command_close(self, rest: str) -> None:
        self.post_message(CloseOrgRequested())

    def command_refresh(self, rest: str) -> None:
        self.post_message(RefreshRequested())

    def _write(self, kind: str, rest: str) -> None:
        if rest:
            self.app.notify(f":{kind} takes no arguments: it acts on the marked rows (space, "
                            "V), else the one under the cursor.", severity="warning")
            return
        self.post_message(WriteRequested(kind))

    def command_reassign(self, rest: str) -> None:
        self._write("reassign", rest)

    def command_cancel(self, rest: str) -> None:
        self._write("cancel", rest)

    def command_delete(self, rest: str) -> None:
        self._write("delete", rest)

    def command_nudge(self, rest: str) -> None:
        self._write("nudge", rest)

    def command_resume(self, rest: str) -> None:
        self._write("resume", rest)

    def command_suspend(self, rest: str) -> None:
        self._write("suspend", rest)

    def command_retry(self, rest: str) -> None:
        self._write("retry", rest)

    def command_q(self, rest: str) -> None:
        self.post_message(QuitRequested())
