"""The loopback demo org stays quiet when a client hangs up before its answer is written (a
TUI quit while a request waits out `--latency`): socketserver's default prints a traceback
for that on the terminal serving the org. Other errors are still printed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from flowstage_tui.emulator.org import DemoOrg
from flowstage_tui.emulator.server import DemoServer, make_server


@pytest.fixture
def server() -> Iterator[DemoServer]:
    srv = make_server(DemoOrg(seed=7, runs=1, frozen=True))
    try:
        yield srv
    finally:
        srv.server_close()


@pytest.mark.parametrize("hangup", [BrokenPipeError(32, "Broken pipe"),
                                    ConnectionResetError(104, "Connection reset by peer")])
def test_a_client_hanging_up_prints_nothing(server: DemoServer, hangup: OSError,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    try:
        raise hangup
    except OSError:
        server.handle_error(None, ("127.0.0.1", 50000))
    assert capsys.readouterr().err == ""


def test_other_errors_are_still_printed(server: DemoServer,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    try:
        raise KeyError("a bug in the org")
    except KeyError:
        server.handle_error(None, ("127.0.0.1", 50000))
    err = capsys.readouterr().err
    assert "KeyError: 'a bug in the org'" in err and "127.0.0.1" in err
