"""Global options go anywhere, before or after the command, as in git and kubectl (issue 10,
defect 3); a profile cannot be named like a command."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

import flowstage_tui.cli.main as cli
from flowstage_tui.cli.main import COMMANDS, main

CONFIG = """\
default_profile = "local"

[profiles.local]
auth = "demo"
label = "LOCAL"
"""


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "config" / "config.toml"
    path.parent.mkdir()
    path.write_text(CONFIG)
    monkeypatch.setenv("FLOWSTAGE_CONFIG_DIR", str(path.parent))
    monkeypatch.setenv("FLOWSTAGE_DEMO_CLOCK", "2026-11-28T09:00:00Z")
    return path


def test_profile_before_the_command(config: Path, capsys: pytest.CaptureFixture[str],
                                    tui_calls: list[argparse.Namespace]) -> None:
    assert main(["-p", "local", "runs", "--status", "Error", "--limit", "3",
                 "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 3 and {r["status"] for r in rows} == {"Error"}
    assert not tui_calls


def test_demo_before_the_command_runs_it_instead_of_opening_the_screen(
        config: Path, capsys: pytest.CaptureFixture[str],
        tui_calls: list[argparse.Namespace]) -> None:
    assert main(["--demo", "runs", "--limit", "2", "--format", "jsonl"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 2
    assert not tui_calls


def test_config_before_profiles_list(config: Path, tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    other = tmp_path / "other.toml"
    other.write_text('[profiles.elsewhere]\nauth = "demo"\n')
    assert main(["--config", str(other), "profiles", "list"]) == 0
    assert "elsewhere" in capsys.readouterr().out
    assert main(["profiles", "--config", str(other), "list"]) == 0
    assert "elsewhere" in capsys.readouterr().out


def test_verbose_before_config_path(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-v", "config", "path"]) == 0
    assert str(config) in capsys.readouterr().out


def test_demo_before_demo_dump(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["dump", "--runs", "3", "--at", "2026-11-28T09:00:00Z"]
    assert main(["--demo", "demo", *argv]) == 0
    first = capsys.readouterr().out
    assert len(json.loads(first)["records"]["FlowOrchestrationInstance"]) == 3
    assert main(["demo", "--demo", *argv]) == 0
    assert main(["demo", *argv, "-v"]) == 0
    assert capsys.readouterr().out == first * 2


@pytest.mark.parametrize("argv", [
    ["--demo", "show", "OR-0000293", "--format", "json"],
    ["show", "--format", "json", "OR-0000293", "--demo"],
    ["--format", "json", "--demo", "show", "OR-0000293"],
    ["-v", "--demo", "show", "OR-0000293", "--format=json"],
])
def test_options_in_any_order_mean_the_same(argv: list[str], config: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 0
    assert json.loads(capsys.readouterr().out)["name"] == "OR-0000293"


def test_positional_profile_still_opens_the_triage_screen(
        config: Path, tui_calls: list[argparse.Namespace]) -> None:
    assert main(["local"]) == 0
    assert main(["-v", "local", "--status", "Error"]) == 0
    assert main(["--demo"]) == 0
    assert [c.profile for c in tui_calls] == ["local", "local", None]
    assert tui_calls[2].demo


def test_profile_after_a_command_word_says_where_it_goes(
        config: Path, capsys: pytest.CaptureFixture[str],
        tui_calls: list[argparse.Namespace]) -> None:
    assert main(["local", "runs"]) == 2
    assert "`flowstage runs -p local`" in capsys.readouterr().err
    assert not tui_calls


def test_version_is_cheap_and_works_after_global_options(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert main(["--demo", "--version"]) == 0
    assert capsys.readouterr().out.count("flowstage 0.") == 2


def test_help_says_global_options_go_anywhere(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    assert "before or after the command" in capsys.readouterr().out
    for name in COMMANDS:
        assert main([name, "--help"]) == 0
        out = capsys.readouterr().out
        actions = {"profiles": "list", "demo": "dump", "interviews": "delete"}
        if name in actions:  # the options live on their actions
            assert main([name, actions[name], "--help"]) == 0
            out = capsys.readouterr().out
        assert all(opt in out for opt in ("--profile", "--demo", "--config", "--verbose")), name


@pytest.mark.parametrize("name", COMMANDS)
def test_profiles_add_refuses_a_profile_named_like_a_command(
        name: str, config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = config.read_bytes()
    assert main(["profiles", "add", name, "--auth", "demo"]) == 2
    err = capsys.readouterr().err.strip()
    assert f"{name!r} is a flowstage command" in err and "\n" not in err
    assert config.read_bytes() == before


def test_reserved_names_come_from_the_command_table() -> None:
    """A command added later is reserved without anyone remembering to: every name the
    dispatcher knows has a parser, and nothing else does."""
    from flowstage_tui.cli.profiles import reserved_profile_names

    assert set(reserved_profile_names()) == set(COMMANDS)
    for name in COMMANDS:
        assert cli.command_parser(name).prog == f"flowstage {name}"
    with pytest.raises(ValueError):
        cli.command_parser("frobnicate")


def test_config_validate_warns_about_a_profile_named_like_a_command(
        config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config.write_text(CONFIG + '\n[profiles.watch]\nauth = "demo"\n')
    before = config.read_bytes()
    assert main(["config", "validate"]) == 0
    captured = capsys.readouterr()
    assert "OK" in captured.out
    assert ("warning: profile 'watch' is named like the command `flowstage watch`; "
            "open it with `flowstage -p watch`") in captured.err
    assert config.read_bytes() == before


@pytest.mark.parametrize("bad", ["", "-x", "two words", "tab\there", "new\nline"])
def test_profiles_add_refuses_names_a_shell_cannot_pass_back(
        bad: str, config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = config.read_bytes()
    assert main(["profiles", "add", "--auth", "demo", "--", bad]) == 2
    err = capsys.readouterr().err.strip()
    assert "profile name" in err and "\n" not in err
    assert config.read_bytes() == before


@pytest.mark.parametrize("argv", [
    ["--demo", "--no-feed-history", "show", "OR-0000290", "--format", "json"],
    ["show", "OR-0000290", "--format", "json", "--no-feed-history", "--demo"],
    ["--no-feed-history", "show", "--demo", "OR-0000290", "--format", "json"],
])
def test_the_demo_org_without_tracking_from_anywhere_on_the_line(
        config: Path, capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    """--demo is an org with feed and history tracking on; --no-feed-history is one without
    (as most real orgs are), and like every global option it goes anywhere."""
    assert main(argv) == 0
    without = json.loads(capsys.readouterr().out)
    assert main(["--demo", "show", "OR-0000290", "--format", "json"]) == 0
    tracked = json.loads(capsys.readouterr().out)
    assert without["name"] == tracked["name"] == "OR-0000290"
    assert without["history"] is None and without["feed"] is None
    assert tracked["history"] is not None and tracked["feed"] is not None
    assert without["log"] and without["log"] == tracked["log"]  # the milestones stay


def test_demo_help_says_which_org_it_is(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["runs", "--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "feed and history tracking on" in out and "--no-feed-history" in out
