"""Command-line fixtures."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from typing import Any

import pytest

import flowstage_tui.cli.main as cli
from flowstage_tui.emulator.org import DemoOrg
from flowstage_tui.emulator.server import DemoServer, make_server, serve_in_thread


@pytest.fixture
def tui_calls(monkeypatch: pytest.MonkeyPatch) -> list[argparse.Namespace]:
    """Stands in for the triage screen: records what it would have been opened with."""
    calls: list[argparse.Namespace] = []

    def fake_run_tui(args: argparse.Namespace, *rest: Any) -> int:
        calls.append(args)
        return 0

    monkeypatch.setattr(cli, "run_tui", fake_run_tui)
    return calls


@pytest.fixture
def server(org: DemoOrg) -> Iterator[DemoServer]:
    """The demo org on a loopback port, for the clients that go over a real socket."""
    srv = make_server(org, "127.0.0.1", 0)
    serve_in_thread(srv)
    yield srv
    srv.shutdown()
    srv.server_close()
