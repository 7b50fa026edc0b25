"""Modal screens: help, re-auth, export choice, profile picker."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option


class HelpScreen(ModalScreen[None]):
    """Every binding, as the app resolves it (including keymap remaps)."""

    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close", id="help.close")]

    def __init__(self, rows: list[tuple[str, str, str]], commands: list[str]) -> None:
        super().__init__()
        self.rows = rows
        self.commands = commands

    def compose(self) -> ComposeResult:
        t = Text()
        t.append("flowstage keys\n\n", style="bold")
        for keys, desc, bid in self.rows:
            t.append(f"  {keys:<18}", style="bold cyan")
            t.append(f"{desc}")
            t.append(f"   [{bid}]\n", style="dim")
        t.append("\nCommand line (:)\n", style="bold")
        for c in self.commands:
            t.append(f"  {c}\n")
        t.append("\nRemap any key in config.toml: [keymap] followed by  binding-id = \"keys\".\n",
                 style="dim")
        with VerticalScroll(id="help-body"):
            yield Static(t)

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(None)


class MessageScreen(ModalScreen[None]):
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
        self.dismiss(None)


class ChoiceScreen(ModalScreen[str | None]):
    """Pick one of a few options (export format, profile)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="choice.cancel")]

    def __init__(self, title: str, options: list[tuple[str, str]]) -> None:
        super().__init__()
        self.title_text = title
        self.options = options

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(Text(self.title_text, style="bold"), id="dialog-title")
            yield OptionList(*[Option(label, id=key) for key, label in self.options],
                             id="choices")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
