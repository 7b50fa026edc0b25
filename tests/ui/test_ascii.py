"""FLOWSTAGE_ASCII=1: only ASCII reaches the terminal, and nothing on screen moves."""

from __future__ import annotations

import os
import pty
import select
import struct
import subprocess
import sys
import time
from fcntl import ioctl
from pathlib import Path
from termios import TIOCSWINSZ

from rich.cells import cell_len

from flowstage_tui.ui.ascii import TABLE, to_ascii


def test_every_replacement_takes_the_cells_the_character_took() -> None:
    for ch, out in TABLE.items():
        assert out.isascii() and cell_len(out) == cell_len(ch), ch


def test_text_keeps_its_width_and_becomes_ascii() -> None:
    samples = ["╭─ 1 Runs ─╮", "27 Error · 35 InProgress", "Employee Onboar…", "✖ Error ◀",
               "Vendor Onboarding 仕入先審査", "Loan Application 🏦", "Chen Wei 陈伟 ⚠ inactive",
               "café", "e\u0301", "\x1b[1;31mred\x1b[0m ▆▆"]
    for text in samples:
        out = to_ascii(text)
        assert out.isascii() and cell_len(out) == cell_len(text), (text, out)
    assert to_ascii("café ·") == "cafe ."
    assert to_ascii("OR-0000293") == "OR-0000293"


def test_the_whole_screen_is_ascii_on_a_real_terminal(tmp_path: Path) -> None:
    """`flowstage --demo` on a pseudo-terminal, as a user would start it: every byte it
    writes until the runs are on screen is ASCII (borders, scrollbars, tabs and org text)."""
    master, slave = pty.openpty()
    ioctl(slave, TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    env = {**os.environ, "FLOWSTAGE_ASCII": "1", "TERM": "xterm-256color",
           "TEXTUAL_ANIMATIONS": "none", "FLOWSTAGE_DEMO_CLOCK": "2026-11-28T09:00:00Z",
           "XDG_STATE_HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path)}
    proc = subprocess.Popen([sys.executable, "-m", "flowstage_tui", "--demo"], stdin=slave,
                            stdout=slave, stderr=slave, env=env, close_fds=True)
    os.close(slave)
    seen = b""
    try:
        deadline = time.monotonic() + 60  # a limit for a hung start, not a timing assertion
        while b"OR-0000" not in seen and time.monotonic() < deadline:
            if select.select([master], [], [], 0.5)[0]:
                seen += os.read(master, 1 << 16)
        os.write(master, b"n3]")  # an errored run, its detail, the History tab
        start = len(seen)
        while not (b"Prepare Paperwo" in seen[start:] and b"run log" in seen[start:]) and \
                time.monotonic() < deadline:  # wait for what the keys bring, not for a time
            if select.select([master], [], [], 0.5)[0]:
                seen += os.read(master, 1 << 16)
    finally:
        proc.kill()
        proc.wait()
        os.close(master)
    assert b"OR-0000" in seen and b"Prepare Paperwo" in seen
    assert all(byte < 128 for byte in seen), sorted({b for b in seen if b >= 128})[:10]
