"""Which Runs columns a profile hides (`:columns`), kept in the state dir — a preference of
this machine's, not configuration: it is written whenever the user changes it, one small JSON
file per profile, and an unreadable one is as good as none (every column shown)."""

from __future__ import annotations

import json
from pathlib import Path

from .views import RUN_COLUMNS


def parse_columns(words: str, hidden: frozenset[str]) -> frozenset[str]:
    """The hidden set after `:columns` words: `-Took -Age` hides, `+Took` shows, `all` shows
    every column, bare names (`Status Run Started`) show exactly those. Names ignore case.
    ValueError with the words to show."""
    by_lower = {c.lower(): c for c in RUN_COLUMNS}
    out = set(hidden)
    exact: set[str] = set()
    for word in words.split():
        if word.lower() == "all":
            out = set()
            continue
        sign, name = (word[0], word[1:]) if word[0] in "+-" else ("", word)
        col = by_lower.get(name.lower())
        if col is None:
            raise ValueError(f"unknown column {name!r}; use " + ", ".join(RUN_COLUMNS)
                             + " (-NAME hides, +NAME shows, all shows every one)")
        if sign == "-":
            out.add(col)
        elif sign == "+":
            out.discard(col)
        else:
            exact.add(col)
    if exact:
        out = set(RUN_COLUMNS) - exact
    if out >= set(RUN_COLUMNS):
        raise ValueError("that hides every column; keep at least one (e.g. +Run)")
    return frozenset(out)


def describe(hidden: frozenset[str]) -> str:
    return ", ".join(c if c not in hidden else f"-{c}" for c in RUN_COLUMNS)


class ColumnPrefs:
    """`<state dir>/columns/<profile>.json`: {"hidden": [...]}; `directory` None keeps
    nothing (tests, screenshots)."""

    def __init__(self, directory: Path | None) -> None:
        self.directory = directory

    def _file(self, profile: str) -> Path | None:
        return None if self.directory is None else self.directory / f"{profile}.json"

    def load(self, profile: str) -> frozenset[str]:
        path = self._file(profile)
        if path is None:
            return frozenset()
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            hidden = frozenset(c for c in data["hidden"] if c in RUN_COLUMNS)
        except (OSError, ValueError, KeyError, TypeError):
            return frozenset()
        return hidden if hidden < set(RUN_COLUMNS) else frozenset()

    def save(self, profile: str, hidden: frozenset[str]) -> None:
        """OSError when the state dir cannot take it (the caller says so; the columns stay
        as chosen for the session)."""
        path = self._file(profile)
        if path is None:
            return
        from .store import atomic_write

        atomic_write(path, json.dumps({"hidden": sorted(hidden)}) + "\n")
