"""The profile's `[profiles.NAME.lint]` table: the thresholds of `flowstage lint`, checked on
load like every other key (one line naming file:line:key, exit 2).

    [profiles.prod.lint]
    expiring_within = "48h"   # an Error run whose resume window closes within it is an error
    stale_after = "30d"       # InProgress/Suspended runs unchanged longer (default: the
                              # profile's stale_after)
    held_after = "24h"        # work items held longer (default: the profile's stuck_after)
    cluster_growth = 1        # a failure cluster with this many more runs than last time
    fail_on = "error"         # the default of --fail-on: error | warning | info
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

from ..errors import ConfigError
from ..salesforce.lint import SEVERITIES, LintSettings
from ..salesforce.work_filter import parse_duration

DURATIONS = ("expiring_within", "stale_after", "held_after")
LINT_KEYS: dict[str, str] = {
    "expiring_within": "an Error run whose resume window closes within it, e.g. 48h",
    "stale_after": "an InProgress or Suspended run unchanged longer, e.g. 30d",
    "held_after": "a work item held longer, e.g. 24h",
    "cluster_growth": "runs a failure cluster must gain since the last lint, e.g. 1",
    "fail_on": "the lowest severity that fails the lint: " + " | ".join(SEVERITIES),
}
Fail = Callable[[str, str], ConfigError]  # (key, message) -> the error naming file:line:key


def check_lint(table: object, fail: Fail, did_you_mean: Callable[[str, Any], str]) -> None:
    """Raise (through `fail`) at the first wrong key of a `lint` table."""
    if not isinstance(table, dict):
        raise fail("", "must be a table ([profiles.NAME.lint])")
    for key, value in table.items():
        if key not in LINT_KEYS:
            raise fail(key, "unknown key" + did_you_mean(key, LINT_KEYS))
        if key in DURATIONS:
            if not isinstance(value, str):
                raise fail(key, f"must be a string ({LINT_KEYS[key]}), not "
                           f"{type(value).__name__}")
            try:
                if parse_duration(value) <= timedelta(0):
                    raise ValueError(f"{value!r} is no time at all; give one like 4h or 30d")
            except ValueError as exc:
                raise fail(key, str(exc)) from None
        elif key == "cluster_growth":
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise fail(key, f"must be a whole number of runs, 1 or more, not {value!r}")
        elif value not in SEVERITIES:
            raise fail(key, f"unknown severity {value!r}; use one of " + ", ".join(SEVERITIES))


def lint_settings(table: Mapping[str, Any] | None, *, stale_after: timedelta,
                  stuck_after: timedelta) -> LintSettings:
    """The checked table as LintSettings; the profile's own thresholds where it is silent."""
    t = table or {}
    defaults = LintSettings()
    return LintSettings(
        expiring_within=parse_duration(t["expiring_within"]) if "expiring_within" in t
        else defaults.expiring_within,
        stale_after=parse_duration(t["stale_after"]) if "stale_after" in t else stale_after,
        held_after=parse_duration(t["held_after"]) if "held_after" in t else stuck_after,
        cluster_growth=int(t.get("cluster_growth", defaults.cluster_growth)))


__all__ = ["LINT_KEYS", "check_lint", "lint_settings"]
