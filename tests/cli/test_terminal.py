"""The TUI as a process on a real terminal: prompts before the screen, hang-ups, exit codes."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from flowstage_tui.emulator.org import DemoOrg
from flowstage_tui.emulator.server import DemoServer

from .terminal import Terminal, child_env, flowstage_argv

pytestmark = pytest.mark.slow


def write_config(body: str) -> Path:
    import os

    directory = Path(os.environ["FLOWSTAGE_CONFIG_DIR"])
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "config.toml"
    path.write_text(body, encoding="utf-8")
    return path


def token_profile(server: DemoServer, org: DemoOrg) -> dict[str, str]:
    with org.lock:
        token = org.new_session().token
    write_config(f'default_profile = "local"\n[profiles.local]\nauth = "access-token"\n'
                 f'instance_url = "{server.origin}"\ntoken_env = "LOCAL_TOKEN"\n'
                 'poll_interval = 5\n')
    return child_env(LOCAL_TOKEN=token)


def test_a_missing_password_is_asked_on_the_terminal_before_the_screen(
        server: DemoServer, org: DemoOrg) -> None:
    """Before: getpass ran on the poll worker under the running App — "connecting…" forever,
    q dead, the terminal left in raw mode. Now the prompt comes first, then the screen."""
    write_config(f'[profiles.local]\nauth = "password"\nlogin_url = "{server.origin}"\n'
                 f'username = "{org.credentials.username}"\npassword_env = "NO_SUCH_PW"\n'
                 'security_token_env = "NO_SUCH_TOKEN"\n')
    term = Terminal(flowstage_argv("local"), child_env())
    try:
        term.expect(r"password for profile local: ")
        term.send(org.credentials.password + "\r")
        term.expect(r"security token for profile local: ")
        term.send(org.credentials.security_token + "\r")
        term.expect(r"Acme Demo Org")  # logged in: the header names the org
        term.expect(r"updated \d+s ago")
        term.send("q")
        assert term.wait() == 0
    finally:
        term.close()


@pytest.mark.parametrize("ignored", [False, True], ids=["sighup", "sighup-ignored"])
def test_a_dropped_ssh_link_ends_the_app_and_its_requests(
        server: DemoServer, org: DemoOrg, ignored: bool) -> None:
    """Before: with SIGHUP ignored (nohup, some wrappers) the app spun on the dead terminal at
    full CPU and kept polling the org. Now it exits within seconds either way."""
    term = Terminal(flowstage_argv("local"), token_profile(server, org), ignore_hangup=ignored)
    try:
        term.expect(r"updated \d+s ago")
        term.hang_up()
        sent = len(org.request_log) + 1  # one request may be in flight as the link drops
        status = term.wait()
        assert status is not None, "still running after the terminal went away"
        assert status in (129, -signal.SIGHUP)
        assert not any(r.path.endswith("/composite") for r in org.request_log[sent:]), \
            "polled the org after the terminal went away"
    finally:
        term.close()


CRASH_ON_T = """
from flowstage_tui.ui.screens.triage import TriageScreen

def toggle_time(self):
    session_token = "00Dxx0000001gPL!SECRET-IN-A-LOCAL"
    raise RuntimeError("a bug " + str(len(session_token)))

TriageScreen.action_toggle_time = toggle_time
from flowstage_tui.cli.main import main
raise SystemExit(main(["--demo"]))
"""


def test_a_crash_exits_1_with_one_line_and_the_traceback_in_the_log_without_locals() -> None:
    """Before: an uncaught exception closed the app with exit 0 and a traceback on screen
    whose local variables could hold a token. A bug stands in here for any of them."""
    import os
    import sys

    log_dir = Path(os.environ["XDG_STATE_HOME"]) / "flowstage" / "log"
    term = Terminal([sys.executable, "-c", CRASH_ON_T], child_env())
    try:
        term.expect(r"updated \d+s ago")
        term.send("t")
        assert term.wait() == 1
        shown = term.output[term.output.rfind("\x1b[?1049l"):]  # after the screen closed
        assert "internal error (RuntimeError)" in shown and "SECRET" not in shown
        logged = (log_dir / "flowstage.log").read_text(encoding="utf-8")
        assert "RuntimeError: a bug 33" in logged and "SECRET" not in logged
        assert str(log_dir / "flowstage.log") in shown.replace("\r\n", "")
    finally:
        term.close()
