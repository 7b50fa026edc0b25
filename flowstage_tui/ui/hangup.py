"""When the SSH link drops the terminal is gone: stop asking the orgs for anything and exit,
even where SIGHUP was set to be ignored (the default would have killed us)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import threading

from textual.app import App

HANG_UP_EXIT = 129  # 128 + SIGHUP, as a shell reports a process the hang-up ended
HANG_UP_GRACE = 3.0  # seconds a clean exit may take after a hang-up before a hard one


class HangUpWatch:
    def __init__(self, app: App[int]) -> None:
        self.app = app
        self.hung_up = False
        self._tty: int | None = None  # the terminal we draw on

    def start(self) -> None:
        if self.app.is_headless or threading.current_thread() is not threading.main_thread():
            return
        stdin = sys.__stdin__
        if stdin is not None and stdin.isatty():
            self._tty = stdin.fileno()
        asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, self.hang_up)
        self.app.set_interval(1.0, self._check)

    def _check(self) -> None:
        if self._tty is not None and not os.isatty(self._tty):
            self.hang_up()  # the terminal went away and SIGHUP was ignored (nohup, a wrapper)

    def hang_up(self) -> None:
        if self.hung_up:
            return
        self.hung_up = True
        from .screens.triage import TriageScreen

        for stack in self.app._screen_stacks.values():
            for screen in stack:
                if isinstance(screen, TriageScreen) and screen.poller is not None:
                    screen.poller.stop()
        # There is no terminal to restore; a request still in flight must not keep the
        # process alive for its read timeout.
        timer = threading.Timer(HANG_UP_GRACE, os._exit, (HANG_UP_EXIT,))
        timer.daemon = True
        timer.start()
        self.app.exit(HANG_UP_EXIT, return_code=HANG_UP_EXIT)
