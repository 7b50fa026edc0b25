"""Pilot fixtures: the real app against an in-process demo org on a pinned clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from flowstage_tui.config.store import Profile
from flowstage_tui.context import DEMO_PROFILE
from flowstage_tui.emulator.clock import ManualClock
from flowstage_tui.emulator.org import DemoOrg
from flowstage_tui.ui.app import AppConfig, FlowstageApp

from ..engine.conftest import quiet_connection

AppFactory = Callable[..., FlowstageApp]


@pytest.fixture(autouse=True)
def _no_animations(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "none")


def make_app(org: DemoOrg, clock: ManualClock, *, api_cap: str | None = None,
             profile: Profile = DEMO_PROFILE, export_dir: Path | None = None,
             **kw: Any) -> FlowstageApp:
    conn = quiet_connection(org, api_cap=api_cap)
    return FlowstageApp(AppConfig(connection=conn, profile=profile,
                                  clock=lambda: datetime.fromtimestamp(clock(), UTC),
                                  export_dir=export_dir, rng_seed=0, details_delay=0,
                                  **kw))


async def settle(app: FlowstageApp, pilot: Any) -> None:
    """Let workers finish and the screen catch up (no sleeping on wall-clock luck)."""
    for _ in range(3):
        await app.workers.wait_for_complete()
        await pilot.pause()
