"""Soak: the app, headless, through hundreds of polls with faults injected keeps running and
its memory stops growing (resident size sampled late in the run)."""

from __future__ import annotations

import gc
import os
from typing import Any

import pytest

from flowstage_tui.emulator.clock import ManualClock
from flowstage_tui.emulator.org import DemoOrg
from flowstage_tui.engine.state import HealthState
from flowstage_tui.ui.app import FlowstageApp
from flowstage_tui.ui.poller import all_answered

from .conftest import make_app, settle, tab


def rss_bytes() -> int:
    gc.collect()
    with open(f"/proc/{os.getpid()}/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


async def answered(app: FlowstageApp, pilot: Any) -> None:
    """A poll's answers handled and drawn: all_answered returns once the screen has handled
    the API thread's answer to every request sent so far, including those that handling the
    poll's result sent (a stage's details); one pause draws them. settle() goes round twice
    more, for Textual workers (the soak starts none) and for requests that later UI messages
    make (the next poll's wait answers them), in idle waits and redraws that took half the
    soak's time."""
    await all_answered(lambda: [s.poller for s in app.triage_screens()])
    await pilot.pause()


@pytest.mark.slow
@pytest.mark.parametrize(("tracking", "polls"), [(True, 300), (False, 150)],
                         ids=["tracking-on", "no-tracking"])
async def test_soak_with_faults(clock: ManualClock, tracking: bool, polls: int) -> None:
    """The org without Feed/History objects soaks for half as many polls (the full 300 cost
    another minute), its memory sampled over its last 50 instead of 100."""
    org = DemoOrg(seed=11, runs=150, clock=clock, pace=30.0, feed_history=tracking)
    org.faults.update(error_rate=0.15, drop_rate=0.1, malformed_rate=0.05,
                      session_expiry_calls=25)
    app = make_app(org, clock)
    states: set[HealthState] = set()
    samples: dict[int, int] = {}
    window = polls // 3
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        for cycle in range(1, polls + 1):
            clock.advance(15)
            tab(app).poll_now()
            await answered(app, pilot)
            if cycle % 50 == 0:
                await pilot.press("j", "2", "1")
                await settle(app, pilot)
            states.add(tab(app).health.state)
            if cycle % window == 0:
                samples[cycle] = rss_bytes()
        assert app.is_running
    assert HealthState.LIVE in states and states & {HealthState.OFFLINE, HealthState.ORG_ERROR}
    late_growth = samples[polls] - samples[polls - window]
    assert late_growth < 8_000_000 * window / 100, \
        f"still growing: {late_growth / 1e6:.1f} MB in {window} polls " \
        f"(samples {[round(v / 1e6) for v in samples.values()]} MB)"
