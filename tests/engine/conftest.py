"""Engine fixtures: a live demo org on a manual clock and an engine reading the same clock."""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest

from flowstage_tui.clock import utc_clock
from flowstage_tui.demo import demo_connection
from flowstage_tui.emulator.adapter import EmulatorAdapter
from flowstage_tui.emulator.clock import ManualClock
from flowstage_tui.emulator.org import DemoOrg
from flowstage_tui.engine.governor import BudgetGovernor
from flowstage_tui.engine.sync import SyncEngine
from flowstage_tui.salesforce.client import TimeoutSession
from flowstage_tui.salesforce.connect import Connection
from flowstage_tui.salesforce.queries import RunFilter

EngineFactory = Callable[..., SyncEngine]


def quiet_connection(org: DemoOrg, **kw: object) -> Connection:
    """A demo connection whose injected latency and retry back-off do not really sleep."""
    conn = demo_connection(org, **kw)  # type: ignore[arg-type]

    def session() -> TimeoutSession:
        s = TimeoutSession()
        s.mount("https://", EmulatorAdapter(org, sleep=lambda _s: None))
        return s

    conn.session_factory = session
    conn.sleep = lambda _s: None
    return conn


def make_engine(org: DemoOrg, clock: ManualClock, *, flt: RunFilter | None = None,
                api_cap: str | None = None, page_size: int = 200, seed: int = 0,
                governor: BudgetGovernor | None = None) -> SyncEngine:
    return SyncEngine(quiet_connection(org, api_cap=api_cap),
                      clock=utc_clock(clock), flt=flt,
                      page_size=page_size, rng=random.Random(seed), governor=governor)


@pytest.fixture
def live_org(clock: ManualClock) -> DemoOrg:
    return DemoOrg(seed=7, runs=300, clock=clock, pace=3.0)
