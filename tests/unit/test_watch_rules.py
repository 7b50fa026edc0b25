"""config.toml's alert keys read right: `notify` (the file's, a profile's own), on_alert and
the [[profiles.NAME.watch]] rules (each broken form: tests/cli/configs, test_config.py)."""

from __future__ import annotations

import textwrap
from datetime import timedelta
from pathlib import Path

import pytest

from flowstage_tui.cli.context import resolve
from flowstage_tui.config.store import parse_config
from flowstage_tui.config.watch_rules import WatchRule
from flowstage_tui.errors import ConfigError

TEXT = textwrap.dedent("""\
    notify = "bell"

    [profiles.prod]
    auth = "sf-cli"
    sf_alias = "prod"
    notify = "osc99"
    on_alert = ["notify-ops", "--team", "crm"]
    on_alert_timeout = 2.5

    [[profiles.prod.watch]]
    name = "HR failures"
    orchestration = "Employee_Onboarding"
    status = ["Error", "suspended"]

    [[profiles.prod.watch]]
    stuck_work = true
    flags = ["inactive", "frozen", "inactive"]
    held = "4h"
    on_alert = ["page-me"]

    [profiles.uat]
    auth = "demo"
    """)


def test_rules_notify_and_on_alert_are_read() -> None:
    cfg = parse_config(Path("/x/config.toml"), TEXT)
    prod, uat = cfg.profiles["prod"], cfg.profiles["uat"]
    assert cfg.notify == "bell"
    assert prod.notify == "osc99" and uat.notify == "bell"  # the file's, unless its own
    assert prod.on_alert == ("notify-ops", "--team", "crm") and uat.on_alert is None
    assert prod.on_alert_timeout == 2.5 and uat.on_alert_timeout == 10
    assert prod.watch == (
        WatchRule(1, "HR failures", "Employee_Onboarding", ("Error", "Suspended")),
        WatchRule(2, "watch rule 2", None, (), True, ("inactive", "frozen"),
                  timedelta(hours=4), ("page-me",)))
    assert not prod.watch[0].watches_work and prod.watch[1].watches_work
    assert uat.watch == ()


def test_without_notify_it_is_auto() -> None:
    cfg = parse_config(Path("/x/config.toml"), '[profiles.p]\nauth = "demo"\n')
    assert cfg.notify == "auto" and cfg.profiles["p"].notify == "auto"


def test_demo_takes_the_file_s_notify(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('notify = "osc777"\n')

    class Args:
        demo, config, profile = True, path, None

    assert resolve(Args()).profile.notify == "osc777"


@pytest.mark.parametrize(("table", "needle"), [
    ('flags = ["inactive"]', "flags narrow stuck_work: add stuck_work = true"),
    ("stuck_work = 1", "stuck_work: must be true or false"),
    ('held = "0s"', "'0s' is no time at all"),
    ('status = "Error"\nname = ""', "name: must be a non-empty string"),
    ('status = "Error"\non_alert = ["", "x"]', "on_alert: the command (its first word) is empty"),
    ('status = []', "status: names no status"),
])
def test_each_mistake_names_the_rule_and_key(table: str, needle: str) -> None:
    text = f'[profiles.p]\nauth = "demo"\n\n[[profiles.p.watch]]\n{table}\n'
    with pytest.raises(ConfigError) as exc:
        parse_config(Path("/x/config.toml"), text)
    assert needle in str(exc.value)
    assert str(exc.value).startswith("/x/config.toml:") and ".watch[1]." in str(exc.value)


def test_config_show_names_the_rules_and_where_notify_comes_from(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from flowstage_tui.cli.main import main

    path = tmp_path / "config.toml"
    path.write_text(TEXT)
    assert main(["config", "show", "-p", "prod", "--config", str(path)]) == 0
    out = capsys.readouterr().out
    assert f"2 rule(s): HR failures, watch rule 2     {path} [[profiles.prod.watch]]" in out
    assert main(["config", "show", "-p", "uat", "--config", str(path)]) == 0
    (line,) = [ln for ln in capsys.readouterr().out.splitlines() if "notify" in ln]
    assert line.split() == ["notify", "bell", f"{path}", "(notify)"]
    assert main(["config", "show", "--demo", "--config", str(path)]) == 0
    assert "notify               bell" in capsys.readouterr().out
