"""The TriageScreen's side of `:failures`: open the clusters view, ask the org's API thread for
the clusters, hand them to the view, and list a chosen cluster's runs in the Runs pane.

The Runs pane shows them through its own filter, `Id IN (…)`: a URL carries a few hundred Ids
at most (the REST URI limit), so a bigger cluster shows its newest MAX_IDS runs and says so;
`flowstage failures --cluster` lists all of them.
"""

from __future__ import annotations

from textual import on

from ...salesforce.queries import RunFilter
from ..messages import FailuresReady, FailuresRequested
from ..poller import ReadFailures
from .failures import FailuresScreen
from .sync_view import SyncView

MAX_IDS = 300  # quoted and URL-encoded, ~26 characters each: ~7,800 of the 16,384 a URI has


class TriageFailures(SyncView):
    @on(FailuresRequested)
    def _failures_requested(self, message: FailuresRequested) -> None:
        if self.poller is None:
            self.app.notify("This tab has no org to read failures from.", severity="warning")
            return
        since = "" if message.since is None else f" since {message.since:%Y-%m-%d %H:%M} UTC"
        self.app.push_screen(FailuresScreen(f"Failure clusters{since}"), self._cluster_chosen)
        self.poller.submit(ReadFailures(message.since))

    @on(FailuresReady)
    def _failures_ready(self, message: FailuresReady) -> None:
        view = next((s for s in reversed(self.app.screen_stack)
                     if isinstance(s, FailuresScreen)), None)
        if view is not None:
            view.show(message.report)

    def _cluster_chosen(self, run_ids: tuple[str, ...] | None) -> None:
        if not run_ids:
            return
        shown = run_ids[:MAX_IDS]  # newest first
        if len(shown) < len(run_ids):
            self.app.notify(f"The Runs pane shows the newest {len(shown)} of this cluster's "
                            f"{len(run_ids)} runs (`flowstage failures --cluster` lists all).",
                            severity="warning")
        self.set_server_filter(RunFilter(ids=shown))
