"""Several orgs from the command line: `flowstage prod uat` opens one tab per profile; a
headless command works on one profile and says so when given two."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

import flowstage_tui.cli.main as cli
from flowstage_tui.cli.context import resolve
from flowstage_tui.cli.tui import app_for

CONFIG = """\
[profiles.prod]
auth = "demo"
label = "PROD"

[profiles.uat]
auth = "demo"
label = "UAT"
demo_seed = 11
read_only = false
background_poll_interval = 120
"""


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG)
    return path


def test_two_profiles_open_two_tabs_on_two_demo_orgs(
        config: Path, tui_calls: list[argparse.Namespace]) -> None:
    assert cli.main(["--config", str(config), "prod", "uat"]) == 0
    args = tui_calls[0]
    assert args.profile == "prod" and args.more_profiles == ["uat"]
    ctx = resolve(args, interactive=True)
    app = app_for(ctx, args)
    prod, uat = app.cfg.orgs
    assert (prod.profile.name, uat.profile.name) == ("prod", "uat")
    assert prod.read_only and not uat.read_only
    assert uat.polls_in_background == 120 and prod.polls_in_background == 4 * prod.interval
    # demo_seed 11: another demo org than the first profile's
    assert ctx.demo_org_of(uat.profile) is not ctx.demo_org_of(prod.profile)
    assert ctx.demo_org_of(prod.profile) is ctx.demo_org


def test_p_and_a_profile_word_open_both(config: Path,
                                        tui_calls: list[argparse.Namespace]) -> None:
    assert cli.main(["-p", "uat", "--config", str(config), "prod"]) == 0
    assert tui_calls[0].profile == "uat" and tui_calls[0].more_profiles == ["prod"]


@pytest.mark.parametrize("argv", [
    ["runs", "-p", "prod", "-p", "uat"],
    ["-p", "prod", "show", "OR-0000001", "-p", "uat"],
    ["-p", "prod", "-p", "uat"],
])
def test_a_second_profile_option_is_refused(config: Path, argv: list[str],
                                            capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([*argv, "--config", str(config)]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "-p/--profile given twice" in err


def test_an_unknown_second_profile_is_exit_2_before_the_screen(
        config: Path, tui_calls: list[argparse.Namespace],
        capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--config", str(config), "prod", "nope"]) == 2
    assert "no profile named 'nope'" in capsys.readouterr().err and not tui_calls


def test_demo_with_profile_words_is_refused(config: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--demo", "prod", "--config", str(config)]) == 2
    assert "demo_seed" in capsys.readouterr().err
