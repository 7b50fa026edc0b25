"""The triage screen from the command line: build_app(), the one factory of the App (the CLI,
the tests, the screenshot script and the benchmarks all call it; Posting's make_posting), and
launch(), which turns a Context into its arguments.

The App never builds I/O (DESIGN.md rule 3): it is handed a ready connection, clock, cache
and a way to open another profile.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..clock import Clock
from ..config.columns import ColumnPrefs
from ..config.store import Config, Profile
from ..config.views import ViewBook
from ..engine.cache import CachedRuns
from ..salesforce.connect import Connection
from ..salesforce.queries import RunFilter
from ..salesforce.run_sort import DEFAULT_SORT, RunSort

if TYPE_CHECKING:
    from ..ui.app import FlowstageApp
    from ..ui.config import Opener, OrgConfig
    from .context import Context


def org_tab(*, connection: Connection | None, profile: Profile, clock: Clock,
            read_only: bool = True, run_filter: RunFilter | None = None,
            interval: float = 15.0, open_run: str | None = None,
            cached: CachedRuns | None = None, cache_path: Path | None = None,
            rng_seed: int | None = None, page_size: int = 200, details_delay: float = 0.3,
            budget_key: str | None = None, run_sort: RunSort = DEFAULT_SORT,
            run_columns: tuple[str, ...] | None = None) -> OrgConfig:
    """One org's tab: its profile, a ready connection and how to poll it."""
    from ..ui.config import OrgConfig

    background = profile.get("background_poll_interval")
    return OrgConfig(profile=profile, connection=connection, clock=clock, read_only=read_only,
                     run_filter=run_filter or RunFilter(), interval=interval,
                     background_interval=float(background) if background else None,
                     open_run=open_run, cached=cached or CachedRuns(), cache_path=cache_path,
                     rng_seed=rng_seed, page_size=page_size, details_delay=details_delay,
                     budget_key=budget_key, run_sort=run_sort, run_columns=run_columns)


def build_app(*, connection: Connection | None, profile: Profile, clock: Clock,
              read_only: bool = True, run_filter: RunFilter | None = None,
              interval: float = 15.0, open_run: str | None = None,
              keymap: Mapping[str, str] | None = None, theme: str | None = None,
              cached: CachedRuns | None = None, cache_path: Path | None = None,
              export_dir: Path | None = None, profiles: Config | None = None,
              connect: Callable[[Profile], Connection] | None = None,
              tab_for: Callable[[Profile, Connection], OrgConfig] | None = None,
              more: Sequence[OrgConfig] = (), pick_profile: bool = False,
              autostart: bool = True, rng_seed: int | None = None, page_size: int = 200,
              details_delay: float = 0.3, crash_log: Path | None = None,
              budget_key: str | None = None, run_sort: RunSort = DEFAULT_SORT,
              views: ViewBook | None = None, columns: ColumnPrefs | None = None,
              run_columns: tuple[str, ...] | None = None) -> FlowstageApp:
    """The App with `profile`'s org in front (None connection with `pick_profile`: the
    profile picker opens first) and the orgs in `more` in tabs beside it.

    `profiles` is the profile store the picker, `:profile NAME` and `:open NAME` choose from,
    each connected through `connect` and made a tab by `tab_for`. `cached`/`cache_path`: the
    profile's last-known runs and where to keep them; `export_dir`: where `e` writes.
    `rng_seed` fixes the back-off jitter and `details_delay=0` fetches a stage's details at
    once, so no timer decides what a test or a screenshot shows."""
    from ..ui.app import FlowstageApp
    from ..ui.config import AppConfig

    first = org_tab(connection=connection, profile=profile, clock=clock,
                    read_only=read_only, run_filter=run_filter, interval=interval,
                    open_run=open_run, cached=cached, cache_path=cache_path,
                    rng_seed=rng_seed, page_size=page_size, details_delay=details_delay,
                    budget_key=budget_key, run_sort=run_sort, run_columns=run_columns)
    opener: Opener | None = None
    if profiles is not None and profiles.profiles and connect is not None:
        store, open_profile = profiles, connect

        def make_tab(chosen: Profile, conn: Connection) -> OrgConfig:
            return org_tab(connection=conn, profile=chosen, clock=clock,
                           read_only=chosen.read_only, rng_seed=rng_seed,
                           interval=float(chosen.get("poll_interval", 15)),
                           page_size=page_size, details_delay=details_delay)

        def opener_(name: str) -> OrgConfig:
            chosen = store.profile(name)
            return (tab_for or make_tab)(chosen, open_profile(chosen))

        opener = opener_
    orgs = () if pick_profile else (first, *more)
    return FlowstageApp(AppConfig(
        orgs=orgs, clock=clock, keymap=dict(keymap or {}), theme=theme,
        export_dir=export_dir,
        profiles=tuple(profiles.profiles) if profiles is not None else (),
        opener=opener, autostart=autostart, crash_log=crash_log, views=views,
        columns=columns))


def app_for(ctx: Context, args: argparse.Namespace) -> FlowstageApp:
    """The App the command line opens: the context's profile, org and clock, the filter and
    options on the line, and (not on the demo org) each profile's cached runs."""
    from ..config import paths

    def cache_of(profile: Profile) -> tuple[CachedRuns, Path | None]:
        if ctx.demo_org is not None:
            return CachedRuns(), None
        from ..engine.cache import load_runs, target_of

        path = paths.state_dir() / "last-runs" / f"{profile.name}.json"
        return load_runs(path, target_of(profile.values)), path

    def tab_for(profile: Profile, connection: Connection) -> OrgConfig:
        cached, path = cache_of(profile)
        return org_tab(connection=connection, profile=profile, clock=ctx.clock,
                       read_only=profile.read_only, cached=cached, cache_path=path,
                       interval=float(profile.get("poll_interval", 15)),
                       budget_key=None if ctx.demo_org is not None else
                       _target(profile))

    flt = ctx.run_filter(args.status, args.orchestration, args.since, args.text, args.preset,
                         view=args.view)
    # both are at least 5 s: the CLI and the config check say so to the user
    interval = float(args.refresh or ctx.profile.get("poll_interval", 15))
    cached, cache_path = cache_of(ctx.profile)
    more = tuple(tab_for(p, ctx.connection_for(p)) for p in (
        ctx.config.profile(name) for name in getattr(args, "more_profiles", ())))
    return build_app(
        connection=None if ctx.pick_profile else ctx.connection(), profile=ctx.profile,
        clock=ctx.clock, read_only=ctx.read_only, run_filter=flt, interval=interval,
        open_run=args.run, keymap=ctx.config.keymap,
        theme=args.theme or ctx.profile.get("theme"), cached=cached, cache_path=cache_path,
        profiles=ctx.config, connect=ctx.connection_for, tab_for=tab_for, more=more,
        pick_profile=ctx.pick_profile, crash_log=paths.log_dir() / "flowstage.log",
        budget_key=None if ctx.demo_org is not None else _target(ctx.profile),
        run_sort=ctx.run_sort(args.view), views=ViewBook(ctx.config.views, ctx.config.path),
        columns=ColumnPrefs(paths.state_dir() / "columns"),
        run_columns=ctx.view(args.view).columns if args.view else None)


def _target(profile: Profile) -> str:
    from ..engine.cache import target_of

    return target_of(profile.values)


def launch(ctx: Context, args: argparse.Namespace) -> int:
    from ..config.secrets import ask_before_ui

    if ctx.demo_org is None and not ctx.pick_profile:
        ask_before_ui(ctx.profile)  # before the App owns the terminal
    for name in getattr(args, "more_profiles", ()):
        if ctx.config.profile(name).auth != "demo":
            ask_before_ui(ctx.config.profile(name))
    app = app_for(ctx, args)
    result = app.run()
    return app.return_code or int(result or 0)  # a crash is 1, never 0
