"""The writes' dialogs: confirm exactly what will be sent, then say per record what happened;
and, for what has no API, where in Salesforce to do it.

Everything shown from the org (labels, names, error messages) and the request lines is data:
built as Text, never parsed as markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Static

from .. import present as P
from .dialogs import Dialog


@dataclass(frozen=True)
class WritePlan:
    """What the confirm dialog shows and asks: built by the screen from the org's answers.

    `lines`: salesforce.writes.preview() of the requests, verbatim; `notes`: one line each
    about what is not sent or needs a permission; `typed`: what the user must type to send
    (the count for a bulk write, the run's name for a delete inside the resume window), with
    `typed_why` saying why."""

    title: str
    org_label: str
    org_color: str | None
    org_name: str
    lines: tuple[str, ...]
    count: int  # records written
    calls: int  # API calls they travel in
    notes: tuple[str, ...] = ()
    typed: str | None = None
    typed_why: str = ""
    names: tuple[str, ...] = ()  # a bulk write's records by name (one record: in the title)


NAMES_SHOWN = 8  # a bulk write lists this many names, then "… and N more"
HOLDERS_SHOWN = 4  # the assignee picker's "Now held by": this many holders, then "+N more"


def grouped_holders(lines: Sequence[Text], cap: int = HOLDERS_SHOWN) -> list[Text]:
    """Who holds the picked items, each holder once with how many it holds (`Tim O'Brien ⚠
    frozen (3)`), in the order first met; past `cap` holders, `+N more`."""
    first: dict[str, Text] = {}
    counts: dict[str, int] = {}
    for line in lines:
        first.setdefault(line.plain, line)
        counts[line.plain] = counts.get(line.plain, 0) + 1
    out = []
    for plain, line in list(first.items())[:cap]:
        shown = line.copy()
        if counts[plain] > 1:
            shown.append(f" ({counts[plain]})", style="dim")
        out.append(shown)
    if len(first) > cap:
        out.append(Text(f"+{len(first) - cap} more", style="dim"))
    return out


def org_badge(label: str, color: str | None) -> Text:
    """The org's label in its colour, as the header shows it."""
    out = Text()  # the style on the label only: the title appended after it stays plain
    out.append(f" {P.one_line(label)} ", style=f"bold reverse {color or 'cyan'}")
    return out


class ConfirmWriteScreen(Dialog[bool]):
    """Send these writes? "No" is the default: Enter on open and Esc both answer No. With
    `typed`, the user types it first (the count, or the run's name); until then Send is off."""

    BINDINGS = [Binding("escape", "no", "No", id="write.no"),
                Binding("left,right", "switch", "Switch", show=False, id="write.switch")]

    def __init__(self, plan: WritePlan) -> None:
        super().__init__()
        self.plan = plan

    def compose(self) -> ComposeResult:
        plan = self.plan
        with Vertical(id="dialog", classes="write-dialog"):
            title = org_badge(plan.org_label, plan.org_color)
            title.append(" ")
            title.append_text(P.literal(plan.title, "bold"))
            if plan.org_name:
                title.append_text(P.literal(f" · {P.one_line(plan.org_name)}", "dim"))
            yield Static(title, id="dialog-title")
            sent = Text()
            if plan.names:
                shown = plan.names[:NAMES_SHOWN]
                for i, name in enumerate(shown):
                    sent.append("\n" if i else "")
                    sent.append_text(P.literal(f"• {P.one_line(name)}"))
                if len(plan.names) > len(shown):
                    sent.append(f"\n… and {len(plan.names) - len(shown)} more", style="dim")
                sent.append("\n\n")
            sent.append("Will send exactly:", style="bold")
            for line in plan.lines:
                method, _, rest = P.one_line(line).partition(" ")
                if method in ("GET", "PATCH", "POST", "DELETE", "PUT"):
                    sent.append("\n" + method, style="bold")
                    sent.append(f" {rest}")
                else:  # how they travel
                    sent.append(f"\n{method} {rest}", style="dim")
            with VerticalScroll(id="write-requests"):
                yield Static(sent, id="write-preview")
            if plan.notes:
                notes = Text("\n").join(Text(f"! {P.one_line(n)}", style="yellow")
                                         for n in plan.notes)
                yield Static(notes, id="write-notes")
            if plan.typed is not None:
                yield Static(P.literal(plan.typed_why), id="write-typed-why")
                yield Input(placeholder=f"type {P.one_line(plan.typed)}", id="write-typed")
            with Horizontal(id="write-buttons"):
                yield Button("No", id="write-no", variant="primary")
                yield Button("Send", id="write-yes", variant="error",
                             disabled=plan.typed is not None)
            hint = (f"type {P.one_line(plan.typed)} then Enter to send · Esc: No"
                    if plan.typed is not None else
                    "Enter or Esc: No · Tab or → to Send, then Enter sends")
            yield Static(Text(hint, style="dim"), id="write-hint")

    def on_mount(self) -> None:
        first = "#write-typed" if self.plan.typed is not None else "#write-no"
        self.set_focus(self.query_one(first))

    @on(Input.Changed, "#write-typed")
    def _typed(self, event: Input.Changed) -> None:
        self.query_one("#write-yes", Button).disabled = not self._typed_ok()

    def _typed_ok(self) -> bool:
        if self.plan.typed is None:
            return True
        return self.query_one("#write-typed", Input).value.strip() == self.plan.typed

    @on(Input.Submitted, "#write-typed")
    def _typed_submitted(self, event: Input.Submitted) -> None:
        if not event.value.strip():
            self.close(False)  # Enter on an empty line: the default, No
        elif self._typed_ok():
            self.close(True)
        else:
            self.notify(f"That is not {P.one_line(self.plan.typed)}: nothing sent. Type it "
                        "exactly, or Esc.", severity="warning", timeout=4)

    @on(Button.Pressed, "#write-no")
    def _no(self) -> None:
        self.close(False)

    @on(Button.Pressed, "#write-yes")
    def _yes(self) -> None:
        if self._typed_ok():
            self.close(True)

    def action_no(self) -> None:
        self.close(False)

    def action_switch(self) -> None:
        focused = self.focused
        target = "#write-yes" if getattr(focused, "id", None) == "write-no" else "#write-no"
        button = self.query_one(target, Button)
        if not button.disabled:
            self.set_focus(button)


@dataclass(frozen=True)
class ResultLine:
    """One record's outcome, as the result dialog lists it."""

    label: str
    state: str  # "ok" | "failed" | "unknown"
    text: str  # what succeeded, the error code and message, or what a re-read found


RESULT_GLYPH = {"ok": ("✔", "green"), "failed": ("✖", "red"), "unknown": ("?", "yellow")}


def result_text(summary: str, lines: Sequence[ResultLine]) -> Text:
    out = Text()
    out.append(P.one_line(summary) + "\n\n", style="bold")
    for line in lines:
        glyph, colour = RESULT_GLYPH.get(line.state, ("?", "yellow"))
        out.append(f"{glyph} ", style=f"bold {colour}")
        out.append_text(P.literal(P.one_line(line.label), "bold"))
        out.append("  ")
        out.append_text(P.literal(P.one_line(line.text)))
        out.append("\n")
    return out


class WriteResultScreen(Dialog[None]):
    """What each record's write did: succeeded, failed (with Salesforce's error code and
    message) or outcome unknown (with what the re-read found)."""

    BINDINGS = [Binding("escape,enter,q", "dismiss", "Close", id="result.close"),
                Binding("j", "scroll('down')", "Down", show=False, id="result.down"),
                Binding("k", "scroll('up')", "Up", show=False, id="result.up")]

    def __init__(self, title: str, org_label: str, org_color: str | None, summary: str,
                 lines: Sequence[ResultLine]) -> None:
        super().__init__()
        self.title_text = title
        self.org_label = org_label
        self.org_color = org_color
        self.summary = summary
        self.lines = tuple(lines)

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="write-dialog"):
            title = org_badge(self.org_label, self.org_color)
            title.append(" ")
            title.append_text(P.literal(self.title_text, "bold"))
            yield Static(title, id="dialog-title")
            with VerticalScroll(id="write-requests"):
                yield Static(result_text(self.summary, self.lines), id="write-result")
            yield Static(Text("Esc or Enter closes", style="dim"))

    def action_scroll(self, direction: str) -> None:
        self.query_one("#write-requests", VerticalScroll).scroll_relative(
            y=1 if direction == "down" else -1, animate=False)

    async def action_dismiss(self, result: None = None) -> None:
        self.close(None)


class NoApiScreen(Dialog[None]):
    """An action Salesforce offers in its UI but not in a documented API: say so, where to
    do it, and the run's Lightning URL (`y` copies it)."""

    BINDINGS = [Binding("escape,enter,q", "dismiss", "Close", id="noapi.close"),
                Binding("y", "copy_url", "Copy URL", id="noapi.copy")]

    def __init__(self, title: str, body: Text, url: str) -> None:
        super().__init__()
        self.title_text = title
        self.body = body
        self.url = url

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(Text(self.title_text, style="bold"), id="dialog-title")
            body = self.body.copy()
            body.append("\n\nLightning URL:\n", style="bold")
            body.append(self.url, style="underline")
            yield Static(body, id="dialog-body")
            yield Static(Text("y copies the URL · Esc closes", style="dim"))

    def action_copy_url(self) -> None:
        self.app.copy_to_clipboard(self.url)
        self.notify(f"Copied the run's Lightning URL: {self.url}", timeout=4)

    async def action_dismiss(self, result: None = None) -> None:
        self.close(None)


NO_API = {
    "resume": ("resume", "Resume",
               "a Suspended run, or an Error run within 14 days of its failure once the "
               "called flow is fixed"),
    "suspend": ("suspend", "Suspend", "an InProgress run"),
    "retry": ("retry", "Resume",
              "an Error run within 14 days of its failure, after fixing the flow that "
              "failed (that resume is the retry)"),
}


def no_api_body(what: str, run_name: str, status: str) -> Text:
    """Why flowstage will not `what` (resume, suspend, retry) a run, and where to do it."""
    verb, menu, applies = NO_API[what]
    out = Text()
    out.append(f"Salesforce has no documented API to {verb} an orchestration run", style="bold")
    out.append(" (only the Status field is updatable, and only Canceled is known to work), "
               "so flowstage does not pretend to.\n\n")
    out.append("In Salesforce: ", style="bold")
    out.append(f"App Launcher → Orchestration Runs → the run's row menu → {menu} "
               f"({applies}).\n")
    out.append("To debug a failed run: Setup → Quick Find \"Orchestration Runs\" → the run → "
               "Debug (within 14 days; needs Manage Flow).\n\n")
    out.append("Run: ", style="dim")
    out.append_text(P.literal(f"{run_name} ({status})"))
    return out
