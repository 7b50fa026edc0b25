"""A monkey at the keyboard: thousands of seeded random keys and resizes against a demo org
whose network misbehaves, checking after each burst that the app is alive and its screen
holds together. Used by tests/ui/test_monkey.py and by `benchmarks/run.py --only monkey`.

Checks read the screen (the header's rows, the cursor row's text on screen), not the app's
internals, so they keep meaning the same thing when the UI is rearranged.
"""

from __future__ import annotations

import random
import string
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from textual.binding import Binding
from textual.widgets import DataTable

from flowstage_tui.emulator.clock import ManualClock, sf_to_ms
from flowstage_tui.emulator.org import DemoOrg
from flowstage_tui.ui.app import FlowstageApp
from flowstage_tui.ui.widgets import HeaderBar

from .conftest import make_app

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
    """Every key bound on the App, but the ones that quit."""
    keys: list[str] = []
    for b in app.BINDINGS:
        if isinstance(b, Binding) and b.action not in QUIT_ACTIONS:
            keys.extend(k.strip() for k in b.key.split(","))
    return keys


def screen_lines(app: FlowstageApp) -> list[str]:
    """The plain text of every row on the screen, as a terminal would show it."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


def check_screen(app: FlowstageApp) -> None:
    """The invariants every frame must hold, at any size, in any state."""
    assert app.is_running, "the app stopped"
    width, height = app.size
    main = app.screen_stack[0]
    header = main.query_one(HeaderBar)
    lines = str(header.render()).split("\n")
    assert header.region.height <= 2 and len(lines) <= max(1, header.region.height), \
        f"header takes {len(lines)} lines in {header.region.height} rows"
    shown = screen_lines(app)
    assert len(shown) == height and all(len(row) <= width for row in shown)
    if app.screen is not main:
        return
    for i, line in enumerate(lines):  # each header line on its own row: none wrapped
        row = shown[header.region.y + i]
        assert row.strip()[:8] == line.strip()[:8], f"header row {i} shows {row!r}, not {line!r}"
    table = app.focused
    if isinstance(table, DataTable) and table.row_count and table.region.height > 2:
        head = table.header_height if table.show_header else 0
        rows = table.scrollable_content_region.height - head
        if rows > 0:
            top = round(table.scroll_y)
            assert top <= table.cursor_row < top + rows, \
                f"cursor row {table.cursor_row} outside the rows shown ({top}..{top + rows - 1})"


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
            if roll < 0.01:
                size = (rng.randint(20, 200), rng.randint(8, 60))
                await pilot.resize_terminal(*size)
                report.resizes += 1
                report.sizes.add(size)
                await pilot.pause()
                check_screen(app)
                continue
            if roll < 0.02:
                clock.advance(rng.choice((5, 30, 300, 3600)))
                app.poll_now()
                report.polls += 1
            burst = [rng.choice(keys) if r < 0.6 else rng.choice(EXTRA_KEYS) if r < 0.8
                     else rng.choice(printable) for r in (rng.random() for _ in range(
                         rng.randint(1, 4)))]  # keys come in bursts over SSH too
            burst = spare_the_exit(app, burst)
            await pilot.press(*burst)
            report.keys += len(burst)
            if n % check_every == 0:
                await pilot.pause()
                check_screen(app)
                message = app.health.message
                if message.startswith("Unexpected error"):  # the engine caught a bug
                    report.exceptions.append(message)
        await app.workers.wait_for_complete()
        await pilot.pause()
        check_screen(app)
    report.seconds = time.perf_counter() - started
    return report


def fixed_clock() -> ManualClock:
    return ManualClock(sf_to_ms("2026-11-28T09:00:00Z") / 1000)
