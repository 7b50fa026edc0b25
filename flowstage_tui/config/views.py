"""Saved views: a named run filter, sort and set of columns, kept in config.toml as
`[views.NAME]` tables (every profile's: `flowstage prod --view errors` and `flowstage staging
--view errors` mean the same list), written only when the user saves one (`:save NAME`).

    [views.errors]
    status = ["Error"]
    since = "1d"
    sort = "-modified"
    columns = ["Status", "Orchestration", "Run", "Started"]

A filter's `since` is kept as the age it was typed as (a view opened tomorrow looks back as
far from tomorrow). An `Id IN (…)` list (a failure cluster's runs) is not saved: it names runs
of one moment, not a view.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from ..errors import ConfigError, UsageError
from ..salesforce.queries import RunFilter, age_minutes, status_names
from ..salesforce.run_sort import DEFAULT_SORT, RunSort
from ..salesforce.work import DEFAULT_STALE_AFTER

VIEW_KEYS = ("status", "since", "orch", "text", "preset", "sort", "columns")
# the Runs pane's columns a view may list (ui/widgets/runs.py RunsTable.COLUMNS, but the mark)
RUN_COLUMNS = ("Status", "Orchestration", "Run", "Stage", "Started", "Took", "Age")
PRESETS = ("stale", "expiring")
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")
MAX_NAME = 40

Fail = Callable[[str, str], ConfigError]  # (key, message) -> the error naming file:line


@dataclass(frozen=True)
class SavedView:
    name: str
    status: tuple[str, ...] = ()
    since: str | None = None  # an age: 30m, 24h, 7d
    orch: str | None = None
    text: str | None = None
    preset: str | None = None
    sort: RunSort = DEFAULT_SORT
    columns: tuple[str, ...] | None = None  # None: every column

    def run_filter(self, now: datetime,
                   stale_after: timedelta = DEFAULT_STALE_AFTER) -> RunFilter:
        return RunFilter.parse(status=list(self.status), since=self.since,
                               orchestration=self.orch, text=self.text, now=now,
                               preset=self.preset, stale_after=stale_after)

    def table(self) -> dict[str, Any]:
        """The `[views.NAME]` table: only what the view sets."""
        out: dict[str, Any] = {}
        if self.status:
            out["status"] = list(self.status)
        for key in ("since", "orch", "text", "preset"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        out["sort"] = self.sort.text()
        if self.columns is not None:
            out["columns"] = list(self.columns)
        return out

    def describe(self) -> str:
        parts = [f"status={','.join(self.status)}"] if self.status else []
        parts += [f"{k}={getattr(self, k)}" for k in ("since", "orch", "text", "preset")
                  if getattr(self, k)]
        parts.append(f"sort={self.sort.text()}")
        return " ".join(parts)


def check_name(name: str) -> str:
    """A view's name: letters, digits, `_` and `-` (it is a TOML key and a shell word)."""
    name = name.strip()
    if not name or len(name) > MAX_NAME or not set(name) <= _NAME_CHARS:
        raise ValueError(f"{name[:MAX_NAME]!r} is not a view name; use letters, digits, _ "
                         f"and - (at most {MAX_NAME}), e.g. errors or stale-onboarding")
    return name


def age_text(since: datetime, now: datetime) -> str:
    """The age `since` is back from `now`, in the largest unit that says it exactly."""
    minutes = max(1, round((now - since).total_seconds() / 60))
    for unit, size in (("w", 10080), ("d", 1440), ("h", 60)):
        if minutes % size == 0:
            return f"{minutes // size}{unit}"
    return f"{minutes}m"


def view_of(name: str, flt: RunFilter, sort: RunSort, now: datetime,
            columns: tuple[str, ...] | None = None) -> SavedView:
    """The view the screen shows now, to save as `name`: its age as it was typed (`24h` stays
    `24h` however long ago it was typed), else the age its moment is back from `now`."""
    age = (flt.since_age or age_text(flt.since, now)) if flt.since else None
    return SavedView(check_name(name), flt.statuses, age, flt.orchestration,
                     flt.text, flt.preset, sort, columns)


def parse_views(raw: Any, fail: Callable[[str | None, str, str], ConfigError]
                ) -> dict[str, SavedView]:
    """The `[views]` tables, held to the rules the TUI and the options hold the same values
    to. `fail(view or None, key, message)` makes the error naming the file and line."""
    if not isinstance(raw, dict):
        raise fail(None, "views", "must be a table of [views.NAME] tables")
    views: dict[str, SavedView] = {}
    for name, table in raw.items():
        try:
            check_name(name)
        except ValueError as exc:
            raise fail(None, name, str(exc)) from None
        if not isinstance(table, dict):
            raise fail(None, name, "must be a table ([views.NAME])")
        views[name] = _view(name, table, _naming(fail, name))
    return views


def _naming(fail: Callable[[str | None, str, str], ConfigError], name: str) -> Fail:
    return lambda key, message: fail(name, key, message)


def _view(name: str, table: Mapping[str, Any], fail: Fail) -> SavedView:
    for key in table:
        if key not in VIEW_KEYS:
            raise fail(key, "unknown key; use one of " + ", ".join(VIEW_KEYS))
    for key in ("since", "orch", "text", "preset", "sort"):
        if key in table and not isinstance(table[key], str):
            raise fail(key, "must be a string")
    try:
        status = status_names(table.get("status"))
    except ValueError as exc:
        raise fail("status", str(exc)) from None
    if "since" in table:
        try:
            age_minutes(table["since"])
        except ValueError as exc:
            raise fail("since", str(exc)) from None
    if table.get("preset") is not None and table["preset"] not in PRESETS:
        raise fail("preset", f"unknown preset {table['preset']!r}; use stale or expiring")
    try:
        sort = RunSort.parse(table["sort"]) if "sort" in table else DEFAULT_SORT
    except ValueError as exc:
        raise fail("sort", str(exc)) from None
    columns = table.get("columns")
    if columns is not None:
        if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
            raise fail("columns", "must be a list of column names, e.g. [\"Status\", \"Run\"]")
        if not columns:
            raise fail("columns", "lists no column; keep at least one, or leave columns out "
                       "for every one")
        wrong = [c for c in columns if c not in RUN_COLUMNS]
        if wrong:
            raise fail("columns", f"unknown column {wrong[0]!r}; use " + ", ".join(RUN_COLUMNS))
        columns = tuple(columns)
    return SavedView(name, status, table.get("since"), table.get("orch"), table.get("text"),
                     table.get("preset"), sort, columns)


def view_named(views: Mapping[str, SavedView], name: str, path: Path) -> SavedView:
    """The saved view `name`; a UsageError (exit 2) naming the views there are."""
    if name in views:
        return views[name]
    here = ", ".join(sorted(views)) if views else "none yet (save one with :save NAME)"
    raise UsageError(f"--view: no view named {name!r} in {path}; views there: {here}")


def save_view(path: Path, view: SavedView) -> None:
    """Add or replace `[views.NAME]` in config.toml, keeping the file's comments and order
    (store.edit: validated before it is written, written atomically)."""
    import tomlkit

    from .store import edit

    def change(doc: Any) -> None:
        if "views" not in doc:
            doc["views"] = tomlkit.table(is_super_table=True)
        table = tomlkit.table()
        for key, value in view.table().items():
            table[key] = value
        doc["views"][view.name] = table

    edit(path, change)


class ViewBook:
    """The saved views a session knows, and the config file a new one is written to (None:
    none, e.g. a screenshot run). Used on the UI thread only; saving is the user's act."""

    def __init__(self, views: Mapping[str, SavedView], path: Path | None) -> None:
        self._views = dict(views)
        self.path = path

    def names(self) -> list[str]:
        return sorted(self._views)

    def get(self, name: str) -> SavedView | None:
        return self._views.get(name)

    def save(self, view: SavedView) -> Path:
        """Write it (ConfigError when the file cannot take it); then it can be opened."""
        if self.path is None:
            raise ConfigError("this session has no config file to save views to")
        save_view(self.path, view)
        self._views[view.name] = view
        return self.path
