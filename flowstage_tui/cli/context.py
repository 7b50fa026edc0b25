"""Turning command-line options into a profile, a connection and a run filter.

Shared by every command and by the TUI's launch; nothing here talks to the network.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..clock import Clock, system_clock
from ..config import paths
from ..config.store import Config, Profile, load
from ..config.views import SavedView, view_named
from ..errors import UsageError
from ..salesforce.queries import FilterError, RunFilter
from ..salesforce.run_sort import DEFAULT_SORT, RunSort
from ..salesforce.work import DEFAULT_STALE_AFTER

if TYPE_CHECKING:
    from ..demo import LazyDemoOrg
    from ..salesforce.connect import Connection


def run_filter_of(statuses: Sequence[str] | str | None = None,
                  orchestration: str | None = None, since: str | None = None,
                  text: str | None = None, *, now: datetime, preset: str | None = None,
                  stale_after: timedelta = DEFAULT_STALE_AFTER) -> RunFilter:
    """RunFilter.parse in the command line's words: a bad value is a UsageError naming its
    option (`--since: ...`); the TUI's `:runs since=` says `since: ...` instead."""
    try:
        return RunFilter.parse(status=statuses, since=since, orchestration=orchestration,
                               text=text, now=now, preset=preset, stale_after=stale_after)
    except FilterError as exc:
        raise UsageError(f"--{exc}") from None


@dataclass
class Context:
    config: Config
    profile: Profile
    demo_org: LazyDemoOrg | None  # when running on the demo org
    clock: Clock
    sleep: Callable[[float], None]
    read_only: bool
    pick_profile: bool = False  # several profiles, none chosen: ask in the TUI
    other_demo_orgs: dict[Any, LazyDemoOrg] = field(default_factory=dict)  # by demo_seed

    def connection(self) -> Connection:
        return self.connection_for(self.profile)

    def connection_for(self, profile: Profile) -> Connection:
        """A demo profile connects to this context's demo org; any other logs in its way."""
        cache_dir = paths.cache_dir() / "orgs"
        if profile.auth == "demo" and self.demo_org is not None:
            from ..demo import demo_connection

            return demo_connection(self.demo_org_of(profile),
                                   api_cap=profile.get("api_version"), cache_dir=cache_dir)
        from ..salesforce.auth import build_connection

        return build_connection(profile, cache_dir=cache_dir)  # refuses a demo profile

    def demo_org_of(self, profile: Profile) -> LazyDemoOrg:
        """The context's demo org, or another one for a demo profile with its own demo_seed
        (two demo profiles, two orgs: the multi-org screen can be tried with no real org)."""
        assert self.demo_org is not None
        seed = profile.get("demo_seed")
        if profile is self.profile or seed is None or seed == self.profile.get("demo_seed"):
            return self.demo_org
        if seed not in self.other_demo_orgs:
            from ..demo import demo_org_for

            org, _clock, _sleep = demo_org_for(argparse.Namespace(seed=int(seed)))
            self.other_demo_orgs[seed] = org
        return self.other_demo_orgs[seed]

    def run_filter(self, statuses: Any = None, orchestration: str | None = None,
                   since: str | None = None, text: str | None = None,
                   preset: str | None = None, *, view: str | None = None) -> RunFilter:
        """The options' filter; where an option is not given, the saved `view`'s (--view),
        else the profile's `status`, `orchestration` and `since`; a preset counts with the
        profile's `stale_after`."""
        p = self.profile
        if view is not None:
            v = self.view(view)
            statuses = statuses or list(v.status) or None
            orchestration = orchestration or v.orch
            since = since if since is not None else v.since
            text = text or v.text
            preset = preset or v.preset
        age = since if since is not None else p.get("since")  # "" is a mistake, not "unset"
        return run_filter_of(statuses if statuses else p.get("status"),
                             orchestration or p.get("orchestration"), age, text,
                             now=self.clock(), preset=preset, stale_after=p.stale_after)

    def view(self, name: str) -> SavedView:
        """The saved view `name` (--view); exit 2 naming the views there are."""
        return view_named(self.config.views, name, self.config.path)

    def run_sort(self, view: str | None) -> RunSort:
        return DEFAULT_SORT if view is None else self.view(view).sort


def config_path(arg: Path | None) -> Path:
    return arg.expanduser() if arg else paths.config_file()


def resolve(args: Any, *, interactive: bool = False) -> Context:
    """The context for these options. `interactive`: several profiles and no default is not
    an error but a question — the triage screen opens on a profile picker."""
    name = getattr(args, "profile", None)
    if name is not None and not name.strip():
        raise UsageError("--profile: empty profile name; pass one from `flowstage profiles "
                         "list`, or --demo")
    config = load(config_path(getattr(args, "config", None)))
    import time

    if getattr(args, "demo", False):
        from ..demo import DEMO_PROFILE, demo_org_for

        org, clock, sleep = demo_org_for(args)
        demo = replace(DEMO_PROFILE, notify_default=config.notify)  # the file's `notify`
        return Context(config, demo, org, clock, sleep, _read_only(args, demo))
    pick = (interactive and name is None and config.default_profile is None
            and len(config.profiles) > 1)
    profile = next(iter(config.profiles.values())) if pick else config.profile(name)
    if profile.auth == "demo":
        from ..demo import demo_org_for

        seeded = argparse.Namespace(**{**vars(args), "seed": profile.get("demo_seed")}) \
            if profile.get("demo_seed") is not None else args
        org, demo_clock, sleep_fn = demo_org_for(seeded)
        return Context(config, profile, org, demo_clock, sleep_fn, _read_only(args, profile))
    return Context(config, profile, None, system_clock, time.sleep,
                   _read_only(args, profile), pick_profile=pick)


def _read_only(args: Any, profile: Profile) -> bool:
    if getattr(args, "write", False):
        return False
    if getattr(args, "read_only", False):
        return True
    return profile.read_only
