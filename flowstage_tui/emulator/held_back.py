"""Which held-back runs a query on a run part could see, read from its WHERE (store.Deferred).

A generated run's stages, steps and work items are written the first time a query could see
them. A query bound by Ids or by a SystemModstamp floor says which runs those are
(soql_exec._ensure_written); one that is neither, such as the Work view's every open work
item (`Status = 'Assigned'`), used to make the demo org write every run (minutes at 100,000
runs). The run's planned status, known from generation (Deferred.statuses), narrows it: by
lifecycle.STATUS_NEEDS_RUN a held-back run whose fate was Completed holds no Assigned work
item. A held-back run's records are always the ones its plan writes, whatever happened to its
run row since, so its planned status (not its live one) is what decides.

`candidates` reads the WHERE as the rows' test does, condition by condition: a run may match
an AND if it may match each of its parts that say anything, an OR if it may match any part
(and an OR with a part that says nothing says nothing). NOT says nothing. The answer is a set
of run indexes to write, or None: any run may match.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from .lifecycle import STATUS_NEEDS_RUN
from .soql_parse import BoolOp, Compare, Cond

if TYPE_CHECKING:
    from .soql_exec import Resolved
    from .store import Deferred

# Audit fields no record of a run's can carry a later value of than the run's horizon.
STAMPS = frozenset({"CreatedDate", "LastModifiedDate", "SystemModstamp", "Timestamp"})
Resolve = Callable[[Compare], "Resolved"]  # a comparison's path against the queried object
Millis = Callable[["Resolved", Compare], int]  # its datetime literal as epoch ms


def _status_runs(d: Deferred, statuses: frozenset[str]) -> set[int]:
    by_status = d.by_status()
    return {i for s in statuses for i in by_status.get(s, ())}


def _since_runs(d: Deferred, ms: int) -> set[int]:
    horizons = d.horizons
    out: set[int] = set()
    for index in d.newest_first:
        if horizons[index] < ms:
            break
        out.add(index)
    return out


def _compare(d: Deferred, obj: str, c: Compare, resolve: Resolve,
             millis: Millis) -> set[int] | None:
    if c.subquery is not None:
        return None
    if c.op in (">", ">=", "=") and len(c.values) == 1 and c.values[0].kind == "datetime":
        r = resolve(c)
        if not r.chain and r.key in STAMPS:
            return _since_runs(d, millis(r, c))
        return None
    rules = STATUS_NEEDS_RUN.get(obj)
    if rules is None or d.statuses is None or c.op not in ("=", "in") or not c.values:
        return None
    r = resolve(c)
    if r.chain or r.key != "Status":
        return None
    by_value = {k.lower(): v for k, v in rules.items()}  # picklists compare case-blind
    needed: set[str] = set()
    for lit in c.values:
        if lit.kind != "string" or not isinstance(lit.value, str):
            return None
        run_statuses = by_value.get(lit.value.lower())
        if run_statuses is None:
            return None  # a value any run's records may hold (or one the rules do not know)
        needed |= run_statuses
    return _status_runs(d, frozenset(needed))


def candidates(d: Deferred, obj: str, where: Cond | None, resolve: Resolve,
               millis: Millis) -> set[int] | None:
    """The held-back runs (indexes) whose records could match `where` on `obj`; None: any."""
    if where is None:
        return None
    if isinstance(where, Compare):
        return _compare(d, obj, where, resolve, millis)
    if isinstance(where, BoolOp):
        parts = [candidates(d, obj, c, resolve, millis) for c in where.items]
        if where.op == "and":
            known = [p for p in parts if p is not None]
            if not known:
                return None
            return set.intersection(*known)
        if any(p is None for p in parts):
            return None
        return set().union(*[p for p in parts if p is not None])
    return None  # NOT: what a run's records do not hold is not known from its status
