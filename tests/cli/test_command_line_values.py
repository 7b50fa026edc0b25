"""Every value typed on the command line: a bad one is one line naming it and what to do, exit 2,
never a traceback, and never the triage screen (issue 10, defect 1 and the low items)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import pytest

from flowstage_tui.cli.main import main

BAD_VALUES = [
    (["runs", "--demo", "--since", "800000d"], "--since: '800000d'"),
    (["runs", "--demo", "--since", "-5h"], "--since: '-5h' is not an age"),
    (["runs", "--demo", "--since", ""], "--since: '' is not an age"),
    (["watch", "--demo", "--since", "-5h", "--count", "1"], "--since: '-5h' is not an age"),
    (["runs", "--demo", "--text", "-x", "--since", "--limit"], "--since: expected one argument"),
    (["runs", "--demo", "--limit", "-1"], "--limit: expected 1 or more, got '-1'"),
    (["runs", "--demo", "--limit", "0"], "--limit: expected 1 or more, got '0'"),
    (["runs", "--demo", "--limit", "1" + "0" * 30], "--limit: expected at most 50000"),
    (["snapshot", "--demo", "--limit", "-3"], "--limit: expected 1 or more, got '-3'"),
    (["watch", "--demo", "--interval", "0", "--count", "1"],
     "--interval: expected at least 5 seconds, got '0'"),
    (["watch", "--demo", "--interval", "2", "--count", "1"],
     "--interval: expected at least 5 seconds, got '2'"),
    (["watch", "--demo", "--interval", "nan", "--count", "1"], "--interval: expected"),
    (["watch", "--demo", "--interval", "1e308", "--count", "1"],
     "--interval: expected at most 86400 seconds"),
    (["watch", "--demo", "--count", "0"], "--count: expected 1 or more, got '0'"),
    (["runs", "--demo", "--status", "Nope"], "--status: unknown status 'Nope'"),
    (["runs", "--demo", "--status", ","], "--status: no status in ','"),
    (["runs", "--demo", "--runs", "100000000"], "--runs: expected at most"),
    (["runs", "-p", "", "--demo"], "--profile: empty profile name"),
    (["demo", "serve", "--port", "70000"], "--port: expected 0 to 65535, got '70000'"),
    (["demo", "serve", "--pace", "0"], "--pace: expected"),
    (["demo", "serve", "--pace", "nan"], "--pace: expected"),
    (["demo", "dump", "--at", "0001-01-01T00:00:00Z"], "--at: '0001-01-01T00:00:00Z'"),
    (["demo", "dump", "--runs", "-1"], "--runs: expected zero or more, got '-1'"),
    # found by the fuzz test: argparse turns a value of `--` into a list
    (["runs", "--demo", "--since=--"], "--since: expected one value"),
    (["runs", "--demo", "--status=--"], "--status: expected one value"),
    # a byte that is not UTF-8 reaches Python as a lone surrogate; it used to reach the org
    # and come back as "The org sent a garbled answer" (exit 1)
    (["runs", "--demo", "--text", "\udcff"], "--text: '\\udcff' is not UTF-8 text"),
    (["show", "--demo", "OR-\udcff"], "RUN: 'OR-\\udcff' is not UTF-8 text"),
    (["profiles", "add", "x\udcff", "--auth", "demo"], "name: 'x\\udcff' is not UTF-8 text"),
    # no shell can pass a NUL, but Python callers can; it must not reach open()
    (["runs", "--config", "\x00"], "--config: '\\x00' contains a NUL character"),
    (["runs", "--demo", "--text", "a\x00"], "--text: 'a\\x00' contains a NUL character"),
    (["profiles", "remove", "local", "--config", "/"], "/: cannot read it (Is a directory)"),
    # argparse echoes unknown words raw: a newline or an escape sequence stays escaped
    (["runs", "--demo", "a\nb"], "unrecognized arguments: a\\nb"),
    (["runs", "--demo", "\x1b[2J"], "unrecognized arguments: \\x1b[2J"),
]


@pytest.mark.parametrize(("argv", "needle"), BAD_VALUES,
                         ids=[" ".join(a) for a, _ in BAD_VALUES])
def test_bad_command_line_value_is_one_line_naming_it_and_exit_2(
        argv: list[str], needle: str, capsys: pytest.CaptureFixture[str],
        tui_calls: list[argparse.Namespace]) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert needle in err, err
    assert "\n" not in err and "Traceback" not in err
    assert not tui_calls


TUI_BAD_VALUES = [
    (["--demo", "--since", "800000d"], "--since: '800000d'"),
    (["--demo", "--since", "-5h"], "--since: '-5h' is not an age"),
    (["--demo", "--status", "Sometimes"], "--status: unknown status 'Sometimes'"),
    (["--demo", "--refresh", "inf"], "--refresh: expected at most 86400 seconds"),
    (["--demo", "--refresh", "1e308"], "--refresh: expected at most 86400 seconds"),
    (["--demo", "--theme", "nope"], "--theme: unknown theme 'nope'; use one of ansi-dark,"),
    (["--demo", "--theme", ""], "--theme: unknown theme ''"),
]


@pytest.mark.parametrize(("argv", "needle"), TUI_BAD_VALUES,
                         ids=[" ".join(a) for a, _ in TUI_BAD_VALUES])
def test_bad_value_for_the_triage_screen_exits_2_before_it_opens(
        argv: list[str], needle: str, capsys: pytest.CaptureFixture[str],
        tui_calls: list[argparse.Namespace]) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert needle in err, err
    assert "\n" not in err
    assert not tui_calls


def test_theme_names_every_valid_theme(capsys: pytest.CaptureFixture[str],
                                       tui_calls: list[argparse.Namespace]) -> None:
    from textual.theme import BUILTIN_THEMES

    assert main(["--demo", "--theme", "nope"]) == 2
    err = capsys.readouterr().err
    assert all(name in err for name in BUILTIN_THEMES)


def test_good_values_open_the_triage_screen(tui_calls: list[argparse.Namespace]) -> None:
    assert main(["--demo", "--theme", "ansi-dark", "--since", "7d", "--status",
                 "Error,InProgress", "--refresh", "30"]) == 0
    assert len(tui_calls) == 1
    assert tui_calls[0].theme == "ansi-dark" and tui_calls[0].refresh == 30.0


def test_watch_polls_at_the_interval_given(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[float] = []

    def fake_watch(ctx: Any, flt: Any, interval: float, *rest: Any, **kw: Any) -> int:
        seen.append(interval)
        return 0

    from flowstage_tui.cli import commands

    monkeypatch.setattr(commands, "cmd_watch", fake_watch)
    assert main(["watch", "--demo", "--interval", "5", "--count", "1"]) == 0
    assert main(["watch", "--demo", "--count", "1"]) == 0  # the demo profile's 5 s
    assert seen == [5.0, 5.0]


DATA_FILES: dict[str, tuple[str | bytes, str]] = {
    "empty-records.json": ('{"records": {}}', "cannot be loaded as the demo org (the data file "
                           "needs at least one User and the Organization row)"),
    "wrong-shape.json": ('{"records": {"FlowOrchestrationInstance": [{"Id": 5}]}}',
                         "does not hold demo-org records"),
    "rows-not-list.json": ('{"records": {"User": {"Id": "005"}}}', "does not hold demo-org"),
    "latin1.json": (b'{"records": {"User": [{"Id": "005", "Name": "Jos\xe9"}]}}',
                    "is not UTF-8 text"),
}


@pytest.mark.parametrize("name", sorted(DATA_FILES))
@pytest.mark.parametrize("argv", [["runs", "--demo"], ["demo", "dump"], ["--demo"],
                                  ["snapshot", "--demo"]])
def test_a_data_file_that_cannot_load_is_exit_2_naming_it(
        name: str, argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str],
        tui_calls: list[argparse.Namespace]) -> None:
    """Found by the fuzz test: the demo org's ValueError/TypeError came out as a traceback."""
    text, needle = DATA_FILES[name]
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    assert main([*argv, "--data", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert str(path) in err and needle in err and "\n" not in err, err
    assert not tui_calls


def test_headless_commands_never_load_textual_for_theme_or_keymap_checks(
        tmp_path: Path) -> None:
    """Themes and the keymap are checked against Textual only for the triage screen and
    `config validate`: a cron `runs` must stay as quick as it was."""
    import subprocess
    import sys

    (tmp_path / "config.toml").write_text('default_profile = "local"\n[profiles.local]\n'
                                          'auth = "demo"\ntheme = "ansi-dark"\n'
                                          '[keymap]\nrefresh = "ctrl+r"\n')
    code = ("import sys; from flowstage_tui.cli.main import main; "
            "rc = main(['runs', '--limit', '1', '--format', 'json']); "
            "sys.exit(10 if 'textual' in sys.modules else rc)")
    env = {"FLOWSTAGE_CONFIG_DIR": str(tmp_path), "PATH": "/usr/bin:/bin",
           "FLOWSTAGE_DEMO_CLOCK": "2026-11-28T09:00:00Z", "HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
