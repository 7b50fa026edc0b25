"""The one registry of `:` commands; the command line, completion, help and the command
palette are all built from it (Dolphie's pattern)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..context import STATUSES
from ..salesforce.queries import RunFilter


@dataclass(frozen=True)
class CommandSpec:
    name: str
    usage: str
    help: str
    aliases: tuple[str, ...] = ()


COMMANDS = (
    CommandSpec("runs", "runs [status=S,S] [since=24h] [orch=NAME] [text=T]",
                "filter runs on the server (no arguments: all runs)"),
    CommandSpec("run", "run <Id or Name>", "jump to one run"),
    CommandSpec("errors", "errors", "only runs in Error"),
    CommandSpec("profile", "profile NAME", "go to that org's tab (opens it if needed)"),
    CommandSpec("open", "open NAME", "open another profile's org in a new tab"),
    CommandSpec("close", "close", "close this org's tab (not the last one)"),
    CommandSpec("refresh", "refresh", "poll now"),
    CommandSpec("q", "q", "quit", aliases=("quit",)),
)


def help_lines() -> list[str]:
    """The command line's part of the help screen."""
    return [f":{c.usage}  — {c.help}" for c in COMMANDS]


FILTER_KEYS = ("status=", "since=", "orch=", "text=")


def complete(line: str, orchestrations: list[str], profiles: list[str]) -> str:
    """Tab completion for the command line: command names, filter keys, and their values."""
    parts = line.split(" ")
    if len(parts) == 1:
        matches = [c.name for c in COMMANDS if c.name.startswith(parts[0])]
        if len(matches) == 1:
            return matches[0] + " "
        return _common(matches) if matches and len(_common(matches)) > len(line) else line
    last = parts[-1]
    head = " ".join(parts[:-1])
    candidates: list[str] = []
    if parts[0] == "runs":
        if "=" not in last:
            candidates = [k for k in FILTER_KEYS if k.startswith(last)]
        else:
            key, _, value = last.partition("=")
            pool = {"status": list(STATUSES), "orch": orchestrations,
                    "since": ["1h", "24h", "7d", "30d"]}.get(key, [])
            done, _, partial = value.rpartition(",")
            candidates = [f"{key}={done + ',' if done else ''}{v}" for v in pool
                          if v.lower().startswith(partial.lower())]
    elif parts[0] in ("profile", "open"):
        candidates = [p for p in profiles if p.startswith(last)]
    if len(candidates) == 1:
        return f"{head} {candidates[0]}".strip()
    if candidates:
        prefix = _common(candidates)
        return f"{head} {prefix}".strip() if len(prefix) > len(last) else line
    return line


def _common(words: list[str]) -> str:
    prefix = words[0]
    for other in words[1:]:
        while not other.startswith(prefix):
            prefix = prefix[:-1]
    return prefix


RUNS_KEYS = ("status", "since", "orch", "text")
MAX_VALUE = 200  # characters: longer is a paste gone wrong, and the query URL has a limit


def parse_runs_args(text: str, now: datetime) -> RunFilter:
    """`status=Error,InProgress since=24h orch="Employee Onboarding" text=OR-0001` → RunFilter.
    Quotes group words; so does a bare word after a value (`text=Loan Application`)."""
    import shlex

    from ..context import parse_since, parse_statuses
    from ..errors import UsageError

    try:
        words = shlex.split(text)
    except ValueError:
        raise ValueError(f"Unclosed quote in {text!r}: write orch=\"Employee Onboarding\"") \
            from None
    values: dict[str, str] = {}
    last: str | None = None
    for word in words:
        key, eq, value = word.partition("=")
        if eq and key in RUNS_KEYS:
            values[key] = value
            last = key
        elif not eq and last is not None:
            values[last] = f"{values[last]} {word}".strip()
        else:
            raise ValueError(f"Unknown filter {word!r}: use status=, since=, orch=, text=")
    for key, value in values.items():
        if len(value) > MAX_VALUE:
            raise ValueError(f"{key}= is {len(value)} characters long; give at most "
                             f"{MAX_VALUE}")
    try:
        return RunFilter(statuses=parse_statuses(values.get("status")),
                         orchestration=values.get("orch") or None,
                         since=parse_since(values["since"], now) if values.get("since")
                         else None, text=values.get("text") or None)
    except UsageError as exc:
        raise ValueError(str(exc).replace("--", "")) from exc
