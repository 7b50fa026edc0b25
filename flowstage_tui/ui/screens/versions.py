"""The version drift of one org (`:versions`): a row per older version still holding
unfinished runs (most drifting orchestration first), then a row per orchestration whose runs
are all on its active version. For the highlighted row: the counts, the oldest run's age, and
its runs' current stages not seen on the active version (no object lists a version's stages, so
nothing is called "removed"). Enter lists that version's runs in the Runs pane; Esc closes.

The report is read on the org's API thread (poller.ReadVersions, one API call); until it comes
the view says it is reading. Org text is shown as text, never markup.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from ...errors import FlowstageError
from ...salesforce.versions import (
    NOT_SEEN,
    OPEN_STATUSES,
    OlderVersion,
    OrchestrationDrift,
    VersionReport,
)
from ..present import clean_text, short_span
from .dialogs import Dialog

TITLE_CELLS = 24  # so that every column fits 80 columns; the detail line names it in full


@dataclass(frozen=True)
class Row:
    drift: OrchestrationDrift
    older: OlderVersion | None  # None: an orchestration without drift


def _version(number: int | None) -> str:
    return "?" if number is None else f"v{number}"


def rows_of(drifts: list[OrchestrationDrift]) -> list[Row]:
    return [Row(d, v) for d in drifts for v in (d.older or (None,))]


class VersionsScreen(Dialog[tuple[str, ...] | None]):
    """Closes with the chosen older version's run Ids (Enter), or None (Esc)."""

    BINDINGS = [Binding("escape,q", "close_view", "Close", id="versions.close")]
    DEFAULT_CSS = """
    VersionsScreen { align: center middle; }
    VersionsScreen > Vertical { width: 96%; height: 94%; border: round $accent;
        background: $surface; padding: 0 1; }
    VersionsScreen #versions-table { height: 1fr; }
    VersionsScreen #versions-detail { height: auto; max-height: 8; margin: 1 0 0 0; }
    """

    def __init__(self, title: str, orchestration: str | None = None) -> None:
        super().__init__()
        self.title_text = title
        self.orchestration = orchestration
        self.report: VersionReport | None = None
        self.rows: list[Row] = []
        self._early: VersionReport | FlowstageError | None = None  # came before the mount
        self._mounted = False

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = self.title_text
            yield Static("Reading the orchestrations' versions and the unfinished runs…",
                         id="versions-status")
            table: DataTable[str | Text] = DataTable(id="versions-table", cursor_type="row",
                                                     zebra_stripes=True)
            yield table
            yield Static("", id="versions-detail")

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns("ORCHESTRATION", "ACTIVE", "OLDER", "INPROG",
                                              "SUSP", "ERROR", "OLDEST")
        self._mounted = True
        if self._early is not None:
            self.show(self._early)

    def show(self, report: VersionReport | FlowstageError) -> None:
        """The drift (or why there is none) replaces the 'reading' line."""
        if not self._mounted:
            self._early = report
            return
        status = self.query_one("#versions-status", Static)
        if isinstance(report, FlowstageError):
            status.update(Text(f"Could not read the versions: {clean_text(str(report))}",
                               style="bold red"))
            return
        self.report = report
        drifts = list(report.orchestrations)
        if self.orchestration is not None:
            drifts = report.select(self.orchestration)
        self.rows = rows_of(drifts)
        table: DataTable[str | Text] = self.query_one(DataTable)
        table.clear()
        for n, row in enumerate(self.rows):
            d, v = row.drift, row.older
            title = Text(clean_text(d.title))
            title.truncate(TITLE_CELLS, overflow="ellipsis")
            cells: list[str | Text] = [title, _version(d.active_number)]
            if v is None:
                cells += ["—", "", "", "", ""]
            else:
                cells += [_version(v.number), *(str(v.counts.get(s, 0)) for s in OPEN_STATUSES),
                          short_span(v.oldest_age_seconds)]
            table.add_row(*cells, key=str(n))
        status.update(Text("\n".join([self._headline(drifts), *report.notes()])))
        if self.rows:
            table.move_cursor(row=0)
            self._detail(self.rows[0])
            table.focus()

    def _headline(self, drifts: list[OrchestrationDrift]) -> str:
        if not drifts:
            return (f"No orchestration of this org is named or labelled "
                    f"{clean_text(self.orchestration)!r}." if self.orchestration
                    else "No orchestrations.")
        drifting = [d for d in drifts if d.older]
        if not drifting and any(d.unplaced for d in drifts):
            return "Which version the runs are on cannot be told here · Esc: close"
        if not drifting:
            return "Every unfinished run is on its orchestration's active version · Esc: close"
        runs = sum(d.older_runs for d in drifting)
        return (f"{runs} unfinished run{'s' * (runs != 1)} on older versions of "
                f"{len(drifting)} orchestration{'s' * (len(drifting) != 1)} · Enter: a "
                "version's runs in the Runs pane · Esc: close")

    def _detail(self, row: Row) -> None:
        d, v = row.drift, row.older
        body = Text()
        body.append(f"{clean_text(d.title)} ({clean_text(d.orchestration)}) · active "
                    f"{_version(d.active_number)}", style="bold")
        if d.active_number is not None:
            body.append(f" · {d.active_runs} unfinished on it")
        if d.unplaced:
            body.append(f" · {d.unplaced} on an unknown or newer version")
        if v is not None:
            name = f" ({clean_text(v.name)})" if v.name else ""
            counts = ", ".join(f"{v.counts.get(s, 0)} {s}" for s in OPEN_STATUSES)
            body.append(f"\n{_version(v.number)}{name}: {v.total} run{'s' * (v.total != 1)} "
                        f"({counts}) · oldest started {v.oldest:%Y-%m-%d %H:%M} UTC, "
                        f"{short_span(v.oldest_age_seconds)} ago")
            unseen = ", ".join(clean_text(s) for s in v.unseen_stages) or "none"
            body.append(f"\nCurrent stages {NOT_SEEN}: {unseen}")
        self.query_one("#versions-detail", Static).update(body)

    def selected(self) -> Row | None:
        row = self.query_one(DataTable).cursor_row
        return self.rows[row] if 0 <= row < len(self.rows) else None

    @on(DataTable.RowHighlighted, "#versions-table")
    def _highlighted(self) -> None:
        row = self.selected()
        if row is not None:
            self._detail(row)

    @on(DataTable.RowSelected, "#versions-table")
    def _chosen(self) -> None:
        row = self.selected()
        if row is not None and row.older is not None:
            self.close(row.older.run_ids)

    def action_close_view(self) -> None:
        self.close(None)
