"""The triage screen from the command line: build_app(), the one factory of the App (the CLI,
the tests, the screenshot script and the benchmarks all call it; Posting's make_posting), and
launch(), which turns a Context into its arguments.

The App never builds I/O (DESIGN.md rule 3): it is handed a ready connection, clock, cache
and a way to open another profile.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from ..clock import Clock
from ..config.store import Config, Profile
from ..engine.cache import CachedRuns
from ..salesforce.connect import Connection
from ..salesforce.queries import RunFilter

if TYPE_CHECKING:
    from ..ui.app import FlowstageApp
    from .context import Context


def build_app(*, connection: Connection | None, profile: Profile, clock: Clock,
              read_only: bool = True, run_filter: RunFilter | None = None,
              interval: float = 15.0, open_run: str | None = None,
              keymap: Mapping[str, str] | None = None, theme: str | None = None,
              cached: CachedRuns | None = None, cache_path: Path | None = None,
              export_dir: Path | None = None, profiles: Config | None = None,
              connect: Callable[[Profile], Connection] | None = None,
              pick_profile: bool = False, autostart: bool = True, rng_seed: int | None = None,
              page_size: int = 200, details_delay: float = 0.3,
              crash_log: Path | None = None) -> FlowstageApp:
    """The App on `connection` (None: the profile picker opens first, `pick_profile`).

    `profiles` is the profile store the picker and `:profile NAME` choose from, each opened
    through `connect`. `cached`/`cache_path`: the profile's last-known runs and where to keep
    them; `export_dir`: where `e` writes.
    `rng_seed` fixes the back-off jitter and `details_delay=0` fetches a stage's details at
    once, so no timer decides what a test or a screenshot shows."""
    from ..ui.app import AppConfig, FlowstageApp

    switcher: Callable[[str], tuple[Profile, Connection]] | None = None
    if profiles is not None and profiles.profiles and connect is not None:
        store, open_profile = profiles, connect

        def switch(name: str) -> tuple[Profile, Connection]:
            chosen = store.profile(name)
            return chosen, open_profile(chosen)

        switcher = switch
    return FlowstageApp(AppConfig(
        connection=connection, profile=profile, clock=clock,
        read_only=read_only, run_filter=run_filter or RunFilter(), interval=interval,
        open_run=open_run, keymap=dict(keymap or {}), theme=theme,
        cached=cached or CachedRuns(), cache_path=cache_path, export_dir=export_dir,
        profiles=tuple(profiles.profiles) if profiles is not None else (),
        switcher=switcher, pick_profile=pick_profile, autostart=autostart,
        rng_seed=rng_seed, page_size=page_size, details_delay=details_delay,
        crash_log=crash_log))


def app_for(ctx: Context, args: argparse.Namespace) -> FlowstageApp:
    """The App the command line opens: the context's profile, org and clock, the filter and
    options on the line, and (not on the demo org) the profile's cached runs."""
    from ..config import paths

    flt = ctx.run_filter(args.status, args.orchestration, args.since, args.text)
    # both are at least 5 s: the CLI and the config check say so to the user
    interval = float(args.refresh or ctx.profile.get("poll_interval", 15))
    cache_path = None
    cached = CachedRuns()
    if ctx.demo_org is None:
        from ..engine.cache import load_runs, target_of

        cache_path = paths.state_dir() / "last-runs" / f"{ctx.profile.name}.json"
        cached = load_runs(cache_path, target_of(ctx.profile.values))
    return build_app(
        connection=None if ctx.pick_profile else ctx.connection(), profile=ctx.profile,
        clock=ctx.clock, read_only=ctx.read_only, run_filter=flt, interval=interval,
        open_run=args.run, keymap=ctx.config.keymap,
        theme=args.theme or ctx.profile.get("theme"), cached=cached, cache_path=cache_path,
        profiles=ctx.config, connect=ctx.connection_for, pick_profile=ctx.pick_profile,
        crash_log=paths.log_dir() / "flowstage.log")


def launch(ctx: Context, args: argparse.Namespace) -> int:
    from ..config.secrets import ask_before_ui

    if ctx.demo_org is None and not ctx.pick_profile:
        ask_before_ui(ctx.profile)  # before the App owns the terminal
    app = app_for(ctx, args)
    result = app.run()
    return app.return_code or int(result or 0)  # a crash is 1, never 0
