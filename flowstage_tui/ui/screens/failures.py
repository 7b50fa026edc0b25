"""The failure clusters of one org (`:failures`): one row per cluster, biggest first; for the
highlighted one, failures per hour over the last day (Textual's Sparkline), where and on which
versions, how many can still be resumed, and one message in full. Enter lists the cluster's
runs in the Runs pane; Esc closes.

The rows are read on the org's API thread (poller.ReadFailures); until they come the view
says it is reading. Org text is shown as text, never markup.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Sparkline, Static

from ...errors import FlowstageError
from ...salesforce.clusters import Cluster, FailureReport
from ..present import clean_text
from .dialogs import Dialog

SHORT_TIME = "%m-%d %H:%M"


def _where(c: Cluster) -> str:
    names = ", ".join(n + (" v" + ",".join(str(v) for v in vs) if vs else "")
                      for n, vs in c.orchestrations)
    return f"{names} · {c.stage or '?'} / {c.step or '?'}"


class FailuresScreen(Dialog[tuple[str, ...] | None]):
    """Closes with the chosen cluster's run Ids (Enter), or None (Esc)."""

    BINDINGS = [Binding("escape,q", "close_view", "Close", id="failures.close")]
    DEFAULT_CSS = """
    FailuresScreen { align: center middle; }
    FailuresScreen > Vertical { width: 96%; height: 94%; border: round $accent;
        background: $surface; padding: 0 1; }
    FailuresScreen #failures-table { height: 1fr; }
    FailuresScreen #failures-spark { height: 2; margin: 1 0 0 0; }
    FailuresScreen #failures-detail { height: auto; max-height: 10; }
    """

    def __init__(self, title: str) -> None:
        super().__init__()
        self.title_text = title
        self.report: FailureReport | None = None
        self._early: FailureReport | FlowstageError | None = None  # came before the mount
        self._mounted = False

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = self.title_text
            yield Static("Reading the Error runs and their run log…", id="failures-status")
            table: DataTable[str | Text] = DataTable(id="failures-table", cursor_type="row",
                                                     zebra_stripes=True)
            yield table
            yield Sparkline([], id="failures-spark")
            yield Static("", id="failures-detail")

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns("FINGERPRINT", "RUNS", "RESUMABLE", "LAST SEEN",
                                              "ERROR AND WHERE")
        self._mounted = True
        if self._early is not None:
            self.show(self._early)

    def show(self, report: FailureReport | FlowstageError) -> None:
        """The clusters (or why there are none) replace the 'reading' line."""
        if not self._mounted:
            self._early = report
            return
        status = self.query_one("#failures-status", Static)
        if isinstance(report, FlowstageError):
            status.update(Text(f"Could not read the failures: {clean_text(str(report))}",
                               style="bold red"))
            return
        kept = self.selected()  # a re-read keeps the cursor on its cluster
        self.report = report
        table: DataTable[str | Text] = self.query_one(DataTable)
        table.clear()
        for c in report.clusters:
            window = c.in_window(report.now)
            table.add_row(c.fingerprint, str(c.count), "?" if window is None else str(window),
                          c.last_seen.strftime(SHORT_TIME), Text(clean_text(c.title())),
                          key=c.fingerprint)
        lines = [*report.notes()]
        n = len(report.clusters)
        lines.insert(0, f"{n} cluster{'s' * (n != 1)} of {report.failures} Error runs, biggest "
                     "first · Enter: its runs in the Runs pane · Esc: close" if n else
                     "No Error runs: nothing has failed.")
        status.update(Text("\n".join(lines)))
        if n:
            row = next((i for i, c in enumerate(report.clusters)
                        if kept is not None and c.fingerprint == kept.fingerprint), 0)
            table.move_cursor(row=row)
            self._detail(report.clusters[row])
            table.focus()

    def _detail(self, c: Cluster) -> None:
        assert self.report is not None
        self.query_one(Sparkline).data = list(c.per_hour(self.report.now))
        window = c.in_window(self.report.now)
        body = Text()
        body.append(clean_text(_where(c)) + "\n", style="bold")
        body.append(f"{c.count} runs · first {c.first_seen:%Y-%m-%d %H:%M} · last "
                    f"{c.last_seen:%Y-%m-%d %H:%M} UTC · "
                    + ("resume window unknown" if window is None else f"{window} resumable")
                    + " · the bars: failures per hour, last 24h\n")
        body.append(clean_text(c.message) if c.message is not None else "(no error text)")
        self.query_one("#failures-detail", Static).update(body)

    def selected(self) -> Cluster | None:
        if self.report is None or not self.report.clusters:
            return None
        row = self.query_one(DataTable).cursor_row
        return self.report.clusters[row] if 0 <= row < len(self.report.clusters) else None

    @on(DataTable.RowHighlighted, "#failures-table")
    def _highlighted(self) -> None:
        c = self.selected()
        if c is not None:
            self._detail(c)

    @on(DataTable.RowSelected, "#failures-table")
    def _chosen(self) -> None:
        c = self.selected()
        if c is not None:
            self.close(c.run_ids)

    def action_close_view(self) -> None:
        self.close(None)
