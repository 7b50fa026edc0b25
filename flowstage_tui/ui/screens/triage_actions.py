"""TriageActions: what the keys do to the selected run — next error, copy, URL, export, watch,
time mode, re-auth help. Read-only: nothing here writes to the org."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from rich.text import Text
from textual.binding import Binding

from ...engine.state import ChangeSet
from ...export import lightning_url, run_record, save_runs
from ...salesforce.capabilities import RUN, STAGE
from .. import present as P
from ..widgets.runs import RunsTable
from ..widgets.stages import StagesTable
from ..widgets.steps import StepsTable, context_url
from .dialogs import ChoiceScreen
from .org_view import OrgView


class TriageActions(OrgView):
    ACTION_BINDINGS = [
        Binding("n", "next_error", "Next error", id="error.next", tooltip="next errored run"),
        Binding("N", "next_error(-1)", "Prev error", show=False, id="error.prev",
                tooltip="previous errored run"),
        Binding("y", "copy('run')", "Copy", id="copy",
                tooltip="copy Id, Name, Lightning URL or the row as JSON (OSC 52, works over "
                "SSH); in Steps, the work item's context record first"),
        Binding("o", "open_url('run')", "URL", show=False, id="url",
                tooltip="copy the Lightning URL: the run's; in Stages the stage's; in Steps the "
                "context record's"),
        Binding("e", "export", "Export", show=False, id="export",
                tooltip="export the runs on screen to CSV or JSON (the path is shown)"),
        Binding("t", "toggle_time", "Times", show=False, id="times",
                tooltip="relative / absolute times (absolute in the local time zone)"),
        Binding("w", "watch_run", "Watch", show=False, id="watch",
                tooltip="watch the run: a notification (the terminal's own, or the bell; the "
                "profile's notify) when it changes stage or fails"),
        Binding("a", "reauth_help", "Re-auth", show=False, id="reauth",
                tooltip="how to log in again, when the org needs it"),
    ]

    def action_next_error(self, step: int = 1) -> None:
        runs = self.visible_runs()
        table = self.query_one(RunsTable)
        if not runs:
            return
        start = table.cursor_row
        for offset in range(1, len(runs) + 1):
            index = (start + step * offset) % len(runs)
            if str(runs[index].status) == "Error":
                table.move_cursor(row=index)
                self.focus_now(table)
                return
        self.notify("No errored runs on screen.", timeout=3)

    def copy_text(self, text: str, what: str, lead: str = "") -> None:
        self.app.copy_to_clipboard(text)
        shown = text if len(text) <= 120 else text[:117] + "…"
        said = f"{lead}; copied {what}" if lead else f"Copied {what}"
        self.notify(f"{said}: {P.one_line(shown)}", timeout=4)

    def action_copy(self, source: Literal["run", "context"] = "run") -> None:
        run = self.selected_run()
        if run is None:
            self.notify("Nothing selected to copy.", severity="warning")
            return
        # in the steps, the work item's context record comes first: what its assignee opens
        item = self.query_one(StepsTable).context_item() if source == "context" else None
        base = self.instance_url()
        choices: dict[str, tuple[str, str]] = {}  # key -> (text copied, what it is)
        options: list[tuple[str, str | Text]] = []
        if item is not None and item.context_id:
            what = P.one_line(f"{item.context_type or 'record'} {item.context_name or ''}")
            link = context_url(item, base)
            if link:
                choices["context-url"] = (link, "context record's Lightning URL")
                options.append(("context-url", P.literal(f"Context URL {what}")))
            choices["context-id"] = (item.context_id, "context record Id")
            choices["context-name"] = (item.context_name or item.context_id,
                                       "context record name")
            options += [("context-id", P.literal(f"Context Id  {item.context_id}")),
                        ("context-name", P.literal(f"Context     {what}"))]
        choices.update({
            "id": (run.id, "Id"), "name": (run.name, "Name"),
            "url": (self.url_for(RUN, run.id), "Lightning URL"),
            "json": (json.dumps(run_record(run, base), ensure_ascii=False), "row as JSON")})
        options += [("id", f"Id          {run.id}"), ("name", f"Name        {run.name}"),
                    ("url", "Lightning URL"), ("json", "Row as JSON")]

        def chosen(key: str | None) -> None:
            if key in choices:
                self.copy_text(*choices[key])

        self.app.push_screen(ChoiceScreen(f"Copy from {run.name}", options), chosen)

    def url_for(self, sobject: str, record_id: str) -> str:
        return lightning_url(self.instance_url(), sobject, record_id)

    def action_open_url(self, source: Literal["run", "stage", "context"] = "run") -> None:
        """Copy a Lightning URL to open in a browser, and say whose it is: over SSH the
        clipboard (OSC 52) is the only way out to one."""
        stage_id = self.query_one(StagesTable).selected_id
        item = self.query_one(StepsTable).context_item() if source == "context" else None
        link = context_url(item, self.instance_url()) if item is not None else None
        run = self.selected_run()
        if source == "stage" and stage_id:
            self.copy_text(self.url_for(STAGE, stage_id), "the stage's Lightning URL")
        elif link and item is not None:
            what = P.one_line(f"{item.context_type} {item.context_name or item.context_id}")
            self.copy_text(link, f"the context record's Lightning URL ({what})")
        elif run is None:
            self.notify("Nothing selected: no URL to copy.", severity="warning", timeout=3)
        else:
            self.copy_text(self.url_for(RUN, run.id),
                           f"the run's Lightning URL ({P.one_line(run.name)})",
                           lead="No context record here" if source == "context" else "")

    def action_export(self) -> None:
        def chosen(fmt: str | None) -> None:
            if fmt:
                path = self.export(fmt)
                self.notify(f"Exported {len(self.visible_runs())} runs to {path}", timeout=8)

        self.app.push_screen(ChoiceScreen("Export the runs on screen as", [
            ("csv", "CSV"), ("json", "JSON")]), chosen)

    def export(self, fmt: str) -> Path:
        from ...config.paths import state_dir

        self.last_export = save_runs(self.visible_runs(), self.instance_url(),
                                     self.export_dir or state_dir() / "exports", fmt,
                                     self.org.clock())
        return self.last_export

    def action_toggle_time(self) -> None:
        self.relative = not self.relative
        self.redraw(ChangeSet(full=True))
        zone = P.local(self.org.clock()).strftime("%Z")
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
            self.notify(f"Watching {P.one_line(run.name)}: you will be notified when it "
                        "changes stage or fails.", timeout=4)

