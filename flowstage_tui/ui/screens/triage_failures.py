"""The TriageScreen's side of `:failures`: open the clusters view, ask the org's API thread for
the clusters, hand them to the view, and list a chosen cluster's runs in the Runs pane.

While the view is open the clusters are read again every FAILURES_EVERY (a few calls each:
engine/budget.py, shown on the `?` screen), and a cluster that gained runs since the last
read is said, on screen and as the terminal's notification (the profile's `notify`).

The Runs pane shows them through its own filter, `Id IN (…)`: a URL carries a few hundred Ids
at most (the REST URI limit), so a bigger cluster shows its newest MAX_IDS runs and says so;
`flowstage failures --cluster` lists all of them.
"""

from __future__ import annotations

from datetime import datetime

from textual import on
from textual.timer import Timer

from ...engine.budget import FAILURES_EVERY
from ...engine.cluster_growth import cluster_growth, growth_words
from ...salesforce.clusters import FailureReport
from ...salesforce.queries import RunFilter
from .. import present as P
from ..messages import FailuresReady, FailuresRequested
from ..poller import ReadFailures
from .failures import FailuresScreen
from .sync_view import SyncView

MAX_IDS = 300  # quoted and URL-encoded, ~26 characters each: ~7,800 of the 16,384 a URI has


class TriageFailures(SyncView):
    _failures_view: FailuresScreen | None = None
    _failures_since: datetime | None = None
    _failures_timer: Timer | None = None
    _failures_last: FailureReport | None = None  # the view's previous read: growth is since it

    @property
    def failures_open(self) -> bool:
        return self._failures_view is not None

    @on(FailuresRequested)
    def _failures_requested(self, message: FailuresRequested) -> None:
        if self.poller is None:
            self.app.notify("This tab has no org to read failures from.", severity="warning")
            return
        since = "" if message.since is None else f" since {message.since:%Y-%m-%d %H:%M} UTC"
        view = FailuresScreen(f"Failure clusters{since}")
        self._stop_rereading()
        self._failures_view, self._failures_since = view, message.since
        self.app.push_screen(view, self._cluster_chosen)
        self.poller.submit(ReadFailures(message.since))
        self._failures_timer = self.set_interval(FAILURES_EVERY.total_seconds(),
                                                 self.reread_failures)

    def reread_failures(self) -> None:
        """The open view's clusters, read again (its timer; tests call it)."""
        if self.poller is not None and self._failures_view is not None:
            self.poller.submit(ReadFailures(self._failures_since))

    @on(FailuresReady)
    def _failures_ready(self, message: FailuresReady) -> None:
        view = self._failures_view
        if view is None:
            return  # closed before the read came back
        report = message.report
        if isinstance(report, FailureReport):
            before, self._failures_last = self._failures_last, report
            if before is not None:
                self._say_growth(before, report)
        view.show(report)

    def _say_growth(self, before: FailureReport, after: FailureReport) -> None:
        grown = cluster_growth(before, after)
        if not grown:
            return
        words = [growth_words(g) for g in grown]
        more = f" (and {len(words) - 1} more)" if len(words) > 1 else ""
        self.notify(P.one_line(words[0]) + more, title="Failure cluster grew",
                    severity="error", timeout=10)
        self.terminal_notify("flowstage: failure cluster grew", words[0] + more)

    def _stop_rereading(self) -> None:
        if self._failures_timer is not None:
            self._failures_timer.stop()
        self._failures_timer = None
        self._failures_view = None
        self._failures_last = None

    def _cluster_chosen(self, run_ids: tuple[str, ...] | None) -> None:
        self._stop_rereading()
        if not run_ids:
            return
        shown = run_ids[:MAX_IDS]  # newest first
        if len(shown) < len(run_ids):
            self.app.notify(f"The Runs pane shows the newest {len(shown)} of this cluster's "
                            f"{len(run_ids)} runs (`flowstage failures --cluster` lists all).",
                            severity="warning")
        self.set_server_filter(RunFilter(ids=shown))
