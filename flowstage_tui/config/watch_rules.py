"""`[[profiles.NAME.watch]]`: the rules `flowstage watch --alert` raises alerts by, read and
checked when the config loads (a mistake is one line naming file, line and key).

A rule watches runs (`status`: alert when a run enters one of them) or open work items
(`stuck_work = true`: an item flagged inactive/frozen/unresolvable/stuck/no-active-member,
narrowed by `flags`; `held = "4h"`: an item held longer) — never both; every condition a
rule gives must hold. `orchestration` narrows either kind to runs whose developer name or
label contains it (as the run filter's `orchestration` does). A third kind watches failure
clusters (`clusters = true`: alert when a cluster gains an Error run); they are read every
FAILURES_EVERY (engine/budget.py), not on every poll, as reading them costs a few calls.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from ..salesforce.queries import status_names
from ..salesforce.work import FLAG_ORDER
from ..salesforce.work_filter import parse_duration

RULE_KEYS: dict[str, str] = {
    "name": "what the alert calls the rule (default: watch rule N)",
    "orchestration": "only runs whose developer name or label contains this",
    "status": "alert when a run enters one of these statuses, e.g. [\"Error\"]",
    "stuck_work": "alert when an open work item is flagged (true)",
    "flags": "with stuck_work: only these flags, e.g. [\"inactive\", \"frozen\"]",
    "held": "alert when an open work item is held longer, e.g. \"4h\"",
    "clusters": "alert when a failure cluster gains an Error run (true; read every 5 min)",
    "on_alert": "this rule's command instead of the profile's on_alert",
}
FLAGS = tuple(str(f) for f in FLAG_ORDER)
MAX_TIMEOUT = 300.0  # seconds; the next poll waits for the command


@dataclass(frozen=True)
class WatchRule:
    index: int  # 1-based, in the order the file gives them
    name: str
    orchestration: str | None = None
    statuses: tuple[str, ...] = ()
    stuck_work: bool = False
    flags: tuple[str, ...] = ()  # empty: any flag
    held: timedelta | None = None
    on_alert: tuple[str, ...] | None = None
    clusters: bool = False  # failure-cluster growth

    @property
    def watches_work(self) -> bool:
        return self.stuck_work or self.held is not None


# (rule index or None for the profile's own keys, key, message) -> the error to raise
Fail = Callable[[int | None, str, str], Exception]


def argv_problem(value: Any) -> str | None:
    """What is wrong with an on_alert value, or None: a non-empty list of strings, run as
    it is (never through a shell)."""
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        return ("must be a command as a list of strings, e.g. [\"notify-slack\", "
                "\"--channel\", \"ops\"] (it is run directly, never through a shell)")
    if not value[0].strip():
        return "the command (its first word) is empty"
    return None


def parse_rules(raw: Any, fail: Fail) -> tuple[WatchRule, ...]:
    if not isinstance(raw, list) or not all(isinstance(t, dict) for t in raw):
        raise fail(None, "watch", "must be tables: write each rule as [[profiles.NAME.watch]]")
    return tuple(_rule(i, table, fail) for i, table in enumerate(raw, start=1))


def _rule(index: int, table: Mapping[str, Any], fail: Fail) -> WatchRule:
    import difflib

    for key in table:
        if key not in RULE_KEYS:
            close = difflib.get_close_matches(key, list(RULE_KEYS), n=1)
            raise fail(index, key, "unknown key" + (f"; did you mean {close[0]!r}?" if close
                                                     else "; use " + ", ".join(RULE_KEYS)))
    for key in ("name", "orchestration", "held"):
        if key in table and (not isinstance(table[key], str) or not table[key].strip()):
            raise fail(index, key, f"must be a non-empty string ({RULE_KEYS[key]})")
    statuses: tuple[str, ...] = ()
    if "status" in table:
        try:
            statuses = status_names(table["status"])
        except ValueError as exc:
            raise fail(index, "status", str(exc)) from None
        if not statuses:
            raise fail(index, "status", "names no status; e.g. status = [\"Error\"]")
    stuck = table.get("stuck_work", False)
    if not isinstance(stuck, bool):
        raise fail(index, "stuck_work", "must be true or false")
    flags: tuple[str, ...] = ()
    if "flags" in table:
        value = table["flags"]
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            raise fail(index, "flags", "must be a list of flags, e.g. [\"inactive\", "
                       "\"frozen\"]; use " + ", ".join(FLAGS))
        for flag in value:
            if flag not in FLAGS:
                raise fail(index, "flags", f"unknown flag {flag!r}; use " + ", ".join(FLAGS))
        if not stuck:
            raise fail(index, "flags", "flags narrow stuck_work: add stuck_work = true")
        flags = tuple(dict.fromkeys(value))
    held: timedelta | None = None
    if "held" in table:
        try:
            held = parse_duration(table["held"])
        except ValueError as exc:
            raise fail(index, "held", str(exc)) from None
        if held <= timedelta(0):
            raise fail(index, "held", f"{table['held']!r} is no time at all; give one like 4h")
    on_alert: tuple[str, ...] | None = None
    if "on_alert" in table:
        problem = argv_problem(table["on_alert"])
        if problem:
            raise fail(index, "on_alert", problem)
        on_alert = tuple(table["on_alert"])
    clusters = table.get("clusters", False)
    if not isinstance(clusters, bool):
        raise fail(index, "clusters", "must be true or false")
    work = stuck or held is not None
    if statuses and work:
        raise fail(index, "status", "a rule watches runs (status) or work items (stuck_work, "
                   "held), not both; make them two [[watch]] rules")
    if clusters and (statuses or work):
        raise fail(index, "clusters", "a rule watches failure clusters or runs (status) or "
                   "work items (stuck_work, held), one of them; make them separate [[watch]] "
                   "rules")
    if not statuses and not work and not clusters:
        raise fail(index, "status", "says nothing to watch; give status = [\"Error\"], "
                   "stuck_work = true, held = \"4h\" or clusters = true")
    name = str(table.get("name") or f"watch rule {index}").strip()
    orch = table.get("orchestration")
    return WatchRule(index, name, orch.strip() if orch else None, statuses, stuck, flags,
                     held, on_alert, clusters)


def rule_line(text: str, profile: str, index: int, key: str) -> int | None:
    """The line of `key` in the profile's index-th [[profiles.NAME.watch]] table (1-based),
    or the table's own line; None when the rules are not written as such tables."""
    name = re.escape(profile) if re.match(r"^[A-Za-z0-9_-]+$", profile) else \
        f"[\"']{re.escape(profile)}[\"']"
    header = re.compile(r"^\s*\[\[\s*profiles\s*\.\s*" + name + r"\s*\.\s*watch\s*\]\]")
    key_re = re.compile(r"^\s*\"?" + re.escape(key) + r"\"?\s*=")
    lines = text.splitlines()
    starts = [i for i, line in enumerate(lines) if header.match(line)]
    if len(starts) < index:
        return None
    start = starts[index - 1]
    for i in range(start + 1, len(lines)):
        if lines[i].lstrip().startswith("["):
            break
        if key_re.match(lines[i]):
            return i + 1
    return start + 1


def timeout_problem(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value \
            or not 0 < value <= MAX_TIMEOUT:
        return f"must be a number of seconds, more than 0 and at most {MAX_TIMEOUT:g}"
    return None
