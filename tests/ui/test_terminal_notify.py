"""`w` (watch a run) raises the terminal's own notification: the profile's `notify` method,
its characters written through Textual's driver (as OSC 52 copy is), wrapped for tmux; the
bell through App.bell; nothing at all for `notify = "off"` (the toast stays)."""

from __future__ import annotations

from typing import Any

import pytest

from flowstage_tui.config.store import Profile
from flowstage_tui.demo import DEMO_PROFILE
from flowstage_tui.emulator.clock import ManualClock
from flowstage_tui.emulator.org import DemoOrg
from flowstage_tui.ui.app import FlowstageApp

from .conftest import make_app, settle, tab

TERMINAL_VARS = ("TERM_PROGRAM", "TMUX", "STY", "KITTY_WINDOW_ID", "WT_SESSION", "LC_TERMINAL")


def plain_terminal(monkeypatch: pytest.MonkeyPatch, **env: str) -> None:
    """An xterm nobody recognises (auto: OSC 9 and the bell), plus `env`."""
    for name in TERMINAL_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    for name, value in env.items():
        monkeypatch.setenv(name, value)


def profile(notify: str) -> Profile:
    return Profile("demo", "demo", {**DEMO_PROFILE.values, "notify": notify})


async def watch_a_failure(app: FlowstageApp, org: DemoOrg, clock: ManualClock,
                          pilot: Any) -> tuple[str, list[str], list[None]]:
    """Watch the first run, fail it, poll: (its name, what the driver got, bells)."""
    writes: list[str] = []
    bells: list[None] = []
    app.bell = lambda: bells.append(None)  # type: ignore[method-assign]
    await settle(app, pilot)
    driver = app._driver
    assert driver is not None
    real = driver.write

    def write(data: str) -> None:
        writes.append(data)
        real(data)

    driver.write = write  # type: ignore[method-assign]
    run = tab(app).snapshot.runs[0]
    assert str(run.status) == "InProgress"
    await pilot.press("w")
    with org.lock:
        record = org.store.get("FlowOrchestrationInstance", run.id)
        assert record is not None
        org.lifecycle.fail_run(record, org.now_ms(), "UNABLE_TO_LOCK_ROW: in a test")
    clock.advance(30)
    tab(app).poll_now()
    await settle(app, pilot)
    return run.name, [w for w in writes if "\x1b]" in w or "\x1bP" in w], bells


async def test_w_sends_the_profile_s_method_through_the_driver(
        org: DemoOrg, clock: ManualClock, monkeypatch: pytest.MonkeyPatch) -> None:
    plain_terminal(monkeypatch)
    app = make_app(org, clock, profile=profile("osc777"))
    async with app.run_test(size=(120, 36)) as pilot:
        name, sent, bells = await watch_a_failure(app, org, clock, pilot)
    assert sent == [f"\x1b]777;notify;flowstage: watched run;{name}: InProgress → Error"
                    "\x1b\\"]
    assert bells == []  # OSC 777 alone: no bell besides


async def test_auto_in_tmux_wraps_it_and_rings_the_bell(
        org: DemoOrg, clock: ManualClock, monkeypatch: pytest.MonkeyPatch) -> None:
    plain_terminal(monkeypatch, TMUX="/tmp/tmux-1000/default,1,0")
    app = make_app(org, clock, profile=profile("auto"))
    async with app.run_test(size=(120, 36)) as pilot:
        name, sent, bells = await watch_a_failure(app, org, clock, pilot)
    assert sent == [f"\x1bPtmux;\x1b\x1b]9;flowstage: watched run: {name}: InProgress → "
                    "Error\x1b\x1b\\\x1b\\"]
    assert bells == [None]  # the fallback: OSC 9 and the bell


async def test_notify_off_sends_nothing_but_the_toast_stays(
        org: DemoOrg, clock: ManualClock, monkeypatch: pytest.MonkeyPatch) -> None:
    plain_terminal(monkeypatch)
    app = make_app(org, clock, profile=profile("off"))
    said: list[str] = []
    real_notify = app.notify

    def notify(message: str, **kw: Any) -> None:
        said.append(message)
        real_notify(message, **kw)

    app.notify = notify  # type: ignore[method-assign]
    async with app.run_test(size=(120, 36)) as pilot:
        name, sent, bells = await watch_a_failure(app, org, clock, pilot)
    assert sent == [] and bells == []
    assert f"{name}: InProgress → Error" in said
