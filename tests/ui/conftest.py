"""Pilot fixtures: the real app against an in-process demo org on a pinned clock."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual import events
from textual.app import App
from textual.keys import _character_to_key
from textual.widgets import Input

from flowstage_tui.cli.tui import build_app
from flowstage_tui.clock import utc_clock
from flowstage_tui.config.store import Profile
from flowstage_tui.demo import DEMO_PROFILE
from flowstage_tui.emulator.clock import ManualClock
from flowstage_tui.emulator.org import DemoOrg
from flowstage_tui.engine.sync import SyncEngine
from flowstage_tui.ui.app import FlowstageApp
from flowstage_tui.ui.config import AppConfig, Opener, OrgConfig
from flowstage_tui.ui.poller import all_answered
from flowstage_tui.ui.screens.triage import TriageScreen

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
        await all_answered(lambda: [s.poller for s in app.triage_screens()])
        await pilot.pause()


async def type_text(app: FlowstageApp, pilot: Any, text: str, timeout: float = 30.0) -> None:
    """`text` typed into the focused input as one terminal read delivers it (typed ahead over
    SSH, or pasted): every key queued at once, then wait until the input holds it. Use it for
    more than a few characters: Pilot.press waits twice for an idle CPU after every key (20 ms
    or more each), which a 300-character value pays 600 times. That keys typed ahead all land
    where they belong is test_app.py's test_keys_typed_ahead_of_the_screen_all_count."""
    import asyncio

    box = app.focused
    assert isinstance(box, Input), f"typing {text!r} into {box!r}, not an input"
    want = box.value[:box.cursor_position] + text + box.value[box.cursor_position:]
    driver = app._driver
    assert driver is not None
    for char in text:
        key = char if char.isalnum() else _character_to_key(char)
        event = events.Key(key, char)
        event.set_sender(app)
        driver.send_message(event)
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while box.value != want:
        assert loop.time() < end, f"typed {text!r}; the input holds {box.value!r}"
        await pilot.pause(0)


def tab(app: App[Any]) -> TriageScreen:
    """The org in front: its TriageScreen (under any dialog)."""
    assert isinstance(app, FlowstageApp)
    screen = app.triage
    assert screen is not None, "no org is open"
    return screen


def engine_of(where: App[Any] | TriageScreen) -> SyncEngine:
    """An org's engine (the front one's, given the App), to inspect or rig once its API
    thread is idle."""
    poller = (where if isinstance(where, TriageScreen) else tab(where)).poller
    assert poller is not None and poller.engine is not None, "no engine yet"
    return poller.engine


def make_tabs(tabs: list[tuple[DemoOrg, Profile]], clock: ManualClock, *,
              budget_keys: tuple[str | None, ...] | None = None,
              profiles: tuple[str, ...] = (), opener: Opener | None = None) -> FlowstageApp:
    """Several orgs at once, one tab each, the first in front."""
    aware = utc_clock(clock)
    keys = budget_keys or (None,) * len(tabs)
    orgs = tuple(OrgConfig(profile=profile, connection=quiet_connection(org), clock=aware,
                           rng_seed=0, details_delay=0, read_only=profile.read_only,
                           budget_key=key)
                 for (org, profile), key in zip(tabs, keys, strict=True))
    return FlowstageApp(AppConfig(orgs=orgs, clock=aware, profiles=profiles, opener=opener))
