"""`[keymap]` is checked against the bindings of every screen and widget before the triage
screen opens and by `config validate` (issue 10, defect 9)."""

from __future__ import annotations

import argparse
import gc
import textwrap
from pathlib import Path

import pytest

from flowstage_tui.cli.main import main

PROFILE = '[profiles.local]\nauth = "demo"\n\n'


def write(tmp_path: Path, keymap: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(PROFILE + "[keymap]\n" + textwrap.dedent(keymap))
    return path


def validate(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["config", "validate", "--config", str(path)])
    err = capsys.readouterr().err.strip()
    assert "\n" not in err
    return code, err


def test_a_key_taken_from_another_binding_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        tui_calls: list[argparse.Namespace]) -> None:
    path = write(tmp_path, 'refresh = "q"\n')
    before = path.read_bytes()
    code, err = validate(path, capsys)
    assert code == 2
    assert f"{path}:5: keymap.refresh: 'q' is already Quit (quit) in FlowstageApp; remap " \
        "quit too, or choose another key" in err
    assert main(["--config", str(path)]) == 2  # the triage screen does not open with it
    assert "keymap.refresh" in capsys.readouterr().err
    assert not tui_calls
    assert path.read_bytes() == before


def test_a_taken_key_is_fine_when_its_binding_moves_too(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        tui_calls: list[argparse.Namespace]) -> None:
    path = write(tmp_path, 'refresh = "q"\nquit = "x"\n')
    assert validate(path, capsys)[0] == 0
    assert main(["--config", str(path)]) == 0 and len(tui_calls) == 1


@pytest.mark.parametrize(("keymap", "needle"), [
    ('refersh = "ctrl+r"\n', "keymap.refersh: unknown binding id; did you mean 'refresh'?"),
    ('"help.clsoe" = "x"\n', "did you mean 'help.close'?"),
    ('help.clsoe = "x"\n', "did you mean 'help.close'?"),  # unquoted: a TOML sub-table
    ('refresh = "ctrl+qq"\n', "keymap.refresh: unknown key 'qq' in 'ctrl+qq'"),
    ('refresh = "hyperr+r"\n', "unknown modifier 'hyperr'"),
    ('refresh = ""\n', "keymap.refresh: empty key"),
    ('refresh = "r,"\n', "keymap.refresh: empty key in 'r,'"),
    ('refresh = "j"\n', "'j' is already Down (down) in "),  # the first table found
    ('filter = "ctrl+c"\n', "'ctrl+c' is already How to quit (quit.hint)"),
    ('refresh = "ctrl+p"\n', "'ctrl+p' is already Command palette"),
    # a dialog's key against the App's priority Quit, which fires before any dialog's keys
    ('"help.close" = "ctrl+q"\n', "keymap.help.close: 'ctrl+q' is already Quit (quit.force) "
     "in HelpScreen (FlowstageApp priority)"),
    # the help screen's own keys: "escape,q,question_mark" is one binding with three keys
    ('"help.down" = "?"\n', "'question_mark' is already Close (help.close) in HelpScreen"),
])
def test_keymap_mistakes_are_one_line_naming_the_entry(
        keymap: str, needle: str, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    code, err = validate(write(tmp_path, keymap), capsys)
    assert code == 2
    assert needle in err, err


@pytest.mark.parametrize("keymap", [
    'refresh = "ctrl+r"\n',
    'refresh = "f5,ctrl+r"\n',
    'help = "?"\n',  # its own key, written the short way
    '"help.close" = "r"\n',  # r is the App's, but not a priority binding: the dialog wins
    'help.close = "x,escape"\n',  # the id unquoted, as the help screen shows it
    '"quit" = "ctrl+q"\n',  # the same action as quit.force: nothing is lost
    'down = "j,down"\nrefresh = "left_square_bracket"\n"tab.prev" = "comma"\n',
])
def test_keymaps_that_work_pass(keymap: str, tmp_path: Path,
                                capsys: pytest.CaptureFixture[str]) -> None:
    assert validate(write(tmp_path, keymap), capsys) == (0, "")


def test_bindings_are_gathered_from_every_ui_class() -> None:
    from flowstage_tui.ui.keymap import collect_bindings

    found = {b.id: b for b in collect_bindings() if b.id}
    assert {"refresh", "quit", "quit.force", "help.close", "dialog.close",
            "choice.cancel"} <= set(found)
    assert found["help.close"].keys == ("escape", "q", "question_mark")
    assert found["help.close"].scope == "HelpScreen"
    assert found["refresh"].scope == "TriageScreen"
    assert found["quit"].scope == "FlowstageApp"


def test_a_widget_that_gains_bindings_later_is_covered_without_a_list() -> None:
    """The collector walks the classes of flowstage_tui.ui; it holds no list of them."""
    from textual.binding import Binding
    from textual.widget import Widget

    from flowstage_tui.ui.keymap import collect_bindings, keymap_problems

    class FuturePane(Widget):
        BINDINGS = [Binding("r", "reload", "Reload", id="future.reload"),
                    Binding("x", "expand", "Expand", id="future.expand")]

    FuturePane.__module__ = "flowstage_tui.ui.widgets.future"
    try:
        bindings = collect_bindings()
        assert any(b.id == "future.reload" and b.scope == "FuturePane" for b in bindings)
        problems = keymap_problems({"future.reload": "x"}, bindings)
        assert problems and "'x' is already Expand (future.expand) in FuturePane" in \
            problems[0][1]
    finally:
        del FuturePane
        gc.collect()
