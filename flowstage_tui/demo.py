"""The demo org wired into flowstage: its profile, its data (generated or replayed from a file),
its clock, and connections to it through the in-process transport (no sockets).

The only product module that imports emulator/ (the CLI's `demo serve` starts its HTTP server
itself); everything else receives a Connection and never knows the org is not real. The
emulator is imported inside functions: `import flowstage_tui.demo` costs nothing.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .clock import Clock, system_clock, utc_clock
from .config.store import Profile
from .errors import UsageError
from .salesforce.connect import Connection
from .salesforce.credentials import Credentials

if TYPE_CHECKING:
    from .emulator.clock import ManualClock
    from .emulator.org import DemoOrg
    from .salesforce.client import TimeoutSession

DEMO_PROFILE = Profile("demo", "demo", {"auth": "demo", "label": "DEMO", "color": "cyan",
                                        "read_only": True, "poll_interval": 5})
DEMO_CLOCK_ENV = "FLOWSTAGE_DEMO_CLOCK"
DEMO_ORIGIN = "https://demo.flowstage.invalid"  # never resolved: the adapter answers it
DEMO_YEARS = (2000, 2999)


# ------------------------------------------------------------------ the org's data and time

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


def pinned_clock(text: str, what: str) -> ManualClock:
    """The demo org's clock stopped at `text`: time moves only when someone 'sleeps'."""
    from .emulator.clock import ManualClock

    return ManualClock(demo_moment(text, what))


class LazyDemoOrg:
    """The demo org, generated on first use (on the poll worker, not before the first frame)."""

    def __init__(self, factory: Callable[[], DemoOrg]) -> None:
        self._factory = factory
        self._org: DemoOrg | None = None
        self._lock = threading.Lock()

    def get(self) -> DemoOrg:
        with self._lock:
            if self._org is None:
                self._org = self._factory()
            return self._org


def user_perms_option(text: str) -> frozenset[str]:
    """--user-perms: the demo user's permissions (emulator/permissions.py has the grammar);
    ValueError names what was wrong."""
    from .emulator.permissions import parse_user_perms

    return parse_user_perms(text)


def demo_org_for(args: Any) -> tuple[LazyDemoOrg, Clock, Callable[[float], None]]:
    """The demo org for --demo (--seed, --runs, --data, --no-feed-history, --user-perms), the
    clock the app reads and the sleep it waits with. FLOWSTAGE_DEMO_CLOCK=ISO pins the clock
    (screenshots, golden tests): time then moves only when a caller 'sleeps'."""
    pinned = os.environ.get(DEMO_CLOCK_ENV)
    data = None
    if getattr(args, "data", None):
        data = load_data_file(args.data)  # read now: a bad file is a usage error, exit 2
    seed, runs = getattr(args, "seed", 7), getattr(args, "runs", 300)
    tracking = not getattr(args, "no_feed_history", False)
    perms = getattr(args, "user_perms", None)
    manual = pinned_clock(pinned, DEMO_CLOCK_ENV) if pinned else None

    def make() -> DemoOrg:
        from .emulator.org import DemoOrg

        org: DemoOrg = build_from_data(lambda: DemoOrg(seed=seed, runs=runs, clock=manual,
                                                       data=data, feed_history=tracking,
                                                       user_perms=perms),
                                       getattr(args, "data", None))
        return org

    if manual is not None:
        return LazyDemoOrg(make), utc_clock(manual), manual.advance
    return LazyDemoOrg(make), system_clock, time.sleep


def build_demo_org(args: Any, clock: ManualClock | None = None) -> DemoOrg:
    """The demo org `demo serve` and `demo dump` describe with their options: data, API
    versions and allowance, live simulation, and (serve) the fault knobs."""
    from .emulator.org import DemoOrg

    data = load_data_file(args.data) if args.data is not None else None
    org: DemoOrg = build_from_data(lambda: DemoOrg(
        seed=args.seed, runs=args.runs, data=data, clock=clock,
        frozen=getattr(args, "frozen", False), feed_history=not args.no_feed_history,
        max_version=args.max_api_version, api_limit=getattr(args, "api_limit", 100_000),
        token=getattr(args, "token", None), pace=getattr(args, "pace", 3.0),
        clock_skew=getattr(args, "clock_skew", 0.0),
        user_perms=getattr(args, "user_perms", None)), args.data)
    if hasattr(args, "latency"):
        try:
            org.faults.update(latency_ms=args.latency, jitter_ms=args.jitter,
                              error_rate=args.error_rate,
                              session_expiry_calls=args.session_expiry_calls,
                              session_expiry_seconds=args.session_expiry_seconds,
                              drop_rate=args.drop_rate, timeout_rate=args.timeout_rate,
                              malformed_rate=args.malformed_rate,
                              subrequest_error_rate=args.subrequest_error_rate,
                              commit_lag_seconds=args.commit_lag,
                              query_batch_size=args.query_batch_size)
        except ValueError as exc:  # beyond the demo org's ranges: name the option, not the key
            import re

            raise UsageError(re.sub(r"\b([a-z]+(?:_[a-z]+)*?)(?:_ms)?: ", lambda m: "--" + m[1]
                                    .replace("_", "-") + ": ", str(exc))) from None
    return org


# ------------------------------------------------------------------ connections

def session_token(org: DemoOrg) -> str:
    """A fresh access token of the org's admin, as a login would hand out."""
    with org.lock:  # the org is shared by the API thread and the live simulation
        return org.new_session().token


def demo_connection(org: DemoOrg | LazyDemoOrg, *, api_cap: str | None = None,
                    cache_dir: Path | None = None) -> Connection:
    """A connection to an in-process demo org: a Session with the emulator's transport adapter
    mounted for https://. A LazyDemoOrg is generated when the connection first opens."""

    def real() -> DemoOrg:
        return org.get() if isinstance(org, LazyDemoOrg) else org

    def login() -> Credentials:
        return Credentials(session_token(real()), DEMO_ORIGIN)

    def session() -> TimeoutSession:
        from .emulator.adapter import EmulatorAdapter
        from .salesforce.client import TimeoutSession

        s = TimeoutSession()
        s.mount("https://", EmulatorAdapter(real(), origin=DEMO_ORIGIN))
        return s

    return Connection(login=login, session_factory=session,
                      api_cap=api_cap, cache_dir=cache_dir, label="demo")
