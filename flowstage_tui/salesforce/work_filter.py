"""The work queue's filter, typed as `assignee=NAME held>4h held<2d flag=inactive run=TEXT`
(the TUI's `/` and `:work`, and `flowstage work`), and the duration words it and the profile's
`stuck_after` / `stale_after` share (`45s`, `90m`, `4h`, `30d`, `2w`).

It filters rows already held: nothing here reaches SOQL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import timedelta

from ..errors import FlowstageError
from .work import FLAG_SHORT, Flag, WorkRow, short_duration

GRAMMAR = ("assignee=NAME held>4h held<2d flag=inactive|frozen|unresolvable|stuck|"
           "no-active-member run=TEXT")
_DURATION_RE = re.compile(r"^(\d+)\s*([smhdw])$")
_UNITS = {"s": 1, "m": 60, "h": 3_600, "d": 86_400, "w": 604_800}
MAX_SECONDS = 36525 * 86_400  # a century
MAX_VALUE = 200
_TOKEN_RE = re.compile(r'(?P<key>[A-Za-z_]+)(?P<op>=|>|<)(?P<value>"[^"]*"|"[^"]*$|\S*)|'
                       r'(?P<word>"[^"]*"|"[^"]*$|\S+)')


def parse_duration(text: str) -> timedelta:
    """`4h` -> 4 hours. ValueError (with the words to show) for anything else."""
    m = _DURATION_RE.match(text.strip().lower())
    if m is None:
        raise ValueError(f"{text!r} is not a duration; write it like 45s, 90m, 4h, 30d or 2w")
    seconds = int(m.group(1)) * _UNITS[m.group(2)]
    if seconds > MAX_SECONDS:
        raise ValueError(f"{text!r} is more than 100 years; write a shorter one like 4h or 30d")
    return timedelta(seconds=seconds)


def parse_flag(text: str) -> Flag:
    """`inactive` (or its short form `inact`, as a narrow table shows it) -> Flag.INACTIVE;
    ValueError naming the flags for anything else."""
    value = text.strip().lower()
    for flag, short in FLAG_SHORT.items():
        if value == short:
            return flag
    try:
        return Flag(value)
    except ValueError:
        raise ValueError(f"unknown flag {text!r}; use one of "
                         + ", ".join(f.value for f in Flag)) from None


def _bad(token: str, why: str) -> FlowstageError:
    return FlowstageError(f"{token!r} in the work filter: {why}; write {GRAMMAR}")


def _unquote(value: str, token: str) -> str:
    if value.startswith('"'):
        if len(value) < 2 or not value.endswith('"'):
            raise _bad(token, "the quote is not closed")
        return value[1:-1]
    return value


@dataclass(frozen=True)
class WorkFilter:
    """What the work queue is narrowed to; empty matches every row. Several flags: a row with
    any of them."""

    assignee: str | None = None  # part of the assignee's name, or its Id
    held_over: timedelta | None = None
    held_under: timedelta | None = None
    flags: frozenset[Flag] = frozenset()
    run: str | None = None  # part of the run's name, its orchestration's label, or its Id

    @classmethod
    def parse(cls, text: str) -> WorkFilter:
        """`assignee="Tim O'Brien" held>4h flag=inactive,frozen` → WorkFilter. A bare word
        after assignee= or run= continues its value (`assignee=Tim O'Brien`). FlowstageError
        naming the bad token and the grammar."""
        values: dict[str, str] = {}
        last: str | None = None
        for m in _TOKEN_RE.finditer(text):
            token = m.group(0)
            if m.group("word") is not None:
                if last not in ("assignee", "run"):
                    raise _bad(token, "not a filter word")
                values[last] = f"{values[last]} {_unquote(m.group('word'), token)}".strip()
                continue
            key, op = m.group("key").lower(), m.group("op")
            name = "held" + op if key == "held" else key
            if (key == "held") != (op != "="):
                raise _bad(token, "only held takes > or <, the others =" if key != "held"
                           else "write held>4h or held<2d")
            if name not in ("assignee", "run", "flag", "held>", "held<"):
                raise _bad(token, "unknown word")
            if name in values:
                raise _bad(token, f"{name.rstrip('<>') if key != 'held' else name} is given "
                           "twice")
            value = _unquote(m.group("value"), token)
            if not value:
                raise _bad(token, "the value is empty")
            values[name] = value
            last = name if name in ("assignee", "run") else None
        out = cls()
        for name, value in values.items():
            if len(value) > MAX_VALUE:
                raise _bad(f"{name}=…", f"the value is {len(value)} characters long; give at "
                           f"most {MAX_VALUE}")
            try:
                if name.startswith("held"):
                    d = parse_duration(value)
                    out = replace(out, held_over=d) if name == "held>" else \
                        replace(out, held_under=d)
                elif name == "flag":
                    out = replace(out, flags=frozenset(
                        parse_flag(v) for v in value.split(",") if v.strip()))
                elif name == "assignee":
                    out = replace(out, assignee=value)
                else:
                    out = replace(out, run=value)
            except ValueError as exc:
                raise _bad(f"{name}{'' if name.startswith('held') else '='}{value}",
                           str(exc)) from None
        return out

    @property
    def empty(self) -> bool:
        return self == WorkFilter()

    def matches(self, row: WorkRow) -> bool:
        if self.assignee:
            needle = self.assignee.lower()
            if needle not in (row.assignee_name or "").lower() and \
                    needle != row.item.assignee_id.lower() and \
                    needle != row.item.assignee_id[:15].lower():
                return False
        if self.held_over is not None and row.held_seconds <= self.held_over.total_seconds():
            return False
        if self.held_under is not None and row.held_seconds >= self.held_under.total_seconds():
            return False
        if self.flags and not self.flags & row.flags:
            return False
        if self.run:
            needle = self.run.lower()
            hay = [row.run_name or "", row.run_label or "", row.run_id or ""]
            if not any(needle in h.lower() for h in hay):
                return False
        return True

    def describe(self) -> str:
        """The filter in its own grammar (what parse reads back), or `all open work items`."""
        parts = []
        if self.assignee:
            parts.append(f"assignee={_quoted(self.assignee)}")
        if self.held_over is not None:
            parts.append(f"held>{short_duration(self.held_over)}")
        if self.held_under is not None:
            parts.append(f"held<{short_duration(self.held_under)}")
        if self.flags:
            parts.append("flag=" + ",".join(f.value for f in Flag if f in self.flags))
        if self.run:
            parts.append(f"run={_quoted(self.run)}")
        return " ".join(parts) or "all open work items"


def _quoted(value: str) -> str:
    return f'"{value}"' if any(c.isspace() for c in value) else value
