"""The TriageScreen's side of `:versions`: open the version-drift view, ask the org's API
thread for the report, hand it to the view, and list a chosen older version's runs in the
Runs pane (by `Id IN (…)`, as a failure cluster's; the same URI limit, the same cut)."""

from __future__ import annotations

from textual import on

from ...salesforce.queries import RunFilter
from ..messages import VersionsReady, VersionsRequested
from ..poller import ReadVersions
from .sync_view import SyncView
from .triage_failures import MAX_IDS
from .versions import VersionsScreen


class TriageVersions(SyncView):
    @on(VersionsRequested)
    def _versions_requested(self, message: VersionsRequested) -> None:
        if self.poller is None:
            self.app.notify("This tab has no org to read versions from.", severity="warning")
            return
        self.app.push_screen(VersionsScreen("Version drift", message.orchestration),
                             self._version_chosen)
        self.poller.submit(ReadVersions())

    @on(VersionsReady)
    def _versions_ready(self, message: VersionsReady) -> None:
        view = next((s for s in reversed(self.app.screen_stack)
                     if isinstance(s, VersionsScreen)), None)
        if view is not None:
            view.show(message.report)

    def _version_chosen(self, run_ids: tuple[str, ...] | None) -> None:
        if not run_ids:
            return
        shown = run_ids[-MAX_IDS:]  # oldest first: the newest MAX_IDS
        if len(shown) < len(run_ids):
            self.app.notify(f"The Runs pane shows the newest {len(shown)} of this version's "
                            f"{len(run_ids)} runs (`flowstage versions --format json` lists "
                            "all).", severity="warning")
        self.set_server_filter(RunFilter(ids=shown))
