"""Turning command-line options into a profile, a connection and a run filter.

Shared by every command and by build_app(); nothing here talks to the network.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from .config import paths
from .config.store import STATUSES as STATUSES  # re-exported: the TUI completes them
from .config.store import Config, Profile, age_minutes, load, status_names
from .errors import UsageError

DEMO_PROFILE = Profile("demo", "demo", {"auth": "demo", "label": "DEMO", "color": "cyan",
                                        "read_only": True, "poll_interval": 5})
DEMO_CLOCK_ENV = "FLOWSTAGE_DEMO_CLOCK"


def parse_since(text: str, now: datetime) -> datetime:
    """`24h` → the moment 24 hours before now. Every bad age is a UsageError (the TUI's `:runs
    since=` shows it as a notification; the command line exits 2), never an OverflowError."""
    try:
        return now - timedelta(minutes=age_minutes(text))
    except ValueError as exc:
        raise UsageError(f"--since: {exc}") from None


def parse_statuses(values: Sequence[str] | str | None) -> tuple[str, ...]:
    """`Error,in progress` (or a list of such) → ("Error", "InProgress"); the same rule as a
    profile's `status`. A bad value is a UsageError naming --status."""
    try:
        return status_names(values)
    except ValueError as exc:
        raise UsageError(f"--status: {exc}") from None


@dataclass
class Context:
    config: Config
    profile: Profile
    demo_org: Any  # DemoOrg when running on the demo org
    clock: Callable[[], datetime]
    sleep: Callable[[float], None]
    read_only: bool
    pick_profile: bool = False  # several profiles, none chosen: ask in the TUI

    def connection(self) -> Any:
        from .salesforce.auth import build_connection

        return build_connection(self.profile, cache_dir=paths.cache_dir() / "orgs",
                                demo_org=self.demo_org)

    def run_filter(self, statuses: Any = None, orchestration: str | None = None,
                   since: str | None = None, text: str | None = None) -> Any:
        from .salesforce.queries import RunFilter

        p = self.profile
        st = parse_statuses(statuses if statuses else p.get("status"))
        age = since if since is not None else p.get("since")  # "" is a mistake, not "unset"
        return RunFilter(statuses=st, orchestration=orchestration or p.get("orchestration"),
                         since=parse_since(age, self.clock()) if age is not None else None,
                         text=text)


def config_path(arg: Path | None) -> Path:
    return arg.expanduser() if arg else paths.config_file()


def load_data_file(path: Path) -> dict[str, Any]:
    """Records written by `flowstage demo dump` or `flowstage snapshot`."""
    import json

    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}; pass a file written by "
                         "`flowstage demo dump`") from exc
    except UnicodeDecodeError:
        raise UsageError(f"{path} is not UTF-8 text; pass a file written by `flowstage demo "
                         "dump`") from None
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise UsageError(f"{path} is not valid JSON (line {exc.lineno}, column {exc.colno}); "
                         "pass a file written by `flowstage demo dump`") from exc
    records = data.get("records", data) if isinstance(data, dict) else None
    if not isinstance(records, dict) or not all(
            isinstance(rows, list) and all(isinstance(r, dict) and isinstance(r.get("Id"), str)
                                           for r in rows) for rows in records.values()):
        raise UsageError(f"{path} does not hold demo-org records (object name: rows with an "
                         "Id); pass a file written by `flowstage demo dump`")
    checked: dict[str, Any] = data
    return checked


def build_from_data(build: Callable[[], Any], path: Path | None) -> Any:
    """Run the demo org's constructor on a data file's records; what it cannot load is the
    file's fault (a usage error naming it), not a traceback."""
    try:
        return build()
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        if path is None:
            raise
        raise UsageError(f"{path} cannot be loaded as the demo org ({exc}); pass a file "
                         "written by `flowstage demo dump` or `flowstage snapshot`") from exc


DEMO_YEARS = (2000, 2999)


def demo_moment(text: str, what: str) -> float:
    """A moment for the demo org's clock (`demo dump --at`, FLOWSTAGE_DEMO_CLOCK), in POSIX
    seconds. Its 30 days of history must fit the calendar, hence the years."""
    from .emulator.clock import sf_to_ms

    try:
        seconds = sf_to_ms(text) / 1000
    except (ValueError, OverflowError):
        raise UsageError(f"{what}: {text!r} is not an ISO-8601 date-time; write e.g. "
                         "2026-11-28T09:00:00Z") from None
    year = datetime.fromtimestamp(seconds, UTC).year
    if not DEMO_YEARS[0] <= year <= DEMO_YEARS[1]:
        raise UsageError(f"{what}: {text!r} is outside the years {DEMO_YEARS[0]} to "
                         f"{DEMO_YEARS[1]} the demo org's data can live in")
    return seconds


class LazyDemoOrg:
    """The demo org, generated on first use (on the poll worker, not before the first frame)."""

    def __init__(self, factory: Callable[[], Any]) -> None:
        self._factory = factory
        self._org: Any = None
        self._lock = threading.Lock()

    def get(self) -> Any:
        with self._lock:
            if self._org is None:
                self._org = self._factory()
            return self._org


def demo_org_for(args: Any) -> tuple[LazyDemoOrg, Callable[[], datetime],
                                     Callable[[float], None]]:
    """The demo org for --demo. FLOWSTAGE_DEMO_CLOCK=ISO pins its clock (screenshots, golden
    tests): time then moves only when a caller 'sleeps'."""
    import time

    from .emulator.clock import ManualClock

    pinned = os.environ.get(DEMO_CLOCK_ENV)
    data = None
    if getattr(args, "data", None):
        data = load_data_file(args.data)  # read now: a bad file is a usage error, exit 2
    seed, runs = getattr(args, "seed", 7), getattr(args, "runs", 300)
    tracking = not getattr(args, "no_feed_history", False)
    manual = None
    if pinned:
        manual = ManualClock(demo_moment(pinned, DEMO_CLOCK_ENV))

    def make() -> Any:
        from .emulator.org import DemoOrg

        return build_from_data(lambda: DemoOrg(seed=seed, runs=runs, clock=manual, data=data,
                                               feed_history=tracking),
                               getattr(args, "data", None))

    if manual is not None:
        return (LazyDemoOrg(make), lambda: datetime.fromtimestamp(manual(), UTC),
                manual.advance)
    return LazyDemoOrg(make), lambda: datetime.now(UTC), time.sleep


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
        org, clock, sleep = demo_org_for(args)
        profile = DEMO_PROFILE
        read_only = _read_only(args, profile)
        return Context(config, profile, org, clock, sleep, read_only)
    pick = (interactive and name is None and config.default_profile is None
            and len(config.profiles) > 1)
    profile = next(iter(config.profiles.values())) if pick else config.profile(name)
    if profile.auth == "demo":
        org, demo_clock, sleep_fn = demo_org_for(args)
        return Context(config, profile, org, demo_clock, sleep_fn, _read_only(args, profile))
    return Context(config, profile, None, lambda: datetime.now(UTC), time.sleep,
                   _read_only(args, profile), pick_profile=pick)


def _read_only(args: Any, profile: Profile) -> bool:
    if getattr(args, "write", False):
        return False
    if getattr(args, "read_only", False):
        return True
    return profile.read_only
