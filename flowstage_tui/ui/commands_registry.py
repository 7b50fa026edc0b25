"""The one registry of `:` commands; the command line, completion, help and the command
palette are all built from it (Dolphie's pattern)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ..config.views import RUN_COLUMNS
from ..salesforce.models import RUN_STATUSES
from ..salesforce.presets import PRESETS
from ..salesforce.queries import LINE_KEYS, RunFilter
from ..salesforce.work import DEFAULT_STALE_AFTER, Flag


@dataclass(frozen=True)
class CommandSpec:
    name: str
    usage: str
    help: str
    aliases: tuple[str, ...] = ()
    writes: bool = False  # changes the org: hidden (and refused) in a read-only tab


COMMANDS = (
    CommandSpec("runs", "runs [status=S,S] [since=24h] [orch=NAME] [text=T] [preset=P]",
                "filter runs on the server (no arguments: all runs)"),
    CommandSpec("run", "run <Id or Name>", "jump to one run"),
    CommandSpec("errors", "errors", "only runs in Error"),
    CommandSpec("stale", "stale", "InProgress or Suspended runs not modified for the "
                "profile's stale_after (30d) (:runs preset=stale)"),
    CommandSpec("expiring", "expiring", "Error runs whose 14-day resume window closes within "
                "48h, from their failure (:runs preset=expiring)"),
    CommandSpec("work", "work [assignee=NAME] [held>4h] [held<2d] [flag=F] [run=TEXT]",
                "the Work view: every open work item of the org (no arguments: all of them)"),
    CommandSpec("failures", "failures [since=24h]", "failure clusters: Error runs grouped by "
                "the cause of their failure (Enter lists a cluster's runs)"),
    CommandSpec("versions", "versions [orch=NAME]", "version drift: unfinished runs still on "
                "older orchestration versions (Enter lists a version's runs)"),
    CommandSpec("columns", "columns [-NAME] [+NAME] [all]", "hide (-Took) or show (+Took, "
                "all) Runs columns, remembered per profile (no arguments: list them)"),
    CommandSpec("save", "save NAME", "save the runs' filter and sort as a view in config.toml "
                "(open it with :view NAME or `flowstage --view NAME`)"),
    CommandSpec("view", "view NAME", "open a saved view: its filter and sort"),
    CommandSpec("profile", "profile NAME", "go to that org's tab (opens it if needed)"),
    CommandSpec("open", "open NAME", "open another profile's org in a new tab"),
    CommandSpec("close", "close", "close this org's tab (not the last one)"),
    CommandSpec("refresh", "refresh", "poll now"),
    CommandSpec("reassign", "reassign", "reassign the marked (else the selected) work items "
                "of Steps or the Work view to someone you pick (R)", writes=True),
    CommandSpec("cancel", "cancel", "cancel the marked (else the selected) runs (C)",
                writes=True),
    CommandSpec("delete", "delete", "delete the interview of the marked (else the selected) "
                "finished or canceled runs (D)", writes=True),
    CommandSpec("nudge", "nudge", "nudge the marked (else the selected) waiting runs to "
                "re-evaluate (U)", writes=True),
    CommandSpec("resume", "resume", "no documented API: where Salesforce resumes the selected "
                "run, and its Lightning URL"),
    CommandSpec("suspend", "suspend", "no documented API: where Salesforce suspends the "
                "selected run, and its Lightning URL"),
    CommandSpec("retry", "retry", "no documented API: where Salesforce retries (resumes) the "
                "selected failed run, and its Lightning URL"),
    CommandSpec("q", "q", "quit", aliases=("quit",)),
)


def help_lines(read_only: bool = False) -> list[str]:
    """The command line's part of the help screen (a read-only tab's has no writes)."""
    return [f":{c.usage}  — {c.help}" for c in shown_commands(read_only)]


def shown_commands(read_only: bool) -> tuple[CommandSpec, ...]:
    """The commands offered: in a read-only tab, none that writes."""
    return tuple(c for c in COMMANDS if not (read_only and c.writes))


FILTER_KEYS = tuple(f"{key}=" for key in LINE_KEYS)
WORK_KEYS = ("assignee=", "held>", "held<", "flag=", "run=")
WORK_VALUES = {"flag=": [str(f) for f in Flag], "held>": ["1h", "4h", "24h", "2d", "7d"],
               "held<": ["1h", "4h", "24h", "2d", "7d"]}


def complete(line: str, orchestrations: list[str], profiles: list[str],
             read_only: bool = False) -> str:
    """Tab completion for the command line: command names, filter keys, and their values
    (a read-only tab is offered no write command, as its palette and help are not)."""
    parts = line.split(" ")
    if len(parts) == 1:
        matches = [c.name for c in shown_commands(read_only) if c.name.startswith(parts[0])]
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
            pool = {"status": list(RUN_STATUSES), "orch": orchestrations,
                    "since": ["1h", "24h", "7d", "30d"], "preset": list(PRESETS)}.get(key, [])
            done, _, partial = value.rpartition(",")
            candidates = [f"{key}={done + ',' if done else ''}{v}" for v in pool
                          if v.lower().startswith(partial.lower())]
    elif parts[0] == "work":
        word = next((k for k in WORK_KEYS if last.startswith(k)), None)
        if word is None:
            candidates = [k for k in WORK_KEYS if k.startswith(last)]
        else:
            done, _, typed = last[len(word):].rpartition(",")  # flag=inactive,fr…
            candidates = [f"{word}{done + ',' if done else ''}{v}"
                          for v in WORK_VALUES.get(word, [])
                          if v.lower().startswith(typed.lower())]
    elif parts[0] == "versions":
        candidates = ["orch=" + o for o in orchestrations
                      if ("orch=" + o).lower().startswith(last.lower())]
    elif parts[0] == "columns":  # -To → -Took, +st → +Stage / +Started
        sign = last[:1] if last[:1] in ("+", "-") else ""
        candidates = [f"{sign}{c}" for c in (*RUN_COLUMNS, "all")
                      if c.lower().startswith(last[len(sign):].lower()) and not
                      (sign and c == "all")]
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


def parse_runs_args(text: str, now: datetime,
                    stale_after: timedelta = DEFAULT_STALE_AFTER) -> RunFilter:
    """The `:runs` words as a RunFilter (the grammar lives with RunFilter, in salesforce/);
    `stale_after`: the profile's, for preset=stale."""
    return RunFilter.parse_line(text, now, stale_after=stale_after)
