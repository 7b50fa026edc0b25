"""The Detail pane: its tabs, and the text of the History, Feed and Error tabs."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual import on
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import TabPane

from ...engine.state import Snapshot
from ...salesforce.models import (
    Run,
    StageDetails,
)
from ...salesforce.resume_window import window_closes
from .. import present as P


class DetailScroll(VerticalScroll):
    """The History, Feed and Error text: j/k and g/G move in it as they do in the tables."""

    BINDINGS = [
        Binding("j", "scroll_down", "Down", show=False, id="down"),
        Binding("k", "scroll_up", "Up", show=False, id="up"),
        Binding("g", "scroll_home", "Top", show=False, id="top"),
        Binding("G", "scroll_end", "Bottom", show=False, id="bottom"),
        Binding("escape", "screen.focus_pane('stages')", "Back", id="back"),
    ]


class DetailPane(TabPane):
    """A detail tab. Focusing a widget inside a tab makes TabbedContent show that tab, by a
    message handled later; when keys came in a burst (`3 ] ]`), focus has moved on to another
    tab by then, and acting on the stale message would switch back. Drop it instead."""

    @on(TabPane.Focused)
    def _stale_focus(self, event: TabPane.Focused) -> None:
        focused = self.screen.focused
        if focused is None or self not in focused.ancestors:
            event.stop()



def history_text(details: StageDetails | None, run: Run | None, now: datetime,
                 relative: bool) -> Text:
    """Field history and run-log milestones on one timeline, oldest first."""
    if details is None:
        return Text("Select a stage to load its history.", style="dim")
    events: list[tuple[datetime, str, Text]] = []
    for h in details.history or ():
        if h.field == "created":
            body = Text("stage created")
        else:
            body = Text(f"{h.field}: ")
            body.append(P.clean_text(str(h.old_value)), style="dim")
            body.append(" → ")
            body.append(P.clean_text(str(h.new_value)), style="bold")
        if h.created_by:
            body.append(f"  by {P.clean_text(h.created_by)}", style="dim")
        events.append((h.created, "history", body))
    for e in details.log:
        body = Text(e.kind, style="red" if e.kind.startswith("Fail") else "")
        where = " / ".join(x for x in (e.step_name,) if x)
        if where:
            body.append(f"  {P.clean_text(where)}")
        if e.actor:
            body.append(f"  by {P.clean_text(e.actor)}", style="dim")
        if e.assignee:
            body.append(f"  → {P.clean_text(e.assignee)}", style="dim")
        events.append((e.timestamp, "run log", body))
    events.sort(key=lambda x: x[0])
    out = Text()
    if details.history is None and not events:  # not "nothing yet": nothing will come
        out.append("This org has no History object for orchestration stages (field tracking "
                   "is off), and no run-log milestones for this stage (the run log needs API "
                   "v60+ and Manage Flow or View All Data). The Steps & work items tab shows "
                   "what the stage holds.", style="italic yellow")
        return out
    if details.history is None:
        out.append("This org has no History object for orchestration stages (field tracking "
                   "is off); showing run-log milestones only.\n\n", style="italic yellow")
    for at, source, body in events:
        out.append(f"{P.when(at, now, relative):>11}  ", style="dim")
        # not magenta: the default dark ANSI theme (Monokai) draws it in Error's red
        out.append(f"{source:<8} ", style="cyan" if source == "history" else "blue")
        out.append_text(body)
        out.append("\n")
    if not events:
        out.append("Nothing recorded for this stage yet.", style="dim")
    return out


def feed_text(details: StageDetails | None, now: datetime, relative: bool) -> Text:
    if details is None:
        return Text("Select a stage to load its feed.", style="dim")
    if details.feed is None:
        # a span, not Text(style=): Textual reads a whole-Text colour as its own CSS yellow
        # (#ffff00), not the ANSI theme's, unlike the History tab's note beside it
        return Text().append("This org has no Feed object for orchestration runs or stages "
                             "(feed tracking is off): there are no posts to show.",
                             style="italic yellow")
    if not details.feed:
        return Text("No posts on this stage or its run.", style="dim")
    out = Text()
    for post in sorted(details.feed, key=lambda p: p.created):
        out.append(f"{P.when(post.created, now, relative)}  ", style="dim")
        out.append(P.clean_text(post.author or "someone"), style="bold")
        where = "on this stage" if post.parent_id == details.stage_id else "on the run"
        out.append(f"  {where} · {post.type}\n", style="dim")
        body = post.body or post.title or ("a tracked field changed (status)"
                                           if post.type == "TrackedChange" else "")
        if post.rich and body:
            body = P.html_to_text(body)
        for line in P.clean_text(body).splitlines() or [""]:
            out.append(f"  {line}\n")
        if post.link:
            out.append(f"  {P.clean_text(post.link)}\n", style="underline")
        for c in post.comments:
            text = P.html_to_text(c.body) if c.rich else c.body
            out.append("    ↳ ", style="dim")
            out.append(P.clean_text(c.author or "someone"), style="bold")
            out.append(f" ({P.when(c.created, now, relative)}): ", style="dim")
            out.append(P.clean_text(text))
            out.append("\n")
        out.append("\n")
    return out


def error_text(run: Run | None, snapshot: Snapshot, now: datetime,
               details: StageDetails | None = None) -> Text:
    """details: the selected stage's, when they are this run's: the run log they were read
    from says when the run failed, which the resume window counts from."""
    if run is None:
        return Text("Select a run.", style="dim")
    err = snapshot.errors.get(run.id)
    stages = snapshot.stages.get(run.id, ())
    failed_stage = next((s for s in stages if str(s.status) == "Error"), None)
    failed_step = None
    if failed_stage is not None:
        failed_step = next((st for st in snapshot.steps.get(failed_stage.id, ())
                            if str(st.status) == "Error"), None)
    if str(run.status) != "Error" and err is None:
        return Text(f"{run.name} has not failed ({run.status}).", style="dim")
    out = Text()
    out.append(f"{run.name} failed", style="bold red")
    if failed_stage is not None:
        out.append(" at stage ")
        out.append(P.clean_text(failed_stage.label), style="bold")
    if failed_step is not None:
        out.append(", step ")
        out.append(P.clean_text(failed_step.label), style="bold")
    out.append("\n\n")
    if err is not None and err.message:
        out.append(P.clean_text(err.message))
        out.append("\n")
        if err.element:
            out.append(f"\nElement: {P.clean_text(err.element)}\n", style="dim")
    else:
        out.append("Salesforce keeps the error text on the flow interview (FlowInterview.Error, "
                   "API v62+); this org or API version does not offer it. The error e-mail to "
                   "the admin has it.\n", style="italic")
    if str(run.status) != "Error":
        return out
    if details is None or details.run_id != run.id:
        out.append("\nResume window: counted from the failure in the run log (loading…)",
                   style="dim")
        return out
    closes = window_closes(details.failed_at)
    if closes is None:
        out.append("\nResume window: unknown — the run log holds no FailInstance row for this "
                   "run (it counts from the failure, not from the run's last change)",
                   style="yellow")
        return out
    left = (closes - now).total_seconds()
    at = P.local(closes).strftime("%Y-%m-%d %H:%M %Z")
    out.append(f"\nResume window: {P.short_span(left)} left of 14 days (closes {at})"
               if left > 0 else
               f"\nResume window: closed {at} — the run can no longer be resumed",
               style="bold red" if left < 2 * 86400 else "yellow")
    return out
