"""What the command line says when an org (or the demo org) refuses something. One-shot
commands (runs, show, snapshot) run once and stop: their messages must not talk about
polling, retrying or waiting, which only the TUI and `watch` do."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowstage_tui.cli.main import main
from flowstage_tui.emulator.org import DemoOrg
from flowstage_tui.emulator.server import DemoServer


def token_profile(tmp_path: Path, server: DemoServer, org: DemoOrg,
                  monkeypatch: pytest.MonkeyPatch) -> list[str]:
    with org.lock:
        token = org.new_session().token
    monkeypatch.setenv("T_TOK", token)
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[profiles.tok]\nauth = "access-token"\ninstance_url = "{server.origin}"\n'
                   'token_env = "T_TOK"\n')
    return ["--config", str(cfg), "-p", "tok"]


def test_runs_with_the_api_allowance_used_up_does_not_talk_about_polling(
        tmp_path: Path, server: DemoServer, org: DemoOrg, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Defect 8: `flowstage runs` said 'polling waits until it frees up' though it polls
    nothing; it says what happened and how Salesforce frees the allowance (rolling 24 h)."""
    opts = token_profile(tmp_path, server, org, monkeypatch)
    org.api_used = org.api_limit
    assert main(["runs", *opts]) == 1
    err = capsys.readouterr().err.strip()
    assert "REQUEST_LIMIT_EXCEEDED" in err and "24 hours" in err and "\n" not in err
    assert not any(word in err.lower() for word in ("poll", "retry", "will retry"))



@pytest.mark.parametrize(("argv", "needle"), [
    (["--latency", "700000"], "--latency: expected a whole number of milliseconds from 0 to "
     "600,000, got 700000"),
    (["--session-expiry-calls", "99999999999"], "--session-expiry-calls: expected a whole "
     "number from 0 to 1,000,000,000"),
])
def test_demo_serve_refuses_faults_beyond_the_demo_orgs_ranges(
        argv: list[str], needle: str, capsys: pytest.CaptureFixture[str]) -> None:
    """The demo org validates its faults now; the command line says so in its own terms."""
    assert main(["demo", "serve", "--runs", "5", *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert needle in err and "\n" not in err
