"""Terminal notifications: the exact characters that ask the terminal for a desktop
notification, for the TUI (written through Textual's driver, as OSC 52 copy is) and for
`flowstage watch --alert` (written to the controlling terminal).

Pure: no Textual, no I/O; the environment comes in as a mapping. Methods:
- OSC 9 (iTerm2's; also WezTerm, ghostty, kitty): `ESC ] 9 ; TEXT ST`. ConEmu and Windows
  Terminal read `9;<digits>;` as their own commands (progress, cwd): the text never starts
  with a digit.
- OSC 777 (rxvt-unicode's notify extension; foot, Windows Terminal, WezTerm, ghostty):
  `ESC ] 777 ; notify ; TITLE ; BODY ST`. `;` separates the fields: none in org text.
- OSC 99 (kitty's protocol; also VS Code), its minimal form `ESC ] 99 ; ; TEXT ST`: empty
  metadata, the payload shown as the notification's title.
- BEL, the terminal bell: what every terminal has.

Inside tmux every sequence goes in its DCS passthrough (`ESC P tmux; …ESC \\`, each ESC
inside doubled; tmux drops it unless `allow-passthrough` is on); inside GNU screen in its
DCS (`ESC P … ESC \\`), the OSC then ended by BEL (an ST would end screen's DCS early) and
kept short (screen's string buffer is a few hundred bytes). The bell is never wrapped: each
multiplexer passes its own on to the terminal.

Org text (run names, labels, error messages) is data: every control character (C0, DEL,
C1 — ESC, BEL, 0x9c ST among them) and bidirectional override is removed, line breaks
become spaces, and title and body are capped, so a run label cannot end the sequence early,
start another, or add a field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Literal

Method = Literal["osc9", "osc777", "osc99", "bell"]
Setting = Literal["auto", "osc9", "osc777", "osc99", "bell", "off"]
SETTINGS: tuple[str, ...] = ("auto", "osc9", "osc777", "osc99", "bell", "off")
Multiplexer = Literal["tmux", "screen"]

ESC, BEL = "\x1b", "\x07"
ST = ESC + "\\"
TITLE_CHARS, BODY_CHARS = 60, 200  # a notification shows about this much anyway
SCREEN_BYTES = 500  # the whole OSC inside screen's DCS: its buffer holds a few hundred bytes

# C0, DEL and C1 controls; the bidirectional embeddings, overrides and isolates (they would
# make a label read backwards); line and paragraph separators
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069"
                       "\u2028\u2029]+")
_SPACES = re.compile(r"\s+")


def clean(text: str, limit: int, *, fields: bool = False) -> str:
    """`text` safe inside an OSC string: no control characters (runs of them, line breaks
    included, become one space), no `;` when it separates fields (OSC 777: a comma instead),
    at most `limit` characters (the last one then `…`)."""
    out = _SPACES.sub(" ", _CONTROLS.sub(" ", text)).strip()
    if fields:
        out = out.replace(";", ",")
    if len(out) > limit:
        out = out[: limit - 1].rstrip() + "…"
    return out


def _fit_bytes(text: str, budget: int) -> str:
    """`text` cut (with `…`) so that its UTF-8 takes at most `budget` bytes."""
    if len(text.encode("utf-8")) <= budget:
        return text
    while text and len((text + "…").encode("utf-8")) > budget:
        text = text[:-1]
    return text.rstrip() + "…" if text else ""


def message(title: str, body: str) -> str:
    """Title and body in one line, for the methods with a single text field."""
    t, b = clean(title, TITLE_CHARS), clean(body, BODY_CHARS)
    text = f"{t}: {b}" if t and b else (t or b)
    if text[:1].isdigit():  # `9;4;…` is ConEmu's progress command, not a notification
        text = "flowstage: " + text
    return text


def osc9(title: str, body: str, end: str = ST) -> str:
    return f"{ESC}]9;{message(title, body)}{end}"


def osc777(title: str, body: str, end: str = ST) -> str:
    t = clean(title, TITLE_CHARS, fields=True) or "flowstage"
    return f"{ESC}]777;notify;{t};{clean(body, BODY_CHARS, fields=True)}{end}"


def osc99(title: str, body: str, end: str = ST) -> str:
    return f"{ESC}]99;;{message(title, body)}{end}"


BUILDERS = {"osc9": osc9, "osc777": osc777, "osc99": osc99}


def tmux_wrap(sequence: str) -> str:
    """tmux's passthrough: the sequence in `ESC P tmux; … ESC \\`, its ESCs doubled."""
    return f"{ESC}Ptmux;{sequence.replace(ESC, ESC + ESC)}{ST}"


def screen_wrap(sequence: str) -> str:
    """GNU screen's passthrough: the sequence in `ESC P … ESC \\` (it must hold no ST)."""
    return f"{ESC}P{sequence}{ST}"


def multiplexer(env: Mapping[str, str]) -> Multiplexer | None:
    """tmux when $TMUX is set (or TERM says tmux), screen when $STY is set or TERM says
    screen; None outside both. TMUX first: inside tmux TERM is often `screen-256color`."""
    term = env.get("TERM", "")
    if env.get("TMUX") or term.startswith("tmux"):
        return "tmux"
    if env.get("STY") or term.startswith("screen"):
        return "screen"
    return None


def auto_methods(env: Mapping[str, str]) -> tuple[Method, ...]:
    """What `notify = auto` sends, by TERM_PROGRAM / TERM and the variables terminals set.
    Over SSH only TERM (and LC_*, where the client sends them) usually arrive; anything not
    recognised gets OSC 9 (ignored where unknown) and the bell."""
    program = env.get("TERM_PROGRAM", "")
    term = env.get("TERM", "")
    if program in ("iTerm.app", "WezTerm", "ghostty") or env.get("LC_TERMINAL") == "iTerm2":
        return ("osc9",)
    if program == "vscode":
        return ("osc99",)
    if program == "Apple_Terminal":  # Terminal.app has no notification sequence
        return ("bell",)
    if env.get("KITTY_WINDOW_ID") or term == "xterm-kitty":
        return ("osc99",)
    if term in ("xterm-ghostty", "wezterm"):
        return ("osc9",)
    if env.get("WT_SESSION"):  # Windows Terminal: OSC 777 in recent versions, the bell in all
        return ("osc777", "bell")
    if term.startswith(("foot", "rxvt")):
        return ("osc777",)
    if term == "dumb":
        return ("bell",)
    return ("osc9", "bell")


def methods(setting: str, env: Mapping[str, str]) -> tuple[Method, ...]:
    """The methods a `notify` setting means here (`off`: none)."""
    if setting == "off":
        return ()
    if setting == "auto":
        return auto_methods(env)
    if setting in ("osc9", "osc777", "osc99", "bell"):
        return (setting,)  # type: ignore[return-value]
    raise ValueError(f"unknown notify setting {setting!r}; use one of {', '.join(SETTINGS)}")


def sequence(method: Method, title: str, body: str,
             mux: Multiplexer | None = None) -> str:
    """The characters for one method, wrapped for the multiplexer it goes through."""
    if method == "bell":
        return BEL
    build = BUILDERS[method]
    if mux == "tmux":
        return tmux_wrap(build(title, body))
    if mux == "screen":
        inner = build(title, _fit_bytes(body, SCREEN_BYTES // 2), BEL)
        if len(inner.encode("utf-8")) > SCREEN_BYTES:  # a long title as well
            inner = build(_fit_bytes(title, SCREEN_BYTES // 4),
                          _fit_bytes(body, SCREEN_BYTES // 4), BEL)
        return screen_wrap(inner)
    return build(title, body)


def parts(setting: str, title: str, body: str,
          env: Mapping[str, str]) -> list[tuple[Method, str]]:
    """(method, characters) for each method the setting means in this environment."""
    mux = multiplexer(env)
    return [(m, sequence(m, title, body, mux)) for m in methods(setting, env)]


def notification(setting: str, title: str, body: str, env: Mapping[str, str]) -> str:
    """Everything to write to the terminal for one notification ("" for `off`)."""
    return "".join(text for _, text in parts(setting, title, body, env))
