"""Shared fixtures: a demo org on a fixed clock, reached through each transport."""

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


def records(result: dict[str, Any]) -> list[dict[str, Any]]:
    return list(result["records"])
