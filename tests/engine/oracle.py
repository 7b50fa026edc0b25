"""An oracle for the engine's mirror that is not the engine: the demo org's own records, read
straight from its store (as a query would see them now, commit lag included) and compared
field by field with what the snapshot holds. No query building, no parsing, no second engine.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from flowstage_tui.emulator.org import DemoOrg
from flowstage_tui.engine.state import Snapshot
from flowstage_tui.salesforce.capabilities import RUN, STAGE, STEP, WORK

Row = dict[str, Any]


def ms(when: datetime) -> int:
    return round(when.timestamp() * 1000)


def visible_rows(org: DemoOrg) -> dict[str, dict[str, Row]]:
    """Every live run, stage, step and work item a query would see at the org's now."""
    with org.lock:
        view = org.visible_store()
        view.ensure_all()
        return {obj: dict(view.table(obj).rows) for obj in (RUN, STAGE, STEP, WORK)}


def _key(row: Row) -> tuple[Any, ...]:
    return (row["Id"], str(row["Status"]), row["SystemModstamp"])


def _got(items: Iterable[Any]) -> set[tuple[Any, ...]]:
    return {(i.id, str(i.status), ms(i.modstamp)) for i in items}


def assert_mirror_is_org(snap: Snapshot, org: DemoOrg, *, page_size: int,
                         margin: int = 50) -> None:
    """The snapshot holds the org's newest runs without a gap, each as the org has it now
    (status and SystemModstamp), with exactly the org's stages, steps and work items for each,
    and status counts equal to a count of the org's runs. Unfiltered views only."""
    rows = visible_rows(org)
    runs = rows[RUN]
    newest_first = sorted(runs.values(), key=lambda r: (r["CreatedDate"], r["Id"]), reverse=True)
    got_ids = [r.id for r in snap.runs]
    assert len(set(got_ids)) == len(got_ids), "a run is in the snapshot twice"
    assert got_ids == [r["Id"] for r in newest_first[:len(got_ids)]], \
        "the snapshot's runs are not the org's newest, in order, without a gap"
    assert min(page_size, len(runs)) <= len(got_ids) <= page_size + margin
    assert _got(snap.runs) == {_key(runs[rid]) for rid in got_ids}, \
        "a run's status or SystemModstamp differs from the org's"
    mirrored = set(got_ids)
    stage_run = {s["Id"]: s["OrchestrationInstanceId"] for s in rows[STAGE].values()}
    step_run = {s["Id"]: s["OrchestrationInstanceId"] for s in rows[STEP].values()}
    want_stages = {_key(s) for s in rows[STAGE].values()
                   if s["OrchestrationInstanceId"] in mirrored}
    want_steps = {_key(s) for s in rows[STEP].values() if s["OrchestrationInstanceId"] in mirrored}
    want_items = {_key(w) for w in rows[WORK].values()
                  if step_run.get(w["StepInstanceId"]) in mirrored}
    assert _got(s for group in snap.stages.values() for s in group) == want_stages
    assert _got(s for group in snap.steps.values() for s in group) == want_steps
    assert _got(w for group in snap.work_items.values() for w in group) == want_items
    for run_id, group in snap.stages.items():
        assert {stage_run[s.id] for s in group} <= {run_id}
    assert dict(snap.counts) == dict(Counter(str(r["Status"]) for r in runs.values()))
