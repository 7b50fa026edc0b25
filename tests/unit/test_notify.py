"""Terminal notifications: the exact characters of each method, bare and inside tmux and
screen; org text that tries to end the sequence, start another or add a field; what `auto`
picks for each terminal."""

from __future__ import annotations

import re

import pytest

from flowstage_tui import notify
from flowstage_tui.notify import BEL, ESC, ST

BARE: dict[str, str] = {"TERM": "xterm-256color"}
TMUX = {"TERM": "screen-256color", "TMUX": "/tmp/tmux-1000/default,1234,0"}
SCREEN = {"TERM": "screen", "STY": "4242.pts-0.host"}


@pytest.mark.parametrize(("method", "expected"), [
    ("osc9", "\x1b]9;Run failed: OR-0000297 → Error\x1b\\"),
    ("osc777", "\x1b]777;notify;Run failed;OR-0000297 → Error\x1b\\"),
    ("osc99", "\x1b]99;;Run failed: OR-0000297 → Error\x1b\\"),
    ("bell", "\x07"),
])
def test_exact_characters_outside_a_multiplexer(method: str, expected: str) -> None:
    assert notify.notification(method, "Run failed", "OR-0000297 → Error", BARE) == expected


@pytest.mark.parametrize(("method", "expected"), [
    # ESC P tmux; then the sequence with every ESC doubled (its ST too), then ST
    ("osc9", "\x1bPtmux;\x1b\x1b]9;T: B\x1b\x1b\\\x1b\\"),
    ("osc777", "\x1bPtmux;\x1b\x1b]777;notify;T;B\x1b\x1b\\\x1b\\"),
    ("osc99", "\x1bPtmux;\x1b\x1b]99;;T: B\x1b\x1b\\\x1b\\"),
    ("bell", "\x07"),  # tmux passes its own bell on
])
def test_exact_characters_inside_tmux(method: str, expected: str) -> None:
    assert notify.notification(method, "T", "B", TMUX) == expected


@pytest.mark.parametrize(("method", "expected"), [
    # ESC P, the sequence ended by BEL (an ST would end screen's DCS), then ST
    ("osc9", "\x1bP\x1b]9;T: B\x07\x1b\\"),
    ("osc777", "\x1bP\x1b]777;notify;T;B\x07\x1b\\"),
    ("osc99", "\x1bP\x1b]99;;T: B\x07\x1b\\"),
    ("bell", "\x07"),
])
def test_exact_characters_inside_screen(method: str, expected: str) -> None:
    assert notify.notification(method, "T", "B", SCREEN) == expected


def test_the_bytes_are_the_utf8_of_those_characters() -> None:
    sent = notify.notification("osc777", "Müller", "陈伟", BARE).encode("utf-8")
    assert sent == b"\x1b]777;notify;M\xc3\xbcller;\xe9\x99\x88\xe4\xbc\x9f\x1b\\"


@pytest.mark.parametrize(("env", "mux"), [
    (BARE, None), (TMUX, "tmux"), (SCREEN, "screen"),
    ({"TERM": "tmux-256color"}, "tmux"),  # TERM says tmux though TMUX was not passed on
    ({"TERM": "screen.xterm-256color"}, "screen"),
    ({"TERM": "xterm", "STY": "1.x"}, "screen"),
    ({"TERM": "screen", "TMUX": "/t,1,0"}, "tmux"),  # tmux's own default TERM: tmux wins
    ({}, None),
])
def test_which_multiplexer(env: dict[str, str], mux: str | None) -> None:
    assert notify.multiplexer(env) == mux


AUTO = [
    ({"TERM_PROGRAM": "iTerm.app"}, ("osc9",)),
    ({"TERM_PROGRAM": "WezTerm"}, ("osc9",)),
    ({"TERM_PROGRAM": "ghostty"}, ("osc9",)),
    ({"TERM_PROGRAM": "vscode"}, ("osc99",)),
    ({"TERM_PROGRAM": "Apple_Terminal"}, ("bell",)),
    ({"TERM": "xterm-kitty"}, ("osc99",)),
    ({"TERM": "xterm-256color", "KITTY_WINDOW_ID": "3"}, ("osc99",)),
    ({"TERM": "xterm-ghostty"}, ("osc9",)),  # over SSH: TERM is what arrives
    ({"TERM": "xterm-256color", "LC_TERMINAL": "iTerm2"}, ("osc9",)),  # LC_* do too
    ({"TERM": "foot"}, ("osc777",)),
    ({"TERM": "foot-extra"}, ("osc777",)),
    ({"TERM": "rxvt-unicode-256color"}, ("osc777",)),
    ({"TERM": "xterm-256color", "WT_SESSION": "5b1e"}, ("osc777", "bell")),
    ({"TERM": "dumb"}, ("bell",)),
    ({"TERM": "xterm-256color"}, ("osc9", "bell")),  # unknown: OSC 9 and the bell
    ({}, ("osc9", "bell")),
    # inside tmux TERM_PROGRAM says tmux: the outer terminal's own variables decide
    ({"TERM_PROGRAM": "tmux", "TERM": "tmux-256color", "TMUX": "x", "KITTY_WINDOW_ID": "1"},
     ("osc99",)),
    ({"TERM_PROGRAM": "tmux", "TERM": "screen-256color", "TMUX": "x"}, ("osc9", "bell")),
]


@pytest.mark.parametrize(("env", "expected"), AUTO, ids=[str(e) for e, _ in AUTO])
def test_auto_picks_by_terminal(env: dict[str, str], expected: tuple[str, ...]) -> None:
    assert notify.methods("auto", env) == expected


def test_settings_name_their_method_and_off_sends_nothing() -> None:
    for method in ("osc9", "osc777", "osc99", "bell"):
        assert notify.methods(method, {"TERM_PROGRAM": "iTerm.app"}) == (method,)
    assert notify.notification("off", "T", "B", BARE) == ""
    assert notify.notification("auto", "T", "B", BARE) == "\x1b]9;T: B\x1b\\\x07"
    with pytest.raises(ValueError, match="unknown notify setting 'osc8'"):
        notify.methods("osc8", BARE)


HOSTILE = [
    "OR-1\x1b]52;c;ZWNobyBwd25lZA==\x07",  # an OSC 52 of its own (would fill the clipboard)
    "OR-1\x07\x1b]9;fake\x1b\\",  # BEL ends ours early, then another notification
    "OR-1\x9c\x9d0;title\x9c",  # C1 ST and OSC, 8-bit
    "OR-1\x1bP\x1b\\\x1bPtmux;\x1b\x1b]9;x\x1b\x1b\\\x1b\\",  # ends tmux's DCS, starts one
    "OR-1\r\nline two\u2028three\x00\x7f",  # line breaks, NUL, DEL
    "OR-1\u202eevil\u202c",  # a right-to-left override
    "[bold red]OR-1[/] [link=https://x.invalid]click[/link]",  # Rich markup: just text
]


def _payload(sent: str, mux: str | None) -> str:
    """The OSC string inside the frame the format puts around it, checked to be that frame:
    bare `ESC ] … ST`; tmux `ESC P tmux; ESC ESC ] … ESC ESC \\ ESC \\`; screen
    `ESC P ESC ] … BEL ESC \\`."""
    if mux == "tmux":
        assert sent.startswith(ESC + "Ptmux;" + ESC + ESC + "]") and \
            sent.endswith(ESC + ESC + "\\" + ST)
        return sent[len(ESC + "Ptmux;" + ESC + ESC + "]"):-len(ESC + ESC + "\\" + ST)]
    if mux == "screen":
        assert sent.startswith(ESC + "P" + ESC + "]") and sent.endswith(BEL + ST)
        return sent[4:-3]
    assert sent.startswith(ESC + "]") and sent.endswith(ST)
    return sent[2:-2]


@pytest.mark.parametrize("label", HOSTILE)
@pytest.mark.parametrize("method", ["osc9", "osc777", "osc99"])
@pytest.mark.parametrize("env", [BARE, TMUX, SCREEN], ids=["bare", "tmux", "screen"])
def test_hostile_org_text_cannot_inject(label: str, method: str, env: dict[str, str]) -> None:
    sent = notify.notification(method, f"Run {label}", f"{label} failed: {label}", env)
    payload = _payload(sent, notify.multiplexer(env))
    # no ESC, BEL, C1 (ST 0x9c, OSC 0x9d), NUL, DEL, line break or bidi override inside
    assert not re.search(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2028\u2029]", payload), \
        repr(payload)
    head = {"osc9": "9;", "osc777": "777;notify;", "osc99": "99;;"}[method]
    assert payload.startswith(head)
    if method == "osc777":
        assert payload.count(";") == 3  # 777 ; notify ; title ; body — no field added
    assert "OR-1" in payload  # the text itself still arrives


def test_markup_and_semicolons_arrive_as_text() -> None:
    sent = notify.notification("osc9", "[bold]T[/]", "a;b [red]c[/red]", BARE)
    assert sent == "\x1b]9;[bold]T[/]: a;b [red]c[/red]\x1b\\"
    sent = notify.notification("osc777", "x;y", "a;b", BARE)
    assert sent == "\x1b]777;notify;x,y;a,b\x1b\\"  # a `;` would add a field


def test_a_leading_digit_cannot_become_a_conemu_command() -> None:
    """`ESC ] 9 ; 4 ; 1 ; 50` is ConEmu's (and Windows Terminal's) progress bar."""
    sent = notify.notification("osc9", "", "4;1;50", BARE)
    assert sent == "\x1b]9;flowstage: 4;1;50\x1b\\"


def test_title_and_body_are_capped() -> None:
    sent = notify.notification("osc777", "T" * 500, "B" * 5000, BARE)
    title, body = sent[len("\x1b]777;notify;"):-2].split(";")
    assert len(title) == notify.TITLE_CHARS and title.endswith("…")
    assert len(body) == notify.BODY_CHARS and body.endswith("…")


def test_screen_gets_a_short_enough_string() -> None:
    """screen's string buffer is a few hundred bytes: a long UTF-8 body is cut to fit."""
    for method in ("osc9", "osc777", "osc99"):
        sent = notify.notification(method, "陈" * 60, "伟" * 200, SCREEN)
        assert len(sent.encode("utf-8")) <= notify.SCREEN_BYTES + 4
        assert sent.endswith("…\x07\x1b\\")
