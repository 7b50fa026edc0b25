"""Copying (`y`) writes OSC 52 to the terminal: the bytes themselves, read off a real pty,
through Textual's own driver and through the FLOWSTAGE_ASCII=1 one (which rewrites every
write to ASCII and must leave the clipboard's payload, the exact UTF-8 text, alone)."""

from __future__ import annotations

import base64
import json
import re

import pytest

from .terminal import Terminal, child_env, flowstage_argv

pytestmark = pytest.mark.slow

BEL, ST = "\x07", "\x1b\\"
OSC52 = re.compile(r"\x1b\]52;c;([A-Za-z0-9+/=]*)(?:\x07|\x1b\\)")


def osc52(text: str) -> str:
    """The sequence for `text`, built by hand: ESC ] 52 ; c ; base64(UTF-8) then BEL or ST."""
    payload = base64.b64encode(text.encode("utf-8")).decode("ascii")
    start = "\x1b]52;c;" + payload
    return f"(?:{re.escape(start + BEL)}|{re.escape(start + ST)})"


@pytest.mark.parametrize("ascii_only", [False, True], ids=["driver", "ascii-driver"])
def test_copy_sends_osc52_with_the_exact_text(ascii_only: bool) -> None:
    env = child_env(**({"FLOWSTAGE_ASCII": "1"} if ascii_only else {}))
    # one orchestration: every run's label is "Customer Onboarding — EMEA", not ASCII
    term = Terminal(flowstage_argv("--demo", "--text", "EMEA"), env, size=(120, 36))
    try:
        term.expect(r"updated \d+s ago")
        assert not OSC52.search(term.output)
        term.send("y")  # the copy dialog: Id, Name, Lightning URL, Row as JSON
        shown = re.search(r"Name {8}(OR-\d{7})", term.expect(r"Name {8}OR-\d{7}"))
        assert shown is not None
        name = shown.group(1)
        term.send("j\r")  # the second choice: the run's Name
        term.expect(osc52(name))
        mark = len(term.output)
        term.send("y")
        term.expect(r"Row as JSON")
        term.send("jjj\r")  # the fourth: the row as JSON
        term.expect(rf"{OSC52.pattern}[\s\S]*{OSC52.pattern}")  # the second copy arrived
        found = OSC52.findall(term.output[mark:])
        assert len(found) == 1
        row = json.loads(base64.b64decode(found[0]).decode("utf-8"))
        assert row["name"] == name
        assert row["label"] == "Customer Onboarding — EMEA"  # the em dash intact, even in ASCII
        term.send("q")
        assert term.wait() == 0
    finally:
        term.close()
