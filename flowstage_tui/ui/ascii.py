"""FLOWSTAGE_ASCII=1: nothing but ASCII reaches the terminal.

For terminals and fonts that cannot show Unicode (a serial console, a non-UTF-8 locale over
SSH). Our own glyphs already have ASCII twins (present.GLYPHS); this catches the rest at the
last step, the driver's write: Textual's borders, tab underline and scrollbars, the dots and
dashes in our messages, and text from the org. Each character becomes as many ASCII
characters as the cells it takes, so nothing on screen moves.
"""

from __future__ import annotations

import re
import unicodedata

from rich.cells import get_character_cell_size
from textual.driver import Driver

_SAME = {
    "+": "╭╮╰╯┌┐└┘├┤┬┴┼╋┏┓┗┛",
    "-": "─━═╌╍┄┅╴╶╸╺–—‐‑−",
    "|": "│┃║╎╏┆┇╷╵╹╻",
    "#": "█▉▊▋▌▍▎▏▐▀▄▁▂▃▅▆▇■▪",
    ">": "▶▸►→⏵↳›»",
    "<": "◀◂◄←⏴‹«",
    "^": "↑▲△",
    "v": "↓▼▽",
    ".": "·•∙",
    "~": "…↷",
    "*": "●◆◇○",
    "'": "‘’′",
    '"': "“”″",
    "X": "✖✗✘",
}
TABLE: dict[str, str] = {ch: out for out, chars in _SAME.items() for ch in chars}
TABLE.update({"✔": "+", "✓": "+", "⚠": "!", "⏸": "=", "⊘": "/", "⏎": "<",
              "\u00a0": " "})
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _one(match: re.Match[str]) -> str:
    ch = match.group()
    known = TABLE.get(ch)
    if known is not None:
        return known
    cells = get_character_cell_size(ch)
    if cells == 0:  # a combining mark rides on the character before it
        return ""
    # letters with accents keep their letter (é -> e); anything else is a '?' per cell
    base = unicodedata.normalize("NFKD", ch)[:1]
    return base if cells == 1 and base.isascii() and base.isprintable() else "?" * cells


def to_ascii(data: str) -> str:
    """The same text, cell for cell, in ASCII (escape sequences are ASCII already)."""
    return data if data.isascii() else _NON_ASCII.sub(_one, data)


def ascii_driver(base: type[Driver]) -> type[Driver]:
    """`base` (the driver Textual picked for this terminal), writing ASCII only."""

    class AsciiDriver(base):  # type: ignore[valid-type,misc]
        def write(self, data: str) -> None:
            super().write(to_ascii(data))

    AsciiDriver.__name__ = f"Ascii{base.__name__}"
    return AsciiDriver

