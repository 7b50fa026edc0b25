"""The values the engine hands out: which health states count as fine, what a change set holds."""

from __future__ import annotations

from datetime import UTC, datetime
from types import MappingProxyType

import pytest

from flowstage_tui.engine.state import ChangeSet, Health, HealthState, Snapshot
from flowstage_tui.salesforce.models import Run, RunStatus
from flowstage_tui.salesforce.queries import RunFilter

T0 = datetime(2026, 3, 4, 15, 30, tzinfo=UTC)


@pytest.mark.parametrize(("state", "ok"), [
    (HealthState.CONNECTING, False), (HealthState.LIVE, True), (HealthState.STALE, False),
    (HealthState.OFFLINE, False), (HealthState.ORG_ERROR, False), (HealthState.REAUTH, False),
    (HealthState.LIMIT_LOW, True), (HealthState.LIMIT_EXHAUSTED, False),
])
def test_only_live_and_slowed_polling_are_fine(state: HealthState, ok: bool) -> None:
    assert Health(state).ok is ok


def test_health_defaults() -> None:
    h = Health(HealthState.LIVE)
    assert (h.message, h.last_success, h.next_poll, h.api_used, h.api_limit, h.failures,
            h.interval, h.detail, h.reauth_command, h.reason, h.in_flight_since) == \
        ("", None, None, None, None, 0, 15.0, None, None, "", None)


def fz(**kw: set[str]) -> MappingProxyType[str, frozenset[str]]:
    return MappingProxyType({k: frozenset(v) for k, v in kw.items()})


def test_change_set_counts_every_id_once_per_kind() -> None:
    cs = ChangeSet(added=fz(Run={"a", "b"}, Stage={"s"}), changed=fz(Run={"c"}),
                   removed=fz(Step={"x", "y", "z"}))
    assert cs.size == 7
    assert cs.ids("Run") == {"a", "b", "c"}
    assert cs.ids("Step") == {"x", "y", "z"}
    assert cs.ids("Stage") == {"s"}
    assert cs.ids("WorkItem") == frozenset()
    assert not cs.full


def test_an_empty_change_set() -> None:
    cs = ChangeSet()
    assert cs.size == 0 and cs.ids("Run") == frozenset() and cs.full is False
    assert dict(cs.added) == dict(cs.changed) == dict(cs.removed) == {}


def a_run(rid: str) -> Run:
    return Run(id=rid, name=rid, status=RunStatus.IN_PROGRESS, orchestration=None, label=None,
               current_stage=None, created=T0, modified=T0, modstamp=T0, duration=None,
               interview_id=None)


def test_empty_snapshot_and_finding_a_run() -> None:
    flt = RunFilter(statuses=("Error",))
    empty = Snapshot.empty(flt)
    assert empty.filter == flt and Snapshot.empty().filter == RunFilter()
    assert (empty.runs, dict(empty.stages), dict(empty.steps), dict(empty.work_items),
            dict(empty.errors), dict(empty.counts), empty.org, empty.taken, empty.more) == \
        ((), {}, {}, {}, {}, {}, None, None, False)
    snap = Snapshot((a_run("r1"), a_run("r2")), {}, {}, {}, {}, {}, flt, None, T0)
    assert snap.run("r2") == a_run("r2")
    assert snap.run("r1") is snap.runs[0]
    assert snap.run("r3") is None
