"""Which failure clusters grew between two reads of them: the edge an alert is raised on.

A cluster grew when it holds an Error run the previous read did not have in it (a new
fingerprint holds only such runs). Counting runs, not comparing counts: a run resumed out
of a cluster and another failing into it leave the count as it was, and the new failure is
still news. The first read is the baseline (what was broken before the watch began is for
`flowstage failures`). Pure: reports in, growths out.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..salesforce.clusters import Cluster, FailureReport


@dataclass(frozen=True)
class Growth:
    cluster: Cluster  # as the newer read has it
    new_runs: tuple[str, ...]  # its run Ids the previous read did not have in it, newest first
    previous: int  # how many runs it held in the previous read (0: a new cluster)


def cluster_growth(before: FailureReport, after: FailureReport,
                   orchestration: str | None = None) -> tuple[Growth, ...]:
    """The clusters of `after` that hold runs they did not hold in `before`, biggest first;
    `orchestration`: only clusters with a run of an orchestration whose name contains it."""
    old = {c.fingerprint: c for c in before.clusters}
    out = []
    for c in after.clusters:
        if orchestration and not any(orchestration.lower() in name.lower()
                                     for name, _v in c.orchestrations):
            continue
        prev = old.get(c.fingerprint)
        seen = frozenset(prev.run_ids) if prev is not None else frozenset()
        new = tuple(rid for rid in c.run_ids if rid not in seen)
        if new:
            out.append(Growth(c, new, prev.count if prev is not None else 0))
    return tuple(out)


def growth_words(g: Growth) -> str:
    """`UNABLE_TO_LOCK_ROW in Account_Setup / Create_Billing_Account: 3 → 5 runs (+2)`; org
    text: whoever shows it cleans it."""
    return f"{g.cluster.title()}: {g.previous} → {g.cluster.count} runs (+{len(g.new_runs)})"


__all__ = ["Growth", "cluster_growth", "growth_words"]
