"""How the Runs pane is sorted: on the server (`ORDER BY <key> <dir> NULLS …, Id <dir>`), with
keyset paging that follows the same order, and the same order applied to the rows we hold.

Sortable: Name, Started (CreatedDate), Modified (LastModifiedDate), Orchestration (its label
where the org has OrchestrationLabel, else its developer name, OrchestrationDeveloperName or,
where only that exists, OrchestrationName). Not Status: SOQL sorts a
picklist in its setup order, which a keyset predicate (`Status > 'X'`, alphabetical) cannot
follow. Not Duration: it grows every second, so a page boundary would move under the cursor.

Nulls: ascending puts them first and descending last, so `S` mirrors the whole list exactly.
The query always says NULLS FIRST/LAST outright: Salesforce documents "null values are sorted
first" by default without saying whether DESC flips it, and an explicit clause does not care.
Text sorts case-insensitively on the upper-cased value (Salesforce's English-locale rule; it
matters for `_`, which sorts after the letters): `fold` is that rule, here and in the keyset.

OFFSET stops at 2,000 rows, so pages continue from the last row's (key, Id) — the cursor.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .capabilities import RUN, Capabilities
from .models import Run
from .soql import datetime_literal, quote

SORT_KEYS = ("name", "created", "modified", "orchestration")  # the order `s` cycles in
SORT_LABELS = {"name": "Name", "created": "Started", "modified": "Modified",
               "orchestration": "Orchestration"}
NOT_SORTABLE = ("Status and Duration are not sortable: SOQL sorts Status in the picklist's "
                "setup order, which paging cannot follow, and Duration changes every second")

Value = str | datetime | None
Cursor = tuple[Value, str]  # the last row's sort value and Id


def fold(text: str) -> str:
    """Text as Salesforce orders it (English locale: by the upper-cased value)."""
    return text.upper()


@dataclass(frozen=True)
class RunSort:
    key: str = "created"
    descending: bool = True

    def __post_init__(self) -> None:
        if self.key not in SORT_KEYS:
            raise ValueError(f"unknown sort {self.key!r}; use one of " + ", ".join(
                SORT_LABELS[k].lower() for k in SORT_KEYS))

    @classmethod
    def parse(cls, text: str) -> RunSort:
        """`started`, `-modified` (descending), `name desc`, `orchestration asc`. ValueError
        with the words to show."""
        words = text.strip().lower().split()
        if not words or len(words) > 2 or (len(words) == 2 and words[1] not in ("asc", "desc")):
            raise ValueError(f"{text!r} is not a sort; write it like started, -modified or "
                             "name asc")
        name, desc = words[0], len(words) == 2 and words[1] == "desc"
        if name.startswith("-"):
            name, desc = name[1:], True
        by_label = {v.lower(): k for k, v in SORT_LABELS.items()}
        key = by_label.get(name, name)
        if key not in SORT_KEYS:
            raise ValueError(f"unknown sort {name!r}; use one of "
                             + ", ".join(SORT_LABELS[k].lower() for k in SORT_KEYS)
                             + ". " + NOT_SORTABLE)
        return cls(key, desc)

    def text(self) -> str:
        """What `parse` reads back: `-started`, `name`."""
        return ("-" if self.descending else "") + SORT_LABELS[self.key].lower()

    def describe(self) -> str:
        return f"{SORT_LABELS[self.key]} {'↓' if self.descending else '↑'}"

    def cycled(self) -> RunSort:
        """The next column (`s`), in the same direction."""
        i = SORT_KEYS.index(self.key)
        return RunSort(SORT_KEYS[(i + 1) % len(SORT_KEYS)], self.descending)

    def reversed(self) -> RunSort:
        return RunSort(self.key, not self.descending)

    # ------------------------------------------------------------ the server's side
    def field(self, caps: Capabilities) -> str:
        if self.key == "name":
            return "Name"
        if self.key == "created":
            return "CreatedDate"
        if self.key == "modified":
            return "LastModifiedDate"
        for name in ("OrchestrationLabel", "OrchestrationDeveloperName"):
            if caps.has(RUN, name):
                return name
        return "OrchestrationName"  # an org that has neither (parse reads it as the name)

    @property
    def nullable(self) -> bool:
        """Name (an autonumber), CreatedDate and LastModifiedDate are never null."""
        return self.key == "orchestration"

    def order_by(self, caps: Capabilities) -> str:
        d = "DESC" if self.descending else "ASC"
        nulls = (" NULLS LAST" if self.descending else " NULLS FIRST") if self.nullable else ""
        return f"{self.field(caps)} {d}{nulls}, Id {d}"

    def after(self, cursor: Cursor, caps: Capabilities) -> str:
        """SOQL: the rows that come after `cursor` in this order."""
        f, (value, rid) = self.field(caps), cursor
        rid_q = quote(rid)
        if value is None:
            if self.descending:  # nulls last: only later nulls follow
                return f"({f} = null AND Id < {rid_q})"
            return f"(({f} = null AND Id > {rid_q}) OR {f} != null)"
        lit = datetime_literal(value) if isinstance(value, datetime) else quote(value)
        if self.descending:
            nulls = f" OR {f} = null" if self.nullable else ""
            return f"({f} < {lit} OR ({f} = {lit} AND Id < {rid_q}){nulls})"
        return f"({f} > {lit} OR ({f} = {lit} AND Id > {rid_q}))"

    # ------------------------------------------------------------ the rows we hold
    def value(self, run: Run, caps: Capabilities | None = None) -> Value:
        if self.key == "name":
            return run.name
        if self.key == "created":
            return run.created
        if self.key == "modified":
            return run.modified
        if caps is None or caps.has(RUN, "OrchestrationLabel"):
            return run.label
        return run.orchestration

    def cursor(self, run: Run, caps: Capabilities | None = None) -> Cursor:
        return self.value(run, caps), run.id

    def rank(self, run: Run, caps: Capabilities | None = None) -> tuple[Any, ...]:
        """Ascending by this key, nulls first, ties by Id: reverse it for descending."""
        v = self.value(run, caps)
        if v is None:
            return (False, "", run.id)
        return (True, fold(v) if isinstance(v, str) else v, run.id)

    def ordered(self, runs: list[Run], caps: Capabilities | None = None) -> list[Run]:
        return sorted(runs, key=lambda r: self.rank(r, caps), reverse=self.descending)

    def comes_after(self, run: Run, cursor_run: Run, caps: Capabilities | None = None) -> bool:
        a, b = self.rank(run, caps), self.rank(cursor_run, caps)
        return a < b if self.descending else a > b


DEFAULT_SORT = RunSort()
