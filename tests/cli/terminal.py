"""flowstage run as a person runs it: a real process on a real pseudo-terminal.

What these tests protect lives between the process and its terminal (a prompt before the
screen, a hang-up, the exit status), which an in-process Pilot cannot see.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import struct
import sys
import termios
import time
from collections.abc import Sequence

PATIENCE = 60.0  # seconds; generous: these wait for an event, never for a fixed time


class Terminal:
    """One child process on a pty of a given size; `expect` reads until a pattern shows."""

    def __init__(self, argv: Sequence[str], env: dict[str, str], *, size: tuple[int, int] =
                 (80, 24), ignore_hangup: bool = False) -> None:
        pid, fd = pty.fork()
        if pid == 0:  # the child: the pty is its controlling terminal
            try:
                cols, rows = size
                fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
                if ignore_hangup:
                    signal.signal(signal.SIGHUP, signal.SIG_IGN)
                os.execve(argv[0], list(argv), env)
            finally:
                os._exit(127)
        self.pid, self.fd = pid, fd
        self.output = ""
        self.status: int | None = None

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return True
        try:
            data = os.read(self.fd, 65536)
        except OSError:  # EIO: the child closed its side
            return False
        if not data:
            return False
        self.output += data.decode("utf-8", "replace")
        return True

    def _drain(self) -> None:
        """Everything left in the pty after the child exited (it can write no more, so a
        read that finds nothing buffered means all of it is in)."""
        while self.fd >= 0:
            ready, _, _ = select.select([self.fd], [], [], 0.2)
            if not ready:
                return
            try:
                data = os.read(self.fd, 65536)
            except OSError:
                return
            if not data:
                return
            self.output += data.decode("utf-8", "replace")

    def expect(self, pattern: str, timeout: float = PATIENCE) -> str:
        deadline = time.monotonic() + timeout
        rx = re.compile(pattern)
        while not rx.search(self.output):
            if time.monotonic() > deadline or not self._read(0.2):
                if rx.search(self.output):
                    break
                tail = re.sub(r"\x1b\[[0-9;?]*[a-zA-Z]", "", self.output)[-600:]
                raise AssertionError(f"{pattern!r} never showed; last output: {tail!r}")
        return self.output

    def send(self, text: str) -> None:
        os.write(self.fd, text.encode())

    def hang_up(self) -> None:
        """What sshd does when the link drops: the terminal's master side closes."""
        os.close(self.fd)
        self.fd = -1

    def wait(self, timeout: float = PATIENCE) -> int | None:
        """The exit status (negative: the signal that ended it), or None if still running."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.fd >= 0:
                self._read(0.05)
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.status = os.waitstatus_to_exitcode(status)
                self._drain()  # what it wrote last may still sit in the pty, unread
                return self.status
            time.sleep(0.05)
        return None

    def close(self) -> None:
        if self.status is None:
            try:
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
            except ChildProcessError:
                pass
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


def flowstage_argv(*args: str) -> list[str]:
    return [sys.executable, "-m", "flowstage_tui", *args]


def child_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "COV_"))}
    env.update(TERM="xterm-256color", TEXTUAL_ANIMATIONS="none", **extra)
    return env
