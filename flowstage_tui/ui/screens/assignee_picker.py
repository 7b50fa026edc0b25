"""The assignee picker for R: type-ahead over the org's active users, queues and groups.

The picker never queries: each pause in typing asks the screen to search (FindAssignees on
the org's API thread, escaped there by the one literal-escaping function), and the answer
comes back through `show_found`; an answer for text the user has since changed is dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.timer import Timer
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from ...errors import FlowstageError
from .. import present as P
from .dialogs import Dialog

ID_SHAPE = ("005", "00G")  # a User or Group/Queue Id typed whole: checked when prepared


@dataclass(frozen=True)
class Choice:
    """Who the work goes to (engine.targets.Assignee's fields the UI needs)."""

    id: str
    name: str
    kind: str
    username: str | None = None
    active: bool = True
    dead_end: str | None = None  # why work given here would sit untouched (frozen, …)
    caveat: str | None = None  # what the org would not tell (frozen state unknown)


def choice_text(c: Choice) -> Text:
    out = Text()
    out.append(f"{c.kind:<5} ", style="dim")
    out.append_text(P.literal(c.name or c.id, "bold"))
    if c.username:
        out.append_text(P.literal(f" <{c.username}>", "dim"))
    if not c.active:
        out.append(" ⚠ inactive: cannot take work", style="bold red")
    elif c.dead_end:
        out.append_text(P.literal(f" ⚠ {c.dead_end}: cannot take work", "bold red"))
    elif c.caveat:
        out.append(" (frozen state unknown)", style="dim")
    return out


class AssigneePicker(Dialog[Choice | None]):
    """Pick the new holder. `holders`: who holds the work now, one line each (shown above the
    input); `search(text)` asks the org; `delay`: seconds of quiet typing before it does."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="picker.cancel"),
                Binding("down", "move(1)", "Down", show=False, id="picker.down"),
                Binding("up", "move(-1)", "Up", show=False, id="picker.up")]

    def __init__(self, title: str, holders: Sequence[Text], search: Callable[[str], None],
                 delay: float = 0.25) -> None:
        super().__init__()
        self.title_text = title
        self.holders = tuple(holders)
        self.search = search
        self.delay = delay
        self.found: dict[str, Choice] = {}
        self._timer: Timer | None = None
        self._asked: str | None = None  # the text the last search was for

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="write-dialog"):
            yield Static(P.literal(self.title_text, "bold"), id="dialog-title")
            now = Text("Now held by: ", style="dim")
            for i, line in enumerate(self.holders):
                now.append("; " if i else "")
                now.append_text(line)
            yield Static(now, id="picker-holders")
            yield Input(placeholder="name or username: active users, queues, groups",
                        id="picker-input")
            yield OptionList(id="picker-found")
            yield Static(Text("type to search · ↑/↓ choose · Enter picks (or a whole 005…/"
                              "00G… Id) · Esc cancels", style="dim"), id="picker-status")

    def on_mount(self) -> None:
        self.set_focus(self.query_one(Input))
        self._ask("")

    @on(Input.Changed, "#picker-input")
    def _changed(self, event: Input.Changed) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if self.delay <= 0:
            self._ask(event.value)
        else:
            text = event.value
            self._timer = self.set_timer(self.delay, lambda: self._ask(text))

    def _ask(self, text: str) -> None:
        self._timer = None
        self._asked = text.strip()
        self.search(self._asked)

    def show_found(self, text: str, found: Sequence[Choice] | FlowstageError) -> None:
        """The org's answer for `text` (ignored when the user has typed on since)."""
        if text != self._asked or not self.is_attached:
            return
        options = self.query_one(OptionList)
        options.clear_options()
        self.found = {}
        status = self.query_one("#picker-status", Static)
        if isinstance(found, FlowstageError):
            status.update(P.literal(f"Search failed: {P.one_line(str(found))}", "yellow"))
            return
        for c in found:
            self.found[c.id] = c
            options.add_option(Option(choice_text(c), id=c.id))
        if found:
            options.highlighted = 0
        n = len(found)
        status.update(Text(f"{n} match{'es' if n != 1 else ''}" + (
            f" for {P.one_line(text)!r}" if text else "") + " · Enter picks · Esc cancels",
            style="dim"))

    def action_move(self, step: int) -> None:
        options = self.query_one(OptionList)
        (options.action_cursor_down if step > 0 else options.action_cursor_up)()

    @on(OptionList.OptionSelected, "#picker-found")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self._pick(self.found.get(event.option.id or ""))

    @on(Input.Submitted, "#picker-input")
    def _submitted(self, event: Input.Submitted) -> None:
        typed = event.value.strip()
        if typed.startswith(ID_SHAPE) and len(typed) in (15, 18) and typed.isalnum():
            kind = "User" if typed.startswith("005") else "Group"
            self._pick(self.found.get(typed) or Choice(typed, typed, kind))
            return
        options = self.query_one(OptionList)
        index = options.highlighted
        if index is None or not self.found:
            self.notify("Nobody matches yet: type part of a name or username.", timeout=3)
            return
        self._pick(self.found.get(options.get_option_at_index(index).id or ""))

    def _pick(self, choice: Choice | None) -> None:
        if choice is None:
            return
        if not choice.active or choice.dead_end:
            why = choice.dead_end or "an inactive user"
            self.notify(f"{P.one_line(choice.name)} is {why} and cannot take work: pick an "
                        "active, unfrozen user or a queue or group with active members.",
                        severity="warning", timeout=5)
            return
        self.close(choice)

    def action_cancel(self) -> None:
        self.close(None)
