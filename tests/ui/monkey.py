"""A monkey at the keyboard: thousands of seeded random keys and resizes against a demo org
whose network misbehaves, checking after each burst that the app is alive and its screen
holds together. Used by tests/ui/test_monkey.py and by `benchmarks/run.py --only monkey`.

Checks read the screen (tests/ui/invariants.py), not the app's internals, so they keep
meaning the same thing when the UI is rearranged.
"""

from __future__ import annotations

import random
import string
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from textual.binding import Binding

from flowstage_tui.emulator.clock import ManualClock, sf_to_ms
from flowstage_tui.emulator.org import DemoOrg
from flowstage_tui.ui.app import FlowstageApp
from flowstage_tui.ui.keys import triage_bindings

from .conftest import make_app, tab
from .invariants import check_screen

QUIT_ACTIONS = ("quit_app",)
EXTRA_KEYS = ("escape", "enter", "tab", "shift+tab", "up", "down", "pageup", "pagedown",
              "home", "end", "backspace", "space", "left", "right", "ctrl+c")
FAULTS: dict[str, Any] = {"latency_ms": 40, "jitter_ms": 30, "error_rate": 0.08,
                          "drop_rate": 0.04, "malformed_rate": 0.03, "timeout_rate": 0.02,
                          "session_expiry_calls": 40}


@dataclass
class Report:
    seed: int
    keys: int = 0
    resizes: int = 0
    polls: int = 0
    seconds: float = 0.0
    exceptions: list[str] = field(default_factory=list)
    sizes: set[tuple[int, int]] = field(default_factory=set)

    @property
    def keys_per_second(self) -> float:
        return self.keys / self.seconds if self.seconds else 0.0


def binding_keys(app: FlowstageApp) -> list[str]:
    """Every key bound on the App, the triage screen and its panes, but the ones that quit."""
    keys: list[str] = []
    for b in triage_bindings():
        if b.action not in QUIT_ACTIONS:
            keys.extend(k.strip() for k in b.key.split(","))
    return keys


def check(app: FlowstageApp) -> None:
    assert app.is_running, "the app stopped"
    check_screen(app)


def spare_the_exit(app: FlowstageApp, keys: list[str]) -> list[str]:
    """Keys that would end the run become others: q and ctrl+q are never pressed (so :q
    cannot be typed either), and Enter in the command palette (its list has Textual's Quit)
    becomes Esc."""
    from textual.command import CommandPalette

    quits = quit_keys(app)
    keys = ["j" if k in quits else k for k in keys]
    if isinstance(app.screen, CommandPalette):
        return ["escape" if k == "enter" else k for k in keys[:1]]
    return keys


def quit_keys(app: FlowstageApp) -> set[str]:
    return {k.strip() for b in app.BINDINGS if isinstance(b, Binding) and
            b.action in QUIT_ACTIONS for k in b.key.split(",")} | {"q"}


async def send(app: FlowstageApp, pilot: Any, keys: list[str]) -> None:
    """A burst of keys as one terminal read delivers them, then wait for the screen once.
    (Pilot.press waits for an idle CPU after every key: ten keys a second.)"""
    import unicodedata

    from textual.events import Key
    from textual.keys import _character_to_key, _get_unicode_name_from_key

    driver = app._driver
    assert driver is not None
    for key in keys:
        name = _character_to_key(key) if len(key) == 1 and not key.isalnum() else key
        try:
            char: str | None = unicodedata.lookup(_get_unicode_name_from_key(name))
        except KeyError:
            char = key if len(key) == 1 else None
        event = Key(name, char)
        event.set_sender(app)
        driver.send_message(event)
    await pilot._wait_for_screen()


async def run_monkey(org: DemoOrg, clock: ManualClock, *, seed: int, presses: int,
                     export_dir: Path, check_every: int = 25) -> Report:
    rng = random.Random(seed)
    report = Report(seed)
    org.faults.update(**FAULTS)
    app = make_app(org, clock, export_dir=export_dir)
    started = time.perf_counter()
    async with app.run_test(size=(100, 30)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        keys = binding_keys(app)
        printable = (string.ascii_letters + string.digits + string.punctuation).replace("q", "") \
            + "é€✓"
        n = 0
        while report.keys < presses:
            n += 1
            roll = rng.random()
            # a resize now and then by luck, and at least every 100th burst: how many a walk
            # gets must not hang on how the seed falls on the list of keys (it grows)
            if roll < 0.01 or n % 100 == 0:
                size = (rng.randint(20, 200), rng.randint(8, 60))
                await pilot.resize_terminal(*size)
                report.resizes += 1
                report.sizes.add(size)
                await pilot.pause()
                check(app)
                continue
            if roll < 0.02:
                clock.advance(rng.choice((5, 30, 300, 3600)))
                tab(app).poll_now()
                report.polls += 1
            burst = [rng.choice(keys) if r < 0.6 else rng.choice(EXTRA_KEYS) if r < 0.8
                     else rng.choice(printable) for r in (rng.random() for _ in range(
                         rng.randint(1, 4)))]  # keys come in bursts over SSH too
            burst = spare_the_exit(app, burst)
            await send(app, pilot, burst)
            report.keys += len(burst)
            if n % check_every == 0:
                await pilot.pause()
                check(app)
                message = tab(app).health.message
                if message.startswith("Unexpected error"):  # the engine caught a bug
                    report.exceptions.append(message)
        await app.workers.wait_for_complete()
        await pilot.pause()
        check(app)
    report.seconds = time.perf_counter() - started
    return report


def fixed_clock() -> ManualClock:
    return ManualClock(sf_to_ms("2026-11-28T09:00:00Z") / 1000)
