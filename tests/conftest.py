"""Shared fixtures: a demo org on a fixed clock, reached through each transport.

Keeping the suite fast (CI: `scripts/test`, two workers, `--dist worksteal`, under 10 minutes):
- A demo org costs ~30 ms to build (its runs' records are made when first read): build one
  per test (`org`, `live_org`) rather than share a mutable one.
- In the TUI's tests, wait with `settle()` (tests/ui/conftest.py), never with sleeps, and type
  more than a few characters with `type_text()`: `pilot.press` waits twice for an idle CPU
  after every key (40 ms or more a key).
- Inject time: `clock.advance()`, `quiet_connection()` (no retry or latency sleeps), and a
  recorded `time.sleep` where a command would wait for the real clock.
- Mark a test that takes more than ~10 s `slow`: slow tests start first, so that the short
  ones fill in around them and no worker ends the run alone on a long one.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from flowstage_tui.emulator.clock import ManualClock, sf_to_ms
from flowstage_tui.emulator.org import DemoOrg

FIXED_NOW = "2026-11-28T09:00:00Z"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(sf_to_ms(FIXED_NOW) / 1000)


@pytest.fixture
def org(clock: ManualClock) -> DemoOrg:
    return DemoOrg(seed=7, runs=300, clock=clock, frozen=True)


@pytest.fixture(params=[True, False], ids=["tracking-on", "no-tracking"])
def feed_history(request: pytest.FixtureRequest) -> bool:
    """Both kinds of org, for a test to build with `DemoOrg(feed_history=...)`: one that
    turned Feed/History tracking on for runs and stages (the demo org's default) and one
    without those objects, as most real orgs are."""
    return bool(request.param)


@pytest.fixture(autouse=True)
def _utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Screens and tables show local time: pin the zone so pictures and goldens match."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture(autouse=True)
def _isolated_dirs(tmp_path_factory: pytest.TempPathFactory,
                   monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Never read or write the developer's own config, cache or state."""
    home = tmp_path_factory.mktemp("home")
    for var in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME", "XDG_DATA_HOME"):
        monkeypatch.setenv(var, str(home / var.lower()))
    monkeypatch.setenv("FLOWSTAGE_CONFIG_DIR", str(home / "config"))
    yield


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked `slow` first (in their collected order), then the rest: on two workers a
    minute-long test that starts near the end keeps one worker busy while the other idles."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


def records(result: dict[str, Any]) -> list[dict[str, Any]]:
    return list(result["records"])
