"""Building and running the App from the command line's context (the one factory)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..config import paths
from ..config.store import Profile
from ..context import Context
from ..engine.cache import CachedRuns
from .app import FlowstageApp
from .config import AppConfig, OrgConfig


def org_config(ctx: Context, profile: Profile, connection: Any, ns: Any) -> OrgConfig:
    """One org's tab: the profile's own filter and interval, unless the command line said."""
    flt = ctx.run_filter(getattr(ns, "status", None), getattr(ns, "orchestration", None),
                         getattr(ns, "since", None), getattr(ns, "text", None))
    # both are at least 5 s: the CLI and the config check say so to the user
    interval = float(getattr(ns, "refresh", None) or profile.get("poll_interval", 15))
    background = profile.get("background_poll_interval")
    cache_path = None
    cached = CachedRuns()
    if ctx.demo_org is None:
        from ..engine.cache import load_runs, target_of

        cache_path = paths.state_dir() / "last-runs" / f"{profile.name}.json"
        cached = load_runs(cache_path, target_of(profile.values))
    read_only = ctx.read_only if profile is ctx.profile else profile.read_only
    return OrgConfig(profile=profile, connection=connection, clock=ctx.clock,
                     read_only=read_only, run_filter=flt, interval=interval,
                     background_interval=float(background) if background else None,
                     open_run=getattr(ns, "run", None), cached=cached,
                     cache_path=cache_path)


def build_app(ctx: Context, args: argparse.Namespace | None = None, *,
              autostart: bool = True, export_dir: Path | None = None) -> FlowstageApp:
    """The one place an App is assembled: the CLI, the tests and the screenshot script."""
    ns: Any = args or argparse.Namespace()

    def opener(name: str) -> OrgConfig:
        from ..salesforce.auth import build_connection

        profile = ctx.config.profile(name)
        return org_config(ctx, profile, build_connection(
            profile, cache_dir=paths.cache_dir() / "orgs", demo_org=ctx.demo_org),
            argparse.Namespace())

    orgs = () if ctx.pick_profile else (org_config(ctx, ctx.profile, ctx.connection(), ns),)
    return FlowstageApp(AppConfig(
        orgs=orgs, clock=ctx.clock, keymap=dict(ctx.config.keymap),
        theme=getattr(ns, "theme", None) or ctx.profile.get("theme"), export_dir=export_dir,
        profiles=tuple(ctx.config.profiles), opener=opener, autostart=autostart,
        crash_log=paths.log_dir() / "flowstage.log"))


def launch(ctx: Context, args: argparse.Namespace) -> int:
    from ..config.secrets import ask_before_ui

    if ctx.demo_org is None and not ctx.pick_profile:
        ask_before_ui(ctx.profile)  # before the App owns the terminal
    app = build_app(ctx, args)
    result = app.run()
    return app.return_code or int(result or 0)  # a crash is 1, never 0
