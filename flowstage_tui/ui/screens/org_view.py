"""OrgView: the state one org's tab keeps, and the requests it sends to the org's API thread.

TriageScreen is built in three layers: this one (state and requests), SyncView (poll results
and drawing) and TriageActions (what the keys do to the selected run), then the screen itself
(layout, panes and inputs).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Literal

from rich.text import Text
from textual.screen import Screen
from textual.widget import Widget

from ...config.columns import ColumnPrefs
from ...config.views import ViewBook
from ...engine.cache import target_of
from ...engine.governor import BudgetGovernor
from ...engine.state import ChangeSet, Health, HealthState, PollResult, Snapshot
from ...salesforce.models import Run, StageDetails
from ...salesforce.queries import RunFilter
from ...salesforce.run_sort import RunSort
from .. import present as P
from ..config import OrgConfig
from ..messages import (
    OrgBadge,
    OrgStatus,
)
from ..poller import Details, More, Pause, Poll, PollController, SetFilter
from ..widgets.header import HeaderBar
from ..widgets.runs import RunsTable
from .dialogs import MessageScreen, reauth_body


class OrgView(Screen[None]):
    def __init__(self, org: OrgConfig, *, export_dir: Path | None = None,
                 crash_log: Path | None = None, profiles: Callable[[], list[str]] = list,
                 autostart: bool = True, governor: BudgetGovernor | None = None,
                 mode: str = "", views: ViewBook | None = None,
                 columns: ColumnPrefs | None = None) -> None:
        super().__init__()
        self.views = views  # :view and :save (saved_views.py)
        self.column_prefs = columns  # :columns, remembered per profile (saved_views.py)
        self.org = org
        self.mode = mode or org.key  # the Textual mode (screen stack) this tab lives in
        self.export_dir = export_dir
        self.crash_log = crash_log
        self._profiles = profiles
        self._autostart = autostart
        self.run_filter = org.run_filter
        self.run_sort: RunSort = org.run_sort
        self.poller: PollController | None = None
        if org.connection is not None:
            self.poller = PollController(
                self, org.connection, clock=org.clock, flt=org.run_filter,
                interval=org.interval, background_interval=org.polls_in_background,
                page_size=org.page_size, rng_seed=org.rng_seed, cache_path=org.cache_path,
                cache_target=target_of(org.profile.values), governor=governor,
                stuck_after=org.profile.stuck_after, sort=org.run_sort)
        self.snapshot: Snapshot = Snapshot.empty(org.run_filter)
        self.health = Health(HealthState.CONNECTING, "Connecting…", interval=org.interval)
        self.relative = True
        self.polling = False
        self.loading_more = False
        self.stale_cache = bool(org.cached.runs)
        self.marks: dict[str, float] = {}  # run Id -> until when its change mark shows
        self.watched: set[str] = set()
        self.pending: PollResult | None = None  # held while the user types or a dialog is up
        self.details: StageDetails | None = None
        self.details_for: str | None = None
        self.local_filter = ""
        self.reauth_shown = False
        self.last_export: Path | None = None
        self._texts: dict[str, str] = {}  # what the History, Feed and Error tabs show
        self._details_timer: object = None
        self._follow: tuple[Literal["run", "stage"], str | None] | None = None
        self._stage_shown: str | None = None  # whose history, feed and error are drawn
        self._follow_on: object = None  # the screen the pending follow was handed to
        self._open_run = org.open_run  # --run: selected once the first runs are in
        self._seek: tuple[str, RunFilter] | None = None  # a :run the org was asked for
        # what the runs list shows
        self._drawn_filter: tuple[RunFilter, RunSort, str] | None = None
        self._badge: OrgBadge | None = None


    @property
    def is_active_tab(self) -> bool:
        return self.app.current_mode == self.mode

    # ------------------------------------------------------------ requests
    def poll_now(self, manual: bool = False, announce: bool | None = None) -> None:
        """Poll at once. `manual`: even when backing off; `announce`: say "Refreshed." (what
        r does; a filter change shows its answer instead)."""
        if self.poller is not None:
            self.poller.submit(Poll(manual, manual if announce is None else announce))

    def set_server_filter(self, flt: RunFilter) -> None:
        self.run_filter = flt
        if self.poller is not None:
            self.poller.submit(SetFilter(flt, self.run_sort))

    def set_run_sort(self, sort: RunSort) -> None:
        """Sort the runs on the server: the window reloads from its first page."""
        if self.poller is None:
            self.notify("This tab shows saved runs, with no org to sort them.",
                        severity="warning")
            return
        self.run_sort = sort
        self.set_server_filter(self.run_filter)
        self.notify(f"Sorting runs by {sort.describe()} (on the server).", timeout=3)

    def action_sort_next(self) -> None:
        """s: the next sort column: Name, Started, Modified, Orchestration."""
        self.set_run_sort(self.run_sort.cycled())

    def action_sort_reverse(self) -> None:
        """S: the same column, the other way."""
        self.set_run_sort(self.run_sort.reversed())

    def request_details(self, stage_id: str) -> None:
        if self.poller is not None:
            self.poller.submit(Details(stage_id))

    def load_more(self) -> None:
        if self.poller is None or not self.snapshot.more or self.loading_more:
            return
        self.loading_more = True
        self.poller.submit(More())

    def action_refresh(self) -> None:
        if self.poller is None:
            return
        if self.polling:
            self.notify("A poll is already running.", timeout=2)
            return
        self.poll_now(manual=True)

    def action_pause(self) -> None:
        if self.poller is None:
            return
        paused = not self.poller.paused
        self.poller.submit(Pause(paused))
        if paused:
            self.notify("Polling paused — press p to resume.", timeout=3)
        else:
            self.notify("Polling resumed.", timeout=2)
            self.poll_now()
        self.render_header()

    @property
    def paused(self) -> bool:
        return self.poller is not None and self.poller.paused


    def focus_now(self, widget: Widget) -> None:
        """Focus at once. Widget.focus() defers to the message queue, behind keys already
        read: in a burst (`:runs status=Error` typed fast or pasted, `3 ] ]` over SSH) the
        keys after `:` would reach the runs table as bindings instead of the command line."""
        self.set_focus(widget)


    def visible_runs(self) -> list[Run]:
        runs = list(self.snapshot.runs)
        needle = self.local_filter.lower()
        if needle:
            runs = [r for r in runs if needle in r.name.lower() or needle in r.title.lower()
                    or needle in str(r.status).lower() or needle in (r.current_stage or "")
                    .lower()]
        return runs


    def selected_run(self) -> Run | None:
        rid = self.query_one(RunsTable).selected_id
        return self.snapshot.run(rid) if rid else None


    def instance_url(self) -> str:
        org = self.snapshot.org
        return org.instance_url if org else "https://login.salesforce.com"

    def filter_text(self) -> str:
        """The server filter and, when one is applied, the `/` filter on the rows held."""
        shown = P.one_line(self.snapshot.filter.describe(local=True))  # typed: any bytes
        if not self.local_filter:
            return shown
        local = f"/{P.one_line(self.local_filter)}"
        return local if shown == "all runs" else f"{shown} {local}"

    def render_header(self) -> None:
        org = self.snapshot.org.name if self.snapshot.org else self.org.cached.org_name
        profile = self.org.profile
        self.query_one(HeaderBar).render_header(
            label=profile.label, color=profile.get("color"), read_only=self.org.read_only,
            org=org, health=self.health, counts=dict(self.snapshot.counts),
            now=self.org.clock(), paused=self.paused, stale_cache=self.stale_cache,
            filter_text=self.filter_text(), width=self.app.size.width,
            work_line=self.header_work_line())
        badge = OrgBadge(profile.label, profile.get("color"), self.org.read_only,
                         self.health.state, self.snapshot.counts.get("Error", 0))
        if badge != self._badge:
            self._badge = badge
            self.app.post_message(OrgStatus(self.org.key, badge))

    def header_work_line(self) -> Text | None:
        """What the header's second line says instead of the run counts (the Work view's
        flag counts), or None."""
        return None

    def action_reauth_help(self) -> None:
        if self.health.state != HealthState.REAUTH:
            self.notify("The session is fine; nothing to re-authenticate.", timeout=3)
            return
        self.reauth_shown = True
        self.app.push_screen(MessageScreen("Re-authentication needed", reauth_body(
            self.health.message, self.health.reauth_command)))

    def redraw(self, changes: ChangeSet) -> None:
        """Draw the panes for the snapshot (SyncView)."""
        raise NotImplementedError
