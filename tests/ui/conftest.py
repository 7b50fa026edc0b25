"""Pilot fixtures: the real app against an in-process demo org on a pinned clock."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from flowstage_tui.cli.tui import build_app
from flowstage_tui.clock import utc_clock
from flowstage_tui.config.store import Profile
from flowstage_tui.demo import DEMO_PROFILE
from flowstage_tui.emulator.clock import ManualClock
from flowstage_tui.emulator.org import DemoOrg
from flowstage_tui.ui.app import FlowstageApp

from ..engine.conftest import quiet_connection

AppFactory = Callable[..., FlowstageApp]


@pytest.fixture(autouse=True)
def _no_animations(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "none")


def make_app(org: DemoOrg, clock: ManualClock, *, api_cap: str | None = None,
             profile: Profile = DEMO_PROFILE, export_dir: Path | None = None,
             **kw: Any) -> FlowstageApp:
    return build_app(connection=quiet_connection(org, api_cap=api_cap), profile=profile,
                     clock=utc_clock(clock), export_dir=export_dir, rng_seed=0,
                     details_delay=0, **kw)


async def settle(app: FlowstageApp, pilot: Any) -> None:
    """Let workers finish and the screen catch up (no sleeping on wall-clock luck)."""
    for _ in range(3):
        await app.workers.wait_for_complete()
        await pilot.pause()
