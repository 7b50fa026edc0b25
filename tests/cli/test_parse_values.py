"""The value parsers the command line, the config file and the TUI share: each bad value is a
UsageError or ConfigError with one line, never an OverflowError or a silent pass."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from flowstage_tui.cli.context import run_filter_of
from flowstage_tui.config.store import parse_config
from flowstage_tui.demo import demo_moment
from flowstage_tui.errors import ConfigError, UsageError

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("age", ["800000d", "99999999d", "9" * 40 + "w", "abc", "-5h", "",
                                 "5", "h"])
def test_parse_since_refuses_every_bad_age_with_the_same_usage_error(age: str) -> None:
    """The TUI's `:runs since=` relies on the same rule; an OverflowError would close the app."""
    with pytest.raises(UsageError, match=r"^--since: .* like 30m, 24h, 7d or 2w"):
        since(age)


def since(age: str) -> datetime | None:
    return run_filter_of(since=age, now=NOW).since


def test_parse_since_still_reads_good_ages() -> None:
    assert since("24h") == datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    assert since(" 2W ") == datetime(2026, 11, 14, 9, 0, tzinfo=UTC)
    century = since("36525d")
    assert century is not None and century.year == 1926


@pytest.mark.parametrize("values", [[","], [""], [" , "]])
def test_parse_statuses_refuses_a_list_with_no_status(values: list[str]) -> None:
    with pytest.raises(UsageError, match=r"^--status: no status in"):
        statuses(values)


def statuses(values: list[str] | str | None) -> tuple[str, ...]:
    return run_filter_of(values, now=NOW).statuses


def test_parse_statuses_unset_is_no_filter() -> None:
    assert statuses(None) == () and statuses("") == ()
    assert statuses(["error, in progress", "Error"]) == ("Error", "InProgress")


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z",
                                    "yesterday", "2026-13-01T00:00:00Z"])
def test_demo_moment_refuses_moments_the_demo_data_cannot_live_at(moment: str) -> None:
    with pytest.raises(UsageError, match=r"^--at: "):
        demo_moment(moment, "--at")


@pytest.mark.parametrize(("value", "needle"), [
    ("nan", "must be at least 5 seconds"),
    ("-inf", "must be at least 5 seconds"),
    ("inf", "must be at most 86400 seconds"),
    ("1e308", "must be at most 86400 seconds"),
    ("86401", "must be at most 86400 seconds"),
    ("4.9", "must be at least 5 seconds"),
])
def test_poll_interval_refuses_non_finite_and_absurd_values(value: str, needle: str) -> None:
    text = f'[profiles.prod]\nauth = "demo"\npoll_interval = {value}\n'
    with pytest.raises(ConfigError, match=needle) as caught:
        parse_config(Path("config.toml"), text)
    assert "config.toml:3: profiles.prod.poll_interval" in str(caught.value)


@pytest.mark.parametrize("value", ["5", "86400", "12.5"])
def test_poll_interval_accepts_sane_values(value: str) -> None:
    cfg = parse_config(Path("c.toml"), f'[profiles.p]\nauth = "demo"\npoll_interval = {value}\n')
    assert cfg.profiles["p"].get("poll_interval") == float(value)


@pytest.mark.parametrize("age", ["800000d", "24", "soon"])
def test_profile_since_is_held_to_the_same_rule_as_the_command_line(age: str) -> None:
    text = f'[profiles.prod]\nauth = "demo"\nsince = "{age}"\n'
    with pytest.raises(ConfigError, match=r"config.toml:3: profiles.prod.since: .* like 30m"):
        parse_config(Path("config.toml"), text)


@pytest.mark.parametrize(("value", "needle"), [
    ('"Nope"', "unknown status 'Nope'"),
    ('["Error", "Sometimes"]', "unknown status 'Sometimes'"),
    ('","', "no status in ','"),
    ("[1]", "must be a string or a list of strings"),
])
def test_profile_status_is_held_to_the_same_rule_as_the_command_line(value: str,
                                                                     needle: str) -> None:
    """It used to pass config validate and then fail every command as `--status: ...`."""
    text = f'[profiles.prod]\nauth = "demo"\nstatus = {value}\n'
    with pytest.raises(ConfigError, match=r"config.toml:3: profiles.prod.status: ") as caught:
        parse_config(Path("config.toml"), text)
    assert needle in str(caught.value)


def test_profile_status_accepts_what_the_command_line_accepts() -> None:
    text = '[profiles.p]\nauth = "demo"\nstatus = ["error", "In Progress"]\n'
    assert parse_config(Path("c.toml"), text).profiles["p"].get("status")
