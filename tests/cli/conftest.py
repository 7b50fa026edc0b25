"""Command-line fixtures."""

from __future__ import annotations

import argparse
from typing import Any

import pytest

from flowstage_tui import cli


@pytest.fixture
def tui_calls(monkeypatch: pytest.MonkeyPatch) -> list[argparse.Namespace]:
    """Stands in for the triage screen: records what it would have been opened with."""
    calls: list[argparse.Namespace] = []

    def fake_run_tui(args: argparse.Namespace, *rest: Any) -> int:
        calls.append(args)
        return 0

    monkeypatch.setattr(cli, "run_tui", fake_run_tui)
    return calls
