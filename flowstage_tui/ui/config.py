"""What build_app() decides, frozen: the App and its screens only read it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from ..config.columns import ColumnPrefs
from ..config.store import Profile
from ..config.views import ViewBook
from ..engine.cache import CachedRuns
from ..salesforce.connect import Connection
from ..salesforce.queries import RunFilter
from ..salesforce.run_sort import DEFAULT_SORT, RunSort

BACKGROUND_FACTOR = 4  # a background tab polls this many times slower, unless configured


@dataclass(frozen=True)
class OrgConfig:
    """One org to open in a tab: its profile, a ready connection and how to poll it."""

    profile: Profile
    connection: Connection | None  # None: shown from its cache only (tests, screenshots)
    clock: Callable[[], datetime]
    read_only: bool = True
    run_filter: RunFilter = field(default_factory=RunFilter)
    run_sort: RunSort = DEFAULT_SORT  # the Runs pane's order (a saved view's)
    run_columns: tuple[str, ...] | None = None  # a saved view's columns (None: as last left)
    interval: float = 15.0
    background_interval: float | None = None  # None: BACKGROUND_FACTOR x interval
    open_run: str | None = None
    cached: CachedRuns = field(default_factory=CachedRuns)  # the profile's last-known runs
    cache_path: Path | None = None
    rng_seed: int | None = None  # fixes the back-off jitter (tests, screenshots)
    page_size: int = 200
    # seconds a stage stays selected before its history and feed are fetched (0: at once,
    # which tests and screenshots use so that no timer decides what they show)
    details_delay: float = 0.3
    # tabs with the same key reach the same org: they spend one daily API allowance, and one
    # budget governor counts their calls together (None: this tab's own)
    budget_key: str | None = None

    @property
    def key(self) -> str:
        """The org's tab (a Textual mode) is named after its profile."""
        return f"org:{self.profile.name}"

    @property
    def polls_in_background(self) -> float:
        return self.background_interval or BACKGROUND_FACTOR * self.interval


# a profile's name -> the org to open for it (raises FlowstageError when it cannot)
Opener = Callable[[str], OrgConfig]


@dataclass(frozen=True)
class AppConfig:
    orgs: tuple[OrgConfig, ...]  # the tabs open at start (none: pick one first)
    clock: Callable[[], datetime]
    keymap: dict[str, str] = field(default_factory=dict)
    theme: str | None = None
    export_dir: Path | None = None
    profiles: tuple[str, ...] = ()  # every profile's name, for :profile / :open
    opener: Opener | None = None
    autostart: bool = True
    crash_log: Path | None = None  # where a crash's traceback goes (never to the screen)
    views: ViewBook | None = None  # the saved views (:view, :save); None: no config file
    columns: ColumnPrefs | None = None  # where each profile's hidden Runs columns are kept
