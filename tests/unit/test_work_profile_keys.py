"""The profile keys stuck_after and stale_after: durations, validated on load like the rest
(one line naming file, line and key), with the documented defaults."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from flowstage_tui.config.store import parse_config
from flowstage_tui.errors import ConfigError

P = Path("/cfg/config.toml")
OK = '[profiles.prod]\nauth = "sf-cli"\nsf_alias = "prod"\n'


def test_defaults_and_given_values() -> None:
    plain = parse_config(P, OK).profile("prod")
    assert plain.stuck_after == timedelta(hours=24)
    assert plain.stale_after == timedelta(days=30)
    given = parse_config(P, OK + 'stuck_after = "4h"\nstale_after = "2w"\n').profile("prod")
    assert given.stuck_after == timedelta(hours=4)
    assert given.stale_after == timedelta(days=14)


@pytest.mark.parametrize(("line", "message"), [
    ('stuck_after = "soon"', "profiles.prod.stuck_after: 'soon' is not a duration; write it "
     "like 45s, 90m, 4h, 30d or 2w"),
    ('stale_after = "0d"', "profiles.prod.stale_after: '0d' is no time at all; give one like "
     "4h or 30d"),
    ("stuck_after = 24", "profiles.prod.stuck_after: must be a string (a work item held longer "
     "is stuck, e.g. 4h (default 24h)), not int"),
    ('stale_after = "999999w"', "profiles.prod.stale_after: '999999w' is more than 100 years"),
])
def test_bad_values_name_file_line_and_key(line: str, message: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_config(P, OK + line + "\n")
    assert str(err.value).startswith(f"{P}:4: {message}")
    assert "\n" not in str(err.value)
