"""Dialogs: help, re-auth, export and copy choices, the profile picker."""

from __future__ import annotations

from typing import TypeVar

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ..present import clean_text, status_text
from ..widgets.header import STATUS_ORDER

R = TypeVar("R")


class Dialog(ModalScreen[R]):
    """A modal that closes once. Keys that came in one read (Enter then Esc) each ask it to
    close; a second dismiss would pop the screen beneath it, the triage screen itself."""

    def close(self, result: R) -> None:
        if self.is_active:
            self.dismiss(result)


class HelpScreen(Dialog[None]):
    """Every binding, as the app resolves it (including keymap remaps)."""

    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close", id="help.close"),
                Binding("j", "scroll('down')", "Down", show=False, id="help.down"),
                Binding("k", "scroll('up')", "Up", show=False, id="help.up"),
                Binding("g", "edge('top')", "Top", show=False, id="help.top"),
                Binding("G", "edge('bottom')", "Bottom", show=False, id="help.bottom")]

    def __init__(self, rows: list[tuple[str, str, str]], commands: list[str],
                 budget: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.rows = rows
        self.commands = commands
        self.budget = budget  # what the settings cost a day (engine/budget.py), first line bold

    def compose(self) -> ComposeResult:
        t = Text()
        t.append("flowstage keys\n\n", style="bold")
        t.append("Panes: 1 Runs → 2 Stages of the selected run → 3 Detail of the selected "
                 "stage. Enter opens, Esc goes back. Stacked (under 110 columns), the focused "
                 "pane grows; under 20 rows it is the only one shown. 4 Work: every open work "
                 "item of the org, flagged, over the three (Enter opens an item's run, Esc "
                 "comes back).\n", style="dim")
        if self.budget:
            t.append("\nAPI budget: ", style="bold")
            t.append(self.budget[0] + "\n")
            for line in self.budget[1:]:
                t.append(f"  {line}\n", style="dim")
        keys = Table(box=None, padding=(0, 1), expand=True, header_style="dim")
        keys.add_column("key", style="bold cyan", no_wrap=True)
        keys.add_column("does", ratio=1)  # wraps inside its own column
        keys.add_column(Text("[keymap] id"), style="dim", no_wrap=True)
        for key, desc, bid in self.rows:
            keys.add_row(key, desc, bid)
        end = Text("\nStatuses (narrow terminals show the glyph only)\n", style="bold")
        for i, status in enumerate(STATUS_ORDER):
            end.append("  " if i % 4 else "\n  " if i else "  ")
            end.append_text(status_text(status))
        end.append("\n\nCommand line (:)\n", style="bold")
        for c in self.commands:
            end.append(f"  {c}\n", style="not bold")
        end.append("\nEsc, q or ? closes this list; j/k, g/G and PgUp/PgDn move in it.\n",
                   style="dim")
        end.append("\nRemap any key in config.toml: [keymap] followed by  binding-id = \"keys\".\n",
                   style="dim")
        with VerticalScroll(id="help-body"):
            yield Static(Group(t, keys, end))

    def action_scroll(self, direction: str) -> None:
        self.query_one("#help-body", VerticalScroll).scroll_relative(
            y=1 if direction == "down" else -1, animate=False)

    def action_edge(self, edge: str) -> None:
        body = self.query_one("#help-body", VerticalScroll)
        (body.scroll_home if edge == "top" else body.scroll_end)(animate=False)

    async def action_dismiss(self, result: None = None) -> None:
        self.close(None)


class MessageScreen(Dialog[None]):
    """A dialog that says what is wrong and the exact command that fixes it."""

    BINDINGS = [Binding("escape,enter,q", "dismiss", "Close", id="dialog.close")]

    def __init__(self, title: str, body: Text) -> None:
        super().__init__()
        self.title_text = title
        self.body = body

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(Text(self.title_text, style="bold"), id="dialog-title")
            yield Static(self.body, id="dialog-body")
            yield Static(Text("Esc closes", style="dim"))

    async def action_dismiss(self, result: None = None) -> None:
        self.close(None)


class ChoiceScreen(Dialog[str | None]):
    """Pick one of a few options (export format, profile)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="choice.cancel"),
                Binding("j", "move('down')", "Down", show=False, id="choice.down"),
                Binding("k", "move('up')", "Up", show=False, id="choice.up")]

    def __init__(self, title: str, options: list[tuple[str, str | Text]]) -> None:
        super().__init__()
        self.title_text = title
        self.options = options

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(Text(self.title_text, style="bold"), id="dialog-title")
            yield OptionList(*[Option(label, id=key) for key, label in self.options],
                             id="choices")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.close(event.option.id)

    def action_move(self, direction: str) -> None:
        choices = self.query_one(OptionList)
        (choices.action_cursor_down if direction == "down" else choices.action_cursor_up)()

    def action_cancel(self) -> None:
        self.close(None)


def reauth_body(message: str, command: str | None) -> Text:
    """What the re-authentication dialog says: the org's message and the exact command that
    logs in again (with the no-browser form for SSH), or what to do without one."""
    body = Text()
    body.append(clean_text(message) + "\n\n")
    if command:
        body.append("Run this in another terminal, then press r here:\n\n")
        body.append(f"  {command}\n", style="bold")
        alias = command.split("--alias ")[-1].split()[0] if "--alias " in command else "ALIAS"
        body.append("\nOver SSH with no browser:\n\n", style="dim")
        body.append(f"  sf org login sfdx-url --sfdx-url-file FILE --alias {alias}\n",
                    style="bold")
    else:
        body.append("Press r to try again once that is done. A new value in an environment "
                    "variable needs a restart: flowstage reads them when it starts.",
                    style="dim")
    return body
