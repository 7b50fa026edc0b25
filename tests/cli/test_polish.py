"""The low items of issue 10 on the command line: messages that say everything needed."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

import flowstage_tui.cli.main as cli
from flowstage_tui.cli.main import COMMANDS, main
from flowstage_tui.config.store import PROFILE_KEYS


@pytest.fixture(autouse=True)
def _fixed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLOWSTAGE_DEMO_CLOCK", "2026-11-28T09:00:00Z")


def test_unknown_profile_names_the_profiles_that_exist(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[profiles.prod]\nauth = "demo"\n[profiles.uat]\nauth = "demo"\n'
                    '[profiles.nosuc]\nauth = "demo"\n')
    assert main(["runs", "--profile", "nosuch", "--config", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert "no profile named 'nosuch'" in err
    assert "profiles here: nosuc, prod, uat" in err
    assert "did you mean 'nosuc'?" in err and "\n" not in err


def test_unknown_profile_when_there_are_none_says_how_to_add_one(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["runs", "-p", "prod", "--config", str(tmp_path / "missing.toml")]) == 2
    err = capsys.readouterr().err.strip()
    assert "no profile named 'prod'" in err and "has no profiles" in err
    assert "flowstage profiles add" in err and "\n" not in err


def test_snapshot_says_when_the_limit_cut_it_short(capsys: pytest.CaptureFixture[str]) -> None:
    total = len(json.loads(_out(["runs", "--demo", "--since", "7d", "--limit", "50000",
                                 "--format", "json"], capsys)))
    assert total > 5
    assert main(["snapshot", "--demo", "--since", "7d", "--limit", "5"]) == 0
    captured = capsys.readouterr()
    assert len(json.loads(captured.out)["records"]["FlowOrchestrationInstance"]) == 5
    assert captured.err.strip() == f"wrote 5 of {total} runs; pass --limit {total} for all"


def test_snapshot_says_nothing_when_everything_fit(capsys: pytest.CaptureFixture[str]) -> None:
    total = len(json.loads(_out(["runs", "--demo", "--status", "Error", "--limit", "50000",
                                 "--format", "json"], capsys)))
    assert main(["snapshot", "--demo", "--status", "Error", "--limit", str(total)]) == 0
    assert capsys.readouterr().err == ""


def _out(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main(argv) == 0
    return capsys.readouterr().out


def _parsers() -> Iterator[argparse.ArgumentParser]:
    todo = [cli.command_parser(name) for name in COMMANDS] + [cli.tui_parser()]
    while todo:
        parser = todo.pop()
        yield parser
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                todo.extend(action.choices.values())


def test_every_option_of_every_command_says_what_it_is() -> None:
    missing = [f"{p.prog} {'/'.join(a.option_strings) or a.dest}"
               for p in _parsers() for a in p._actions
               if not a.help and not isinstance(a, argparse._SubParsersAction)]
    assert not missing, missing


def test_profiles_add_help_describes_each_key_with_an_example(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["profiles", "add", "--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())  # argparse wraps lines
    for key in ("sf_alias", "instance_url", "login_url", "username", "api_version",
                "poll_interval", "color", "read_only"):
        assert PROFILE_KEYS[key][1].split(" (")[0].split(", e.g.")[0] in out, key
    for example in ("https://acme.my.salesforce.com", "https://test.salesforce.com", "62.0",
                    "--read-only false", "SF_PASSWORD"):
        assert example in out, example
    assert "--username VALUE" not in out
